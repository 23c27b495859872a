/**
 * The discrete-event simulation over the real planners, at a small scale: the
 * pipeline gets every database into the vault within 24 hours every day, the
 * counts add up, and the controls show that each property can fail and that
 * the outcome really comes from the planners (their budgets, their handling
 * of failed copies) and from the pass triggers.
 */
import {
  DAY,
  HOUR,
  SHIPPER_TRIGGERS,
  SHIPPER_TRIGGERS_FULL_RECONCILE,
  simulate,
  SimulationResult,
  TakeRecord,
  VAULT_TRIGGERS,
  VAULT_TRIGGERS_FULL_RECONCILE,
} from './simulation';
import { recoveryPointIdentifier } from '../../src/runtime/naming';
import { RecoveryPointSchedule, slotStart } from '../../src/runtime/recovery-points';

/** The earlier handlers: every shipper pass a full reconcile, no hand-off. */
const FULL_RECONCILE = { shipperTriggers: SHIPPER_TRIGGERS_FULL_RECONCILE, vaultTriggers: VAULT_TRIGGERS_FULL_RECONCILE } as const;

const SMALL = { seed: 7, instances: 40, clusters: 8, days: 3 } as const;
const HOURS_24 = DAY / 60_000;

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
/** Everything but the timings, which depend on the machine. */
const deterministicPart = ({ wallTimeMs, plannerMs, ...rest }: SimulationResult) => rest;

describe('simulation: 40 instances and 8 Aurora clusters over 3 days', () => {
  const r = simulate(SMALL);

  test('every database reaches the vault on every day, within 24 hours of its snapshot', () => {
    expect(r.perDay).toHaveLength(3);
    for (const day of r.perDay) {
      expect(day.snapshots).toBe(48);
      expect(day.arrived).toBe(48);
      expect(day.over24h).toBe(0);
      expect(day.maxMinutes!).toBeLessThan(HOURS_24);
    }
    expect(r.daysOver24h).toEqual([]);
    expect(r.latency.all).toMatchObject({ snapshots: 144, arrived: 144, never: 0, stillInFlight: 0 });
    expect(r.latency.cluster.arrived).toBe(24);
    expect(r.latency.all.maxMinutes!).toBeLessThan(HOURS_24);
    expect(r.neverShipped).toEqual([]);
    // Newest recovery point: a day between snapshots plus the latency.
    expect(r.staleness.withoutCopy).toBe(false);
    expect(r.staleness.maxHours!).toBeGreaterThan(24);
    expect(r.staleness.maxHours!).toBeLessThan(48);
    // The alarms' 26 hours allow 2 hours of latency: a copy that waits for an hourly sweep in both accounts (a cluster,
    // or an instance whose RDS event was lost) can pass that, and the vault's alarm fires briefly (a sample or two).
    expect(r.staleness.behindAfterHours).toBe(26);
    expect(r.staleness.maxHours!).toBeLessThan(27);
    expect(r.staleness.samplesWithSomeBehind).toBeLessThanOrEqual(3);
    expect(r.staleness.maxBehindAtOnce).toBeLessThanOrEqual(1);
    expect(r.shipperStaleness.samplesWithSomeBehind).toBe(0);
    expect(r.shipperStaleness.maxHours!).toBeLessThanOrEqual(r.staleness.maxHours!);
  });

  test('the counts are consistent', () => {
    const started = (side: 'shipper' | 'vault') => r.copies[side].instance.started + r.copies[side].cluster.started;
    // Every copy started was started by some pass, and is one snapshot in the account.
    expect(sum(r.copies.vaultStartedByTrigger)).toBe(started('vault'));
    expect(sum(r.copies.shipperStartedByTrigger)).toBe(started('shipper'));
    expect(r.final.vaultCopiesCreated).toBe(started('vault'));
    expect(r.final.shipperCopiesCreated).toBe(started('shipper'));
    // Vault copies are started by announcements, sweeps and successors; a pass about one database's copies (RDS-EVENT-0197) has nothing shipped to copy.
    expect(r.copies.vaultStartedByTrigger.announcement).toBeLessThanOrEqual(r.passes.vault.announcement);
    expect(r.copies.vaultStartedByTrigger['event-0197']).toBe(0);
    expect(r.copies.vaultStartedByTrigger.announcement + r.copies.vaultStartedByTrigger.sweep + r.copies.vaultStartedByTrigger.successor).toBe(started('vault'));
    // Every successor tried is one pass, and a slot is taken at most once.
    for (const side of ['shipper', 'vault'] as const) {
      const h = r.handOffs[side];
      expect(r.passes[side].successor).toBe(h.tries);
      expect(h.started + h.alreadyThere + h.deferred + h.unused).toBe(h.slotsHandedOn);
      expect(h.tries).toBeLessThanOrEqual(3 * h.slotsHandedOn);
    }
    expect(r.copies.shipperStartedByTrigger.successor).toBe(r.handOffs.shipper.started);
    expect(r.copies.vaultStartedByTrigger.successor).toBe(r.handOffs.vault.started);
    // Every copy action carried out either started, was refused by RDS, already existed, or lost its source.
    for (const side of ['shipper', 'vault'] as const) {
      for (const kind of ['instance', 'cluster'] as const) {
        const c = r.copies[side][kind];
        expect(c.started + c.refused + c.exists + c.sourceMissing).toBe(c.planned);
      }
    }
    expect(r.actions.shipper.copy).toBe(r.copies.shipper.instance.planned + r.copies.shipper.cluster.planned);
    expect(r.actions.vault.copy).toBe(r.copies.vault.instance.planned + r.copies.vault.cluster.planned);
    // One announcement per shared copy; SNS loses none, and the vault rejects none of the shipper's.
    expect(r.announcements.published).toBe(r.actions.shipper['share-and-announce']);
    expect(r.announcements.delivered).toBe(r.announcements.published);
    expect(r.announcements.rejected).toBe(0);
    expect(r.passes.vault.announcement).toBe(r.announcements.delivered);
    // Every RDS event is lost, delivered as exactly one pass, or still on its way at the end.
    for (const id of ['0091', '0169', '0197-live', '0197-vault'] as const) {
      expect(r.events.lost[id] + r.events.delivered[id] + r.events.pendingAtEnd[id]).toBe(r.events.emitted[id]);
    }
    expect(r.passes.shipper['event-0091']).toBe(r.events.delivered['0091']);
    expect(r.passes.shipper['event-0169']).toBe(r.events.delivered['0169']);
    expect(r.passes.shipper['event-0197']).toBe(r.events.delivered['0197-live']);
    expect(r.passes.vault['event-0197']).toBe(r.events.delivered['0197-vault']);
    // One automated snapshot per database per day, and one event for each: 3 measured days and the tail's day.
    expect(r.events.emitted['0091']).toBe(40 * 4);
    expect(r.events.emitted['0169']).toBe(8 * 4);
    // RDS-EVENT-0197 for every instance copy that finished in either account, none for clusters.
    expect(r.events.emitted['0197-live']).toBe(r.copies.shipper.instance.finished);
    expect(r.events.emitted['0197-vault']).toBe(r.copies.vault.instance.finished);
    expect(r.copies.shipper.cluster.finished).toBeGreaterThan(0);
    // Some events were lost (5 %), and the pipeline made up for them.
    expect(sum(r.events.lost)).toBeGreaterThan(0);
    // Copies finish or are still in progress at the end.
    for (const side of ['shipper', 'vault'] as const) {
      for (const kind of ['instance', 'cluster'] as const) {
        const c = r.copies[side][kind];
        expect(c.finished + c.failed).toBeLessThanOrEqual(c.started);
        expect(c.started - c.finished - c.failed).toBeLessThanOrEqual(kind === 'instance' ? 20 : 5);
      }
    }
    // A sweep lists six kinds of things (at least a call each) and reads the quotas; a pass about one database makes a few calls
    // (shipper: the database, its automated and manual snapshots, the quotas; vault: its copies and the quotas).
    expect(r.describeCalls.shipper.sweep).toBeGreaterThanOrEqual(7 * r.passes.shipper.sweep);
    for (const t of ['event-0091', 'event-0169', 'event-0197', 'successor'] as const) expect(r.describeCalls.shipper[t]).toBe(4 * r.passes.shipper[t]);
    expect(r.describeCalls.vault.sweep).toBeGreaterThanOrEqual(5 * r.passes.vault.sweep);
    for (const t of ['announcement', 'event-0197', 'successor'] as const) expect(r.describeCalls.vault[t]).toBe(2 * r.passes.vault[t]);
    // Every planner call is one pass.
    expect(r.plannerCalls.shipper).toBe(sum(r.passes.shipper));
    expect(r.plannerCalls.vault).toBe(sum(r.passes.vault));
    // The vault copies only what the shipper shared; no copy is made twice.
    expect(r.final.vaultCopiesCreated).toBeLessThanOrEqual(r.final.shipperCopiesCreated);
    expect(r.final.vaultCopiesCreated).toBeGreaterThanOrEqual(144);
  });

  test('no more copies are in flight than AWS allows, and retention holds', () => {
    expect(r.options).toMatchObject({ shipperTriggers: SHIPPER_TRIGGERS, vaultTriggers: VAULT_TRIGGERS, successors: true });
    for (const side of ['shipper', 'vault'] as const) {
      expect(r.copies[side].instance.maxInFlight).toBeLessThanOrEqual(20);
      expect(r.copies[side].cluster.maxInFlight).toBeLessThanOrEqual(5);
    }
    // The shipper trims its copies by its 2-day retention; the vault keeps all of its (31 days).
    expect(r.deletions.shipper.expired).toBeGreaterThan(0);
    expect(r.final.liveManualSnapshots).toBeLessThanOrEqual(3 * 48);
    expect(r.deletions.vault.expired ?? 0).toBe(0);
    expect(r.final.vaultAvailable).toBe(r.final.vaultSnapshots);
  });

  test('is deterministic for a seed, and the seed matters', () => {
    expect(deterministicPart(simulate(SMALL))).toEqual(deterministicPart(r));
    expect(simulate({ ...SMALL, seed: 8 }).perDay).not.toEqual(r.perDay);
  });

  test('the result is JSON', () => {
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});

describe('simulation controls: the properties above can fail', () => {
  test('with one copy in flight per handler, the planners throttle and 100 databases no longer make it within 24 hours', () => {
    // Full reconciles on every event: every pass sees the copies in flight, so the planners' budget is the limit.
    // (Today's event passes are partial: RDS's 20, not the planner's budget, limits them.)
    const base = { seed: 3, instances: 100, clusters: 0, days: 2, ...FULL_RECONCILE };
    const ok = simulate(base);
    expect(ok.daysOver24h).toEqual([]);
    expect(ok.latency.all.maxMinutes!).toBeLessThan(HOURS_24);

    const throttled = simulate({ ...base, shipper: { maxCopiesInFlight: 1 }, vault: { maxCopiesInFlight: 1 } });
    // The budget reaches the planners: they never plan more than one copy in flight ...
    expect(throttled.copies.shipper.instance.maxInFlight).toBe(1);
    expect(throttled.copies.vault.instance.maxInFlight).toBeLessThanOrEqual(20); // announcements are partial: RDS, not the planner, limits them
    expect(throttled.copies.shipper.instance.started).toBeLessThan(ok.copies.shipper.instance.started);
    // ... and so the latency grows past a day, and the properties of the baseline fail.
    expect(throttled.daysOver24h.length).toBeGreaterThan(0);
    expect(throttled.latency.all.over24h).toBeGreaterThan(0);
    expect(throttled.latency.all.p50Minutes!).toBeGreaterThan(4 * ok.latency.all.p50Minutes!);
    // The recovery point alarms would fire.
    expect(ok.staleness.samplesWithSomeBehind).toBe(0);
    expect(throttled.staleness.samplesWithSomeBehind).toBeGreaterThan(0);
    expect(throttled.shipperStaleness.daysWithSomeBehind.length).toBeGreaterThan(0);
  });

  test('without sweeps and with every RDS event lost, nothing is shipped: never-shipped databases are reported', () => {
    const r = simulate({ seed: 1, instances: 10, clusters: 2, days: 2, shipperSweepMinutes: 0, vaultSweepMinutes: 0, eventLossRate: 1 });
    expect(r.neverShipped).toHaveLength(12);
    expect(r.latency.all).toMatchObject({ snapshots: 24, arrived: 0, never: 24, maxMinutes: null });
    expect(r.daysOver24h).toEqual([1, 2]);
    expect(r.staleness.withoutCopy).toBe(true);
    expect(r.plannerCalls).toEqual({ shipper: 0, vault: 0 });
  });

  test('without sweeps, a finished cluster copy wakes nothing: a cluster waits for the next snapshot event', () => {
    // The vault keeps its sweep: a database's first copy waits for it (only a sweep can count a source's lineages).
    const noSweeps = { seed: 1, instances: 0, days: 3, shipperSweepMinutes: 0, eventLossRate: 0 };
    // One cluster: its copy, started on day d's event, is shared on day d+1's, more than 24 hours after its snapshot.
    const alone = simulate({ ...noSweeps, clusters: 1 });
    expect(alone.events.emitted['0197-live'] + alone.events.emitted['0197-vault']).toBe(0);
    expect(alone.latency.cluster.arrived).toBeGreaterThan(0);
    expect(alone.latency.cluster.maxMinutes!).toBeGreaterThan(HOURS_24);
    expect(alone.daysOver24h.length).toBeGreaterThan(0);
    // Five clusters, with the earlier handlers: each event woke a full reconcile, which also shared the other clusters' finished copies.
    const five = simulate({ ...noSweeps, clusters: 5, ...FULL_RECONCILE });
    expect(five.daysOver24h).toEqual([]);
    // Today's events list only their own database: each cluster waits for its own next event again.
    const perDatabase = simulate({ ...noSweeps, clusters: 5 });
    expect(perDatabase.latency.cluster.maxMinutes!).toBeGreaterThan(HOURS_24);
    // And with hourly sweeps a lone cluster makes it.
    const swept = simulate({ seed: 1, instances: 0, clusters: 1, days: 3, eventLossRate: 0 });
    expect(swept.daysOver24h).toEqual([]);
  });

  test('failed copies are cleared and made again by the planners; every database still reaches the vault', () => {
    const r = simulate({ ...SMALL, copyFailureRate: 0.2 });
    expect(r.copies.shipper.instance.failed + r.copies.shipper.cluster.failed).toBeGreaterThan(0);
    expect(r.copies.vault.instance.failed + r.copies.vault.cluster.failed).toBeGreaterThan(0);
    expect(r.deletions.shipper.failed).toBe(r.copies.shipper.instance.failed + r.copies.shipper.cluster.failed);
    expect(r.deletions.vault.failed).toBeGreaterThan(0);
    expect(r.neverShipped).toEqual([]);
    expect(r.latency.all.never).toBe(0);
    expect(r.daysOver24h).toEqual([]);
  });
});

describe('simulation: the pass triggers are a table', () => {
  test('events that list only their database: RDS refuses what the planner could not see, and the sweeps still get everything there', () => {
    // 60 instances whose backups all fall in half an hour: more copies are due at once than RDS allows in flight.
    const burst = { ...SMALL, days: 2, instances: 60, clusters: 12, backupWindowHours: 0.5 };
    const r = simulate(burst);
    expect(r.neverShipped).toEqual([]);
    expect(r.latency.all.never).toBe(0);
    // A pass over one database cannot see the account's copies in flight: RDS refuses some, and never more than 20 / 5 are in flight.
    expect(r.copies.shipper.instance.refused + r.copies.shipper.cluster.refused).toBeGreaterThan(0);
    expect(r.copies.shipper.instance.maxInFlight).toBe(20);
    expect(r.copies.shipper.cluster.maxInFlight).toBeLessThanOrEqual(5);
    // Each event pass costs a few calls, whatever the size of the account.
    expect(r.describeCalls.shipper['event-0091']).toBe(4 * r.passes.shipper['event-0091']);
    expect(r.describeCalls.vault['event-0197']).toBe(2 * r.passes.vault['event-0197']);
    // The same load with full reconciles on every event: the planner sees every copy in flight, RDS refuses none.
    const full = simulate({ ...burst, ...FULL_RECONCILE });
    expect(full.options.shipperTriggers).toEqual(SHIPPER_TRIGGERS_FULL_RECONCILE);
    expect(full.copies.shipper.instance.refused + full.copies.shipper.cluster.refused).toBe(0);
    expect(full.copies.shipper.instance.maxInFlight).toBe(20);
    expect(full.passes.shipper.successor + full.passes.vault.successor).toBe(0);
    // And a full reconcile costs pages of the whole account; one database costs 4 calls.
    expect(full.describeCalls.shipper['event-0091'] / full.passes.shipper['event-0091']).toBeGreaterThan(4);
  });

  test('the hand-off: a finished copy gives its slot to the stalest database waiting; without it, throughput drops', () => {
    // 150 instances whose backups fall in half an hour: a queue builds up behind the 20 copies in flight, in both accounts.
    const burst = { seed: 7, instances: 150, clusters: 0, days: 3, backupWindowHours: 0.5 };
    const on = simulate(burst);
    const off = simulate({ ...burst, successors: false });
    // Sweeps deal the waiting databases out as successors; finished copies hand their slots on, in both accounts.
    expect(on.actions.shipper['set-successors']).toBeGreaterThan(0);
    expect(on.handOffs.shipper.slotsHandedOn).toBeGreaterThan(100);
    expect(on.handOffs.shipper.started).toBeGreaterThan(100);
    // Copies already in flight get their lists from set-successors actions, and hand on what those wrote.
    expect(on.handOffs.shipper.listsSetInFlight).toBeGreaterThan(0);
    expect(on.copies.shipperStartedByTrigger.successor).toBe(on.handOffs.shipper.started);
    expect(on.handOffs.vault.started).toBeGreaterThan(0);
    expect(on.passes.vault.successor).toBe(on.handOffs.vault.tries);
    expect(off.handOffs.shipper.slotsHandedOn + off.handOffs.vault.slotsHandedOn).toBe(0);
    expect(off.passes.shipper.successor + off.passes.vault.successor).toBe(0);
    // Both get everything there, but without the hand-off a freed slot waits for the next sweep: the queue drains much later.
    for (const r of [on, off]) expect(r.latency.all).toMatchObject({ snapshots: 450, arrived: 450, never: 0 });
    expect(off.latency.all.p50Minutes!).toBeGreaterThan(1.4 * on.latency.all.p50Minutes!);
    // (The longest wait is on the first day, when every database starts its lineage in the vault: those copies wait for
    // the vault's sweep, with or without the hand-off.)
    // Never more in flight than AWS allows, hand-off or not.
    for (const r of [on, off]) for (const side of ['shipper', 'vault'] as const) expect(r.copies[side].instance.maxInFlight).toBeLessThanOrEqual(20);
  });

  test('a spec that carries out no copies on announcements leaves the copying to the sweeps', () => {
    const r = simulate({ ...SMALL, vaultTriggers: { announcement: { shipped: 'announced', listing: 'database', actions: [] } } });
    expect(r.copies.vaultStartedByTrigger.announcement).toBe(0);
    expect(r.actions.skippedBySpec.vault).toBeGreaterThan(0);
    expect(r.copies.vaultStartedByTrigger.sweep + r.copies.vaultStartedByTrigger.successor).toBe(r.final.vaultCopiesCreated);
    expect(r.latency.all.never).toBe(0);
    expect(r.daysOver24h).toEqual([]);
  });

  test('a sweep must list the whole account', () => {
    expect(() => simulate({ ...SMALL, shipperTriggers: { sweep: { listing: 'database', actions: 'all' } } })).toThrow(/listing must be "account"/);
  });
});

/** Per database and interval (by the time of the call), the CreateDBSnapshot / CreateDBClusterSnapshot calls made. */
function takesPerInterval(takes: readonly TakeRecord[], schedule: RecoveryPointSchedule): Map<string, TakeRecord[]> {
  const out = new Map<string, TakeRecord[]>();
  for (const t of takes) {
    const key = `${t.database}@${new Date(slotStart(t.at, schedule)).toISOString()}`;
    out.set(key, [...(out.get(key) ?? []), t]);
  }
  return out;
}

describe('simulation: recovery points every 4 hours, 16 instances and 4 Aurora clusters over 2.5 days', () => {
  const FOUR_HOURS = { intervalMs: 4 * HOUR };
  // Sweeps every 15 minutes in both accounts (the constructs' default), and RDS's durations capped, so that the bounds below are tight.
  const RP = {
    seed: 5,
    instances: 16,
    clusters: 4,
    days: 2,
    tailHours: 12,
    shipperSweepMinutes: 15,
    vaultSweepMinutes: 15,
    copyMaxMinutes: 40,
    snapshotMaxMinutes: 15,
  } as const;
  const sub = simulate({ ...RP, recoveryPoints: FOUR_HOURS });
  const daily = simulate(RP);
  const databases = RP.instances + RP.clusters;

  /**
   * The longest a recovery point can take from the start of its interval to being shipped, from this run's own
   * durations (minutes): the first sweep of the interval takes the snapshot (a sweep period), RDS makes it
   * (snapshotMaxMinutes); its copy starts on RDS-EVENT-0042 / 0075, or at the next sweep if the event is lost (a
   * sweep period: an event's delay, 2 minutes at most, is shorter); the copy (copyMaxMinutes); it is shared and
   * announced on RDS-EVENT-0197, or at the next sweep (a sweep period; a cluster copy always waits for the sweep).
   */
  const SHIPPED_PIPELINE_MINUTES = 3 * RP.shipperSweepMinutes + RP.snapshotMaxMinutes + RP.copyMaxMinutes;
  /**
   * Then into the vault: SNS (1 minute at most), the vault copies on the announcement, or at its next sweep (a sweep
   * period: a database's first copy, or one RDS refused), and its copy (copyMaxMinutes).
   */
  const VAULT_PIPELINE_MINUTES = SHIPPED_PIPELINE_MINUTES + 1 + RP.vaultSweepMinutes + RP.copyMaxMinutes;
  /**
   * The age of a database's newest recovery point never passes the interval plus the pipeline: the point of an
   * interval is taken after the interval starts, and the next interval's point arrives at most a pipeline after the
   * next interval starts. (A p99, not a max: rarely, a point's copy waits for the copy of the database's automated
   * snapshot still in flight, one copy per database; RDS refused none here.)
   */
  const bound = (pipelineMinutes: number) => FOUR_HOURS.intervalMs / HOUR + pipelineMinutes / 60;

  test('snapshots are taken only with recoveryPoints, of instances and clusters; RDS refuses none, and each is deleted once shipped', () => {
    for (const kind of ['instance', 'cluster'] as const) {
      expect(daily.recoveryPoints.snapshots[kind]).toMatchObject({ planned: 0, taken: 0 });
      const s = sub.recoveryPoints.snapshots[kind];
      expect(s.taken).toBeGreaterThan(0);
      expect(s.taken + s.exists + s.refusedBusy + s.databaseMissing).toBe(s.planned);
      expect(s).toMatchObject({ exists: 0, refusedBusy: 0, databaseMissing: 0, failed: 0, deleteRefused: 0, deletedWhileCopying: 0 });
      expect(s.finished).toBeLessThanOrEqual(s.taken);
      expect(s.copiesStarted).toBeGreaterThan(0.9 * s.taken);
      expect(s.deleted).toBeLessThanOrEqual(s.finished);
    }
    expect(daily.recoveryPoints.takes).toEqual([]);
    expect(daily.events.emitted['0042'] + daily.events.emitted['0075']).toBe(0);
    // Each snapshot, once made, says so: RDS-EVENT-0042 for a DB snapshot, RDS-EVENT-0075 for a DB cluster snapshot.
    expect(sub.events.emitted['0042']).toBe(sub.recoveryPoints.snapshots.instance.finished);
    expect(sub.events.emitted['0075']).toBe(sub.recoveryPoints.snapshots.cluster.finished);
    // 60 hours of 4-hour intervals: each database gets a snapshot in most of its 15 (the automated one stands in for one a day).
    const perDatabase = new Map<string, number>();
    for (const t of sub.recoveryPoints.takes) perDatabase.set(t.database, (perDatabase.get(t.database) ?? 0) + 1);
    expect(perDatabase.size).toBe(databases);
    expect(Math.min(...perDatabase.values())).toBeGreaterThanOrEqual(12);
    // Copies of taken snapshots found their source, and Live keeps little: what was shipped is gone.
    expect(sub.copies.shipper.instance.sourceMissing + sub.copies.shipper.cluster.sourceMissing).toBe(0);
    expect(sub.deletions.shipper.shipped).toBeGreaterThan(0);
    expect(sub.recoveryPoints.heldAtEnd).toBeLessThanOrEqual(databases);
    expect(sub.neverShipped).toEqual([]);
  });

  test('no database gets two snapshots in one interval: one CreateDBSnapshot call per database and interval', () => {
    const calls = takesPerInterval(sub.recoveryPoints.takes, FOUR_HOURS);
    expect(calls.size).toBe(sub.recoveryPoints.takes.length);
    expect(Math.max(...[...calls.values()].map((c) => c.length))).toBe(1);
    // The name says the interval the planner took it for: the one it was taken in.
    for (const t of sub.recoveryPoints.takes) {
      expect(t.identifier).toBe(recoveryPointIdentifier(t.database, new Date(slotStart(t.at, FOUR_HOURS))));
    }
  });

  test('each recovery point is copied once in Live: never again once a newer one is shipped', () => {
    // One copy per automated snapshot and per snapshot taken, at most (no copy failed). A planner that copied the newest
    // automated snapshot again after a newer taken one was shipped and deleted (its copy trimmed) would copy it every sweep.
    for (const r of [sub, daily]) {
      const points = r.events.emitted['0091'] + r.events.emitted['0169'] + r.recoveryPoints.snapshots.instance.taken + r.recoveryPoints.snapshots.cluster.taken;
      expect(r.copies.shipper.instance.started + r.copies.shipper.cluster.started).toBeLessThanOrEqual(points);
    }
  });

  test('Live ships a recovery point every interval: its RPO stays within the interval plus the shipper\'s pipeline; daily shipping\'s does not', () => {
    expect(sub.rpo.shipped.samples).toBe(databases * 36 * 4); // every 15 minutes from hour 24 to hour 60
    expect(sub.rpo.shipped.p99Hours!).toBeLessThan(bound(SHIPPED_PIPELINE_MINUTES));
    expect(sub.rpo.shipped.p50Hours!).toBeLessThan(4);
    // Daily: the automated snapshots only, a day apart.
    expect(daily.rpo.shipped.p50Hours!).toBeGreaterThan(4);
    expect(daily.rpo.vault.p50Hours!).toBeGreaterThan(4);
    expect(daily.rpo.vault.p99Hours!).toBeGreaterThan(bound(VAULT_PIPELINE_MINUTES));
    // The vault is never ahead of what Live shipped.
    for (const r of [sub, daily]) expect(r.rpo.vault.p50Hours!).toBeGreaterThanOrEqual(r.rpo.shipped.p50Hours!);
  });

  // Fails today: the vault copies at most one recovery point per database and UTC day (`lineage-day-taken` in
  // src/runtime/vault-plan.ts), so the points taken every 4 hours are shipped but not held: the vault's RPO stays daily
  // (p99 about 24.7 hours here). Make it a plain `test` once the vault holds them.
  test('the vault holds a recovery point of every interval: its p99 RPO stays within the interval plus the whole pipeline', () => {
    expect(sub.rpo.vault.p99Hours!).toBeLessThan(bound(VAULT_PIPELINE_MINUTES));
  });

  test('under keys the vault may use, the snapshots taken are shared as they are: no copy of them in Live, and the vault still holds every interval', () => {
    const shared = simulate({ ...RP, recoveryPoints: FOUR_HOURS, shareableShare: 1 });
    // Control: under aws/rds, every recovery point taken is copied in Live.
    const taken = (r: SimulationResult) => r.recoveryPoints.snapshots.instance.finished + r.recoveryPoints.snapshots.cluster.finished;
    expect(sub.copyCost.live.copiesOfTaken).toBeGreaterThan(0.9 * taken(sub));
    for (const kind of ['instance', 'cluster'] as const) {
      const s = shared.recoveryPoints.snapshots[kind];
      expect(s.taken).toBeGreaterThan(0);
      expect(s).toMatchObject({ copiesStarted: 0, exists: 0, refusedBusy: 0, databaseMissing: 0, failed: 0 });
    }
    // Live copies only the automated snapshots (RDS never shares one), at most one copy each.
    expect(shared.copyCost.live.copiesOfTaken).toBe(0);
    expect(shared.copyCost.live.copies).toBeGreaterThan(0);
    expect(shared.copyCost.live.copies).toBeLessThanOrEqual(shared.events.emitted['0091'] + shared.events.emitted['0169']);
    // What is taken is shared, announced, accepted and copied by the vault: a recovery point of every interval.
    expect(shared.announcements.rejected).toBe(0);
    expect(shared.copyCost.vault.copiesOfShared).toBeGreaterThan(0.9 * taken(shared));
    expect(shared.copies.vault.instance.sourceMissing + shared.copies.vault.cluster.sourceMissing).toBe(0);
    expect(shared.neverShipped).toEqual([]);
    expect(shared.rpo.vault.p99Hours!).toBeLessThan(bound(VAULT_PIPELINE_MINUTES));
    // And Live spends far less time copying.
    expect(shared.copyCost.live.copyHours).toBeLessThan(sub.copyCost.live.copyHours / 2);
  });
});

describe('simulation: recovery points every hour, when the pipeline cannot keep up and RDS fails snapshots', () => {
  // 40 instances, 5 copies in flight for the planner's sweeps, 20 % of snapshots failing.
  const HOURLY = { intervalMs: HOUR };
  const r = simulate({
    seed: 2,
    instances: 40,
    clusters: 0,
    days: 1,
    tailHours: 6,
    shipperSweepMinutes: 15,
    vaultSweepMinutes: 15,
    recoveryPoints: HOURLY,
    snapshotFailureRate: 0.2,
    shipper: { maxCopiesInFlight: 5 },
  });

  test('failed snapshots are deleted and taken again; still no database gets two snapshots made in one interval', () => {
    const s = r.recoveryPoints.snapshots.instance;
    expect(s.failed).toBeGreaterThan(0);
    // Every failed snapshot is deleted by the next sweep: all but those that failed after the last one.
    expect(r.deletions.shipper.failed).toBeLessThanOrEqual(s.failed);
    expect(r.deletions.shipper.failed).toBeGreaterThanOrEqual(s.failed - 40);
    // The failed snapshot is deleted before its interval's is taken again, in the same pass: its name is free.
    expect(s.exists).toBe(0);
    expect(s.refusedBusy).toBe(0);
    for (const calls of takesPerInterval(r.recoveryPoints.takes, HOURLY).values()) {
      expect(calls.filter((t) => t.outcome === 'taken' && t.ended !== 'failed').length).toBeLessThanOrEqual(1);
    }
    expect(r.neverShipped).toEqual([]);
  });

  test('the bound can fail: when throughput does not suffice, databases skip intervals and the shipped RPO passes the interval plus the pipeline', () => {
    const takenPerDatabasePerHour = r.recoveryPoints.snapshots.instance.taken / 40 / r.simulatedHours;
    expect(takenPerDatabasePerHour).toBeLessThan(0.5);
    expect(r.rpo.shipped.p99Hours!).toBeGreaterThan(1 + 100 / 60);
  });
});

describe('simulation: recovery points every hour over capacity, 200 instances and 4 copy slots (1,000 and 20, to scale)', () => {
  // 200 databases with 4 copies in flight load each account as 1,000 do with RDS's 20: more points are due than are
  // copied (the RPO table's 1,000-instance rows, in seconds). The vault starts each database's lineage in the first
  // day or two, while announcements and successors of the hourly points take every slot as it frees.
  const SCALE = {
    seed: 1,
    instances: 200,
    clusters: 0,
    days: 3,
    tailHours: 0,
    shipperSweepMinutes: 15,
    vaultSweepMinutes: 15,
    rdsCopiesInFlight: 4,
    shipper: { maxCopiesInFlight: 4 },
    vault: { maxCopiesInFlight: 4 },
  } as const;
  const hourly = simulate({ ...SCALE, recoveryPoints: { intervalMs: HOUR } });
  const daily = simulate(SCALE);

  test('the vault\'s worst database is no worse off than with daily shipping: one it holds nothing of does not wait for a free sweep', () => {
    // Over capacity: each database gets far fewer than its 24 points a day into the vault, and RDS refuses copies.
    const perDatabaseAndDay = hourly.copies.vault.instance.finished / SCALE.instances / (hourly.simulatedHours / 24);
    expect(perDatabaseAndDay).toBeLessThan(3);
    expect(hourly.copies.vault.instance.maxInFlight).toBe(4);
    expect(hourly.copies.vault.instance.refused).toBeGreaterThan(0);
    // Before the fix the vault's max was 51 hours here (daily: 36), p99 35.6 (33.7): databases it held nothing of
    // waited for a sweep to find a slot free, while the slots went to the hourly points of those it held.
    expect(hourly.rpo.vault.maxHours!).toBeLessThanOrEqual(daily.rpo.vault.maxHours!);
    expect(hourly.rpo.vault.p99Hours!).toBeLessThanOrEqual(daily.rpo.vault.p99Hours!);
    expect(hourly.staleness.withoutCopy).toBe(false);
    // The hand-on started them: successors took slots, and found a successor that needed one in nearly every slot.
    expect(hourly.handOffs.vault.started).toBeGreaterThan(0);
    expect(hourly.handOffs.vault.unused).toBeLessThan(0.05 * hourly.handOffs.vault.slotsHandedOn);
  });
});
