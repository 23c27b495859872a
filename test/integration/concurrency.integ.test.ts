/**
 * Passes that run at the same moment: events, schedules and announcements wake
 * the handlers concurrently. The mechanism is planning that tolerates it: each
 * pass plans within the limits it sees, names are deterministic (two passes
 * never start the same copy twice), and RDS enforces AWS's own limits
 * atomically; a copy it refuses for copies in flight waits for a later pass.
 * The emulator enforces the same limits (the copies-in-flight-limit and
 * account-quotas fidelity patches), and these tests run the bundled handlers
 * concurrently against it.
 */
import { ModifyDBSnapshotAttributeCommand } from '@aws-sdk/client-rds';
import { Emulator, startEmulator } from '../emulator/emulator';
import { createFailsafeAccount, runVault, snsEvent } from '../emulator/failsafe';
import { invokeBundled } from '../emulator/invoke';
import { createLiveAccount, LiveAccount } from '../emulator/live';

const LIVE = '111111111111';
const FAILSAFE = '222222222222';
const DAY = 86_400_000;

let emulator: Emulator;
// Copies stay in progress for many describe calls, so that the passes overlap while they are.
beforeAll(async () => { emulator = await startEmulator({ copyPendingDescribes: 200 }); });
afterAll(async () => { await emulator?.stop(); });

function shipperConfig(live: LiveAccount, identifiers: string[]) {
  return {
    version: 1,
    ownerId: 'shipper-concurrency',
    vaultAccount: FAILSAFE,
    shippingKeyArn: live.shippingKeyArn,
    topicArn: live.topicArn,
    retentionMs: 2 * DAY,
    maxCopiesInFlight: 20,
    selection: { identifiers },
  };
}

test('six shipper passes at once, over 40 databases: never more than 20 copies in flight, no copy twice, no failure', async () => {
  const live = await createLiveAccount(emulator, LIVE);
  const ids = Array.from({ length: 40 }, (_, i) => `db-${String(i).padStart(2, '0')}`);
  for (const id of ids) await live.createDatabase(id, 'none');
  const config = shipperConfig(live, ids);
  const credentials = await emulator.credentialsFor(LIVE);
  const events = [
    { 'source': 'aws.events', 'detail-type': 'Scheduled Event' },
    { 'source': 'aws.events', 'detail-type': 'Scheduled Event' },
    ...ids.slice(0, 4).map((id) => ({ source: 'aws.rds', detail: { EventID: 'RDS-EVENT-0091', SourceIdentifier: `rds:${id}-2026-11-20-03-00` } })),
  ];
  const passes = await Promise.all(events.map((event) => invokeBundled('shipper/shipper.lambda', event, {
    endpoint: emulator.endpoint, credentials, environment: { SHIPPER_CONFIG: JSON.stringify(config) },
  })));
  for (const p of passes) expect(p.error).toBeUndefined();
  const results = passes.map((p) => p.result);
  const copies = (await live.manualSnapshots()).filter((s) => s.DBSnapshotIdentifier!.startsWith('failsafe-'));
  const inFlight = copies.filter((s) => s.Status === 'creating');
  expect(inFlight.length).toBeLessThanOrEqual(20);
  expect(inFlight.length).toBe(20); // and the slots are used
  // No database has two copies; every copy started is counted once, by the pass that started it.
  expect(new Set(copies.map((c) => c.DBInstanceIdentifier)).size).toBe(copies.length);
  expect(results.reduce((n, r) => n + r.copiesStarted, 0)).toBe(copies.length);
  expect(results.reduce((n, r) => n + r.failures, 0)).toBe(0);
  // What the passes planned beyond the slots was refused by RDS or deferred: waiting, not failed.
  const refused = passes.flatMap((p) => p.logs.filter((l) => l.event === 'copy-refused'));
  for (const r of refused) expect(r).toMatchObject({ level: 'WARN', reason: 'copies-in-flight' });
  console.log(`6 concurrent shipper passes: ${copies.length} copies started, ${refused.length} refused by RDS for copies in flight, `
    + `deferred per pass ${JSON.stringify(results.map((r) => r.deferred))}`);
});

test('vault sweeps and announcements at once: never more than 20 copies in flight, no copy twice, no failure', async () => {
  await emulator.reset();
  const live = await createLiveAccount(emulator, LIVE);
  const failsafe = await createFailsafeAccount(emulator, FAILSAFE);
  const ids = Array.from({ length: 30 }, (_, i) => `db-${String(i).padStart(2, '0')}`);
  const time = new Date(Date.now() - DAY);
  const shipped: Awaited<ReturnType<LiveAccount['createShippedSnapshot']>>[] = [];
  // The shipper's copies, made as it makes them, 15 at a time (within the copies in flight); each listing reads each copy once.
  for (const [i, id] of ids.entries()) {
    await live.createDatabase(id, 'none');
    shipped.push(await live.createShippedSnapshot(id, time));
    if (i % 15 === 14) for (let n = 0; n < 400 && (await live.manualSnapshots()).some((c) => c.Status !== 'available'); n++);
  }
  for (const s of shipped) {
    await live.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: s.DBSnapshotIdentifier, AttributeName: 'restore', ValuesToAdd: [FAILSAFE] }));
  }
  const config = {
    version: 1,
    ownerId: 'vault-concurrency',
    vaultKeyArn: failsafe.vaultKeyArn,
    sources: [{ topicArn: live.topicArn }],
    sourceAccounts: [LIVE],
    retentionMs: 31 * DAY,
    minimumCopies: 3,
    maxCopiesInFlight: 20,
  };
  const announcement = (s: typeof shipped[number]) => JSON.stringify({
    schema: 'cdk-rds-failsafe/snapshot-shipped',
    version: 1,
    kind: 'instance',
    snapshotArn: s.DBSnapshotArn,
    snapshotIdentifier: s.DBSnapshotIdentifier,
    sourceAccount: LIVE,
    sourceRegion: 'eu-west-1',
    sourceDatabaseIdentifier: s.DBInstanceIdentifier,
    engine: 'postgres',
    snapshotCreateTime: time.toISOString().replace(/\.\d{3}Z$/, '.000Z'),
    encrypted: false,
    shippedAt: new Date().toISOString(),
  });
  const runs = await Promise.all([
    runVault(emulator, failsafe, config),
    runVault(emulator, failsafe, config),
    ...shipped.slice(20, 26).map((s) => runVault(emulator, failsafe, config, snsEvent(live.topicArn, announcement(s)))),
  ]);
  for (const r of runs) expect(r.error).toBeUndefined();
  const copies = await failsafe.manualSnapshots();
  expect(copies.filter((s) => s.Status === 'creating').length).toBeLessThanOrEqual(20);
  expect(new Set(copies.map((c) => c.DBSnapshotIdentifier)).size).toBe(copies.length);
  const summaries = runs.flatMap((r) => r.result.summaries);
  expect(summaries.reduce((n: number, s: any) => n + s.copiesStarted, 0)).toBe(copies.length);
  expect(summaries.reduce((n: number, s: any) => n + s.failures, 0)).toBe(0);
});
