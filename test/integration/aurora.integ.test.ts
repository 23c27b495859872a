/**
 * Aurora DB clusters end to end against the emulator: the bundled shipper
 * copies an automated cluster snapshot under the shipping key, shares and
 * announces it; the bundled vault copies it under its own key. And the
 * Aurora differences: member instances, unencrypted clusters, Serverless v2,
 * name lengths, and cluster snapshots from another region. (Multi-AZ DB
 * clusters are covered by the planner tests: the emulator does not model them.)
 */
import { AddTagsToResourceCommand, DescribeDBClustersCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { parseMessage } from '../../src/runtime/schema';
import { TagKeys } from '../../src/runtime/tags';
import { Emulator, startEmulator } from '../emulator/emulator';
import { createFailsafeAccount, FailsafeAccount, runVault, snsEvent } from '../emulator/failsafe';
import { invokeBundled } from '../emulator/invoke';
import { createLiveAccount, LiveAccount, shipperConfigFor } from '../emulator/live';

const LIVE = '111111111111';
const FAILSAFE = '222222222222';
const scheduled = { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'detail': {} };
const tagsOf = (s: { TagList?: { Key?: string; Value?: string }[] }) => Object.fromEntries((s.TagList ?? []).map((t) => [t.Key, t.Value]));

let emulator: Emulator;
beforeAll(async () => { emulator = await startEmulator({ copyPendingDescribes: 1 }); });
afterAll(async () => { await emulator?.stop(); });
beforeEach(async () => { await emulator.reset(); });

function shipperConfig(live: LiveAccount, selection: object) {
  return shipperConfigFor(live, FAILSAFE, selection, { ownerId: 'shipper-aurora' });
}

function vaultConfig(failsafe: FailsafeAccount, topicArns: string[]) {
  return {
    version: 1,
    ownerId: 'vault-aurora',
    vaultKeyArn: failsafe.vaultKeyArn,
    sources: topicArns.map((topicArn) => ({ topicArn })),
    sourceAccounts: [LIVE],
    retentionMs: 31 * 86_400_000,
    minimumCopies: 3,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
  };
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

/** Shipper passes until nothing is left to copy or announce. */
/**
 * Delivers the announcement of a cluster's first snapshot: its lineage is new,
 * so the announcement waits for the sweep, which copies it. Returns the sweep.
 */
async function deliverFirst(failsafe: FailsafeAccount, config: object, topicArn: string, body: string) {
  const announced = await runVault(emulator, failsafe, config, snsEvent(topicArn, body));
  expect(announced.error).toBeUndefined();
  expect(announced.result).toMatchObject({ accepted: 1, summaries: [{ copiesStarted: 0, failures: 0, findings: { 'new-lineage-waits-for-sweep': 1 } }] });
  return runVault(emulator, failsafe, config, scheduled);
}

async function shipAll(live: LiveAccount, config: object) {
  const passes = [];
  for (let i = 0; i < 5; i++) {
    const out = await runShipper(live, config);
    passes.push(out);
    const r = out.result;
    if (r.copiesStarted === 0 && r.announced === 0 && !(r.findings['copy-in-progress'] > 0)) break;
  }
  return passes;
}

describe('Aurora clusters against the emulator', () => {
  test('an encrypted Aurora cluster is copied under the shipping key, shared, announced as a cluster, and copied by the vault under its own key', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    const failsafe = await createFailsafeAccount(emulator, FAILSAFE);
    await live.createCluster('ledger', 'aws/rds');
    const config = shipperConfig(live, { clusterIdentifiers: ['ledger'] });

    const passes = await shipAll(live, config);
    expect(passes[0].result).toMatchObject({ selected: 1, copiesStarted: 1, failures: 0 });
    expect(passes[0].result.apiCalls).toMatchObject({ 'rds:DescribeDBClusters': 1, 'rds:DescribeDBClusterSnapshots': 2, 'rds:CopyDBClusterSnapshot': 1 });
    const [copy] = await live.manualClusterSnapshots();
    expect(copy.DBClusterSnapshotIdentifier).toMatch(/^failsafe-ledger-\d{8}-\d{6}$/);
    expect(copy.KmsKeyId).toBe(live.shippingKeyArn);
    expect(tagsOf(copy)).toMatchObject({ [TagKeys.OWNER]: 'shipper-aurora', [TagKeys.SOURCE_DATABASE]: 'ledger' });
    expect(await live.clusterRestoreAttribute(copy.DBClusterSnapshotIdentifier!)).toEqual([FAILSAFE]);
    // No instance snapshot of the member was made.
    expect(await live.manualSnapshots()).toEqual([]);

    const [body] = await live.takeAnnouncements();
    const parsed = parseMessage(body);
    expect(parsed.ok && parsed.message).toMatchObject({ kind: 'cluster', snapshotArn: copy.DBClusterSnapshotArn, sourceDatabaseIdentifier: 'ledger', encrypted: true });

    const vault = vaultConfig(failsafe, [live.topicArn]);
    const delivered = await deliverFirst(failsafe, vault, live.topicArn, body);
    expect(delivered.error).toBeUndefined();
    expect(delivered.result).toMatchObject({ trigger: 'sweep', summaries: [{ copiesStarted: 1, failures: 0 }] });
    const [vaultCopy] = await failsafe.manualClusterSnapshots();
    expect(vaultCopy.DBClusterSnapshotIdentifier).toMatch(/^vault-ledger-\d{8}-\d{6}-[0-9a-f]{10}$/);
    expect(vaultCopy.KmsKeyId).toBe(failsafe.vaultKeyArn);
    expect(tagsOf(vaultCopy)).toMatchObject({ [TagKeys.OWNER]: 'vault-aurora', [TagKeys.SOURCE_SNAPSHOT]: copy.DBClusterSnapshotArn, [TagKeys.SOURCE_DATABASE]: 'ledger' });

    // The sweep finds the shared cluster snapshot already copied, records the finished copy, and reports its recovery point.
    let sweep = await runVault(emulator, failsafe, vault);
    for (let i = 0; i < 3 && sweep.result.summaries[0].copiesCompleted === 0; i++) sweep = await runVault(emulator, failsafe, vault);
    expect(sweep.result.summaries[0]).toMatchObject({ copiesStarted: 0, copiesCompleted: 1, failures: 0 });
    expect(sweep.emf.some((d) => d.RecoveryPointAge !== undefined && d.SourceDatabase === 'ledger')).toBe(true);
  });

  test('a cluster with the longest name the shipper takes (38 characters) is shipped and vaulted within RDS\'s 63 characters for cluster snapshots', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    const failsafe = await createFailsafeAccount(emulator, FAILSAFE);
    const name = `l${'o'.repeat(36)}g`;
    expect(name).toHaveLength(38);
    await live.createCluster(name, 'cmk');
    await shipAll(live, shipperConfig(live, { clusterIdentifiers: [name] }));
    const [copy] = await live.manualClusterSnapshots();
    expect(copy.DBClusterSnapshotIdentifier!.length).toBe(63);
    const [body] = await live.takeAnnouncements();
    const out = await deliverFirst(failsafe, vaultConfig(failsafe, [live.topicArn]), live.topicArn, body);
    expect(out.result).toMatchObject({ summaries: [{ copiesStarted: 1, failures: 0 }] });
    const [vaultCopy] = await failsafe.manualClusterSnapshots();
    expect(vaultCopy.DBClusterSnapshotIdentifier!.length).toBeLessThanOrEqual(63);
    expect(tagsOf(vaultCopy)[TagKeys.SOURCE_SNAPSHOT]).toBe(copy.DBClusterSnapshotArn);
  });

  test('a lost announcement of a cluster copy is recovered by the sweep, from what is shared with the account', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    const failsafe = await createFailsafeAccount(emulator, FAILSAFE);
    await live.createCluster('ledger', 'cmk');
    await shipAll(live, shipperConfig(live, { clusterIdentifiers: ['ledger'] }));
    expect(await live.takeAnnouncements()).toHaveLength(1); // never delivered
    const sweep = await runVault(emulator, failsafe, vaultConfig(failsafe, [live.topicArn]));
    expect(sweep.result.summaries[0]).toMatchObject({ copiesStarted: 1, failures: 0 });
    expect((await failsafe.manualClusterSnapshots()).map((s) => s.KmsKeyId)).toEqual([failsafe.vaultKeyArn]);
  });

  test('a tag selects clusters and instances alike; a member instance is not shipped as an instance', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    await live.createCluster('ledger', 'aws/rds');
    await live.createDatabase('orders', 'none');
    // Tag everything, the member instance included.
    const arns = [
      ...((await live.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).map((i) => i.DBInstanceArn!),
      ...((await live.rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? []).map((c) => c.DBClusterArn!),
    ];
    for (const arn of arns) await live.rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: 'dr', Value: 'failsafe' }] }));

    const out = await runShipper(live, shipperConfig(live, { tag: { key: 'dr', value: 'failsafe' } }));
    expect(out.result).toMatchObject({ selected: 2, copiesStarted: 2 });
    expect(out.logs).toContainEqual(expect.objectContaining({ event: 'finding', code: 'cluster-member', database: 'ledger-writer' }));
    expect((await live.manualSnapshots()).map((s) => s.DBInstanceIdentifier)).toEqual(['orders']);
    expect((await live.manualClusterSnapshots()).map((s) => s.DBClusterIdentifier)).toEqual(['ledger']);
  });

  test('an Aurora Serverless v2 cluster ships like any Aurora cluster', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    await live.createCluster('events', 'aws/rds', { serverlessV2: true });
    const passes = await shipAll(live, shipperConfig(live, { clusterIdentifiers: ['events'] }));
    expect(passes.reduce((n, p) => n + p.result.announced, 0)).toBe(1);
    expect((await live.manualClusterSnapshots()).map((s) => s.KmsKeyId)).toEqual([live.shippingKeyArn]);
  });

  test('an unencrypted cluster is shipped unencrypted, with a warning, because RDS cannot encrypt a cluster snapshot by copying it', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    const failsafe = await createFailsafeAccount(emulator, FAILSAFE);
    await live.createCluster('plain', 'none');
    const passes = await shipAll(live, shipperConfig(live, { clusterIdentifiers: ['plain'] }));
    expect(passes[0].logs).toContainEqual(expect.objectContaining({ level: 'WARN', code: 'cluster-unencrypted', database: 'plain' }));
    expect(passes.reduce((n, p) => n + p.result.failures, 0)).toBe(0);
    const [copy] = await live.manualClusterSnapshots();
    expect(copy.StorageEncrypted).toBe(false);

    const [body] = await live.takeAnnouncements();
    const out = await deliverFirst(failsafe, vaultConfig(failsafe, [live.topicArn]), live.topicArn, body);
    expect(out.error).toBeUndefined();
    expect(out.logs).toContainEqual(expect.objectContaining({ level: 'WARN', code: 'cluster-unencrypted' }));
    expect((await failsafe.manualClusterSnapshots()).map((s) => s.StorageEncrypted)).toEqual([false]);
  });

  test('a cluster snapshot shared from another region is reported, not copied', async () => {
    const failsafe = await createFailsafeAccount(emulator, FAILSAFE);
    const topic = `arn:aws:sns:us-east-1:${LIVE}:rds-failsafe-shipper`;
    const name = 'failsafe-ledger-20261120-120000';
    const body = JSON.stringify({
      schema: 'cdk-rds-failsafe/snapshot-shipped',
      version: 1,
      kind: 'cluster',
      snapshotArn: `arn:aws:rds:us-east-1:${LIVE}:cluster-snapshot:${name}`,
      snapshotIdentifier: name,
      sourceAccount: LIVE,
      sourceRegion: 'us-east-1',
      sourceDatabaseIdentifier: 'ledger',
      engine: 'aurora-postgresql',
      snapshotCreateTime: '2026-11-20T12:00:00.000Z',
      encrypted: true,
      shippedAt: '2026-11-20T12:30:00.000Z',
    });
    const out = await runVault(emulator, failsafe, vaultConfig(failsafe, [topic]), snsEvent(topic, body));
    expect(out.error).toBeUndefined();
    expect(out.result).toMatchObject({ accepted: 1, summaries: [{ copiesStarted: 0, failures: 0 }] });
    expect(out.logs).toContainEqual(expect.objectContaining({ level: 'ERROR', code: 'cluster-cross-region' }));
    expect(out.result.apiCalls['rds:CopyDBClusterSnapshot']).toBeUndefined();
    // Reported as a failure, so the failures alarm fires.
    expect(out.emf.find((d) => d.Failures !== undefined)?.Failures).toBe(1);
  });

  test('with copyClustersAcrossRegions, the vault copies a cluster snapshot that a source in another Region shares, in one step, under its own key', async () => {
    const east = 'us-east-1';
    const live = await createLiveAccount(emulator, LIVE, 'rds-failsafe-shipper', east);
    const failsafe = await createFailsafeAccount(emulator, FAILSAFE);
    await live.createCluster('ledger', 'cmk');
    for (let i = 0; i < 5; i++) {
      const out = await invokeBundled('shipper/shipper.lambda', scheduled, {
        endpoint: emulator.endpoint,
        credentials: await emulator.credentialsFor(LIVE),
        region: east,
        environment: { SHIPPER_CONFIG: JSON.stringify(shipperConfig(live, { clusterIdentifiers: ['ledger'] })) },
      });
      if (out.error) throw new Error(`shipper failed: ${out.error}`);
      if (out.result.announced > 0) break;
    }
    const [body] = await live.takeAnnouncements();
    expect(parseMessage(body)).toMatchObject({ ok: true, message: { kind: 'cluster', sourceRegion: east } });
    const vault = { ...vaultConfig(failsafe, [live.topicArn]), copyClustersAcrossRegions: true };
    const out = await deliverFirst(failsafe, vault, live.topicArn, body);
    expect(out.error).toBeUndefined();
    expect(out.result).toMatchObject({ summaries: [{ copiesStarted: 1, failures: 0 }] });
    const [vaultCopy] = await failsafe.manualClusterSnapshots();
    expect(vaultCopy.DBClusterSnapshotArn).toMatch(new RegExp(`^arn:aws:rds:eu-west-1:${FAILSAFE}:cluster-snapshot:vault-ledger-`));
    expect(vaultCopy.KmsKeyId).toBe(failsafe.vaultKeyArn);
    expect(vaultCopy.SourceDBClusterSnapshotArn).toMatch(new RegExp(`^arn:aws:rds:${east}:${LIVE}:cluster-snapshot:failsafe-ledger-`));
    expect(tagsOf(vaultCopy)).toMatchObject({ [TagKeys.SOURCE_REGION]: east, [TagKeys.SOURCE_DATABASE]: 'ledger' });
  });
});
