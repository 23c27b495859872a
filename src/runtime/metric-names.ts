/**
 * The metrics both handlers publish, and how a pass's outcome maps to them.
 * This module is pure and imports nothing from the SDK or from Powertools:
 * the constructs read the same names to build their alarms and dashboards, so
 * a name can only change in one place.
 */
import { waitingAgeSeconds } from './expected-since';

/** The CloudWatch namespace of every metric the library publishes. */
export const METRICS_NAMESPACE = 'CdkRdsFailsafe';

/**
 * The dimension that tells one construct's metrics from another's. Powertools
 * calls it `service`; its value is the construct's owner id.
 */
export const SERVICE_DIMENSION = 'service';

export const Dimension = {
  SOURCE_ACCOUNT: 'SourceAccount',
  SOURCE_REGION: 'SourceRegion',
  SOURCE_DATABASE: 'SourceDatabase',
  REASON: 'Reason',
} as const;

export const MetricName = {
  /** Copies started (shipper: automated snapshot to shipping copy; vault: shared copy to vault copy). */
  COPIES_STARTED: 'CopiesStarted',
  /** Copies that finished: shipper copies when shared and announced, vault copies when first seen available. */
  COPIES_COMPLETED: 'CopiesCompleted',
  /** Copies that could not be started, or that RDS reports as failed. */
  COPIES_FAILED: 'CopiesFailed',
  /**
   * Everything that went wrong in a pass: failed actions (copies, shares,
   * announcements, deletions, tagging) and error-level findings (a copy RDS
   * failed, the snapshot quota reached, a database not found or not
   * shareable, a name conflict).
   */
  FAILURES: 'Failures',
  /** Work left for the next pass: copies held back by the in-flight limit or the snapshot quota, and actions the time budget left. */
  ACTIONS_DEFERRED: 'ActionsDeferred',
  /**
   * Shipper, with a recovery point interval below a day: snapshots it took of
   * its databases (CreateDBSnapshot, CreateDBClusterSnapshot).
   */
  SNAPSHOTS_TAKEN: 'SnapshotsTaken',
  /** Shipper: copies shared with the vault account. */
  SHARES: 'Shares',
  /** Shipper: copies announced on the topic. */
  ANNOUNCEMENTS: 'Announcements',
  /** Vault: announcements that passed validation. */
  MESSAGES_ACCEPTED: 'MessagesAccepted',
  /** Vault: messages rejected; also published per `Reason`. */
  MESSAGES_REJECTED: 'MessagesRejected',
  /** Copies deleted by retention. */
  SNAPSHOTS_EXPIRED: 'SnapshotsExpired',
  /** Wall time of a pass. */
  PASS_DURATION: 'PassDuration',
  /** Vault, per source database: age of the recovery point of its newest available vault copy. */
  RECOVERY_POINT_AGE: 'RecoveryPointAge',
  /** Vault, per source (account and region): the largest RecoveryPointAge among its databases. The alarm's metric. */
  OLDEST_RECOVERY_POINT_AGE: 'OldestRecoveryPointAge',
  /** Shipper, per selected database: age of the recovery point of its newest shared and announced copy. */
  SHIPPED_COPY_AGE: 'ShippedCopyAge',
  /**
   * Shipper, per sweep: selected databases whose newest shipped copy is older
   * than the alarm's maxAge, or that were never shipped. Vault, per manifest
   * part and source: databases the manifest lists that the vault holds no
   * copy of, or none newer than the alarm's maxAge.
   */
  DATABASES_BEHIND: 'DatabasesBehind',
  /** Vault, per source (account and region): manifest parts received and checked. */
  MANIFESTS_RECEIVED: 'ManifestsReceived',
  /**
   * Vault: shared snapshots from configured sources that RDS's own metadata
   * does not bear out (verification.ts), so they are not copied; also per `Reason`.
   */
  SNAPSHOTS_REFUSED: 'SnapshotsRefused',
  /** Vault: copies started into a new lineage of a database already held under another resource id (lineage.ts). */
  LINEAGE_CHANGES: 'LineageChanges',
  /** Vault: snapshots that got no copy because their source is over its budget (source-budget.ts); also per `SourceAccount`. */
  SOURCE_BUDGET_REFUSALS: 'SourceBudgetRefusals',
  /** Vault, per sweep: the larger share of the two manual snapshot quotas in use, in percent. */
  MANUAL_SNAPSHOT_QUOTA_USE: 'ManualSnapshotQuotaUse',
  /** Restore drill: restores started. */
  RESTORES_STARTED: 'RestoresStarted',
  /** Restore drill, in total and per source database: drills that passed. */
  RESTORE_SUCCEEDED: 'RestoreSucceeded',
  /** Restore drill, in total and per source database: drills that failed (refused, failed in RDS, failed validation, or past their lifetime). */
  RESTORE_FAILED: 'RestoreFailed',
  /** Restore drill, per source database: from the start of the restore until RDS reported it available, the measured RTO. */
  RESTORE_DURATION: 'RestoreDuration',
  /** Restore drill, per source database: how long the validation function took. */
  VALIDATION_DURATION: 'ValidationDuration',
  /** Restore drill, per source database, on each census: the age of its last passed drill. */
  LAST_SUCCESSFUL_RESTORE_AGE: 'LastSuccessfulRestoreAge',
  /** Restore drill, on each census: databases the vault holds with no passed drill within maxAge. The alarm's metric. */
  DATABASES_WITHOUT_RECENT_RESTORE: 'DatabasesWithoutRecentRestore',
  /** Restore drill: drills in flight at the start of a pass. */
  DRILLS_IN_FLIGHT: 'DrillsInFlight',
  /** Vault, per sweep: snapshots shared with the vault by accounts that are not its sources. */
  UNLISTED_SHARES: 'UnlistedShares',
} as const;

export type MetricUnitName = 'Count' | 'Seconds' | 'Milliseconds' | 'Percent';

/** One value to publish. Without dimensions it carries only the construct's `service` dimension. */
export interface MetricDatum {
  readonly name: string;
  readonly unit: MetricUnitName;
  readonly value: number;
  readonly dimensions?: Readonly<Record<string, string>>;
}

/** The newest recovery point held for one source database. */
export interface RecoveryPoint {
  readonly account: string;
  readonly region: string;
  readonly database: string;
  /** The original automated snapshot's time. */
  readonly time: Date;
}

export function count(name: string, value: number, dimensions?: Record<string, string>): MetricDatum {
  return { name, unit: 'Count', value, ...(dimensions ? { dimensions } : {}) };
}

export function ageSeconds(now: Date, time: Date): number {
  return Math.max(0, Math.round((now.getTime() - time.getTime()) / 1000));
}

/** What both passes count, the same way. */
export interface PassCounts {
  readonly copiesStarted: number;
  /** Copies deleted because they passed the retention. */
  readonly expired: number;
  /** Failed actions. */
  readonly failures: number;
  /** Failed actions, per action type. */
  readonly failuresByAction: Readonly<Record<string, number>>;
  /** Copies RDS reports as failed, found in this pass. */
  readonly copiesFailedInRds: number;
  /** Error-level findings of the plan, copies RDS failed among them. */
  readonly errorFindings: number;
  /** Actions left for the next pass. */
  readonly deferred: number;
}

/** CopiesFailed, Failures and ActionsDeferred, counted alike for both handlers. */
function failureCounts(o: PassCounts): MetricDatum[] {
  return [
    count(MetricName.COPIES_FAILED, (o.failuresByAction.copy ?? 0) + o.copiesFailedInRds),
    count(MetricName.FAILURES, o.failures + o.errorFindings),
    count(MetricName.ACTIONS_DEFERRED, o.deferred),
  ];
}

export interface ShipperOutcome extends PassCounts {
  /** Snapshots the shipper took of its databases (recovery-points.ts). */
  readonly snapshotsTaken: number;
  readonly shared: number;
  readonly announced: number;
  /** Per selected database, its newest shipped (shared and announced) copy. */
  readonly shippedCopies: ReadonlyArray<{ readonly database: string; readonly time: Date }>;
  /** The selected databases that have fallen behind; only sweeps, which see them all, report it. */
  readonly behind?: { readonly databases: readonly string[] };
}

/**
 * The shipper's metrics for one pass. Every counter is published on every
 * pass, zero included, so a silent shipper shows as missing data, not as zero.
 */
export function shipperMetrics(o: ShipperOutcome, now: Date, durationMs: number): MetricDatum[] {
  return [
    count(MetricName.SNAPSHOTS_TAKEN, o.snapshotsTaken),
    count(MetricName.COPIES_STARTED, o.copiesStarted),
    // A shipper copy is complete once it is available, and it is announced in
    // the pass that first sees it so.
    count(MetricName.COPIES_COMPLETED, o.announced),
    ...failureCounts(o),
    count(MetricName.SHARES, o.shared),
    count(MetricName.ANNOUNCEMENTS, o.announced),
    count(MetricName.SNAPSHOTS_EXPIRED, o.expired),
    ...(o.behind ? [count(MetricName.DATABASES_BEHIND, o.behind.databases.length)] : []),
    { name: MetricName.PASS_DURATION, unit: 'Milliseconds', value: durationMs },
    ...o.shippedCopies.map((c) => ({
      name: MetricName.SHIPPED_COPY_AGE,
      unit: 'Seconds' as const,
      value: ageSeconds(now, c.time),
      dimensions: { [Dimension.SOURCE_DATABASE]: c.database },
    })),
  ];
}

export interface VaultOutcome extends PassCounts {
  readonly accepted: number;
  /** Rejected messages, by reason code. */
  readonly rejectedByReason: Readonly<Record<string, number>>;
  readonly copiesCompleted: number;
  /** The newest recovery point per source database, or undefined if the pass could not read them. */
  readonly recoveryPoints?: readonly RecoveryPoint[];
  /** Shared snapshots refused by verification, by reason code. */
  readonly refused?: Readonly<Record<string, number>>;
  readonly lineageChanges?: number;
  /** Per source account, snapshots refused because it is over its budget. */
  readonly overBudget?: Readonly<Record<string, number>>;
  /** Sweeps only: the larger share of the manual snapshot quotas in use, in percent. */
  readonly quotaUsePercent?: number;
  /** Sweeps only: snapshots shared by accounts that are not sources. */
  readonly unlistedShares?: number;
  /**
   * The vault's epoch (key-epoch.ts): a configured source with no copy of any
   * database reports the time since then as its OldestRecoveryPointAge.
   */
  readonly epoch?: Date;
  /** Per manifest part received: its source, and how many of the databases it lists are behind in the vault. */
  readonly manifestVerdicts?: ReadonlyArray<{
    readonly account: string;
    readonly region: string;
    readonly behind: { readonly databases: readonly string[] };
  }>;
}

/** What the vault refused to take in, and how full it is: the signs of a source that misbehaves. */
function intakeMetrics(o: VaultOutcome): MetricDatum[] {
  const sum = (m: Readonly<Record<string, number>> = {}) => Object.values(m).reduce((a, b) => a + b, 0);
  return [
    count(MetricName.SNAPSHOTS_REFUSED, sum(o.refused)),
    ...Object.entries(o.refused ?? {}).sort().map(([reason, n]) => count(MetricName.SNAPSHOTS_REFUSED, n, { [Dimension.REASON]: reason })),
    count(MetricName.LINEAGE_CHANGES, o.lineageChanges ?? 0),
    count(MetricName.SOURCE_BUDGET_REFUSALS, sum(o.overBudget)),
    ...Object.entries(o.overBudget ?? {}).sort()
      .map(([account, n]) => count(MetricName.SOURCE_BUDGET_REFUSALS, n, { [Dimension.SOURCE_ACCOUNT]: account })),
    ...(o.unlistedShares !== undefined ? [count(MetricName.UNLISTED_SHARES, o.unlistedShares)] : []),
    ...(o.quotaUsePercent !== undefined ? [{ name: MetricName.MANUAL_SNAPSHOT_QUOTA_USE, unit: 'Percent' as const, value: o.quotaUsePercent }] : []),
  ];
}

export interface VaultMetricsConfig {
  /** The configured sources, as account and region. */
  readonly sources: ReadonlyArray<{ readonly account: string; readonly region: string }>;
  /** Past this age, a database's newest copy no longer counts towards its source's maximum. */
  readonly retireAfterMs: number;
}

/**
 * The vault's metrics for one pass. Recovery-point ages are published per
 * source database, and their maximum per configured source (each account and
 * region once). A database whose newest copy is older than `retireAfterMs`
 * is taken as retired: its age no longer counts towards the source's maximum.
 * The construct sets that to at least a week past the alarm's maxAge, so a
 * database that stops being shipped alarms for a week or more first. A source
 * with no database (none copied yet, or all retired) reports the time since
 * the vault's epoch instead (expected-since.ts): small on the day of the
 * deployment, over the alarm's maxAge once that has passed with nothing
 * copied. Without an epoch it has no maximum at all. Every configured source
 * also reports ManifestsReceived, 0 when no manifest came in the pass, so that
 * a manifest that never comes shows as zeros, not as silence.
 */
export function vaultMetrics(o: VaultOutcome, config: VaultMetricsConfig, now: Date, durationMs: number): MetricDatum[] {
  const rejected = Object.values(o.rejectedByReason).reduce((a, b) => a + b, 0);
  const out: MetricDatum[] = [
    count(MetricName.MESSAGES_ACCEPTED, o.accepted),
    count(MetricName.MESSAGES_REJECTED, rejected),
    ...Object.entries(o.rejectedByReason).sort().map(([reason, n]) => count(MetricName.MESSAGES_REJECTED, n, { [Dimension.REASON]: reason })),
    count(MetricName.COPIES_STARTED, o.copiesStarted),
    count(MetricName.COPIES_COMPLETED, o.copiesCompleted),
    ...failureCounts(o),
    count(MetricName.SNAPSHOTS_EXPIRED, o.expired),
    { name: MetricName.PASS_DURATION, unit: 'Milliseconds', value: durationMs },
    ...intakeMetrics(o),
  ];
  const sources = [...new Map(config.sources.map((s) => [`${s.account}/${s.region}`, s])).values()];
  const sourceOf = (s: { readonly account: string; readonly region: string }) => ({
    [Dimension.SOURCE_ACCOUNT]: s.account, [Dimension.SOURCE_REGION]: s.region,
  });
  const verdicts = o.manifestVerdicts ?? [];
  for (const v of verdicts) {
    out.push(count(MetricName.MANIFESTS_RECEIVED, 1, sourceOf(v)), count(MetricName.DATABASES_BEHIND, v.behind.databases.length, sourceOf(v)));
  }
  for (const s of sources.filter((c) => !verdicts.some((v) => v.account === c.account && v.region === c.region))) {
    out.push(count(MetricName.MANIFESTS_RECEIVED, 0, sourceOf(s)));
  }
  if (!o.recoveryPoints) return out;
  const points = [...o.recoveryPoints].sort((a, b) => `${a.account}/${a.region}/${a.database}`.localeCompare(`${b.account}/${b.region}/${b.database}`));
  for (const p of points) {
    out.push({
      name: MetricName.RECOVERY_POINT_AGE,
      unit: 'Seconds',
      value: ageSeconds(now, p.time),
      dimensions: { [Dimension.SOURCE_ACCOUNT]: p.account, [Dimension.SOURCE_REGION]: p.region, [Dimension.SOURCE_DATABASE]: p.database },
    });
  }
  for (const source of sources) {
    const ages = points
      .filter((p) => p.account === source.account && p.region === source.region)
      .map((p) => ageSeconds(now, p.time))
      .filter((age) => age * 1000 <= config.retireAfterMs);
    // With no copy, the time since the epoch; with no epoch either (it could not be read), no grace: the retirement
    // age, past every alarm's maxAge, so that a source that never ships still pages.
    const oldest = ages.length > 0 ? Math.max(...ages) : (waitingAgeSeconds(o.epoch, now) ?? Math.round(config.retireAfterMs / 1000));
    out.push({ name: MetricName.OLDEST_RECOVERY_POINT_AGE, unit: 'Seconds', value: oldest, dimensions: sourceOf(source) });
  }
  return out;
}
