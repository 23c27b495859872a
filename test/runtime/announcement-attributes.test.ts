/**
 * The SNS message attributes of an announcement: `messageType`, `kind`,
 * `sourceDatabaseIdentifier` and `sourceAccount`, which subscribers may filter
 * on (README, "Messages"). One finished, unannounced copy per kind is shared
 * and announced by a sweep; the attributes must match the message body.
 */
import {
  AddTagsToResourceCommand,
  DescribeAccountAttributesCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { LIVE, NOW, OWNER, REGION, shipperPassConfig } from './fixtures';
import { ShipperConfig } from '../../src/runtime/config';
import { shippingCopyIdentifier } from '../../src/runtime/naming';
import { parseMessage } from '../../src/runtime/schema';
import { runShipperPass } from '../../src/runtime/shipper-pass';
import { TagKeys } from '../../src/runtime/tags';
import { createLogger } from '../helpers/memory-logger';

const rdsMock = mockClient(RDSClient);
const snsMock = mockClient(SNSClient);
afterAll(() => { rdsMock.restore(); snsMock.restore(); });

const T = new Date(NOW.getTime() - 3_600_000);
const config: ShipperConfig = shipperPassConfig({ identifiers: ['orders'], clusterIdentifiers: ['ledger'] });
const copyTags = (db: string, source: string) => [
  { Key: TagKeys.OWNER, Value: OWNER }, { Key: TagKeys.SOURCE_DATABASE, Value: db }, { Key: TagKeys.SOURCE_SNAPSHOT, Value: source },
  { Key: TagKeys.SOURCE_TIME, Value: T.toISOString() },
];

beforeEach(() => {
  rdsMock.reset();
  snsMock.reset();
  const orders = shippingCopyIdentifier('orders', T);
  const ledger = shippingCopyIdentifier('ledger', T);
  rdsMock.on(DescribeDBInstancesCommand).resolves({
    DBInstances: [{ DBInstanceIdentifier: 'orders', DBInstanceArn: `arn:aws:rds:${REGION}:${LIVE}:db:orders`, Engine: 'postgres', BackupRetentionPeriod: 7, DBInstanceStatus: 'available', TagList: [] }],
  });
  rdsMock.on(DescribeDBClustersCommand).resolves({
    DBClusters: [{ DBClusterIdentifier: 'ledger', DBClusterArn: `arn:aws:rds:${REGION}:${LIVE}:cluster:ledger`, Engine: 'aurora-postgresql', BackupRetentionPeriod: 7, Status: 'available', TagList: [] }],
  });
  rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'automated' }).resolves({
    DBSnapshots: [{
      DBSnapshotIdentifier: 'rds:orders-1',
      DBSnapshotArn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:rds:orders-1`,
      DBInstanceIdentifier: 'orders',
      SnapshotType: 'automated',
      Status: 'available',
      SnapshotCreateTime: T,
      Engine: 'postgres',
      TagList: [],
    }],
  });
  rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({
    DBSnapshots: [{
      DBSnapshotIdentifier: orders,
      DBSnapshotArn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:${orders}`,
      DBInstanceIdentifier: 'orders',
      SnapshotType: 'manual',
      Status: 'available',
      SnapshotCreateTime: T,
      Engine: 'postgres',
      EngineVersion: '16.4',
      Encrypted: true,
      KmsKeyId: config.shippingKeyArn,
      TagList: copyTags('orders', 'rds:orders-1'),
    }],
  });
  rdsMock.on(DescribeDBClusterSnapshotsCommand, { SnapshotType: 'automated' }).resolves({
    DBClusterSnapshots: [{
      DBClusterSnapshotIdentifier: 'rds:ledger-1',
      DBClusterSnapshotArn: `arn:aws:rds:${REGION}:${LIVE}:cluster-snapshot:rds:ledger-1`,
      DBClusterIdentifier: 'ledger',
      SnapshotType: 'automated',
      Status: 'available',
      SnapshotCreateTime: T,
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      TagList: [],
    }],
  });
  rdsMock.on(DescribeDBClusterSnapshotsCommand, { SnapshotType: 'manual' }).resolves({
    DBClusterSnapshots: [{
      DBClusterSnapshotIdentifier: ledger,
      DBClusterSnapshotArn: `arn:aws:rds:${REGION}:${LIVE}:cluster-snapshot:${ledger}`,
      DBClusterIdentifier: 'ledger',
      SnapshotType: 'manual',
      Status: 'available',
      SnapshotCreateTime: T,
      Engine: 'aurora-postgresql',
      EngineVersion: '16.4',
      StorageEncrypted: true,
      KmsKeyId: config.shippingKeyArn,
      TagList: copyTags('ledger', 'rds:ledger-1'),
    }],
  });
  rdsMock.on(DescribeAccountAttributesCommand).resolves({ AccountQuotas: [] });
  rdsMock.on(ModifyDBSnapshotAttributeCommand).resolves({});
  rdsMock.on(ModifyDBClusterSnapshotAttributeCommand).resolves({});
  rdsMock.on(AddTagsToResourceCommand).resolves({});
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

test('each announcement carries messageType, kind, sourceDatabaseIdentifier and sourceAccount as SNS message attributes, as in its body', async () => {
  const out = await runShipperPass({
    rds: new RDSClient({ region: REGION }),
    sns: new SNSClient({ region: REGION }),
    now: () => NOW,
    remainingMs: () => 600_000,
    log: createLogger({}),
  }, config);
  expect(out).toMatchObject({ announced: 2, failures: 0 });
  const published = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
  const byKind = Object.fromEntries(published.map((p) => [p.MessageAttributes?.kind?.StringValue, p]));
  expect(Object.keys(byKind).sort()).toEqual(['cluster', 'instance']);
  for (const [kind, database] of [['instance', 'orders'], ['cluster', 'ledger']]) {
    const p = byKind[kind];
    expect(p.MessageAttributes).toEqual({
      messageType: { DataType: 'String', StringValue: 'snapshot-shipped' },
      kind: { DataType: 'String', StringValue: kind },
      sourceDatabaseIdentifier: { DataType: 'String', StringValue: database },
      sourceAccount: { DataType: 'String', StringValue: LIVE },
    });
    const body = parseMessage(p.Message!);
    if (!body.ok) throw new Error(body.reason);
    expect({ kind: body.message.kind, sourceAccount: body.message.sourceAccount }).toEqual({ kind, sourceAccount: LIVE });
  }
});
