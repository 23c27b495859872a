/**
 * Builds a Live account in the emulator: databases with automated snapshots,
 * the shipping key, and the topic with a queue subscribed to it so that tests
 * can read what the shipper announced.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CopyDBSnapshotCommand,
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DBClusterSnapshot,
  DBSnapshot,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  DescribeDBSnapshotAttributesCommand,
  ModifyDBSnapshotAttributeCommand,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBSnapshots,
  RDSClient,
} from '@aws-sdk/client-rds';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Emulator } from './emulator';
import { shippingCopyIdentifier } from '../../src/runtime/naming';

export type Encryption = 'none' | 'aws/rds' | 'cmk';

export interface LiveAccount {
  readonly account: string;
  readonly rds: RDSClient;
  readonly kms: KMSClient;
  readonly shippingKeyArn: string;
  readonly topicArn: string;
  /** A customer managed key that encrypts the `cmk` databases. */
  readonly sourceKeyArn: string;
  /** Creates a database; its first automated snapshot is taken now, or at `firstSnapshotAt`. */
  createDatabase(identifier: string, encryption: Encryption, firstSnapshotAt?: Date): Promise<void>;
  /** Messages published on the topic since the last call, parsed from the SNS envelope. */
  takeAnnouncements(): Promise<string[]>;
  manualSnapshots(): Promise<DBSnapshot[]>;
  automatedSnapshots(): Promise<DBSnapshot[]>;
  restoreAttribute(identifier: string): Promise<string[]>;
  /**
   * Makes a snapshot as the shipper would have shipped it for a recovery point
   * at `time` (the name carries the time), shared with `shareWith` if given.
   * This is how tests control snapshot times without the wall clock.
   */
  createShippedSnapshot(database: string, time: Date, shareWith?: string): Promise<DBSnapshot>;
  /** Takes an automated snapshot of the database at `time` (the automated-snapshots-on-demand patch). */
  createAutomatedSnapshot(database: string, time: Date): Promise<DBSnapshot>;
  /**
   * Creates an Aurora DB cluster (Serverless v2 if `serverlessV2`), with a
   * member instance, whose first automated cluster snapshot is taken now or
   * at `firstSnapshotAt`.
   */
  createCluster(identifier: string, encryption: Encryption, options?: ClusterOptions): Promise<void>;
  /** Takes an automated cluster snapshot at `time`. */
  createAutomatedClusterSnapshot(cluster: string, time: Date): Promise<DBClusterSnapshot>;
  manualClusterSnapshots(): Promise<DBClusterSnapshot[]>;
  automatedClusterSnapshots(): Promise<DBClusterSnapshot[]>;
  clusterRestoreAttribute(identifier: string): Promise<string[]>;
}

export interface ClusterOptions {
  readonly firstSnapshotAt?: Date;
  readonly serverlessV2?: boolean;
  /** @default aurora-postgresql */
  readonly engine?: string;
}

/** The tag that asks the emulator for an automated snapshot (see fidelity.py). */
export const AUTOMATED_AT_TAG = 'failsafe-emulator:automated-at';

export async function listSnapshots(rds: RDSClient, type: 'manual' | 'automated' | 'shared'): Promise<DBSnapshot[]> {
  const out: DBSnapshot[] = [];
  const input = type === 'shared' ? { SnapshotType: 'shared', IncludeShared: true } : { SnapshotType: type };
  for await (const page of paginateDescribeDBSnapshots({ client: rds }, input)) out.push(...(page.DBSnapshots ?? []));
  return out.sort((a, b) => (a.DBSnapshotIdentifier ?? '').localeCompare(b.DBSnapshotIdentifier ?? ''));
}

export async function listClusterSnapshots(rds: RDSClient, type: 'manual' | 'automated' | 'shared'): Promise<DBClusterSnapshot[]> {
  const out: DBClusterSnapshot[] = [];
  const input = type === 'shared' ? { SnapshotType: 'shared', IncludeShared: true } : { SnapshotType: type };
  for await (const page of paginateDescribeDBClusterSnapshots({ client: rds }, input)) out.push(...(page.DBClusterSnapshots ?? []));
  return out.sort((a, b) => (a.DBClusterSnapshotIdentifier ?? '').localeCompare(b.DBClusterSnapshotIdentifier ?? ''));
}

export async function createLiveAccount(emulator: Emulator, account: string, topicName = 'rds-failsafe-shipper', region?: string): Promise<LiveAccount> {
  const cfg = await emulator.clientConfig(account, region);
  const rds = new RDSClient(cfg);
  const kms = new KMSClient(cfg);
  const sns = new SNSClient(cfg);
  const sqs = new SQSClient(cfg);

  const shippingKeyArn = (await kms.send(new CreateKeyCommand({ Description: 'shipping key' }))).KeyMetadata!.Arn!;
  const sourceKeyArn = (await kms.send(new CreateKeyCommand({ Description: 'source database key' }))).KeyMetadata!.Arn!;
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: topicName }))).TopicArn!;
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${topicName}-observer` }))).QueueUrl!;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));

  /** Takes an automated snapshot of the database at `time` (the automated-snapshots-on-demand patch). */
  const takeAutomatedSnapshot = async (database: string, time: Date): Promise<DBSnapshot> => {
    const out = await rds.send(new CreateDBSnapshotCommand({
      DBInstanceIdentifier: database,
      DBSnapshotIdentifier: `emulator-automated-${database}`,
      Tags: [{ Key: AUTOMATED_AT_TAG, Value: time.toISOString() }],
    }));
    return out.DBSnapshot!;
  };
  return {
    account,
    rds,
    kms,
    shippingKeyArn,
    topicArn,
    sourceKeyArn,
    async createDatabase(identifier, encryption, firstSnapshotAt) {
      await rds.send(new CreateDBInstanceCommand({
        DBInstanceIdentifier: identifier,
        Engine: 'postgres',
        DBInstanceClass: 'db.t4g.micro',
        AllocatedStorage: 20,
        MasterUsername: 'admin_user',
        MasterUserPassword: 'not-a-real-password-1',
        BackupRetentionPeriod: 7,
        StorageEncrypted: encryption !== 'none',
        ...(encryption === 'cmk' ? { KmsKeyId: sourceKeyArn } : {}),
        ...(firstSnapshotAt ? { Tags: [{ Key: AUTOMATED_AT_TAG, Value: firstSnapshotAt.toISOString() }] } : {}),
      }));
    },
    async takeAnnouncements() {
      const out: string[] = [];
      for (;;) {
        const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        const messages = res.Messages ?? [];
        if (messages.length === 0) return out;
        for (const m of messages) out.push(JSON.parse(m.Body!).Message);
        const entries = messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! }));
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      }
    },
    manualSnapshots: () => listSnapshots(rds, 'manual'),
    automatedSnapshots: () => listSnapshots(rds, 'automated'),
    async createShippedSnapshot(database, time, shareWith) {
      // As the shipper makes it: a copy of an automated snapshot taken at `time`, so
      // that RDS's OriginalSnapshotCreateTime bears out the time in its name.
      const identifier = shippingCopyIdentifier(database, time);
      const automated = await takeAutomatedSnapshot(database, time);
      const out = await rds.send(new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: automated.DBSnapshotIdentifier!,
        TargetDBSnapshotIdentifier: identifier,
      }));
      // Under the creating-phase patch a copy must be seen creating before it can be shared.
      for (let i = 0; shareWith && i < 10; i++) {
        const [copy] = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: identifier }))).DBSnapshots ?? [];
        if (copy?.Status === 'available') break;
      }
      if (shareWith) {
        await rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: identifier, AttributeName: 'restore', ValuesToAdd: [shareWith] }));
      }
      return out.DBSnapshot!;
    },
    createAutomatedSnapshot: takeAutomatedSnapshot,
    async createCluster(identifier, encryption, options = {}) {
      await rds.send(new CreateDBClusterCommand({
        DBClusterIdentifier: identifier,
        Engine: options.engine ?? 'aurora-postgresql',
        EngineVersion: '16.4',
        MasterUsername: 'admin_user',
        MasterUserPassword: 'not-a-real-password-1',
        BackupRetentionPeriod: 7,
        StorageEncrypted: encryption !== 'none',
        ...(encryption === 'cmk' ? { KmsKeyId: sourceKeyArn } : {}),
        ...(options.serverlessV2 ? { ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 } } : {}),
        ...(options.firstSnapshotAt ? { Tags: [{ Key: AUTOMATED_AT_TAG, Value: options.firstSnapshotAt.toISOString() }] } : {}),
      }));
      // A member instance: its data is in the cluster's snapshots, not its own.
      await rds.send(new CreateDBInstanceCommand({
        DBInstanceIdentifier: `${identifier}-writer`,
        DBClusterIdentifier: identifier,
        Engine: options.engine ?? 'aurora-postgresql',
        DBInstanceClass: options.serverlessV2 ? 'db.serverless' : 'db.r6g.large',
      }));
    },
    async createAutomatedClusterSnapshot(cluster, time) {
      const out = await rds.send(new CreateDBClusterSnapshotCommand({
        DBClusterIdentifier: cluster,
        DBClusterSnapshotIdentifier: `emulator-automated-${cluster}`,
        Tags: [{ Key: AUTOMATED_AT_TAG, Value: time.toISOString() }],
      }));
      return out.DBClusterSnapshot!;
    },
    manualClusterSnapshots: () => listClusterSnapshots(rds, 'manual'),
    automatedClusterSnapshots: () => listClusterSnapshots(rds, 'automated'),
    async clusterRestoreAttribute(identifier) {
      const res = await rds.send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: identifier }));
      return res.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.find((a) => a.AttributeName === 'restore')?.AttributeValues ?? [];
    },
    async restoreAttribute(identifier) {
      const res = await rds.send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: identifier }));
      return res.DBSnapshotAttributesResult?.DBSnapshotAttributes?.find((a) => a.AttributeName === 'restore')?.AttributeValues ?? [];
    },
  };
}

/**
 * The configuration of a shipper of `live` that ships `selection` to
 * `vaultAccount`, as the construct would write it, with a retention of two
 * days: `extra` adds to it or changes it.
 */
export function shipperConfigFor(live: LiveAccount, vaultAccount: string, selection: object, extra: Record<string, unknown> = {}) {
  return {
    version: 1,
    ownerId: 'shipper-integ',
    vaultAccount,
    shippingKeyArn: live.shippingKeyArn,
    topicArn: live.topicArn,
    retentionMs: 2 * 86_400_000,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
    selection,
    ...extra,
  };
}
