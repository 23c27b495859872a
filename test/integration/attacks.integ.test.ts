/**
 * A Live account in an attacker's hands, against the bundled vault handler and
 * the emulator (design brief, "Threat model"). Whatever Live shares or
 * announces is a claim; the vault must keep its last good recovery points for
 * as long as its retention promises, and must say so loudly.
 *
 * Each attack here was run against the vault as it was before lineages,
 * verification and per-source budgets (commit 12c9fa8), and each test failed
 * there; the closing note of issue 13 records the run.
 */
import { CopyDBSnapshotCommand, DeleteDBInstanceCommand, ModifyDBSnapshotAttributeCommand } from '@aws-sdk/client-rds';
import { shippingCopyIdentifier } from '../../src/runtime/naming';
import { MESSAGE_SCHEMA } from '../../src/runtime/schema';
import { TagKeys } from '../../src/runtime/tags';
import { Emulator, startEmulator } from '../emulator/emulator';
import { createFailsafeAccount, FailsafeAccount, queueEvent, runVault } from '../emulator/failsafe';
import { startWarmEnvironment, WarmOutcome } from '../emulator/lane';
import { createLiveAccount, LiveAccount } from '../emulator/live';
import { pointsOf } from '../helpers/emf';

const LIVE = '111111111111';
const FAILSAFE = '222222222222';
const HONEST = '333333333333';
const DAY = 86_400_000;

let emulator: Emulator;
afterEach(async () => { await emulator?.stop(); });

function vaultConfig(failsafe: FailsafeAccount, lives: LiveAccount[], extra: Record<string, unknown> = {}) {
  return {
    version: 1,
    ownerId: 'vault-attacked',
    vaultKeyArn: failsafe.vaultKeyArn,
    sources: lives.map((l) => ({ topicArn: l.topicArn })),
    sourceAccounts: lives.map((l) => l.account),
    retentionMs: 7 * DAY,
    minimumCopies: 3,
    maxCopiesInFlight: 20,
    ...extra,
  };
}

const tagsOf = (s: { TagList?: { Key?: string; Value?: string }[] }) => Object.fromEntries((s.TagList ?? []).map((t) => [t.Key, t.Value]));
/** The sum of one metric, without the per-reason or per-source dimension, over the EMF records of some invocations. */
const metricSum = (runs: { emf: any[] }[], name: string) => pointsOf(runs.flatMap((r) => r.emf), name)
  .filter((p) => Object.keys(p.dimensions).length === 0)
  .reduce((n, p) => n + p.value, 0);
/** 03:00 UTC on the day `days` days before yesterday: one recovery point a day, always in the past. */
const daysAgo = (days: number) => {
  const t = new Date(Date.now() - (days + 1) * DAY);
  t.setUTCHours(3, 0, 0, 0);
  return t;
};

test('retention poisoning: junk shipped under a real database\'s name for longer than the retention cannot push out its real copies, and alarms', async () => {
  emulator = await startEmulator();
  const live = await createLiveAccount(emulator, LIVE);
  const failsafe = await createFailsafeAccount(emulator, FAILSAFE);
  const config = vaultConfig(failsafe, [live]);
  const sweeps = [];

  // Ten days of real recovery points of orders, each swept into the vault.
  await live.createDatabase('orders', 'none', daysAgo(30));
  for (let d = 20; d > 10; d--) {
    await live.createShippedSnapshot('orders', daysAgo(d), FAILSAFE);
    sweeps.push(await runVault(emulator, failsafe, config));
  }
  const real = (await failsafe.manualSnapshots()).map((s) => s.DbiResourceId);
  expect(new Set(real).size).toBe(1);

  // The attacker deletes orders and ships junk under its name every day for
  // eleven days, longer than the 7-day retention: a new database called
  // orders, and snapshots of another database named as shipper copies of orders.
  await live.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'orders', SkipFinalSnapshot: true }));
  await live.createDatabase('orders', 'none');
  await live.createDatabase('junk', 'none');
  for (let d = 10; d >= 0; d--) {
    await live.createShippedSnapshot('orders', daysAgo(d), FAILSAFE);
    const misnamed = shippingCopyIdentifier('orders', new Date(daysAgo(d).getTime() + 60_000));
    const junk = await live.createAutomatedSnapshot('junk', new Date(daysAgo(d).getTime() + 120_000));
    await live.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: junk.DBSnapshotIdentifier!, TargetDBSnapshotIdentifier: misnamed }));
    await live.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: misnamed, AttributeName: 'restore', ValuesToAdd: [FAILSAFE] }));
    sweeps.push(await runVault(emulator, failsafe, config));
  }
  sweeps.push(await runVault(emulator, failsafe, config));

  // The real lineage keeps its newest minimumCopies (3) copies, though every one is past the retention.
  const held = await failsafe.manualSnapshots();
  const realLeft = held.filter((s) => s.DbiResourceId === real[0]).map((s) => tagsOf(s)[TagKeys.SOURCE_TIME]).sort();
  expect(realLeft).toEqual([13, 12, 11].map((d) => daysAgo(d).toISOString()));
  // The recreated database is a lineage of its own: kept as its retention says, and it cannot take the real one's slots.
  const recreated = held.filter((s) => s.DbiResourceId !== real[0]).map((s) => tagsOf(s)[TagKeys.SOURCE_TIME]).sort();
  const young = Array.from({ length: 11 }, (_, i) => daysAgo(10 - i)).filter((t) => Date.now() - t.getTime() <= 7 * DAY);
  expect(recreated).toEqual(young.map((t) => t.toISOString()));
  // Said loudly: the lineage changed, and the misnamed snapshots were refused, every day.
  expect(metricSum(sweeps, 'LineageChanges')).toBe(1);
  // Each sweep refuses every misnamed snapshot still shared: 1 + 2 + ... + 11, and 11 again in the last.
  expect(metricSum(sweeps, 'SnapshotsRefused')).toBe(66 + 11);
  expect(sweeps.at(-1)!.logs).toContainEqual(expect.objectContaining({ event: 'snapshot-refused', code: 'database-mismatch' }));
});

test('quota exhaustion: one source sharing 100 junk databases fills its own budget, not the vault; another source is still copied, and alarms fire', async () => {
  // A vault account whose manual snapshot quota is 100, as AWS's default.
  emulator = await startEmulator({ manualSnapshotLimit: 100 });
  const attacker = await createLiveAccount(emulator, LIVE);
  const honest = await createLiveAccount(emulator, HONEST);
  const failsafe = await createFailsafeAccount(emulator, FAILSAFE);
  const config = vaultConfig(failsafe, [attacker, honest]);

  for (let i = 0; i < 100; i++) {
    await attacker.createDatabase(`junk-${String(i).padStart(3, '0')}`, 'none', daysAgo(2));
    await attacker.createShippedSnapshot(`junk-${String(i).padStart(3, '0')}`, daysAgo(1), FAILSAFE);
  }
  const sweeps = [];
  for (let i = 0; i < 6; i++) sweeps.push(await runVault(emulator, failsafe, config));
  // The next day the honest source ships its database.
  await honest.createDatabase('orders', 'none', daysAgo(2));
  await honest.createShippedSnapshot('orders', daysAgo(0), FAILSAFE);
  const after = [];
  for (let i = 0; i < 2; i++) after.push(await runVault(emulator, failsafe, config));

  const held = await failsafe.manualSnapshots();
  const bySource = (account: string) => held.filter((s) => tagsOf(s)[TagKeys.SOURCE_ACCOUNT] === account);
  // The honest source's snapshot is copied.
  expect(bySource(HONEST).map((s) => tagsOf(s)[TagKeys.SOURCE_DATABASE])).toEqual(['orders']);
  // The attacker holds no more than its share: (100 - 10 headroom) / 2 sources = 45 copies, of as many lineages as that keeps
  // for the retention: 45 / (7 days + 1 + 3 minimum copies) = 4.
  expect(bySource(LIVE).length).toBe(4);
  expect(held.length).toBeLessThanOrEqual(90);
  // Said loudly: the source over its budget, in the metric and the log.
  expect(metricSum([...sweeps, ...after], 'SourceBudgetRefusals')).toBeGreaterThan(0);
  expect(after.at(-1)!.logs).toContainEqual(expect.objectContaining({ level: 'ERROR', code: 'source-over-budget', source: LIVE }));
  expect(after.at(-1)!.result.summaries[0].findings['copy-deferred-snapshot-quota']).toBeUndefined();
  // The vault reports how full its quota is, for the early-warning alarm.
  expect(after.at(-1)!.emf.some((d) => typeof d.ManualSnapshotQuotaUse === 'number')).toBe(true);
});

test('announcement flood: 10,000 valid-looking announcements from one source stay in the announcement lane; the sweep runs on time and copies another source\'s snapshot', async () => {
  emulator = await startEmulator();
  const attacker = await createLiveAccount(emulator, LIVE);
  const honest = await createLiveAccount(emulator, HONEST);
  const failsafe = await createFailsafeAccount(emulator, FAILSAFE);
  const config = vaultConfig(failsafe, [attacker, honest]);
  await honest.createDatabase('orders', 'none', daysAgo(2));
  await honest.createShippedSnapshot('orders', daysAgo(1), FAILSAFE);

  // The flood: announcements that pass every check a message can pass on its own, of snapshots never shared.
  const time = daysAgo(1);
  const announcement = (i: number) => {
    const database = `flood-${i}`;
    const identifier = shippingCopyIdentifier(database, time);
    return JSON.stringify({
      schema: MESSAGE_SCHEMA,
      version: 1,
      kind: 'instance',
      snapshotArn: `arn:aws:rds:eu-west-1:${LIVE}:snapshot:${identifier}`,
      snapshotIdentifier: identifier,
      sourceAccount: LIVE,
      sourceRegion: 'eu-west-1',
      sourceDatabaseIdentifier: database,
      engine: 'postgres',
      snapshotCreateTime: time.toISOString(),
      encrypted: true,
      shippedAt: new Date().toISOString(),
    });
  };
  const batchOf = (b: number) => queueEvent(attacker.topicArn, Array.from({ length: 10 }, (_, i) => announcement(b * 10 + i)));
  const batches = Array.from({ length: 1000 }, (_, b) => batchOf(b));

  // The lane: the event source mapping runs at most 2 batches at once (the construct's default announcementConcurrency).
  const credentials = await emulator.credentialsFor(FAILSAFE);
  const lane = [0, 1].map(() => startWarmEnvironment('vault/vault.lambda', { endpoint: emulator.endpoint, credentials, environment: { VAULT_CONFIG: JSON.stringify(config) } }));
  const handled: WarmOutcome[] = [];
  let next = 0;
  const flood = Promise.all(lane.map(async (environment) => {
    while (next < batches.length) handled.push(await environment.invoke(batches[next++]));
  }));
  try {
    // The sweep comes on its schedule, outside the lane, once the flood is under way.
    while (handled.length < 20) await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    const sweep = await runVault(emulator, failsafe, config);
    const sweepMs = Date.now() - started;
    const handledWhenSwept = handled.length;
    await flood;
    console.log(`announcement flood: the sweep took ${sweepMs} ms while ${handledWhenSwept} of 1,000 batches were done; the flood's RDS calls: ${
      JSON.stringify(handled.reduce((n: Record<string, number>, o) => ({ ...n, ...Object.fromEntries(Object.entries(o.result?.apiCalls ?? {}).map(([k, v]) => [k, (n[k] ?? 0) + (v as number)])) }), {}))}`);

    // The sweep did not wait for the flood, and copied the honest source's snapshot.
    expect(sweep.error).toBeUndefined();
    expect(handledWhenSwept).toBeLessThan(batches.length);
    expect(sweepMs).toBeLessThan(30_000);
    expect((await failsafe.manualSnapshots()).map((s) => [tagsOf(s)[TagKeys.SOURCE_ACCOUNT], tagsOf(s)[TagKeys.SOURCE_DATABASE]])).toEqual([[HONEST, 'orders']]);
    // Every announcement of the flood was refused after one RDS call, none was retried, and nothing was copied from it.
    expect(handled.every((o) => o.error === undefined && o.result.batchItemFailures.length === 0)).toBe(true);
    const refused = handled.flatMap((o) => o.result.summaries).reduce((n, s) => n + (s.refused['not-shared'] ?? 0), 0);
    expect(refused).toBe(10_000);
    const calls = handled.reduce((n, o) => n + Object.values<number>(o.result.apiCalls).reduce((a, b) => a + b, 0), 0);
    expect(calls).toBe(10_000);
  } finally {
    lane.forEach((environment) => environment.stop());
  }
});
