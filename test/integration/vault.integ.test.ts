/**
 * The bundled vault handler, exactly as shipped in assets/, against the AWS
 * emulator: a Live account that ships with the bundled shipper, and a Failsafe
 * account that receives.
 */
import { MESSAGE_SCHEMA } from '../../src/runtime/schema';
import { TagKeys } from '../../src/runtime/tags';
import { Emulator, startEmulator } from '../emulator/emulator';
import { createFailsafeAccount, FailsafeAccount, runVault, snsEvent } from '../emulator/failsafe';
import { invokeBundled } from '../emulator/invoke';
import { createLiveAccount, LiveAccount, shipperConfigFor } from '../emulator/live';

const LIVE = '111111111111';
const FAILSAFE = '222222222222';
const OTHER = '333333333333';
const DAY = 86_400_000;

let emulator: Emulator;
beforeAll(async () => { emulator = await startEmulator(); });
afterAll(async () => { await emulator?.stop(); });
beforeEach(async () => { await emulator.reset(); });

function vaultConfig(failsafe: FailsafeAccount, live: LiveAccount, extra: Record<string, unknown> = {}) {
  return {
    version: 1,
    ownerId: 'vault-integ',
    vaultKeyArn: failsafe.vaultKeyArn,
    sources: [{ topicArn: live.topicArn }],
    sourceAccounts: [LIVE],
    retentionMs: 31 * DAY,
    minimumCopies: 3,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
    ...extra,
  };
}

/**
 * Ships the databases with the bundled shipper until every copy is announced;
 * returns the announcements. `extra` adds to the shipper's configuration, and
 * `check` sees each pass's result.
 */
async function ship(
  live: LiveAccount, identifiers: string[], extra: Record<string, unknown> = {}, check: (result: any) => void = () => undefined,
): Promise<string[]> {
  const config = shipperConfigFor(live, FAILSAFE, { identifiers }, extra);
  for (let i = 0; i < 2; i++) {
    const out = await invokeBundled('shipper/shipper.lambda', {}, {
      endpoint: emulator.endpoint, credentials: await emulator.credentialsFor(LIVE), environment: { SHIPPER_CONFIG: JSON.stringify(config) },
    });
    if (out.error) throw new Error(out.error);
    check(out.result);
  }
  return live.takeAnnouncements();
}

async function setUp() {
  const live = await createLiveAccount(emulator, LIVE);
  const failsafe = await createFailsafeAccount(emulator, FAILSAFE);
  await live.createDatabase('orders', 'cmk');
  await live.createDatabase('users', 'none');
  return { live, failsafe };
}

const tagsOf = (s: { TagList?: { Key?: string; Value?: string }[] }) => Object.fromEntries((s.TagList ?? []).map((t) => [t.Key, t.Value]));

describe('bundled vault against the emulator', () => {
  test('copies an announced snapshot into one it owns, encrypted with the vault key; a duplicate delivery copies nothing', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    const failsafe = await createFailsafeAccount(emulator, FAILSAFE);
    await live.createDatabase('orders', 'cmk', new Date(Date.now() - DAY));
    const config = vaultConfig(failsafe, live);
    // A database's first snapshot starts its lineage: the sweep, which sees the whole vault, copies it.
    await ship(live, ['orders']);
    expect((await runVault(emulator, failsafe, config)).result.summaries[0]).toMatchObject({ copiesStarted: 1, failures: 0 });
    // The next day's snapshot (a lineage holds one recovery point a day) is announced.
    await live.createAutomatedSnapshot('orders', new Date());
    const [message] = await ship(live, ['orders']);

    const first = await runVault(emulator, failsafe, config, snsEvent(live.topicArn, message));
    expect(first.error).toBeUndefined();
    expect(first.result).toMatchObject({ trigger: 'announcement', accepted: 1, rejected: 0, summaries: [{ copiesStarted: 1, failures: 0, deleted: 0 }] });
    const shipped = JSON.parse(message);
    const copy = (await failsafe.manualSnapshots()).find((c) => c.DBSnapshotIdentifier === `vault-${LIVE}-eu-west-1-${shipped.snapshotIdentifier}`)!;
    expect(copy.DBSnapshotIdentifier).toBe(`vault-${LIVE}-eu-west-1-${shipped.snapshotIdentifier}`);
    expect(copy.KmsKeyId).toBe(failsafe.vaultKeyArn);
    expect(copy.Encrypted).toBe(true);
    expect(tagsOf(copy)).toEqual({
      [TagKeys.OWNER]: 'vault-integ',
      [TagKeys.SOURCE_ACCOUNT]: LIVE,
      [TagKeys.SOURCE_REGION]: 'eu-west-1',
      [TagKeys.SOURCE_DATABASE]: 'orders',
      [TagKeys.SOURCE_SNAPSHOT]: shipped.snapshotArn,
      [TagKeys.SOURCE_TIME]: shipped.snapshotCreateTime,
    });

    const duplicate = await runVault(emulator, failsafe, config, snsEvent(live.topicArn, message));
    expect(duplicate.result).toMatchObject({ accepted: 1, summaries: [{ copiesStarted: 0, failures: 0 }] });
    expect(duplicate.result.apiCalls['rds:CopyDBSnapshot']).toBeUndefined();
    expect(await failsafe.manualSnapshots()).toHaveLength(2);
  });

  test('a lost announcement is recovered by the sweep, from what is shared with the account', async () => {
    const { live, failsafe } = await setUp();
    const messages = await ship(live, ['orders', 'users']);
    expect(messages).toHaveLength(2); // neither is delivered
    const sweep = await runVault(emulator, failsafe, vaultConfig(failsafe, live));
    expect(sweep.result).toMatchObject({ trigger: 'sweep', summaries: [{ copiesStarted: 2, failures: 0 }] });
    expect((await failsafe.manualSnapshots()).map((s) => tagsOf(s)[TagKeys.SOURCE_DATABASE]).sort()).toEqual(['orders', 'users']);
    // The next sweep finds both copies finished and records it, once.
    const next = await runVault(emulator, failsafe, vaultConfig(failsafe, live));
    expect(next.result.summaries[0]).toMatchObject({ copiesStarted: 0, copiesCompleted: 2, deleted: 0, failures: 0 });
    // Reads: shared and manual snapshots, of instances and of clusters; and the vault's epoch (its key's CreationDate),
    // once per execution environment: each invocation here is a new one.
    expect(next.result.apiCalls).toEqual({ 'kms:DescribeKey': 1, 'rds:DescribeDBSnapshots': 2, 'rds:DescribeDBClusterSnapshots': 2, 'rds:DescribeAccountAttributes': 1, 'rds:AddTagsToResource': 2 });
    const idle = await runVault(emulator, failsafe, vaultConfig(failsafe, live));
    expect(idle.result.summaries[0]).toMatchObject({ copiesStarted: 0, copiesCompleted: 0, deleted: 0, failures: 0 });
    expect(idle.result.apiCalls).toEqual({ 'kms:DescribeKey': 1, 'rds:DescribeDBSnapshots': 2, 'rds:DescribeDBClusterSnapshots': 2, 'rds:DescribeAccountAttributes': 1 });
  });

  test('retention over a simulated month of daily snapshots deletes exactly the expired copies, keeps the newest, and never re-copies them', async () => {
    const { live, failsafe } = await setUp();
    // One recovery point a day for 35 days, shared day by day, oldest first.
    // Times are set through the shipped names, not the wall clock.
    const today = new Date();
    today.setUTCHours(3, 0, 0, 0);
    // Before 04:00 UTC, today's 03:00 is not yet an hour old (or still to come, and
    // refused as dated in the future): the newest recovery point is then yesterday's.
    if (today.getTime() > Date.now() - 3_600_000) today.setTime(today.getTime() - DAY);
    const times = Array.from({ length: 35 }, (_, d) => new Date(today.getTime() - (34 - d) * DAY));
    const config = vaultConfig(failsafe, live, { retentionMs: 31 * DAY, minimumCopies: 3 });
    const days = [];
    for (const t of times) {
      await live.createShippedSnapshot('orders', t, FAILSAFE);
      days.push((await runVault(emulator, failsafe, config)).result.summaries[0]);
    }
    expect(days.map((d) => d.copiesStarted)).toEqual(times.map(() => 1));
    // A sweep that starts a copy deletes nothing older than it (invariant 2), so
    // the last day's expired copies go with the next sweep.
    days.push((await runVault(emulator, failsafe, config)).result.summaries[0]);
    const expected = times.filter((t) => Date.now() - t.getTime() <= 31 * DAY).map((t) => t.getTime()).sort((a, b) => b - a);
    const kept = (await failsafe.manualSnapshots()).map((s) => Date.parse(tagsOf(s)[TagKeys.SOURCE_TIME])).sort((a, b) => b - a);
    expect(kept).toEqual(expected);
    expect(days.reduce((n, d) => n + d.deleted, 0)).toBe(times.length - expected.length);
    // An idle sweep neither re-copies the expired snapshots, which are still shared, nor deletes more.
    const idle = (await runVault(emulator, failsafe, config)).result.summaries[0];
    expect(idle).toMatchObject({ copiesStarted: 0, deleted: 0, findings: { 'skipped-expired': times.length - expected.length } });
    // Snapshots the vault did not create (the shared ones) are never touched.
    expect((await failsafe.sharedSnapshots()).length).toBe(times.length);
  });

  test('minimumCopies keeps the newest copies of a source that went silent, however old', async () => {
    const { live, failsafe } = await setUp();
    const base = Date.now() - 100 * DAY;
    for (let d = 0; d < 5; d++) await live.createShippedSnapshot('users', new Date(base + d * DAY), FAILSAFE);
    const config = vaultConfig(failsafe, live, { retentionMs: 7 * DAY, minimumCopies: 3 });
    await runVault(emulator, failsafe, config);
    const second = await runVault(emulator, failsafe, config);
    expect(second.result.summaries[0].deleted).toBe(2);
    const kept = (await failsafe.manualSnapshots()).map((s) => tagsOf(s)[TagKeys.SOURCE_TIME]).sort();
    expect(kept).toEqual([2, 3, 4].map((d) => new Date(base + d * DAY).toISOString().replace(/\.\d{3}Z$/, '.000Z')));
  });

  test('RDS API calls per sweep stay bounded for 100 sources', async () => {
    const { live, failsafe } = await setUp();
    const ids = Array.from({ length: 100 }, (_, i) => `db-${String(i).padStart(3, '0')}`);
    const time = new Date(Date.now() - DAY);
    for (const id of ids) {
      await live.createDatabase(id, 'none');
      await live.createShippedSnapshot(id, time, FAILSAFE);
    }
    // 100 databases need 100 lineages: more than a 1,000-snapshot quota keeps for 31 days, so the budget is raised here.
    const config = vaultConfig(failsafe, live, { maxCopiesInFlight: 20, manualSnapshotQuota: 1000, maxLineagesPerSource: 100 });
    const sweeps: Record<string, number>[] = [];
    let completed = 0;
    for (let i = 0; i < 10; i++) {
      const out = await runVault(emulator, failsafe, config);
      sweeps.push(out.result.apiCalls);
      completed += out.result.summaries[0].copiesCompleted;
      if (out.result.summaries[0].copiesStarted === 0 && out.result.summaries[0].copiesCompleted === 0) break;
    }
    // Each copy is counted as completed exactly once, in the sweep that first finds it available.
    expect(completed).toBe(100);
    // Reads: the shared and the manual snapshots, of instances and of clusters, in pages of 100.
    expect(sweeps[0]).toEqual({ 'kms:DescribeKey': 1, 'rds:DescribeDBSnapshots': 2, 'rds:DescribeDBClusterSnapshots': 2, 'rds:DescribeAccountAttributes': 1, 'rds:CopyDBSnapshot': 20 });
    expect(sweeps[sweeps.length - 1]).toEqual({ 'kms:DescribeKey': 1, 'rds:DescribeDBSnapshots': 2, 'rds:DescribeDBClusterSnapshots': 2, 'rds:DescribeAccountAttributes': 1 });
    for (const calls of sweeps) expect([calls['rds:DescribeDBSnapshots'], calls['rds:DescribeDBClusterSnapshots']]).toEqual([2, 2]);
    expect(await failsafe.manualSnapshots()).toHaveLength(100);
    console.log(`vault, 100 sources: ${sweeps.length} sweeps; API calls per sweep: ${sweeps.map((c) => JSON.stringify(c)).join(' | ')}`);
  });

  describe('bad messages are rejected with a logged reason and cause no AWS call at all', () => {
    const valid = (topicArn: string) => ({
      schema: MESSAGE_SCHEMA,
      version: 1,
      kind: 'instance',
      snapshotArn: `arn:aws:rds:eu-west-1:${LIVE}:snapshot:failsafe-orders-20261120-120000`,
      snapshotIdentifier: 'failsafe-orders-20261120-120000',
      sourceAccount: LIVE,
      sourceRegion: 'eu-west-1',
      sourceDatabaseIdentifier: 'orders',
      engine: 'postgres',
      snapshotCreateTime: '2026-11-20T12:00:00.000Z',
      encrypted: true,
      shippedAt: '2026-11-20T12:05:00.000Z',
      topicArn,
    });
    const cases: Array<[string, (topic: string) => unknown, RegExp]> = [
      ['malformed JSON', () => '{"schema": "cdk-rds-failsafe/snapshot-shipped", ', /not valid JSON/],
      ['a wrong schema', (t) => JSON.stringify({ ...valid(t), schema: 'other' }), /unknown schema/],
      ['an unknown schema version', (t) => JSON.stringify({ ...valid(t), version: 2 }), /unsupported schema version 2/],
      ['missing fields', (t) => JSON.stringify({ ...valid(t), snapshotArn: undefined }), /missing field "snapshotArn"/],
      ['a snapshot ARN from another account than announced', (t) => JSON.stringify({ ...valid(t), snapshotArn: `arn:aws:rds:eu-west-1:${OTHER}:snapshot:failsafe-orders-20261120-120000` }), /belongs to account 333333333333/],
      ['a snapshot ARN from another region than announced', (t) => JSON.stringify({ ...valid(t), snapshotArn: `arn:aws:rds:us-east-1:${LIVE}:snapshot:failsafe-orders-20261120-120000` }), /is in region us-east-1/],
      ['an unknown source account', (t) => JSON.stringify({ ...valid(t), sourceAccount: OTHER, snapshotArn: `arn:aws:rds:eu-west-1:${OTHER}:snapshot:failsafe-orders-20261120-120000` }), /not an allowed source/],
      ['an oversized body', (t) => JSON.stringify({ ...valid(t), padding: 'x'.repeat(300_000) }), /over the limit/],
    ];

    test.each(cases)('%s', async (_name, makeBody, reason) => {
      const { live, failsafe } = await setUp();
      const out = await runVault(emulator, failsafe, vaultConfig(failsafe, live), snsEvent(live.topicArn, makeBody(live.topicArn)));
      expect(out.error).toBeUndefined(); // not retried: no crash loop
      expect(out.result).toMatchObject({ accepted: 0, rejected: 1, apiCalls: {} });
      expect(out.logs).toContainEqual(expect.objectContaining({ level: 'ERROR', event: 'message-rejected', reason: expect.stringMatching(reason) }));
      expect(await failsafe.manualSnapshots()).toEqual([]);
    });

    test('a message from a topic that is not a source', async () => {
      const { live, failsafe } = await setUp();
      const stranger = `arn:aws:sns:eu-west-1:${OTHER}:rds-failsafe-shipper`;
      const out = await runVault(emulator, failsafe, vaultConfig(failsafe, live), snsEvent(stranger, JSON.stringify(valid(stranger))));
      expect(out.result).toMatchObject({ rejected: 1, apiCalls: {} });
      expect(out.logs).toContainEqual(expect.objectContaining({ event: 'message-rejected', reason: expect.stringMatching(/not a configured source/) }));
    });
  });

  test('one announcement costs the same few RDS calls whatever the vault holds: it lists only its database\'s copies', async () => {
    const { live, failsafe } = await setUp();
    const [message] = await ship(live, ['orders']);
    // 251 databases are more lineages than a 1,000-snapshot quota keeps for 31 days: the budget is raised here.
    const config = vaultConfig(failsafe, live, { manualSnapshotQuota: 1000, maxLineagesPerSource: 1000 });
    const costOf = async () => (await runVault(emulator, failsafe, config, snsEvent(live.topicArn, message))).result.apiCalls;
    await runVault(emulator, failsafe, config); // the sweep starts orders' lineage
    const small = await costOf();
    // The vault now holds 250 copies of other databases (three pages of 100).
    const time = new Date(Date.now() - DAY);
    for (let i = 0; i < 250; i++) {
      await live.createDatabase(`other-${i}`, 'none');
      await live.createShippedSnapshot(`other-${i}`, time, FAILSAFE);
    }
    const sweepConfig = { ...config, maxCopiesInFlight: 20 };
    const filled = await runVault(emulator, failsafe, sweepConfig);
    for (let i = 0; i < 15 && (await failsafe.manualSnapshots()).length < 251; i++) await runVault(emulator, failsafe, sweepConfig);
    expect(filled.result.summaries[0].copiesStarted).toBe(20);
    expect(await failsafe.manualSnapshots()).toHaveLength(251);
    const large = await costOf();
    // RDS's description of the announced snapshot, the listing of its database's copies, the account's quotas;
    // the copy exists already (a duplicate), so nothing more.
    expect(small).toEqual({ 'rds:DescribeDBSnapshots': 2, 'rds:DescribeAccountAttributes': 1 });
    expect(large).toEqual({ 'rds:DescribeDBSnapshots': 2, 'rds:DescribeAccountAttributes': 1 });
    const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
    expect(total(large)).toBeLessThanOrEqual(5);
  });

  test('RDS-EVENT-0197 for a vault copy wakes a pass over that database alone: it records the copy, and leaves retention to the sweep', async () => {
    const { live, failsafe } = await setUp();
    // Five daily copies of orders, and copies of 20 other databases.
    const base = Date.now() - 40 * DAY;
    for (let d = 0; d < 5; d++) await live.createShippedSnapshot('orders', new Date(base + d * DAY), FAILSAFE);
    for (let i = 0; i < 20; i++) {
      await live.createDatabase(`other-${i}`, 'none');
      await live.createShippedSnapshot(`other-${i}`, new Date(Date.now() - DAY), FAILSAFE);
    }
    // Sweeps under a long retention copy everything (25 copies, 20 at once); the event's pass applies a week's.
    const keepAll = vaultConfig(failsafe, live, { retentionMs: 60 * DAY, minimumCopies: 2, maxCopiesInFlight: 20, maxLineagesPerSource: 100 });
    const config = { ...keepAll, retentionMs: 7 * DAY };
    await runVault(emulator, failsafe, keepAll, { source: 'aws.events' });
    await runVault(emulator, failsafe, keepAll, { source: 'aws.events' });
    const newest = (await failsafe.manualSnapshots()).filter((c) => c.DBInstanceIdentifier === 'orders').map((c) => c.DBSnapshotIdentifier!).sort().at(-1)!;
    const event = { 'source': 'aws.rds', 'detail-type': 'RDS DB Snapshot Event', 'detail': { EventID: 'RDS-EVENT-0197', SourceIdentifier: newest } };
    const out = await runVault(emulator, failsafe, config, event);
    expect(out.result.trigger).toBe('rds-event');
    // Retention is left to the sweeps: a pass about one database lists its copies by name, and cannot see a lineage
    // whole (a renamed database keeps its resource id). The next sweep keeps the newest 2 of orders' 5 copies.
    expect(out.result.summaries[0]).toMatchObject({ expired: 0, failures: 0 });
    expect((await runVault(emulator, failsafe, config)).result.summaries[0]).toMatchObject({ expired: 3, failures: 0 });
    expect((await failsafe.manualSnapshots()).filter((c) => c.DBInstanceIdentifier === 'orders')).toHaveLength(2);
    expect((await failsafe.manualSnapshots()).filter((c) => c.DBInstanceIdentifier !== 'orders')).toHaveLength(20);
    // The pass about orders reads its copies and the quotas, and records as completed the 4 copies of orders that no
    // sweep has recorded yet. The finished copy also carried successors from the first sweep (5 snapshots waited for a
    // slot): its slot is handed to the first of them, which the second sweep has copied already (RDS's description of
    // it, one more read of each, and the list cleared: the fifth tag).
    expect(out.logs).toContainEqual(expect.objectContaining({
      event: 'slot-handed-on', snapshot: newest, snapshotCorrelationId: expect.stringMatching(`^arn:aws:rds:[a-z0-9-]+:${LIVE}:snapshot:failsafe-orders-`),
    }));
    expect(out.logs.filter((l) => l.event === 'copy-completed')).toHaveLength(4);
    expect(out.result.apiCalls).toEqual({ 'rds:DescribeDBSnapshots': 3, 'rds:DescribeAccountAttributes': 2, 'rds:AddTagsToResource': 5 });
    // It sees one database: the recovery points of the vault are left to sweeps.
    expect(out.emf.some((d) => JSON.stringify(d).includes('OldestRecoveryPointAge'))).toBe(false);
  });

  test('the manifest: the vault alarms on a database the shipper ships that it does not hold, and clears once it does', async () => {
    const { live, failsafe } = await setUp();
    // Every sweep of the day publishes the manifest.
    const messages = await ship(live, ['orders', 'users'], { manifestWindowMs: DAY }, (result) => expect(result.manifestParts).toBe(1));
    const manifests = messages.filter((m) => JSON.parse(m).schema === 'cdk-rds-failsafe/manifest');
    const orders = messages.find((m) => JSON.parse(m).sourceDatabaseIdentifier === 'orders')!;
    expect(JSON.parse(manifests[1]).databases).toEqual([
      { kind: 'instance', identifier: 'orders', newestRecoveryPoint: JSON.parse(orders).snapshotCreateTime },
      { kind: 'instance', identifier: 'users', newestRecoveryPoint: expect.any(String) },
    ]);
    const config = vaultConfig(failsafe, live);
    // Only orders' announcement is delivered: its lineage is new, so it waits for the sweep. The manifest, judged once
    // maxAge (26 hours) has passed since the vault was deployed (its key's CreationDate), finds both behind; judged
    // now, the first day of the deployment, it would find neither (first-deployment.integ.test.ts).
    const waits = await runVault(emulator, failsafe, config, snsEvent(live.topicArn, orders));
    expect(waits.result.summaries[0]).toMatchObject({ copiesStarted: 0, failures: 0 });
    const behindOf = (emf: any[]) => emf.filter((d) => d.DatabasesBehind !== undefined)
      .map((d) => ({ value: d.DatabasesBehind, account: d.SourceAccount, region: d.SourceRegion }));
    const first = await runVault(emulator, failsafe, config, snsEvent(live.topicArn, manifests[1]), new Date(Date.now() + 27 * 3_600_000));
    expect(first.error).toBeUndefined();
    expect(first.result.verdicts).toEqual([expect.objectContaining({ listed: 2, behind: { databases: ['orders', 'users'], oldest: { database: 'orders' } } })]);
    expect(behindOf(first.emf)).toEqual([{ value: 2, account: LIVE, region: 'eu-west-1' }]);
    expect(first.logs).toContainEqual(expect.objectContaining({ level: 'WARN', event: 'databases-behind', oldest: 'orders', oldestRecoveryPoint: 'none in the vault' }));
    expect(first.emf.some((d) => d.ManifestsReceived === 1)).toBe(true);
    // The sweep copies both from what is shared; the next manifest finds nothing behind.
    await runVault(emulator, failsafe, config);
    const second = await runVault(emulator, failsafe, config, snsEvent(live.topicArn, manifests[1]));
    expect(behindOf(second.emf)).toEqual([{ value: 0, account: LIVE, region: 'eu-west-1' }]);
    // A manifest on a topic that is not a source is rejected, and judges nothing.
    const spoofed = await runVault(emulator, failsafe, config, snsEvent(`arn:aws:sns:eu-west-1:${OTHER}:rds-failsafe-shipper`, manifests[1]));
    expect(spoofed.result).toMatchObject({ rejected: 1, rejectedByReason: { 'unknown-topic': 1 }, verdicts: [] });
  });

  test('the vault plans against the quota the account reports, keeping the headroom free', async () => {
    const { live, failsafe } = await setUp();
    const time = new Date(Date.now() - DAY);
    for (let i = 0; i < 30; i++) {
      await live.createDatabase(`db-${i}`, 'none');
      await live.createShippedSnapshot(`db-${i}`, time, FAILSAFE);
    }
    // No ceiling of our own: the account's real quota (1000 in the emulator) less a headroom of 985 leaves room for 15.
    // The per-source budgets are raised, so that the account's quota is what binds.
    const config = vaultConfig(failsafe, live, {
      manualSnapshotQuota: undefined, manualSnapshotHeadroom: 985, maxCopiesInFlight: 20, maxLineagesPerSource: 100,
    });
    const sweep = await runVault(emulator, failsafe, config);
    expect(sweep.result.summaries[0]).toMatchObject({ copiesStarted: 15, failures: 0, findings: { 'copy-deferred-snapshot-quota': 15 } });
    expect(sweep.logs).toContainEqual(expect.objectContaining({ code: 'copy-deferred-snapshot-quota', message: expect.stringMatching(/holds 15 manual DB snapshots and may hold 15;/) }));
  });

  test('an announced snapshot that was never shared with the vault is refused, not retried: RDS does not bear the announcement out', async () => {
    const { live, failsafe } = await setUp();
    const unshared = await live.createShippedSnapshot('orders', new Date(Date.now() - DAY));
    const message = JSON.stringify({
      schema: MESSAGE_SCHEMA,
      version: 1,
      kind: 'instance',
      snapshotArn: unshared.DBSnapshotArn,
      snapshotIdentifier: unshared.DBSnapshotIdentifier,
      sourceAccount: LIVE,
      sourceRegion: 'eu-west-1',
      sourceDatabaseIdentifier: 'orders',
      engine: 'postgres',
      snapshotCreateTime: new Date(Date.now() - DAY).toISOString(),
      encrypted: false,
      shippedAt: new Date().toISOString(),
    });
    const out = await runVault(emulator, failsafe, vaultConfig(failsafe, live), snsEvent(live.topicArn, message));
    expect(out.error).toBeUndefined();
    expect(out.result.summaries[0]).toMatchObject({ copiesStarted: 0, refused: { 'not-shared': 1 } });
    expect(out.logs).toContainEqual(expect.objectContaining({ level: 'ERROR', event: 'snapshot-refused', code: 'not-shared' }));
    expect(out.emf.some((d) => d.SnapshotsRefused === 1)).toBe(true);
    expect(out.result.apiCalls['rds:CopyDBSnapshot']).toBeUndefined();
    expect(await failsafe.manualSnapshots()).toEqual([]);
  });
});
