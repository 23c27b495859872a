/**
 * What an idle pass costs, per configuration (README, "How it works" and the
 * vault's `schedule` prop): the RDS calls of a sweep that finds nothing to do,
 * counted by operation as the SDK sends them. Every list here fits one page
 * of 100; each further page is one more call. The emulator tests
 * (test/integration/idle-api-calls.integ.test.ts) count the same with the
 * bundled handlers' own counter.
 */
import {
  DBClusterSnapshot,
  DBSnapshot,
  DescribeAccountAttributesCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  DescribeOptionGroupsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { DAY, LIVE, NOW, OWNER, REGION, shipperPassConfig, VAULT } from './fixtures';
import { ShipperConfig, VaultConfig } from '../../src/runtime/config';
import { shippingCopyIdentifier } from '../../src/runtime/naming';
import { runShipperPass } from '../../src/runtime/shipper-pass';
import { TagKeys } from '../../src/runtime/tags';
import { runVaultPass } from '../../src/runtime/vault-pass';
import { createLogger } from '../helpers/memory-logger';

const rdsMock = mockClient(RDSClient);
const snsMock = mockClient(SNSClient);
afterAll(() => { rdsMock.restore(); snsMock.restore(); });

const T = new Date(NOW.getTime() - 3_600_000);
const TAG = { key: 'backup', value: 'failsafe' };
const shipperConfig = (selection: ShipperConfig['selection']): ShipperConfig => shipperPassConfig(selection);

/** The operations sent since the last reset, by name, as the handlers' counter names them. */
function sent(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const call of rdsMock.calls()) {
    const name = `rds:${(call.args[0] as object).constructor.name.replace(/Command$/, '')}`;
    out[name] = (out[name] ?? 0) + 1;
  }
  return out;
}

const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
const lists = (calls: Record<string, number>) => total(calls) - (calls['rds:DescribeAccountAttributes'] ?? 0) - (calls['rds:DescribeOptionGroups'] ?? 0);

/**
 * A Live account where everything is shipped: per instance and per cluster,
 * one automated snapshot and its announced copy, with each instance's
 * engine and option group.
 */
function liveAccountShipped(instances: Array<{ id: string; engine?: string; optionGroup?: string }>, clusters: string[]) {
  rdsMock.reset();
  snsMock.reset();
  const tags = [{ Key: TAG.key, Value: TAG.value }];
  const auto = instances.map(({ id, engine = 'postgres', optionGroup }): DBSnapshot => ({
    DBSnapshotIdentifier: `rds:${id}-2026-11-20-11-00`,
    DBSnapshotArn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:rds:${id}-2026-11-20-11-00`,
    DBInstanceIdentifier: id,
    SnapshotType: 'automated',
    Status: 'available',
    SnapshotCreateTime: T,
    Engine: engine,
    EngineVersion: '1',
    ...(optionGroup ? { OptionGroupName: optionGroup } : {}),
    TagList: [],
  }));
  const copyTags = (db: string, source: string) => [
    { Key: TagKeys.OWNER, Value: OWNER }, { Key: TagKeys.SOURCE_DATABASE, Value: db }, { Key: TagKeys.SOURCE_SNAPSHOT, Value: source },
    { Key: TagKeys.SOURCE_TIME, Value: T.toISOString() }, { Key: TagKeys.ANNOUNCED, Value: NOW.toISOString() },
  ];
  const copies = auto.map((s): DBSnapshot => {
    const id = shippingCopyIdentifier(s.DBInstanceIdentifier!, T);
    return { ...s, DBSnapshotIdentifier: id, DBSnapshotArn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:${id}`, SnapshotType: 'manual', Encrypted: true, TagList: copyTags(s.DBInstanceIdentifier!, s.DBSnapshotIdentifier!) };
  });
  const autoClusters = clusters.map((id): DBClusterSnapshot => ({
    DBClusterSnapshotIdentifier: `rds:${id}-2026-11-20-11-00`,
    DBClusterSnapshotArn: `arn:aws:rds:${REGION}:${LIVE}:cluster-snapshot:rds:${id}-2026-11-20-11-00`,
    DBClusterIdentifier: id,
    SnapshotType: 'automated',
    Status: 'available',
    SnapshotCreateTime: T,
    Engine: 'aurora-postgresql',
    StorageEncrypted: true,
    TagList: [],
  }));
  const clusterCopies = autoClusters.map((s): DBClusterSnapshot => {
    const id = shippingCopyIdentifier(s.DBClusterIdentifier!, T);
    return {
      ...s,
      DBClusterSnapshotIdentifier: id,
      DBClusterSnapshotArn: `arn:aws:rds:${REGION}:${LIVE}:cluster-snapshot:${id}`,
      SnapshotType: 'manual',
      TagList: copyTags(s.DBClusterIdentifier!, s.DBClusterSnapshotIdentifier!),
    };
  });
  rdsMock.on(DescribeDBInstancesCommand).resolves({
    DBInstances: instances.map(({ id, engine = 'postgres' }) => ({
      DBInstanceIdentifier: id, DBInstanceArn: `arn:aws:rds:${REGION}:${LIVE}:db:${id}`, Engine: engine, BackupRetentionPeriod: 7, DBInstanceStatus: 'available', TagList: tags,
    })),
  });
  rdsMock.on(DescribeDBClustersCommand).resolves({
    DBClusters: clusters.map((id) => ({
      DBClusterIdentifier: id, DBClusterArn: `arn:aws:rds:${REGION}:${LIVE}:cluster:${id}`, Engine: 'aurora-postgresql', BackupRetentionPeriod: 7, Status: 'available', TagList: tags,
    })),
  });
  rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'automated' }).resolves({ DBSnapshots: auto });
  rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: copies });
  rdsMock.on(DescribeDBClusterSnapshotsCommand, { SnapshotType: 'automated' }).resolves({ DBClusterSnapshots: autoClusters });
  rdsMock.on(DescribeDBClusterSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBClusterSnapshots: clusterCopies });
  rdsMock.on(DescribeOptionGroupsCommand)
    .callsFake(async (input) => ({ OptionGroupsList: [{ OptionGroupName: input.OptionGroupName, Options: [] }] }));
  rdsMock.on(DescribeAccountAttributesCommand).resolves({ AccountQuotas: [{ AccountQuotaName: 'ManualSnapshots', Used: 10, Max: 100 }] });
}

async function idleShipperPass(config: ShipperConfig) {
  const lines: any[] = [];
  const out = await runShipperPass({
    rds: new RDSClient({ region: REGION }),
    sns: new SNSClient({ region: REGION }),
    now: () => NOW,
    remainingMs: () => 600_000,
    log: createLogger({}, (l) => lines.push(JSON.parse(l))),
  }, config);
  // Idle: nothing copied, shared, announced or deleted, nothing published.
  expect(out).toMatchObject({ copiesStarted: 0, shared: 0, announced: 0, deleted: 0, failures: 0 });
  expect(snsMock.calls()).toHaveLength(0);
  return sent();
}

describe('an idle shipper sweep', () => {
  const instancesOnly = { 'rds:DescribeDBInstances': 1, 'rds:DescribeDBSnapshots': 2, 'rds:DescribeAccountAttributes': 1 };
  const withClusters = { ...instancesOnly, 'rds:DescribeDBClusters': 1, 'rds:DescribeDBClusterSnapshots': 2 };

  test('of `instances`: three list calls (instances, automated and manual snapshots) and the quotas, 4 calls', async () => {
    liveAccountShipped([{ id: 'orders' }, { id: 'users' }], ['ledger']);
    const calls = await idleShipperPass(shipperConfig({ identifiers: ['orders', 'users'] }));
    expect(calls).toEqual(instancesOnly);
    expect([lists(calls), total(calls)]).toEqual([3, 4]);
  });

  test('with `clusters`: six list calls (the same for DB clusters and their snapshots) and the quotas, 7 calls', async () => {
    liveAccountShipped([{ id: 'orders' }], ['ledger']);
    const calls = await idleShipperPass(shipperConfig({ identifiers: ['orders'], clusterIdentifiers: ['ledger'] }));
    expect(calls).toEqual(withClusters);
    expect([lists(calls), total(calls)]).toEqual([6, 7]);
    liveAccountShipped([], ['ledger']);
    expect(await idleShipperPass(shipperConfig({ clusterIdentifiers: ['ledger'] }))).toEqual(withClusters);
  });

  test('with `selectByTag`: both kinds are read, 7 calls', async () => {
    liveAccountShipped([{ id: 'orders' }], ['ledger']);
    const calls = await idleShipperPass(shipperConfig({ tag: TAG }));
    expect(calls).toEqual(withClusters);
  });

  test('plus one DescribeOptionGroups per distinct non-default option group of an Oracle or SQL Server snapshot', async () => {
    liveAccountShipped([
      { id: 'ora1', engine: 'oracle-ee', optionGroup: 'og-oracle' },
      { id: 'ora2', engine: 'oracle-ee', optionGroup: 'og-oracle' },
      { id: 'mssql', engine: 'sqlserver-se', optionGroup: 'og-mssql' },
      { id: 'ora3', engine: 'oracle-ee', optionGroup: 'default:oracle-ee-19' },
      { id: 'pg', engine: 'postgres', optionGroup: 'og-postgres' },
    ], []);
    const calls = await idleShipperPass(shipperConfig({ identifiers: ['ora1', 'ora2', 'mssql', 'ora3', 'pg'] }));
    expect(calls).toEqual({ ...instancesOnly, 'rds:DescribeOptionGroups': 2 });
  });
});

describe('an idle vault sweep', () => {
  const TOPIC = `arn:aws:sns:${REGION}:${LIVE}:rds-failsafe-shipper`;
  const vaultConfig = (extra: Partial<VaultConfig> = {}): VaultConfig => ({
    version: 1,
    ownerId: 'vault-test',
    vaultKeyArn: `arn:aws:kms:${REGION}:${VAULT}:key/vault`,
    sources: [{ topicArn: TOPIC }],
    sourceAccounts: [LIVE],
    retentionMs: 31 * DAY,
    minimumCopies: 3,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
    ...extra,
  });

  async function idleSweep(config: VaultConfig) {
    rdsMock.reset();
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
    rdsMock.on(DescribeAccountAttributesCommand).resolves({ AccountQuotas: [] });
    const out = await runVaultPass({
      rds: new RDSClient({ region: REGION }),
      rdsIn: (region) => new RDSClient({ region }),
      now: () => NOW,
      remainingMs: () => 600_000,
      region: REGION,
      log: createLogger({}),
    }, config);
    expect(out).toMatchObject({ copiesStarted: 0, deleted: 0, failures: 0 });
    return sent();
  }

  test('with its sources in its own Region: four list calls (shared and manual, of instances and of clusters) and the quotas, 5 calls', async () => {
    const calls = await idleSweep(vaultConfig());
    expect(calls).toEqual({ 'rds:DescribeDBSnapshots': 2, 'rds:DescribeDBClusterSnapshots': 2, 'rds:DescribeAccountAttributes': 1 });
    expect([lists(calls), total(calls)]).toEqual([4, 5]);
  });

  test('plus one call per other source Region (its shared DB snapshots), two with copyClustersAcrossRegions', async () => {
    const sources = [
      { topicArn: TOPIC },
      { topicArn: `arn:aws:sns:eu-central-1:${LIVE}:rds-failsafe-shipper` },
      { topicArn: `arn:aws:sns:us-east-1:${LIVE}:rds-failsafe-shipper` },
    ];
    expect(await idleSweep(vaultConfig({ sources }))).toEqual({ 'rds:DescribeDBSnapshots': 4, 'rds:DescribeDBClusterSnapshots': 2, 'rds:DescribeAccountAttributes': 1 });
    expect(await idleSweep(vaultConfig({ sources, copyClustersAcrossRegions: true })))
      .toEqual({ 'rds:DescribeDBSnapshots': 4, 'rds:DescribeDBClusterSnapshots': 4, 'rds:DescribeAccountAttributes': 1 });
  });
});
