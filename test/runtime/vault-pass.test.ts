import {
  CopyDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { DAY, LIVE, NOW, REGION } from './fixtures';
import { parseVaultConfig, VaultConfig } from '../../src/runtime/config';
import { parseShippedName } from '../../src/runtime/naming';
import { MESSAGE_SCHEMA } from '../../src/runtime/schema';
import { runVaultPass, validateAnnouncement, VaultDeps } from '../../src/runtime/vault-pass';
import { createLogger } from '../helpers/memory-logger';

const TOPIC = `arn:aws:sns:${REGION}:${LIVE}:rds-failsafe-shipper`;
const config: VaultConfig = {
  version: 1,
  ownerId: 'vault-test',
  vaultKeyArn: `arn:aws:kms:${REGION}:222222222222:key/vault`,
  sources: [{ topicArn: TOPIC }],
  sourceAccounts: [LIVE],
  retentionMs: 31 * DAY,
  minimumCopies: 3,
  maxCopiesInFlight: 10,
  manualSnapshotQuota: 100,
};
const snapshotArn = `arn:aws:rds:${REGION}:${LIVE}:snapshot:failsafe-orders-20261120-120000`;
const announcement = {
  schema: MESSAGE_SCHEMA,
  version: 1,
  kind: 'instance',
  snapshotArn,
  snapshotIdentifier: 'failsafe-orders-20261120-120000',
  sourceAccount: LIVE,
  sourceRegion: REGION,
  sourceDatabaseIdentifier: 'orders',
  engine: 'postgres',
  snapshotCreateTime: '2026-11-20T12:00:00.000Z',
  encrypted: true,
  shippedAt: '2026-11-20T12:05:00.000Z',
};
const body = (patch: Record<string, unknown> = {}) => JSON.stringify({ ...announcement, ...patch });
const RESOURCE_ID = 'db-ORDERS0000000000000000000';

/** RDS's description of a shipper copy shared with the vault: the facts its name and announcement are checked against. */
function sharedMeta(arn: string, extra: Record<string, unknown> = {}) {
  const { database: db, time: original } = parseShippedName(arn.split(':').pop()!)!;
  return {
    DBSnapshotIdentifier: arn,
    DBSnapshotArn: arn,
    DBInstanceIdentifier: db,
    DbiResourceId: `db-${db.toUpperCase().padEnd(26, '0')}`,
    Engine: 'postgres',
    SnapshotType: 'shared',
    Status: 'available',
    Encrypted: true,
    OriginalSnapshotCreateTime: original,
    SnapshotCreateTime: new Date(original.getTime() + 600_000),
    TagList: [],
    ...extra,
  };
}

/** A copy the vault holds of `database`, `daysAgo` days old, of the lineage `resourceId`. */
function heldCopy(database: string, daysAgo: number, resourceId = `db-${database.toUpperCase().padEnd(26, '0')}`) {
  const t = new Date(NOW.getTime() - daysAgo * DAY);
  const name = `vault-${LIVE}-${REGION}-failsafe-${database}-${t.toISOString().replace(/[-:]/g, '').slice(0, 15).replace('T', '-')}`;
  return {
    DBSnapshotIdentifier: name,
    DBSnapshotArn: `arn:aws:rds:${REGION}:222222222222:snapshot:${name}`,
    DBInstanceIdentifier: database,
    DbiResourceId: resourceId,
    SnapshotType: 'manual',
    Status: 'available',
    SnapshotCreateTime: t,
    TagList: [
      { Key: 'cdk-rds-failsafe:owner', Value: 'vault-test' }, { Key: 'cdk-rds-failsafe:source-account', Value: LIVE },
      { Key: 'cdk-rds-failsafe:source-region', Value: REGION }, { Key: 'cdk-rds-failsafe:source-db', Value: database },
      { Key: 'cdk-rds-failsafe:source-time', Value: t.toISOString() }, { Key: 'cdk-rds-failsafe:completed', Value: t.toISOString() },
    ],
  };
}
const ARN_ELSEWHERE = snapshotArn.replace(LIVE, '333333333333');

describe('validateAnnouncement', () => {
  test('accepts a valid announcement from a configured source', () => {
    expect(validateAnnouncement(config, TOPIC, body())).toEqual({
      ok: true,
      snapshot: {
        arn: snapshotArn,
        account: LIVE,
        region: REGION,
        identifier: 'failsafe-orders-20261120-120000',
        database: 'orders',
        time: new Date('2026-11-20T12:00:00.000Z'),
        kind: 'instance',
        encrypted: true,
      },
      engine: 'postgres',
    });
    expect(validateAnnouncement(config, TOPIC, body({ sourceDatabaseResourceId: RESOURCE_ID }))).toMatchObject({ ok: true, resourceId: RESOURCE_ID });
  });

  test('accepts an announcement of a cluster snapshot, with its kind', () => {
    const clusterArn = snapshotArn.replace(':snapshot:', ':cluster-snapshot:');
    const out = validateAnnouncement(config, TOPIC, body({ kind: 'cluster', snapshotArn: clusterArn, encrypted: false }));
    expect(out).toMatchObject({ ok: true, snapshot: { arn: clusterArn, kind: 'cluster', encrypted: false, database: 'orders' } });
  });

  test.each([
    ['a topic that is not a source', `arn:aws:sns:${REGION}:${LIVE}:other`, body(), /topic .* is not a configured source/],
    ['no topic', undefined, body(), /not a configured source/],
    ['malformed JSON', TOPIC, '{"schema"', /not valid JSON/],
    ['an unknown schema version', TOPIC, body({ version: 7 }), /unsupported schema version 7/],
    ['a missing field', TOPIC, JSON.stringify({ ...announcement, engine: undefined }), /missing field "engine"/],
    ['an unknown source account', TOPIC, body({ sourceAccount: '333333333333', snapshotArn: ARN_ELSEWHERE }), /source account 333333333333 is not an allowed source/],
    ['an ARN of another account than announced', TOPIC, body({ snapshotArn: snapshotArn.replace(LIVE, '333333333333') }), /belongs to account 333333333333/],
    ['an ARN of another region than announced', TOPIC, body({ snapshotArn: snapshotArn.replace(REGION, 'us-east-1') }), /is in region us-east-1/],
    ['an announced region other than the topic', TOPIC, body({ sourceRegion: 'us-east-1', snapshotArn: snapshotArn.replace(REGION, 'us-east-1') }), /published on a topic in region eu-west-1/],
    ['an oversized body', TOPIC, body({ pad: 'x'.repeat(20_000) }), /over the limit/],
    ['a snapshot that is not a shipper copy', TOPIC, body({ snapshotArn: snapshotArn.replace('failsafe-', 'manual-'), snapshotIdentifier: 'manual-orders-20261120-120000' }),
      /not a shipper copy/],
    ['a cluster snapshot labelled as an instance', TOPIC, body({ snapshotArn: snapshotArn.replace(':snapshot:', ':cluster-snapshot:') }), /is a cluster snapshot, but the message says kind "instance"/],
    ['a kind the schema does not know', TOPIC, body({ kind: 'global-cluster' }), /"kind" must be "instance" or "cluster"/],
    ['a body that is not a string', TOPIC, { nested: true }, /not a string/],
    ['a resource id that is not one', TOPIC, body({ sourceDatabaseResourceId: 'db ORDERS; drop' }), /"sourceDatabaseResourceId" must be a resource id/],
  ])('rejects %s', (_name, topic, input, reason) => {
    const out = validateAnnouncement(config, topic, input);
    expect(out.ok).toBe(false);
    expect(out.ok ? '' : out.reason).toMatch(reason);
  });

  describe('a snapshot the shipper took and shared as it is: named for its interval, to the minute', () => {
    const takenArn = snapshotArn.replace('failsafe-orders-20261120-120000', 'failsafe-orders-20261120-1200');
    const taken = (snapshotCreateTime: string) => body({ snapshotArn: takenArn, snapshotIdentifier: 'failsafe-orders-20261120-1200', snapshotCreateTime });
    test('is accepted when it was taken in its interval, with the announced time as its recovery point', () => {
      expect(validateAnnouncement(config, TOPIC, taken('2026-11-20T12:04:31.000Z'), new Date('2026-11-20T13:00:00Z'))).toMatchObject({
        ok: true, snapshot: { identifier: 'failsafe-orders-20261120-1200', time: new Date('2026-11-20T12:04:31.000Z') },
      });
    });
    test.each([
      ['taken before its interval', '2026-11-20T11:40:00.000Z'],
      ['taken a day or more after its interval started', '2026-11-21T12:00:00.000Z'],
    ])('is rejected when %s', (_name, time) => {
      const out = validateAnnouncement(config, TOPIC, taken(time), new Date('2026-11-22T00:00:00Z'));
      expect(out.ok ? '' : out.reason).toMatch(/its name says that it was taken in the interval that starts at 2026-11-20T12:00:00.000Z/);
    });
  });

  test('a topic from a configured account but another account in the message is rejected', () => {
    const other = { ...config, sourceAccounts: [LIVE, '333333333333'] };
    const out = validateAnnouncement(other, TOPIC, body({ sourceAccount: '333333333333', snapshotArn: ARN_ELSEWHERE }));
    expect(out).toEqual({ ok: false, code: 'topic-mismatch', reason: 'message announces account 333333333333, but it was published on a topic of account 111111111111' });
  });
});

describe('runVaultPass with an announcement', () => {
  const rdsMock = mockClient(RDSClient);
  beforeEach(() => {
    rdsMock.reset();
    // No DB clusters, unless a test says otherwise.
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
    rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });
    // The vault holds yesterday's copy of orders, so the announcement is of a known lineage.
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: [heldCopy('orders', 1)] });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'shared' }).callsFake(async (input) => ({ DBSnapshots: [sharedMeta(input.DBSnapshotIdentifier)] }));
  });
  const deps = () => ({
    rds: new RDSClient({ region: REGION }),
    now: () => NOW,
    remainingMs: () => 600_000,
    region: REGION,
    log: createLogger({}, () => undefined),
  });
  const announced = () => {
    const v = validateAnnouncement(config, TOPIC, body());
    if (!v.ok) throw new Error(v.reason);
    return v.snapshot;
  };
  const asAnnouncement = (snapshot: ReturnType<typeof announced>, claims: { engine?: string; resourceId?: string } = {}) => ({ kind: 'announcement' as const, snapshot, ...claims });

  test('an announcement that RDS does not bear out is refused with its reason and copies nothing; it does not fail the invocation', async () => {
    rdsMock.on(CopyDBSnapshotCommand).resolves({});
    const refusedFor = async (claims: { engine?: string; resourceId?: string }) =>
      (await runVaultPass(deps(), config, asAnnouncement(announced(), claims))).refused;
    expect(await refusedFor({ engine: 'mysql' })).toEqual({ 'engine-mismatch': 1 });
    expect(await refusedFor({ resourceId: 'db-SOMEONEELSE000000000000000' })).toEqual({ 'resource-id-mismatch': 1 });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'shared' }).callsFake(async (input) => ({
      DBSnapshots: [sharedMeta(input.DBSnapshotIdentifier, { OriginalSnapshotCreateTime: new Date('2026-11-20T11:00:00Z') })],
    }));
    expect(await refusedFor({})).toEqual({ 'time-mismatch': 1 });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'shared' }).callsFake(async (input) => ({ DBSnapshots: [sharedMeta(input.DBSnapshotIdentifier, { DBInstanceIdentifier: 'users' })] }));
    expect(await refusedFor({})).toEqual({ 'database-mismatch': 1 });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'shared' }).resolves({ DBSnapshots: [] });
    expect(await refusedFor({})).toEqual({ 'not-shared': 1 });
    expect(rdsMock.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
  });

  test('an announcement of a lineage the vault does not hold waits for the sweep, which can count its source\'s lineages', async () => {
    rdsMock.on(CopyDBSnapshotCommand).resolves({});
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: [heldCopy('orders', 1, 'db-RECREATED0000000000000000')] });
    const out = await runVaultPass(deps(), config, asAnnouncement(announced()));
    expect(out).toMatchObject({ copiesStarted: 0, failures: 0, refused: {} });
    expect(rdsMock.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
  });

  test('with an hourly tier, a pass that takes over a finished copy\'s slot for a successor starts the new lineage a sweep listed', async () => {
    rdsMock.on(CopyDBSnapshotCommand).resolves({});
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: [] });
    const hourly = { ...config, hourlyCopies: 24, minimumAgeMs: DAY };
    // An announcement still waits for the sweep; a successor (handOnVaultSlot passes the rest of the list, here none) does not.
    expect(await runVaultPass(deps(), hourly, asAnnouncement(announced()))).toMatchObject({ copiesStarted: 0, failures: 0 });
    expect(await runVaultPass(deps(), hourly, asAnnouncement(announced()), '')).toMatchObject({ copiesStarted: 1, failures: 0 });
    // Without an hourly tier the successor waits for the sweep too.
    expect(await runVaultPass(deps(), config, asAnnouncement(announced()), '')).toMatchObject({ copiesStarted: 0, failures: 0 });
    expect(rdsMock.commandCalls(CopyDBSnapshotCommand)).toHaveLength(1);
  });

  test('copies by ARN with the vault key, and only copies', async () => {
    rdsMock.on(CopyDBSnapshotCommand).resolves({});
    const out = await runVaultPass(deps(), config, asAnnouncement(announced()));
    expect(out.copiesStarted).toBe(1);
    expect(rdsMock.commandCalls(CopyDBSnapshotCommand)[0].args[0].input).toMatchObject({
      SourceDBSnapshotIdentifier: snapshotArn,
      TargetDBSnapshotIdentifier: `vault-${LIVE}-${REGION}-failsafe-orders-20261120-120000`,
      KmsKeyId: config.vaultKeyArn,
      CopyTags: false,
    });
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });

  test('a duplicate delivery that races a copy counts as done', async () => {
    rdsMock.on(CopyDBSnapshotCommand).rejects(Object.assign(new Error('exists'), { name: 'DBSnapshotAlreadyExistsFault' }));
    expect(await runVaultPass(deps(), config, asAnnouncement(announced()))).toMatchObject({ copiesStarted: 0, copiesAlreadyThere: 1, failures: 0 });
  });

  test('a copy that cannot start fails the invocation, so Lambda retries and then dead-letters it', async () => {
    rdsMock.on(CopyDBSnapshotCommand).rejects(Object.assign(new Error('no key'), { name: 'KMSKeyNotAccessibleFault' }));
    await expect(runVaultPass(deps(), config, asAnnouncement(announced()))).rejects.toThrow(/could not be started/);
  });

  test('a source in another region is copied by its ARN alone', async () => {
    rdsMock.on(CopyDBSnapshotCommand).resolves({});
    const otherArn = snapshotArn.replace(REGION, 'eu-central-1');
    const inOtherRegion = heldCopy('orders', 1);
    inOtherRegion.TagList = inOtherRegion.TagList.map((t) => (t.Key === 'cdk-rds-failsafe:source-region' ? { ...t, Value: 'eu-central-1' } : t));
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: [inOtherRegion] });
    const withSourceThere = { ...config, sources: [...config.sources, { topicArn: TOPIC.replace(REGION, 'eu-central-1') }] };
    await runVaultPass(deps(), withSourceThere, asAnnouncement({ ...announced(), region: 'eu-central-1', arn: otherArn }));
    expect(rdsMock.commandCalls(CopyDBSnapshotCommand)[0].args[0].input).toMatchObject({
      SourceDBSnapshotIdentifier: otherArn,
      TargetDBSnapshotIdentifier: `vault-${LIVE}-eu-central-1-failsafe-orders-20261120-120000`,
    });
  });
});

describe('a shipper that copies across Regions: the database\'s Region is RDS\'s fact, and must be declared', () => {
  const DR = 'eu-central-1';
  const HOME = 'eu-west-1';
  const drTopic = TOPIC.replace(REGION, DR);
  const drArn = `arn:aws:rds:${DR}:${LIVE}:snapshot:failsafe-orders-20261120-120000-euw1`;
  const drConfig: VaultConfig = {
    ...config, vaultKeyArn: config.vaultKeyArn.replace(REGION, DR), sources: [{ topicArn: drTopic, databaseRegions: [HOME] }],
  };
  const drBody = (patch: Record<string, unknown> = {}) => body({
    snapshotArn: drArn, snapshotIdentifier: 'failsafe-orders-20261120-120000-euw1', sourceRegion: DR, sourceDatabaseRegion: HOME, ...patch,
  });
  const rdsMock = mockClient(RDSClient);
  beforeEach(() => {
    rdsMock.reset();
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
    rdsMock.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [] });
    // The vault holds yesterday's copy of orders of the home Region: the announcement is of a known lineage.
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: [heldCopy('orders', 1)] });
  });
  const deps = () => ({
    rds: new RDSClient({ region: DR }), now: () => NOW, remainingMs: () => 600_000, region: DR, log: createLogger({}, () => undefined),
  });
  const run = async (cfg: VaultConfig, origin: string | undefined, patch: Record<string, unknown> = {}) => {
    rdsMock.on(CopyDBSnapshotCommand).resolves({});
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'shared' }).callsFake(async (input) => ({
      DBSnapshots: [sharedMeta(input.DBSnapshotIdentifier, origin ? { SourceRegion: origin } : {})],
    }));
    const v = validateAnnouncement(cfg, drTopic, drBody(patch), NOW);
    if (!v.ok) throw new Error(v.reason);
    const { ok: _ok, ...claim } = v;
    return runVaultPass(deps(), cfg, { kind: 'announcement', ...claim });
  };

  test('a copy of a database in its home Region is copied, and its copy is tagged with that Region: its lineage and metrics are the database\'s own', async () => {
    const out = await run(drConfig, HOME);
    expect(out).toMatchObject({ copiesStarted: 1, refused: {} });
    const tags = rdsMock.commandCalls(CopyDBSnapshotCommand)[0].args[0].input.Tags!;
    expect(tags).toContainEqual({ Key: 'cdk-rds-failsafe:source-region', Value: HOME });
  });

  test('RDS\'s SourceRegion decides; an announcement or a name that says otherwise is refused (region-mismatch)', async () => {
    expect((await run(drConfig, 'us-east-1')).refused).toEqual({ 'region-mismatch': 1 });
    // A copy made within the DR Region, announced and named as a copy from the home Region.
    expect((await run(drConfig, DR)).refused).toEqual({ 'region-mismatch': 1 });
    expect(rdsMock.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
  });

  test('where RDS reports no SourceRegion, the announced Region is taken, checked against the name', async () => {
    expect(await run(drConfig, undefined)).toMatchObject({ copiesStarted: 1, refused: {} });
    const both = { ...drConfig, sources: [{ topicArn: drTopic, databaseRegions: [HOME, 'us-east-1'] }] };
    expect((await run(both, undefined, { sourceDatabaseRegion: 'us-east-1' })).refused).toEqual({ 'region-mismatch': 1 });
  });

  test('a database Region that the source does not declare is refused (undeclared-region), so that nothing is held unwatched', async () => {
    const undeclared = { ...drConfig, sources: [{ topicArn: drTopic }] };
    // An announcement that says so is rejected before any call; a copy found by the sweep or named without the field, after RDS's description.
    expect(validateAnnouncement(undeclared, drTopic, drBody(), NOW)).toMatchObject({ ok: false, code: 'undeclared-region' });
    expect((await run(undeclared, HOME, { sourceDatabaseRegion: undefined })).refused).toEqual({ 'undeclared-region': 1 });
    expect(rdsMock.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
  });

  test('the sweep takes the Region from RDS, or where RDS reports none, from the name\'s code among the Regions the source declares', async () => {
    const sweep = (origin: string | undefined, cfg: VaultConfig = drConfig) => {
      rdsMock.on(CopyDBSnapshotCommand).resolves({});
      rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'shared' }).resolves({ DBSnapshots: [sharedMeta(drArn, origin ? { SourceRegion: origin } : {})] });
      return runVaultPass(deps(), cfg, { kind: 'sweep' });
    };
    const copiedFrom = () => rdsMock.commandCalls(CopyDBSnapshotCommand).map((c) => c.args[0].input.Tags!.find((t) => t.Key === 'cdk-rds-failsafe:source-region')?.Value);
    expect(await sweep(HOME)).toMatchObject({ copiesStarted: 1, refused: {} });
    expect(await sweep(undefined)).toMatchObject({ copiesStarted: 1, refused: {} });
    expect(copiedFrom()).toEqual([HOME, HOME]);
    // A name whose code no declared Region has, with nothing from RDS, is refused.
    expect((await sweep(undefined, { ...drConfig, sources: [{ topicArn: drTopic, databaseRegions: ['us-east-1'] }] })).refused).toEqual({ 'region-mismatch': 1 });
    expect((await sweep('us-east-1')).refused).toEqual({ 'region-mismatch': 1 });
    expect(rdsMock.commandCalls(CopyDBSnapshotCommand)).toHaveLength(2);
  });
});

/** What a sweep needs, with a client per region (mocked) and the log lines to `write`. */
function sweepDeps(write: (line: string) => void = () => undefined): VaultDeps {
  return {
    rds: new RDSClient({ region: REGION }),
    rdsIn: (region) => new RDSClient({ region }),
    now: () => NOW,
    remainingMs: () => 600_000,
    region: REGION,
    log: createLogger({}, write),
  };
}

/** A sweep's RDS that holds nothing, has no cluster snapshots, shares in each region what `sharedIn` gives, and copies. */
function mockSharedByRegion(rdsMock: AwsClientStub<RDSClient>, sharedIn: (region: string) => object[]): void {
  rdsMock.reset();
  rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
  rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: [] });
  rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'shared', IncludeShared: true })
    .callsFake(async (_input, getClient) => ({ DBSnapshots: sharedIn(await getClient().config.region()) }));
  rdsMock.on(CopyDBSnapshotCommand).resolves({});
}

describe('runVaultPass sweep across regions', () => {
  const rdsMock = mockClient(RDSClient);
  afterAll(() => rdsMock.restore());

  test('lists what each source region shares, with a client in that region, and copies from both', async () => {
    const shared = (region: string, name: string) => sharedMeta(`arn:aws:rds:${region}:${LIVE}:snapshot:${name}`);
    mockSharedByRegion(rdsMock, (region) => [
      region === 'eu-central-1' ? shared(region, 'failsafe-users-20261120-110000') : shared(region, 'failsafe-orders-20261120-110000'),
    ]);
    const twoRegions = { ...config, sources: [{ topicArn: TOPIC }, { topicArn: `arn:aws:sns:eu-central-1:${LIVE}:rds-failsafe-shipper` }] };
    const out = await runVaultPass(sweepDeps(), twoRegions);
    expect(out.copiesStarted).toBe(2);
    expect(rdsMock.commandCalls(CopyDBSnapshotCommand).map((c) => c.args[0].input.SourceDBSnapshotIdentifier).sort()).toEqual([
      `arn:aws:rds:eu-central-1:${LIVE}:snapshot:failsafe-users-20261120-110000`,
      `arn:aws:rds:eu-west-1:${LIVE}:snapshot:failsafe-orders-20261120-110000`,
    ]);
  });
});

describe('runVaultPass sweep: sources are (account, Region) pairs, as IAM grants them', () => {
  const rdsMock = mockClient(RDSClient);
  afterAll(() => rdsMock.restore());

  test('a source account\'s share in the Region of another source is not copied, and is named with its Region', async () => {
    const OTHER = '333333333333';
    const shared = (region: string, account: string) => sharedMeta(`arn:aws:rds:${region}:${account}:snapshot:failsafe-orders-20261120-110000`);
    // LIVE is a source in eu-west-1 and OTHER in eu-central-1; each also shares in the other's Region.
    mockSharedByRegion(rdsMock, (region) => [shared(region, LIVE), shared(region, OTHER)]);
    const lines: any[] = [];
    const crossed = {
      ...config,
      sources: [{ topicArn: TOPIC }, { topicArn: `arn:aws:sns:eu-central-1:${OTHER}:rds-failsafe-shipper` }],
      sourceAccounts: [LIVE, OTHER],
    };
    const out = await runVaultPass(sweepDeps((l) => lines.push(JSON.parse(l))), crossed);
    expect(rdsMock.commandCalls(CopyDBSnapshotCommand).map((c) => c.args[0].input.SourceDBSnapshotIdentifier).sort()).toEqual([
      `arn:aws:rds:eu-central-1:${OTHER}:snapshot:failsafe-orders-20261120-110000`,
      `arn:aws:rds:eu-west-1:${LIVE}:snapshot:failsafe-orders-20261120-110000`,
    ]);
    expect(out.unlistedShares).toBe(2);
    expect(lines.filter((l) => l.event === 'shared-from-unlisted-accounts')).toEqual([expect.objectContaining({
      total: 2, byAccount: { [`${LIVE} in eu-central-1`]: 1, [`${OTHER} in eu-west-1`]: 1 },
    })]);
  });
});

describe('runVaultPass sweep when a source region fails', () => {
  const rdsMock = mockClient(RDSClient);
  afterAll(() => rdsMock.restore());

  test('a region that cannot be listed is logged and counted; the other regions are copied and retention runs', async () => {
    rdsMock.reset();
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
    const old = new Date(NOW.getTime() - 40 * DAY);
    // Four copies of orders, the oldest past the retention: retention must still delete it.
    const held = [40, 3, 2, 1].map((d) => heldCopy('orders', d));
    expect(held[0].SnapshotCreateTime).toEqual(old);
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: held });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'shared', IncludeShared: true }).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      if (region === 'ap-east-1') throw Object.assign(new Error('The security token included in the request is invalid'), { name: 'InvalidClientTokenId' });
      const name = 'failsafe-users-20261120-110000';
      return { DBSnapshots: [sharedMeta(`arn:aws:rds:${region}:${LIVE}:snapshot:${name}`)] };
    });
    rdsMock.on(CopyDBSnapshotCommand).resolves({});
    rdsMock.on(DeleteDBSnapshotCommand).resolves({});
    const lines: any[] = [];
    const twoRegions = { ...config, sources: [{ topicArn: TOPIC }, { topicArn: `arn:aws:sns:ap-east-1:${LIVE}:rds-failsafe-shipper` }] };
    const out = await runVaultPass(sweepDeps((l) => lines.push(JSON.parse(l))), twoRegions);
    expect(out).toMatchObject({ copiesStarted: 1, expired: 1, failures: 0, errorFindings: 1, failedRegions: ['ap-east-1'] });
    expect(lines).toContainEqual(expect.objectContaining({ level: 'error', event: 'region-failed', region: 'ap-east-1', errorCode: 'InvalidClientTokenId' }));
    // The sweep still reports every recovery point it holds.
    expect(out.recoveryPoints).toEqual([{ account: LIVE, region: REGION, database: 'orders', time: new Date(NOW.getTime() - DAY) }]);
  });
});

describe('runVaultPass sweep: what is not a verified shipper copy from a source', () => {
  const rdsMock = mockClient(RDSClient);
  afterAll(() => rdsMock.restore());

  test('shares from unlisted accounts are counted in one line per sweep, refusals are logged 5 per code and summed up, and nothing is copied', async () => {
    rdsMock.reset();
    rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: [] });
    const stranger = (i: number) => sharedMeta(`arn:aws:rds:${REGION}:999999999999:snapshot:failsafe-orders-20261120-1100${String(i).padStart(2, '0')}`);
    const misnamed = (i: number) => sharedMeta(`arn:aws:rds:${REGION}:${LIVE}:snapshot:failsafe-orders-20261120-1100${String(i).padStart(2, '0')}`, { DBInstanceIdentifier: 'junk' });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'shared', IncludeShared: true }).resolves({
      DBSnapshots: [...Array.from({ length: 30 }, (_, i) => stranger(i)), ...Array.from({ length: 8 }, (_, i) => misnamed(i))],
    });
    rdsMock.on(CopyDBSnapshotCommand).resolves({});
    const lines: any[] = [];
    const out = await runVaultPass(sweepDeps((l) => lines.push(JSON.parse(l))), config);
    expect(out).toMatchObject({ copiesStarted: 0, unlistedShares: 30, refused: { 'database-mismatch': 8 } });
    expect(lines.filter((l) => l.event === 'shared-from-unlisted-accounts')).toEqual([
      expect.objectContaining({ total: 30, accounts: 1, byAccount: { 999999999999: 30 } }),
    ]);
    expect(lines.filter((l) => l.event === 'snapshot-refused')).toHaveLength(5);
    expect(lines.filter((l) => l.event === 'snapshots-refused-summary')).toEqual([expect.objectContaining({ refused: { 'database-mismatch': 8 } })]);
    expect(rdsMock.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
  });
});

describe('parseVaultConfig', () => {
  test('accepts a valid configuration', () => {
    expect(parseVaultConfig(JSON.stringify(config))).toEqual(config);
    expect(parseVaultConfig(JSON.stringify({ ...config, retireAfterMs: 38 * 86_400_000 })).retireAfterMs).toBe(38 * 86_400_000);
    const across = { ...config, sources: [{ topicArn: TOPIC, databaseRegions: ['eu-west-1', 'us-east-1'] }] };
    expect(parseVaultConfig(JSON.stringify(across))).toEqual(across);
    const subDaily = { ...config, hourlyCopies: 24, sources: [{ topicArn: TOPIC, behindAfterMs: 6 * 3_600_000 }] };
    expect(parseVaultConfig(JSON.stringify(subDaily))).toEqual(subDaily);
  });
  test.each([
    ['no configuration', undefined, /VAULT_CONFIG is not set/],
    ['no sources', JSON.stringify({ ...config, sources: [] }), /sources must be a non-empty list/],
    ['a source that is not a topic ARN', JSON.stringify({ ...config, sources: [{ topicArn: 'arn:aws:sqs:eu-west-1:111111111111:q' }] }), /is not an SNS topic ARN/],
    ['copyClustersAcrossRegions that is not a boolean', JSON.stringify({ ...config, copyClustersAcrossRegions: 'yes' }), /copyClustersAcrossRegions must be a boolean/],
    ['no database Regions', JSON.stringify({ ...config, sources: [{ topicArn: TOPIC, databaseRegions: [] }] }), /databaseRegions of source .* must be a non-empty list of Region names/],
    ['a database Region that is not a Region', JSON.stringify({ ...config, sources: [{ topicArn: TOPIC, databaseRegions: ['Ireland'] }] }), /must be a non-empty list of Region names/],
    ['minimumCopies of 0', JSON.stringify({ ...config, minimumCopies: 0 }), /minimumCopies must be a whole number of at least 1/],
    ['a fractional minimumCopies, which would keep nothing', JSON.stringify({ ...config, minimumCopies: 0.5 }), /minimumCopies must be a whole number of at least 1/],
    ['a retention of one millisecond', JSON.stringify({ ...config, retentionMs: 1 }), /retentionMs must be at least one day/],
    ['a negative hourly tier', JSON.stringify({ ...config, hourlyCopies: -1 }), /hourlyCopies must be a whole number of at least 0/],
    ['a source limit of zero', JSON.stringify({ ...config, sources: [{ topicArn: TOPIC, behindAfterMs: 0 }] }), /behindAfterMs of source .* must be a whole number of at least 1/],
    ['a retirement age under a day, which would hide stale recovery points', JSON.stringify({ ...config, retireAfterMs: 3_600_000 }), /retireAfterMs must be a whole number of at least one day/],
  ])('rejects %s', (_name, raw, message) => {
    expect(() => parseVaultConfig(raw)).toThrow(message);
  });
});
