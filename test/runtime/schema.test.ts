import { compactTimestamp, isValidDbIdentifier, shippingCopyIdentifier } from '../../src/runtime/naming';
import { MAX_MESSAGE_BYTES, MESSAGE_SCHEMA, parseMessage, parseSnapshotArn, serializeMessage, SnapshotShippedMessage } from '../../src/runtime/schema';

const valid: SnapshotShippedMessage = {
  schema: MESSAGE_SCHEMA,
  version: 1,
  kind: 'instance',
  snapshotArn: 'arn:aws:rds:eu-west-1:111111111111:snapshot:failsafe-orders-20261120-120000',
  snapshotIdentifier: 'failsafe-orders-20261120-120000',
  sourceAccount: '111111111111',
  sourceRegion: 'eu-west-1',
  sourceDatabaseIdentifier: 'orders',
  engine: 'postgres',
  engineVersion: '16.4',
  snapshotCreateTime: '2026-11-20T12:00:00.000Z',
  encrypted: true,
  kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  shippedAt: '2026-11-20T12:05:00.000Z',
};
const body = (patch: Record<string, unknown>) => JSON.stringify({ ...valid, ...patch });

describe('message schema v1', () => {
  test('a valid message round-trips', () => {
    expect(parseMessage(serializeMessage(valid))).toEqual({ ok: true, message: valid });
  });

  test('optional fields may be absent', () => {
    const { engineVersion, kmsKeyArn, ...rest } = valid;
    expect(parseMessage(JSON.stringify({ ...rest, encrypted: false })).ok).toBe(true);
  });

  test.each([
    ['not JSON', '{"schema":', /not valid JSON/],
    ['an array', '[]', /not a JSON object/],
    ['null', 'null', /not a JSON object/],
    ['another schema', body({ schema: 'something-else' }), /unknown schema/],
    ['a future version', body({ version: 2 }), /unsupported schema version 2/],
    ['a version as a string', body({ version: '1' }), /unsupported schema version "1"/],
    ['an unknown kind', body({ kind: 'table' }), /"kind" must be/],
    ['a missing ARN', JSON.stringify({ ...valid, snapshotArn: undefined }), /missing field "snapshotArn"/],
    ['a non-RDS ARN', body({ snapshotArn: 'arn:aws:s3:::bucket' }), /"snapshotArn" must be an RDS snapshot ARN/],
    ['a short account', body({ sourceAccount: '1111' }), /"sourceAccount" must be a 12-digit/],
    ['an ARN of another account', body({ sourceAccount: '333333333333' }), /belongs to account 111111111111, not to the announced source account 333333333333/],
    ['an ARN of another region', body({ sourceRegion: 'us-east-1' }), /is in region eu-west-1, not in the announced source region us-east-1/],
    ['a cluster ARN labelled as an instance', body({ snapshotArn: 'arn:aws:rds:eu-west-1:111111111111:cluster-snapshot:failsafe-orders-20261120-120000' }), /is a cluster snapshot, but the message says kind "instance"/],
    ['an identifier that disagrees with the ARN', body({ snapshotIdentifier: 'other' }), /disagree/],
    ['an injection in the database identifier', body({ sourceDatabaseIdentifier: 'orders; rm -rf /' }), /"sourceDatabaseIdentifier" must be/],
    ['a bad time', body({ snapshotCreateTime: 'yesterday' }), /"snapshotCreateTime" must be an ISO 8601 time/],
    ['encrypted as a string', body({ encrypted: 'true' }), /"encrypted" must be a boolean/],
    ['a bad key ARN', body({ kmsKeyArn: 'alias/aws/rds' }), /"kmsKeyArn" must be a KMS key ARN/],
    ['a bad engine version', body({ engineVersion: 16 }), /"engineVersion" must be/],
    ['an oversized body', body({ padding: 'x'.repeat(MAX_MESSAGE_BYTES) }), /over the limit/],
  ])('rejects %s with a reason', (_name, input, reason) => {
    const result = parseMessage(input);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });

  test('parses snapshot ARNs', () => {
    expect(parseSnapshotArn(valid.snapshotArn)).toEqual({ partition: 'aws', region: 'eu-west-1', account: '111111111111', kind: 'instance', identifier: 'failsafe-orders-20261120-120000' });
    expect(parseSnapshotArn('arn:aws:rds:eu-west-1:111111111111:db:orders')).toBeUndefined();
  });
});

describe('naming', () => {
  test('copy names are deterministic and valid snapshot identifiers', () => {
    const t = new Date('2026-01-02T03:04:05.678Z');
    expect(compactTimestamp(t)).toBe('20260102-030405');
    expect(shippingCopyIdentifier('Orders-DB', t)).toBe('failsafe-orders-db-20260102-030405');
    expect(shippingCopyIdentifier('Orders-DB', new Date(t))).toBe(shippingCopyIdentifier('Orders-DB', t));
  });

  test.each(['', '1abc', 'a--b', 'a-', 'a_b', 'a'.repeat(64)])('rejects the DB identifier %p', (id) => {
    expect(isValidDbIdentifier(id)).toBe(false);
    expect(() => shippingCopyIdentifier(id, new Date())).toThrow(/not a valid RDS DB identifier/);
  });

  test('rejects an invalid date', () => {
    expect(() => compactTimestamp(new Date('nope'))).toThrow(/invalid date/);
  });
});
