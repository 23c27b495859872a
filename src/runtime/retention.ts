/**
 * Tiered retention of one lineage's copies: which copies the vault keeps and
 * which it may delete. Pure; no I/O, no clock.
 *
 * A copy is kept while any of these keeps it, and deleted only when none does:
 * - **minimum age**: every copy younger than `minimumAgeMs`, whatever the counts;
 * - **minimum copies**: the newest `minimumCopies` available copies, however old;
 * - **hourly**: the newest copy of each of the `hourlyCopies` most recent UTC
 *   hours that hold a copy, for sources that ship more often than daily;
 * - **daily**: the newest copy of each UTC calendar day, for `retentionMs`;
 * - **weekly**: the newest copy of each of the `weeklyCopies` most recent UTC
 *   calendar weeks (Monday to Sunday) that hold a copy;
 * - **monthly**: the same for the `monthlyCopies` most recent UTC calendar months;
 * - **newer incomplete**: every copy older than a copy still in progress
 *   (invariant 2 of the design: a copy that may yet fail replaces nothing).
 *
 * The tiers count calendar periods, not copies, in the manner of restic's
 * `forget --keep-daily/--keep-weekly/--keep-monthly`: a burst of copies in one
 * day takes one daily slot, so it cannot push older days out. A copy's time
 * is its recovery point, bounded by when RDS made the vault's copy, so a copy
 * cannot claim a period later than the one it was made in.
 */

export interface RetentionPolicy {
  /** How long the daily tier keeps the newest copy of each day. */
  readonly retentionMs: number;
  /** Copies younger than this are never deleted. @default retentionMs */
  readonly minimumAgeMs?: number;
  /** The newest this many available copies are kept however old. */
  readonly minimumCopies: number;
  /** Hours whose newest copy is kept: the hourly tier, for recovery points more often than daily. @default 0 */
  readonly hourlyCopies?: number;
  /** Weeks whose newest copy is kept. @default 0 */
  readonly weeklyCopies?: number;
  /** Months whose newest copy is kept. @default 0 */
  readonly monthlyCopies?: number;
}

/** One copy of a lineage, as retention sees it. */
export interface RetainedCopy {
  readonly id: string;
  /** The recovery point it holds (epoch milliseconds). */
  readonly time: number;
  /** Whether RDS is still making it. */
  readonly inProgress: boolean;
}

export type KeepReason = 'minimum-age' | 'minimum-copies' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'newer-incomplete' | 'in-progress';

/** For each copy, why it is kept, or `undefined` when no tier keeps it and it may be deleted. */
export type RetentionVerdicts = ReadonlyMap<string, KeepReason | undefined>;

/** The UTC hour of a time, as a sortable key. */
export const hourOf = (t: number): string => new Date(t).toISOString().slice(0, 13);

/** The UTC calendar day of a time, as a sortable key. */
export const dayOf = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** The UTC calendar week (starting on Monday) of a time: the date of its Monday. */
export function weekOf(t: number): string {
  const d = new Date(t);
  const sinceMonday = (d.getUTCDay() + 6) % 7;
  return dayOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - sinceMonday));
}

/** The UTC calendar month of a time. */
export const monthOf = (t: number): string => new Date(t).toISOString().slice(0, 7);

/** Newest first; ties broken by id, so that the verdicts never depend on the order copies were listed in. */
const newestFirst = (a: RetainedCopy, b: RetainedCopy) => b.time - a.time || b.id.localeCompare(a.id);

/** The newest available copy of each period, for the `count` most recent periods that hold one. */
function newestPerPeriod(available: readonly RetainedCopy[], periodOf: (t: number) => string, count: number): Set<string> {
  const kept = new Set<string>();
  const periods = new Set<string>();
  for (const copy of available) { // newest first
    const period = periodOf(copy.time);
    if (periods.has(period)) continue;
    if (periods.size >= count) break;
    periods.add(period);
    kept.add(copy.id);
  }
  return kept;
}

/** Whether a recovery point is younger than the policy's minimum age: such a copy is always kept. */
export function isYoungerThanMinimumAge(policy: RetentionPolicy, time: number, now: number): boolean {
  return now - time < (policy.minimumAgeMs ?? policy.retentionMs);
}

/** The verdict on every copy of one lineage. */
export function applyRetention(policy: RetentionPolicy, copies: readonly RetainedCopy[], now: number): RetentionVerdicts {
  const sorted = [...copies].sort(newestFirst);
  const available = sorted.filter((c) => !c.inProgress);
  const minimumCopies = new Set(available.slice(0, policy.minimumCopies).map((c) => c.id));
  const recent = available.filter((c) => now - c.time <= policy.retentionMs);
  const hourly = newestPerPeriod(available, hourOf, policy.hourlyCopies ?? 0);
  const daily = newestPerPeriod(recent, dayOf, Infinity);
  const weekly = newestPerPeriod(available, weekOf, policy.weeklyCopies ?? 0);
  const monthly = newestPerPeriod(available, monthOf, policy.monthlyCopies ?? 0);
  const newestInProgress = Math.max(...sorted.filter((c) => c.inProgress).map((c) => c.time));

  const reasonToKeep = (copy: RetainedCopy): KeepReason | undefined => {
    if (copy.inProgress) return 'in-progress';
    if (isYoungerThanMinimumAge(policy, copy.time, now)) return 'minimum-age';
    if (minimumCopies.has(copy.id)) return 'minimum-copies';
    if (hourly.has(copy.id)) return 'hourly';
    if (daily.has(copy.id)) return 'daily';
    if (weekly.has(copy.id)) return 'weekly';
    if (monthly.has(copy.id)) return 'monthly';
    if (copy.time <= newestInProgress) return 'newer-incomplete';
    return undefined;
  };
  return new Map(sorted.map((copy) => [copy.id, reasonToKeep(copy)]));
}
