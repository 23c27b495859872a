/**
 * The epoch of a construct: the CreationDate of a KMS key that its own stack
 * made (the shipper's shipping key in Live, the vault's key in the Failsafe
 * account), read with one DescribeKey per cold start. A key's creation date
 * never changes, so the answer is kept for the life of the execution
 * environment. The vault reads only its own key: nothing the Live account
 * controls can move the vault's epoch, and so silence one of its alarms.
 * Handlers only.
 */
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { errorCode } from './aws';
import { describeError, Logger } from './log';

const known = new Map<string, Date>();

/**
 * When the key `keyArn` was created, or undefined if it cannot be read (that
 * is logged, and the caller goes on without a grace period).
 */
export async function keyEpoch(kms: KMSClient, keyArn: string, log: Logger): Promise<Date | undefined> {
  const cached = known.get(keyArn);
  if (cached) return cached;
  try {
    const created = (await kms.send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata?.CreationDate;
    if (!created) return undefined;
    const epoch = new Date(created);
    known.set(keyArn, epoch);
    return epoch;
  } catch (e) {
    log.log('warn', 'the creation date of the key could not be read: a database with no recovery point counts as behind at once', {
      event: 'epoch-unknown', key: keyArn, errorCode: errorCode(e), ...describeError(e), hint: `the function's role needs kms:DescribeKey on ${keyArn}`,
    });
    return undefined;
  }
}

/** Forgets the epochs read so far; for tests. */
export function forgetKeyEpochs(): void {
  known.clear();
}
