import { deliveriesOf, isQueueBatch } from '../../src/runtime/deliveries';
import { queueEvent, snsEvent } from '../emulator/failsafe';

const TOPIC = 'arn:aws:sns:eu-west-1:111111111111:rds-failsafe-shipper';

describe('deliveriesOf: announcements through the queue or straight from SNS', () => {
  test('a queue batch becomes the SNS notifications its bodies carry, each with its queue message id', () => {
    const event = queueEvent(TOPIC, ['{"a":1}', '{"b":2}']);
    expect(isQueueBatch(event.Records)).toBe(true);
    expect(deliveriesOf(event.Records)).toEqual(event.Records.map((r, i) => ({
      queueMessageId: r.messageId,
      record: { EventSource: 'aws:sns', Sns: { TopicArn: TOPIC, Message: ['{"a":1}', '{"b":2}'][i], MessageId: expect.any(String) } },
    })));
  });

  test('SNS records pass as they are', () => {
    const event = snsEvent(TOPIC, '{"a":1}');
    expect(isQueueBatch(event.Records)).toBe(false);
    expect(deliveriesOf(event.Records)).toEqual([{ record: event.Records[0] }]);
  });

  test('a queue message that is not an SNS notification becomes a record the handler rejects', () => {
    const [record] = queueEvent(TOPIC, ['x']).Records;
    for (const body of ['not json', '{"Type":"SubscriptionConfirmation"}', 'null']) {
      expect(deliveriesOf([{ ...record, body }])).toEqual([{ queueMessageId: record.messageId, record: { EventSource: 'aws:sqs' } }]);
    }
  });
});
