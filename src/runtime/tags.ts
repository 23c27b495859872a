/**
 * Tag keys that record ownership and provenance on the snapshots the handlers
 * create. They are part of the contract with IAM: the constructs condition every
 * destructive or sharing permission on `OWNER`.
 *
 * RDS tag keys may not start with `aws:` or `rds:`, and may hold letters,
 * digits, spaces and `_ . : / = + - @`.
 */
export const TAG_PREFIX = 'cdk-rds-failsafe:';

export const TagKeys = {
  /** Which handler instance created (and so may delete) the snapshot. */
  OWNER: `${TAG_PREFIX}owner`,
  /** The account the copied snapshot came from (vault copies). */
  SOURCE_ACCOUNT: `${TAG_PREFIX}source-account`,
  /** The region the copied snapshot came from (vault copies). */
  SOURCE_REGION: `${TAG_PREFIX}source-region`,
  /** The database the snapshot is a copy of. */
  SOURCE_DATABASE: `${TAG_PREFIX}source-db`,
  /** The snapshot it was copied from: an identifier (shipper) or an ARN (vault). */
  SOURCE_SNAPSHOT: `${TAG_PREFIX}source-snapshot`,
  /** The creation time of the original automated snapshot (ISO 8601): the recovery point. */
  SOURCE_TIME: `${TAG_PREFIX}source-time`,
  /**
   * On a snapshot the shipper took itself (a recovery point more often than
   * daily, recovery-points.ts): the start of the interval it was taken for
   * (ISO 8601). It tells such a snapshot from the shipper's copies.
   */
  RECOVERY_POINT: `${TAG_PREFIX}recovery-point`,
  /** Set by the shipper once the copy is shared and announced (ISO 8601 time). */
  ANNOUNCED: `${TAG_PREFIX}announced`,
  /**
   * Copies in flight: what waits for a copy slot, stalest first, that this
   * copy hands its slot to when it finishes (see successors.ts): databases on
   * the shipper's copies, shipped snapshots on the vault's.
   */
  SUCCESSORS: `${TAG_PREFIX}successors`,
  /** Set by the vault on its copy once it first finds the copy available (ISO 8601 time): counted once as completed. */
  COMPLETED: `${TAG_PREFIX}completed`,
  /**
   * Set by a restore drill on the vault copy it restored: when, the verdict,
   * and the restore's duration (drill-records.ts). The drill's memory: which
   * database it drilled last.
   */
  RESTORE_DRILL: `${TAG_PREFIX}restore-drill`,
  /**
   * The same record, set only by a drill that passed, so that a later drill
   * of the same copy that fails does not erase when it last restored.
   */
  RESTORE_DRILL_PASSED: `${TAG_PREFIX}restore-drill-passed`,
} as const;

/** The tag keys a restore drill writes on the vault's copies. IAM and the vault's SCP limit its tagging of them to these. */
export const DRILL_RECORD_TAG_KEYS: readonly string[] = [TagKeys.RESTORE_DRILL, TagKeys.RESTORE_DRILL_PASSED];

/**
 * Tag keys that a restore drill sets on the DB instances and clusters it
 * restores. The drill keeps each drill's state in them: nothing waits inside
 * a Lambda invocation, and nothing else holds state.
 */
export const DrillTagKeys = {
  /** Which drill restored (and so may delete) the resource: the drill's owner id. IAM conditions deletion on it. */
  OWNER: `${TAG_PREFIX}drill`,
  /** The database drilled: `kind:account:region:identifier` (drill-records.ts). */
  DATABASE: `${TAG_PREFIX}drill-database`,
  /** The vault copy restored, by identifier. */
  SNAPSHOT: `${TAG_PREFIX}drill-snapshot`,
  /** When the restore was started (ISO 8601). */
  STARTED: `${TAG_PREFIX}drill-started`,
  /** The drill run that started it: the time of the schedule's event, so that a retried start restores no more than one run's worth. */
  RUN: `${TAG_PREFIX}drill-run`,
  /** When the drill first found the restore available (ISO 8601): the end of the measured RTO. */
  AVAILABLE: `${TAG_PREFIX}drill-available`,
  /** The verdict, once judged: `passed`, or `failed <reason>`. A judged drill is deleted. */
  VERDICT: `${TAG_PREFIX}drill-verdict`,
} as const;

/** Every tag key a drill writes on what it restores. IAM limits its tagging to these keys. */
export const DRILL_TAG_KEYS: readonly string[] = Object.values(DrillTagKeys);

/** Every tag key the shipper writes on its copies. IAM limits its tagging to these keys. */
export const SHIPPER_TAG_KEYS: readonly string[] = [
  TagKeys.OWNER, TagKeys.SOURCE_DATABASE, TagKeys.SOURCE_SNAPSHOT, TagKeys.SOURCE_TIME, TagKeys.ANNOUNCED, TagKeys.SUCCESSORS,
];

/** The tag keys of a shipper that takes its own snapshots (recovery-points.ts): its copies' and `RECOVERY_POINT`. */
export const RECOVERY_POINT_SHIPPER_TAG_KEYS: readonly string[] = [...SHIPPER_TAG_KEYS, TagKeys.RECOVERY_POINT];

/** Every tag key the vault writes at creation. IAM limits its tagging on creation to these keys. */
export const VAULT_TAG_KEYS: readonly string[] = [
  TagKeys.OWNER, TagKeys.SOURCE_ACCOUNT, TagKeys.SOURCE_REGION, TagKeys.SOURCE_DATABASE, TagKeys.SOURCE_SNAPSHOT, TagKeys.SOURCE_TIME,
  TagKeys.SUCCESSORS,
];

export type TagMap = Readonly<Record<string, string>>;

export function toTagMap(list: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): TagMap {
  const out: Record<string, string> = {};
  for (const t of list ?? []) {
    if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  }
  return out;
}

export function toTagList(map: TagMap): { Key: string; Value: string }[] {
  return Object.entries(map).map(([Key, Value]) => ({ Key, Value }));
}
