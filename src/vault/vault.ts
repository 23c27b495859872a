import {
  Annotations,
  Arn,
  ArnFormat,
  CfnOutput,
  Duration,
  Lazy,
  Names,
  Stack,
  Stage,
  Token,
  aws_cloudwatch as cloudwatch,
  aws_events as events,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_lambda_event_sources as lambdaEventSources,
  aws_logs as logs,
  aws_sns as sns,
  aws_sns_subscriptions as subscriptions,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { VaultFunction } from './vault-function';
import { SnapshotHandlerProps } from '../capacity';
import { VaultAlarmsOptions } from '../monitoring';
import { checkRegionName, checkRoleArn, parseTopicArn, warnIfEnvironmentAgnostic } from '../private/environment';
import { allowRdsUseBy, newLockedDownKey, RdsUseOptions, rdsUseStatements } from '../private/keys';
import {
  AlarmFactory, alarmStatusRow, DEFAULT_MAX_AGE, failsafeMetric, failsafeSearch, recoveryPointMaxAge, scheduleInterval, validateAlarmOptions,
} from '../private/monitoring';
import { addNagSuppressions, arnFinding } from '../private/nag';
import * as shape from '../private/props-shape';
import {
  addTriggers,
  DEFAULT_SWEEP,
  budgetConfigOf,
  createReconcilerParts,
  grantKeyUseThroughRds,
  grantSharedKeyUseThroughRds,
  grantOwnedCopies,
  PropsValidator,
  clusterSnapshotArn,
  snapshotArn,
  suppressNistFindings,
  suppressRoleWildcards,
} from '../private/reconciler';
import { VAULT_CONFIG_VERSION } from '../runtime/config';
import { Dimension, MetricName } from '../runtime/metric-names';
import { DatabaseSource, databaseSourcesOf, sourcePairsOf } from '../runtime/source-pairs';
import { DRILL_RECORD_TAG_KEYS, TagKeys, VAULT_TAG_KEYS } from '../runtime/tags';
import { SHIPPED_SNAPSHOT_PREFIX, VAULT_SNAPSHOT_PREFIX } from '../runtime/vault-plan';
import type { RdsSnapshotShipper } from '../shipper/shipper';

/** The hourly tier a vault gets when a source ships more often than daily: a day of hourly points. */
const DEFAULT_HOURLY_COPIES = 24;

/**
 * A Live account the vault takes snapshots from: the topic its
 * `RdsSnapshotShipper` announces on.
 */
export interface SnapshotSource {
  /**
   * The ARN of the shipper's topic, for example
   * `arn:aws:sns:eu-west-1:111111111111:rds-failsafe-shipper`. The account in
   * it is the source account: only snapshots of that account are accepted
   * from this topic.
   */
  readonly topicArn: string;

  /**
   * The Regions of the databases shipped on this topic, when its shipper
   * copies them out of their own Region into the topic's (the shipper's
   * `sourceRegion`). The vault watches each source account and database
   * Region with its own alarms, and refuses a shipped copy of a database in
   * a Region that no topic of its account and Region declares. List the
   * topic's own Region too if a shipper of that Region also announces on it.
   *
   * @default - the topic's own Region
   */
  readonly databaseRegions?: string[];

  /**
   * The `recoveryPointInterval` of the shipper that announces on this topic.
   * A database of its manifest then counts as behind past the interval plus
   * 2 hours, as in the shipper, and a vault with such a source gets an
   * hourly tier (`hourlyCopies`). The recovery-point alarm, which watches
   * every database of the account and Region, defaults its `maxAge` to the
   * interval plus 2 hours only when all of their topics declare one: by the
   * longest. Give a shipper with a shorter interval a topic of its own.
   *
   * @default Duration.hours(24)
   *
   * @experimental the name, the defaults and the behaviour may change in a minor release before 1.0 (see the README, "API stability")
   */
  readonly recoveryPointInterval?: Duration;

  /**
   * The shipper that announces on the topic, when it is in the same CDK app
   * as the vault: the vault's stack then depends on the shipper's, so that
   * the Live stack deploys first. `shipper.asSnapshotSource()` gives the
   * whole source. Leave it out when the two are in separate apps.
   *
   * @default - no stack dependency
   */
  readonly shipper?: RdsSnapshotShipper;
}

/**
 * Properties of an `RdsSnapshotVault`.
 */
export interface RdsSnapshotVaultProps extends SnapshotHandlerProps {
  /** The Live accounts to take snapshots from, by their shipper topics. At least one. */
  readonly sources: SnapshotSource[];

  /**
   * How long the vault keeps a daily copy of each lineage: the newest copy of
   * each UTC calendar day. A lineage is one database as RDS knows it (the
   * source account, the Region and the database's immutable resource id),
   * not as Live names it. A copy is deleted only when no rule keeps it: not
   * `minimumAge`, `minimumCopies`, the daily, weekly or monthly tier, nor a
   * newer copy of its lineage still in progress. At least one day.
   *
   * @default Duration.days(31)
   */
  readonly retention?: Duration;

  /**
   * No copy younger than this is ever deleted, whatever the counts. At least one day.
   *
   * @default - the retention; one day with an hourly tier (`hourlyCopies`)
   */
  readonly minimumAge?: Duration;

  /**
   * How many of the newest completed copies of each lineage are always kept,
   * however old they are. If a Live database stops being shipped, its last
   * copies stay.
   *
   * @default 3
   */
  readonly minimumCopies?: number;

  /**
   * Hourly tier, for sources whose shippers take a recovery point more often
   * than daily (`recoveryPointInterval`): the newest copy of each of this many
   * UTC hours that hold a copy of a lineage is kept: the last this many
   * recovery points (for a 4-hourly source, 24 is 4 days of them). With an
   * hourly tier, `minimumAge` defaults to one day instead of the retention,
   * so that the vault keeps every copy of the last day, the tier's, then one
   * a day for the retention: 51 copies of a 4-hourly lineage with 24 and the
   * default retention. Without it, a 4-hourly source would have all its
   * copies kept for the whole retention (186 in 31 days). At most 1,000.
   * For a daily source the tier keeps its last this many copies, within its
   * retention as a rule. The per-source budget reserves room for up to 24
   * copies an hour of every lineage of the minimum age: raise the manual
   * snapshot quota, or set `maxLineagesPerSource`.
   *
   * @default - 24 when a source declares a `recoveryPointInterval` below 24 hours; else 0, no hourly tier
   *
   * @experimental the name, the defaults and the behaviour may change in a minor release before 1.0 (see the README, "API stability")
   */
  readonly hourlyCopies?: number;

  /**
   * Weekly tier: the newest copy of each of this many UTC calendar weeks
   * (Monday to Sunday) that hold a copy of a lineage is kept, beyond the retention.
   *
   * @default 0
   */
  readonly weeklyCopies?: number;

  /**
   * Monthly tier: the newest copy of each of this many UTC calendar months
   * that hold a copy of a lineage is kept, beyond the retention.
   *
   * @default 0
   */
  readonly monthlyCopies?: number;

  /**
   * How many copies of each kind (DB snapshots, DB cluster snapshots) one
   * source account may hold in the vault. A source at its budget gets no new
   * copies, and never takes another source's room.
   *
   * @default - an equal share, per source account, of the manual snapshot quota less `manualSnapshotHeadroom`, read at run time
   */
  readonly maxSnapshotsPerSource?: number;

  /**
   * How many lineages (databases, by resource id) of each kind one source
   * account may have in the vault. A new lineage past it gets no copy.
   *
   * @default - as many as `maxSnapshotsPerSource` can keep under the retention tiers
   */
  readonly maxLineagesPerSource?: number;

  /**
   * The key the vault's copies are encrypted with. If you pass a key that this
   * stack does not own, its key policy cannot be written here: add the
   * statements of `vaultKeyPolicyStatements()` to it yourself (the construct
   * warns at synth, with the statements), or RDS cannot encrypt the copies or
   * restore them. Pass a key of another stack by its ARN
   * (`kms.Key.fromKeyArn`): a `kms.Key` of another stack would have this
   * stack add to its policy, which CDK refuses as a cycle between the stacks.
   *
   * @default - a new key, with rotation on, retained when the stack is deleted
   */
  readonly vaultKey?: kms.IKey;

  /**
   * Whether to copy DB cluster snapshots that a source in another Region
   * shares straight into this Region, in one step. The RDS and Aurora User
   * Guides document it since September 2025 ("Cross-Region and cross-account
   * copy in a single step"); an older Aurora page still says that cluster
   * snapshots are copied across accounts only within their Region. Aurora
   * copies are always full copies. Off, such a snapshot is reported as
   * `cluster-cross-region` and not copied: give its shipper `sourceRegion`
   * instead, the path every source supports. DB instance snapshots of a
   * source in another Region are always copied in one step.
   *
   * @default false
   */
  readonly copyClustersAcrossRegions?: boolean;

  /**
   * How many batches of announcements the function handles at once, at most
   * (2 to 1,000). Announcements come through the vault's announcement queue,
   * whose event source mapping holds to this: however many a source publishes,
   * they never take more of the function's concurrency, and the sweeps, which
   * run outside the queue, are never starved. Each batch holds up to 10.
   *
   * @default 2
   */
  readonly announcementConcurrency?: number;

  /**
   * When the sweep runs. Announcements are handled as they arrive; the sweep
   * copies anything shared with the account that an announcement missed or
   * that waited for a copy slot, records finished copies, applies retention,
   * and reports the recovery point of every source. RDS emits no event when a
   * DB cluster snapshot copy finishes, so the sweep also frees the slots of
   * cluster copies. When there is nothing to do, a sweep makes five RDS calls
   * (four lists, shared and manual snapshots of instances and of clusters, one
   * page per 100 snapshots each; and the quotas), plus one per other source
   * region (the DB snapshots shared from it), two with
   * `copyClustersAcrossRegions`.
   *
   * @default events.Schedule.rate(Duration.minutes(15))
   */
  readonly schedule?: events.Schedule;

  /**
   * Roles that may still delete the vault's snapshots and disable or delete its
   * key under the service control policy this construct writes. When set, the
   * stack has an output with the policy as JSON, to attach to the Failsafe
   * account in AWS Organizations, named for the vault's id:
   * `VaultServiceControlPolicy` for the id `Vault` (`serviceControlPolicyOutput`).
   * See `serviceControlPolicy()`.
   *
   * List the role that deploys the Failsafe stack among them, or the policy
   * denies its updates of the vault's function and role: with CDK's default
   * bootstrap, the CloudFormation execution role
   * `arn:aws:iam::<account>:role/cdk-hnb659fds-cfn-exec-role-<account>-<region>`.
   *
   * @default - no output
   */
  readonly breakGlassRoleArns?: string[];

  /**
   * Turns the alarms off or tunes them. Every alarm is on by default.
   *
   * @default - every alarm, with its defaults
   */
  readonly alarms?: VaultAlarmsOptions;
}

/**
 * Keeps RDS snapshots safe in the Failsafe account.
 *
 * Its announcement queue is subscribed to each source's shipper topic. It
 * checks every announced or shared snapshot against RDS's own metadata, and
 * copies it into one it owns, encrypted with the vault key, so the copy no
 * longer depends on anything in the Live account. A sweep every 15 minutes
 * copies what an announcement missed and deletes the vault's own copies that
 * no retention rule of their lineage keeps, always keeping the newest
 * `minimumCopies` of each. It assumes the Live account may be in an
 * attacker's hands (see the README's threat model).
 */
export class RdsSnapshotVault extends Construct {
  /** The key the vault's copies are encrypted with. */
  public readonly vaultKey: kms.IKey;
  /** The reconcile function. */
  public readonly reconcileFunction: lambda.IFunction;
  /** The function's role. */
  public readonly role: iam.IRole;
  /** Where announcements and invocations that keep failing end up. */
  public readonly deadLetterQueue: sqs.IQueue;
  /**
   * The queue every source topic delivers announcements to. The function
   * reads it at most `announcementConcurrency` batches at a time; messages it
   * cannot handle go to `deadLetterQueue` after 5 attempts.
   */
  public readonly announcementQueue: sqs.IQueue;
  /** The function's log group. */
  public readonly logGroup: logs.ILogGroup;
  /** The accounts the vault accepts snapshots from, taken from the topic ARNs. */
  public readonly sourceAccounts: string[];
  /**
   * The value of the `cdk-rds-failsafe:owner` tag on every copy this vault
   * creates. It deletes only snapshots that carry it.
   */
  public readonly ownerId: string;
  /**
   * One alarm per source (account and region), unless turned off: it fires
   * when the newest vault copy of any database of the source is older than its
   * maxAge, when the source has no copy, or when the vault stops reporting.
   */
  public readonly recoveryPointAlarms: cloudwatch.IAlarm[];
  /**
   * One alarm per source, unless turned off: the source's last manifest lists
   * a database the vault holds no copy of, or none newer than maxAge.
   */
  public readonly databasesBehindAlarms: cloudwatch.IAlarm[];
  /** One alarm per source, unless turned off: no manifest arrived from the source for maxAge. */
  public readonly manifestAlarms: cloudwatch.IAlarm[];
  /** Fires on any failed action or failed copy in a window, unless turned off. */
  public readonly failureAlarm?: cloudwatch.IAlarm;
  /** Fires on rejected messages in a window, unless turned off. */
  public readonly rejectedMessagesAlarm?: cloudwatch.IAlarm;
  /** Fires on failed invocations of the function, unless turned off. */
  public readonly handlerErrorAlarm?: cloudwatch.IAlarm;
  /** Shared snapshots refused by verification, if enabled. */
  public readonly refusedSnapshotsAlarm?: cloudwatch.IAlarm;
  /** A database name that now comes from another resource id, if enabled. */
  public readonly lineageChangedAlarm?: cloudwatch.IAlarm;
  /** A source account over its budget, if enabled. */
  public readonly sourceBudgetAlarm?: cloudwatch.IAlarm;
  /** The vault account's manual snapshot quota nearly used, if enabled. */
  public readonly quotaUseAlarm?: cloudwatch.IAlarm;
  /** Fires when the dead-letter queue holds a message, unless turned off. */
  public readonly deadLetterQueueAlarm?: cloudwatch.IAlarm;
  /** Every alarm the construct created. */
  public readonly alarms: cloudwatch.IAlarm[];
  /** The dashboard, if `dashboard` is true. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /**
   * The stack output holding the service control policy, when
   * `breakGlassRoleArns` is set. Its name is stable: the vault's id, then
   * `ServiceControlPolicy` (`VaultServiceControlPolicy` for a vault with the
   * id `Vault`).
   */
  public readonly serviceControlPolicyOutput?: CfnOutput;

  private restoreGrants = 0;
  /** The roles and functions of the restore drills of this vault (RdsRestoreDrill). */
  private readonly drillRoles: iam.IRole[] = [];
  private readonly drillFunctions: lambda.IFunction[] = [];
  /** Statements the vault key's policy needs that this stack could not add to it. */
  private readonly missingKeyPolicyStatements: iam.PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: RdsSnapshotVaultProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const sources = validateProps(props, stack);
    // A shipper of the same app deploys first: the vault subscribes to its topic.
    for (const source of props.sources) if (source.shipper) stack.addDependency(Stack.of(source.shipper), 'the vault subscribes to the shipper\'s topic');
    warnIfEnvironmentAgnostic(this, [
      'that no source topic is in this stack\'s own account',
      'that shared DB cluster snapshots come from this stack\'s Region unless copyClustersAcrossRegions is set',
    ]);
    // A source that ships more often than daily brings the hourly tier, unless it is set: without it the vault would keep one point a day.
    const subDaily = sources.some((s) => s.recoveryPointInterval !== undefined && s.recoveryPointInterval.toHours() < 24);
    const hourlyCopies = props.hourlyCopies ?? (subDaily ? DEFAULT_HOURLY_COPIES : undefined);
    const minimumAge = props.minimumAge ?? (hourlyCopies ? Duration.days(1) : undefined);
    this.sourceAccounts = [...new Set(sources.map((s) => s.account))];
    this.ownerId = `vault-${Names.uniqueResourceName(this, { maxLength: 64 })}`;

    this.vaultKey = props.vaultKey ?? newLockedDownKey(this, 'VaultKey', `Encrypts the RDS snapshot copies held by ${this.node.path}`);

    const parts = createReconcilerParts(this, `cdk-rds-failsafe: keeps RDS snapshot copies in the Failsafe account (${this.node.path})`, props);
    this.deadLetterQueue = parts.deadLetterQueue;
    this.logGroup = parts.logGroup;
    this.role = parts.role;

    const fn = new VaultFunction(this, 'Function', {
      ...parts.functionOptions,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: this.ownerId,
        VAULT_CONFIG: stack.toJsonString({
          version: VAULT_CONFIG_VERSION,
          ownerId: this.ownerId,
          vaultKeyArn: this.vaultKey.keyArn,
          sources: sources.map((s) => ({
            topicArn: s.topicArn,
            ...(s.databaseRegions ? { databaseRegions: s.databaseRegions } : {}),
            // A source that ships more often than daily is behind sooner; a maxAge given for the alarm wins.
            ...(s.recoveryPointInterval && !props.alarms?.databasesBehind?.maxAge
              ? { behindAfterMs: recoveryPointMaxAge(s.recoveryPointInterval).toMilliseconds() } : {}),
          })),
          sourceAccounts: this.sourceAccounts,
          retentionMs: (props.retention ?? Duration.days(31)).toMilliseconds(),
          // A database that stops being shipped alarms for at least a week
          // before it is taken as retired; see the recovery-point alarm.
          retireAfterMs: Math.max(
            (props.retention ?? Duration.days(31)).toMilliseconds(),
            (props.alarms?.recoveryPoint?.maxAge ?? DEFAULT_MAX_AGE).toMilliseconds() + Duration.days(7).toMilliseconds(),
          ),
          minimumCopies: props.minimumCopies ?? 3,
          ...(minimumAge ? { minimumAgeMs: minimumAge.toMilliseconds() } : {}),
          ...(hourlyCopies ? { hourlyCopies } : {}),
          ...(props.weeklyCopies ? { weeklyCopies: props.weeklyCopies } : {}),
          ...(props.monthlyCopies ? { monthlyCopies: props.monthlyCopies } : {}),
          ...(props.maxSnapshotsPerSource ? { maxSnapshotsPerSource: props.maxSnapshotsPerSource } : {}),
          ...(props.maxLineagesPerSource ? { maxLineagesPerSource: props.maxLineagesPerSource } : {}),
          ...(props.copyClustersAcrossRegions ? { copyClustersAcrossRegions: true } : {}),
          behindAfterMs: (props.alarms?.databasesBehind?.maxAge ?? DEFAULT_MAX_AGE).toMilliseconds(),
          ...budgetConfigOf(props),
        }),
      },
    });
    this.reconcileFunction = fn;
    suppressNistFindings(fn, parts.logGroup, parts.role);

    // Announcements reach the function through a queue of their own, read at
    // most `announcementConcurrency` batches at a time: a flood from one source
    // cannot take the concurrency the sweeps need. The subscriptions are made by
    // this stack, the endpoint owner, so they need no confirmation; a topic in
    // another region delivers to the queue across regions. The queue is
    // encrypted with an SQS-owned key, so that SNS needs no key grant.
    const announcementQueue = new sqs.Queue(this, 'AnnouncementQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      // AWS's advice for a Lambda event source: at least six times the function's timeout.
      visibilityTimeout: Duration.seconds(Math.min(43_200, 6 * parts.functionOptions.timeout!.toSeconds())),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    this.announcementQueue = announcementQueue;
    sources.forEach((source, i) => {
      const topic = sns.Topic.fromTopicArn(this, `Source${i}`, source.topicArn);
      topic.addSubscription(new subscriptions.SqsSubscription(announcementQueue));
    });
    fn.addEventSource(new lambdaEventSources.SqsEventSource(announcementQueue, {
      batchSize: 10,
      maxConcurrency: props.announcementConcurrency ?? 2,
      reportBatchItemFailures: true,
    }));

    this.grantPermissions(parts.role, stack, sources, props.copyClustersAcrossRegions ?? false);

    if (props.breakGlassRoleArns) {
      const output = this.serviceControlPolicyOutput = new CfnOutput(this, 'ServiceControlPolicy', {
        description: 'A service control policy for the Failsafe account: attach it in AWS Organizations',
        // Lazy: a restore drill made after the vault registers its role, which the policy exempts.
        value: Lazy.string({ produce: () => stack.toJsonString(this.serviceControlPolicy(props.breakGlassRoleArns!).toJSON()) }),
      });
      // A stable name, to read it with describe-stacks: `VaultServiceControlPolicy` for a vault with the id `Vault`.
      output.overrideLogicalId(serviceControlPolicyOutputName(this.node.id));
    }

    const schedule = props.schedule ?? events.Schedule.rate(DEFAULT_SWEEP);
    addTriggers(this, fn, this.deadLetterQueue, schedule, {
      CopyFinished: {
        description: 'Record a finished vault copy and hand its copy slot on (RDS-EVENT-0197, or RDS-EVENT-0060 for a copy across Regions)',
        eventPattern: {
          source: ['aws.rds'],
          detailType: ['RDS DB Snapshot Event'],
          detail: { EventID: ['RDS-EVENT-0197', 'RDS-EVENT-0060'], SourceIdentifier: events.Match.prefix(VAULT_SNAPSHOT_PREFIX) },
        },
      },
    });

    // Alarms and dashboard. Every pass reports the recovery points, and the
    // sweep runs on the schedule: a source is silent once a whole sweep
    // interval (and an hour's grace) passes without a report.
    const alarms = new AlarmFactory(this, `RDS snapshot vault ${this.node.path}`, props.alarmTopic);
    const o = props.alarms ?? {};
    const silentHours = Math.ceil(scheduleInterval(schedule).toMinutes() / 60) + 1;
    if (o.recoveryPoint?.enabled !== false && silentHours > 168) {
      new PropsValidator('RdsSnapshotVault').fail('schedule must sweep at least every 167 hours while the recovery-point alarm is on: the alarm waits a sweep interval and an hour, '
        + 'and CloudWatch evaluates at most 7 days (168 hours), so a weekly sweep is refused too');
    }
    // The metric is per account and region: two topics there are one source.
    // The metrics are per account and database Region: two topics there are one source.
    const regionalSources = databaseSourcesOf(sourcePairsOf(sources));
    // The alarm watches every database of an account and Region: by the longest interval of their topics, so that a
    // daily shipper's databases do not alarm beside a 4-hourly one's. Those fall behind in their own manifests' verdicts.
    const intervalOf = (source: DatabaseSource) => longestInterval(sources.filter((s) => s.account === source.account
      && (s.databaseRegions ?? [s.region]).includes(source.region)).map((s) => s.recoveryPointInterval));
    this.recoveryPointAlarms = regionalSources.flatMap((source) => alarms.age(
      `RecoveryPointAlarm-${source.account}-${source.region}`,
      { maxAge: recoveryPointMaxAge(intervalOf(source)), ...o.recoveryPoint },
      this.metricOldestRecoveryPointAge(source.account, source.region),
      silentHours,
      `the newest vault copy of a database of account ${source.account} in ${source.region} is too old, or there is none`,
    ) ?? []);
    this.databasesBehindAlarms = regionalSources.flatMap((source) => alarms.lastValue(
      `DatabasesBehindAlarm-${source.account}-${source.region}`,
      o.databasesBehind,
      this.metricDatabasesBehind(source.account, source.region),
      `the last manifest of account ${source.account} in ${source.region} lists databases the vault holds no copy of, or none newer than `
        + `${(o.databasesBehind?.maxAge ?? DEFAULT_MAX_AGE).toHumanString()}; the log line databases-behind names them`,
    ) ?? []);
    this.manifestAlarms = regionalSources.flatMap((source) => alarms.absence(
      `ManifestAlarm-${source.account}-${source.region}`,
      o.manifest,
      failsafeMetric(this.ownerId, MetricName.MANIFESTS_RECEIVED, 'Sum', Duration.hours(1), {
        [Dimension.SOURCE_ACCOUNT]: source.account, [Dimension.SOURCE_REGION]: source.region,
      }),
      `no manifest arrived from account ${source.account} in ${source.region}: the vault cannot tell which databases it should hold`,
    ) ?? []);
    this.failureAlarm = alarms.count('FailuresAlarm', o.failures, (period) => failsafeMetric(this.ownerId, MetricName.FAILURES, 'Sum', period),
      'vault copies, deletions or completion records failed; the log names each one and the grant it is missing');
    this.rejectedMessagesAlarm = alarms.count('RejectedMessagesAlarm', o.rejectedMessages,
      (period) => failsafeMetric(this.ownerId, MetricName.MESSAGES_REJECTED, 'Sum', period),
      'messages were rejected (an unlisted source, or a malformed or spoofed announcement); the log gives each reason');
    this.refusedSnapshotsAlarm = alarms.count('RefusedSnapshotsAlarm', o.refusedSnapshots,
      (period) => failsafeMetric(this.ownerId, MetricName.SNAPSHOTS_REFUSED, 'Sum', period),
      'shared snapshots were refused because RDS\'s own metadata does not bear out their name or announcement; the log line snapshot-refused gives each reason');
    this.lineageChangedAlarm = alarms.count('LineageChangedAlarm', o.lineageChanged,
      (period) => failsafeMetric(this.ownerId, MetricName.LINEAGE_CHANGES, 'Sum', period),
      'a database name now comes from another resource id: the database was recreated, or someone ships other data under its name; the finding lineage-changed names it');
    this.sourceBudgetAlarm = alarms.count('SourceBudgetAlarm', o.sourceBudget,
      (period) => failsafeMetric(this.ownerId, MetricName.SOURCE_BUDGET_REFUSALS, 'Sum', period),
      'a source account is over its budget of copies or lineages and gets no new copies; the finding source-over-budget names it');
    this.quotaUseAlarm = alarms.count('QuotaUseAlarm', { ...o.quotaUse, threshold: o.quotaUse?.threshold ?? 80 },
      (period) => failsafeMetric(this.ownerId, MetricName.MANUAL_SNAPSHOT_QUOTA_USE, 'Maximum', period),
      'percent of a manual snapshot quota of the vault account is in use; raise the quota before it is reached');
    this.handlerErrorAlarm = alarms.handlerErrors(o.handlerErrors, fn);
    this.deadLetterQueueAlarm = alarms.deadLetters(o.deadLetterQueue, this.deadLetterQueue);
    this.alarms = alarms.alarms;
    if (props.dashboard) this.dashboard = this.createDashboard(regionalSources, o.recoveryPoint?.maxAge ?? DEFAULT_MAX_AGE, props.dashboardName);
  }

  /**
   * The largest recovery-point age, in seconds, among the databases of one
   * source: the age of the oldest "newest vault copy". The recovery-point
   * alarm watches it.
   */
  public metricOldestRecoveryPointAge(sourceAccount: string, sourceRegion: string): cloudwatch.Metric {
    return failsafeMetric(this.ownerId, MetricName.OLDEST_RECOVERY_POINT_AGE, 'Maximum', Duration.hours(1), {
      [Dimension.SOURCE_ACCOUNT]: sourceAccount,
      [Dimension.SOURCE_REGION]: sourceRegion,
    });
  }

  /**
   * How many databases the last manifest of a source lists that the vault
   * holds no copy of, or none newer than the databases-behind maxAge.
   */
  public metricDatabasesBehind(sourceAccount: string, sourceRegion: string): cloudwatch.Metric {
    return failsafeMetric(this.ownerId, MetricName.DATABASES_BEHIND, 'Maximum', Duration.hours(1), {
      [Dimension.SOURCE_ACCOUNT]: sourceAccount,
      [Dimension.SOURCE_REGION]: sourceRegion,
    });
  }

  /** The age, in seconds, of the newest vault copy of one source database: its recovery point. */
  public metricRecoveryPointAge(sourceAccount: string, sourceRegion: string, sourceDatabase: string): cloudwatch.Metric {
    return failsafeMetric(this.ownerId, MetricName.RECOVERY_POINT_AGE, 'Maximum', Duration.hours(1), {
      [Dimension.SOURCE_ACCOUNT]: sourceAccount,
      [Dimension.SOURCE_REGION]: sourceRegion,
      // The vault publishes database identifiers in lower case, as RDS stores them.
      [Dimension.SOURCE_DATABASE]: Token.isUnresolved(sourceDatabase) ? sourceDatabase : sourceDatabase.toLowerCase(),
    });
  }

  private createDashboard(sources: DatabaseSource[], maxAge: Duration, dashboardName?: string): cloudwatch.Dashboard {
    const count = (name: string, label: string) => failsafeMetric(this.ownerId, name, 'Sum', Duration.hours(1)).with({ label });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName, defaultInterval: Duration.days(7) });
    dashboard.addWidgets(...alarmStatusRow(`RDS snapshot vault: ${this.node.path}`, this.alarms));
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Recovery point per source database: age of the newest vault copy (hours)',
        left: [failsafeSearch(this.ownerId, MetricName.RECOVERY_POINT_AGE, [Dimension.SOURCE_ACCOUNT, Dimension.SOURCE_REGION, Dimension.SOURCE_DATABASE], 'Maximum', '', 3600)],
        leftYAxis: { min: 0, label: 'hours', showUnits: false },
        leftAnnotations: this.recoveryPointAlarms.length > 0 ? [{ value: maxAge.toHours(), label: 'alarm threshold' }] : [],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Oldest recovery point per source (hours)',
        // Each source's expression names its metric apart: one graph may not use one id for two metrics.
        left: sources.map((s, i) => new cloudwatch.MathExpression({
          expression: `age${i} / 3600`,
          usingMetrics: { [`age${i}`]: this.metricOldestRecoveryPointAge(s.account, s.region) },
          label: `${s.account} ${s.region}`,
          period: Duration.hours(1),
        })),
        leftYAxis: { min: 0, label: 'hours', showUnits: false },
        leftAnnotations: this.recoveryPointAlarms.length > 0 ? [{ value: maxAge.toHours(), label: 'alarm threshold' }] : [],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Copies per hour',
        left: [count(MetricName.MESSAGES_ACCEPTED, 'announcements accepted'), count(MetricName.COPIES_STARTED, 'started'),
          count(MetricName.COPIES_COMPLETED, 'completed'), count(MetricName.SNAPSHOTS_EXPIRED, 'expired')],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Failures and rejections per hour',
        left: [count(MetricName.FAILURES, 'failures'), count(MetricName.COPIES_FAILED, 'failed copies'),
          this.reconcileFunction.metricErrors({ period: Duration.hours(1), statistic: 'Sum', label: 'handler errors' }),
          this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.hours(1), statistic: 'Maximum', label: 'dead letters' })],
        right: [failsafeSearch(this.ownerId, MetricName.MESSAGES_REJECTED, [Dimension.REASON], 'Sum', 'rejected: ')],
        width: 12,
      }),
    );
    return dashboard;
  }

  /**
   * The statements the vault key's policy must hold for the vault role, and
   * for each role given `grantRestore`, to have RDS use the key: the ones this
   * stack could not add itself because the key comes from outside it. Empty
   * when the construct creates the key.
   */
  public vaultKeyPolicyStatements(): iam.PolicyStatement[] {
    return [...this.missingKeyPolicyStatements];
  }

  /**
   * Lets `grantee` restore DB instances and Aurora clusters from the vault's copies.
   *
   * RDS may use the vault key on its behalf: by a statement in the key policy
   * when the vault created the key, or by an IAM statement for a key from
   * outside the stack, whose policy then needs the statements that the synth
   * warning and `vaultKeyPolicyStatements()` give. The grantee may call
   * RestoreDBInstanceFromDBSnapshot and RestoreDBClusterFromSnapshot on the
   * copies, CreateDBInstance to add instances to a restored cluster, and what
   * the README's recovery runbook does next: describe and tag the restored
   * databases, turn on a master user password that Secrets Manager manages
   * (ModifyDBInstance and ModifyDBCluster in a call that turns on
   * ManageMasterUserPassword: other changes in that call are not refused, on
   * any database of the Failsafe account; and the Secrets Manager
   * permissions RDS needs for it), and read it.
   * Nothing else can use the vault key; grant this to the few roles that run
   * a recovery.
   *
   * The statements are in a customer managed policy that the vault creates
   * and returns, attached to the grantee when it is a role, user or group of
   * this app, or a role of the vault's account imported by ARN (the policy
   * names it; the role itself is not changed). For any other grantee the
   * construct warns at synth: attach the policy yourself. The grant leaves the
   * grantee's own policies as they are, so cdk-nag reports nothing new on
   * them. Its wildcards cannot be avoided: the vault's copies are named at run
   * time (`vault-*`), and the restored instance or cluster and the groups it
   * uses are named by whoever runs the recovery. The policy therefore carries
   * a cdk-nag AwsSolutions-IAM5 suppression limited to exactly these resources
   * (`snapshot:vault-*` and `cluster-snapshot:vault-*`; `db:*`, `cluster:*`,
   * `og:*`, `pg:*`, `cluster-pg:*` and `subgrp:*`, in the vault's account and
   * Region), with that reason.
   *
   * @returns the managed policy that holds the grant
   */
  public grantRestore(grantee: iam.IGrantable): iam.ManagedPolicy {
    const n = this.restoreGrants++;
    const principal = grantee.grantPrincipal;
    const policy = new iam.ManagedPolicy(this, `RestorePolicy${n}`, {
      description: `Restore RDS databases from the copies of ${this.node.path} (grantRestore)`,
    });
    this.useVaultKeyThroughRds(principal, `Restore${n}`, (statement) => policy.addStatements(new iam.PolicyStatement({
      actions: statement.actions, resources: [this.vaultKey.keyArn], conditions: statement.conditions,
    })));
    policy.addStatements(new iam.PolicyStatement({
      sid: 'RestoreFromVaultCopies',
      // RestoreDBInstanceFromDBSnapshot is authorized on the snapshot and on the
      // new instance, and on the option, parameter and subnet groups it uses;
      // RestoreDBClusterFromSnapshot on the cluster snapshot, the new cluster,
      // and its cluster parameter, option and subnet groups (Service
      // Authorization Reference, Amazon RDS).
      // A restored cluster has no instance: CreateDBInstance adds its writer.
      actions: [
        'rds:RestoreDBInstanceFromDBSnapshot', 'rds:DescribeDBSnapshots',
        'rds:RestoreDBClusterFromSnapshot', 'rds:DescribeDBClusterSnapshots', 'rds:CreateDBInstance',
      ],
      resources: [
        snapshotArn(Stack.of(this), `${VAULT_SNAPSHOT_PREFIX}*`),
        clusterSnapshotArn(Stack.of(this), `${VAULT_SNAPSHOT_PREFIX}*`),
        ...['db', 'og', 'pg', 'subgrp', 'cluster', 'cluster-pg'].map((resource) => Stack.of(this).formatArn({
          service: 'rds', resource, resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        })),
      ],
    }));
    const stack = Stack.of(this);
    const databases = ['db', 'cluster'].map((resource) => stack.formatArn({
      service: 'rds', resource, resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }));
    policy.addStatements(
      // The recovery waits for the restore, tags it, and turns on a password that
      // Secrets Manager keeps (the restore has the Live database's password).
      new iam.PolicyStatement({
        sid: 'FollowAndTagRestores',
        actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'rds:AddTagsToResource'],
        resources: databases,
      }),
      new iam.PolicyStatement({
        sid: 'ManagePasswordsOfRestores',
        actions: ['rds:ModifyDBInstance', 'rds:ModifyDBCluster'],
        resources: databases,
        conditions: { Bool: { 'rds:ManageMasterUserPassword': true } },
      }),
      // RDS creates the secret for the caller: "kms:DescribeKey, secretsmanager:CreateSecret,
      // secretsmanager:TagResource" (RDS User Guide, "Permissions required for Secrets Manager integration").
      new iam.PolicyStatement({
        sid: 'CreateRdsManagedSecrets',
        actions: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource'],
        resources: [stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: 'rds!*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }),
      // The new password, for the application: the secrets RDS manages in the Failsafe account are those of restores only.
      new iam.PolicyStatement({
        sid: 'ReadRdsManagedSecrets',
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        resources: [stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: 'rds!*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }),
      new iam.PolicyStatement({
        sid: 'DescribeTheSecretsManagerKey',
        actions: ['kms:DescribeKey'],
        resources: [stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
        conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/aws/secretsmanager' } },
      }),
    );
    const here = { region: stack.region, account: stack.account };
    addNagSuppressions(policy, [{
      id: 'AwsSolutions-IAM5',
      reason: `Granted by ${this.node.path}.grantRestore: the vault's copies are named at run time (vault-*), and the restored instance or `
        + 'cluster and the option, parameter and subnet groups it uses are named by whoever runs the recovery, in the vault\'s account and Region; '
        + 'RDS names the secrets it manages rds!...; the aws/secretsmanager key is matched by its alias, whose key id is not known at synth.',
      appliesTo: [
        arnFinding('rds', '(cluster-)?snapshot:vault-\\*', here),
        arnFinding('rds', '(db|cluster|og|pg|cluster-pg|subgrp):\\*', here),
        arnFinding('secretsmanager', 'secret:rds!\\*', here),
        arnFinding('kms', 'key/\\*', here),
      ],
    }]);
    if (!attachRestorePolicy(policy, principal)) {
      Annotations.of(this).addWarningV2(`cdk-rds-failsafe:restorePolicyNotAttached:${n}`,
        `grantRestore: the grantee is not a role, user or group of this app, nor a role of account ${here.account} imported by ARN, so the `
        + `policy ${policy.node.path} is attached to nothing: attach it to the principal that runs the recovery yourself`);
    }
    return policy;
  }

  /**
   * Registers a restore drill: RDS may use the vault key for its role, and
   * the service control policy lets that role tag the vault's copies with its
   * drill records, and with nothing else, and protects the role and the
   * function as the vault's own.
   * @internal
   */
  public _registerRestoreDrill(role: iam.IRole, fn: lambda.IFunction, sid: string): void {
    this.useVaultKeyThroughRds(role, sid, (statement) => role.addToPrincipalPolicy(statement));
    this.drillRoles.push(role);
    this.drillFunctions.push(fn);
  }

  /**
   * A service control policy for the Failsafe account: it denies deleting,
   * sharing or re-tagging the vault's snapshots, changing the vault's function
   * or role (whose configuration decides what retention deletes), and
   * disabling, deleting or re-policing the vault key, to every principal
   * except the break-glass roles (and, for its own snapshot work, the vault's
   * role). List the role that deploys the Failsafe stack among the break-glass
   * roles, or updates of the stack will be denied. Service control policies
   * are attached by the organization's management account, not by this stack:
   * attach the JSON of this document to the Failsafe account.
   */
  public serviceControlPolicy(breakGlassRoleArns: string[]): iam.PolicyDocument {
    if (breakGlassRoleArns.length === 0) throw new Error('RdsSnapshotVault: serviceControlPolicy needs at least one break-glass role ARN');
    const vaultSnapshots = [snapshotArn(Stack.of(this), `${VAULT_SNAPSHOT_PREFIX}*`), clusterSnapshotArn(Stack.of(this), `${VAULT_SNAPSHOT_PREFIX}*`)];
    const except = (arns: string[]) => ({ ArnNotLike: { 'aws:PrincipalArn': arns } });
    const drillRoles = this.drillRoles.map((r) => r.roleArn);
    return new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'DenyDeletingVaultSnapshots',
          effect: iam.Effect.DENY,
          actions: ['rds:DeleteDBSnapshot', 'rds:DeleteDBClusterSnapshot'],
          resources: vaultSnapshots,
          conditions: except([...breakGlassRoleArns, this.role.roleArn]),
        }),
        new iam.PolicyStatement({
          sid: 'DenySharingOrRetaggingVaultSnapshots',
          effect: iam.Effect.DENY,
          actions: ['rds:ModifyDBSnapshotAttribute', 'rds:ModifyDBClusterSnapshotAttribute', 'rds:RemoveTagsFromResource',
            ...(drillRoles.length === 0 ? ['rds:AddTagsToResource'] : [])],
          resources: vaultSnapshots,
          conditions: except([...breakGlassRoleArns, this.role.roleArn]),
        }),
        // A restore drill records its verdicts on the vault's copies, in its two record keys.
        ...(drillRoles.length === 0 ? [] : [
          new iam.PolicyStatement({
            sid: 'DenyTaggingVaultSnapshots',
            effect: iam.Effect.DENY,
            actions: ['rds:AddTagsToResource'],
            resources: vaultSnapshots,
            conditions: except([...breakGlassRoleArns, this.role.roleArn, ...drillRoles]),
          }),
          new iam.PolicyStatement({
            sid: 'DenyDrillsTaggingVaultSnapshotsWithAnythingButTheirRecords',
            effect: iam.Effect.DENY,
            actions: ['rds:AddTagsToResource'],
            resources: vaultSnapshots,
            conditions: {
              'ArnLike': { 'aws:PrincipalArn': drillRoles },
              'ForAnyValue:StringNotEquals': { 'aws:TagKeys': [...DRILL_RECORD_TAG_KEYS] },
            },
          }),
        ]),
        new iam.PolicyStatement({
          sid: 'DenyChangingTheVaultFunction',
          effect: iam.Effect.DENY,
          actions: ['lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:DeleteFunction', 'lambda:RemovePermission', 'lambda:PutFunctionConcurrency'],
          // A restore drill's function acts as its role, which may write the drill records that the no-recent-restore alarm reads.
          resources: [this.reconcileFunction.functionArn, ...this.drillFunctions.map((f) => f.functionArn)],
          conditions: except(breakGlassRoleArns),
        }),
        new iam.PolicyStatement({
          sid: 'DenyChangingOrPassingTheVaultRole',
          effect: iam.Effect.DENY,
          actions: [
            'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:DeleteRolePolicy',
            'iam:UpdateAssumeRolePolicy', 'iam:DeleteRole', 'iam:PassRole',
          ],
          resources: [this.role.roleArn, ...drillRoles],
          conditions: except(breakGlassRoleArns),
        }),
        new iam.PolicyStatement({
          sid: 'DenyDisablingOrDeletingTheVaultKey',
          effect: iam.Effect.DENY,
          actions: ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy', 'kms:DeleteImportedKeyMaterial'],
          resources: [this.vaultKey.keyArn],
          conditions: except(breakGlassRoleArns),
        }),
      ],
    });
  }

  /**
   * Names `principal` in the vault key's policy, for RDS to use the key for it.
   * A key from outside the stack cannot be changed here: then `trustIam` grants
   * the use in an IAM policy (which the key's policy must trust), and the
   * statements its policy needs are kept for `vaultKeyPolicyStatements()` and
   * given in a warning.
   */
  private useVaultKeyThroughRds(
    principal: iam.IPrincipal, sid: string, trustIam: (statement: iam.PolicyStatement) => void, options: RdsUseOptions = {},
  ): void {
    if (allowRdsUseBy(this.vaultKey, principal, sid, options)) return;
    const statements = rdsUseStatements(this.vaultKey, principal, sid, undefined, options);
    statements.forEach(trustIam);
    this.missingKeyPolicyStatements.push(...statements);
    // The warning gives the statements as text to paste into the key's policy:
    // the role's ARN, known only once deployed, and an unknown Region, are named.
    const stack = Stack.of(this);
    const arn = Token.isUnresolved(principal.policyFragment.principalJson.AWS?.[0])
      ? `<the ARN of ${Construct.isConstruct(principal) ? principal.node.path : 'the grantee'}>`
      : principal.policyFragment.principalJson.AWS[0];
    const region = Token.isUnresolved(stack.region) ? '<the Region of the vault>' : stack.region;
    const text = rdsUseStatements(this.vaultKey, new iam.ArnPrincipal(arn), sid, region, options).map((st) => st.toStatementJson());
    Annotations.of(this).addWarningV2(`cdk-rds-failsafe:vaultKeyPolicy:${sid}`,
      `vaultKey ${this.vaultKey.node.path} is not in this stack, so its key policy cannot be changed here. Add these statements to it, `
      + `or RDS cannot ${sid === 'Vault' ? 'encrypt the vault\'s copies' : 'restore from them'} (vault.vaultKeyPolicyStatements() returns them): `
      + JSON.stringify(text));
  }

  private grantPermissions(role: iam.Role, stack: Stack, sources: ParsedSource[], clustersAcrossRegions: boolean): void {
    const ownCopies = snapshotArn(stack, `${VAULT_SNAPSHOT_PREFIX}*`);
    const ownClusterCopies = clusterSnapshotArn(stack, `${VAULT_SNAPSHOT_PREFIX}*`);
    // The (account, Region) pairs of the source topics: the handler takes shares from exactly these (source-pairs.ts).
    const pairs = sourcePairsOf(sources);
    const shipped = pairs.map((p) => snapshotArn(stack, `${SHIPPED_SNAPSHOT_PREFIX}*`, p));
    // Shared cluster snapshots are copied only in their own region, which must be the vault's, unless the vault copies them across Regions.
    const shippedClusters = pairs.filter((p) => clustersAcrossRegions || Token.isUnresolved(stack.region) || p.region === stack.region)
      .map((p) => clusterSnapshotArn(stack, `${SHIPPED_SNAPSHOT_PREFIX}*`, p));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadState',
      // List calls: RDS cannot scope a paginated describe of all snapshots to
      // resources, nor the account's quotas (DescribeAccountAttributes).
      actions: ['rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots', 'rds:DescribeAccountAttributes'],
      resources: ['*'],
    }));
    grantOwnedCopies(role, {
      copySid: 'CopyShippedSnapshotsAsOwnedCopies',
      ownerId: this.ownerId,
      sources: shipped,
      ownCopies,
      tagKeys: VAULT_TAG_KEYS,
      clusters: shippedClusters.length > 0
        ? { copySid: 'CopyShippedClusterSnapshotsAsOwnedCopies', sources: shippedClusters, ownCopies: ownClusterCopies }
        : undefined,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'RecordOwnCopiesCompletedAndTheirSuccessors',
      // Only the completed and successors tags, only on copies the vault owns:
      // it cannot change a copy's owner or provenance.
      actions: ['rds:AddTagsToResource'],
      resources: [ownCopies, ownClusterCopies],
      conditions: {
        'StringEquals': { [`aws:ResourceTag/${TagKeys.OWNER}`]: this.ownerId },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [TagKeys.COMPLETED, TagKeys.SUCCESSORS] },
      },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DeleteOwnCopiesOnly',
      actions: ['rds:DeleteDBSnapshot', 'rds:DeleteDBClusterSnapshot'],
      resources: [ownCopies, ownClusterCopies],
      conditions: { StringEquals: { [`aws:ResourceTag/${TagKeys.OWNER}`]: this.ownerId } },
    }));
    const regions = [stack.region, ...pairs.map((p) => p.region)];
    // The vault's epoch is its key's CreationDate: a source with no copy yet is expected from then on (key-epoch.ts). The
    // role describes its key directly: in the key policy of a key this stack made, in IAM for a key from outside.
    this.useVaultKeyThroughRds(role, 'Vault', () => {
      grantKeyUseThroughRds(role, [this.vaultKey.keyArn], [stack.region]);
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadEpochOfVaultKey', actions: ['kms:DescribeKey'], resources: [this.vaultKey.keyArn] }));
    }, { describeDirectly: true });
    // The shipping keys of the sources: their key policies let this account use
    // them for RDS; this lets RDS, for the vault role, read the shared copies.
    const sourceKeys = pairs.map((p) => stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*', ...p }));
    grantSharedKeyUseThroughRds(role, sourceKeys, regions, 'Source');
    suppressRoleWildcards(
      role,
      'Each wildcard is as narrow as RDS and KMS allow: the snapshot list call cannot be scoped (Resource::*); snapshot names carry a timestamp, '
      + 'so they are matched by prefix, and deletion is conditioned on the ownership tag; the source accounts\' shipping key ids are not known '
      + 'to the vault, so their keys are matched by account and region and usable through RDS only, with the actions the RDS User Guide gives for copying a '
      + 'shared encrypted snapshot (kms:ReEncrypt*, kms:GenerateDataKey*); log streams are created at run time.',
      [
        'Resource::*',
        arnFinding('rds', '(cluster-)?snapshot:(vault|failsafe)-\\*'),
        arnFinding('kms', 'key/\\*'),
        'Action::kms:ReEncrypt*',
        'Action::kms:GenerateDataKey*',
        { regex: '/^Resource::<[A-Za-z0-9]+\\.Arn>:log-stream:\\*$/' },
      ],
    );
  }
}

interface ParsedSource {
  readonly topicArn: string;
  readonly account: string;
  readonly region: string;
  readonly databaseRegions?: string[];
  readonly recoveryPointInterval?: Duration;
}

/** The shape of every prop, checked before anything reads them: callers in other languages can pass anything. */
const VAULT_PROPS_SHAPE: shape.Shape<RdsSnapshotVaultProps> = {
  ...shape.HANDLER_SHAPE,
  sources: shape.required(shape.listOf(shape.struct<SnapshotSource>({
    topicArn: shape.required(shape.str),
    databaseRegions: shape.listOf(shape.str),
    recoveryPointInterval: shape.duration,
    shipper: shape.construct('an RdsSnapshotShipper', 'ownerId', 'vaultAccount'),
  }))),
  retention: shape.duration,
  minimumAge: shape.duration,
  minimumCopies: shape.num,
  hourlyCopies: shape.num,
  weeklyCopies: shape.num,
  monthlyCopies: shape.num,
  maxSnapshotsPerSource: shape.num,
  maxLineagesPerSource: shape.num,
  vaultKey: shape.key,
  copyClustersAcrossRegions: shape.bool,
  announcementConcurrency: shape.num,
  schedule: shape.schedule,
  breakGlassRoleArns: shape.listOf(shape.str),
  alarms: shape.struct(shape.VAULT_ALARMS_SHAPE),
};

function validateProps(props: RdsSnapshotVaultProps, stack: Stack): ParsedSource[] {
  const v = new PropsValidator('RdsSnapshotVault');
  shape.checkProps(props, VAULT_PROPS_SHAPE, '', (m) => v.fail(m));
  validateAlarmOptions(v, 'alarms', props.alarms);
  if (!props.sources || props.sources.length === 0) v.fail('sources must name at least one shipper topic');
  const seen = new Set<string>();
  const parsed = props.sources.map((s, i) => {
    if (Token.isUnresolved(s.topicArn)) v.fail(`sources[${i}].topicArn must be a literal ARN: the vault takes the source account from it`);
    const arn = parseTopicArn(s.topicArn, `sources[${i}].topicArn`, (m) => v.fail(m));
    if (seen.has(s.topicArn)) v.fail(`sources[${i}].topicArn ${s.topicArn} is listed twice`);
    seen.add(s.topicArn);
    if (!Token.isUnresolved(stack.account) && arn.account === stack.account) {
      v.fail(`sources[${i}].topicArn is in this stack's own account (${stack.account}); the vault must be a separate Failsafe account`);
    }
    if (s.databaseRegions !== undefined) {
      if (s.databaseRegions.length === 0) v.fail(`sources[${i}].databaseRegions must name at least one Region, or be left out`);
      for (const r of s.databaseRegions) {
        checkRegionName(`sources[${i}].databaseRegions`, r, (m) => v.fail(m));
      }
    }
    const databaseRegions = s.databaseRegions ? { databaseRegions: [...s.databaseRegions] } : {};
    const interval = s.recoveryPointInterval;
    if (interval && (interval.isUnresolved() || interval.toMilliseconds() % 3_600_000 !== 0 || interval.toHours() < 1 || interval.toHours() > 24)) {
      v.fail(`sources[${i}].recoveryPointInterval must be whole hours from 1 to 24, as the shipper's, got ${interval.toHumanString()}`);
    }
    const recoveryPointInterval = interval ? { recoveryPointInterval: interval } : {};
    if (s.shipper) checkShipperOfSource(stack, s.shipper, arn.account, `sources[${i}]`, (m) => v.fail(m));
    return { topicArn: s.topicArn, account: arn.account, region: arn.region, ...databaseRegions, ...recoveryPointInterval };
  });
  v.atLeastOneDay('retention', props.retention);
  v.wholeNumber('minimumCopies', props.minimumCopies, 1, 1000);
  v.atLeastOneDay('minimumAge', props.minimumAge);
  v.wholeNumber('hourlyCopies', props.hourlyCopies, 0, 1000);
  v.wholeNumber('weeklyCopies', props.weeklyCopies, 0, 520);
  v.wholeNumber('monthlyCopies', props.monthlyCopies, 0, 120);
  v.wholeNumber('announcementConcurrency', props.announcementConcurrency, 2, 1000);
  v.wholeNumber('maxSnapshotsPerSource', props.maxSnapshotsPerSource, 1, 1_000_000);
  v.wholeNumber('maxLineagesPerSource', props.maxLineagesPerSource, 1, 1_000_000);
  v.budgetAndSizing(props);
  if (props.breakGlassRoleArns) {
    if (props.breakGlassRoleArns.length === 0) v.fail('breakGlassRoleArns must name at least one role, or be left out');
    props.breakGlassRoleArns.forEach((arn, i) => {
      checkRoleArn(`breakGlassRoleArns[${i}]`, arn, (m) => v.fail(m));
    });
  }
  return parsed;
}

/** Fails when the shipper given with a source cannot be the one of its topic, or ships to another account than the vault's. */
function checkShipperOfSource(stack: Stack, shipper: RdsSnapshotShipper, topicAccount: string, prop: string, fail: (message: string) => never): void {
  const shipperStack = Stack.of(shipper);
  if (shipperStack === stack) fail(`${prop}.shipper is in the vault's own stack; the vault must be in a separate Failsafe account`);
  if (Stage.of(shipperStack) !== Stage.of(stack)) {
    fail(`${prop}.shipper is in another Stage, and a stack cannot depend on one of another Stage: give the source its topicArn without `
      + 'shipper, and deploy the Live stage first');
  }
  if (!Token.isUnresolved(shipperStack.account) && shipperStack.account !== topicAccount) {
    fail(`${prop}.shipper is in account ${shipperStack.account}, but the topic is in account ${topicAccount}`);
  }
  if (!Token.isUnresolved(stack.account) && !Token.isUnresolved(shipper.vaultAccount) && shipper.vaultAccount !== stack.account) {
    fail(`${prop}.shipper ships to account ${shipper.vaultAccount}, but this vault is in account ${stack.account}`);
  }
}

/**
 * Attaches the restore policy to a role, user or group of the app, or to a
 * role of the vault's account imported by ARN (by its name). Returns false
 * for any other principal.
 */
function attachRestorePolicy(policy: iam.ManagedPolicy, principal: iam.IPrincipal): boolean {
  if (iam.Role.isRole(principal)) {
    policy.attachToRole(principal);
    return true;
  }
  const p = principal as Partial<iam.IRole & iam.IUser & iam.IGroup>;
  if (p.userArn !== undefined && p.userName !== undefined) {
    policy.attachToUser(principal as iam.IUser);
    return true;
  }
  if (p.groupArn !== undefined && p.groupName !== undefined) {
    policy.attachToGroup(principal as iam.IGroup);
    return true;
  }
  if (p.roleArn === undefined || p.roleName === undefined) return false;
  // A role imported by ARN: attached by name, so only a role of the policy's own account.
  const account = Token.isUnresolved(p.roleArn) ? undefined : Arn.split(p.roleArn, ArnFormat.SLASH_RESOURCE_NAME).account;
  const here = Stack.of(policy).account;
  if (account !== undefined && !Token.isUnresolved(here) && account !== here) return false;
  policy.attachToRole(principal as iam.IRole);
  return true;
}

/** The logical id of the stack output holding the service control policy: the vault's id, then `ServiceControlPolicy`. */
function serviceControlPolicyOutputName(vaultId: string): string {
  return `${vaultId.replace(/[^A-Za-z0-9]/g, '')}ServiceControlPolicy`;
}

/** The longest of the recovery point intervals given, a topic without one being daily; undefined (daily) if any is. */
function longestInterval(intervals: ReadonlyArray<Duration | undefined>): Duration | undefined {
  if (intervals.some((d) => d === undefined)) return undefined;
  return (intervals as Duration[]).reduce((a, b) => (b.toMilliseconds() > a.toMilliseconds() ? b : a));
}
