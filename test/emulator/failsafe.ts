/**
 * The Failsafe account in the emulator: the vault key, and SNS deliveries to
 * the bundled vault handler in the event format SNS gives Lambda.
 */
import { randomUUID } from 'node:crypto';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DBClusterSnapshot, DBSnapshot, RDSClient } from '@aws-sdk/client-rds';
import { Emulator, REGION } from './emulator';
import { invokeBundled, Invocation } from './invoke';
import { listClusterSnapshots, listSnapshots } from './live';

export interface FailsafeAccount {
  readonly account: string;
  /** The vault's Region. */
  readonly region: string;
  readonly rds: RDSClient;
  readonly vaultKeyArn: string;
  manualSnapshots(): Promise<DBSnapshot[]>;
  sharedSnapshots(): Promise<DBSnapshot[]>;
  manualClusterSnapshots(): Promise<DBClusterSnapshot[]>;
  sharedClusterSnapshots(): Promise<DBClusterSnapshot[]>;
}

export async function createFailsafeAccount(emulator: Emulator, account: string, region = REGION): Promise<FailsafeAccount> {
  const cfg = await emulator.clientConfig(account, region);
  const rds = new RDSClient(cfg);
  const vaultKeyArn = (await new KMSClient(cfg).send(new CreateKeyCommand({ Description: 'vault key' }))).KeyMetadata!.Arn!;
  return {
    account,
    region,
    rds,
    vaultKeyArn,
    manualSnapshots: () => listSnapshots(rds, 'manual'),
    sharedSnapshots: () => listSnapshots(rds, 'shared'),
    manualClusterSnapshots: () => listClusterSnapshots(rds, 'manual'),
    sharedClusterSnapshots: () => listClusterSnapshots(rds, 'shared'),
  };
}

/** An SNS notification as Lambda receives it from a subscription. */
export function snsEvent(topicArn: string, message: unknown, extra: Record<string, unknown> = {}) {
  return {
    Records: [{
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
      Sns: {
        Type: 'Notification',
        MessageId: randomUUID(),
        TopicArn: topicArn,
        Subject: null,
        Message: message,
        Timestamp: new Date().toISOString(),
        SignatureVersion: '1',
        Signature: 'EXAMPLE',
        SigningCertUrl: 'https://sns.example.invalid/cert.pem',
        UnsubscribeUrl: 'https://sns.example.invalid/unsubscribe',
        MessageAttributes: {},
        ...extra,
      },
    }],
  };
}

/**
 * A batch from the vault's announcement queue, as Lambda's SQS event source
 * gives it: each SNS notification, in its JSON envelope, is a message body.
 */
export function queueEvent(topicArn: string, messages: readonly unknown[]) {
  return {
    Records: messages.map((message) => {
      const id = randomUUID();
      return {
        messageId: id,
        receiptHandle: `handle-${id}`,
        body: JSON.stringify({ Type: 'Notification', MessageId: randomUUID(), TopicArn: topicArn, Message: message, Timestamp: new Date().toISOString() }),
        attributes: { ApproximateReceiveCount: '1' },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-west-1:222222222222:announcements',
        awsRegion: 'eu-west-1',
      };
    }),
  };
}

/** Runs the bundled vault handler, whose clock reads `clock` if given (invoke.ts). */
export async function runVault(
  emulator: Emulator, failsafe: FailsafeAccount, config: object, event: unknown = { 'source': 'aws.events', 'detail-type': 'Scheduled Event' }, clock?: Date,
): Promise<Invocation> {
  return invokeBundled('vault/vault.lambda', event, {
    endpoint: emulator.endpoint,
    credentials: await emulator.credentialsFor(failsafe.account),
    environment: { VAULT_CONFIG: JSON.stringify(config) },
    region: failsafe.region,
    ...(clock ? { clock } : {}),
  });
}
