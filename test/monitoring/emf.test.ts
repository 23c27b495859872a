/**
 * The EMF documents the handlers write for a pass with copies, failures and
 * rejections: metric names, namespace, dimensions and values, as CloudWatch
 * would extract them.
 */
import {
  AddTagsToResourceCommand,
  CopyDBSnapshotCommand,
  DBSnapshot,
  DeleteDBSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { parseShippedName } from '../../src/runtime/naming';
import { MESSAGE_SCHEMA } from '../../src/runtime/schema';
import { TagKeys } from '../../src/runtime/tags';
import { handler as shipperHandler } from '../../src/shipper/shipper.lambda';
import { handler as vaultHandler } from '../../src/vault/vault.lambda';
import { queueEvent } from '../emulator/failsafe';
import { captureConsole, Captured } from '../helpers/console-capture';
import { dataPoints, pointsOf } from '../helpers/emf';

const LIVE = '111111111111';
const FAILSAFE = '222222222222';
const REGION = 'eu-west-1';
const TOPIC = `arn:aws:sns:${REGION}:${LIVE}:rds-failsafe-shipper`;
const HOUR = 3_600_000;

const rdsMock = mockClient(RDSClient);
const snsMock = mockClient(SNSClient);
let out: Captured;

beforeEach(() => {
  rdsMock.reset();
  // No DB clusters, unless a test says otherwise.
  rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
  rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
  snsMock.reset();
  out = captureConsole();
});
afterEach(() => jest.restoreAllMocks());

/** A number of seconds, give or take the two seconds a test may take. */
function about(seconds: number): any {
  return {
    asymmetricMatch: (v: unknown) => typeof v === 'number' && v >= seconds && v <= seconds + 3,
    toAsymmetricMatcher: () => `a number from ${seconds} to ${seconds + 3}`,
  };
}

function quotaExceeded(): Error {
  return Object.assign(new Error('quota'), { name: 'SnapshotQuotaExceeded' });
}

describe('shipper EMF', () => {
  beforeEach(() => {
    process.env.SHIPPER_CONFIG = JSON.stringify({
      version: 1,
      ownerId: 'shipper-emf',
      vaultAccount: FAILSAFE,
      shippingKeyArn: `arn:aws:kms:${REGION}:${LIVE}:key/shipping`,
      topicArn: TOPIC,
      retentionMs: 2 * 86_400_000,
      maxCopiesInFlight: 10,
      manualSnapshotQuota: 100,
      selection: { identifiers: ['orders', 'users', 'billing'] },
    });
  });

  test('a pass that starts one copy, fails one, and has one database shipped 5 hours ago', async () => {
    const now = Date.now();
    const instance = (id: string) => ({ DBInstanceIdentifier: id, DBInstanceArn: `arn:aws:rds:${REGION}:${LIVE}:db:${id}`, Engine: 'postgres', DBInstanceStatus: 'available', BackupRetentionPeriod: 7 });
    const automated = (id: string, t: number): DBSnapshot => ({
      DBSnapshotIdentifier: `rds:${id}-x`,
      DBSnapshotArn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:rds:${id}-x`,
      DBInstanceIdentifier: id,
      SnapshotType: 'automated',
      Status: 'available',
      SnapshotCreateTime: new Date(t),
      Encrypted: true,
      Engine: 'postgres',
    });
    const billingTime = new Date(now - 5 * HOUR);
    billingTime.setUTCMilliseconds(0);
    const stamp = billingTime.toISOString().replace(/[-:]/g, '').slice(0, 15).replace('T', '-');
    const shippedCopy: DBSnapshot = {
      DBSnapshotIdentifier: `failsafe-billing-${stamp}`,
      DBSnapshotArn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:failsafe-billing-${stamp}`,
      DBInstanceIdentifier: 'billing',
      SnapshotType: 'manual',
      Status: 'available',
      SnapshotCreateTime: billingTime,
      Encrypted: true,
      Engine: 'postgres',
      TagList: [
        { Key: TagKeys.OWNER, Value: 'shipper-emf' }, { Key: TagKeys.SOURCE_DATABASE, Value: 'billing' },
        { Key: TagKeys.SOURCE_TIME, Value: billingTime.toISOString() }, { Key: TagKeys.ANNOUNCED, Value: billingTime.toISOString() },
      ],
    };
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: ['orders', 'users', 'billing'].map(instance) });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'automated' }).resolves({
      DBSnapshots: [automated('orders', now - HOUR), automated('users', now - HOUR), automated('billing', billingTime.getTime())],
    });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: [shippedCopy] });
    rdsMock.on(CopyDBSnapshotCommand).callsFake((input) => {
      if (input.TargetDBSnapshotIdentifier.startsWith('failsafe-users')) throw Object.assign(new Error('denied'), { name: 'KMSKeyNotAccessibleFault' });
      return {};
    });

    const result = await shipperHandler({ source: 'aws.events' });
    expect(result).toMatchObject({ copiesStarted: 1, failures: 1 });

    const points = dataPoints(out.emf);
    expect(new Set(points.map((p) => p.namespace))).toEqual(new Set(['CdkRdsFailsafe']));
    expect(new Set(points.map((p) => p.dimensions.service))).toEqual(new Set(['shipper-emf']));
    const value = (name: string) => pointsOf(out.emf, name);
    expect(value('CopiesStarted')).toEqual([{ value: 1, dimensions: {} }]);
    expect(value('CopiesFailed')).toEqual([{ value: 1, dimensions: {} }]);
    expect(value('Failures')).toEqual([{ value: 1, dimensions: {} }]);
    expect(value('CopiesCompleted')).toEqual([{ value: 0, dimensions: {} }]);
    expect(value('Shares')).toEqual([{ value: 0, dimensions: {} }]);
    expect(value('Announcements')).toEqual([{ value: 0, dimensions: {} }]);
    expect(value('SnapshotsExpired')).toEqual([{ value: 0, dimensions: {} }]);
    expect(value('PassDuration')).toHaveLength(1);
    expect(points.find((p) => p.name === 'PassDuration')!.unit).toBe('Milliseconds');
    // The one database with a shipped copy reports its age; the others have none yet.
    const [age] = value('ShippedCopyAge');
    expect(age.dimensions).toEqual({ SourceDatabase: 'billing' });
    expect(Math.abs(age.value - 5 * 3600)).toBeLessThanOrEqual(2);
    expect(points.find((p) => p.name === 'ShippedCopyAge')!.unit).toBe('Seconds');
    // The failure's log line names the missing grant and carries the snapshot's correlation id.
    expect(out.logs).toContainEqual(expect.objectContaining({
      event: 'action-failed',
      action: 'copy',
      level: 'ERROR',
      hint: expect.stringMatching(/kms:CreateGrant/),
      snapshotCorrelationId: expect.stringMatching(new RegExp(`^arn:aws:rds:${REGION}:${LIVE}:snapshot:failsafe-users-`)),
      correlation_id: result.passId,
    }));
  });
});

describe('vault EMF', () => {
  beforeEach(() => {
    process.env.VAULT_CONFIG = JSON.stringify({
      version: 1,
      ownerId: 'vault-emf',
      vaultKeyArn: `arn:aws:kms:${REGION}:${FAILSAFE}:key/vault`,
      sources: [{ topicArn: TOPIC }],
      sourceAccounts: [LIVE],
      retentionMs: 31 * 86_400_000,
      minimumCopies: 3,
      maxCopiesInFlight: 10,
      manualSnapshotQuota: 100,
    });
  });

  const stampOf = (t: Date) => t.toISOString().replace(/[-:]/g, '').slice(0, 15).replace('T', '-');
  const message = (db: string, t: Date) => JSON.stringify({
    schema: MESSAGE_SCHEMA,
    version: 1,
    kind: 'instance',
    snapshotArn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:failsafe-${db}-${stampOf(t)}`,
    snapshotIdentifier: `failsafe-${db}-${stampOf(t)}`,
    sourceAccount: LIVE,
    sourceRegion: REGION,
    sourceDatabaseIdentifier: db,
    engine: 'postgres',
    snapshotCreateTime: t.toISOString(),
    encrypted: true,
    shippedAt: new Date().toISOString(),
  });
  const record = (body: string, topicArn = TOPIC, id = 'm') => ({ EventSource: 'aws:sns', Sns: { MessageId: id, TopicArn: topicArn, Message: body } });
  const vaultCopy = (db: string, t: Date, tags: Record<string, string> = {}): DBSnapshot => {
    const id = `vault-${LIVE}-${REGION}-failsafe-${db}-${stampOf(t)}`;
    return {
      DBSnapshotIdentifier: id,
      DBSnapshotArn: `arn:aws:rds:${REGION}:${FAILSAFE}:snapshot:${id}`,
      DBInstanceIdentifier: db,
      DbiResourceId: `db-${db.toUpperCase()}`,
      SnapshotType: 'manual',
      Status: 'available',
      SnapshotCreateTime: new Date(t.getTime() + HOUR),
      Encrypted: true,
      Engine: 'postgres',
      TagList: Object.entries({
        [TagKeys.OWNER]: 'vault-emf',
        [TagKeys.SOURCE_ACCOUNT]: LIVE,
        [TagKeys.SOURCE_REGION]: REGION,
        [TagKeys.SOURCE_DATABASE]: db,
        [TagKeys.SOURCE_SNAPSHOT]: `arn:aws:rds:${REGION}:${LIVE}:snapshot:failsafe-${db}-${stampOf(t)}`,
        [TagKeys.SOURCE_TIME]: t.toISOString(),
        ...tags,
      }).map(([Key, Value]) => ({ Key, Value })),
    };
  };
  const hoursAgo = (h: number) => new Date(Math.floor((Date.now() - h * HOUR) / 1000) * 1000);

  test('an announcement pass with one copy started, one that fails, and two rejections', async () => {
    const held = ['orders', 'users'].map((db) => vaultCopy(db, hoursAgo(48), { [TagKeys.COMPLETED]: hoursAgo(47).toISOString() }));
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).callsFake((input) => ({ DBSnapshots: held.filter((h) => h.DBInstanceIdentifier === input.DBInstanceIdentifier) }));
    // RDS's description of each announced snapshot bears the announcement out.
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'shared' }).callsFake((input) => {
      const { database: db, time: original } = parseShippedName(input.DBSnapshotIdentifier.split(':').pop())!;
      return {
        DBSnapshots: [{
          DBSnapshotArn: input.DBSnapshotIdentifier,
          DBInstanceIdentifier: db,
          DbiResourceId: `db-${db.toUpperCase()}`,
          Engine: 'postgres',
          Status: 'available',
          Encrypted: true,
          OriginalSnapshotCreateTime: original,
          SnapshotCreateTime: original,
        }],
      };
    });
    rdsMock.on(CopyDBSnapshotCommand).callsFake((input) => {
      if (input.TargetDBSnapshotIdentifier.includes('users')) throw quotaExceeded();
      return {};
    });
    const event = {
      Records: [
        record(message('orders', hoursAgo(1)), TOPIC, 'ok'),
        record(message('users', hoursAgo(1)), TOPIC, 'fails'),
        record(message('orders', hoursAgo(1)), `arn:aws:sns:${REGION}:333333333333:rds-failsafe-shipper`, 'spoofed'),
        record('{"truncated', TOPIC, 'broken'),
      ],
    };
    // The failed announcement fails the invocation, so that Lambda retries it; its metrics are out first.
    await expect(vaultHandler(event)).rejects.toThrow(/could not be started/);

    expect(new Set(dataPoints(out.emf).map((p) => p.dimensions.service))).toEqual(new Set(['vault-emf']));
    const value = (name: string) => pointsOf(out.emf, name);
    expect(value('MessagesAccepted')).toEqual([{ value: 2, dimensions: {} }]);
    expect(value('MessagesRejected')).toEqual([
      { value: 2, dimensions: {} },
      { value: 1, dimensions: { Reason: 'malformed' } },
      { value: 1, dimensions: { Reason: 'unknown-topic' } },
    ]);
    expect(value('CopiesStarted')).toEqual([{ value: 1, dimensions: {} }]);
    expect(value('CopiesFailed')).toEqual([{ value: 1, dimensions: {} }]);
    expect(value('Failures')).toEqual([{ value: 1, dimensions: {} }]);
    // An announcement lists one database's copies only: a maximum over them
    // would hide an older database, so recovery points are left to sweeps.
    expect(value('RecoveryPointAge')).toEqual([]);
    expect(value('OldestRecoveryPointAge')).toEqual([]);
  });

  test('from the queue: a delivery that fails before its pass could start is retried alone, and counted in Failures', async () => {
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'shared' }).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const event = queueEvent(TOPIC, [message('orders', hoursAgo(1)), '{"truncated']);
    const result = await vaultHandler(event);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0].messageId }]);
    expect(result).toMatchObject({ accepted: 1, rejected: 1 });
    expect(pointsOf(out.emf, 'Failures')).toEqual([{ value: 1, dimensions: {} }]);
  });

  test('a sweep that records two finished copies, expires one, and reports each source database', async () => {
    const orders = [40, 30, 20, 10].map((d) => vaultCopy('orders', hoursAgo(d * 24), { [TagKeys.COMPLETED]: 'x' }));
    const fresh = [vaultCopy('orders', hoursAgo(2)), vaultCopy('users', hoursAgo(3))]; // finished, not yet recorded
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: [...orders, ...fresh] });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'shared', IncludeShared: true }).resolves({ DBSnapshots: [] });
    rdsMock.on(AddTagsToResourceCommand).resolves({});
    rdsMock.on(DeleteDBSnapshotCommand).resolves({});

    const result = await vaultHandler({ source: 'aws.events' });
    expect(result.summaries[0]).toMatchObject({ copiesCompleted: 2, expired: 1 });
    const value = (name: string) => pointsOf(out.emf, name);
    expect(value('CopiesCompleted')).toEqual([{ value: 2, dimensions: {} }]);
    expect(value('SnapshotsExpired')).toEqual([{ value: 1, dimensions: {} }]);
    expect(value('MessagesRejected')).toEqual([{ value: 0, dimensions: {} }]);
    expect(value('RecoveryPointAge')).toEqual([
      { value: about(2 * 3600), dimensions: { SourceAccount: LIVE, SourceRegion: REGION, SourceDatabase: 'orders' } },
      { value: about(3 * 3600), dimensions: { SourceAccount: LIVE, SourceRegion: REGION, SourceDatabase: 'users' } },
    ]);
    expect(value('OldestRecoveryPointAge')).toEqual([{ value: about(3 * 3600), dimensions: { SourceAccount: LIVE, SourceRegion: REGION } }]);
    expect(out.logs.filter((l) => l.event === 'copy-completed')).toHaveLength(2);
    expect(out.logs).toContainEqual(expect.objectContaining({ event: 'deleted', cause: 'expired', message: 'vault copy deleted by retention' }));
  });
});
