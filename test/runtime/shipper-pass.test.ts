import * as http from 'node:http';
import { AddressInfo } from 'node:net';
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
import { mockClient } from 'aws-sdk-client-mock';
import { DAY, LIVE, NOW, OWNER, REGION, shipperPassConfig, VAULT } from './fixtures';
import { SDK_CLIENT_CONFIG } from '../../src/runtime/aws';
import { parseShipperConfig, ShipperConfig } from '../../src/runtime/config';
import { parseMessage } from '../../src/runtime/schema';
import { runShipperPass } from '../../src/runtime/shipper-pass';
import { encodeSuccessors } from '../../src/runtime/successors';
import { TagKeys } from '../../src/runtime/tags';
import { createLogger } from '../helpers/memory-logger';

const rdsMock = mockClient(RDSClient);
const snsMock = mockClient(SNSClient);

const config: ShipperConfig = shipperPassConfig({ identifiers: ['a', 'b', 'c'] });

const arn = (id: string) => `arn:aws:rds:${REGION}:${LIVE}:snapshot:${id}`;
const t0 = new Date(NOW.getTime() - 3_600_000);
const autoSnap = (db: string): DBSnapshot => ({
  DBSnapshotIdentifier: `rds:${db}-2026-11-20-11-00`,
  DBSnapshotArn: arn(`rds:${db}-2026-11-20-11-00`),
  DBInstanceIdentifier: db,
  SnapshotType: 'automated',
  Status: 'available',
  SnapshotCreateTime: t0,
  Engine: 'postgres',
  EngineVersion: '16.4',
  Encrypted: false,
  TagList: [],
});
const copyName = (db: string) => `failsafe-${db}-20261120-110000`;

/** The account's manual snapshots, kept up to date by the mocked write calls. */
let manual: DBSnapshot[];
let lines: string[];

function setUpAccount(dbs = ['a', 'b', 'c']) {
  manual = [];
  rdsMock.on(DescribeDBInstancesCommand).resolves({
    DBInstances: dbs.map((d) => ({ DBInstanceIdentifier: d, DBInstanceArn: `arn:aws:rds:${REGION}:${LIVE}:db:${d}`, Engine: 'postgres', BackupRetentionPeriod: 7, DBInstanceStatus: 'available', TagList: [] })),
  });
  rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'automated' }).callsFake(async () => ({ DBSnapshots: dbs.map(autoSnap) }));
  rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).callsFake(async () => ({ DBSnapshots: manual.map((s) => ({ ...s })) }));
  rdsMock.on(CopyDBSnapshotCommand).callsFake(async (input) => {
    if (manual.some((s) => s.DBSnapshotIdentifier === input.TargetDBSnapshotIdentifier)) {
      throw Object.assign(new Error('exists'), { name: 'DBSnapshotAlreadyExistsFault' });
    }
    const source = dbs.map(autoSnap).find((s) => s.DBSnapshotArn === input.SourceDBSnapshotIdentifier)!;
    const copy: DBSnapshot = {
      ...source,
      DBSnapshotIdentifier: input.TargetDBSnapshotIdentifier,
      DBSnapshotArn: arn(input.TargetDBSnapshotIdentifier!),
      SnapshotType: 'manual',
      Status: 'creating',
      Encrypted: true,
      KmsKeyId: input.KmsKeyId,
      TagList: input.Tags,
    };
    manual.push(copy);
    return { DBSnapshot: copy };
  });
  rdsMock.on(ModifyDBSnapshotAttributeCommand).resolves({});
  rdsMock.on(AddTagsToResourceCommand).callsFake(async (input) => {
    const s = manual.find((m) => m.DBSnapshotArn === input.ResourceName)!;
    s.TagList = [...(s.TagList ?? []), ...(input.Tags ?? [])];
    return {};
  });
  rdsMock.on(DeleteDBSnapshotCommand).callsFake(async (input) => {
    manual = manual.filter((m) => m.DBSnapshotIdentifier !== input.DBSnapshotIdentifier);
    return {};
  });
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
}

const finishCopies = () => manual.forEach((s) => { s.Status = 'available'; });

function pass(remainingMs = 600_000, cfg: ShipperConfig = config) {
  return runShipperPass({
    rds: new RDSClient({ region: REGION }),
    sns: new SNSClient({ region: REGION }),
    now: () => NOW,
    remainingMs: () => remainingMs,
    log: createLogger({ passId: 'test' }, (l) => lines.push(l)),
  }, cfg);
}

const logged = () => lines.map((l) => JSON.parse(l));
const RDS_WRITES: any[] = [CopyDBSnapshotCommand, ModifyDBSnapshotAttributeCommand, AddTagsToResourceCommand, DeleteDBSnapshotCommand];
/** Every AWS write call made since the last reset. */
const writes = () => RDS_WRITES.reduce((n, c) => n + rdsMock.commandCalls(c).length, 0) + snsMock.commandCalls(PublishCommand).length;

beforeEach(() => {
  rdsMock.reset();
  // No DB clusters, unless a test says otherwise.
  rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
  rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
  snsMock.reset();
  lines = [];
  setUpAccount();
});

describe('runShipperPass', () => {
  test('first pass copies, a pass after the copies finish shares and announces, a third does nothing', async () => {
    const first = await pass();
    expect(first).toMatchObject({ selected: 3, copiesStarted: 3, shared: 0, announced: 0, failures: 0 });
    const copy = rdsMock.commandCalls(CopyDBSnapshotCommand)[0].args[0].input;
    expect(copy).toMatchObject({ SourceDBSnapshotIdentifier: arn('rds:a-2026-11-20-11-00'), TargetDBSnapshotIdentifier: copyName('a'), KmsKeyId: config.shippingKeyArn, CopyTags: false });
    expect(copy.Tags).toEqual(expect.arrayContaining([{ Key: TagKeys.OWNER, Value: OWNER }, { Key: TagKeys.SOURCE_DATABASE, Value: 'a' }]));

    // Copies still in progress: a rerun changes nothing.
    rdsMock.resetHistory();
    const rerun = await pass();
    expect(rerun).toMatchObject({ copiesStarted: 0, shared: 0, announced: 0 });
    expect(rerun.findings).toEqual({ 'copy-in-progress': 3 });
    expect(writes()).toBe(0);

    finishCopies();
    const second = await pass();
    expect(second).toMatchObject({ copiesStarted: 0, shared: 3, announced: 3, failures: 0 });
    expect(rdsMock.commandCalls(ModifyDBSnapshotAttributeCommand).map((c) => c.args[0].input)).toContainEqual({ DBSnapshotIdentifier: copyName('b'), AttributeName: 'restore', ValuesToAdd: [VAULT] });
    const published = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published).toHaveLength(3);
    const parsed = parseMessage(published[0].Message!);
    expect(parsed).toMatchObject({ ok: true, message: { kind: 'instance', snapshotArn: arn(copyName('a')), sourceAccount: LIVE, sourceRegion: REGION, sourceDatabaseIdentifier: 'a', snapshotCreateTime: t0.toISOString(), encrypted: true, kmsKeyArn: config.shippingKeyArn } });
    expect(published[0].MessageAttributes?.sourceDatabaseIdentifier).toEqual({ DataType: 'String', StringValue: 'a' });

    rdsMock.resetHistory();
    snsMock.resetHistory();
    const idle = await pass();
    expect(idle).toMatchObject({ copiesStarted: 0, shared: 0, announced: 0, deleted: 0, failures: 0 });
    expect(writes()).toBe(0);
  });

  test('a copy already made by a concurrent pass counts as done', async () => {
    // Another pass created the copy between this pass's describe and its copy.
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).resolves({ DBSnapshots: [] });
    manual.push({ DBSnapshotIdentifier: copyName('a') });
    const result = await pass();
    expect(result).toMatchObject({ copiesStarted: 2, copiesAlreadyThere: 1, failures: 0 });
    expect(logged()).toContainEqual(expect.objectContaining({ event: 'copy-skipped', snapshot: copyName('a') }));
  });

  test('one failing database does not stop the others, and the log names the missing grant', async () => {
    const healthy = rdsMock.on(CopyDBSnapshotCommand);
    healthy.callsFake(async (input) => {
      if (input.TargetDBSnapshotIdentifier === copyName('b')) {
        throw Object.assign(new Error('The source snapshot KMS key does not exist, is not enabled or you do not have permissions to access it.'), { name: 'KMSKeyNotAccessibleFault' });
      }
      manual.push({ DBSnapshotIdentifier: input.TargetDBSnapshotIdentifier, Status: 'creating', TagList: input.Tags });
      return {};
    });
    const result = await pass();
    expect(result).toMatchObject({ copiesStarted: 2, failures: 1 });
    const failure = logged().find((l) => l.event === 'action-failed');
    expect(failure).toMatchObject({ level: 'error', database: 'b', errorCode: 'KMSKeyNotAccessibleFault' });
    expect(failure.hint).toMatch(/kms:CreateGrant and kms:DescribeKey/);
    expect(failure.hint).toMatch(/sourceKeys/);
  });

  test('a throttled call that outlasts the SDK retries fails only its action, and the next pass retries it', async () => {
    setUpAccount(['a']);
    const copy = rdsMock.on(CopyDBSnapshotCommand);
    copy.rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    const first = await pass();
    expect(first).toMatchObject({ copiesStarted: 0, failures: 1 });
    expect(logged()).toContainEqual(expect.objectContaining({ event: 'action-failed', errorCode: 'Throttling' }));
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);

    copy.callsFake(async (input) => {
      manual.push({ DBSnapshotIdentifier: input.TargetDBSnapshotIdentifier, Status: 'creating', TagList: input.Tags });
      return {};
    });
    const second = await pass();
    expect(second).toMatchObject({ copiesStarted: 1, failures: 0 });
  });

  test('the snapshot quota stops further copies in the pass', async () => {
    rdsMock.on(CopyDBSnapshotCommand).rejects(Object.assign(new Error('quota'), { name: 'SnapshotQuotaExceeded' }));
    const result = await pass();
    expect(rdsMock.commandCalls(CopyDBSnapshotCommand)).toHaveLength(1);
    expect(result).toMatchObject({ copiesStarted: 0, failures: 1, deferred: 2 });
  });

  test('every line about a snapshot carries snapshotCorrelationId, an RDS ARN: copies started, deferred, shared, announced', async () => {
    await pass(600_000, { ...config, maxCopiesInFlight: 1 });
    finishCopies();
    await pass(600_000, { ...config, maxCopiesInFlight: 1 });
    const events = new Set(logged().filter((l) => l.snapshot !== undefined).map((l) => l.code ?? l.event));
    expect([...events].sort()).toEqual(expect.arrayContaining(['copy-started', 'copy-deferred-in-flight-limit', 'shared', 'announced']));
    const missing = logged().filter((l) => l.snapshot !== undefined && !/^arn:aws:rds:/.test(l.snapshotCorrelationId ?? ''));
    expect(missing).toEqual([]);
    // A deferred copy is followed by the ARN its copy gets when a later pass makes it.
    const deferred = logged().find((l) => l.code === 'copy-deferred-in-flight-limit');
    const later = logged().find((l) => l.event === 'copy-started' && l.database === deferred.database);
    expect(later?.snapshotCorrelationId ?? arn(copyName(deferred.database))).toBe(deferred.snapshotCorrelationId);
    expect(deferred.snapshotCorrelationId).toBe(arn(copyName(deferred.database)));
  });

  test('RDS-EVENT-0197: the slot-handed-on line carries the finished copy\'s ARN as its snapshotCorrelationId', async () => {
    setUpAccount(['a', 'b']);
    manual.push({
      ...autoSnap('a'),
      DBSnapshotIdentifier: copyName('a'),
      DBSnapshotArn: arn(copyName('a')),
      SnapshotType: 'manual',
      Status: 'available',
      TagList: [{ Key: TagKeys.OWNER, Value: OWNER }, { Key: TagKeys.SOURCE_DATABASE, Value: 'a' }, { Key: TagKeys.SUCCESSORS, Value: encodeSuccessors(['b']) }],
    });
    const focus = { kind: 'instance' as const, database: 'a', eventId: 'RDS-EVENT-0197', snapshot: copyName('a') };
    await runShipperPass({
      rds: new RDSClient({ region: REGION }),
      sns: new SNSClient({ region: REGION }),
      now: () => NOW,
      remainingMs: () => 600_000,
      log: createLogger({ passId: 'test' }, (l) => lines.push(l)),
    }, { ...config, selection: { identifiers: ['a', 'b'] } }, focus);
    expect(logged().filter((l) => l.event === 'slot-handed-on')).toEqual([
      expect.objectContaining({ snapshot: copyName('a'), snapshotCorrelationId: arn(copyName('a')), successors: ['b'] }),
    ]);
  });

  test('stops cleanly before the time budget runs out', async () => {
    const result = await pass(5_000);
    expect(result).toMatchObject({ copiesStarted: 0, deferred: 3 });
    expect(writes()).toBe(0);
  });

  test('retention deletes an expired copy only once a newer one is shared', async () => {
    setUpAccount(['a']);
    const old = new Date(NOW.getTime() - 5 * DAY);
    manual.push({
      DBSnapshotIdentifier: 'failsafe-a-20261115-120000',
      DBSnapshotArn: arn('failsafe-a-20261115-120000'),
      DBInstanceIdentifier: 'a',
      SnapshotType: 'manual',
      Status: 'available',
      SnapshotCreateTime: old,
      Engine: 'postgres',
      Encrypted: true,
      TagList: [{ Key: TagKeys.OWNER, Value: OWNER }, { Key: TagKeys.SOURCE_DATABASE, Value: 'a' }, { Key: TagKeys.SOURCE_TIME, Value: old.toISOString() }, { Key: TagKeys.ANNOUNCED, Value: old.toISOString() }],
    });
    await pass(); // copies the new snapshot
    await pass(); // in progress
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
    finishCopies();
    await pass(); // shares and announces the new copy; the old is not yet deletable in this plan
    const last = await pass(); // now a newer shared copy exists
    expect(last.deleted).toBe(1);
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand).map((c) => c.args[0].input.DBSnapshotIdentifier)).toEqual(['failsafe-a-20261115-120000']);
  });

  test('a failure while gathering state throws, so Lambda retries and dead-letters it', async () => {
    rdsMock.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(pass()).rejects.toThrow('denied');
    expect(writes()).toBe(0);
  });
});

describe('a shipper that copies across Regions', () => {
  const DR = 'eu-central-1';
  const across: ShipperConfig = {
    ...config, sourceRegion: REGION, shippingKeyArn: `arn:aws:kms:${DR}:${LIVE}:key/shipping`, topicArn: `arn:aws:sns:${DR}:${LIVE}:rds-failsafe-shipper`,
  };
  const passAcross = () => runShipperPass({
    rds: new RDSClient({ region: DR }),
    databasesRds: new RDSClient({ region: REGION }),
    sns: new SNSClient({ region: DR }),
    now: () => NOW,
    remainingMs: () => 600_000,
    log: createLogger({ passId: 'test' }, (l) => lines.push(l)),
  }, across);
  /** The Regions of the clients each call of a command went through. */
  const regionsOf = async (command: any, input?: Record<string, unknown>) =>
    Promise.all(rdsMock.commandCalls(command, input).map((c) => (c.thisValue as RDSClient).config.region()));

  test('reads the databases in their Region and its own copies in its own, copies from the ARN there into its own Region, and announces the databases\' Region', async () => {
    const first = await passAcross();
    expect(first).toMatchObject({ selected: 3, copiesStarted: 3, failures: 0 });
    expect(await regionsOf(DescribeDBInstancesCommand)).toEqual([REGION]);
    expect(await regionsOf(DescribeDBSnapshotsCommand, { SnapshotType: 'automated' })).toEqual([REGION]);
    expect(await regionsOf(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' })).toEqual([DR]);
    expect([...new Set(await regionsOf(CopyDBSnapshotCommand))]).toEqual([DR]);
    expect(rdsMock.commandCalls(CopyDBSnapshotCommand)[0].args[0].input).toMatchObject({
      SourceDBSnapshotIdentifier: arn('rds:a-2026-11-20-11-00'), TargetDBSnapshotIdentifier: `${copyName('a')}-euw1`, KmsKeyId: across.shippingKeyArn,
    });
    // The correlation id is the copy's ARN, in the Region it is made in: the same id as in the vault's logs.
    expect(logged().find((l) => l.event === 'copy-started')?.snapshotCorrelationId).toBe(`arn:aws:rds:${DR}:${LIVE}:snapshot:${copyName('a')}-euw1`);
    // The copies live in the DR Region.
    manual.forEach((m) => { m.DBSnapshotArn = m.DBSnapshotArn!.replace(`:${REGION}:`, `:${DR}:`); });
    finishCopies();
    expect(await passAcross()).toMatchObject({ shared: 3, announced: 3, failures: 0 });
    expect([...new Set(await regionsOf(ModifyDBSnapshotAttributeCommand))]).toEqual([DR]);
    const message = parseMessage(snsMock.commandCalls(PublishCommand)[0].args[0].input.Message!);
    expect(message).toMatchObject({ ok: true, message: { sourceRegion: DR, sourceDatabaseRegion: REGION, snapshotIdentifier: `${copyName('a')}-euw1` } });
  });

  test('while the databases\' Region cannot be read, it still shares and announces the copies that finished here, and reports that Region unreachable', async () => {
    await passAcross();
    manual.forEach((m) => { m.DBSnapshotArn = m.DBSnapshotArn!.replace(`:${REGION}:`, `:${DR}:`); });
    finishCopies();
    // The home Region goes down: every call there fails.
    const down = Object.assign(new Error('the Region is down'), { name: 'ServiceUnavailable' });
    const inHome = async (client: RDSClient) => (await client.config.region()) === REGION;
    rdsMock.on(DescribeDBInstancesCommand).callsFake(async (_input, getClient) => {
      if (await inHome(getClient() as RDSClient)) throw down;
      return { DBInstances: [] };
    });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'automated' }).callsFake(async (_input, getClient) => {
      if (await inHome(getClient() as RDSClient)) throw down;
      return { DBSnapshots: [] };
    });
    lines = [];
    const out = await passAcross();
    expect(out).toMatchObject({ selected: 0, copiesStarted: 0, shared: 3, announced: 3, findings: { 'databases-unreachable': 1 } });
    expect(out.behind).toBeUndefined();
    expect(logged()).toContainEqual(expect.objectContaining({ event: 'databases-unreachable', region: REGION }));
    // Nothing is taken for missing: no database-not-found, and nothing deleted.
    expect(Object.keys(out.findings)).toEqual(['databases-unreachable']);
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });

  test('a shipper within its Region that cannot read it fails the pass, as before', async () => {
    rdsMock.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('the Region is down'), { name: 'ServiceUnavailable' }));
    await expect(pass()).rejects.toThrow(/the Region is down/);
  });

  test('keeps its previous copy of a database until the next one is shared, so that the next copy across Regions is incremental', async () => {
    await passAcross();
    manual.forEach((m) => { m.DBSnapshotArn = m.DBSnapshotArn!.replace(`:${REGION}:`, `:${DR}:`); });
    finishCopies();
    await passAcross();
    // Three days later, a new automated snapshot: its copy starts while the old copy, past the retention, is kept.
    const later = new Date(NOW.getTime() + 3 * DAY);
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'automated' }).resolves({
      DBSnapshots: ['a', 'b', 'c'].map((db) => ({
        ...autoSnap(db), DBSnapshotIdentifier: `rds:${db}-2026-11-23-11-00`, DBSnapshotArn: arn(`rds:${db}-2026-11-23-11-00`), SnapshotCreateTime: later,
      })),
    });
    rdsMock.resetHistory();
    const run = (now: Date) => runShipperPass({
      rds: new RDSClient({ region: DR }),
      databasesRds: new RDSClient({ region: REGION }),
      sns: new SNSClient({ region: DR }),
      now: () => now,
      remainingMs: () => 600_000,
      log: createLogger({}, () => undefined),
    }, across);
    expect(await run(new Date(later.getTime() + 60_000))).toMatchObject({ copiesStarted: 3, deleted: 0 });
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });
});

describe('parseShipperConfig', () => {
  const raw = (patch: Record<string, unknown>) => JSON.stringify({ ...config, ...patch });
  test('accepts what the construct writes', () => {
    expect(parseShipperConfig(raw({}))).toEqual(config);
    const subDaily = raw({ recoveryPoints: { intervalMs: 4 * 3_600_000, offsetMs: 30 * 60_000 } });
    expect(parseShipperConfig(subDaily).recoveryPoints).toEqual({ intervalMs: 4 * 3_600_000, offsetMs: 30 * 60_000 });
  });
  test.each([
    ['no configuration', undefined, /SHIPPER_CONFIG is not set/],
    ['bad JSON', '{', /not valid JSON/],
    ['a future version', raw({ version: 2 }), /unsupported version 2/],
    ['a short vault account', raw({ vaultAccount: '12' }), /vaultAccount must be a 12-digit/],
    ['a zero retention', raw({ retentionMs: 0 }), /retentionMs must be a whole number of at least 1/],
    ['an empty selection', raw({ selection: {} }), /names no database and no tag/],
    ['identifiers that are not strings', raw({ selection: { identifiers: [1] } }), /identifiers must be a list of strings/],
    ['a source Region that is not a Region', raw({ sourceRegion: 'Ireland' }), /sourceRegion must be a Region name/],
    ['a recovery point interval under an hour', raw({ recoveryPoints: { intervalMs: 59 * 60_000 } }), /intervalMs must be a whole number of minutes from one hour/],
    ['a recovery point interval of a day', raw({ recoveryPoints: { intervalMs: 86_400_000 } }), /to less than a day/],
    ['an offset as long as the interval', raw({ recoveryPoints: { intervalMs: 3_600_000, offsetMs: 3_600_000 } }), /offsetMs must be a whole number from 0 to less than the interval/],
    ['recovery points with a source Region', raw({ recoveryPoints: { intervalMs: 3_600_000 }, sourceRegion: 'eu-west-2' }), /cannot be combined with sourceRegion/],
  ])('rejects %s', (_name, input, message) => {
    expect(() => parseShipperConfig(input as string | undefined)).toThrow(message);
  });
});

describe('SDK retry strategy', () => {
  test.each([
    ['throttling', 400, 'Throttling'],
    ['an internal error (500)', 500, 'InternalFailure'],
    ['service unavailable (503)', 503, 'ServiceUnavailable'],
  ])('%s is retried by the client with back-off, as configured', async (_name, status, code) => {
    let requests = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests += 1;
        if (requests <= 2) {
          res.writeHead(status, { 'content-type': 'text/xml' });
          res.end(`<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>injected</Message></Error><RequestId>r</RequestId></ErrorResponse>`);
          return;
        }
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end('<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances/></DescribeDBInstancesResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeDBInstancesResponse>');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      rdsMock.restore();
      const client = new RDSClient({ ...SDK_CLIENT_CONFIG, region: REGION, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      const out = await client.send(new DescribeDBInstancesCommand({}));
      expect(out.DBInstances).toEqual([]);
      expect(requests).toBe(3);
      expect(out.$metadata.attempts).toBe(3);
      expect(SDK_CLIENT_CONFIG).toEqual({ maxAttempts: 5, retryMode: 'standard' });
    } finally {
      server.close();
      rdsMock.reset();
    }
  });
});
