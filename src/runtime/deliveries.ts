/**
 * How announcements reach the vault's function: through its announcement
 * queue, which each source topic delivers to (the SNS envelope, as JSON, is
 * the body of each SQS message), or straight from SNS. Both become SNS
 * records, which the handler validates alike. Pure.
 */

/** An SNS notification as Lambda gives it, which the handler validates. */
export interface SnsRecord {
  readonly EventSource: string;
  readonly Sns?: { readonly TopicArn?: unknown; readonly Message?: unknown; readonly MessageId?: unknown };
}

/** One message to handle, with the queue message it came in, if it came through the queue. */
export interface Delivery {
  readonly record: SnsRecord;
  /** The SQS message id: a delivery that fails is reported by it, so that only it is retried. */
  readonly queueMessageId?: string;
}

/** Whether the records came through the announcement queue. */
export function isQueueBatch(records: readonly unknown[]): boolean {
  return records.length > 0 && records.every((r) => (r as { eventSource?: unknown })?.eventSource === 'aws:sqs');
}

/** The SNS notification an SQS message of the announcement queue carries, or a record the handler rejects. */
function fromQueueMessage(message: { body?: unknown }): SnsRecord {
  try {
    const envelope = JSON.parse(String(message.body));
    if (envelope?.Type !== 'Notification') return { EventSource: 'aws:sqs' };
    return { EventSource: 'aws:sns', Sns: { TopicArn: envelope.TopicArn, Message: envelope.Message, MessageId: envelope.MessageId } };
  } catch {
    return { EventSource: 'aws:sqs' };
  }
}

/** The deliveries of one invocation. */
export function deliveriesOf(records: readonly unknown[]): Delivery[] {
  if (!isQueueBatch(records)) return records.map((record) => ({ record: record as SnsRecord }));
  return records.map((r) => {
    const message = r as { body?: unknown; messageId?: unknown };
    return { record: fromQueueMessage(message), queueMessageId: String(message.messageId) };
  });
}
