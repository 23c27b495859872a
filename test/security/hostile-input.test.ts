/**
 * Hostile and malformed input, table-driven, across both handlers and the
 * construct props. Every row asserts three things: the exact outcome (a logged
 * rejection with its reason, or a synth error naming the prop), zero AWS write
 * calls, and no crash loop (the handler returns instead of throwing, so Lambda
 * does not retry a bad input forever).
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
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { App, Duration, Stack, aws_rds as rds } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { RdsSnapshotShipper, RdsSnapshotShipperProps, RdsSnapshotVault, RdsSnapshotVaultProps } from '../../src';
import { shippingCopyIdentifier } from '../../src/runtime/naming';
import { MESSAGE_SCHEMA } from '../../src/runtime/schema';
import { TagKeys } from '../../src/runtime/tags';
import { handler as shipperHandler } from '../../src/shipper/shipper.lambda';
import { handler as vaultHandler } from '../../src/vault/vault.lambda';
import { captureConsole } from '../helpers/console-capture';
import { pointsOf } from '../helpers/emf';

const LIVE = '111111111111';
const FAILSAFE = '222222222222';
const OTHER = '333333333333';
const REGION = 'eu-west-1';
const TOPIC = `arn:aws:sns:${REGION}:${LIVE}:rds-failsafe-shipper`;
const ARN = `arn:aws:rds:${REGION}:${LIVE}:snapshot:failsafe-orders-20261120-120000`;

const rdsMock = mockClient(RDSClient);
const snsMock = mockClient(SNSClient);
const WRITES: any[] = [CopyDBSnapshotCommand, DeleteDBSnapshotCommand, AddTagsToResourceCommand, ModifyDBSnapshotAttributeCommand];
const writeCalls = () => WRITES.reduce((n, c) => n + rdsMock.commandCalls(c).length, 0) + snsMock.commandCalls(PublishCommand).length;

let logs: any[] = [];
let emf: any[] = [];
beforeEach(() => {
  rdsMock.reset();
  // No DB clusters, unless a test says otherwise.
  rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
  rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
  snsMock.reset();
  ({ logs, emf } = captureConsole());
  process.env.VAULT_CONFIG = JSON.stringify({
    version: 1,
    ownerId: 'vault-test',
    vaultKeyArn: `arn:aws:kms:${REGION}:${FAILSAFE}:key/vault`,
    sources: [{ topicArn: TOPIC }],
    sourceAccounts: [LIVE],
    retentionMs: 31 * 86_400_000,
    minimumCopies: 3,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
  });
  process.env.SHIPPER_CONFIG = JSON.stringify({
    version: 1,
    ownerId: 'shipper-test',
    vaultAccount: FAILSAFE,
    shippingKeyArn: `arn:aws:kms:${REGION}:${LIVE}:key/shipping`,
    topicArn: TOPIC,
    retentionMs: 2 * 86_400_000,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
    selection: { identifiers: ['orders'] },
  });
});
afterEach(() => jest.restoreAllMocks());

const valid = {
  schema: MESSAGE_SCHEMA,
  version: 1,
  kind: 'instance',
  snapshotArn: ARN,
  snapshotIdentifier: 'failsafe-orders-20261120-120000',
  sourceAccount: LIVE,
  sourceRegion: REGION,
  sourceDatabaseIdentifier: 'orders',
  engine: 'postgres',
  engineVersion: '16.4',
  snapshotCreateTime: '2026-11-20T12:00:00.000Z',
  encrypted: true,
  shippedAt: '2026-11-20T12:05:00.000Z',
};
const msg = (patch: Record<string, unknown>) => JSON.stringify({ ...valid, ...patch });
const sns = (message: unknown, topicArn: unknown = TOPIC) => ({ Records: [{ EventSource: 'aws:sns', Sns: { MessageId: 'm-1', TopicArn: topicArn, Message: message } }] });
const otherArn = (account: string, region = REGION, kind = 'snapshot') => `arn:aws:rds:${region}:${account}:${kind}:failsafe-orders-20261120-120000`;

/** [name, event, the logged reason] */
const VAULT_MESSAGES: Array<[string, unknown, RegExp]> = [
  // Spoofed
  ['the right schema from a topic of an unlisted account', sns(msg({ sourceAccount: OTHER, snapshotArn: otherArn(OTHER) }), `arn:aws:sns:${REGION}:${OTHER}:rds-failsafe-shipper`), /not a configured source/],
  ['the right schema naming an unlisted source account', sns(msg({ sourceAccount: OTHER, snapshotArn: otherArn(OTHER) })), /source account 333333333333 is not an allowed source/],
  ['an ARN of another account than announced', sns(msg({ snapshotArn: otherArn(OTHER) })), /belongs to account 333333333333, not to the announced/],
  ['an ARN of another region than announced', sns(msg({ snapshotArn: otherArn(LIVE, 'us-east-1') })), /is in region us-east-1, not in the announced/],
  ['a cluster ARN labelled as an instance', sns(msg({ snapshotArn: otherArn(LIVE, REGION, 'cluster-snapshot') })), /is a cluster snapshot, but the message says kind "instance"/],
  ['a region other than the topic\'s, consistently announced', sns(msg({ sourceRegion: 'us-east-1', snapshotArn: otherArn(LIVE, 'us-east-1') })), /published on a topic in region eu-west-1/],
  ['a topic name that only looks like a source', sns(msg({}), `${TOPIC}-evil`), /not a configured source/],
  ['a snapshot that is not a shipper copy', sns(msg({ snapshotArn: ARN.replace('failsafe-', 'prod-'), snapshotIdentifier: 'prod-orders-20261120-120000' })), /not a shipper copy/],
  ['a kind the schema does not know', sns(msg({ kind: 'global-cluster' })), /"kind" must be "instance" or "cluster"/],
  ['a recovery point in the future, to crowd out real copies', sns(msg({ snapshotArn: ARN.replace('20261120', '29990101'), snapshotIdentifier: 'failsafe-orders-29990101-120000', snapshotCreateTime: '2999-01-01T12:00:00.000Z' })),
    /is in the future/],
  ['a database label that disagrees with the snapshot name', sns(msg({ sourceDatabaseIdentifier: 'payments' })), /message says database payments, but the snapshot name says orders/],
  ['a time that disagrees with the snapshot name', sns(msg({ snapshotCreateTime: '2026-11-21T12:00:00.000Z' })), /but its name says 2026-11-20T12:00:00.000Z/],
  ['a name with a double hyphen', sns(msg({ snapshotArn: ARN.replace('failsafe-orders', 'failsafe-or--ders'), snapshotIdentifier: 'failsafe-or--ders-20261120-120000' })),
    /not named as a shipper copy/],
  // Malformed
  ['bad JSON', sns('{"schema": cdk-rds-failsafe}'), /not valid JSON/],
  ['truncated JSON', sns(msg({}).slice(0, 80)), /not valid JSON/],
  ['an empty body', sns(''), /not valid JSON/],
  ['an oversized body', sns(msg({ padding: 'x'.repeat(256 * 1024 - 600) })), /over the limit of 16384/],
  ['a wrong schema', sns(msg({ schema: 'cdk-rds-failsafe/other' })), /unknown schema/],
  ['a future schema version', sns(msg({ version: 2 })), /unsupported schema version 2/],
  ['a version as a string', sns(msg({ version: '1' })), /unsupported schema version "1"/],
  ['a JSON array', sns('[1,2,3]'), /not a JSON object/],
  ['JSON null', sns('null'), /not a JSON object/],
  ['a body that is not a string', sns({ schema: MESSAGE_SCHEMA }), /not a string/],
  ['encrypted as a string', sns(msg({ encrypted: 'yes' })), /"encrypted" must be a boolean/],
  ['kind as a number', sns(msg({ kind: 1 })), /"kind" must be/],
  ['the ARN as a list', sns(msg({ snapshotArn: [ARN] })), /"snapshotArn" must be an RDS snapshot ARN/],
  ['a missing ARN', sns(JSON.stringify({ ...valid, snapshotArn: undefined })), /missing field "snapshotArn"/],
  ['a missing creation time', sns(JSON.stringify({ ...valid, snapshotCreateTime: undefined })), /missing field "snapshotCreateTime"/],
  ['an impossible date', sns(msg({ snapshotCreateTime: '2026-13-45T99:00:00Z' })), /"snapshotCreateTime" must be an ISO 8601 time/],
  ['an account of full-width digits', sns(msg({ sourceAccount: '１１１１１１１１１１１１' })), /"sourceAccount" must be a 12-digit account id/],
  ['an account of 13 digits', sns(msg({ sourceAccount: '1111111111111' })), /"sourceAccount" must be a 12-digit account id/],
  // Hostile identifiers and tag values
  ['SQL in the database identifier', sns(msg({ sourceDatabaseIdentifier: "orders'; DROP TABLE users;--" })), /"sourceDatabaseIdentifier" must be a DB identifier/],
  ['a path in the database identifier', sns(msg({ sourceDatabaseIdentifier: '../../etc/passwd' })), /"sourceDatabaseIdentifier" must be a DB identifier/],
  ['a newline in the snapshot identifier', sns(msg({ snapshotIdentifier: 'failsafe-orders\n{"level":"info"}' })), /"snapshotIdentifier" must be a snapshot identifier/],
  ['markup in the engine (a tag value)', sns(msg({ engine: '<script>alert(1)</script>' })), /"engine" must be an engine name/],
  ['shell characters in the engine version', sns(msg({ engineVersion: '16.4$(reboot)' })), /"engineVersion" must be a version string/],
  ['an alias for a key ARN', sns(msg({ kmsKeyArn: 'alias/aws/rds' })), /"kmsKeyArn" must be a KMS key ARN/],
  ['a region with a command', sns(msg({ sourceRegion: 'eu-west-1;rm -rf' })), /"sourceRegion" must be a region name/],
  // Bad events
  ['Records that are not a list', { Records: 'nope' }, /Records is not a list/],
  ['a record that is not an SNS notification', { Records: [{ EventSource: 'aws:sqs', body: msg({}) }] }, /record is not an SNS notification/],
  ['an SNS record without its notification', { Records: [{ EventSource: 'aws:sns' }] }, /record is not an SNS notification/],
];

describe('vault handler: bad messages', () => {
  test.each(VAULT_MESSAGES)('%s', async (_name, event, reason) => {
    const result = await vaultHandler(event); // resolves: a bad message is not retried
    expect(result).toMatchObject({ trigger: 'announcement', accepted: 0, rejected: 1 });
    const rejection = logs.find((l) => l.event === 'message-rejected');
    expect(rejection).toMatchObject({ level: 'ERROR', reason: expect.stringMatching(reason) });
    // ...and counted, in total and under its reason code.
    expect(pointsOf(emf, 'MessagesRejected')).toEqual([{ value: 1, dimensions: {} }, { value: 1, dimensions: { Reason: rejection.code } }]);
    expect(writeCalls()).toBe(0);
    expect(rdsMock.calls()).toHaveLength(0); // rejected before any AWS call at all
  });
});

/** A snapshot that looks like one of ours but carries another owner's tag. */
function foreign(identifier: string, owner: string, daysAgo: number): DBSnapshot {
  const t = new Date(Date.now() - daysAgo * 86_400_000);
  return {
    DBSnapshotIdentifier: identifier,
    DBSnapshotArn: `arn:aws:rds:${REGION}:${FAILSAFE}:snapshot:${identifier}`,
    DBInstanceIdentifier: 'orders',
    SnapshotType: 'manual',
    Status: 'available',
    SnapshotCreateTime: t,
    Engine: 'postgres',
    Encrypted: true,
    TagList: [{ Key: TagKeys.OWNER, Value: owner }, { Key: TagKeys.SOURCE_ACCOUNT, Value: LIVE }, { Key: TagKeys.SOURCE_REGION, Value: REGION },
      { Key: TagKeys.SOURCE_DATABASE, Value: 'orders' }, { Key: TagKeys.SOURCE_TIME, Value: t.toISOString() }],
  };
}

const rdsEvent = (eventId: string, sourceIdentifier: string, account = FAILSAFE) => ({
  'source': 'aws.rds', 'detail-type': 'RDS DB Snapshot Event', account, 'region': REGION, 'detail': { EventID: eventId, SourceIdentifier: sourceIdentifier },
});

describe('vault handler: events about snapshots it does not own, or from elsewhere', () => {
  const old = Array.from({ length: 6 }, (_, i) => foreign(`vault-${LIVE}-${REGION}-failsafe-orders-2025010${i}-120000`, 'someone-else', 400 + i));
  test.each<[string, unknown]>([
    ['a copy-finished event for a vault-named snapshot it does not own', rdsEvent('RDS-EVENT-0197', old[0].DBSnapshotIdentifier!)],
    ['an event from another account', rdsEvent('RDS-EVENT-0197', 'vault-x', OTHER)],
    ['an empty event', {}],
    ['an event whose detail is a string', { 'source': 'aws.rds', 'detail-type': 'RDS DB Snapshot Event', 'detail': 'RDS-EVENT-0197' }],
  ])('%s: the sweep touches nothing it does not own', async (_name, event) => {
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: old });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'shared', IncludeShared: true }).resolves({ DBSnapshots: [] });
    const result = await vaultHandler(event);
    expect(result).toMatchObject({ trigger: 'sweep', summaries: [{ deleted: 0, copiesStarted: 0, failures: 0 }] });
    expect(writeCalls()).toBe(0);
  });
});

describe('shipper handler: events about snapshots it does not own, or from elsewhere', () => {
  const t = new Date(Date.now() - 3_600_000);
  const name = shippingCopyIdentifier('orders', t);
  const ours: DBSnapshot = {
    DBSnapshotIdentifier: name,
    DBSnapshotArn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:${name}`,
    DBInstanceIdentifier: 'orders',
    SnapshotType: 'manual',
    Status: 'available',
    SnapshotCreateTime: t,
    Engine: 'postgres',
    Encrypted: true,
    TagList: [{ Key: TagKeys.OWNER, Value: 'shipper-test' }, { Key: TagKeys.SOURCE_DATABASE, Value: 'orders' }, { Key: TagKeys.SOURCE_TIME, Value: t.toISOString() }, { Key: TagKeys.ANNOUNCED, Value: t.toISOString() }],
  };
  const theirs: DBSnapshot[] = Array.from({ length: 4 }, (_, i) => ({
    ...ours,
    DBSnapshotIdentifier: `failsafe-orders-2025010${i}-120000`,
    SnapshotCreateTime: new Date(Date.now() - (400 + i) * 86_400_000),
    TagList: [{ Key: TagKeys.OWNER, Value: 'another-shipper' }, { Key: TagKeys.SOURCE_DATABASE, Value: 'orders' }, { Key: TagKeys.ANNOUNCED, Value: 'x' }],
  }));
  test.each<[string, unknown]>([
    ['a copy-finished event for a failsafe-named snapshot of another shipper', { source: 'aws.rds', detail: { EventID: 'RDS-EVENT-0197', SourceIdentifier: theirs[0].DBSnapshotIdentifier } }],
    ['an automated-snapshot event from another account', { source: 'aws.rds', account: OTHER, detail: { EventID: 'RDS-EVENT-0091', SourceIdentifier: 'rds:orders-2026-01-01-00-00' } }],
    ['a garbage event', { nonsense: true }],
  ])('%s: the pass touches nothing it does not own', async (_name, event) => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ DBInstanceIdentifier: 'orders', Engine: 'postgres', BackupRetentionPeriod: 7, TagList: [] }] });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'automated' }).resolves({ DBSnapshots: [{ ...ours, DBSnapshotIdentifier: 'rds:orders-x', SnapshotType: 'automated', TagList: [] }] });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: [ours, ...theirs] });
    const result = await shipperHandler(event);
    expect(result).toMatchObject({ copiesStarted: 0, deleted: 0, shared: 0, failures: 0 });
    expect(writeCalls()).toBe(0);
  });
});

describe('construct props: a synth error that names the prop', () => {
  const liveStack = () => new Stack(new App(), 'Live', { env: { account: LIVE, region: REGION } });
  const db = (s: Stack, id: string) => rds.DatabaseInstance.fromDatabaseInstanceAttributes(s, `Db${id}`, { instanceIdentifier: id, instanceEndpointAddress: 'x', port: 5432, securityGroups: [] });
  const shipper = (props: Partial<RdsSnapshotShipperProps>) => () => {
    const s = liveStack();
    new RdsSnapshotShipper(s, 'Shipper', { vaultAccount: FAILSAFE, instances: [db(s, 'orders')], ...props });
  };
  const vault = (props: Partial<RdsSnapshotVaultProps>) => () => {
    const s = new Stack(new App(), 'Failsafe', { env: { account: FAILSAFE, region: REGION } });
    new RdsSnapshotVault(s, 'Vault', { sources: [{ topicArn: TOPIC }], ...props });
  };
  test.each<[string, () => void, RegExp]>([
    ['a vault account with an injection', shipper({ vaultAccount: '222222222222 OR 1=1' }), /RdsSnapshotShipper: vaultAccount must be a 12-digit/],
    ['the stack\'s own account as vault', shipper({ vaultAccount: LIVE }), /RdsSnapshotShipper: vaultAccount .* is this stack's own account/],
    ['a database identifier with an injection', () => { const s = liveStack(); new RdsSnapshotShipper(s, 'S', { vaultAccount: FAILSAFE, instances: [db(s, 'orders;drop')] }); }, /RdsSnapshotShipper: instances: "orders;drop"/],
    ['no databases', shipper({ instances: [] }), /RdsSnapshotShipper: select at least one database/],
    ['a retention of one hour', shipper({ retention: Duration.hours(1) }), /RdsSnapshotShipper: retention must be at least one day/],
    ['a topic name with a slash', shipper({ topicName: 'a/b' }), /RdsSnapshotShipper: topicName must be/],
    ['a topic ARN of another service', vault({ sources: [{ topicArn: 'arn:aws:sqs:eu-west-1:111111111111:q' }] }), /RdsSnapshotVault: sources\[0\].topicArn must be an SNS topic ARN/],
    ['a topic ARN with a wildcard', vault({ sources: [{ topicArn: 'arn:aws:sns:eu-west-1:111111111111:*' }] }), /RdsSnapshotVault: sources\[0\].topicArn must be an SNS topic ARN/],
    ['no sources', vault({ sources: [] }), /RdsSnapshotVault: sources must name at least one/],
    ['minimumCopies of zero', vault({ minimumCopies: 0 }), /RdsSnapshotVault: minimumCopies must be a whole number/],
    ['a retention of zero', vault({ retention: Duration.days(0) }), /RdsSnapshotVault: retention must be at least one day/],
    ['a break-glass user instead of a role', vault({ breakGlassRoleArns: ['arn:aws:iam::222222222222:user/root'] }), /RdsSnapshotVault: breakGlassRoleArns\[0\] must be an IAM role ARN/],
  ])('%s', (_name, build, message) => {
    expect(build).toThrow(message);
    expect(writeCalls()).toBe(0);
  });
});

test('the table holds at least 40 hostile inputs', () => {
  expect(VAULT_MESSAGES.length + 4 + 3 + 12).toBeGreaterThanOrEqual(40);
});
