import {
  Annotations,
  ArnFormat,
  Duration,
  Names,
  Stack,
  Token,
  aws_cloudwatch as cloudwatch,
  aws_events as events,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_rds as rds,
  aws_sns as sns,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { ShipperFunction } from './shipper-function';
import { SnapshotHandlerProps } from '../capacity';
import { ShipperAlarmsOptions } from '../monitoring';
import { checkRegionName, warnIfEnvironmentAgnostic } from '../private/environment';
import { allowRdsUseBy, newLockedDownKey } from '../private/keys';
import {
  AlarmFactory, alarmStatusRow, failsafeMetric, failsafeSearch, recoveryPointMaxAge, scheduleInterval, validateAlarmOptions,
} from '../private/monitoring';
import { arnFinding } from '../private/nag';
import * as shape from '../private/props-shape';
import {
  addTriggers,
  DEFAULT_SWEEP,
  budgetConfigOf,
  createReconcilerParts,
  grantKeyUseThroughRds,
  grantOwnedCopies,
  PropsValidator,
  clusterSnapshotArn,
  snapshotArn,
  suppressNistFindings,
  suppressRoleWildcards,
} from '../private/reconciler';
import {
  checkDatabaseEnvironments, keysOfDatabases, selectedDatabases, UNKNOWN_KEYS_WARNING,
} from '../private/selected-databases';
import { SHIPPER_CONFIG_VERSION } from '../runtime/config';
import { SNAPSHOT_CREATED_EVENTS } from '../runtime/events';
import { Dimension, MetricName } from '../runtime/metric-names';
import { isValidDbIdentifier, maxClusterIdentifierLength, SHIPPER_SNAPSHOT_PREFIX } from '../runtime/naming';
import { RecoveryPointSchedule } from '../runtime/recovery-points';
import { RECOVERY_POINT_SHIPPER_TAG_KEYS, SHIPPER_TAG_KEYS, TagKeys } from '../runtime/tags';
import type { SnapshotSource } from '../vault/vault';

/**
 * Selects databases by a tag, at run time: every DB instance and DB cluster in
 * the account and region that carries the tag with this value is shipped.
 */
export interface DatabaseTagSelector {
  /** The tag key, for example `dr`. */
  readonly key: string;
  /** The tag value, for example `failsafe`. */
  readonly value: string;
}

/**
 * Properties of an `RdsSnapshotShipper`.
 */
export interface RdsSnapshotShipperProps extends SnapshotHandlerProps {
  /**
   * The Failsafe account that receives the snapshots: its 12-digit id. The
   * shipper shares each copy with it, the shipping key lets it use the copies,
   * and the topic lets it subscribe.
   */
  readonly vaultAccount: string;

  /**
   * The DB instances to ship.
   *
   * Can be combined with `selectByTag`: the shipper ships the union.
   *
   * @default - none
   */
  readonly instances?: rds.IDatabaseInstance[];

  /**
   * The DB clusters (Aurora, provisioned or Serverless v2) to ship, through the
   * cluster snapshot APIs. Their member instances are never shipped as
   * instances. Multi-AZ DB clusters cannot be shipped: RDS cannot copy their
   * snapshots, and the shipper reports them.
   *
   * Can be combined with `instances` and `selectByTag`: the shipper ships the union.
   *
   * @default - none
   */
  readonly clusters?: rds.IDatabaseCluster[];

  /**
   * Ship every DB instance and DB cluster that carries this tag, found at run
   * time. Databases created or tagged later are picked up by the next pass.
   *
   * @default - none; `instances` or `clusters` must then be set
   */
  readonly selectByTag?: DatabaseTagSelector;

  /**
   * The Region of the databases to ship, when it is not this stack's: the
   * shipper then copies their snapshots across Regions. Deploy its stack in
   * the Region to ship into (the disaster recovery Region) of the Live
   * account. It reads the databases and their automated snapshots in
   * `sourceRegion`, copies each snapshot into this stack's Region under the
   * shipping key, keeps the previous copy so that the next one is
   * incremental, and shares and announces the copy here, where the vault
   * takes it in its own Region. The vault then survives the loss of the
   * databases' Region as well as of the Live account.
   *
   * One shipper ships one Region: for databases in several Regions, add a
   * shipper per Region to this stack, each with its own shipping key; they
   * may share the topic. Its copies' names end with the Region's code
   * (`failsafe-<database>-<yyyymmdd-hhmmss>-euw1`), so that databases of the
   * same name in two Regions never collide. A cross-Region shipper is woken
   * by its schedule for new automated snapshots (their RDS events stay in
   * their own Region) and by RDS-EVENT-0060 when its copies finish. Name its
   * databases with `instances` and `clusters` imported by attributes
   * (`DatabaseInstance.fromDatabaseInstanceAttributes`), or select them by tag.
   *
   * @default - this stack's Region: the shipper copies within the Region
   */
  readonly sourceRegion?: string;

  /**
   * How often each selected database gets a recovery point, from 1 to 24
   * hours, in whole hours.
   *
   * At 24 hours (the default) the shipper ships RDS's daily automated
   * snapshots. Below a day it also takes its own manual snapshot of each
   * database once per interval (`CreateDBSnapshot`, `CreateDBClusterSnapshot`),
   * copies it under the shipping key and ships the copy like an automated
   * one. Its snapshots are named for the database and the interval
   * (`failsafe-<database>-<yyyymmdd-hhmm>`), so that two passes never take two
   * in one interval; RDS's daily automated snapshot still counts as a
   * recovery point of its interval.
   *
   * - A snapshot of a Single-AZ DB instance briefly suspends its I/O (RDS
   *   User Guide, "Creating a DB snapshot": "from a few seconds to a few
   *   minutes, depending on the size and class of your DB instance"); Multi-AZ
   *   instances (other than SQL Server) and Aurora clusters are not paused.
   *   Place the snapshots with `recoveryPointOffset`.
   * - A snapshot the shipper took goes once its copy is shipped; copies are
   *   kept for `retention`, one day by default with an interval below a day,
   *   as the vault may still be copying them.
   * - The alarms' `maxAge` defaults to the interval plus 2 hours.
   * - Not with `sourceRegion`: the shipper takes snapshots of databases in
   *   its own Region only.
   *
   * @default Duration.hours(24): the daily automated snapshots only
   *
   * @experimental the name, the defaults and the behaviour may change in a minor release before 1.0 (see the README, "API stability")
   */
  readonly recoveryPointInterval?: Duration;

  /**
   * Where in each interval the shipper takes its snapshots, with a
   * `recoveryPointInterval` below a day: intervals start this long after
   * midnight UTC, and every interval after that (an interval that does not
   * divide a day counts from the Unix epoch instead). The first sweep after
   * an interval starts takes the snapshots, so they start within one
   * `schedule` period of it: use it to keep the I/O pause of Single-AZ
   * instances out of busy minutes. Whole minutes, shorter than the interval.
   *
   * @default Duration.minutes(0): intervals start on the hour
   *
   * @experimental the name, the defaults and the behaviour may change in a minor release before 1.0 (see the README, "API stability")
   */
  readonly recoveryPointOffset?: Duration;

  /**
   * When the reconcile sweep runs. RDS events make shipping fast; the sweep is
   * the safety net for events that are lost, deals the databases waiting for
   * a copy slot to the copies in flight, and, since RDS emits no event when a
   * DB cluster snapshot copy finishes, shares finished cluster copies and
   * starts the next.
   *
   * @default events.Schedule.rate(Duration.minutes(15))
   */
  readonly schedule?: events.Schedule;

  /**
   * The customer managed key the shipping copies are encrypted with. If you pass
   * a key that this stack does not own, add the statements of
   * `RdsSnapshotShipper.vaultKeyPolicyStatements` to its key policy yourself
   * (the construct warns at synth, with the statements), and let the shipper's
   * role use it through RDS in that policy or in an IAM policy it trusts.
   *
   * @default - a new key, with rotation on, that the vault account may use for RDS
   */
  readonly shippingKey?: kms.IKey;

  /**
   * Customer managed keys that encrypt the source databases. The shipper's role
   * gets `kms:CreateGrant` and `kms:DescribeKey` on them, through RDS only, so
   * that RDS can read their snapshots. Databases that are unencrypted or use the
   * AWS managed key `aws/rds` need nothing here.
   *
   * The keys of the `instances` and `clusters` defined in this app are read
   * from their resources and need not be listed. The construct warns at synth
   * (`cdk-rds-failsafe:databaseKeysUnknown`) when it cannot know a database's
   * key, for an imported database or with `selectByTag`, unless this is set:
   * pass an empty list when none of them has a customer managed key.
   *
   * @default - the keys of the databases defined in this app
   */
  readonly sourceKeys?: kms.IKey[];

  /**
   * Customer managed keys of the databases that the vault account may use,
   * for a shipper with a `recoveryPointInterval` below a day. A snapshot the
   * shipper takes under one of them (matched by key ARN) is shared with the
   * vault as it is, with no copy in Live: that saves one full copy per
   * recovery point, and the vault's copies of such snapshots can be
   * incremental (RDS User Guide, "Incremental snapshot copying"; a copy of a
   * copy is always full). Snapshots under `aws/rds`, which RDS never lets
   * another account use, or under any other key are copied under the
   * shipping key as before; so are the daily automated snapshots, which RDS
   * never shares.
   *
   * The key policy of each must let the vault account use it for RDS
   * (`RdsSnapshotShipper.vaultKeyPolicyStatements`): the construct adds the
   * statements to keys of this stack and warns, with the statements to
   * paste, for others. The shipper's role may use them through RDS, as it
   * may `sourceKeys`. Sharing a key gives the Failsafe account the use of
   * everything it encrypts that is shared with it: declare only keys you are
   * prepared to share so.
   *
   * @default - none: every snapshot is copied under the shipping key
   *
   * @experimental the name, the defaults and the behaviour may change in a minor release before 1.0 (see the README, "API stability")
   */
  readonly shareableKeys?: kms.IKey[];

  /**
   * An existing topic to announce on. If this stack does not own it, allow the
   * vault account to subscribe in its topic policy yourself.
   *
   * @default - a new topic named `topicName`, encrypted with a new key
   */
  readonly topic?: sns.ITopic;

  /**
   * The name of the topic the shipper creates. A stable name gives the vault a
   * predictable topic ARN. Not allowed together with `topic`.
   *
   * @default 'rds-failsafe-shipper'
   */
  readonly topicName?: string;

  /**
   * How long shipped copies are kept in the Live account. A copy is deleted only
   * when it is older than this and a newer shared copy of the same database
   * exists, so the newest shared copy is always kept. At least one day. The
   * vault copies in its own account, which Live cannot see, and RDS
   * terminates a copy whose source is deleted (RDS API Reference,
   * DeleteDBSnapshot): the retention is the vault's time to copy.
   *
   * @default Duration.days(2); Duration.days(1) with a `recoveryPointInterval` below a day
   */
  readonly retention?: Duration;

  /**
   * Turns the alarms off or tunes them. Every alarm is on by default.
   *
   * @default - every alarm, with its defaults
   */
  readonly alarms?: ShipperAlarmsOptions;
}

const DEFAULT_TOPIC_NAME = 'rds-failsafe-shipper';
const ACCOUNT_ID = /^\d{12}$/;

/**
 * Ships RDS snapshots out of the Live account.
 *
 * For each selected database it copies the newest automated snapshot to a
 * manual snapshot encrypted with the shipping key, shares the copy with the
 * vault account, and announces it on the topic. It runs as a reconciler: on
 * its schedule (every 15 minutes by default) and on RDS snapshot events, each
 * pass reads the state of the account and does only what is missing.
 */
export class RdsSnapshotShipper extends Construct {
  /**
   * The key policy statements that let the vault account use a shipping key for
   * RDS, as the RDS User Guide documents for sharing encrypted snapshots, and
   * only through RDS (`kms:ViaService` `rds.*.amazonaws.com`).
   */
  public static vaultKeyPolicyStatements(vaultAccount: string): iam.PolicyStatement[] {
    const vault = new iam.AccountPrincipal(vaultAccount);
    // The RDS User Guide, "Sharing encrypted snapshots", gives this key policy
    // for the account a snapshot is shared with ("Allow use of the key", "Allow
    // attachment of persistent resources"). kms:CreateGrant is in the second
    // statement only, so that every grant is for an AWS resource (KMS Developer
    // Guide, kms:GrantIsForAWSResource). Both hold only through RDS
    // (kms:ViaService): the vault account copies a shared snapshot with RDS,
    // which uses the key on its behalf, and nothing in that account may use
    // the key directly. Any Region's RDS, since which Region's RDS reads the
    // source of a copy across Regions is not documented.
    const viaRds = { StringLike: { 'kms:ViaService': 'rds.*.amazonaws.com' } };
    return [
      new iam.PolicyStatement({
        sid: 'AllowVaultAccountUseOfTheKey',
        principals: [vault],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: viaRds,
      }),
      new iam.PolicyStatement({
        sid: 'AllowVaultAccountAttachmentOfPersistentResources',
        principals: [vault],
        actions: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
        resources: ['*'],
        conditions: { ...viaRds, Bool: { 'kms:GrantIsForAWSResource': true } },
      }),
    ];
  }

  /** The topic the shipper announces shipped snapshots on. The vault subscribes to it. */
  public readonly topic: sns.ITopic;
  /** The key the shipping copies are encrypted with. */
  public readonly shippingKey: kms.IKey;
  /** The key the topic is encrypted with, when the shipper created the topic. */
  public readonly topicKey?: kms.IKey;
  /** The reconcile function. */
  public readonly reconcileFunction: lambda.IFunction;
  /** The function's role. */
  public readonly role: iam.IRole;
  /** Where invocations that keep failing end up. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** The function's log group. */
  public readonly logGroup: logs.ILogGroup;
  /**
   * The value of the `cdk-rds-failsafe:owner` tag on every snapshot this
   * shipper creates. It may delete or share only snapshots that carry it.
   */
  public readonly ownerId: string;
  /** Fires when nothing was announced for longer than its maxAge, unless turned off. */
  public readonly announcementAlarm?: cloudwatch.IAlarm;
  /**
   * Fires when a selected database has fallen behind (its newest shipped copy
   * is older than maxAge, or it was never shipped), unless turned off.
   */
  public readonly databasesBehindAlarm?: cloudwatch.IAlarm;
  /** Fires on any failed action or failed copy in a window, unless turned off. */
  public readonly failureAlarm?: cloudwatch.IAlarm;
  /** Fires on failed invocations of the function, unless turned off. */
  public readonly handlerErrorAlarm?: cloudwatch.IAlarm;
  /** Fires when the dead-letter queue holds a message, unless turned off. */
  public readonly deadLetterQueueAlarm?: cloudwatch.IAlarm;
  /** Every alarm the construct created. */
  public readonly alarms: cloudwatch.IAlarm[];
  /** The dashboard, if `dashboard` is true. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /**
   * The Region of the databases this shipper ships: `sourceRegion`, or the
   * stack's. Give it to the vault's source as `databaseRegions` when it is
   * not the topic's Region.
   */
  public readonly databaseRegion: string;
  /** The Failsafe account the shipper shares its copies with. */
  public readonly vaultAccount: string;

  private readonly topicNameCreated?: string;
  private readonly recoveryPointInterval?: Duration;

  constructor(scope: Construct, id: string, props: RdsSnapshotShipperProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // The Region the snapshots are copied out of, when it is not the stack's.
    const crossRegionFrom = validateProps(props, stack);
    warnIfEnvironmentAgnostic(this, [
      'that vaultAccount is another account than this one',
      'that every database given is in this stack\'s account and Region',
    ]);
    this.databaseRegion = props.sourceRegion ?? stack.region;
    this.vaultAccount = props.vaultAccount;
    this.recoveryPointInterval = props.recoveryPointInterval;

    this.ownerId = `shipper-${Names.uniqueResourceName(this, { maxLength: 64 })}`;
    // With recovery points more often than daily, Live holds a copy per interval of the retention: a day by default.
    const subDaily = props.recoveryPointInterval !== undefined && props.recoveryPointInterval.toHours() < HOURS_PER_DAY;
    const retention = props.retention ?? (subDaily ? Duration.days(1) : Duration.days(2));

    // Keys
    if (props.shippingKey) {
      this.shippingKey = props.shippingKey;
      this.letVaultUse(this.shippingKey, 'shippingKey', props.vaultAccount);
    } else {
      this.shippingKey = newLockedDownKey(this, 'ShippingKey', `Encrypts the RDS snapshot copies that ${this.node.path} shares with account ${props.vaultAccount}`);
      for (const s of RdsSnapshotShipper.vaultKeyPolicyStatements(props.vaultAccount)) this.shippingKey.addToResourcePolicy(s);
    }

    // Topic
    if (props.topic) {
      this.topic = props.topic;
    } else {
      this.topicKey = newLockedDownKey(this, 'TopicKey', `Encrypts the announcements of ${this.node.path}`);
      this.topicNameCreated = props.topicName ?? DEFAULT_TOPIC_NAME;
      this.topic = new sns.Topic(this, 'Topic', {
        topicName: this.topicNameCreated,
        displayName: 'RDS snapshots shipped to the Failsafe account',
        masterKey: this.topicKey,
        enforceSSL: true,
      });
    }
    this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowVaultAccountToSubscribe',
      principals: [new iam.AccountPrincipal(props.vaultAccount)],
      actions: ['sns:Subscribe'],
      resources: [this.topic.topicArn],
      // The vault subscribes its announcement queue, in its own account. Vaults
      // of earlier releases subscribed their function: allowed too, so that the
      // two stacks may be upgraded in either order. The endpoint's ARN admits
      // only queues and functions of the vault account, and the endpoint of the
      // sqs protocol is a queue's ARN, that of lambda a function's (SNS API
      // Reference, Subscribe, Endpoint): no condition on sns:Protocol is needed.
      conditions: {
        StringLike: {
          'sns:Endpoint': [
            `arn:${Stack.of(this).partition}:sqs:*:${props.vaultAccount}:*`,
            `arn:${Stack.of(this).partition}:lambda:*:${props.vaultAccount}:function:*`,
          ],
        },
      },
    }));

    // Function
    const parts = createReconcilerParts(this, `cdk-rds-failsafe: ships RDS snapshots to the Failsafe account (${this.node.path})`, props);
    this.deadLetterQueue = parts.deadLetterQueue;
    this.logGroup = parts.logGroup;
    this.role = parts.role;
    const role = parts.role;

    const schedule = props.schedule ?? events.Schedule.rate(DEFAULT_SWEEP);
    const recoveryPoints = recoveryPointsOf(props);
    // The alarms' default maxAge: the interval plus a margin for the copy (monitoring.ts).
    const maxAge = recoveryPointMaxAge(props.recoveryPointInterval);
    const identifiers = (props.instances ?? []).map((i) => i.instanceIdentifier);
    const clusterIdentifiers = (props.clusters ?? []).map((c) => c.clusterIdentifier);
    const fn = new ShipperFunction(this, 'Function', {
      ...parts.functionOptions,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: this.ownerId,
        SHIPPER_CONFIG: stack.toJsonString({
          version: SHIPPER_CONFIG_VERSION,
          ownerId: this.ownerId,
          vaultAccount: props.vaultAccount,
          shippingKeyArn: this.shippingKey.keyArn,
          topicArn: this.topic.topicArn,
          ...(crossRegionFrom ? { sourceRegion: crossRegionFrom } : {}),
          retentionMs: retention.toMilliseconds(),
          ...(recoveryPoints ? { recoveryPoints } : {}),
          ...(props.shareableKeys?.length ? { shareableKeyArns: props.shareableKeys.map((k) => k.keyArn) } : {}),
          ...budgetConfigOf(props),
          behindAfterMs: (props.alarms?.databasesBehind?.maxAge ?? maxAge).toMilliseconds(),
          // The sweeps of the first one and a half sweep intervals of each UTC
          // day publish the manifest: once or twice a day.
          manifestWindowMs: Math.round(scheduleInterval(schedule).toMilliseconds() * 1.5),
          selection: {
            ...(identifiers.length > 0 ? { identifiers } : {}),
            ...(clusterIdentifiers.length > 0 ? { clusterIdentifiers } : {}),
            ...(props.selectByTag ? { tag: { key: props.selectByTag.key, value: props.selectByTag.value } } : {}),
          },
        }),
      },
    });
    this.reconcileFunction = fn;
    suppressNistFindings(fn, parts.logGroup, parts.role);

    const byTag = props.selectByTag !== undefined;
    this.grantSnapshotPermissions(role, stack, identifiers, clusterIdentifiers, byTag, crossRegionFrom, recoveryPoints !== undefined);
    if (recoveryPoints) this.grantTakingSnapshots(role, stack, identifiers, clusterIdentifiers, byTag);
    // The databases' own keys trust IAM policies; so does a shipping key from
    // outside the stack, whose policy this construct cannot write.
    const shippingKeyTrustsIam = !allowRdsUseBy(this.shippingKey, role, 'Shipper', { describeDirectly: true });
    const shippingKeys = shippingKeyTrustsIam ? [this.shippingKey.keyArn] : [];
    for (const key of props.shareableKeys ?? []) this.letVaultUse(key, 'shareableKeys', props.vaultAccount);
    const databaseKeys = [...new Set([
      ...[...props.sourceKeys ?? [], ...props.shareableKeys ?? []].map((k) => k.keyArn),
      ...this.keysOfSelectedDatabases(stack, props),
    ])];
    if (crossRegionFrom) {
      // The copy is made under the shipping key by RDS in this Region. Which
      // Region's RDS uses the source snapshot's key in a copy across Regions
      // is not documented: RDS in either of the two may.
      grantKeyUseThroughRds(role, shippingKeys, [stack.region]);
      grantKeyUseThroughRds(role, databaseKeys, [crossRegionFrom, stack.region], 'DatabaseKeys');
    } else {
      grantKeyUseThroughRds(role, [...shippingKeys, ...databaseKeys], [stack.region]);
    }
    // The shipper's epoch is its shipping key's CreationDate: a database never shipped is expected from then on (key-epoch.ts).
    // The key policy of a key this stack made lets the role describe it (allowRdsUseBy); a key from outside trusts IAM.
    if (shippingKeyTrustsIam) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadEpochOfShippingKey', actions: ['kms:DescribeKey'], resources: [this.shippingKey.keyArn] }));
    }
    if (this.topicKey) {
      // The topic key's policy names the role (below): no IAM policy for the key.
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'PublishAnnouncements', actions: ['sns:Publish'], resources: [this.topic.topicArn] }));
    } else {
      this.topic.grantPublish(role);
    }
    // Keys this construct creates trust no IAM policy for use: the role's use of
    // the topic key to publish is in the key policy, through SNS only. SNS
    // Developer Guide, "Key management": "The publisher must have the
    // kms:GenerateDataKey and kms:Decrypt permissions for the AWS KMS key."
    this.topicKey?.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'ShipperPublishesThroughSns',
      principals: [role],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': `sns.${stack.region}.amazonaws.com` } },
    }));
    suppressRoleWildcards(
      role,
      'Each wildcard is as narrow as RDS allows: list calls cannot be scoped (Resource::*); automated snapshot and copy names carry a timestamp, '
      + 'so they are matched by prefix, and every write to a copy is conditioned on the ownership tag; log streams are created at run time; '
      + 'SNS needs kms:GenerateDataKey* on the topic key to publish; a shipper that selects by tag finds its databases at run time, so it may '
      + 'snapshot any database of the account, into snapshots named like its own and tagged with its owner on creation.',
      [
        'Resource::*',
        arnFinding('rds', '(db|cluster):\\*'),
        arnFinding('rds', '(cluster-)?snapshot:(rds:[a-zA-Z0-9-]*-?\\*|failsafe-\\*)'),
        { regex: '/^Resource::<[A-Za-z0-9]+\\.Arn>:log-stream:\\*$/' },
        'Action::kms:GenerateDataKey*',
      ],
    );

    // Triggers: the schedule is the safety net; RDS events make it fast. RDS
    // events reach EventBridge in the Region of their resource: a shipper that
    // copies across Regions hears of its copies here (a copy across Regions
    // finishes with RDS-EVENT-0060), but not of new automated snapshots, which
    // its sweeps find.
    const copyFinished = crossRegionFrom ? 'RDS-EVENT-0060' : 'RDS-EVENT-0197';
    addTriggers(this, fn, this.deadLetterQueue, schedule, {
      ...(crossRegionFrom ? {} : {
        AutomatedSnapshotCreated: {
          description: 'Ship a new automated RDS snapshot (RDS-EVENT-0091)',
          eventPattern: { source: ['aws.rds'], detailType: ['RDS DB Snapshot Event'], detail: { EventID: ['RDS-EVENT-0091'] } },
        },
      }),
      CopyFinished: {
        description: `Share and announce a finished shipping copy (${copyFinished})`,
        eventPattern: {
          source: ['aws.rds'],
          detailType: ['RDS DB Snapshot Event'],
          detail: { EventID: [copyFinished], SourceIdentifier: events.Match.prefix(SHIPPER_SNAPSHOT_PREFIX) },
        },
      },
      // RDS emits no event when a cluster snapshot copy finishes (Aurora User
      // Guide, "Amazon RDS event categories and event messages"): the
      // sweep shares and announces finished cluster copies.
      ...(!crossRegionFrom && (clusterIdentifiers.length > 0 || props.selectByTag) ? {
        AutomatedClusterSnapshotCreated: {
          description: 'Ship a new automated DB cluster snapshot (RDS-EVENT-0169)',
          eventPattern: { source: ['aws.rds'], detailType: ['RDS DB Cluster Snapshot Event'], detail: { EventID: ['RDS-EVENT-0169'] } },
        },
      } : {}),
      // With recovery points below a day: copy each snapshot the shipper took as soon as RDS has made it.
      ...(recoveryPoints ? {
        RecoveryPointTaken: {
          description: `Copy a snapshot the shipper took (${SNAPSHOT_CREATED_EVENTS.instance}, ${SNAPSHOT_CREATED_EVENTS.cluster})`,
          eventPattern: {
            source: ['aws.rds'],
            detailType: ['RDS DB Snapshot Event', 'RDS DB Cluster Snapshot Event'],
            detail: {
              EventID: [SNAPSHOT_CREATED_EVENTS.instance, SNAPSHOT_CREATED_EVENTS.cluster],
              SourceIdentifier: events.Match.prefix(SHIPPER_SNAPSHOT_PREFIX),
            },
          },
        },
      } : {}),
    });

    // Alarms and dashboard
    const alarms = new AlarmFactory(this, `RDS snapshot shipper ${this.node.path}`, props.alarmTopic);
    const o = props.alarms ?? {};
    this.announcementAlarm = alarms.absence(
      'AnnouncementsAlarm',
      { maxAge, ...o.announcements },
      failsafeMetric(this.ownerId, MetricName.ANNOUNCEMENTS, 'Sum', Duration.hours(1)),
      'no shipped copy was announced to the Failsafe account',
    );
    this.databasesBehindAlarm = alarms.anyFor(
      'DatabasesBehindAlarm',
      o.databasesBehind,
      this.metricDatabasesBehind(),
      2,
      `a selected database was not shipped for longer than ${(o.databasesBehind?.maxAge ?? maxAge).toHumanString()}, or never; `
      + 'the log line databases-behind names the one furthest behind',
    );
    this.failureAlarm = alarms.count('FailuresAlarm', o.failures, (period) => failsafeMetric(this.ownerId, MetricName.FAILURES, 'Sum', period),
      'copies, shares, announcements or deletions failed; the log names each one and the grant it is missing');
    this.handlerErrorAlarm = alarms.handlerErrors(o.handlerErrors, fn);
    this.deadLetterQueueAlarm = alarms.deadLetters(o.deadLetterQueue, this.deadLetterQueue);
    this.alarms = alarms.alarms;
    if (props.dashboard) this.dashboard = this.createDashboard(props.dashboardName);
  }

  /**
   * Lets the vault account use a key for RDS, in its key policy. A key from
   * outside the stack keeps the policy it has: say which statements it needs
   * for the vault account, as text to paste.
   */
  private letVaultUse(key: kms.IKey, prop: 'shippingKey' | 'shareableKeys', vaultAccount: string): void {
    const statements = RdsSnapshotShipper.vaultKeyPolicyStatements(vaultAccount);
    if (statements.map((s) => key.addToResourcePolicy(s, true).statementAdded).every(Boolean)) return;
    const partition = Token.isUnresolved(Stack.of(this).partition) ? 'aws' : Stack.of(this).partition;
    const text = statements.map((s) => {
      const json = Stack.of(this).resolve(s.toStatementJson());
      return { ...json, Principal: { AWS: `arn:${partition}:iam::${vaultAccount}:root` } };
    });
    Annotations.of(this).addWarningV2(`cdk-rds-failsafe:${prop === 'shippingKey' ? 'shippingKeyPolicy' : 'shareableKeyPolicy'}`,
      `${prop} ${key.node.path} is not in this stack, so its key policy cannot be changed here. Add these statements to it, `
      + `or the vault account cannot copy the shipped snapshots (RdsSnapshotShipper.vaultKeyPolicyStatements('${vaultAccount}') returns them): `
      + JSON.stringify(text));
  }

  /**
   * The number of selected databases whose newest shipped copy is older than
   * the databases-behind alarm's maxAge, or that were never shipped, as the
   * Maximum over an hour.
   */
  public metricDatabasesBehind(): cloudwatch.Metric {
    return failsafeMetric(this.ownerId, MetricName.DATABASES_BEHIND, 'Maximum', Duration.hours(1));
  }

  private createDashboard(dashboardName?: string): cloudwatch.Dashboard {
    const count = (name: string, label: string) => failsafeMetric(this.ownerId, name, 'Sum', Duration.hours(1)).with({ label });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName, defaultInterval: Duration.days(7) });
    dashboard.addWidgets(...alarmStatusRow(`RDS snapshot shipper: ${this.node.path}`, this.alarms));
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Age of the newest shipped copy, per database (hours)',
        left: [failsafeSearch(this.ownerId, MetricName.SHIPPED_COPY_AGE, [Dimension.SOURCE_DATABASE], 'Maximum', '', 3600)],
        leftYAxis: { min: 0, label: 'hours', showUnits: false },
        right: [this.metricDatabasesBehind().with({ label: 'databases behind' })],
        rightYAxis: { min: 0, label: 'databases', showUnits: false },
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Snapshots and copies per hour',
        left: [count(MetricName.COPIES_STARTED, 'started'), count(MetricName.COPIES_COMPLETED, 'completed'), count(MetricName.ANNOUNCEMENTS, 'announced'),
          count(MetricName.SNAPSHOTS_EXPIRED, 'expired'), count(MetricName.SNAPSHOTS_TAKEN, 'snapshots taken')],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Failures per hour',
        left: [count(MetricName.FAILURES, 'failures'), count(MetricName.COPIES_FAILED, 'failed copies'),
          this.reconcileFunction.metricErrors({ period: Duration.hours(1), statistic: 'Sum', label: 'handler errors' })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Pass duration and dead letters',
        left: [failsafeMetric(this.ownerId, MetricName.PASS_DURATION, 'Maximum', Duration.hours(1)).with({ label: 'longest pass (ms)' })],
        right: [this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum', label: 'dead letters' })],
        width: 12,
      }),
    );
    return dashboard;
  }

  /**
   * Taking snapshots of the selected databases, with a recovery point
   * interval below a day: `CreateDBSnapshot` needs the database and the new
   * snapshot (Service Authorization Reference, Amazon RDS: `db*`,
   * `snapshot*`; for a cluster `cluster*`, `cluster-snapshot*`), and tags on
   * creation need `rds:AddTagsToResource` (granted with the copies' tags). The
   * snapshot must be named like the shipper's and carry its ownership tag.
   * Copying it needs nothing more: the copy statement already names the
   * shipper's own snapshots.
   */
  private grantTakingSnapshots(role: iam.Role, stack: Stack, identifiers: string[], clusterIdentifiers: string[], byTag: boolean): void {
    const database = (resource: 'db' | 'cluster', ids: string[]) => (byTag ? ['*'] : ids).map((id) => stack.formatArn({
      service: 'rds', resource, resourceName: Token.isUnresolved(id) || id === '*' ? id : id.toLowerCase(), arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }));
    const owned = { StringEquals: { [`aws:RequestTag/${TagKeys.OWNER}`]: this.ownerId } };
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TakeOwnedSnapshotsOfSelectedDatabases',
      actions: ['rds:CreateDBSnapshot'],
      resources: [...database('db', identifiers), snapshotArn(stack, `${SHIPPER_SNAPSHOT_PREFIX}*`)],
      conditions: owned,
    }));
    if (byTag || clusterIdentifiers.length > 0) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'TakeOwnedSnapshotsOfSelectedClusters',
        actions: ['rds:CreateDBClusterSnapshot'],
        resources: [...database('cluster', clusterIdentifiers), clusterSnapshotArn(stack, `${SHIPPER_SNAPSHOT_PREFIX}*`)],
        conditions: owned,
      }));
    }
  }

  /**
   * This shipper as a source of an `RdsSnapshotVault` in the same CDK app:
   * its topic's ARN, its databases' Region when it copies them across
   * Regions, and its `recoveryPointInterval`. The vault's stack then depends
   * on this shipper's stack, so that the Live stack deploys first
   * (`cdk deploy --all`), as the vault's subscription to the topic needs.
   *
   * The shipper's stack needs an account and a Region (`env`), and the topic
   * a literal name: the vault, in another account, names the topic by its
   * ARN. In separate CDK apps, give the vault the topic's ARN instead.
   */
  public asSnapshotSource(): SnapshotSource {
    const stack = Stack.of(this);
    const fail = (message: string): never => new PropsValidator('RdsSnapshotShipper').fail(`asSnapshotSource(): ${message}`);
    if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
      fail('the shipper\'s stack needs an env with account and region, as the vault names the topic by a literal ARN');
    }
    let topicArn = this.topic.topicArn;
    if (Token.isUnresolved(topicArn)) {
      const partition = RegionInfo.get(stack.region).partition;
      if (this.topicNameCreated === undefined || Token.isUnresolved(this.topicNameCreated) || partition === undefined) {
        fail('the topic\'s ARN is not known at synth; give the vault the topic\'s ARN as topicArn');
      }
      topicArn = `arn:${partition}:sns:${stack.region}:${stack.account}:${this.topicNameCreated}`;
    }
    const interval = this.recoveryPointInterval;
    return {
      topicArn,
      ...(this.databaseRegion !== stack.region ? { databaseRegions: [this.databaseRegion] } : {}),
      ...(interval && interval.toHours() < HOURS_PER_DAY ? { recoveryPointInterval: interval } : {}),
      shipper: this,
    };
  }

  /**
   * The customer managed keys of the databases defined in the app, which the
   * shipper may then use without `sourceKeys`; warns of the databases whose
   * keys it cannot know, unless `sourceKeys` is given (an empty list says none is needed).
   */
  private keysOfSelectedDatabases(stack: Stack, props: RdsSnapshotShipperProps): string[] {
    const keys = keysOfDatabases(stack, selectedDatabases(props.instances ?? [], props.clusters ?? []));
    // sourceKeys given, even empty, says the databases' keys were thought of.
    const given = props.sourceKeys !== undefined;
    const unknown = [
      ...keys.unknown.map((db) => (Token.isUnresolved(db.identifier) ? db.prop : db.identifier)),
      ...(props.selectByTag ? [`the databases tagged ${props.selectByTag.key}=${props.selectByTag.value}`] : []),
    ];
    if (unknown.length > 0 && !given) {
      Annotations.of(this).addWarningV2(UNKNOWN_KEYS_WARNING,
        `The KMS keys of ${unknown.join(', ')} cannot be known at synth (imported, or selected at run time). If one is encrypted with a `
        + 'customer managed key, pass the key in sourceKeys: without it RDS refuses to copy its snapshots, and the copies fail at run time. '
        + 'Databases that are unencrypted or use the AWS managed key aws/rds need nothing.');
    }
    return keys.keyArns;
  }

  private grantSnapshotPermissions(
    role: iam.Role, stack: Stack, identifiers: string[], clusterIdentifiers: string[], byTag: boolean, crossRegionFrom: string | undefined,
    takesSnapshots: boolean,
  ): void {
    const ownCopies = snapshotArn(stack, `${SHIPPER_SNAPSHOT_PREFIX}*`);
    const ownClusterCopies = clusterSnapshotArn(stack, `${SHIPPER_SNAPSHOT_PREFIX}*`);
    // Automated snapshots are named `rds:<instance or cluster>-<time>`, in the
    // databases' Region. RDS names automated snapshots in lower case, and IAM
    // matches ARNs case-sensitively. A copy across Regions needs the copy
    // action on both ARNs, each in its Region (RDS User Guide, "Copying a DB
    // snapshot").
    const where = crossRegionFrom ? { region: crossRegionFrom } : {};
    const automated = (arn: typeof snapshotArn, ids: string[]) => (byTag
      ? [arn(stack, 'rds:*', where)]
      : ids.map((i) => arn(stack, `rds:${Token.isUnresolved(i) ? i : i.toLowerCase()}-*`, where)));
    const withClusters = byTag || clusterIdentifiers.length > 0;
    const owner = `aws:ResourceTag/${TagKeys.OWNER}`;

    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadState',
      // List calls: RDS cannot scope a paginated describe of all instances,
      // clusters, snapshots or option groups to resources, nor the account's
      // quotas (DescribeAccountAttributes) to anything but the account.
      actions: [
        'rds:DescribeDBInstances', 'rds:DescribeDBSnapshots', 'rds:DescribeOptionGroups', 'rds:DescribeAccountAttributes',
        ...(withClusters ? ['rds:DescribeDBClusters', 'rds:DescribeDBClusterSnapshots'] : []),
      ],
      resources: ['*'],
    }));
    grantOwnedCopies(role, {
      copySid: 'CopyAutomatedSnapshotsAsOwnedCopies',
      ownerId: this.ownerId,
      sources: automated(snapshotArn, identifiers),
      ownCopies,
      tagKeys: takesSnapshots ? RECOVERY_POINT_SHIPPER_TAG_KEYS : SHIPPER_TAG_KEYS,
      clusters: withClusters
        ? { copySid: 'CopyAutomatedClusterSnapshotsAsOwnedCopies', sources: automated(clusterSnapshotArn, clusterIdentifiers), ownCopies: ownClusterCopies }
        : undefined,
    });
    const copies = withClusters ? [ownCopies, ownClusterCopies] : [ownCopies];
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'MarkOwnCopiesAnnouncedAndTheirSuccessors',
      actions: ['rds:AddTagsToResource'],
      resources: copies,
      conditions: {
        'StringEquals': { [owner]: this.ownerId },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [TagKeys.ANNOUNCED, TagKeys.SUCCESSORS] },
      },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ShareAndDeleteOwnCopiesOnly',
      actions: [
        'rds:ModifyDBSnapshotAttribute', 'rds:DeleteDBSnapshot',
        ...(withClusters ? ['rds:ModifyDBClusterSnapshotAttribute', 'rds:DeleteDBClusterSnapshot'] : []),
      ],
      resources: copies,
      conditions: { StringEquals: { [owner]: this.ownerId } },
    }));
  }
}

/** Checks the props; returns the Region the snapshots are copied out of, when it is not the stack's. */
function validateProps(props: RdsSnapshotShipperProps, stack: Stack): string | undefined {
  const v = new PropsValidator('RdsSnapshotShipper');
  shape.checkProps(props, SHIPPER_PROPS_SHAPE, '', (m) => v.fail(m));
  validateAlarmOptions(v, 'alarms', props.alarms);
  const fail = (message: string): never => v.fail(message);
  if (!Token.isUnresolved(props.vaultAccount)) {
    if (!ACCOUNT_ID.test(props.vaultAccount)) fail(`vaultAccount must be a 12-digit AWS account id, got ${JSON.stringify(props.vaultAccount)}`);
    if (!Token.isUnresolved(stack.account) && stack.account === props.vaultAccount) {
      fail(`vaultAccount (${props.vaultAccount}) is this stack's own account; the vault must be a separate Failsafe account`);
    }
  }
  const instances = props.instances ?? [];
  const clusters = props.clusters ?? [];
  if (props.sourceRegion !== undefined) {
    checkRegionName('sourceRegion', props.sourceRegion, fail);
    if (Token.isUnresolved(stack.region)) {
      fail('sourceRegion needs a stack with a Region (env.region): the shipper copies from sourceRegion into the stack\'s Region, and its IAM policy names both');
    }
  }
  const crossRegionFrom = props.sourceRegion !== undefined && props.sourceRegion !== stack.region ? props.sourceRegion : undefined;
  checkDatabaseEnvironments(stack, selectedDatabases(instances, clusters), props.sourceRegion ?? stack.region, fail);
  const maxClusterLength = maxClusterIdentifierLength(crossRegionFrom);
  if (instances.length === 0 && clusters.length === 0 && !props.selectByTag) {
    fail('select at least one database: pass `instances`, `clusters`, `selectByTag`, or any of them together');
  }
  for (const cluster of clusters) {
    const id = cluster.clusterIdentifier;
    if (!Token.isUnresolved(id) && !isValidDbIdentifier(id)) {
      fail(`clusters: ${JSON.stringify(id)} is not a valid DB cluster identifier`);
    }
    if (!Token.isUnresolved(id) && id.length > maxClusterLength) {
      fail(`clusters: ${JSON.stringify(id)} has ${id.length} characters; the names of its snapshot copies would pass RDS's limit of 63 for cluster `
        + `snapshots (at most ${maxClusterLength} characters${crossRegionFrom ? `, as they end with the code of ${crossRegionFrom}` : ''})`);
    }
  }
  for (const instance of instances) {
    const id = instance.instanceIdentifier;
    if (!Token.isUnresolved(id) && !isValidDbIdentifier(id)) {
      fail(`instances: ${JSON.stringify(id)} is not a valid DB instance identifier`);
    }
  }
  if (props.selectByTag) {
    const { key, value } = props.selectByTag;
    if (!Token.isUnresolved(key) && (key.length === 0 || key.length > 128)) fail('selectByTag.key must be 1 to 128 characters');
    if (!Token.isUnresolved(value) && value.length > 256) fail('selectByTag.value must be at most 256 characters');
  }
  v.atLeastOneDay('retention', props.retention);
  validateRecoveryPoints(v, props, crossRegionFrom);
  if (props.topic && props.topicName !== undefined) {
    fail('pass either `topic` or `topicName`, not both: `topicName` names the topic the shipper creates');
  }
  if (props.topicName !== undefined && !Token.isUnresolved(props.topicName) && !/^[A-Za-z0-9_-]{1,256}$/.test(props.topicName)) {
    fail(`topicName must be 1 to 256 letters, digits, hyphens or underscores, got ${JSON.stringify(props.topicName)}`);
  }
  v.budgetAndSizing(props);
  return crossRegionFrom;
}

const HOURS_PER_DAY = 24;

/** The shape of every prop, checked before anything reads them: callers in other languages can pass anything. */
const SHIPPER_PROPS_SHAPE: shape.Shape<RdsSnapshotShipperProps> = {
  ...shape.HANDLER_SHAPE,
  vaultAccount: shape.required(shape.str),
  instances: shape.listOf(shape.construct('a DB instance (rds.IDatabaseInstance)', 'instanceIdentifier')),
  clusters: shape.listOf(shape.construct('a DB cluster (rds.IDatabaseCluster)', 'clusterIdentifier')),
  selectByTag: shape.struct<DatabaseTagSelector>({ key: shape.required(shape.str), value: shape.required(shape.str) }),
  sourceRegion: shape.str,
  recoveryPointInterval: shape.duration,
  recoveryPointOffset: shape.duration,
  schedule: shape.schedule,
  shippingKey: shape.key,
  sourceKeys: shape.listOf(shape.key),
  shareableKeys: shape.listOf(shape.key),
  topic: shape.topic,
  topicName: shape.str,
  retention: shape.duration,
  alarms: shape.struct(shape.SHIPPER_ALARMS_SHAPE),
};

/** The recovery point schedule the handler gets, or undefined for the daily automated snapshots only. */
function recoveryPointsOf(props: RdsSnapshotShipperProps): RecoveryPointSchedule | undefined {
  const interval = props.recoveryPointInterval;
  if (!interval || interval.toHours() >= HOURS_PER_DAY) return undefined;
  const offset = props.recoveryPointOffset?.toMilliseconds() ?? 0;
  return { intervalMs: interval.toMilliseconds(), ...(offset > 0 ? { offsetMs: offset } : {}) };
}

/** Checks the recovery point props. */
function validateRecoveryPoints(v: PropsValidator, props: RdsSnapshotShipperProps, crossRegionFrom: string | undefined): void {
  const interval = props.recoveryPointInterval;
  const offset = props.recoveryPointOffset;
  if (interval?.isUnresolved() || offset?.isUnresolved()) v.fail('recoveryPointInterval and recoveryPointOffset must be literal durations');
  if (interval) {
    const ms = interval.toMilliseconds();
    if (ms % 3_600_000 !== 0 || ms < 3_600_000 || ms > 86_400_000) v.fail(`recoveryPointInterval must be whole hours from 1 to 24, got ${interval.toHumanString()}`);
  }
  const subDaily = interval !== undefined && interval.toHours() < HOURS_PER_DAY;
  if (offset && !subDaily) v.fail('recoveryPointOffset needs a recoveryPointInterval below 24 hours');
  if (props.shareableKeys?.length && !subDaily) {
    v.fail('shareableKeys needs a recoveryPointInterval below 24 hours: only the snapshots the shipper takes can be shared as they are');
  }
  if (!subDaily) return;
  if (offset && (offset.toMilliseconds() % 60_000 !== 0 || offset.toMilliseconds() >= interval.toMilliseconds())) {
    v.fail(`recoveryPointOffset must be whole minutes shorter than the interval (${interval.toHumanString()}), got ${offset.toHumanString()}`);
  }
  if (crossRegionFrom) v.fail('recoveryPointInterval below 24 hours cannot be combined with sourceRegion: the shipper takes snapshots only of databases in its own Region');
  const sweep = scheduleInterval(props.schedule ?? events.Schedule.rate(DEFAULT_SWEEP));
  if (sweep.toMilliseconds() > interval.toMilliseconds() / 2) {
    v.fail(`schedule runs every ${sweep.toHumanString()}, too rarely for a recovery point every ${interval.toHumanString()}: at most half the interval`);
  }
}
