/**
 * The bundled shipper handler, exactly as shipped in assets/, against the AWS
 * emulator: a Live account with three databases (unencrypted, aws/rds, CMK).
 */
import { CopyDBSnapshotCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { parseMessage } from '../../src/runtime/schema';
import { TagKeys } from '../../src/runtime/tags';
import { Emulator, startEmulator } from '../emulator/emulator';
import { invokeBundled } from '../emulator/invoke';
import { createLiveAccount, LiveAccount } from '../emulator/live';

const LIVE = '111111111111';
const VAULT = '222222222222';
const OWNER = 'shipper-integ';
const scheduled = { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'detail': {} };

let emulator: Emulator;
beforeAll(async () => { emulator = await startEmulator(); });
afterAll(async () => { await emulator?.stop(); });
beforeEach(async () => { await emulator.reset(); });

function shipperConfig(live: LiveAccount, identifiers: string[], extra: Record<string, unknown> = {}) {
  return {
    version: 1,
    ownerId: OWNER,
    vaultAccount: VAULT,
    shippingKeyArn: live.shippingKeyArn,
    topicArn: live.topicArn,
    retentionMs: 2 * 86_400_000,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
    selection: { identifiers },
    ...extra,
  };
}

async function runShipper(live: LiveAccount, config: object, event: object = scheduled) {
  const out = await invokeBundled('shipper/shipper.lambda', event, {
    endpoint: emulator.endpoint,
    credentials: await emulator.credentialsFor(live.account),
    environment: { SHIPPER_CONFIG: JSON.stringify(config) },
  });
  if (out.error) throw new Error(`shipper failed: ${out.error}\n${JSON.stringify(out.logs, null, 1)}`);
  return out;
}

/** A comparable picture of the account's manual snapshots, tags included. */
async function picture(live: LiveAccount) {
  return (await live.manualSnapshots()).map((s) => ({ id: s.DBSnapshotIdentifier, status: s.Status, key: s.KmsKeyId, tags: s.TagList }));
}

describe('bundled shipper against the emulator', () => {
  test('ships three databases (unencrypted, aws/rds, CMK): copies, shares, announces once, then stays idle', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    await live.createDatabase('plain', 'none');
    await live.createDatabase('managed', 'aws/rds');
    await live.createDatabase('custom', 'cmk');
    await live.createDatabase('not-selected', 'none');
    const config = shipperConfig(live, ['plain', 'managed', 'custom']);
    const before = await picture(live);

    // Pass 1: one copy per selected database, encrypted with the shipping key.
    const first = await runShipper(live, config);
    expect(first.result).toMatchObject({ selected: 3, copiesStarted: 3, failures: 0 });
    expect(first.result.apiCalls).toEqual({ 'kms:DescribeKey': 1, 'rds:DescribeDBInstances': 1, 'rds:DescribeDBSnapshots': 2, 'rds:DescribeAccountAttributes': 1, 'rds:CopyDBSnapshot': 3 });
    const copies = (await live.manualSnapshots()).filter((s) => s.DBSnapshotIdentifier!.startsWith('failsafe-'));
    expect(copies.map((c) => c.DBInstanceIdentifier).sort()).toEqual(['custom', 'managed', 'plain']);
    for (const c of copies) {
      expect(c.KmsKeyId).toBe(live.shippingKeyArn);
      expect(c.Encrypted).toBe(true);
      const tags = Object.fromEntries((c.TagList ?? []).map((t) => [t.Key, t.Value]));
      expect(tags[TagKeys.OWNER]).toBe(OWNER);
      expect(tags[TagKeys.SOURCE_DATABASE]).toBe(c.DBInstanceIdentifier);
      expect(tags[TagKeys.SOURCE_SNAPSHOT]).toMatch(new RegExp(`^rds:${c.DBInstanceIdentifier}-`));
      expect(tags[TagKeys.ANNOUNCED]).toBeUndefined();
    }
    expect(await live.takeAnnouncements()).toEqual([]);

    // Pass 2: the copies are available, so each is shared and announced.
    const second = await runShipper(live, config);
    expect(second.result).toMatchObject({ copiesStarted: 0, shared: 3, announced: 3, failures: 0 });
    for (const c of copies) expect(await live.restoreAttribute(c.DBSnapshotIdentifier!)).toEqual([VAULT]);
    const messages = (await live.takeAnnouncements()).map((m) => parseMessage(m));
    expect(messages).toHaveLength(3);
    for (const m of messages) {
      if (!m.ok) throw new Error(m.reason);
      expect(m.message).toMatchObject({ kind: 'instance', sourceAccount: LIVE, sourceRegion: 'eu-west-1', encrypted: true, kmsKeyArn: live.shippingKeyArn, engine: 'postgres' });
      expect(copies.map((c) => c.DBSnapshotArn)).toContain(m.message.snapshotArn);
    }

    // Pass 3 and 4: nothing left to do. Nothing changes and nothing is published.
    const shipped = await picture(live);
    for (let i = 0; i < 2; i++) {
      const idle = await runShipper(live, config);
      expect(idle.result).toMatchObject({ copiesStarted: 0, shared: 0, announced: 0, deleted: 0, failures: 0 });
      expect(idle.result.apiCalls).toEqual({ 'kms:DescribeKey': 1, 'rds:DescribeDBInstances': 1, 'rds:DescribeDBSnapshots': 2, 'rds:DescribeAccountAttributes': 1 });
    }
    expect(await picture(live)).toEqual(shipped);
    expect(await live.takeAnnouncements()).toEqual([]);
    // The database that was not selected, and the automated snapshots, were never touched.
    expect(before).toEqual([]);
    expect((await live.manualSnapshots()).filter((s) => s.DBInstanceIdentifier === 'not-selected')).toEqual([]);
    expect((await live.automatedSnapshots()).length).toBe(4);
  });

  test('an RDS event wakes the same reconcile pass', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    await live.createDatabase('orders', 'none');
    const event = { 'source': 'aws.rds', 'detail-type': 'RDS DB Snapshot Event', 'detail': { EventID: 'RDS-EVENT-0091', SourceIdentifier: 'rds:orders-2026-11-20-11-00' } };
    const out = await runShipper(live, shipperConfig(live, ['orders']), event);
    expect(out.result).toMatchObject({ copiesStarted: 1 });
    expect(out.logs[0]).toMatchObject({ event: 'pass-started', trigger: 'rds-event', eventId: 'RDS-EVENT-0091' });
    expect(out.logs.every((l) => l.correlation_id === out.result.passId)).toBe(true); // the pass id is every line's correlation id
  });

  test('an RDS event about one database costs a handful of calls, whatever the size of the account; one about another database costs none', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    const ids = Array.from({ length: 30 }, (_, i) => `db-${String(i).padStart(2, '0')}`);
    for (const id of ids) await live.createDatabase(id, 'none');
    await live.createDatabase('not-selected', 'none');
    const config = shipperConfig(live, ids, { maxCopiesInFlight: 20 });
    for (let i = 0; i < 4; i++) await runShipper(live, config); // everything shipped
    await live.takeAnnouncements();
    const rdsEvent = (eventId: string, sourceIdentifier: string) => ({
      'source': 'aws.rds', 'detail-type': 'RDS DB Snapshot Event', 'detail': { EventID: eventId, SourceIdentifier: sourceIdentifier },
    });

    // A new automated snapshot of db-07: the event pass reads db-07 alone and copies it.
    const snapshot = await live.createAutomatedSnapshot('db-07', new Date(Date.now() + 60_000));
    const created = await runShipper(live, config, rdsEvent('RDS-EVENT-0091', snapshot.DBSnapshotIdentifier!));
    expect(created.result).toMatchObject({ scope: 'database db-07', selected: 1, copiesStarted: 1, failures: 0 });
    expect(created.result.apiCalls).toEqual({
      'rds:DescribeDBInstances': 1, 'rds:DescribeDBSnapshots': 2, 'rds:DescribeAccountAttributes': 1, 'rds:CopyDBSnapshot': 1,
    });
    expect(created.result.behind).toBeUndefined(); // only a sweep sees every database

    // The copy finished (RDS-EVENT-0197): shared and announced, for the same reads.
    const copy = (await live.manualSnapshots()).find((s) => s.DBSnapshotIdentifier!.startsWith('failsafe-db-07-') && !s.TagList?.some((t) => t.Key === TagKeys.ANNOUNCED))!;
    const finished = await runShipper(live, config, rdsEvent('RDS-EVENT-0197', copy.DBSnapshotIdentifier!));
    expect(finished.result).toMatchObject({ shared: 1, announced: 1, failures: 0 });
    expect(finished.result.apiCalls).toEqual({
      'rds:DescribeDBInstances': 1,
      'rds:DescribeDBSnapshots': 2,
      'rds:DescribeAccountAttributes': 1,
      'rds:ModifyDBSnapshotAttribute': 1,
      'rds:AddTagsToResource': 1,
      'sns:Publish': 1,
    });
    expect((await live.takeAnnouncements()).map((m) => JSON.parse(m).snapshotIdentifier)).toEqual([copy.DBSnapshotIdentifier]);

    // An event about a database the shipper does not select: no call at all.
    const other = await runShipper(live, config, rdsEvent('RDS-EVENT-0091', 'rds:not-selected-2026-11-20-11-00'));
    expect(other.result).toMatchObject({ copiesStarted: 0 });
    expect(other.result.apiCalls).toEqual({});
    expect(other.logs).toContainEqual(expect.objectContaining({ event: 'event-ignored', database: 'not-selected' }));
  });

  test('the tag selector finds databases at run time; a missing database is reported without stopping the others', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    await live.createDatabase('orders', 'none');
    await live.createDatabase('users', 'none');
    const out = await runShipper(live, shipperConfig(live, ['orders', 'ghost']));
    expect(out.result).toMatchObject({ selected: 1, copiesStarted: 1, findings: { 'database-not-found': 1 } });
    expect(out.logs).toContainEqual(expect.objectContaining({ level: 'ERROR', code: 'database-not-found', database: 'ghost' }));
  });

  test('a broken configuration fails the invocation with a clear message and no AWS call', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    const out = await invokeBundled('shipper/shipper.lambda', scheduled, {
      endpoint: emulator.endpoint,
      credentials: await emulator.credentialsFor(live.account),
      environment: { SHIPPER_CONFIG: '{"version":1}' },
    });
    expect(out.error).toMatch(/SHIPPER_CONFIG: ownerId must be a non-empty string/);
    expect(out.logs).toContainEqual(expect.objectContaining({ event: 'pass-failed', apiCalls: {} }));
  });

  test('RDS API calls per pass stay bounded for 100 databases', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    const ids = Array.from({ length: 100 }, (_, i) => `db-${String(i).padStart(3, '0')}`);
    for (const id of ids) await live.createDatabase(id, 'none');
    const config = shipperConfig(live, ids, { maxCopiesInFlight: 20, manualSnapshotQuota: 1000 });
    const passes: Record<string, number>[] = [];
    for (let i = 0; i < 12; i++) {
      const out = await runShipper(live, config);
      passes.push(out.result.apiCalls);
      if (out.result.copiesStarted === 0 && out.result.announced === 0) break;
    }
    const reads = (calls: Record<string, number>) => (calls['rds:DescribeDBInstances'] ?? 0) + (calls['rds:DescribeDBSnapshots'] ?? 0);
    // Reads are paginated lists in pages of 100: instances, automated snapshots,
    // manual snapshots. With 100 databases and 100 copies each is one page. A sweep
    // also reads its epoch (key-epoch.ts): one DescribeKey, which Lambda keeps while warm.
    for (const calls of passes) expect(reads(calls)).toBe(3);
    expect(passes[0]).toEqual({ 'kms:DescribeKey': 1, 'rds:DescribeDBInstances': 1, 'rds:DescribeDBSnapshots': 2, 'rds:DescribeAccountAttributes': 1, 'rds:CopyDBSnapshot': 20 });
    const idle = passes[passes.length - 1];
    expect(idle).toEqual({ 'kms:DescribeKey': 1, 'rds:DescribeDBInstances': 1, 'rds:DescribeDBSnapshots': 2, 'rds:DescribeAccountAttributes': 1 });
    expect(await live.takeAnnouncements()).toHaveLength(100);
    console.log(`100 databases: ${passes.length} passes; API calls per pass: ${passes.map((p) => JSON.stringify(p)).join(' | ')}`);
  });

  test('the real manual snapshot quota, read from the account, decides how many copies start', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    const ids = Array.from({ length: 12 }, (_, i) => `db-${i}`);
    for (const id of ids) await live.createDatabase(id, 'none');
    // The emulator's quota is 1000; a headroom of 992 leaves room for 8 manual snapshots.
    const out = await runShipper(live, shipperConfig(live, ids, { manualSnapshotQuota: undefined, manualSnapshotHeadroom: 992 }));
    expect(out.result).toMatchObject({ copiesStarted: 8, failures: 0, findings: { 'copy-deferred-snapshot-quota': 4 } });
    expect(out.result.apiCalls['rds:DescribeAccountAttributes']).toBe(1);
  });
});

describe('bundled shipper against the emulator, copies that take time', () => {
  let slow: Emulator;
  beforeAll(async () => { slow = await startEmulator({ copyPendingDescribes: 50 }); });
  afterAll(async () => { await slow?.stop(); });
  beforeEach(async () => { await slow.reset(); });

  test('copies RDS refuses because too many are in flight wait for a later pass: deferred, not failed', async () => {
    const live = await createLiveAccount(slow, LIVE);
    const ids = Array.from({ length: 6 }, (_, i) => `db-${i}`);
    for (const id of ids) await live.createDatabase(id, 'none');
    // Another tool keeps 17 copies in flight in the account, so RDS has room for 3.
    const [bystander] = await live.automatedSnapshots();
    for (let i = 0; i < 17; i++) {
      await live.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: bystander.DBSnapshotIdentifier!, TargetDBSnapshotIdentifier: `other-tool-${i}` }));
    }
    const out = await invokeBundled('shipper/shipper.lambda', scheduled, {
      endpoint: slow.endpoint,
      credentials: await slow.credentialsFor(LIVE),
      environment: { SHIPPER_CONFIG: JSON.stringify(shipperConfig(live, ids)) },
    });
    expect(out.result).toMatchObject({ copiesStarted: 3, failures: 0, deferred: 3 });
    expect(out.logs.filter((l) => l.event === 'copy-refused')).toEqual([expect.objectContaining({ level: 'WARN', reason: 'copies-in-flight' })]);
  });

  test('a finished copy hands its slot to the stalest database waiting, in a pass about it alone', async () => {
    const live = await createLiveAccount(slow, LIVE);
    const ids = ['db-a', 'db-b', 'db-c', 'db-d', 'db-e'];
    for (const id of ids) await live.createDatabase(id, 'none');
    const config = shipperConfig(live, ids, { maxCopiesInFlight: 2 });
    const run = async (event: object = scheduled) => {
      const out = await invokeBundled('shipper/shipper.lambda', event, {
        endpoint: slow.endpoint, credentials: await slow.credentialsFor(LIVE), environment: { SHIPPER_CONFIG: JSON.stringify(config) },
      });
      if (out.error) throw new Error(out.error);
      return out;
    };
    const successorsOf = async (db: string) => (await live.rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: db, SnapshotType: 'manual' })))
      .DBSnapshots!.map((c) => ({
      id: c.DBSnapshotIdentifier!, status: c.Status, successors: c.TagList?.find((t) => t.Key === TagKeys.SUCCESSORS)?.Value,
    }));

    // The sweep starts two copies and deals the three databases waiting out to them.
    const sweep = await run();
    expect(sweep.result).toMatchObject({ copiesStarted: 2, findings: { 'copy-deferred-in-flight-limit': 3 } });
    const [copyA] = await successorsOf('db-a');
    expect(copyA.successors).toBe('db-c db-e');

    // db-a's copy finishes (the emulator's creating phase ends), and RDS-EVENT-0197 arrives.
    for (let i = 0; i < 50 && (await successorsOf('db-a'))[0].status !== 'available'; i++);
    const event = { 'source': 'aws.rds', 'detail-type': 'RDS DB Snapshot Event', 'detail': { EventID: 'RDS-EVENT-0197', SourceIdentifier: copyA.id } };
    const finished = await run(event);
    expect(finished.result).toMatchObject({ shared: 1, announced: 1, copiesStarted: 1, failures: 0 });
    // db-c takes the slot and carries the rest of the list; db-a's list is cleared, so a repeated event hands nothing on.
    expect((await successorsOf('db-c'))[0]).toMatchObject({ status: 'creating', successors: 'db-e' });
    expect((await successorsOf('db-a'))[0].successors).toBe('');
    const again = await run(event);
    expect(again.result).toMatchObject({ copiesStarted: 0, shared: 0 });
    // The event pass costs a handful of calls: db-a, then db-c.
    const reads = Object.entries(finished.result.apiCalls as Record<string, number>).filter(([k]) => k.includes(':Describe')).reduce((n, [, v]) => n + v, 0);
    expect(reads).toBe(8);
  });
});
