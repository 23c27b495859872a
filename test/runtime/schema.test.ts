import { compactTimestamp, isValidDbIdentifier, maxClusterIdentifierLength, parseShippedName, regionCode, shippingCopyIdentifier } from '../../src/runtime/naming';
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

  test('a copy across Regions names its database\'s Region', () => {
    const across = { ...valid, sourceDatabaseRegion: 'us-east-1' };
    expect(parseMessage(serializeMessage(across))).toEqual({ ok: true, message: across });
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
    ['a database Region that is not a Region', body({ sourceDatabaseRegion: 'Europe' }), /"sourceDatabaseRegion" must be a region name/],
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

  test('a copy across Regions ends with the code of the database\'s Region, so that databases of one name in two Regions never share a copy name', () => {
    const t = new Date('2026-01-02T03:04:05Z');
    expect(['eu-west-1', 'ap-southeast-2', 'us-gov-west-1', 'cn-northwest-1', 'eu-central-2', 'eusc-de-east-1'].map(regionCode))
      .toEqual(['euw1', 'apse2', 'usgovw1', 'cnnw1', 'euc2', 'euscdee1']);
    expect(shippingCopyIdentifier('Orders', t, 'eu-west-1')).toBe('failsafe-orders-20260102-030405-euw1');
    expect(shippingCopyIdentifier('orders', t, 'eu-west-1')).not.toBe(shippingCopyIdentifier('orders', t, 'us-east-1'));
    expect(parseShippedName('failsafe-orders-20260102-030405-euw1')).toEqual({ database: 'orders', time: t, regionCode: 'euw1' });
    // A database whose name ends like a date is still read from the end.
    expect(parseShippedName('failsafe-db-20250101-000000-20260102-030405-use1')).toEqual({ database: 'db-20250101-000000', time: t, regionCode: 'use1' });
    expect(parseShippedName('failsafe-orders-20260102-030405')).toEqual({ database: 'orders', time: t });
    expect(parseShippedName('failsafe-orders-20260102-030405-1abc')).toBeUndefined();
    expect(() => regionCode('Europe')).toThrow(/not a Region name/);
  });

  test('the longest cluster name of a shipper across Regions leaves room for the Region code within RDS\'s 63 characters', () => {
    const t = new Date('2026-01-02T03:04:05Z');
    for (const region of [undefined, 'eu-west-1', 'us-gov-west-1', 'eusc-de-east-1']) {
      const max = maxClusterIdentifierLength(region);
      expect(shippingCopyIdentifier('c'.repeat(max), t, region)).toHaveLength(63);
    }
    expect(maxClusterIdentifierLength('eu-west-1')).toBe(33);
  });
});
