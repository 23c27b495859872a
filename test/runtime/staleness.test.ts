/**
 * Who gets a free copy slot: the stalest database, never-shipped first, in the
 * shipper and in the vault; and no database starves while throughput suffices.
 */
import * as fc from 'fast-check';
import { automated, config, copyOf, DAY, instance, LIVE, NOW, REGION, state } from './fixtures';
import { shippingCopyIdentifier } from '../../src/runtime/naming';
import { DbSnapshot, planShipper } from '../../src/runtime/shipper-plan';
import { byStaleness, databasesBehind } from '../../src/runtime/staleness';
import { TagKeys } from '../../src/runtime/tags';
import { planVault, ShippedSnapshot, vaultCopyIdentifier } from '../../src/runtime/vault-plan';

const HOUR = 3_600_000;
const copied = (plan: ReturnType<typeof planShipper>) => plan.actions.flatMap((a) => (a.type === 'copy' ? [a.database] : []));

/** A shipped and announced copy of `db` whose recovery point is `daysAgo` old. */
function shippedCopy(db: string, daysAgo: number): DbSnapshot {
  const source = automated(db, daysAgo);
  return copyOf(source, shippingCopyIdentifier(db, source.createTime!), { announced: true });
}

describe('byStaleness', () => {
  test('never-held first, then the oldest newest-held, and each key\'s newest candidate before any key\'s second', () => {
    const held = new Map([['a', 30], ['b', 10]]);
    const candidates = [
      { key: 'a', t: 100 }, { key: 'a', t: 90 }, { key: 'b', t: 100 }, { key: 'c', t: 50 }, { key: 'd', t: 40 },
    ];
    const order = byStaleness(candidates, (c) => c.key, (c) => c.t, (k) => held.get(k), (c) => `${c.key}${c.t}`);
    expect(order.map((c) => `${c.key}${c.t}`)).toEqual(['d40', 'c50', 'b100', 'a100', 'a90']);
  });
});

describe('planShipper: free copy slots go to the stalest databases', () => {
  test('never-shipped databases first, then the oldest shipped recovery point, whatever the names', () => {
    const dbs = ['aaa', 'bbb', 'ccc', 'zzz'];
    const plan = planShipper(config({ maxCopiesInFlight: 2, selection: { identifiers: dbs } }), state({
      instances: dbs.map((d) => instance(d)),
      automatedSnapshots: dbs.map((d) => automated(d, 0)),
      // aaa was shipped yesterday, bbb three days ago, ccc never, zzz never.
      manualSnapshots: [shippedCopy('aaa', 1), shippedCopy('bbb', 3)],
    }));
    expect(copied(plan)).toEqual(['ccc', 'zzz']);
    const next = planShipper(config({ maxCopiesInFlight: 1, selection: { identifiers: dbs } }), state({
      instances: dbs.map((d) => instance(d)),
      automatedSnapshots: dbs.map((d) => automated(d, 0)),
      manualSnapshots: [shippedCopy('aaa', 1), shippedCopy('bbb', 3), shippedCopy('ccc', 0.5), shippedCopy('zzz', 0.5)],
    }));
    expect(copied(next)).toEqual(['bbb']);
  });

  test('a database whose previous copy is still in progress waits for it: one copy in flight per database', () => {
    const yesterday = automated('orders', 1);
    const inProgress = copyOf(yesterday, shippingCopyIdentifier('orders', yesterday.createTime!), { status: 'creating' });
    const plan = planShipper(config(), state({ automatedSnapshots: [yesterday, automated('orders', 0)], manualSnapshots: [inProgress] }));
    expect(plan.actions).toEqual([]);
    expect(plan.findings.map((f) => f.code)).toEqual(['copy-waits-for-previous', 'copy-in-progress']);
  });

  test('no database starves: 1,000 databases, a new snapshot each a day, 240 copies a day (10 per hourly pass)', () => {
    // Demand (1,000 a day) is over throughput (240 a day). Taking the first
    // databases by name would ship the same 240 every day and never the
    // others; by staleness, each waits at most ceil(1000 / 240) = 5 days.
    const dbs = Array.from({ length: 1000 }, (_, i) => `db-${String(i).padStart(4, '0')}`);
    const instances = dbs.map((d) => instance(d));
    const newest = new Map<string, number>(); // db -> day of its newest shipped snapshot
    const longestWait = new Map<string, number>();
    for (let hour = 0; hour < 24 * 20; hour++) {
      const day = Math.floor(hour / 24);
      const manualSnapshots = [...newest.entries()].map(([db, d]) => {
        const source = automated(db, -d);
        return copyOf(source, shippingCopyIdentifier(db, source.createTime!), { announced: true });
      });
      const plan = planShipper(config({ maxCopiesInFlight: 10, manualSnapshotQuota: 5000, selection: { identifiers: dbs } }), state({
        now: new Date(NOW.getTime() + hour * HOUR),
        instances,
        automatedSnapshots: dbs.map((d) => automated(d, -day)),
        manualSnapshots,
        quotas: { instance: { used: manualSnapshots.length, max: 10_000 } },
      }));
      expect(copied(plan)).toHaveLength(10);
      for (const db of copied(plan)) newest.set(db, day);
      for (const db of dbs) longestWait.set(db, Math.max(longestWait.get(db) ?? 0, day - (newest.get(db) ?? -1)));
    }
    expect(newest.size).toBe(1000);
    // Every database was shipped within 5 days of its previous shipment, every time.
    expect(Math.max(...longestWait.values())).toBeLessThanOrEqual(5);
  });

  test('property: whatever the history, the copies started are the stalest candidates', () => {
    fc.assert(fc.property(
      fc.array(fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 20 }),
      (history, slots) => {
        const dbs = history.map((_, i) => `db-${i}`);
        const plan = planShipper(config({ maxCopiesInFlight: slots, manualSnapshotQuota: 1000, selection: { identifiers: dbs } }), state({
          instances: dbs.map((d) => instance(d)),
          automatedSnapshots: dbs.map((d) => automated(d, 0)),
          manualSnapshots: history.flatMap((daysAgo, i) => (daysAgo === undefined ? [] : [shippedCopy(dbs[i], daysAgo)])),
        }));
        const staleness = (db: string) => history[dbs.indexOf(db)] ?? Infinity;
        const started = copied(plan);
        const waiting = dbs.filter((d) => !started.includes(d));
        expect(started).toHaveLength(Math.min(slots, dbs.length));
        // Every database copied is at least as stale as every database that waits.
        for (const s of started) for (const w of waiting) expect(staleness(s)).toBeGreaterThanOrEqual(staleness(w));
      },
    ), { numRuns: 500 });
  });
});

describe('planShipper: the manual snapshot quota is read from the account', () => {
  test('the real quota and usage decide, less the headroom; manualSnapshotQuota is a ceiling below them', () => {
    const dbs = ['a', 'b', 'c', 'd'];
    const base = { instances: dbs.map((d) => instance(d)), automatedSnapshots: dbs.map((d) => automated(d, 0)) };
    const cfg = (extra = {}) => config({ selection: { identifiers: dbs }, manualSnapshotQuota: undefined, ...extra });
    // 500 allowed, 488 used, 10 kept free: 2 copies fit.
    const plan = planShipper(cfg(), state({ ...base, quotas: { instance: { used: 488, max: 500 } } }));
    expect(copied(plan)).toHaveLength(2);
    expect(plan.findings.filter((f) => f.code === 'copy-deferred-snapshot-quota')).toHaveLength(2);
    expect(plan.findings.find((f) => f.code === 'copy-deferred-snapshot-quota')!.message).toMatch(/holds 490 manual DB snapshots and may hold 490/);
    const full = { ...base, quotas: { instance: { used: 488, max: 500 } } };
    expect(copied(planShipper(cfg({ manualSnapshotHeadroom: 0 }), state(full)))).toHaveLength(4);
    expect(copied(planShipper(cfg({ manualSnapshotQuota: 489 }), state({ ...base, quotas: { instance: { used: 488, max: 500 } } })))).toHaveLength(1);
  });

  test('an unreadable quota falls back to AWS\'s default of 100, and says so', () => {
    const plan = planShipper(config({ manualSnapshotQuota: undefined }), state({
      automatedSnapshots: [automated('orders', 0)],
      manualSnapshots: Array.from({ length: 90 }, (_, i) => ({ ...automated('x', 1), identifier: `manual-${i}`, type: 'manual' })),
    }));
    expect(plan.actions).toEqual([]);
    expect(plan.findings[0].message).toMatch(/the real quota could not be read; 100 is assumed/);
  });
});

describe('planVault: free copy slots go to the stalest sources', () => {
  const shippedOf = (db: string, daysAgo: number): ShippedSnapshot => {
    const time = new Date(NOW.getTime() - daysAgo * DAY);
    const identifier = shippingCopyIdentifier(db, time);
    return { arn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:${identifier}`, account: LIVE, region: REGION, identifier, database: db, time, status: 'available' };
  };
  const held = (s: ShippedSnapshot): DbSnapshot => ({
    identifier: vaultCopyIdentifier(s.arn),
    arn: `arn:aws:rds:${REGION}:222222222222:snapshot:${vaultCopyIdentifier(s.arn)}`,
    dbIdentifier: s.database,
    type: 'manual',
    status: 'available',
    createTime: s.time,
    encrypted: true,
    engine: 'postgres',
    tags: {
      [TagKeys.OWNER]: 'vault-test',
      [TagKeys.SOURCE_ACCOUNT]: LIVE,
      [TagKeys.SOURCE_REGION]: REGION,
      [TagKeys.SOURCE_DATABASE]: s.database,
      [TagKeys.SOURCE_SNAPSHOT]: s.arn,
      [TagKeys.SOURCE_TIME]: s.time.toISOString(),
    },
  });
  const vaultConfig = { ownerId: 'vault-test', sourceAccounts: [LIVE], retentionMs: 31 * DAY, minimumCopies: 3, maxCopiesInFlight: 2, manualSnapshotQuota: 1000, maxLineagesPerSource: 100 };

  test('a source never held first, then the oldest held; each source\'s newest recovery point before anyone\'s backlog', () => {
    const shipped = [shippedOf('aaa', 0), shippedOf('aaa', 1), shippedOf('aaa', 2), shippedOf('bbb', 0), shippedOf('zzz', 0)];
    const plan = planVault(vaultConfig, { now: NOW, shipped, manualSnapshots: [held(shippedOf('bbb', 3)), held(shippedOf('zzz', 5))] });
    const started = plan.actions.flatMap((a) => (a.type === 'copy' ? [`${a.source.database}-${(NOW.getTime() - a.source.time.getTime()) / DAY}`] : []));
    // aaa holds nothing, zzz's newest is 5 days old, bbb's 3 days.
    expect(started).toEqual(['aaa-0', 'zzz-0']);
    const wider = planVault({ ...vaultConfig, maxCopiesInFlight: 4 }, { now: NOW, shipped, manualSnapshots: [held(shippedOf('bbb', 3)), held(shippedOf('zzz', 5))] });
    expect(wider.actions.flatMap((a) => (a.type === 'copy' ? [a.source.identifier] : []))).toEqual([
      shippedOf('aaa', 0).identifier, shippedOf('zzz', 0).identifier, shippedOf('bbb', 0).identifier, shippedOf('aaa', 1).identifier,
    ]);
  });

  test('an announcement lists one database: copies in flight are left to RDS, the quota is not', () => {
    const lineage = [held(shippedOf('aaa', 1))];
    const plan = planVault(vaultConfig, { now: NOW, shipped: [shippedOf('aaa', 0)], manualSnapshots: lineage, partial: true, quotas: { instance: { used: 10, max: 1000 } } });
    expect(plan.actions.filter((a) => a.type === 'copy')).toHaveLength(1);
    const full = planVault(vaultConfig, { now: NOW, shipped: [shippedOf('aaa', 0)], manualSnapshots: lineage, partial: true, quotas: { instance: { used: 990, max: 1000 } } });
    expect(full.findings.map((f) => f.code)).toEqual(['copy-deferred-snapshot-quota']);
  });
});

describe('databasesBehind', () => {
  test('never-shipped databases and those older than maxAge are behind; the oldest is named, never-shipped first', () => {
    const newest = new Map([['a', new Date(NOW.getTime() - 2 * HOUR)], ['b', new Date(NOW.getTime() - 30 * HOUR)], ['c', new Date(NOW.getTime() - 40 * HOUR)]]);
    expect(databasesBehind(['a', 'b', 'c'], newest, NOW, 26 * HOUR)).toEqual({ databases: ['b', 'c'], oldest: { database: 'c', time: newest.get('c') } });
    expect(databasesBehind(['a', 'b', 'new'], newest, NOW, 26 * HOUR)).toEqual({ databases: ['b', 'new'], oldest: { database: 'new' } });
    expect(databasesBehind(['a'], newest, NOW, 26 * HOUR)).toEqual({ databases: [] });
  });
});
