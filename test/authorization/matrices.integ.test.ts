/**
 * Authorization proven offline. The drill runs with the emulator recording
 * every call the handlers make; each call, each call AWS services make for
 * the constructs, and each case of the deny matrix is evaluated against the
 * policies synthesized from the constructs, across both accounts, with the
 * vault's SCP and without it. Then each statement of those policies, and
 * each condition of each statement, is removed in turn: some expectation
 * must stop holding every time.
 *
 * The figures (requests evaluated, mutants caught) are written to
 * `authorization-figures.json` in the system's temporary directory.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deniedCases } from './denied';
import { drillStacks, drillWorld, DrillResources } from './drill-world';
import { caught, expectations, mutants, unmet, worldsOf } from './matrix';
import { readRecording, RecordedCall, requestsOfCalls } from './recorded';
import { serviceRequests } from './services';
import { DRILL_DEFAULTS } from '../drill/defaults';
import { runDrill } from '../drill/drill';
import { startEmulator } from '../emulator/emulator';

let calls: RecordedCall[];
let resources: DrillResources;
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authorization-'));
  const file = path.join(dir, 'calls.jsonl');
  const emulator = await startEmulator({ copyPendingDescribes: 2, recordCallsTo: file });
  try {
    // The drill's handlers carry the owner ids of the synthesized constructs, which their policies name.
    const { shipper, vault } = drillStacks(true);
    const report = await runDrill(emulator, { ...DRILL_DEFAULTS, shipperOwnerId: shipper.ownerId, vaultOwnerId: vault.ownerId });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    resources = report.resources;
  } finally {
    await emulator.stop();
  }
  calls = readRecording(file);
}, 300_000);

afterAll(() => {
  fs.writeFileSync(path.join(os.tmpdir(), 'authorization-figures.json'), JSON.stringify(figures, null, 2));
});

/** Calls of the shipper on DB clusters and their snapshots: a shipper of DB instances only never makes them. */
const onClusters = (c: RecordedCall) => c.caller === 'shipper'
  && (/Cluster/.test(c.action) || Object.values(c.snapshots ?? {}).some((s) => s.arn.includes(':cluster-snapshot:')));

describe.each([
  ['a shipper of DB instances and its vault', false],
  ['a shipper of DB instances and clusters and its vault', true],
])('%s', (name, withClusters) => {
  const setup = () => {
    const { world, stacks } = drillWorld(withClusters, resources, true);
    const made = withClusters ? calls : calls.filter((c) => !onClusters(c));
    return { world, stacks, made, recorded: requestsOfCalls(made, world.bindings), services: world.deployments.flatMap(serviceRequests) };
  };

  test('every call the handlers made in the drill is allowed, with the SCP and without', async () => {
    const { world, made, recorded } = setup();
    expect(new Set(made.map((c) => c.caller))).toEqual(new Set(['shipper', 'vault']));
    expect(await unmet(worldsOf(world.policies), expectations(recorded, []))).toEqual([]);
    figures[name] = { ...figures[name] as object, callsRecorded: made.length, requestsOfCalls: recorded.length };
  });

  test('every call AWS services make for the constructs is allowed, with the SCP and without', async () => {
    const { world, services } = setup();
    expect(await unmet(worldsOf(world.policies), expectations(services, []))).toEqual([]);
    figures[name] = { ...figures[name] as object, serviceRequests: services.length };
  });

  test('removing any one statement or condition of the constructs\' policies breaks an expectation', async () => {
    const { world, stacks, recorded, services } = setup();
    const denied = deniedCases(world, stacks);
    const all = expectations([...recorded, ...services], denied);
    const escaped: string[] = [];
    const list = mutants(worldsOf(world.policies));
    for (const m of list) if (!await caught(m, all)) escaped.push(m.name);
    figures[name] = {
      ...figures[name] as object,
      deniedCases: denied.length,
      expectations: all.length,
      mutants: list.length,
      caught: list.length - escaped.length,
      escaped,
    };
    expect(list.length).toBeGreaterThan(50);
    expect(escaped).toEqual([]);
  }, 300_000);
});
