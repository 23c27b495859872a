import { Duration, aws_logs as logs, aws_sns as sns } from 'aws-cdk-lib';

/**
 * What every construct of this library takes: its function's memory and
 * logs, and where its alarms go.
 */
export interface FailsafeFunctionProps {
  /**
   * The function's memory, in MiB (Lambda gives CPU in proportion). Sized so
   * that a pass over 1,000 DB instances and 200 clusters, and a vault holding
   * 31 days of their copies, lists and plans in a fraction of the timeout.
   * From 256 to 10,240.
   *
   * @default 1024
   */
  readonly memorySize?: number;

  /**
   * How long the handler's logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The topic every alarm notifies, when it fires and when it clears.
   *
   * @default - the alarms notify nobody; wire them through the alarm properties
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * What the shipper and the vault both take: how much their handler may do at
 * once, its timeout, and their dashboard.
 *
 * The copy budgets are per kind and per pass: DB snapshot copies and DB
 * cluster snapshot copies have limits of their own, and so do manual DB
 * snapshots and manual DB cluster snapshots. RDS enforces AWS's own limits
 * whatever the props say; a copy RDS refuses waits for a later pass.
 */
export interface SnapshotHandlerProps extends FailsafeFunctionProps {
  /**
   * How many of the handler's DB snapshot copies may be in progress at once.
   * AWS allows up to 20 DB snapshot copy requests in progress per destination
   * Region per account (RDS User Guide, "Copying a DB snapshot"); a lower
   * value leaves room for other copies in the account. Throughput is about
   * this many copies per copy duration: at 20-minute copies, 20 in flight copy
   * 1,000 databases in about 17 hours. Sweeps keep to it; a pass about one
   * database (an RDS event, an announcement) cannot see the account's copies
   * in flight, and for it only AWS's limit, which RDS enforces, applies.
   *
   * @default 20
   */
  readonly maxCopiesInFlight?: number;

  /**
   * How many of the handler's DB cluster snapshot (Aurora) copies may be in
   * progress at once. AWS allows up to 5 per destination Region per account
   * (Aurora User Guide, "Copying a DB cluster snapshot").
   *
   * @default 5
   */
  readonly maxClusterCopiesInFlight?: number;

  /**
   * A ceiling on the manual snapshots of each kind the account may hold before
   * the handler stops starting copies, below the account's real quota. The
   * handler reads the real quotas (`ManualSnapshots`, `ManualClusterSnapshots`)
   * and their use with `DescribeAccountAttributes` in every pass, so this is
   * needed only to keep the handler further below them.
   *
   * @default - the account's real quota, less `manualSnapshotHeadroom`
   */
  readonly manualSnapshotQuota?: number;

  /**
   * Manual snapshots of each kind kept free below the account's real quota,
   * for snapshots that people and other tools take.
   *
   * @default 10
   */
  readonly manualSnapshotHeadroom?: number;

  /**
   * The function's timeout. A pass lists the account, then acts; it stops
   * starting work 15 seconds before the timeout, and a listing that does not
   * finish by then fails the pass with a clear error rather than a timeout.
   * From 1 to 15 minutes.
   *
   * @default Duration.minutes(10)
   */
  readonly timeout?: Duration;

  /**
   * Whether to create a CloudWatch dashboard: the age of each database's
   * newest copy, copies over time, failures, and the alarms.
   *
   * @default false
   */
  readonly dashboard?: boolean;

  /**
   * The dashboard's name.
   *
   * @default - a name CloudFormation generates
   */
  readonly dashboardName?: string;
}
