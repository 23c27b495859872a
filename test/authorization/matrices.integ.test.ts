/**
 * Authorization proven offline. The emulator records every call the bundled
 * handlers make: in the drill (one source with two shippers, one of them taking
 * a snapshot every 4 hours, ending with a restore drill), in a
 * run of a vault with two sources in two accounts and two Regions, and in a
 * restore drill with a validation function. Each call, each call AWS services
 * make for the constructs, and each case of the deny matrix is evaluated
 * against the policies synthesized from the constructs, across the accounts,
 * with the vault's SCP and without it. Then each statement of those
 * policies, and each condition of each statement, is removed in turn: some
 * expectation must stop holding every time.
 *
 * The figures (requests evaluated, mutants caught) are written to
 * `authorization-figures.json` in the system's temporary directory.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DeniedCase, deniedCases, restoreDrillCases, RestoreDrillCaseStacks, takingCases } from './denied';
import { DrillStacks, drillStacks, drillWorld, DrillResources } from './drill-world';
import { AuthzRequest, evaluationCounts } from './evaluate';
import { caught, expectations, Mutant, mutants, unmet, worldsOf } from './matrix';
import { callsOfValidations, readRecording, RecordedCall, requestsOfCalls } from './recorded';
import { RegionDrillResources, regionStacks, regionWorld } from './regions-world';
import { FAILSAFE, RestoreDrillRun, restoreDrillWorld, runRestoreDrillWorld } from './restore-drill-world';
import { serviceRequests } from './services';
import { runTwoSources, SOURCES, TwoSourceResources, twoSourceWorld, VAULT_ACCOUNT, VAULT_REGION } from './two-sources';
import { World } from './world';
import { DRILL_DEFAULTS, DRILL_EMULATOR, REGION_DRILL_DEFAULTS } from '../drill/defaults';
import { runDrill } from '../drill/drill';
import { runRegionDrill } from '../drill/regions';
import { SUB_DAILY_APP_ID } from '../drill/sub-daily';
import { Emulator, EmulatorOptions, REGION, startEmulator } from '../emulator/emulator';

const figures: Record<string, Record<string, unknown>> = {};

/** Seconds since `start`, to one decimal: where the suite's time goes, in the figures. */
const secondsSince = (start: number) => Math.round((Date.now() - start) / 100) / 10;

type Recorded<T> = { result: T; calls: RecordedCall[] };

async function recorded<T>(name: string, options: EmulatorOptions, run: (emulator: Emulator) => Promise<T>): Promise<Recorded<T>> {
  const start = Date.now();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'authorization-')), 'calls.jsonl');
  const emulator = await startEmulator({ ...options, recordCallsTo: file });
  try {
    const result = await run(emulator);
    return { result, calls: readRecording(file) };
  } finally {
    await emulator.stop();
    figures['recording (seconds)'] = { ...figures['recording (seconds)'], [name]: secondsSince(start) };
  }
}

let drillCalls: RecordedCall[];
let drillResources: DrillResources;
let twoSourceCalls: RecordedCall[];
let twoSourceResources: TwoSourceResources;
let regionCalls: RecordedCall[];
let regionResources: RegionDrillResources;
let restoreCalls: RecordedCall[];
let restoreRun: RestoreDrillRun;

beforeAll(async () => {
  // The drill's handlers carry the owner ids of the synthesized constructs, which their policies name: the restore drill's too.
  const { shipper, subDailyShipper, vault, drill: restoreDrill } = drillStacks(true);
  const owners = {
    shipperOwnerId: shipper.ownerId,
    vaultOwnerId: vault.ownerId,
    restoreDrill: { ...DRILL_DEFAULTS.restoreDrill, ownerId: restoreDrill.ownerId },
    subDaily: { ...DRILL_DEFAULTS.subDaily!, shipperOwnerId: subDailyShipper.ownerId },
  };
  const drill = await recorded('drill', DRILL_EMULATOR, (e) => runDrill(e, { ...DRILL_DEFAULTS, ...owners }));
  expect(drill.result.checks.filter((c) => !c.ok)).toEqual([]);
  drillCalls = drill.calls;
  drillResources = drill.result.resources;
  const two = await recorded('two sources', {}, runTwoSources);
  // Both sources reached the vault, the second across Regions.
  expect([...two.result.vaultCopies].sort()).toEqual(SOURCES.map((s) => expect.stringMatching(new RegExp(`^vault-${s.account}-${s.region}-failsafe-${s.database}-`))));
  // Source B's cluster too, across Regions in one step.
  expect(two.result.vaultClusterCopies).toEqual([expect.stringMatching(new RegExp(`^arn:aws:rds:${VAULT_REGION}:${VAULT_ACCOUNT}:cluster-snapshot:vault-invoices-`))]);
  twoSourceCalls = two.calls;
  twoSourceResources = two.result.resources;
  // The drill across Regions, with the owner ids of its synthesized constructs. Calls refused by the outage are not recorded.
  const across = regionStacks();
  const regionDrill = await recorded('across Regions', { copyPendingDescribes: 2 }, (e) => runRegionDrill(e, {
    ...REGION_DRILL_DEFAULTS, shipperOwnerId: across.shipper.ownerId, vaultOwnerId: across.vault.ownerId,
  }));
  expect(regionDrill.result.checks.filter((c) => !c.ok)).toEqual([]);
  regionCalls = regionDrill.calls;
  regionResources = regionDrill.result.resources;
  // A restore drill with a validation function, of an instance under a customer managed key, one under aws/rds and an Aurora cluster.
  const restore = await recorded('restore drill', { copyPendingDescribes: 1, restorePendingDescribes: 2 }, runRestoreDrillWorld);
  expect(restore.result).toMatchObject({ verdicts: { orders: true, billing: false, ledger: true }, left: [] });
  expect(restore.result.validations).toHaveLength(3);
  restoreRun = restore.result;
  // The stand-in Lambda endpoint is not the emulator: its calls are added as the drill's and the validation function's.
  restoreCalls = [...restore.calls, ...callsOfValidations(restore.result.validations, FAILSAFE, REGION)];
}, 500_000);

afterAll(() => {
  figures.evaluations = { ...evaluationCounts() };
  fs.writeFileSync(path.join(os.tmpdir(), 'authorization-figures.json'), JSON.stringify(figures, null, 2));
});

/** Calls of the shipper on DB clusters and their snapshots: a shipper of DB instances only never makes them. */
const onClusters = (c: RecordedCall) => c.caller === 'shipper'
  && (/Cluster/.test(c.action) || Object.values(c.snapshots ?? {}).some((s) => s.arn.includes(':cluster-snapshot:')));

interface Configuration {
  readonly world: World;
  readonly calls: readonly RecordedCall[];
  readonly denied: readonly DeniedCase[];
  /** The handlers (and functions) whose calls were recorded. */
  readonly callers: readonly string[];
  /** The restore drill of the world, whose mutants are counted apart. */
  readonly restoreDrill?: RestoreDrillCaseStacks;
}

/**
 * Mutants of what a restore drill adds: the policies of its role, function,
 * queue and validation function's role, its statements in the vault key's
 * policy (Drill<id>...), and the SCP's statements on drill roles.
 */
function ofTheRestoreDrill(world: World, s: RestoreDrillCaseStacks): (m: Mutant) => boolean {
  const own = [s.drill.role.roleArn, s.drill.reconcileFunction.functionArn, s.drill.deadLetterQueue.queueArn].map((v) => world.resolve(s.drill, v));
  if (s.validation?.role) own.push(world.resolve(s.validation, s.validation.role.roleArn));
  return (m) => own.includes(m.policy.attachedTo) || /: (Drill[0-9A-F]{8}|DenyTaggingVaultSnapshots|DenyDrillsTagging)/.test(m.name);
}

/**
 * The drill's second shipper, of its sub-daily database: the deny matrix of a
 * shipper, and of one that takes its own snapshots (the daily one takes none).
 */
function subDailyCases(world: World, stacks: DrillStacks): DeniedCase[] {
  const database = DRILL_DEFAULTS.subDaily!.database;
  return [
    ...deniedCases(world, { shipper: stacks.subDailyShipper, vault: stacks.vault, database }),
    ...takingCases(world, stacks.subDailyShipper, database, { shipper: stacks.shipper, database: Object.keys(DRILL_DEFAULTS.databases)[0] }),
  ];
}

const snapshotIn = (account: string, region: string) => `arn:aws:rds:${region}:${account}:snapshot:failsafe-orders-20261124-210941`;

/** The two-source vault: its sources are pairs, and the vault may not copy across them. */
function crossedPairs(world: World, vault: Parameters<typeof deniedCases>[1]['vault']): DeniedCase[] {
  const role: string = world.resolve(vault, vault.role.roleArn);
  const tags = { 'aws:RequestTag/cdk-rds-failsafe:owner': vault.ownerId, 'aws:TagKeys': ['cdk-rds-failsafe:owner'] };
  const [a, b] = SOURCES;
  const copy = (why: string, arn: string): AuthzRequest => ({ why, principal: role, action: 'rds:CopyDBSnapshot', resource: arn, context: tags, sharedWith: [VAULT_ACCOUNT] });
  const copyCluster = (why: string, arn: string): AuthzRequest => ({ ...copy(why, arn), action: 'rds:CopyDBClusterSnapshot' });
  const clusterIn = (account: string, region: string) => snapshotIn(account, region).replace(':snapshot:failsafe-orders-', ':cluster-snapshot:failsafe-invoices-');
  return [
    { request: copy('the vault copies source B\'s account in source A\'s Region', snapshotIn(b.account, a.region)), control: copy('the vault copies source B', snapshotIn(b.account, b.region)) },
    { request: copy('the vault copies source A\'s account in source B\'s Region', snapshotIn(a.account, b.region)), control: copy('the vault copies source A', snapshotIn(a.account, a.region)) },
    {
      request: copyCluster('the vault copies a cluster snapshot of source A\'s account in source B\'s Region', clusterIn(a.account, b.region)),
      control: copyCluster('the vault copies a cluster snapshot of source B, across Regions', clusterIn(b.account, b.region)),
    },
  ];
}

const CONFIGURATIONS: Array<[string, () => Configuration]> = [
  ['a shipper of DB instances, a second one every 4 hours, and their vault, and its restore drill', () => {
    const { world, stacks } = drillWorld(false, drillResources);
    const denied = [...deniedCases(world, stacks), ...subDailyCases(world, stacks), ...restoreDrillCases(world, stacks)];
    return { world, calls: drillCalls.filter((c) => !onClusters(c)), denied, callers: ['shipper', SUB_DAILY_APP_ID, 'vault', 'drill'], restoreDrill: stacks };
  }],
  ['a shipper of DB instances and clusters, a second one every 4 hours, and their vault, and its restore drill', () => {
    const { world, stacks } = drillWorld(true, drillResources);
    const denied = [...deniedCases(world, stacks), ...subDailyCases(world, stacks), ...restoreDrillCases(world, stacks)];
    return { world, calls: drillCalls, denied, callers: ['shipper', SUB_DAILY_APP_ID, 'vault', 'drill'], restoreDrill: stacks };
  }],
  ['a vault with two sources in two accounts and two Regions', () => {
    const { world, stacks } = twoSourceWorld(twoSourceResources);
    // The deny matrix for each source's shipper, and the vault's own cases, with the pairs crossed.
    const denied = stacks.lives.flatMap((l, i) => deniedCases(world, { ...l, database: SOURCES[i].database, vault: stacks.vault }));
    return { world, calls: twoSourceCalls, denied: [...denied, ...crossedPairs(world, stacks.vault)], callers: ['shipper', 'vault'] };
  }],
  ['a shipper that copies across Regions and its vault in the DR Region', () => {
    const { world, stacks } = regionWorld(regionResources);
    return { world, calls: regionCalls, denied: deniedCases(world, stacks), callers: ['shipper', 'vault'] };
  }],
  ['a vault and its restore drill, with a validation function', () => {
    const { world, stacks } = restoreDrillWorld(restoreRun.resources);
    const denied = [...deniedCases(world, stacks), ...restoreDrillCases(world, stacks)];
    return { world, calls: restoreCalls, denied, callers: ['shipper', 'vault', 'drill', 'validation'], restoreDrill: stacks };
  }],
];

describe.each(CONFIGURATIONS)('%s', (name, configuration) => {
  // The world is synthesized once for the four tests, which only read it (mutants are copies).
  let built: ReturnType<typeof build> | undefined;
  const build = () => {
    const c = configuration();
    return { ...c, requests: requestsOfCalls(c.calls, c.world.bindings), services: c.world.deployments.flatMap(serviceRequests) };
  };
  const setup = () => (built ??= build());
  const note = (values: Record<string, unknown>) => { figures[name] = { ...figures[name], ...values }; };
  let started = 0;
  beforeEach(() => { started = Date.now(); });
  afterEach(() => { note({ [`seconds: ${expect.getState().currentTestName?.slice(name.length + 1)}`]: secondsSince(started) }); });

  test('every call the handlers made is allowed, with the SCP and without', async () => {
    const { world, calls, requests, callers, restoreDrill } = setup();
    expect(new Set(calls.map((c) => c.caller))).toEqual(new Set(callers));
    expect(await unmet(worldsOf(world.policies), expectations(requests, []))).toEqual([]);
    note({ callsRecorded: calls.length, requestsOfCalls: requests.length });
    if (restoreDrill) {
      const role = world.resolve(restoreDrill.drill, restoreDrill.drill.role.roleArn);
      note({ restoreDrillCalls: calls.filter((c) => c.caller === 'drill').length, restoreDrillRequests: requests.filter((r) => r.principal === role).length });
    }
  });

  test('every call AWS services make for the constructs is allowed, with the SCP and without', async () => {
    const { world, services } = setup();
    expect(await unmet(worldsOf(world.policies), expectations(services, []))).toEqual([]);
    note({ serviceRequests: services.length });
  });

  test('every case of the deny matrix is denied, and its control allowed', async () => {
    const { world, denied } = setup();
    expect(await unmet(worldsOf(world.policies), expectations([], denied))).toEqual([]);
    note({ deniedCases: denied.length });
  });

  test('removing any one statement or condition of the constructs\' policies breaks an expectation', async () => {
    const { world, requests, services, denied, restoreDrill } = setup();
    const all = expectations([...requests, ...services], denied);
    // Every expectation holds without a mutation, which lets `caught` skip the requests a mutant cannot touch.
    expect(await unmet(worldsOf(world.policies), all)).toEqual([]);
    const escaped: string[] = [];
    const list = mutants(worldsOf(world.policies));
    for (const m of list) if (!await caught(m, all)) escaped.push(m.name);
    note({ expectations: all.length, mutants: list.length, caught: list.length - escaped.length, escaped });
    if (restoreDrill) {
      const drills = list.filter(ofTheRestoreDrill(world, restoreDrill));
      note({ restoreDrillMutants: drills.length, restoreDrillCaught: drills.filter((m) => !escaped.includes(m.name)).length });
      expect(drills.length).toBeGreaterThan(20);
    }
    expect(list.length).toBeGreaterThan(50);
    expect(escaped).toEqual([]);
  }, 300_000);
});
