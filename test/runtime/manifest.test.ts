/** The manifest: what the shipper says it ships, and how the vault judges what it holds against it. */
import { DAY, LIVE, NOW, REGION } from './fixtures';
import { VaultConfig } from '../../src/runtime/config';
import { buildManifest, manifestDue, manifestVerdict, MAX_ENTRY_BYTES } from '../../src/runtime/manifest';
import { MANIFEST_SCHEMA, MAX_MANIFEST_BYTES, parseManifest, schemaOf } from '../../src/runtime/schema';
import { behindAfterOf, validateManifest } from '../../src/runtime/vault-manifest';

const HOUR = 3_600_000;
const TOPIC = `arn:aws:sns:${REGION}:${LIVE}:rds-failsafe-shipper`;
const source = { account: LIVE, region: REGION };
const config: VaultConfig = {
  version: 1,
  ownerId: 'vault-test',
  vaultKeyArn: 'arn:aws:kms:eu-west-1:222222222222:key/v',
  sources: [{ topicArn: TOPIC }],
  sourceAccounts: [LIVE],
  retentionMs: 31 * DAY,
  minimumCopies: 3,
  maxCopiesInFlight: 20,
};

describe('the shipper\'s manifest', () => {
  test('lists every selected database with its newest shipped recovery point, none for one never shipped', () => {
    const [m] = buildManifest(source, NOW, [{ kind: 'instance', identifier: 'orders' }, { kind: 'cluster', identifier: 'ledger' }], new Map([['orders', new Date(NOW.getTime() - HOUR)]]));
    expect(m).toEqual({
      schema: MANIFEST_SCHEMA,
      version: 1,
      sourceAccount: LIVE,
      sourceRegion: REGION,
      publishedAt: NOW.toISOString(),
      part: 1,
      parts: 1,
      databases: [{ kind: 'instance', identifier: 'orders', newestRecoveryPoint: new Date(NOW.getTime() - HOUR).toISOString() }, { kind: 'cluster', identifier: 'ledger' }],
    });
    expect(parseManifest(JSON.stringify(m))).toEqual({ ok: true, manifest: m });
  });

  test('is split into parts that each fit SNS\'s 256 KiB, for 5,000 databases of the longest names', () => {
    const dbs = Array.from({ length: 5000 }, (_, i) => ({ kind: 'cluster' as const, identifier: `d${String(i).padStart(62, '0')}` }));
    const parts = buildManifest(source, NOW, dbs, new Map(dbs.map((d) => [d.identifier, NOW])));
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((p) => p.part)).toEqual(parts.map((_, i) => i + 1));
    expect(parts.every((p) => p.parts === parts.length)).toBe(true);
    expect(parts.flatMap((p) => p.databases)).toHaveLength(5000);
    for (const p of parts) expect(Buffer.byteLength(JSON.stringify(p))).toBeLessThanOrEqual(MAX_MANIFEST_BYTES);
    expect(Math.max(...parts[0].databases.map((d) => JSON.stringify(d).length + 1))).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
  });

  test('is due on the sweeps in the first window of each UTC day', () => {
    const midnight = Date.UTC(2026, 10, 20);
    expect(manifestDue(new Date(midnight + 5 * 60_000), 90 * 60_000)).toBe(true);
    expect(manifestDue(new Date(midnight + 89 * 60_000), 90 * 60_000)).toBe(true);
    expect(manifestDue(new Date(midnight + 91 * 60_000), 90 * 60_000)).toBe(false);
    expect(manifestDue(new Date(midnight - 60_000), 90 * 60_000)).toBe(false);
  });
});

describe('the vault\'s verdict on a manifest', () => {
  const point = (database: string, hoursAgo: number, account = LIVE) => ({
    account, region: REGION, database, time: new Date(NOW.getTime() - hoursAgo * HOUR),
  });
  const manifest = (...identifiers: string[]) => buildManifest(source, NOW, identifiers.map((identifier) => ({ kind: 'instance' as const, identifier })), new Map())[0];

  test('a listed database with no copy from its source, or only old ones, is behind; the others are not', () => {
    const points = [point('orders', 2), point('users', 30), point('billing', 1, '333333333333')];
    const v = manifestVerdict(manifest('orders', 'users', 'billing', 'Ghost'), points, NOW, 26 * HOUR);
    // billing's copy comes from another account: it does not count for this source.
    expect(v).toEqual({ account: LIVE, region: REGION, listed: 4, behind: { databases: ['billing', 'ghost', 'users'], oldest: { database: 'billing' } } });
    expect(manifestVerdict(manifest('orders'), points, NOW, 26 * HOUR).behind).toEqual({ databases: [] });
  });
});

describe('the manifest of a shipper that copies across Regions', () => {
  const DR = 'eu-central-1';
  const drTopic = `arn:aws:sns:${DR}:${LIVE}:rds-failsafe-shipper`;
  const drManifest = () => buildManifest({ account: LIVE, region: DR, databaseRegion: REGION }, NOW, [{ kind: 'instance', identifier: 'orders' }], new Map())[0];

  test('names the databases\' Region, and is judged against the copies of databases of that Region', () => {
    const m = drManifest();
    expect(m).toMatchObject({ sourceRegion: DR, sourceDatabaseRegion: REGION });
    expect(buildManifest({ account: LIVE, region: DR, databaseRegion: DR }, NOW, [], new Map())[0].sourceDatabaseRegion).toBeUndefined();
    const copyOf = (region: string) => ({ account: LIVE, region, database: 'orders', time: new Date(NOW.getTime() - HOUR) });
    expect(manifestVerdict(m, [copyOf(REGION)], NOW, 26 * HOUR)).toMatchObject({ region: REGION, behind: { databases: [] } });
    // A copy of a database of the same name in the DR Region is another database.
    expect(manifestVerdict(m, [copyOf(DR)], NOW, 26 * HOUR)).toMatchObject({ region: REGION, behind: { databases: ['orders'] } });
  });

  test('is taken only from a source that declares the databases\' Region', () => {
    const declared: VaultConfig = { ...config, sources: [{ topicArn: drTopic, databaseRegions: [REGION] }] };
    expect(validateManifest(declared, drTopic, JSON.stringify(drManifest()), NOW)).toMatchObject({ ok: true });
    expect(validateManifest({ ...config, sources: [{ topicArn: drTopic }] }, drTopic, JSON.stringify(drManifest()), NOW))
      .toMatchObject({ ok: false, code: 'undeclared-region' });
    expect(validateManifest(declared, drTopic, JSON.stringify({ ...drManifest(), sourceDatabaseRegion: 'nowhere' }), NOW)).toMatchObject({ ok: false, code: 'malformed' });
  });
});

describe('validateManifest', () => {
  const body = (patch: Record<string, unknown> = {}) => JSON.stringify({ ...buildManifest(source, NOW, [{ kind: 'instance', identifier: 'orders' }], new Map())[0], ...patch });

  test('accepts a manifest from a configured source, and names its schema', () => {
    expect(schemaOf(body())).toBe(MANIFEST_SCHEMA);
    expect(validateManifest(config, TOPIC, body(), NOW)).toMatchObject({ ok: true, manifest: { sourceAccount: LIVE, databases: [{ identifier: 'orders' }] } });
  });

  test.each<[string, unknown, unknown, RegExp]>([
    ['an unknown topic', `arn:aws:sns:${REGION}:${LIVE}:other`, body(), /not a configured source/],
    ['another account than the topic\'s', TOPIC, body({ sourceAccount: '333333333333' }), /source account 333333333333 is not an allowed source/],
    ['another region than the topic\'s', TOPIC, body({ sourceRegion: 'us-east-1' }), /published on a topic in region eu-west-1/],
    ['a time in the future', TOPIC, body({ publishedAt: new Date(NOW.getTime() + DAY).toISOString() }), /in the future/],
    ['a recovery point in the future', TOPIC,
      body({ databases: [{ kind: 'instance', identifier: 'orders', newestRecoveryPoint: new Date(NOW.getTime() + DAY).toISOString() }] }), /in the future/],
    ['a bad identifier', TOPIC, body({ databases: [{ kind: 'instance', identifier: 'no such thing' }] }), /databases\[0\] must be/],
    ['a bad kind', TOPIC, body({ databases: [{ kind: 'table', identifier: 'orders' }] }), /databases\[0\] must be/],
    ['a missing field', TOPIC, body({ publishedAt: undefined }), /missing field "publishedAt"/],
    ['part after parts', TOPIC, body({ part: 3, parts: 2 }), /field "parts" must be/],
    ['an unknown version', TOPIC, body({ version: 2 }), /unsupported manifest version 2/],
    ['an oversized body', TOPIC, body({ padding: 'x'.repeat(MAX_MANIFEST_BYTES) }), /over the limit/],
  ])('rejects %s', (_name, topic, input, reason) => {
    const v = validateManifest(config, topic, input, NOW);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toMatch(reason);
  });
});

describe('behindAfterOf: the limit of a manifest\'s topic', () => {
  const vaultConfig = (sources: object[]) => ({ behindAfterMs: 26 * HOUR, sources } as any);
  const topic = 'arn:aws:sns:eu-west-1:111111111111:rds-failsafe-shipper';
  test('the limit the manifest\'s topic declares, else the vault\'s: a daily topic of the same account keeps the day', () => {
    const withTopics = vaultConfig([{ topicArn: `${topic}-4h`, behindAfterMs: 6 * HOUR }, { topicArn: topic }]);
    expect(behindAfterOf(withTopics, `${topic}-4h`)).toBe(6 * HOUR);
    expect(behindAfterOf(withTopics, topic)).toBe(26 * HOUR);
    expect(behindAfterOf(withTopics, 'arn:aws:sns:eu-west-1:333333333333:other')).toBe(26 * HOUR);
  });
});
