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
import { TagKeys } from '../../src/runtime/tags';
import { Emulator, startEmulator } from '../emulator/emulator';
import { createFailsafeAccount, FailsafeAccount, runVault } from '../emulator/failsafe';
import { createLiveAccount, LiveAccount } from '../emulator/live';

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
const metricSum = (runs: { emf: any[] }[], name: string) => runs.flatMap((r) => r.emf)
  .filter((d) => typeof d[name] === 'number' && d.Reason === undefined && d.SourceAccount === undefined)
  .reduce((n, d) => n + d[name], 0);
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
