/**
 * The restore drill's metrics for one pass. Pure: the construct reads the
 * same names (metric-names.ts) for its alarms and dashboard widget.
 *
 * - Every pass: RestoresStarted, RestoreSucceeded, RestoreFailed, Failures,
 *   ActionsDeferred, DrillsInFlight and PassDuration, zero included.
 * - Per source database drilled in the pass: RestoreSucceeded or
 *   RestoreFailed, RestoreDuration and ValidationDuration.
 * - On a census: LastSuccessfulRestoreAge per database that has a passed
 *   drill, and DatabasesWithoutRecentRestore: those whose last passed drill
 *   is older than maxAge, those whose drills all failed, and those never
 *   drilled that the vault has held for longer than maxAge
 *   (expected-since.ts), so that a fresh deployment does not alarm while its
 *   rotation reaches every database.
 */
import { DrillPassSummary } from './drill-pass';
import { DrilledDatabase } from './drill-records';
import { overdue } from './expected-since';
import { ageSeconds, count, Dimension, MetricDatum, MetricName } from './metric-names';

function dimensionsOf(d: DrilledDatabase): Record<string, string> {
  return { [Dimension.SOURCE_ACCOUNT]: d.account, [Dimension.SOURCE_REGION]: d.region, [Dimension.SOURCE_DATABASE]: d.database };
}

export function drillMetrics(s: DrillPassSummary, maxAgeMs: number, now: Date, durationMs: number): MetricDatum[] {
  const passed = s.judged.filter((j) => j.passed).length;
  const out: MetricDatum[] = [
    count(MetricName.RESTORES_STARTED, s.restoresStarted),
    count(MetricName.RESTORE_SUCCEEDED, passed),
    count(MetricName.RESTORE_FAILED, s.judged.length - passed),
    count(MetricName.FAILURES, s.failures),
    count(MetricName.ACTIONS_DEFERRED, s.deferred + s.heldBack),
    count(MetricName.DRILLS_IN_FLIGHT, s.inFlight),
    { name: MetricName.PASS_DURATION, unit: 'Milliseconds', value: durationMs },
  ];
  for (const j of s.judged) {
    const dimensions = dimensionsOf(j.database);
    out.push(count(j.passed ? MetricName.RESTORE_SUCCEEDED : MetricName.RESTORE_FAILED, 1, dimensions));
    if (j.restoreSeconds !== undefined) out.push({ name: MetricName.RESTORE_DURATION, unit: 'Seconds', value: j.restoreSeconds, dimensions });
    if (j.validationSeconds !== undefined) out.push({ name: MetricName.VALIDATION_DURATION, unit: 'Seconds', value: j.validationSeconds, dimensions });
  }
  if (!s.census) return out;
  let withoutRecent = 0;
  for (const c of s.census) {
    const success = c.lastSuccess?.at;
    // Never passed: at once if a drill was tried and failed; if none was tried yet, once the vault has held it for maxAge.
    const without = success ? now.getTime() - success.getTime() > maxAgeMs : c.lastAttempt !== undefined || overdue(c.heldSince, now, maxAgeMs);
    if (without) withoutRecent += 1;
    if (success) out.push({ name: MetricName.LAST_SUCCESSFUL_RESTORE_AGE, unit: 'Seconds', value: ageSeconds(now, success), dimensions: dimensionsOf(c.database) });
  }
  out.push(count(MetricName.DATABASES_WITHOUT_RECENT_RESTORE, withoutRecent));
  return out;
}
