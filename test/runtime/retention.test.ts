import * as fc from 'fast-check';
import { DAY, LIVE, NOW, REGION } from './fixtures';
import { applyRetention, dayOf, monthOf, weekOf } from '../../src/runtime/retention';
import { DbSnapshot } from '../../src/runtime/shipper-plan';
import { copiesPerLineage } from '../../src/runtime/source-budget';
import { TagKeys } from '../../src/runtime/tags';
import { planVault, VaultPlanConfig } from '../../src/runtime/vault-plan';

const OWNER = 'vault-test';
const REAL = 'db-REAL000000000000000000000';
const HOUR = 3_600_000;

describe('the calendar periods of the tiers, in UTC', () => {
  test('a week runs from Monday to Sunday; a month and a day are the calendar ones', () => {
    expect(weekOf(Date.parse('2026-11-23T00:00:00Z'))).toBe('2026-11-23'); // a Monday
    expect(weekOf(Date.parse('2026-11-29T23:59:59Z'))).toBe('2026-11-23'); // the Sunday after
    expect(weekOf(Date.parse('2026-11-30T00:00:00Z'))).toBe('2026-11-30');
    expect(monthOf(Date.parse('2026-11-30T23:59:59Z'))).toBe('2026-11');
    expect(dayOf(Date.parse('2026-11-30T23:59:59Z'))).toBe('2026-11-30');
  });
});

describe('applyRetention', () => {
  const policy = { retentionMs: 7 * DAY, minimumCopies: 2, weeklyCopies: 3, monthlyCopies: 2 };
  const at = (iso: string, inProgress = false) => ({ id: iso, time: Date.parse(iso), inProgress });
  const now = Date.parse('2026-11-30T12:00:00Z');

  test('keeps each tier\'s copy, and deletes only what no tier keeps', () => {
    const copies = [
      at('2026-11-30T03:00:00Z'), at('2026-11-29T03:00:00Z'), // the newest two, and young
      // The weeks of 30 and 23 November hold the two newest; the week of 16 November is the third, and the 20th its newest.
      at('2026-11-20T03:00:00Z'), at('2026-11-19T03:00:00Z'),
      at('2026-11-10T03:00:00Z'), // week of 9 November: a fourth week, past weeklyCopies
      at('2026-10-31T03:00:00Z'), at('2026-10-15T03:00:00Z'), // October: the 31st is its newest
      at('2026-09-30T03:00:00Z'), // September: a third month, past monthlyCopies
    ];
    const verdicts = applyRetention(policy, copies, now);
    expect(Object.fromEntries(verdicts)).toEqual({
      '2026-11-30T03:00:00Z': 'minimum-age',
      '2026-11-29T03:00:00Z': 'minimum-age',
      '2026-11-20T03:00:00Z': 'weekly',
      '2026-11-19T03:00:00Z': undefined,
      '2026-11-10T03:00:00Z': undefined,
      '2026-10-31T03:00:00Z': 'monthly',
      '2026-10-15T03:00:00Z': undefined,
      '2026-09-30T03:00:00Z': undefined,
    });
  });

  test('a burst of copies in one day takes one daily slot; with a shorter minimum age, the rest of that day goes', () => {
    const burst = Array.from({ length: 50 }, (_, i) => at(`2026-11-27T${String(i % 24).padStart(2, '0')}:${String(i).padStart(2, '0')}:00Z`));
    const older = [at('2026-11-26T03:00:00Z'), at('2026-11-25T03:00:00Z')];
    const verdicts = applyRetention({ retentionMs: 7 * DAY, minimumAgeMs: DAY, minimumCopies: 1 }, [...burst, ...older], now);
    expect(older.map((c) => verdicts.get(c.id))).toEqual(['daily', 'daily']);
    expect(burst.filter((c) => verdicts.get(c.id) !== undefined)).toHaveLength(1);
  });

  test('nothing older than a copy still in progress is deleted', () => {
    const copies = [at('2026-11-30T03:00:00Z', true), at('2026-09-01T03:00:00Z'), at('2026-08-01T03:00:00Z')];
    const verdicts = applyRetention({ retentionMs: 7 * DAY, minimumCopies: 1 }, copies, now);
    expect(verdicts.get('2026-08-01T03:00:00Z')).toBe('newer-incomplete');
  });
});

/**
 * Properties of the vault's plan over generated histories, adversarial ones
 * included: a real lineage with daily copies and gaps; junk lineages under the
 * same name (a recreated database, or another database's snapshots named for
 * it) in bursts; and names that claim recovery points in the future.
 */
describe('the hourly tier, for sources that ship more often than daily', () => {
  const at = (iso: string) => ({ id: iso, time: Date.parse(iso), inProgress: false });
  const now = Date.parse('2026-11-30T12:00:00Z');
  /** A copy every `hours` hours, for `days` days before now. */
  const every = (hours: number, days: number) => Array.from(
    { length: (days * 24) / hours }, (_, i) => at(new Date(now - i * hours * HOUR - 5 * 60_000).toISOString()),
  );
  const kept = (verdicts: ReturnType<typeof applyRetention>) => [...verdicts.values()].filter((r) => r !== undefined).length;

  test('keeps the newest copy of each of the last hourlyCopies hours that hold one; then the newest of each day', () => {
    const copies = [at('2026-11-30T11:10:00Z'), at('2026-11-30T11:40:00Z'), at('2026-11-29T07:00:00Z'), at('2026-11-29T05:00:00Z'), at('2026-11-29T04:00:00Z')];
    const verdicts = applyRetention({ retentionMs: 31 * DAY, minimumAgeMs: 30 * 60_000, minimumCopies: 1, hourlyCopies: 3 }, copies, now);
    expect(Object.fromEntries(verdicts)).toEqual({
      '2026-11-30T11:40:00Z': 'minimum-age', // the newest, 20 minutes old; the hour 11 is kept by it
      '2026-11-30T11:10:00Z': undefined, // the same hour as a newer one
      '2026-11-29T07:00:00Z': 'hourly', // the second hour that holds a copy, and the newest of its day
      '2026-11-29T05:00:00Z': 'hourly', // the third
      '2026-11-29T04:00:00Z': undefined, // a fourth hour: past the tier, and not the newest of its day
    });
  });

  test('a 4-hourly source, 24 hourly copies and a minimum age of a day: the last 24 points, then one a day; within the budget of a lineage', () => {
    const policy = { retentionMs: 31 * DAY, minimumAgeMs: DAY, minimumCopies: 3, hourlyCopies: 24 };
    const steady = kept(applyRetention(policy, every(4, 60), now));
    // The 24 newest points span 4 days; then the newest of each of the other 27 days of the 31.
    expect(steady).toBe(24 + 27);
    expect(steady).toBeLessThanOrEqual(copiesPerLineage(policy));
    // An hourly source: its last 24 points, a day of them, then the newest of each of the other 30 days.
    expect(kept(applyRetention(policy, every(1, 60), now))).toBe(24 + 30);
    // Without the tier, and with the minimum age the retention: every copy of the 31 days.
    expect(kept(applyRetention({ ...policy, hourlyCopies: 0, minimumAgeMs: undefined }, every(4, 60), now))).toBe(31 * 6);
  });
});

describe('retention over generated histories (property-based)', () => {
  const RUNS = 300;

  const copyOf = (database: string, resourceId: string, tagged: number, created: number, i: number): DbSnapshot => ({
    identifier: `vault-${resourceId.toLowerCase()}-${i}`,
    arn: `arn:aws:rds:${REGION}:222222222222:snapshot:vault-${resourceId.toLowerCase()}-${i}`,
    dbIdentifier: database,
    type: 'manual',
    status: 'available',
    createTime: new Date(created),
    encrypted: true,
    engine: 'postgres',
    resourceId,
    tags: {
      [TagKeys.OWNER]: OWNER,
      [TagKeys.SOURCE_ACCOUNT]: LIVE,
      [TagKeys.SOURCE_REGION]: REGION,
      [TagKeys.SOURCE_DATABASE]: database,
      [TagKeys.SOURCE_TIME]: new Date(tagged).toISOString(),
      [TagKeys.COMPLETED]: new Date(created).toISOString(),
    },
  });

  /** A real lineage: copies at whole days plus an hour offset, as far back as 120 days; the vault made each an hour later. */
  const realHistory = fc.uniqueArray(fc.integer({ min: 0, max: 120 * 24 }), { minLength: 1, maxLength: 60 })
    .map((hoursAgo) => hoursAgo.map((h, i) => {
      const t = NOW.getTime() - h * HOUR;
      return copyOf('orders', REAL, t, t + HOUR, i);
    }));

  /** Junk: bursts under the same name from other resource ids; some claim a future time, bounded by when the vault made them. */
  const junkHistory = fc.array(fc.record({
    resource: fc.constantFrom('db-JUNK1', 'db-JUNK2', 'db-RECREATED'),
    hoursAgo: fc.integer({ min: 0, max: 60 * 24 }),
    futureClaimHours: fc.constantFrom(0, 0, 24 * 365),
  }), { maxLength: 120 }).map((junk) => junk.map((j, i) => {
    const made = NOW.getTime() - j.hoursAgo * HOUR;
    return copyOf('orders', j.resource, made + j.futureClaimHours * HOUR, made, 1000 + i);
  }));

  const policies = fc.record({
    retentionDays: fc.integer({ min: 1, max: 45 }),
    minimumAgeDays: fc.option(fc.integer({ min: 1, max: 45 }), { nil: undefined }),
    minimumCopies: fc.integer({ min: 1, max: 5 }),
    weeklyCopies: fc.integer({ min: 0, max: 8 }),
    monthlyCopies: fc.integer({ min: 0, max: 6 }),
  }).map((p): VaultPlanConfig => ({
    ownerId: OWNER,
    sourceAccounts: [LIVE],
    retentionMs: p.retentionDays * DAY,
    ...(p.minimumAgeDays ? { minimumAgeMs: p.minimumAgeDays * DAY } : {}),
    minimumCopies: p.minimumCopies,
    weeklyCopies: p.weeklyCopies,
    monthlyCopies: p.monthlyCopies,
    maxCopiesInFlight: 20,
  }));

  const deletedBy = (config: VaultPlanConfig, copies: DbSnapshot[]) => new Set(
    planVault(config, { now: NOW, shipped: [], manualSnapshots: copies }).actions.flatMap((a) => (a.type === 'delete' ? [a.snapshot.identifier] : [])),
  );

  /** The copies of one lineage each tier promises to keep, worked out from the tiers' definitions. */
  function promised(config: VaultPlanConfig, lineage: DbSnapshot[]): Set<string> {
    const time = (c: DbSnapshot) => Math.min(Date.parse(c.tags[TagKeys.SOURCE_TIME]), c.createTime!.getTime());
    const newestFirst = [...lineage].sort((a, b) => time(b) - time(a) || b.identifier.localeCompare(a.identifier));
    const keep = new Set(newestFirst.slice(0, config.minimumCopies).map((c) => c.identifier));
    const newestPer = (periodOf: (t: number) => string, count: number, of: DbSnapshot[]) => {
      const periods = new Set<string>();
      for (const c of of) {
        if (periods.has(periodOf(time(c)))) continue;
        if (periods.size >= count) break;
        periods.add(periodOf(time(c)));
        keep.add(c.identifier);
      }
    };
    newestPer(dayOf, Infinity, newestFirst.filter((c) => NOW.getTime() - time(c) <= config.retentionMs));
    newestPer(weekOf, config.weeklyCopies ?? 0, newestFirst);
    newestPer(monthOf, config.monthlyCopies ?? 0, newestFirst);
    for (const c of newestFirst) if (NOW.getTime() - time(c) < (config.minimumAgeMs ?? config.retentionMs)) keep.add(c.identifier);
    return keep;
  }

  test(`every copy a tier promises is kept, and nothing younger than minimumAge is deleted (${RUNS} histories)`, () => {
    fc.assert(fc.property(policies, realHistory, junkHistory, (config, real, junk) => {
      const all = [...real, ...junk];
      const deleted = deletedBy(config, all);
      for (const resource of new Set(all.map((c) => c.resourceId!))) {
        for (const id of promised(config, all.filter((c) => c.resourceId === resource))) expect(deleted.has(id)).toBe(false);
      }
    }), { numRuns: RUNS });
  });

  test(`junk in one lineage never removes a copy of another (${RUNS} histories)`, () => {
    fc.assert(fc.property(policies, realHistory, junkHistory, (config, real, junk) => {
      const alone = deletedBy(config, real);
      const attacked = deletedBy(config, [...real, ...junk]);
      const realIds = new Set(real.map((c) => c.identifier));
      expect([...attacked].filter((id) => realIds.has(id)).sort()).toEqual([...alone].sort());
    }), { numRuns: RUNS });
  });
});
