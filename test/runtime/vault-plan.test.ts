import * as fc from 'fast-check';
import { DAY, LIVE, NOW, REGION } from './fixtures';
import { DbSnapshot } from '../../src/runtime/shipper-plan';
import { TagKeys } from '../../src/runtime/tags';
import {
  MAX_COMPLETION_RECORDS_PER_PASS, parseShippedName, planVault, ShippedSnapshot, sourceKeyOf, VaultPlanConfig, vaultCopyIdentifier,
} from '../../src/runtime/vault-plan';

const VAULT_OWNER = 'vault-test';
const config = (extra: Partial<VaultPlanConfig> = {}): VaultPlanConfig => ({
  ownerId: VAULT_OWNER,
  sourceAccounts: [LIVE],
  retentionMs: 31 * DAY,
  minimumCopies: 3,
  maxCopiesInFlight: 10,
  manualSnapshotQuota: 100,
  ...extra,
});

function shipped(db: string, daysAgo: number, account = LIVE): ShippedSnapshot {
  const time = new Date(NOW.getTime() - daysAgo * DAY);
  const stamp = time.toISOString().replace(/[-:]/g, '').slice(0, 15).replace('T', '-');
  const identifier = `failsafe-${db}-${stamp}`;
  return { arn: `arn:aws:rds:${REGION}:${account}:snapshot:${identifier}`, account, region: REGION, identifier, database: db, time, status: 'available' };
}

function vaultCopy(source: ShippedSnapshot, status = 'available', owner = VAULT_OWNER): DbSnapshot {
  const identifier = vaultCopyIdentifier(source.arn);
  return {
    identifier,
    arn: `arn:aws:rds:${REGION}:222222222222:snapshot:${identifier}`,
    dbIdentifier: source.database,
    type: 'manual',
    status,
    createTime: source.time,
    encrypted: true,
    engine: 'postgres',
    tags: {
      [TagKeys.OWNER]: owner,
      [TagKeys.SOURCE_ACCOUNT]: source.account,
      [TagKeys.SOURCE_REGION]: source.region,
      [TagKeys.SOURCE_DATABASE]: source.database,
      [TagKeys.SOURCE_SNAPSHOT]: source.arn,
      [TagKeys.SOURCE_TIME]: source.time.toISOString(),
      // Copies in these fixtures finished in an earlier pass, which recorded it.
      ...(status === 'available' ? { [TagKeys.COMPLETED]: source.time.toISOString() } : {}),
    },
  };
}

const kinds = (plan: ReturnType<typeof planVault>) => plan.actions.map((a) => `${a.type}:${a.type === 'copy' ? a.targetIdentifier : a.snapshot.identifier}`);

describe('naming', () => {
  test('the vault copy name comes from the shipped ARN alone', () => {
    const arn = 'arn:aws:rds:eu-west-1:111111111111:snapshot:failsafe-orders-20261120-120000';
    expect(vaultCopyIdentifier(arn)).toBe('vault-111111111111-eu-west-1-failsafe-orders-20261120-120000');
    // A cluster snapshot identifier has at most 63 characters: database (at most 30), time, and a hash of the whole ARN.
    const clusterArn = arn.replace(':snapshot:', ':cluster-snapshot:');
    expect(vaultCopyIdentifier(clusterArn)).toMatch(/^vault-orders-20261120-120000-[0-9a-f]{10}$/);
    expect(vaultCopyIdentifier(clusterArn)).toBe(vaultCopyIdentifier(clusterArn));
    expect(vaultCopyIdentifier(clusterArn.replace('111111111111', '333333333333'))).not.toBe(vaultCopyIdentifier(clusterArn));
    const longest = `arn:aws:rds:ap-southeast-2:111111111111:cluster-snapshot:failsafe-${'a'.repeat(38)}-20261120-120000`;
    expect(vaultCopyIdentifier(longest).length).toBeLessThanOrEqual(63);
    expect(() => vaultCopyIdentifier('arn:aws:rds:eu-west-1:111111111111:db:orders')).toThrow(/not an RDS DB snapshot ARN/);
  });

  test('shipped names give database and time; others give nothing', () => {
    expect(parseShippedName('failsafe-orders-db-20261120-120000')).toEqual({ database: 'orders-db', time: new Date('2026-11-20T12:00:00Z') });
    expect(parseShippedName('failsafe-orders-20261340-120000')).toBeUndefined();
    expect(parseShippedName('manual-orders-20261120-120000')).toBeUndefined();
  });
});

describe('planVault: copies', () => {
  test('copies a shipped snapshot with the vault key tags', () => {
    const s = shipped('orders', 0);
    const plan = planVault(config(), { now: NOW, shipped: [s], manualSnapshots: [] });
    expect(plan.actions).toEqual([{
      type: 'copy',
      encrypt: true,
      source: s,
      targetIdentifier: vaultCopyIdentifier(s.arn),
      tags: {
        [TagKeys.OWNER]: VAULT_OWNER,
        [TagKeys.SOURCE_ACCOUNT]: LIVE,
        [TagKeys.SOURCE_REGION]: REGION,
        [TagKeys.SOURCE_DATABASE]: 'orders',
        [TagKeys.SOURCE_SNAPSHOT]: s.arn,
        [TagKeys.SOURCE_TIME]: s.time.toISOString(),
      },
    }]);
  });

  test('a duplicate delivery or a rerun starts no second copy', () => {
    const s = shipped('orders', 0);
    expect(planVault(config(), { now: NOW, shipped: [s, s], manualSnapshots: [] }).actions).toHaveLength(1);
    for (const status of ['creating', 'available']) {
      expect(planVault(config(), { now: NOW, shipped: [s], manualSnapshots: [vaultCopy(s, status)] }).actions).toEqual([]);
    }
  });

  test('never copies from an account that is not a source', () => {
    expect(planVault(config(), { now: NOW, shipped: [shipped('orders', 0, '333333333333')], manualSnapshots: [] }).actions).toEqual([]);
  });

  test('a shared snapshot that is not available yet waits', () => {
    const plan = planVault(config(), { now: NOW, shipped: [{ ...shipped('orders', 0), status: 'creating' }], manualSnapshots: [] });
    expect(plan.actions).toEqual([]);
    expect(plan.findings.map((f) => f.code)).toEqual(['source-not-available']);
  });

  test('a failed vault copy is deleted so that a later pass copies again', () => {
    const s = shipped('orders', 0);
    const plan = planVault(config(), { now: NOW, shipped: [s], manualSnapshots: [vaultCopy(s, 'failed')] });
    expect(kinds(plan)).toEqual([`delete:${vaultCopyIdentifier(s.arn)}`]);
  });

  test('a failed vault copy is deleted outside invariant 2: though it is the newest of its lineage, within minimumCopies and younger than minimumAge', () => {
    const older = [shipped('orders', 2), shipped('orders', 1)];
    const newest = shipped('orders', 0);
    const plan = planVault(config({ minimumCopies: 3 }), { now: NOW, shipped: [], manualSnapshots: [...older.map((o) => vaultCopy(o)), vaultCopy(newest, 'failed')] });
    expect(plan.actions).toEqual([expect.objectContaining({ type: 'delete', cause: 'failed', snapshot: expect.objectContaining({ identifier: vaultCopyIdentifier(newest.arn) }) })]);
  });

  test('a foreign snapshot with the copy name is reported and left alone', () => {
    const s = shipped('orders', 0);
    const plan = planVault(config(), { now: NOW, shipped: [s], manualSnapshots: [vaultCopy(s, 'available', 'someone')] });
    expect(plan.actions).toEqual([]);
    expect(plan.findings.map((f) => f.code)).toEqual(['name-conflict']);
  });

  test('copies in flight and the snapshot quota are bounded', () => {
    const sources = [0, 1, 2, 3].map((d) => shipped('orders', d));
    expect(planVault(config({ maxCopiesInFlight: 2 }), { now: NOW, shipped: sources, manualSnapshots: [] }).actions).toHaveLength(2);
    // Per-source budgets are set wide here, so that the account's quota is what binds.
    const wide = config({ manualSnapshotQuota: 1, maxSnapshotsPerSource: 10, maxLineagesPerSource: 10 });
    const quota = planVault(wide, { now: NOW, shipped: sources, manualSnapshots: [] });
    expect(quota.actions).toHaveLength(1);
    expect(quota.findings.map((f) => f.code)).toEqual(['copy-deferred-snapshot-quota', 'copy-deferred-snapshot-quota', 'copy-deferred-snapshot-quota']);
  });
});

describe('planVault: retention', () => {
  const month = Array.from({ length: 40 }, (_, d) => shipped('orders', d));

  test('deletes copies past the retention and keeps everything younger', () => {
    const plan = planVault(config(), { now: NOW, shipped: [], manualSnapshots: month.map((s) => vaultCopy(s)) });
    const deleted = plan.actions.map((a) => (a.type === 'delete' ? a.snapshot.identifier : ''));
    expect(deleted.sort()).toEqual(month.slice(32).map((s) => vaultCopyIdentifier(s.arn)).sort());
  });

  test('keeps the newest minimumCopies copies however old they are', () => {
    const old = [100, 90, 80, 70].map((d) => shipped('orders', d));
    const plan = planVault(config(), { now: NOW, shipped: [], manualSnapshots: old.map((s) => vaultCopy(s)) });
    expect(kinds(plan)).toEqual([`delete:${vaultCopyIdentifier(old[0].arn)}`]);
    expect(plan.findings.filter((f) => f.code === 'kept-minimum-copies')).toHaveLength(3);
  });

  test('deletes nothing older while a newer copy of the source is incomplete', () => {
    const old = [100, 90, 80, 70].map((d) => shipped('orders', d));
    const fresh = shipped('orders', 0);
    const copies = [...old.map((s) => vaultCopy(s)), vaultCopy(fresh, 'creating')];
    const plan = planVault(config({ minimumCopies: 1 }), { now: NOW, shipped: [], manualSnapshots: copies });
    expect(plan.actions).toEqual([]);
  });

  test('a copy past the retention kept only because a newer copy is incomplete is reported: kept-newer-copy-incomplete', () => {
    const old = [100, 90, 80, 70].map((d) => shipped('orders', d));
    const young = shipped('orders', 10);
    const fresh = shipped('orders', 0);
    const copies = [...old.map((s) => vaultCopy(s)), vaultCopy(young), vaultCopy(fresh, 'creating')];
    const plan = planVault(config({ minimumCopies: 1 }), { now: NOW, shipped: [], manualSnapshots: copies });
    expect(plan.actions).toEqual([]);
    const byCode = (code: string) => plan.findings.filter((f) => f.code === code).map((f) => f.snapshot).sort();
    // 10 days old: the newest completed copy (minimumCopies 1), and within the retention: no finding.
    expect(byCode('kept-minimum-copies')).toEqual([]);
    expect(byCode('kept-newer-copy-incomplete')).toEqual(old.map((s) => vaultCopyIdentifier(s.arn)).sort());
    const finding = plan.findings.find((f) => f.code === 'kept-newer-copy-incomplete')!;
    expect(finding).toMatchObject({ level: 'info', snapshotCorrelationId: expect.stringMatching(/^arn:aws:rds:.*:snapshot:failsafe-orders-/) });
    expect(finding.message).toMatch(/is past the retention but is older than a copy of its lineage that is still in progress/);
    // Once the newer copy has finished, they go.
    const done = planVault(config({ minimumCopies: 1 }), { now: NOW, shipped: [], manualSnapshots: [...copies.slice(0, -1), vaultCopy(fresh)] });
    expect(done.findings.filter((f) => f.code === 'kept-newer-copy-incomplete')).toEqual([]);
    expect(done.actions.filter((a) => a.type === 'delete')).toHaveLength(4);
  });

  test('does not copy a recovery point that retention would delete at once, so expired snapshots are not copied again', () => {
    const newer = [1, 2, 3].map((d) => shipped('orders', d));
    const expired = shipped('orders', 40);
    const plan = planVault(config(), { now: NOW, shipped: [expired], manualSnapshots: newer.map((s) => vaultCopy(s)) });
    expect(plan.actions).toEqual([]);
    expect(plan.findings.map((f) => f.code)).toEqual(['skipped-expired']);
    // With fewer newer copies than minimumCopies, the old recovery point is still worth holding.
    const fewer = planVault(config(), { now: NOW, shipped: [expired], manualSnapshots: newer.slice(0, 2).map((s) => vaultCopy(s)) });
    expect(kinds(fewer)).toEqual([`copy:${vaultCopyIdentifier(expired.arn)}`]);
  });

  test('a copy tagged with a future recovery point counts no newer than RDS made it, so it cannot hold the newest slots', () => {
    const real = [45, 40].map((d) => vaultCopy(shipped('orders', d)));
    // Junk shared from Live, named for the year 2999, copied by the vault 60 days ago.
    const junk = [1, 2].map((i) => {
      const c = vaultCopy(shipped('orders', 60 + i));
      return { ...c, identifier: `vault-junk-${i}`, createTime: new Date(NOW.getTime() - 60 * DAY), tags: { ...c.tags, [TagKeys.SOURCE_TIME]: '2999-01-01T00:00:00.000Z' } };
    });
    const plan = planVault(config({ minimumCopies: 2 }), { now: NOW, shipped: [], manualSnapshots: [...real, ...junk] });
    expect(plan.actions.map((a) => (a.type === 'delete' ? a.snapshot.identifier : '')).sort()).toEqual(['vault-junk-1', 'vault-junk-2']);
  });

  test('a copy started in this same plan is a newer incomplete copy: nothing older is deleted in that plan', () => {
    const old = [100, 90, 80, 70].map((d) => vaultCopy(shipped('orders', d)));
    const fresh = shipped('orders', 0);
    const plan = planVault(config({ minimumCopies: 1 }), { now: NOW, shipped: [fresh], manualSnapshots: old });
    expect(kinds(plan)).toEqual([`copy:${vaultCopyIdentifier(fresh.arn)}`]);
  });

  test('sources are independent', () => {
    const a = [100, 90].map((d) => shipped('orders', d));
    const b = [100].map((d) => shipped('users', d));
    const plan = planVault(config({ minimumCopies: 1 }), { now: NOW, shipped: [], manualSnapshots: [...a, ...b].map((s) => vaultCopy(s)) });
    expect(kinds(plan)).toEqual([`delete:${vaultCopyIdentifier(a[0].arn)}`]);
  });
});

describe('planVault: completed copies and recovery points', () => {
  test('a copy found available for the first time is recorded as completed, once', () => {
    const source = shipped('orders', 1);
    const fresh = vaultCopy(source);
    const { [TagKeys.COMPLETED]: _done, ...untagged } = fresh.tags;
    const finished = { ...fresh, tags: untagged };
    expect(kinds(planVault(config(), { now: NOW, shipped: [source], manualSnapshots: [finished] }))).toEqual([`mark-completed:${fresh.identifier}`]);
    expect(kinds(planVault(config(), { now: NOW, shipped: [source], manualSnapshots: [fresh] }))).toEqual([]);
    // In progress, failed, or another owner's: nothing to record.
    const creating = vaultCopy(source, 'creating');
    expect(kinds(planVault(config(), { now: NOW, shipped: [source], manualSnapshots: [creating] }))).toEqual([]);
    const foreign = { ...finished, tags: { ...untagged, [TagKeys.OWNER]: 'someone-else' } };
    expect(kinds(planVault(config(), { now: NOW, shipped: [], manualSnapshots: [foreign] }))).toEqual([]);
  });

  test('at most 25 finished copies are recorded per pass, the newest first; one made long before is recorded but not counted', () => {
    const untagged = (c: DbSnapshot): DbSnapshot => {
      const { [TagKeys.COMPLETED]: _done, ...tags } = c.tags;
      return { ...c, tags };
    };
    const copies = Array.from({ length: 30 }, (_, i) => untagged(vaultCopy(shipped(`db${i}`, i / 20))));
    const marks = planVault(config(), { now: NOW, shipped: [], manualSnapshots: copies }).actions.filter((a) => a.type === 'mark-completed');
    expect(marks).toHaveLength(MAX_COMPLETION_RECORDS_PER_PASS);
    expect(marks.map((a) => a.snapshot.identifier)).toEqual(copies.slice(0, 25).map((c) => c.identifier));
    expect(marks.every((a) => a.type === 'mark-completed' && a.counted)).toBe(true);
    const legacy = untagged(vaultCopy(shipped('orders', 10))); // made 10 days ago, before the vault recorded completions
    expect(planVault(config(), { now: NOW, shipped: [], manualSnapshots: [legacy] }).actions).toEqual([
      { type: 'mark-completed', snapshot: legacy, sourceKey: sourceKeyOf(LIVE, REGION, 'orders'), counted: false },
    ]);
  });

  test('a copy that retention deletes is not recorded first', () => {
    const old = [40, 39, 38, 37].map((d) => shipped('orders', d));
    const copies = old.map((o) => vaultCopy(o));
    const { [TagKeys.COMPLETED]: _done, ...untagged } = copies[0].tags;
    copies[0] = { ...copies[0], tags: untagged }; // the oldest: expired and never recorded
    expect(kinds(planVault(config(), { now: NOW, shipped: [], manualSnapshots: copies }))).toEqual([`delete:${copies[0].identifier}`]);
  });

  test('the recovery point of each source database is its newest available copy, bounded by RDS\'s creation time', () => {
    const orders = [3, 2, 1].map((d) => shipped('orders', d));
    const newest = shipped('orders', 0.5);
    const users = shipped('users', 4);
    const manualSnapshots = [...orders.map((o) => vaultCopy(o)), vaultCopy(newest, 'creating'), vaultCopy(users), vaultCopy(shipped('billing', 0), 'failed')];
    const plan = planVault(config(), { now: NOW, shipped: [], manualSnapshots });
    expect(plan.recoveryPoints).toEqual([
      { account: LIVE, region: REGION, database: 'orders', time: orders[2].time },
      { account: LIVE, region: REGION, database: 'users', time: users.time },
    ]);
    // A copy whose tag claims a later time than RDS made it counts from RDS's time.
    const forged = { ...vaultCopy(users), createTime: new Date(users.time.getTime() - DAY) };
    expect(planVault(config(), { now: NOW, shipped: [], manualSnapshots: [forged] }).recoveryPoints[0].time).toEqual(forged.createTime);
  });
});

describe('planVault: invariants over generated histories (property-based)', () => {
  const STATUSES = ['available', 'available', 'available', 'creating', 'failed'];
  const arbCopy = fc.record({
    db: fc.constantFrom('orders', 'users', 'billing'),
    account: fc.constantFrom(LIVE, '333333333333'),
    daysAgo: fc.integer({ min: 0, max: 400 }),
    minute: fc.integer({ min: 0, max: 1439 }),
    status: fc.constantFrom(...STATUSES),
    owner: fc.constantFrom(VAULT_OWNER, VAULT_OWNER, VAULT_OWNER, 'someone-else', 'untagged'),
  });
  const arbConfig = fc.record({
    retentionDays: fc.integer({ min: 1, max: 60 }),
    minimumCopies: fc.integer({ min: 1, max: 10 }),
  });

  type GeneratedCopy = typeof arbCopy extends fc.Arbitrary<infer T> ? T : never;

  function history(entries: GeneratedCopy[]): DbSnapshot[] {
    const byName = new Map<string, DbSnapshot>();
    for (const e of entries) {
      const s = shipped(e.db, e.daysAgo + e.minute / 1440, e.account);
      const copy = vaultCopy(s, e.status, e.owner);
      byName.set(copy.identifier, e.owner === 'untagged' ? { ...copy, tags: {} } : copy);
    }
    return [...byName.values()];
  }

  const RUNS = 5_000;

  test(`invariant 1: only the vault's own copies are ever deleted or re-tagged (${RUNS} histories)`, () => {
    fc.assert(fc.property(fc.array(arbCopy, { maxLength: 60 }), arbConfig, (entries, c) => {
      const copies = history(entries);
      const cfg = config({ retentionMs: c.retentionDays * DAY, minimumCopies: c.minimumCopies });
      const plan = planVault(cfg, { now: NOW, shipped: [], manualSnapshots: copies });
      for (const a of plan.actions) {
        if (a.type !== 'copy') expect(a.snapshot.tags[TagKeys.OWNER]).toBe(VAULT_OWNER);
      }
    }), { numRuns: RUNS });
  });

  test(`invariant 2: the newest minimumCopies available copies survive, and nothing is deleted below an incomplete newer copy (${RUNS} histories)`, () => {
    fc.assert(fc.property(fc.array(arbCopy, { maxLength: 60 }), arbConfig, (entries, c) => {
      const copies = history(entries);
      const cfg = config({ retentionMs: c.retentionDays * DAY, minimumCopies: c.minimumCopies });
      const plan = planVault(cfg, { now: NOW, shipped: [], manualSnapshots: copies });
      const deleted = new Set(plan.actions.filter((a) => a.type === 'delete').map((a) => (a.type === 'delete' ? a.snapshot.identifier : '')));
      const own = copies.filter((s) => s.tags[TagKeys.OWNER] === VAULT_OWNER);
      const time = (s: DbSnapshot) => Date.parse(s.tags[TagKeys.SOURCE_TIME]);
      const bySource = new Map<string, DbSnapshot[]>();
      for (const s of own) {
        const key = sourceKeyOf(s.tags[TagKeys.SOURCE_ACCOUNT], s.tags[TagKeys.SOURCE_REGION], s.tags[TagKeys.SOURCE_DATABASE]);
        bySource.set(key, [...(bySource.get(key) ?? []), s]);
      }
      for (const group of bySource.values()) {
        const available = group.filter((s) => s.status === 'available').sort((a, b) => time(b) - time(a));
        // The newest minimumCopies available copies are never deleted, however old.
        for (const keep of available.slice(0, cfg.minimumCopies)) expect(deleted.has(keep.identifier)).toBe(false);
        // Nothing that holds data is deleted while a newer copy of the source is incomplete.
        for (const incomplete of group.filter((s) => s.status === 'creating')) {
          const older = group.filter((s) => s.status !== 'failed' && time(s) < time(incomplete));
          for (const s of older) expect(deleted.has(s.identifier)).toBe(false);
        }
        // Nothing inside the retention is deleted, unless it is a failed copy.
        for (const s of group) {
          if (deleted.has(s.identifier) && s.status !== 'failed') expect(NOW.getTime() - time(s)).toBeGreaterThan(cfg.retentionMs);
        }
        // Nothing still in progress is deleted.
        for (const s of group.filter((x) => x.status === 'creating')) expect(deleted.has(s.identifier)).toBe(false);
      }
    }), { numRuns: RUNS });
  });
});

describe('planVault: what one lineage may take', () => {
  const REAL = 'db-ORDERS';
  const withId = (s: ShippedSnapshot): ShippedSnapshot => ({ ...s, resourceId: REAL });
  const heldOf = (s: ShippedSnapshot): DbSnapshot => ({ ...vaultCopy(s), resourceId: REAL });
  const copies = (plan: ReturnType<typeof planVault>) => plan.actions.filter((a) => a.type === 'copy').map((a) => (a.type === 'copy' ? a.source.identifier : ''));

  test('one recovery point per UTC day: a burst of snapshots of one database takes one day, and the next day is copied', () => {
    const yesterday = withId(shipped('orders', 1));
    // NOW is 12:00 UTC: 0.1 to 0.3 days before it is the same day.
    const burst = [0.1, 0.2, 0.3].map((d) => withId(shipped('orders', d)));
    const plan = planVault(config(), { now: NOW, shipped: burst, manualSnapshots: [heldOf(yesterday)] });
    expect(copies(plan)).toHaveLength(1);
    expect(plan.findings.filter((f) => f.code === 'lineage-day-taken')).toHaveLength(2);
    // A day that holds a copy takes no other.
    const later = planVault(config(), { now: NOW, shipped: burst, manualSnapshots: [heldOf(yesterday), heldOf(burst[0])] });
    expect(copies(later)).toEqual([]);
  });

  test('with an hourly tier, one recovery point per UTC hour: every 4-hourly point of a day is copied, a burst within an hour still takes one', () => {
    const hourly = config({ hourlyCopies: 24, minimumAgeMs: 86_400_000 });
    const points = [4, 8].map((h) => withId(shipped('orders', h / 24))); // 08:00 and 04:00 today
    const sameHour = withId({ ...shipped('orders', 4 / 24), identifier: 'x', arn: `${shipped('orders', 4 / 24).arn}x`, time: new Date(NOW.getTime() - 4 * 3_600_000 + 60_000) });
    const plan = planVault(hourly, { now: NOW, shipped: [...points, sameHour], manualSnapshots: [heldOf(withId(shipped('orders', 1)))] });
    expect(copies(plan)).toHaveLength(2);
    expect(plan.findings.filter((f) => f.code === 'lineage-day-taken').map((f) => f.message)).toEqual([expect.stringMatching(/recovery point of 2026-11-20T08/)]);
  });

  test('a pass about one database deletes nothing: the lineage may hold copies under another name, which it cannot see', () => {
    const old = [40, 39, 38, 37, 36].map((d) => heldOf(shipped('orders', d)));
    const partial = planVault(config(), { now: NOW, shipped: [], manualSnapshots: old, partial: true });
    expect(partial.actions.filter((a) => a.type === 'delete')).toEqual([]);
    const sweep = planVault(config(), { now: NOW, shipped: [], manualSnapshots: old });
    expect(sweep.actions.filter((a) => a.type === 'delete')).toHaveLength(2);
  });

  test('a pass about one database, which cannot count its source\'s copies, holds each lineage to its share of the source\'s budget', () => {
    const budget = config({ maxSnapshotsPerSource: 10, maxLineagesPerSource: 5 });
    const held = [3, 2].map((d) => heldOf(shipped('orders', d)));
    const announced = withId(shipped('orders', 1));
    const partial = planVault(budget, { now: NOW, shipped: [announced], manualSnapshots: held, partial: true });
    expect(copies(partial)).toEqual([]);
    expect(partial.findings.map((f) => f.code)).toContain('lineage-full');
    // The sweep sees the whole source: 2 copies of 10, 1 lineage of 5.
    expect(copies(planVault(budget, { now: NOW, shipped: [announced], manualSnapshots: held }))).toEqual([announced.identifier]);
  });
});
