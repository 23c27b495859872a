/**
 * Since when a database, or a source, is expected to have a recovery point:
 * the grace a fresh deployment gets while its first copies are on their way.
 * Pure.
 *
 * A database with no recovery point at all is not behind from the first pass
 * on: it is expected from the latest of the times that say it should exist,
 * the epoch of the construct that watches it (the creation of a resource its
 * own stack made, read by key-epoch.ts) and, where the watcher may trust it,
 * the database's own creation. It counts as behind, and its age as a figure,
 * from then on, so a chain that never works alarms once `maxAge` has passed
 * since the deployment, and no earlier. Without an epoch (it could not be
 * read) there is no grace: the database is behind at once, as before.
 */

/** The latest of the given times, or undefined if none is given. */
export function expectedSince(...times: ReadonlyArray<Date | undefined>): Date | undefined {
  const known = times.filter((t): t is Date => t !== undefined && !Number.isNaN(t.getTime()));
  if (known.length === 0) return undefined;
  return new Date(Math.max(...known.map((t) => t.getTime())));
}

/**
 * Since when a database with no copy yet is awaited: from when it came to be
 * expected, but no later than the time of the newest backup it could be
 * shipped from, since a copy of that backup could be no fresher. A database
 * whose newest backup is already older than maxAge is therefore behind at
 * once, as it will be once shipped; one with a fresh backup gets the grace.
 * Undefined (no grace) when nothing says since when it is expected.
 */
export function awaitedSince(expected: Date | undefined, newestBackup: Date | undefined): Date | undefined {
  if (expected === undefined) return undefined;
  return newestBackup !== undefined && newestBackup.getTime() < expected.getTime() ? newestBackup : expected;
}

/**
 * Whether something expected since `since` and still missing at `now` is
 * overdue: more than `maxAgeMs` has passed, or nothing says since when it is
 * expected.
 */
export function overdue(since: Date | undefined, now: Date, maxAgeMs: number): boolean {
  return since === undefined || now.getTime() - since.getTime() > maxAgeMs;
}

/**
 * The age to report for something that has no recovery point yet: the time
 * since it is expected, never negative; undefined without an epoch (nothing
 * is reported, and the alarm sees missing data).
 */
export function waitingAgeSeconds(since: Date | undefined, now: Date): number | undefined {
  if (since === undefined) return undefined;
  return Math.max(0, Math.round((now.getTime() - since.getTime()) / 1000));
}
