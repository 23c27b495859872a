/**
 * Every call the handlers make in the drill, and every call AWS services make
 * for the constructs, evaluated against the policies synthesized from the
 * constructs, across both accounts: each must be allowed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { drillStacks, drillWorld, DrillResources } from './drill-world';
import { AuthzRequest, evaluate, Outcome } from './evaluate';
import { readRecording, RecordedCall, requestsOfCalls } from './recorded';
import { serviceRequests } from './services';
import { World } from './world';
import { DRILL_DEFAULTS } from '../drill/defaults';
import { runDrill } from '../drill/drill';
import { startEmulator } from '../emulator/emulator';

let calls: RecordedCall[];
let resources: DrillResources;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authorization-'));
  const file = path.join(dir, 'calls.jsonl');
  const emulator = await startEmulator({ copyPendingDescribes: 2, recordCallsTo: file });
  try {
    const { shipper, vault } = drillStacks(true);
    const report = await runDrill(emulator, { ...DRILL_DEFAULTS, shipperOwnerId: shipper.ownerId, vaultOwnerId: vault.ownerId });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    resources = report.resources;
  } finally {
    await emulator.stop();
  }
  calls = readRecording(file);
}, 300_000);

/** Calls on DB cluster snapshots: a shipper of DB instances only never makes them, nor its vault. */
const onClusters = (c: RecordedCall) => /Cluster/.test(c.action) || Object.values(c.snapshots ?? {}).some((s) => s.arn.includes(':cluster-snapshot:'));

async function denials(world: World, requests: AuthzRequest[]): Promise<Array<{ why: string; outcome: Outcome }>> {
  const out = [];
  for (const r of requests) {
    const outcome = await evaluate(world.policies, r);
    if (outcome.decision !== 'Allowed' || outcome.ignoredContextKeys.length > 0) out.push({ why: `${r.why} [${r.principal} ${r.action} ${r.resource}]`, outcome });
  }
  return out;
}

describe.each([
  ['a shipper of DB instances and its vault', false, false],
  ['a shipper of DB instances and clusters and its vault', true, false],
  ['a shipper of DB instances and clusters and its vault, under the vault\'s SCP', true, true],
])('%s', (_name, withClusters, withScp) => {
  test('every call the handlers made in the drill is allowed', async () => {
    const { world } = drillWorld(withClusters, resources, withScp);
    const made = withClusters ? calls : calls.filter((c) => !onClusters(c));
    const requests = requestsOfCalls(made, world.bindings);
    expect(new Set(made.map((c) => c.caller))).toEqual(new Set(['shipper', 'vault']));
    expect(await denials(world, requests)).toEqual([]);
  });

  test('every call AWS services make for the constructs is allowed', async () => {
    const { world } = drillWorld(withClusters, resources, withScp);
    const requests = world.deployments.flatMap(serviceRequests);
    expect(await denials(world, requests)).toEqual([]);
  });
});
