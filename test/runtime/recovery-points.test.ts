/**
 * Recovery points more often than daily: the shipper takes its own snapshot of
 * each selected database once per interval, ships it like an automated one,
 * and keeps little in Live.
 */
import * as fc from 'fast-check';
import { automated, config, copyOf, instance, LIVE, NOW, OWNER, REGION, state } from './fixtures';
import { recoveryPointIdentifier, shippingCopyIdentifier } from '../../src/runtime/naming';
import { slotStart } from '../../src/runtime/recovery-points';
import { DbSnapshot, planShipper, ShipperAction, ShipperPlanConfig, ShipperState } from '../../src/runtime/shipper-plan';
import { TagKeys } from '../../src/runtime/tags';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const FOUR_HOURS = { intervalMs: 4 * HOUR };
const subDaily = (extra: Partial<ShipperPlanConfig> = {}) => config({ recoveryPoints: FOUR_HOURS, ...extra });
const of = (plan: ReturnType<typeof planShipper>, type: ShipperAction['type']) => plan.actions.filter((a) => a.type === type);
const codes = (plan: ReturnType<typeof planShipper>) => plan.findings.map((f) => f.code);
/** NOW is 12:00 UTC: the 4-hour slot started at 12:00. */
const SLOT = new Date(slotStart(NOW.getTime(), FOUR_HOURS));

/** A snapshot the shipper took of `db` for the slot starting at `slot`, RDS having started it `delayMs` later. */
function taken(db: string, slot: Date, opts: { status?: string; delayMs?: number } = {}): DbSnapshot {
  const identifier = recoveryPointIdentifier(db, slot);
  return {
    identifier,
    arn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:${identifier}`,
    dbIdentifier: db,
    type: 'manual',
    status: opts.status ?? 'available',
    createTime: new Date(slot.getTime() + (opts.delayMs ?? 5 * MINUTE)),
    encrypted: true,
    kmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/database',
    engine: 'postgres',
    tags: { [TagKeys.OWNER]: OWNER, [TagKeys.SOURCE_DATABASE]: db, [TagKeys.RECOVERY_POINT]: slot.toISOString() },
  };
}

/** The shipping copy of a snapshot, announced at `announcedAt` unless it is not announced. */
function shipped(source: DbSnapshot, announcedAt?: Date, status = 'available'): DbSnapshot {
  const copy = copyOf(source, shippingCopyIdentifier(source.dbIdentifier, source.createTime!), { status });
  return announcedAt ? { ...copy, tags: { ...copy.tags, [TagKeys.ANNOUNCED]: announcedAt.toISOString() } } : copy;
}

describe('slots', () => {
  test('an interval that divides a day starts its slots at the same UTC times every day, shifted by the offset', () => {
    expect(new Date(slotStart(Date.parse('2026-11-20T13:59:00Z'), FOUR_HOURS)).toISOString()).toBe('2026-11-20T12:00:00.000Z');
    expect(new Date(slotStart(Date.parse('2026-11-20T13:59:00Z'), { intervalMs: 4 * HOUR, offsetMs: 30 * MINUTE })).toISOString()).toBe('2026-11-20T12:30:00.000Z');
    expect(new Date(slotStart(Date.parse('2026-11-20T12:29:00Z'), { intervalMs: 4 * HOUR, offsetMs: 30 * MINUTE })).toISOString()).toBe('2026-11-20T08:30:00.000Z');
  });

  test('a taken snapshot is named for its database and slot, to the minute, and never like a copy', () => {
    expect(recoveryPointIdentifier('Orders', SLOT)).toBe('failsafe-orders-20261120-1200');
    expect(shippingCopyIdentifier('orders', SLOT)).toBe('failsafe-orders-20261120-120000');
  });
});

describe('planShipper: taking recovery points', () => {
  test('takes a snapshot of a database with no recovery point in the current slot, named for the slot, with the ownership tag', () => {
    const plan = planShipper(subDaily(), state({ automatedSnapshots: [automated('orders', 0.5)] }));
    const snapshots = of(plan, 'snapshot');
    expect(snapshots).toEqual([{
      type: 'snapshot',
      database: 'orders',
      kind: 'instance',
      targetIdentifier: 'failsafe-orders-20261120-1200',
      tags: { [TagKeys.OWNER]: OWNER, [TagKeys.SOURCE_DATABASE]: 'orders', [TagKeys.RECOVERY_POINT]: '2026-11-20T12:00:00.000Z' },
    }]);
  });

  test('without a recovery point interval, no snapshot is taken: shipping stays on automated snapshots', () => {
    const plan = planShipper(config(), state({ automatedSnapshots: [automated('orders', 0.5)] }));
    expect(of(plan, 'snapshot')).toEqual([]);
    expect(of(plan, 'copy')).toHaveLength(1);
  });

  test('a database with a recovery point in the slot gets none: taken (in any state), shipped, or automated', () => {
    const points: Array<[string, Partial<ShipperState>]> = [
      ['taken, still creating', { manualSnapshots: [taken('orders', SLOT, { status: 'creating' })] }],
      ['automated since the slot started', { automatedSnapshots: [{ ...automated('orders', 0), createTime: new Date(SLOT.getTime() + MINUTE) }] }],
    ];
    for (const [name, s] of points) {
      const plan = planShipper(subDaily(), state(s));
      expect({ name, taken: of(plan, 'snapshot') }).toEqual({ name, taken: [] });
    }
  });

  test('a database whose previous taken snapshot is not shipped yet waits for it: one waiting per database', () => {
    const previous = taken('orders', new Date(SLOT.getTime() - 4 * HOUR));
    const plan = planShipper(subDaily(), state({ manualSnapshots: [previous, shipped(previous, undefined, 'creating')] }));
    expect(of(plan, 'snapshot')).toEqual([]);
    expect(codes(plan)).toContain('recovery-point-waits-for-previous');
  });

  test('a database that is not available gets no snapshot now, and a finding says why', () => {
    const plan = planShipper(subDaily(), state({ instances: [instance('orders', { status: 'modifying' })] }));
    expect(of(plan, 'snapshot')).toEqual([]);
    expect(plan.findings.find((f) => f.code === 'database-not-available')?.message).toMatch(/orders is modifying/);
  });

  test('a pass about one database (an RDS event) takes none: the copies in flight of the account are unknown', () => {
    const plan = planShipper(subDaily(), state({ partial: true }));
    expect(of(plan, 'snapshot')).toEqual([]);
  });

  test('Aurora clusters are snapshotted with their own kind', () => {
    const cluster = { ...instance('ledger', { engine: 'aurora-postgresql' }), kind: 'cluster' as const };
    const plan = planShipper(subDaily({ selection: { clusterIdentifiers: ['ledger'] } }), state({ instances: [cluster] }));
    expect(of(plan, 'snapshot')).toEqual([expect.objectContaining({ kind: 'cluster', database: 'ledger', targetIdentifier: 'failsafe-ledger-20261120-1200' })]);
  });

  test('a bounded queue: the taken snapshots waiting for a copy stay within maxCopiesInFlight, stalest first; copies in flight do not count', () => {
    const dbs = ['a', 'b', 'c', 'd', 'e', 'f'];
    const previousSlot = new Date(SLOT.getTime() - 4 * HOUR);
    // a: its previous snapshot is still being taken, and waits for a copy; f: a copy of its previous one is in flight.
    // b: shipped 4 hours ago; c: shipped 8 hours ago; d, e: never shipped.
    const fPrevious = taken('f', previousSlot);
    const bPrevious = taken('b', previousSlot);
    const cPrevious = taken('c', new Date(previousSlot.getTime() - 4 * HOUR));
    const plan = planShipper(subDaily({ maxCopiesInFlight: 3, selection: { identifiers: dbs } }), state({
      instances: dbs.map((d) => instance(d)),
      manualSnapshots: [
        taken('a', previousSlot, { status: 'creating' }), fPrevious, shipped(fPrevious, undefined, 'creating'),
        shipped(bPrevious, previousSlot), shipped(cPrevious, previousSlot),
      ],
    }));
    // One place of three is a's: two snapshots, for the never-shipped d and e.
    expect(of(plan, 'snapshot').map((a) => a.database)).toEqual(['d', 'e']);
    expect(plan.findings.filter((f) => f.code === 'recovery-point-deferred').map((f) => f.database)).toEqual(['c', 'b']);
  });

  test('the manual snapshot quota bounds the snapshots taken, as it bounds copies', () => {
    const dbs = ['a', 'b', 'c'];
    const plan = planShipper(subDaily({ manualSnapshotQuota: 2, selection: { identifiers: dbs } }), state({
      instances: dbs.map((d) => instance(d)),
    }));
    expect(of(plan, 'snapshot').map((a) => a.database)).toEqual(['a', 'b']);
    expect(plan.findings.find((f) => f.code === 'recovery-point-deferred')?.message).toMatch(/may hold 2/);
  });
});

describe('planShipper: shipping what was taken', () => {
  test('an available taken snapshot is copied under the shipping key, and its copy records its time as the recovery point', () => {
    const point = taken('orders', SLOT);
    const plan = planShipper(subDaily(), state({ automatedSnapshots: [automated('orders', 0.5)], manualSnapshots: [point] }));
    const copies = of(plan, 'copy');
    expect(copies).toEqual([expect.objectContaining({
      source: point,
      encrypt: true,
      targetIdentifier: shippingCopyIdentifier('orders', point.createTime!),
      tags: expect.objectContaining({ [TagKeys.SOURCE_SNAPSHOT]: point.identifier, [TagKeys.SOURCE_TIME]: point.createTime!.toISOString() }),
    })]);
  });

  test('a taken snapshot is never shared or announced itself: only its copy is', () => {
    const point = taken('orders', SLOT);
    const plan = planShipper(subDaily(), state({ manualSnapshots: [point] }));
    expect(plan.actions.filter((a) => 'snapshot' in a && a.snapshot.identifier === point.identifier && a.type === 'share-and-announce')).toEqual([]);
  });

  test('a taken snapshot goes once its copy is shipped, not while the copy is being made or waits to be announced', () => {
    const point = taken('orders', SLOT);
    const deletes = (copy: DbSnapshot) => of(planShipper(subDaily(), state({ manualSnapshots: [point, copy] })), 'delete')
      .map((a) => (a.type === 'delete' ? `${a.snapshot.identifier}:${a.cause}` : ''));
    expect(deletes(shipped(point, undefined, 'creating'))).toEqual([]);
    expect(deletes(shipped(point))).toEqual([]);
    expect(deletes(shipped(point, NOW))).toEqual([`${point.identifier}:shipped`]);
  });

  test('a taken snapshot overtaken by a newer shipped point goes; a failed one goes at once, loudly', () => {
    const old = taken('orders', new Date(SLOT.getTime() - 8 * HOUR));
    const newer = automated('orders', 0);
    const failed = taken('orders', SLOT, { status: 'failed' });
    const plan = planShipper(subDaily(), state({ automatedSnapshots: [newer], manualSnapshots: [old, shipped(newer, NOW), failed] }));
    expect(of(plan, 'delete').map((a) => (a.type === 'delete' ? `${a.snapshot.identifier}:${a.cause}` : ''))).toEqual(
      [`${old.identifier}:shipped`, `${failed.identifier}:failed`],
    );
    expect(plan.findings.find((f) => f.code === 'recovery-point-failed')?.level).toBe('error');
  });

  test('taken snapshots of a database no longer selected go, unless the databases could not be read', () => {
    const point = taken('other', SLOT);
    const withOther = [instance('orders'), instance('other')];
    expect(of(planShipper(subDaily(), state({ instances: withOther, manualSnapshots: [point] })), 'delete')).toEqual([expect.objectContaining({ cause: 'deselected' })]);
    expect(of(planShipper(subDaily(), state({ manualSnapshots: [point], instances: [], databasesUnreachable: 'down' })), 'delete')).toEqual([]);
  });

  test('the taken snapshot of a database that is gone is kept: it is its newest recovery point', () => {
    const point = taken('orders', SLOT);
    const plan = planShipper(subDaily(), state({ instances: [], manualSnapshots: [point] }));
    expect(of(plan, 'delete')).toEqual([]);
    expect(codes(plan)).toContain('database-not-found');
  });

  test('invariant 3 holds as for daily shipping: a shared copy goes only once older than the retention, and a newer shared copy exists', () => {
    // The vault copies in its own account, which Live cannot see; RDS terminates a copy whose source is deleted.
    const day = 24 * HOUR;
    const older = (hours: number) => taken('orders', new Date(SLOT.getTime() - hours * HOUR));
    const expiring = (points: DbSnapshot[]) => of(planShipper(subDaily({ retentionMs: day }), state({
      manualSnapshots: points.map((p) => shipped(p, p.createTime)),
    })), 'delete').map((a) => (a.type === 'delete' ? a.snapshot.identifier : ''));
    // Four hours old, and 20: within the day's retention, both kept.
    expect(expiring([older(20), older(4)])).toEqual([]);
    // 28 hours old, with a newer one shared: it goes. The newest shared goes never.
    expect(expiring([older(28), older(4)])).toEqual([shippingCopyIdentifier('orders', older(28).createTime!)]);
    expect(expiring([older(28)])).toEqual([]);
  });
});

describe('planShipper: snapshots under a key the vault may use are shared as they are', () => {
  const DB_KEY = 'arn:aws:kms:eu-west-1:111111111111:key/database';
  const direct = (extra: Partial<ShipperPlanConfig> = {}) => subDaily({ shareableKeyArns: [DB_KEY], ...extra });

  test('a taken snapshot under a shareable key is shared and announced itself, with no copy in Live', () => {
    const point = taken('orders', SLOT);
    const plan = planShipper(direct(), state({ manualSnapshots: [point] }));
    expect(plan.actions.map((a) => a.type)).toEqual(['share-and-announce']);
    expect(plan.actions[0]).toMatchObject({ snapshot: { identifier: point.identifier } });
  });

  test('under any other key (aws/rds, or a key not declared shareable) it is copied under the shipping key', () => {
    const point = { ...taken('orders', SLOT), kmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/aws-rds-default' };
    const plan = planShipper(direct(), state({ manualSnapshots: [point] }));
    expect(plan.actions.map((a) => a.type)).toEqual(['copy']);
  });

  test('once shared it is the database\'s recovery point: nothing older is copied, and it goes only once a newer one has been shared for an interval', () => {
    const point = { ...taken('orders', SLOT), tags: { ...taken('orders', SLOT).tags, [TagKeys.ANNOUNCED]: NOW.toISOString() } };
    const olderAutomated = automated('orders', 0.5);
    const plan = planShipper(direct(), state({ automatedSnapshots: [olderAutomated], manualSnapshots: [point] }));
    expect(plan.actions).toEqual([]);
    expect(codes(plan)).toContain('newer-point-shipped');
    expect(plan.shipped).toEqual([{ database: 'orders', time: point.createTime }]);
  });

  test('a failed snapshot shared as it is is deleted before its interval\'s is taken again, in the same pass', () => {
    const failed = taken('orders', SLOT, { status: 'failed' });
    const plan = planShipper(direct(), state({ instances: [instance('orders', { kmsKeyId: DB_KEY })], manualSnapshots: [failed] }));
    expect(plan.actions.map((a) => `${a.type}:${'snapshot' in a ? a.snapshot.identifier : a.targetIdentifier}`)).toEqual([
      `delete:${failed.identifier}`, `snapshot:${failed.identifier}`,
    ]);
  });

  test('databases whose snapshots are shared as they are need no place in the queue for copies: only the others wait for it', () => {
    const dbs = ['a', 'b', 'c', 'w'];
    const encryptedWith = (key: string) => (d: string) => instance(d, { kmsKeyId: d === 'c' || d === 'w' ? 'arn:aws:kms:eu-west-1:111111111111:key/other' : key });
    // w's previous snapshot, under a key the vault may not use, is still being taken: the one place in the queue is its.
    const waiting = { ...taken('w', new Date(SLOT.getTime() - 4 * HOUR), { status: 'creating' }), kmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/other' };
    const plan = planShipper(direct({ maxCopiesInFlight: 1, selection: { identifiers: dbs } }), state({
      instances: dbs.map(encryptedWith(DB_KEY)),
      manualSnapshots: [waiting],
    }));
    expect(of(plan, 'snapshot').map((a) => a.database)).toEqual(['a', 'b']);
    expect(plan.findings.filter((f) => f.code === 'recovery-point-deferred').map((f) => f.database)).toEqual(['c']);
  });
});

/**
 * A small model of one Live account under the planner: RDS takes a snapshot
 * in `takeMs` and copies it in `copyMs`; a sweep runs every 15 minutes and
 * carries out every action at once. It records every snapshot taken and every
 * recovery point shipped.
 */
interface LiveModel {
  readonly dbs: number;
  readonly intervalMs: number;
  readonly takeMs: number;
  readonly copyMs: number;
  readonly maxCopiesInFlight: number;
  readonly hours: number;
  readonly offsetMs?: number;
}

function runLive(options: LiveModel) {
  const dbs = Array.from({ length: options.dbs }, (_, i) => `db${String(i).padStart(4, '0')}`);
  const schedule = { intervalMs: options.intervalMs, offsetMs: options.offsetMs };
  const cfg = config({
    retentionMs: 86_400_000,
    recoveryPoints: schedule,
    maxCopiesInFlight: options.maxCopiesInFlight,
    manualSnapshotQuota: undefined,
    selection: { identifiers: dbs },
  });
  const manual = new Map<string, DbSnapshot & { readyAt: number }>();
  const takes: Array<{ database: string; slot: number; at: number }> = [];
  const shippedPoints: Array<{ database: string; time: number; at: number }> = [];
  const start = Date.parse('2026-11-20T00:07:00Z');
  for (let now = start; now < start + options.hours * HOUR; now += 15 * MINUTE) {
    for (const [id, s] of manual) if (s.status !== 'available' && s.readyAt <= now) manual.set(id, { ...s, status: 'available' });
    const plan = planShipper(cfg, state({
      now: new Date(now),
      instances: dbs.map((d) => instance(d)),
      manualSnapshots: [...manual.values()],
      quotas: { instance: { used: manual.size, max: 100_000 } },
    }));
    for (const a of plan.actions) {
      if (a.type === 'snapshot') {
        // Every snapshot the planner asks for counts, also one RDS would refuse as already taken.
        takes.push({ database: a.database, slot: slotStart(now, schedule), at: now });
        if (manual.has(a.targetIdentifier)) continue;
        manual.set(a.targetIdentifier, {
          identifier: a.targetIdentifier,
          arn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:${a.targetIdentifier}`,
          dbIdentifier: a.database,
          type: 'manual',
          status: 'creating',
          createTime: new Date(now),
          encrypted: true,
          engine: 'postgres',
          tags: a.tags,
          readyAt: now + options.takeMs,
        });
      } else if (a.type === 'copy') {
        manual.set(a.targetIdentifier, {
          ...a.source,
          identifier: a.targetIdentifier,
          arn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:${a.targetIdentifier}`,
          status: 'creating',
          createTime: new Date(now),
          tags: a.tags,
          readyAt: now + options.copyMs,
        });
      } else if (a.type === 'share-and-announce') {
        const s = manual.get(a.snapshot.identifier)!;
        manual.set(s.identifier, { ...s, tags: { ...s.tags, [TagKeys.ANNOUNCED]: new Date(now).toISOString() } });
        shippedPoints.push({ database: a.database, time: Date.parse(s.tags[TagKeys.SOURCE_TIME]), at: now });
      } else if (a.type === 'delete') {
        manual.delete(a.snapshot.identifier);
      }
    }
  }
  return { dbs, takes, shippedPoints, manual, start };
}

describe('scheduling recovery points (properties)', () => {
  test('a pass never takes two snapshots of one database in one interval, whatever the timings', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 30 }), fc.constantFrom(1, 2, 4, 6), fc.integer({ min: 1, max: 120 }), fc.integer({ min: 1, max: 240 }),
      fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 59 }),
      (dbs, hours, takeMin, copyMin, maxCopiesInFlight, offsetMin) => {
        const timings = { takeMs: takeMin * MINUTE, copyMs: copyMin * MINUTE, offsetMs: offsetMin * MINUTE };
        const run = runLive({ dbs, intervalMs: hours * HOUR, maxCopiesInFlight, hours: 30, ...timings });
        const perSlot = new Set<string>();
        for (const t of run.takes) {
          const key = `${t.database}@${t.slot}`;
          if (perSlot.has(key)) return false;
          perSlot.add(key);
        }
        return true;
      },
    ), { numRuns: 40 });
  });

  test('while throughput suffices, every database gets a recovery point shipped in every interval', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 40 }), fc.constantFrom(1, 2, 4, 6, 12), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 30 }),
      (dbs, hours, takeMin, copyMin) => {
        const intervalMs = hours * HOUR;
        const maxCopiesInFlight = 20;
        // Each point holds a pipeline slot from the sweep that takes it to the sweep that announces it.
        const sweeps = (ms: number) => Math.ceil(ms / (15 * MINUTE)) * 15 * MINUTE;
        const perPoint = sweeps(takeMin * MINUTE) + sweeps(copyMin * MINUTE) + 15 * MINUTE;
        // Throughput suffices: every database's point fits in the interval, with a sweep to spare.
        fc.pre(Math.ceil(dbs / maxCopiesInFlight) * perPoint + 15 * MINUTE <= intervalMs);
        const run = runLive({ dbs, intervalMs, takeMs: takeMin * MINUTE, copyMs: copyMin * MINUTE, maxCopiesInFlight, hours: 26 });
        const firstSlot = slotStart(run.start, { intervalMs }) + intervalMs;
        for (let slot = firstSlot; slot + intervalMs <= run.start + 26 * HOUR; slot += intervalMs) {
          for (const db of run.dbs) {
            const got = run.shippedPoints.some((p) => p.database === db && p.time >= slot && p.time < slot + intervalMs && p.at < slot + intervalMs);
            if (!got) return false;
          }
        }
        return true;
      },
    ), { numRuns: 30 });
  });

  test('Live holds, per database, the copies of the retention (one per interval), and one point in flight', () => {
    const run = runLive({ dbs: 10, intervalMs: 4 * HOUR, takeMs: 10 * MINUTE, copyMs: 20 * MINUTE, maxCopiesInFlight: 20, hours: 48 });
    const perDb = new Map<string, number>();
    for (const s of run.manual.values()) perDb.set(s.dbIdentifier, (perDb.get(s.dbIdentifier) ?? 0) + 1);
    // A day's retention at 4 hours: 6 copies, the one just past it until the sweep trims it, a snapshot being taken and its copy.
    expect(Math.max(...perDb.values())).toBeLessThanOrEqual(24 / 4 + 3);
    expect(run.takes.length).toBeGreaterThanOrEqual(10 * 11);
  });
});
