/**
 * What an idle sweep costs, per configuration, as the bundled handlers count
 * their own calls (`apiCalls` of the pass), against the emulator. Every list
 * here fits one page of 100. test/runtime/idle-api-calls.test.ts counts the
 * same with mocked RDS, option groups included.
 */
import { AddTagsToResourceCommand } from '@aws-sdk/client-rds';
import { Emulator, startEmulator } from '../emulator/emulator';
import { createFailsafeAccount, runVault } from '../emulator/failsafe';
import { invokeBundled } from '../emulator/invoke';
import { createLiveAccount, LiveAccount, shipperConfigFor } from '../emulator/live';

const LIVE = '111111111111';
const FAILSAFE = '222222222222';
const scheduled = { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'detail': {} };
const INSTANCES_ONLY = { 'rds:DescribeDBInstances': 1, 'rds:DescribeDBSnapshots': 2, 'rds:DescribeAccountAttributes': 1 };
const WITH_CLUSTERS = { ...INSTANCES_ONLY, 'rds:DescribeDBClusters': 1, 'rds:DescribeDBClusterSnapshots': 2 };

let emulator: Emulator;
beforeAll(async () => { emulator = await startEmulator(); });
afterAll(async () => { await emulator?.stop(); });
beforeEach(async () => { await emulator.reset(); });

function shipperConfig(live: LiveAccount, selection: object) {
  return shipperConfigFor(live, FAILSAFE, selection, { ownerId: 'shipper-idle' });
}

async function runShipper(live: LiveAccount, config: object) {
  const out = await invokeBundled('shipper/shipper.lambda', scheduled, {
    endpoint: emulator.endpoint,
    credentials: await emulator.credentialsFor(live.account),
    environment: { SHIPPER_CONFIG: JSON.stringify(config) },
  });
  if (out.error) throw new Error(`shipper failed: ${out.error}\n${JSON.stringify(out.logs, null, 1)}`);
  return out;
}

/**
 * The RDS calls of a pass. Each invocation here is a cold start, which also
 * reads the construct's key once (kms:DescribeKey, key-epoch.ts): that call is
 * checked apart, since a warm execution environment does not repeat it.
 */
function rdsCalls(apiCalls: Record<string, number>): Record<string, number> {
  expect(apiCalls['kms:DescribeKey'] ?? 0).toBeLessThanOrEqual(1);
  return Object.fromEntries(Object.entries(apiCalls).filter(([op]) => op !== 'kms:DescribeKey'));
}

/** Sweeps until one changes nothing; returns that idle sweep's calls. */
async function idleSweepOf(live: LiveAccount, config: object): Promise<Record<string, number>> {
  for (let i = 0; i < 6; i++) {
    const r = (await runShipper(live, config)).result;
    const idle = r.copiesStarted === 0 && r.shared === 0 && r.announced === 0 && r.deleted === 0 && !(r.findings['copy-in-progress'] > 0);
    if (idle) {
      expect(r.failures).toBe(0);
      return rdsCalls(r.apiCalls);
    }
  }
  throw new Error('the shipper never went idle');
}

describe('an idle shipper sweep, counted by the bundled handler', () => {
  test('of `instances`: 4 calls; with `clusters`: 7', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    await live.createDatabase('orders', 'none');
    await live.createCluster('ledger', 'aws/rds');
    expect(await idleSweepOf(live, shipperConfig(live, { identifiers: ['orders'] }))).toEqual(INSTANCES_ONLY);
    expect(await idleSweepOf(live, shipperConfig(live, { identifiers: ['orders'], clusterIdentifiers: ['ledger'] }))).toEqual(WITH_CLUSTERS);
  });

  test('with `selectByTag`: 7 calls, both kinds read', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    await live.createDatabase('orders', 'none');
    await live.createCluster('ledger', 'aws/rds');
    const tags = [{ Key: 'backup', Value: 'failsafe' }];
    await live.rds.send(new AddTagsToResourceCommand({ ResourceName: `arn:aws:rds:eu-west-1:${LIVE}:db:orders`, Tags: tags }));
    await live.rds.send(new AddTagsToResourceCommand({ ResourceName: `arn:aws:rds:eu-west-1:${LIVE}:cluster:ledger`, Tags: tags }));
    const config = shipperConfig(live, { tag: { key: 'backup', value: 'failsafe' } });
    const first = (await runShipper(live, config)).result;
    expect(first.selected).toBe(2);
    expect(await idleSweepOf(live, config)).toEqual(WITH_CLUSTERS);
  });
});

describe('an idle vault sweep, counted by the bundled handler', () => {
  const vaultConfig = (topicArns: string[], vaultKeyArn: string, extra: object = {}) => ({
    version: 1,
    ownerId: 'vault-idle',
    vaultKeyArn,
    sources: topicArns.map((topicArn) => ({ topicArn })),
    sourceAccounts: [LIVE],
    retentionMs: 31 * 86_400_000,
    minimumCopies: 3,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
    ...extra,
  });

  test('5 calls with its sources in its own Region; one more per other source Region, two with copyClustersAcrossRegions', async () => {
    const failsafe = await createFailsafeAccount(emulator, FAILSAFE);
    const home = `arn:aws:sns:eu-west-1:${LIVE}:rds-failsafe-shipper`;
    const others = [`arn:aws:sns:eu-central-1:${LIVE}:rds-failsafe-shipper`, `arn:aws:sns:us-east-1:${LIVE}:rds-failsafe-shipper`];
    const sweep = async (config: object) => {
      const out = await runVault(emulator, failsafe, config, scheduled);
      expect(out.error).toBeUndefined();
      expect(out.result.summaries[0]).toMatchObject({ copiesStarted: 0, deleted: 0, failures: 0 });
      return rdsCalls(out.result.apiCalls);
    };
    expect(await sweep(vaultConfig([home], failsafe.vaultKeyArn)))
      .toEqual({ 'rds:DescribeDBSnapshots': 2, 'rds:DescribeDBClusterSnapshots': 2, 'rds:DescribeAccountAttributes': 1 });
    // The counter names a call in another Region with that Region.
    const ownRegion = { 'rds:DescribeDBSnapshots': 2, 'rds:DescribeDBClusterSnapshots': 2, 'rds:DescribeAccountAttributes': 1 };
    expect(await sweep(vaultConfig([home, ...others], failsafe.vaultKeyArn))).toEqual({
      ...ownRegion, 'rds@eu-central-1:DescribeDBSnapshots': 1, 'rds@us-east-1:DescribeDBSnapshots': 1,
    });
    expect(await sweep(vaultConfig([home, ...others], failsafe.vaultKeyArn, { copyClustersAcrossRegions: true }))).toEqual({
      ...ownRegion,
      'rds@eu-central-1:DescribeDBSnapshots': 1,
      'rds@us-east-1:DescribeDBSnapshots': 1,
      'rds@eu-central-1:DescribeDBClusterSnapshots': 1,
      'rds@us-east-1:DescribeDBClusterSnapshots': 1,
    });
  });
});
