/**
 * How many copies a pass may start, per kind (DB instance or DB cluster
 * snapshots): the limits on copies in flight and on manual snapshots, with
 * the account's real quota read at run time. Pure; shared by both planners.
 *
 * The two kinds have budgets of their own. RDS answers `SnapshotQuotaExceeded`
 * both for "too many manual snapshots" and for "too many copies in flight";
 * `quotaRefusalOf` tells the two apart by the message.
 */

/** Which RDS API family a database or snapshot belongs to. */
export type DbKind = 'instance' | 'cluster';

/** The API family of a database or snapshot; instance unless it says otherwise. */
export const kindOf = (x: { readonly kind?: DbKind }): DbKind => x.kind ?? 'instance';

export const KINDS: readonly DbKind[] = ['instance', 'cluster'];

/**
 * Snapshot copy requests that may be in progress per destination Region per
 * account: 20 for DB snapshots (RDS User Guide, "Copying a DB snapshot") and
 * 5 for DB cluster snapshots (Aurora User Guide, "Copying a DB cluster
 * snapshot"). The planners never start more; RDS refuses the rest.
 */
export const AWS_COPIES_IN_FLIGHT: Readonly<Record<DbKind, number>> = { instance: 20, cluster: 5 };

/**
 * The default quotas of manual DB snapshots and of manual DB cluster
 * snapshots per Region (RDS User Guide, "Quotas in Amazon RDS"; adjustable).
 * Used only when the real quota cannot be read.
 */
export const DEFAULT_MANUAL_SNAPSHOT_QUOTA = 100;

/** Manual snapshots left free for people who take them by hand, by default. */
export const DEFAULT_MANUAL_SNAPSHOT_HEADROOM = 10;

/** The names `DescribeAccountAttributes` gives the two manual snapshot quotas. */
export const QUOTA_NAMES: Readonly<Record<DbKind, string>> = { instance: 'ManualSnapshots', cluster: 'ManualClusterSnapshots' };

/** What the planners are told about limits. */
export interface BudgetConfig {
  /** DB snapshot copies of this handler that may be in progress at once; at most 20. */
  readonly maxCopiesInFlight: number;
  /** DB cluster snapshot copies that may be in progress at once; at most 5. @default 5 */
  readonly maxClusterCopiesInFlight?: number;
  /** An optional ceiling below the account's real quota, per kind. @default - the real quota */
  readonly manualSnapshotQuota?: number;
  /** Manual snapshots of each kind kept free below the real quota. @default 10 */
  readonly manualSnapshotHeadroom?: number;
}

/** One manual snapshot quota, as `DescribeAccountAttributes` reports it. */
export interface Quota {
  readonly used: number;
  readonly max: number;
}

/** The account's manual snapshot quotas, where they could be read. */
export type AccountQuotas = Readonly<Partial<Record<DbKind, Quota>>>;

/** Why a copy cannot start now. */
export type Refusal = 'in-flight' | 'snapshot-quota';

/** The copy budget of one kind in one pass. */
export interface Budget {
  readonly kind: DbKind;
  /** Copies in flight now, counting those this pass planned; undefined when the pass cannot see them all. */
  inFlight: number | undefined;
  readonly maxInFlight: number;
  /** Manual snapshots in the account now, counting those this pass planned. */
  manual: number;
  /** The most manual snapshots the pass lets the account hold. */
  readonly maxManual: number;
  /** Whether the quota was read from the account (false: the default quota is assumed). */
  readonly quotaKnown: boolean;
}

/**
 * The budget of one kind. `used` comes from the account's quota when it could
 * be read, else from the listing (`listedManual`). `inFlight` is undefined
 * when the pass listed only part of the account (an announcement): RDS then
 * enforces the limit on copies in flight, and the sweep applies the lower
 * ceiling of `maxCopiesInFlight`.
 */
export function budgetOf(kind: DbKind, config: BudgetConfig, quota: Quota | undefined, listedManual: number, inFlight: number | undefined): Budget {
  const configured = kind === 'instance' ? config.maxCopiesInFlight : config.maxClusterCopiesInFlight ?? AWS_COPIES_IN_FLIGHT.cluster;
  const headroom = config.manualSnapshotHeadroom ?? DEFAULT_MANUAL_SNAPSHOT_HEADROOM;
  const max = quota?.max ?? DEFAULT_MANUAL_SNAPSHOT_QUOTA;
  return {
    kind,
    inFlight,
    maxInFlight: Math.min(configured, AWS_COPIES_IN_FLIGHT[kind]),
    manual: Math.max(quota?.used ?? 0, listedManual),
    maxManual: Math.min(max - headroom, config.manualSnapshotQuota ?? Infinity),
    quotaKnown: quota !== undefined,
  };
}

/** Why the next copy of this kind cannot start, or undefined if it can. */
export function refusalOf(b: Budget): Refusal | undefined {
  if (b.inFlight !== undefined && b.inFlight >= b.maxInFlight) return 'in-flight';
  if (b.manual >= b.maxManual) return 'snapshot-quota';
  return undefined;
}

/** Counts a copy the pass plans to start. */
export function take(b: Budget): void {
  if (b.inFlight !== undefined) b.inFlight += 1;
  b.manual += 1;
}

/** A line for the log: why a copy waits. */
export function refusalMessage(b: Budget, refusal: Refusal, what: string, account = 'the account'): string {
  const kind = b.kind === 'cluster' ? 'DB cluster snapshot' : 'DB snapshot';
  if (refusal === 'in-flight') return `${b.inFlight} ${kind} copies are in progress, the limit is ${b.maxInFlight}; ${what} waits for a later pass`;
  const quota = b.quotaKnown ? '' : ` (the real quota could not be read; ${DEFAULT_MANUAL_SNAPSHOT_QUOTA} is assumed)`;
  return `${account} holds ${b.manual} manual ${kind}s and may hold ${b.maxManual}${quota}; ${what} waits until there is room`;
}

/**
 * Tells apart the two meanings of RDS's `SnapshotQuotaExceeded`: the manual
 * snapshot quota ("Cannot create more than 100 manual snapshots") and the
 * copies in flight ("Cannot copy more than 5 snapshots across regions"). A
 * message that names neither is taken as the quota, the stricter reading.
 */
export function quotaRefusalOf(message: string | undefined): Refusal {
  const m = (message ?? '').toLowerCase();
  if (/manual snapshots|maximum number of snapshots/.test(m)) return 'snapshot-quota';
  if (/cannot copy more than|copies in progress|copy requests|in progress/.test(m)) return 'in-flight';
  return 'snapshot-quota';
}
