/**
 * Who goes first when copy slots are scarce, and who has fallen behind: shared
 * by both handlers. Pure.
 *
 * Copy throughput is bounded by AWS (copies in flight), so free slots go to
 * the database whose newest recovery point is the oldest, with databases that
 * have none first. No database can starve: once copied, a database goes to the
 * back of the queue.
 */
import { overdue } from './expected-since';

/**
 * Orders copy candidates stalest first. `keyOf` names the database (or
 * lineage) a candidate belongs to and `newestHeld` its newest recovery point
 * already shipped or held. Candidates of one database take turns with the
 * others: each database's newest candidate comes before any database's second.
 * Ties go to the candidate that has waited longest, then by name.
 */
export function byStaleness<T>(
  candidates: readonly T[],
  keyOf: (c: T) => string,
  timeOf: (c: T) => number,
  newestHeld: (key: string) => number | undefined,
  nameOf: (c: T) => string,
): T[] {
  const rank = new Map<T, number>();
  const byKey = new Map<string, T[]>();
  for (const c of candidates) byKey.set(keyOf(c), [...(byKey.get(keyOf(c)) ?? []), c]);
  for (const group of byKey.values()) {
    group.sort((a, b) => timeOf(b) - timeOf(a)).forEach((c, i) => rank.set(c, i));
  }
  const held = (c: T) => newestHeld(keyOf(c)) ?? -Infinity;
  return [...candidates].sort((a, b) => rank.get(a)! - rank.get(b)!
    || held(a) - held(b)
    || timeOf(a) - timeOf(b)
    || nameOf(a).localeCompare(nameOf(b)));
}

/** A database counts as behind past this age of its newest recovery point, unless configured. */
export const DEFAULT_BEHIND_AFTER_MS = 26 * 3_600_000;

/** The databases that have fallen behind, and the one furthest behind. */
export interface Behind {
  /** Databases whose newest recovery point is older than the limit, or that have none; by name. */
  readonly databases: readonly string[];
  /** The database furthest behind: one with no recovery point, else the oldest. */
  readonly oldest?: { readonly database: string; readonly time?: Date };
}

/**
 * Which of `expected` have a recovery point in `newest` older than `maxAgeMs`
 * at `now`, or have none and are overdue: more than `maxAgeMs` has passed
 * since `since` says they are expected (expected-since.ts), or nothing says.
 */
export function databasesBehind(
  expected: readonly string[], newest: ReadonlyMap<string, Date>, now: Date, maxAgeMs: number,
  since: (database: string) => Date | undefined = () => undefined,
): Behind {
  const behind = expected.filter((db) => {
    const t = newest.get(db);
    return t === undefined ? overdue(since(db), now, maxAgeMs) : now.getTime() - t.getTime() > maxAgeMs;
  }).sort();
  const time = (db: string) => newest.get(db)?.getTime() ?? -Infinity;
  const oldest = [...behind].sort((a, b) => time(a) - time(b) || a.localeCompare(b))[0];
  if (oldest === undefined) return { databases: behind };
  return { databases: behind, oldest: { database: oldest, ...(newest.has(oldest) ? { time: newest.get(oldest) } : {}) } };
}
