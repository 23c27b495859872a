/**
 * The drill's sub-daily database: a DB instance that needs a tighter recovery
 * point than a day, shipped by a second shipper, as a user deploys a second
 * RdsSnapshotShipper with a `recoveryPointInterval` (its own owner id, topic
 * and shipping key) beside the daily one. It takes its own snapshot of the
 * database once per interval (src/runtime/recovery-points.ts).
 *
 * The handler decides the interval from its clock, and RDS stamps each
 * snapshot with its own: so each slot is run on the simulated clock. For
 * each slot of a simulated day, both clocks (RDS's, `emulator.setClock`, and
 * the handlers', set before each invocation of a warm execution environment,
 * invoke.ts `startWarmBundled`) are set to a few minutes after the slot
 * starts: the shipper's sweep takes the snapshot; RDS-EVENT-0042 (the
 * snapshot is there) wakes it to copy it, and RDS-EVENT-0197 (the copy is
 * done) to share and announce the copy, as the construct's rules do; SNS then
 * delivers the announcement to the vault at once, and RDS-EVENT-0197 of the
 * vault's copy wakes the vault to record it, all on the simulated clock. The
 * drill reads a snapshot until it is available before the event that says so
 * (the creating-phase patches count describe calls). The real clock is back
 * before the rest of the day's steps.
 */
import { DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import type { DrillCheck, DrillEvent } from './drill';
import { COPY_FINISHED_EVENTS, SNAPSHOT_CREATED_EVENTS } from '../../src/runtime/events';
import { parseShippedName, recoveryPointIdentifier } from '../../src/runtime/naming';
import { parseMessage } from '../../src/runtime/schema';
import { Emulator } from '../emulator/emulator';
import { queueEvent } from '../emulator/failsafe';
import { BundledHandler, InvokeOptions, Invocation, WarmBundled } from '../emulator/invoke';
import { Encryption, LiveAccount } from '../emulator/live';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const SCHEDULED = { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'detail': {} };

/** The application id of the second shipper's calls, by which the authorization tests tell them from the daily shipper's (recorder.py). */
export const SUB_DAILY_APP_ID = 'subdaily';

export interface SubDailyOptions {
  /** The DB instance. */
  readonly database: string;
  readonly encryption: Encryption;
  /** Its recovery point interval, in whole hours below a day: the second shipper's `recoveryPointInterval`. */
  readonly intervalHours: number;
  /** The second shipper's owner id. */
  readonly shipperOwnerId: string;
  /** The second shipper's topic, of its own. */
  readonly topicName: string;
  /**
   * The vault's hourly tier (`hourlyCopies`), which a source that ships more
   * often than daily needs: without it a lineage takes one recovery point a
   * UTC day. With it the vault's `minimumAge` is one day, as the construct
   * defaults it. The tier is the vault's, for every lineage: a daily
   * database's copies each hold an hour of their own, so more than the
   * daily copies the vault's retention keeps would keep older daily copies.
   */
  readonly vaultHourlyCopies: number;
}

export interface SubDailyFigures {
  readonly database: string;
  readonly intervalHours: number;
  /** The slots simulated. */
  readonly slots: number;
  /** The second shipper's passes. */
  readonly passes: number;
  /** The snapshots it took, in order: from its logs (`snapshot-taken`). */
  readonly taken: readonly string[];
  /** Its snapshots left in Live at the end. */
  readonly liveHeld: readonly string[];
  /** The recovery points of the database's vault copies at the end, oldest first. */
  readonly vaultPoints: readonly string[];
}

/** How long after its slot starts the slot's first sweep runs (simulated), and how far apart its passes are. */
export const SWEEP_DELAY_MS = 5 * 60_000;
const PASS_GAP_MS = 60_000;
/** More than a slot needs: a sweep takes the snapshot, an event's pass copies it, another's shares and announces the copy. */
const MAX_PASSES = 8;

/**
 * The slots whose first sweep falls on simulated day `day` of `days`: day k
 * is the 24 hours that end `days - k` days before `now`. Slots start on
 * multiples of the interval since the epoch (no `offsetMs`), so at the same
 * times every UTC day. The last day's last slot is the one `now` is in, if
 * its sweep has run by `now`.
 */
export function slotsOfDay(now: number, days: number, day: number, intervalMs: number): number[] {
  const end = now - (days - day) * DAY_MS;
  const out: number[] = [];
  for (let s = (Math.floor((end - DAY_MS - SWEEP_DELAY_MS) / intervalMs) + 1) * intervalMs; s + SWEEP_DELAY_MS <= end; s += intervalMs) out.push(s);
  return out;
}

const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);

export interface SubDailyDeps {
  readonly emulator: Emulator;
  readonly liveAccount: string;
  readonly failsafeAccount: string;
  /** The Live account as seen through the second shipper's topic (its own topic and shipping key). */
  readonly live: LiveAccount;
  /** RDS of the Failsafe account, to see the vault's copies finish. */
  readonly failsafeRds: RDSClient;
  readonly say: (day: number, actor: DrillEvent['actor'], text: string) => void;
  /** Starts a warm execution environment of a bundled handler (invoke.ts), which the drill stops at its end. */
  readonly startWarm: (handler: BundledHandler, opts: InvokeOptions) => WarmBundled;
  /** Runs the vault on an event (an SQS batch of announcements, an RDS event), its clock reading `clock`. */
  readonly vault: (day: number, event: unknown, label: string, clock: Date) => Promise<Invocation>;
}

export interface SubDailyShipper {
  /** The recovery points it shipped (announced), by their time. */
  readonly shipped: number[];
  /** Runs a slot: the shipper's sweeps until its recovery point is announced, and the vault's delivery of it. */
  runSlot(day: number, slot: number): Promise<void>;
  /** One pass after the last slot, on the clock of that slot (a few minutes later): the settling sweeps and the idle pass. */
  pass(day: number): Promise<any>;
  figures(liveHeld: readonly string[], vaultPoints: readonly number[]): SubDailyFigures;
}

/**
 * RDS finishes a snapshot or a copy: the drill reads it until it is available,
 * as the creating-phase patches count describe calls (live.ts does the same
 * before it shares a copy). Gone, it is done with.
 */
async function untilAvailable(rds: RDSClient, identifier: string): Promise<void> {
  for (let i = 0; i < 10; i++) {
    let status: string | undefined;
    try {
      status = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: identifier }))).DBSnapshots?.[0]?.Status;
    } catch (e) {
      if ((e as { name?: string }).name === 'DBSnapshotNotFoundFault') return;
      throw e;
    }
    if (status === 'available' || status === undefined) return;
  }
  throw new Error(`${identifier} is still not available after 10 reads`);
}

/** An RDS event as EventBridge delivers it to the handlers' rules. */
const rdsEvent = (eventId: string, identifier: string) => ({
  'source': 'aws.rds', 'detail-type': 'RDS DB Snapshot Event', 'detail': { EventID: eventId, SourceIdentifier: identifier },
});

export function subDailyShipper(o: SubDailyOptions, d: SubDailyDeps): SubDailyShipper {
  const intervalMs = o.intervalHours * HOUR_MS;
  const label = `${o.intervalHours}-hourly`;
  // As the construct configures it: the retention cannot be set below a day (Live keeps a copy until a newer one has been shared for an interval).
  const config = {
    version: 1,
    ownerId: o.shipperOwnerId,
    vaultAccount: d.failsafeAccount,
    shippingKeyArn: d.live.shippingKeyArn,
    topicArn: d.live.topicArn,
    // The construct's default retention with a recovery point interval: a day.
    retentionMs: DAY_MS,
    recoveryPoints: { intervalMs },
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
    behindAfterMs: intervalMs + 2 * HOUR_MS,
    selection: { identifiers: [o.database] },
  };
  const taken: string[] = [];
  const shipped: number[] = [];
  let passes = 0;
  let slots = 0;
  /** The clock of the last slot's last step: the passes after the last slot run a few minutes after it. */
  let lastClock = 0;
  /** A simulated time, but never later than the real one: the vault, at the real time, would refuse a recovery point from its future. */
  const at = (t: number) => new Date(Math.min(t, Date.now()));

  // One warm execution environment for all its passes, as Lambda reuses one between invocations: a pass costs no process.
  let warm: WarmBundled | undefined;
  const run = async (day: number, clock: Date, event: unknown): Promise<Invocation> => {
    warm ??= d.startWarm('shipper/shipper.lambda', {
      endpoint: d.emulator.endpoint,
      credentials: await d.emulator.credentialsFor(d.liveAccount),
      environment: { SHIPPER_CONFIG: JSON.stringify(config) },
      appId: SUB_DAILY_APP_ID,
    });
    d.emulator.setClock(clock);
    const out = await warm.invoke(event, clock);
    if (out.error) throw new Error(`the ${label} shipper's pass failed on day ${day} at ${clock.toISOString()}: ${out.error}`);
    passes += 1;
    for (const l of out.logs) if (l.event === 'snapshot-taken') taken.push(l.snapshot);
    return out;
  };

  /** Says, in one line, what the shipper did in a slot, and what woke each pass. */
  const narrate = (day: number, clock: Date, steps: ReadonlyArray<{ readonly trigger: string; readonly logs: readonly any[] }>) => {
    let lastTaken = '';
    let lastCopy = '';
    const parts: string[] = [];
    for (const { trigger, logs } of steps) {
      const did: string[] = [];
      for (const l of logs) {
        if (l.event === 'snapshot-taken') { lastTaken = l.snapshot; did.push(`took ${l.snapshot}`); }
        if (l.event === 'copy-started') { lastCopy = l.snapshot; did.push(`copied ${l.source === lastTaken ? 'it' : l.source} to ${l.snapshot}`); }
        if (l.event === 'announced') did.push(`shared and announced ${l.snapshot === lastCopy ? 'that' : l.snapshot}`);
        if (l.event === 'deleted') did.push(`deleted ${l.snapshot} (${l.cause === 'expired' ? 'past the retention' : l.cause})`);
        if (l.event === 'snapshot-busy') did.push(`${o.database} is busy: no snapshot yet`);
        if (l.event === 'action-failed') did.push(`FAILED ${l.action} ${l.snapshot}: ${l.errorCode}`);
      }
      if (did.length > 0) parts.push(`${trigger}: ${did.join(', ')}`);
    }
    d.say(day, 'shipper', `(${label}, ${hhmm(clock.getTime())}Z) ${parts.join('; ')}`);
  };

  return {
    shipped,
    async runSlot(day, slot) {
      slots += 1;
      let t = slot + SWEEP_DELAY_MS;
      const first = at(t);
      try {
        // The sweep after the slot starts takes the snapshot. RDS-EVENT-0042 (the snapshot is there) wakes the shipper to copy it, and
        // RDS-EVENT-0197 (the copy is done) to share and announce it: the construct's rules. A sweep again if no event is due.
        const steps: Array<{ trigger: string; logs: any[] }> = [];
        const due: Array<{ eventId: string; snapshot: string }> = [];
        let done = false;
        while (!done) {
          if (steps.length === MAX_PASSES) throw new Error(`the ${label} shipper did not announce the recovery point of ${new Date(slot).toISOString()} in ${MAX_PASSES} passes`);
          const next = due.shift();
          if (next) await untilAvailable(d.live.rds, next.snapshot);
          const out = await run(day, at(t), next ? rdsEvent(next.eventId, next.snapshot) : SCHEDULED);
          t += PASS_GAP_MS;
          steps.push({ trigger: next ? next.eventId : 'sweep', logs: out.logs });
          for (const l of out.logs) {
            if (l.event === 'snapshot-taken') due.push({ eventId: SNAPSHOT_CREATED_EVENTS.instance, snapshot: l.snapshot });
            if (l.event === 'copy-started') due.push({ eventId: COPY_FINISHED_EVENTS[0], snapshot: l.snapshot });
          }
          done = out.logs.some((l) => l.event === 'announced' && (parseShippedName(l.snapshot)?.time.getTime() ?? 0) >= slot);
        }
        narrate(day, first, steps);
        // SNS delivers at once: the vault copies on the simulated clock too. RDS finishes the vault's copy within the slot, and
        // RDS-EVENT-0197 wakes the vault to record it.
        for (const body of await d.live.takeAnnouncements()) {
          const parsed = parseMessage(body);
          if (!parsed.ok) throw new Error(`the ${label} shipper announced a message the vault cannot read: ${parsed.reason}`);
          const delivered = at(t);
          d.emulator.setClock(delivered);
          const out = await d.vault(day, queueEvent(d.live.topicArn, [body]), `message for ${o.database}`, delivered);
          if (out.error || out.result?.batchItemFailures?.length > 0) throw new Error(`the delivery of ${parsed.message.snapshotIdentifier} failed: ${out.error ?? 'reported as a failure'}`);
          shipped.push(Date.parse(parsed.message.snapshotCreateTime));
          t += PASS_GAP_MS;
          for (const l of out.logs.filter((x) => x.event === 'copy-started')) {
            await untilAvailable(d.failsafeRds, l.snapshot);
            const recorded = at(t);
            d.emulator.setClock(recorded);
            const finished = await d.vault(day, rdsEvent(COPY_FINISHED_EVENTS[0], l.snapshot), COPY_FINISHED_EVENTS[0], recorded);
            if (finished.error) throw new Error(`the vault's pass on ${COPY_FINISHED_EVENTS[0]} for ${l.snapshot} failed: ${finished.error}`);
            t += PASS_GAP_MS;
          }
        }
        lastClock = t;
      } finally {
        d.emulator.setClock(undefined);
      }
    },
    async pass(day) {
      const clock = at(lastClock + 30 * 60_000);
      try {
        return (await run(day, clock, SCHEDULED)).result;
      } finally {
        d.emulator.setClock(undefined);
      }
    },
    figures: (liveHeld, vaultPoints) => ({
      database: o.database,
      intervalHours: o.intervalHours,
      slots,
      passes,
      taken: [...taken],
      liveHeld: [...liveHeld],
      vaultPoints: [...vaultPoints].sort((a, b) => a - b).map((p) => new Date(p).toISOString()),
    }),
  };
}

/** The vault's retention as the drill configures it (retention.ts). */
export interface VaultRetention {
  readonly retentionMs: number;
  readonly minimumAgeMs: number;
  readonly minimumCopies: number;
  readonly hourlyCopies: number;
}

/**
 * The recovery points of one lineage that the vault's retention keeps at time
 * `t`, restated from its documentation rather than taken from its code:
 * those younger than the minimum age, the newest `minimumCopies`, the newest
 * of each of the `hourlyCopies` most recent UTC hours that hold one, and the
 * newest of each UTC day within the retention.
 */
export function vaultKeeps(points: readonly number[], t: number, r: VaultRetention): Set<number> {
  const newest = [...new Set(points)].sort((a, b) => b - a);
  const kept = new Set<number>(newest.slice(0, r.minimumCopies));
  for (const p of newest) if (t - p < r.minimumAgeMs) kept.add(p);
  const hours = new Set<string>();
  for (const p of newest) {
    const hour = new Date(p).toISOString().slice(0, 13);
    if (hours.has(hour)) continue;
    if (hours.size >= r.hourlyCopies) break;
    hours.add(hour);
    kept.add(p);
  }
  const days = new Set<string>();
  for (const p of newest) {
    const day = new Date(p).toISOString().slice(0, 10);
    if (t - p > r.retentionMs || days.has(day)) continue;
    days.add(day);
    kept.add(p);
  }
  return kept;
}

/** What the checks of the sub-daily database are given, at the end of the drill. */
export interface SubDailyEnd {
  readonly o: SubDailyOptions;
  readonly figures: SubDailyFigures;
  /** Every slot simulated, and those of the last day. */
  readonly slots: readonly number[];
  readonly lastDaySlots: readonly number[];
  /** The recovery points the shipper announced. */
  readonly shipped: readonly number[];
  /** The recovery points of the database's vault copies at the end. */
  readonly vaultPoints: readonly number[];
  readonly vaultRetention: VaultRetention;
  /** When the vault's last sweep (the idle one, which changed nothing) started and ended. */
  readonly lastSweep: { readonly started: number; readonly ended: number };
  /** When the drill started: the simulated slots end there. */
  readonly start: number;
  /** The age in hours of its newest vault copy, at the drill's start and as the vault's last sweep reported it. */
  readonly recoveryPointHours: number;
  readonly reportedRecoveryPointHours: number;
  /** How long the drill ran, in hours. */
  readonly elapsedHours: number;
  /** The most of its snapshots Live may hold at the end. */
  readonly liveLimit: number;
}

export function subDailyChecks(e: SubDailyEnd): DrillCheck[] {
  const checks: DrillCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const { database, intervalHours } = e.o;
  const intervalMs = intervalHours * HOUR_MS;
  const iso = (p: number) => new Date(p).toISOString();

  const expected = e.slots.map((s) => recoveryPointIdentifier(database, new Date(s)));
  const taken = e.figures.taken;
  const twice = taken.filter((name, i) => taken.indexOf(name) !== i);
  check(`the second shipper took one snapshot of ${database} in each of the ${e.slots.length} ${intervalHours}-hour slots, and never two in one slot`,
    twice.length === 0 && JSON.stringify([...taken].sort()) === JSON.stringify([...expected].sort()),
    `${taken.length} taken (snapshot-taken in its logs), ${new Set(taken).size} slots${twice.length > 0 ? `; twice: ${twice.join(', ')}` : ''}`);

  // Times to the second: RDS reports a copy's OriginalSnapshotCreateTime, which the vault holds when its sweep copies, without milliseconds.
  const second = (p: number) => Math.floor(p / 1000) * 1000;
  const shipped = e.shipped.map(second);
  const held = new Set(e.vaultPoints.map(second));
  // The vault's last sweep ran between `started` and `ended`, and changed nothing. Retention keeps less as time passes: what it
  // keeps at the end was never deleted, and what is held was kept at that sweep, so at its start.
  const keptAtEnd = vaultKeeps(shipped, e.lastSweep.ended, e.vaultRetention);
  const keptAtStart = vaultKeeps(shipped, e.lastSweep.started, e.vaultRetention);

  const lastDay = e.lastDaySlots.map((s) => ({ s, p: shipped.find((p) => p >= s && p < s + intervalMs) }));
  const keptSlots = lastDay.filter(({ p }) => p !== undefined && keptAtEnd.has(p));
  const missing = lastDay.filter(({ p }) => p === undefined || (keptAtEnd.has(p) && !held.has(p)));
  const perDay = Math.round(24 / intervalHours);
  check(`the vault holds a recovery point of ${database} from each ${intervalHours}-hour slot of the last day that its retention keeps`,
    missing.length === 0 && keptSlots.length >= perDay - 1,
    `${keptSlots.length} of ${lastDay.length} slots kept: ${keptSlots.map(({ p }) => `${iso(p!).slice(11, 16)}Z`).join(', ')}`
      + `${missing.length > 0 ? `; none from ${missing.map(({ s }) => iso(s)).join(', ')}` : ''}`);

  const lost = [...keptAtEnd].filter((p) => !held.has(p));
  const stale = [...held].filter((p) => !keptAtStart.has(p));
  const r = e.vaultRetention;
  check(`the vault keeps what its retention says of ${database}: every recovery point younger than ${r.minimumAgeMs / HOUR_MS} hours, the newest of each day `
    + `within ${r.retentionMs / (24 * HOUR_MS)} days, the newest of ${r.hourlyCopies} hours and the newest ${r.minimumCopies}; no other`,
  keptAtEnd.size > 0 && lost.length === 0 && stale.length === 0,
  `${held.size} held of ${shipped.length} shipped`
      + `${lost.length > 0 ? `; lost ${lost.map(iso).join(', ')}` : ''}${stale.length > 0 ? `; kept past its retention: ${stale.map(iso).join(', ')}` : ''}`);

  // The last slot simulated is the last whose sweep ran by the drill's start: its recovery point is younger than an interval then.
  const newestAgeMs = e.start - Math.max(...e.vaultPoints);
  check(`the newest recovery point of ${database} in the vault is under ${intervalHours} hours old at the end`,
    newestAgeMs < intervalMs && e.reportedRecoveryPointHours < intervalHours + e.elapsedHours + 0.1,
    `${e.recoveryPointHours} h at the drill's start, ${e.reportedRecoveryPointHours} h as the vault reported it at the end`);

  const takenLeft = e.figures.liveHeld.filter((s) => parseShippedName(s)?.taken);
  check(`Live holds at most ${e.liveLimit} of ${database}'s snapshots at the end, none of them one the shipper took`,
    e.figures.liveHeld.length <= e.liveLimit && takenLeft.length === 0, e.figures.liveHeld.join(', ') || 'none');
  return checks;
}
