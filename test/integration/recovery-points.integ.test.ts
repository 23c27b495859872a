/**
 * Recovery points more often than daily, end to end against the emulator: the
 * bundled shipper takes its own snapshots (which RDS makes in minutes, one at
 * a time per database: the taken-snapshot-creating-phase patch), copies them
 * under the shipping key or, under a key the vault may use, shares them as
 * they are; the bundled vault copies both. The handlers read the wall clock,
 * so the snapshots are of the current interval.
 */
import { CreateDBSnapshotCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { recoveryPointIdentifier } from '../../src/runtime/naming';
import { slotStart } from '../../src/runtime/recovery-points';
import { parseMessage } from '../../src/runtime/schema';
import { TagKeys } from '../../src/runtime/tags';
import { Emulator, startEmulator } from '../emulator/emulator';
import { createFailsafeAccount, runVault, snsEvent } from '../emulator/failsafe';
import { invokeBundled } from '../emulator/invoke';
import { createLiveAccount, LiveAccount } from '../emulator/live';

const LIVE = '111111111111';
const FAILSAFE = '222222222222';
const HOUR = 3_600_000;
const scheduled = { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'detail': {} };
const tagsOf = (s: { TagList?: { Key?: string; Value?: string }[] }) => Object.fromEntries((s.TagList ?? []).map((t) => [t.Key, t.Value]));

let emulator: Emulator;
beforeAll(async () => { emulator = await startEmulator({ snapshotPendingDescribes: 1, copyPendingDescribes: 1 }); });
afterAll(async () => { await emulator?.stop(); });
beforeEach(async () => { await emulator.reset(); });

function shipperConfig(live: LiveAccount, identifiers: string[], extra: Record<string, unknown> = {}) {
  return {
    version: 1,
    ownerId: 'shipper-hourly',
    vaultAccount: FAILSAFE,
    shippingKeyArn: live.shippingKeyArn,
    topicArn: live.topicArn,
    retentionMs: 2 * 86_400_000,
    recoveryPoints: { intervalMs: HOUR },
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

/** The interval the handlers are in now: they read the wall clock. */
const currentSlot = () => new Date(slotStart(Date.now(), { intervalMs: HOUR }));

describe('recovery points every hour, against the emulator', () => {
  test('takes one snapshot per database per interval, ships it by copy or as it is, and the vault copies both', async () => {
    // The handlers' clock decides the interval: skip the last minute of an hour rather than straddle two.
    if (Date.now() - currentSlot().getTime() > HOUR - 60_000) await new Promise((r) => setTimeout(r, 61_000));
    const slot = currentSlot();
    const live = await createLiveAccount(emulator, LIVE);
    const twoHoursAgo = new Date(Date.now() - 2 * HOUR);
    await live.createDatabase('hourly-managed', 'aws/rds', twoHoursAgo);
    await live.createDatabase('hourly-cmk', 'cmk', twoHoursAgo);
    const config = shipperConfig(live, ['hourly-managed', 'hourly-cmk'], { shareableKeyArns: [live.sourceKeyArn] });

    // Pass 1: the automated snapshots, two hours old, are copied; each database gets a snapshot of this interval.
    const first = await runShipper(live, config);
    expect(first.result).toMatchObject({ selected: 2, snapshotsTaken: 2, copiesStarted: 2, failures: 0 });
    expect(first.result.apiCalls).toMatchObject({ 'rds:CreateDBSnapshot': 2, 'rds:CopyDBSnapshot': 2 });
    const taken = (await live.manualSnapshots()).filter((s) => tagsOf(s)[TagKeys.RECOVERY_POINT] !== undefined);
    expect(taken.map((s) => s.DBSnapshotIdentifier).sort()).toEqual(['hourly-cmk', 'hourly-managed'].map((d) => recoveryPointIdentifier(d, slot)));
    for (const s of taken) {
      expect(tagsOf(s)).toEqual({
        [TagKeys.OWNER]: 'shipper-hourly', [TagKeys.SOURCE_DATABASE]: s.DBInstanceIdentifier, [TagKeys.RECOVERY_POINT]: slot.toISOString(),
      });
    }

    // Pass 2, in the same interval: nothing new is taken. The taken snapshots and copies are available now.
    const second = await runShipper(live, config);
    expect(second.result).toMatchObject({ snapshotsTaken: 0, failures: 0 });
    expect(second.result.apiCalls['rds:CreateDBSnapshot']).toBeUndefined();

    // Passes until quiet: the aws/rds one is copied under the shipping key, the one under the shareable key is shared as it is.
    for (let i = 0; i < 4; i++) await runShipper(live, config);
    const messages = (await live.takeAnnouncements()).map((b) => {
      const parsed = parseMessage(b);
      if (!parsed.ok) throw new Error(parsed.reason);
      return parsed.message;
    });
    const fromTaken = messages.filter((m) => new Date(m.snapshotCreateTime).getTime() >= slot.getTime());
    expect(fromTaken.map((m) => m.snapshotIdentifier).sort()).toEqual([
      recoveryPointIdentifier('hourly-cmk', slot), // shared as it is
      expect.stringMatching(/^failsafe-hourly-managed-\d{8}-\d{6}$/), // a copy, named for the taken snapshot's time
    ]);
    const direct = fromTaken.find((m) => m.snapshotIdentifier.startsWith('failsafe-hourly-cmk'))!;
    expect(direct.kmsKeyArn).toBe(live.sourceKeyArn);
    expect(await live.restoreAttribute(direct.snapshotIdentifier)).toEqual([FAILSAFE]);
    const viaCopy = fromTaken.find((m) => m.snapshotIdentifier.startsWith('failsafe-hourly-managed'))!;
    expect(viaCopy.kmsKeyArn).toBe(live.shippingKeyArn);
    // The aws/rds snapshot the shipper took is never shared; once its copy is shipped it is gone.
    const left = (await live.manualSnapshots()).map((s) => s.DBSnapshotIdentifier);
    expect(left).not.toContain(recoveryPointIdentifier('hourly-managed', slot));
    expect(left).toContain(recoveryPointIdentifier('hourly-cmk', slot));

    // The vault copies both: the one shared as it is holds RDS's time as its recovery point.
    const failsafe = await createFailsafeAccount(emulator, FAILSAFE);
    const vaultConfig = {
      version: 1,
      ownerId: 'vault-hourly',
      vaultKeyArn: failsafe.vaultKeyArn,
      sources: [{ topicArn: live.topicArn }],
      sourceAccounts: [LIVE],
      retentionMs: 31 * 86_400_000,
      minimumCopies: 3,
      maxCopiesInFlight: 10,
      manualSnapshotQuota: 100,
    };
    for (const m of messages) {
      const out = await runVault(emulator, failsafe, vaultConfig, snsEvent(live.topicArn, JSON.stringify(m)));
      expect(out.error).toBeUndefined();
    }
    for (let i = 0; i < 3; i++) expect((await runVault(emulator, failsafe, vaultConfig)).error).toBeUndefined();
    const held = (await failsafe.rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }))).DBSnapshots ?? [];
    const heldDirect = held.find((s) => s.DBSnapshotIdentifier!.endsWith(recoveryPointIdentifier('hourly-cmk', slot)));
    expect(heldDirect).toBeDefined();
    expect(heldDirect!.KmsKeyId).toBe(failsafe.vaultKeyArn);
    expect(tagsOf(heldDirect!)[TagKeys.SOURCE_TIME]).toBe(direct.snapshotCreateTime);
    expect(held.some((s) => s.DBSnapshotIdentifier!.includes(viaCopy.snapshotIdentifier))).toBe(true);
  });

  test('a database RDS is already snapshotting is left for a later pass, without a failure', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    await live.createDatabase('busy', 'none', new Date(Date.now() - 2 * HOUR));
    // Someone takes a snapshot by hand: RDS takes one at a time.
    await live.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'busy', DBSnapshotIdentifier: 'before-upgrade' }));
    const out = await runShipper(live, shipperConfig(live, ['busy']));
    expect(out.result).toMatchObject({ snapshotsTaken: 0, failures: 0, deferred: 1 });
    expect(out.logs.some((l: any) => l.event === 'snapshot-busy' && l.database === 'busy')).toBe(true);
    // Once the hand-made snapshot is available, the next pass takes the recovery point.
    const later = await runShipper(live, shipperConfig(live, ['busy']));
    expect(later.result).toMatchObject({ snapshotsTaken: 1, failures: 0 });
  });
});
