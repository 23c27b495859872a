import {
  ArnFormat,
  Duration,
  Names,
  RemovalPolicy,
  Stack,
  Token,
  aws_cloudwatch as cloudwatch,
  aws_ec2 as ec2,
  aws_events as events,
  aws_events_targets as targets,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_rds as rds,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DrillFunction } from './drill-function';
import { FailsafeFunctionProps } from '../capacity';
import { AlarmOptions, CountAlarmOptions } from '../monitoring';
import { AlarmFactory, alarmStatusRow, failsafeMetric, failsafeSearch, validateAlarmOptions } from '../private/monitoring';
import { addNagSuppressions, addNagSuppressionsToPoliciesOf, arnFinding } from '../private/nag';
import * as shape from '../private/props-shape';
import { addTriggers, createReconcilerParts, PropsValidator, clusterSnapshotArn, snapshotArn, suppressNistFindings, suppressRoleWildcards } from '../private/reconciler';
import { DRILL_CONFIG_VERSION, DRILL_START_INPUT } from '../runtime/drill-config';
import { drillPrefix } from '../runtime/drill-records';
import { Dimension, MetricName } from '../runtime/metric-names';
import { DRILL_RECORD_TAG_KEYS, DRILL_TAG_KEYS, DrillTagKeys, TagKeys } from '../runtime/tags';
import { VAULT_SNAPSHOT_PREFIX } from '../runtime/vault-plan';
import { RdsSnapshotVault } from '../vault/vault';

/**
 * The alarm on restores that are not recent enough.
 *
 * @experimental the name, the defaults and the behaviour may change in a minor release before 1.0 (see the README, "API stability")
 */
export interface RestoreAgeAlarmOptions extends AlarmOptions {
  /**
   * A database whose last passed restore drill is older than this, or that
   * has none, counts as without a recent restore.
   * @default Duration.days(14)
   */
  readonly maxAge?: Duration;
}

/**
 * The alarms of an `RdsRestoreDrill`.
 *
 * @experimental the name, the defaults and the behaviour may change in a minor release before 1.0 (see the README, "API stability")
 */
export interface RestoreDrillAlarmsOptions {
  /**
   * No recent restore: some database the vault holds has had no passed
   * drill within `maxAge`: one whose drill failed at once, one never drilled
   * once the vault has held it for `maxAge`. The drill's census counts these
   * databases every hour; a drill that stops reporting sends the alarm to
   * INSUFFICIENT_DATA.
   * @default enabled, maxAge 14 days
   */
  readonly noRecentRestore?: RestoreAgeAlarmOptions;

  /**
   * Restore failed: a drill failed, whether RDS refused or failed the
   * restore, the validation failed, or the drill outlived its lifetime. The
   * log line `drill-judged` gives the database and the reason.
   * @default enabled, 1 or more in an hour
   */
  readonly restoreFailed?: CountAlarmOptions;

  /**
   * Failures: actions of the drill that failed (a tag, a deletion), in a window.
   * @default enabled, 1 or more in an hour
   */
  readonly failures?: CountAlarmOptions;

  /**
   * Handler errors: invocations of the function that failed, as Lambda counts them.
   * @default enabled, 1 or more in an hour
   */
  readonly handlerErrors?: CountAlarmOptions;

  /**
   * Messages in the dead-letter queue.
   * @default enabled
   */
  readonly deadLetterQueue?: AlarmOptions;
}

/**
 * Properties of an `RdsRestoreDrill`.
 *
 * @experimental the name, the defaults and the behaviour may change in a minor release before 1.0 (see the README, "API stability")
 */
export interface RdsRestoreDrillProps extends FailsafeFunctionProps {
  /** The vault whose copies the drill restores. The drill must be in the vault's stack's account and Region. */
  readonly vault: RdsSnapshotVault;

  /**
   * When a drill starts: the least recently drilled databases are restored.
   * @default - every Monday at 03:00 UTC
   */
  readonly schedule?: events.Schedule;

  /**
   * How often the drills in flight are advanced (restoring, available,
   * validated, deleted), and so the resolution of the measured restore
   * duration: whole minutes from 1 to 60. RDS events about the restored
   * instances and clusters advance them sooner.
   * @default Duration.minutes(5)
   */
  readonly sweep?: Duration;

  /**
   * How many databases a drill restores. With N databases, every one is
   * drilled at least once in every ceil(N / databasesPerDrill) drills.
   * @default 5
   */
  readonly databasesPerDrill?: number;

  /**
   * The most drills in flight at once. Restores count against the account's
   * DB instance and DB cluster quotas (40 each by default).
   * @default 5
   */
  readonly maxConcurrentRestores?: number;

  /**
   * A drill older than this is judged failed, if it is not judged yet, and
   * deleted, whatever its state: from 1 hour to 2 days.
   * @default Duration.hours(6)
   */
  readonly maxDrillLifetime?: Duration;

  /**
   * DB instance classes by engine (for example `{ postgres: 'db.t4g.small' }`),
   * over the smallest practical class of each engine: db.t4g.micro for MySQL,
   * MariaDB and PostgreSQL, db.t3.small for Oracle and SQL Server Express and
   * Web, db.t3.xlarge for SQL Server Standard and Enterprise, db.t4g.medium
   * for an Aurora cluster's writer, and db.t3.medium for any other engine.
   * @default - the smallest practical class of each engine
   */
  readonly instanceClasses?: Record<string, string>;

  /**
   * The network the restores go into.
   * @default - a new VPC with two isolated subnets: no internet gateway, no NAT, no route out
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The subnets of `vpc` for the restores' DB subnet group.
   * @default - the isolated subnets of the VPC
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the restores.
   * @default - a new security group with no inbound rule and no outbound rule;
   * allow your validation function in through `connections`
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * A function that checks each restore once it is available. It is invoked
   * with the database, the vault copy restored, the endpoint and port, and
   * the ARN of the Secrets Manager secret that RDS manages for the restore's
   * master user; it answers `{ "passed": true }` or `{ "passed": false,
   * "reason": "..." }`. Anything else fails the drill, as does a function
   * that throws or does not answer within `validationTimeout`. The construct
   * lets it read the secrets of the drill's restores only, in the function's
   * own IAM policy, where it records a cdk-nag AwsSolutions-IAM5 suppression
   * for that one wildcard (`secret:rds!*`, conditioned on the restores' tag).
   * The drill's role may invoke exactly this ARN. Put it in `vpc` and allow
   * it through `connections` to reach the restores.
   * @default - no validation: a restore passes once RDS reports it available
   */
  readonly validation?: lambda.IFunction;

  /**
   * How long the drill waits for the validation function's answer: from
   * 10 seconds to 10 minutes.
   * @default Duration.minutes(5)
   */
  readonly validationTimeout?: Duration;

  /** The alarms. */
  readonly alarms?: RestoreDrillAlarmsOptions;

  /**
   * The function's timeout: from 1 to 15 minutes, and at least a minute longer than `validationTimeout`.
   * @default - `validationTimeout` plus 2 minutes
   */
  readonly timeout?: Duration;
}

/** The drill's schedule, when the props leave it out: weekly, on Monday at 03:00 UTC. */
export const DEFAULT_DRILL_SCHEDULE = 'cron(0 3 ? * MON *)';

/**
 * Restore drills for an `RdsSnapshotVault`: on a schedule, the newest vault
 * copy of the least recently drilled databases is restored into an isolated
 * network, checked (by RDS's own status, and by a validation function if
 * one is given), timed, and deleted. Each database's verdict is recorded on
 * the vault copy it restored, published as metrics, and alarmed on.
 *
 * The drill is a reconciler like the vault: each pass moves every drill one
 * step, with the drill's state in tags on what it restored. It may delete
 * only DB instances and clusters that carry its own tag.
 *
 * @experimental the name, the defaults and the behaviour may change in a minor release before 1.0 (see the README, "API stability")
 */
export class RdsRestoreDrill extends Construct implements ec2.IConnectable {
  /** The drill's owner id: the value of its tag on everything it restores. */
  public readonly ownerId: string;
  public readonly reconcileFunction: lambda.IFunction;
  public readonly role: iam.IRole;
  public readonly logGroup: logs.ILogGroup;
  public readonly deadLetterQueue: sqs.IQueue;
  /** The network of the restores. */
  public readonly vpc: ec2.IVpc;
  /** The DB subnet group of the restores. */
  public readonly subnetGroup: rds.ISubnetGroup;
  /** The restores' security groups: allow the validation function in through them. */
  public readonly connections: ec2.Connections;
  public readonly noRecentRestoreAlarm?: cloudwatch.IAlarm;
  public readonly restoreFailedAlarm?: cloudwatch.IAlarm;
  public readonly failureAlarm?: cloudwatch.IAlarm;
  public readonly handlerErrorAlarm?: cloudwatch.IAlarm;
  public readonly deadLetterQueueAlarm?: cloudwatch.IAlarm;
  /** Every alarm created. */
  public readonly alarms: cloudwatch.IAlarm[];

  constructor(scope: Construct, id: string, props: RdsRestoreDrillProps) {
    super(scope, id);
    const stack = Stack.of(this);
    validateProps(props, stack);
    this.ownerId = `drill-${Names.uniqueResourceName(this, { maxLength: 64 })}`;
    /** Everything this drill restores is named with it, and IAM scopes the drill's permissions to it. */
    const prefix = drillPrefix(this.ownerId);
    const vault = props.vault;

    this.vpc = props.vpc ?? isolatedVpc(this);
    this.subnetGroup = new rds.SubnetGroup(this, 'SubnetGroup', {
      vpc: this.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      description: `Restore drills of ${vault.node.path}`,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const securityGroups = props.securityGroups ?? [new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc, allowAllOutbound: false, description: `Restore drills of ${vault.node.path}: no inbound rule until you allow your validation function`,
    })];
    this.connections = new ec2.Connections({ securityGroups });

    const parts = createReconcilerParts(this, `cdk-rds-failsafe: restore drills of the vault copies (${this.node.path})`, {
      ...props, timeout: props.timeout ?? drillTimeout(props.validationTimeout),
    });
    this.role = parts.role;
    this.logGroup = parts.logGroup;
    this.deadLetterQueue = parts.deadLetterQueue;
    const maxAge = props.alarms?.noRecentRestore?.maxAge ?? Duration.days(14);
    const sweep = props.sweep ?? Duration.minutes(5);
    const fn = new DrillFunction(this, 'Function', {
      ...parts.functionOptions,
      // One pass at a time: two passes at once would validate, judge and count the same drill twice.
      // Lambda keeps the events that find it busy and retries them.
      reservedConcurrentExecutions: 1,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: this.ownerId,
        DRILL_CONFIG: stack.toJsonString({
          version: DRILL_CONFIG_VERSION,
          ownerId: this.ownerId,
          vaultOwnerId: vault.ownerId,
          vaultKeyArn: vault.vaultKey.keyArn,
          subnetGroupName: this.subnetGroup.subnetGroupName,
          securityGroupIds: securityGroups.map((g) => g.securityGroupId),
          databasesPerDrill: props.databasesPerDrill ?? 5,
          maxConcurrentRestores: props.maxConcurrentRestores ?? 5,
          maxLifetimeMs: (props.maxDrillLifetime ?? Duration.hours(6)).toMilliseconds(),
          maxAgeMs: maxAge.toMilliseconds(),
          censusWindowMs: sweep.toMilliseconds(),
          validates: props.validation !== undefined,
          ...(props.validation ? {
            validationFunction: props.validation.functionArn,
            validationTimeoutMs: (props.validationTimeout ?? Duration.minutes(5)).toMilliseconds(),
          } : {}),
          ...(props.instanceClasses ? { instanceClasses: props.instanceClasses } : {}),
        }),
      },
    });
    this.reconcileFunction = fn;
    suppressNistFindings(fn, parts.logGroup, parts.role, { reservesConcurrency: true });

    this.grantPermissions(parts.role, stack, props, prefix);
    vault._registerRestoreDrill(parts.role, fn, `Drill${Names.uniqueId(this).slice(-8)}`);
    if (props.validation) this.grantValidation(props.validation, stack, prefix);

    addTriggers(this, fn, this.deadLetterQueue, events.Schedule.rate(sweep), {
      RestoreProgress: {
        description: 'Advance a restore drill when RDS reports on what it restored (created, available, deleted)',
        eventPattern: {
          source: ['aws.rds'],
          detailType: ['RDS DB Instance Event', 'RDS DB Cluster Event'],
          detail: { SourceIdentifier: events.Match.prefix(prefix) },
        },
      },
    });
    new events.Rule(this, 'Drill', {
      description: 'Start a restore drill of the least recently drilled databases',
      schedule: props.schedule ?? events.Schedule.expression(DEFAULT_DRILL_SCHEDULE),
      targets: [new targets.LambdaFunction(fn, {
        // The event's time names the run, so that a retried start restores no more than the run's databasesPerDrill.
        event: events.RuleTargetInput.fromObject({ ...DRILL_START_INPUT, run: events.EventField.time }),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 4,
        maxEventAge: Duration.hours(2),
      })],
    });

    const alarms = new AlarmFactory(this, `RDS restore drill ${this.node.path}`, props.alarmTopic);
    const o = props.alarms ?? {};
    // The census runs in the first sweep of every hour: three hours without one is silence.
    this.noRecentRestoreAlarm = alarms.anyFor('NoRecentRestoreAlarm', o.noRecentRestore, this.metricDatabasesWithoutRecentRestore(), 3,
      `databases the vault holds have had no passed restore drill within ${maxAge.toHumanString()}; the metric LastSuccessfulRestoreAge gives each one's age`);
    this.restoreFailedAlarm = alarms.count('RestoreFailedAlarm', o.restoreFailed, (period) => failsafeMetric(this.ownerId, MetricName.RESTORE_FAILED, 'Sum', period),
      'restore drills failed; the log line drill-judged gives each database and reason');
    this.failureAlarm = alarms.count('FailuresAlarm', o.failures, (period) => failsafeMetric(this.ownerId, MetricName.FAILURES, 'Sum', period),
      'actions of the restore drill failed; the log names each one and the grant it is missing');
    this.handlerErrorAlarm = alarms.handlerErrors(o.handlerErrors, fn);
    this.deadLetterQueueAlarm = alarms.deadLetters(o.deadLetterQueue, this.deadLetterQueue);
    this.alarms = alarms.alarms;
    vault.dashboard?.addWidgets(...this.dashboardWidgets());
  }

  /** The number of databases with no passed drill within the alarm's maxAge, counted by every census. */
  public metricDatabasesWithoutRecentRestore(): cloudwatch.Metric {
    return failsafeMetric(this.ownerId, MetricName.DATABASES_WITHOUT_RECENT_RESTORE, 'Maximum', Duration.hours(1));
  }

  /** A database's measured restore time (RTO), in seconds, from the start of the restore until RDS reported it available. */
  public metricRestoreDuration(sourceAccount: string, sourceRegion: string, sourceDatabase: string): cloudwatch.Metric {
    return failsafeMetric(this.ownerId, MetricName.RESTORE_DURATION, 'Maximum', Duration.days(1), {
      [Dimension.SOURCE_ACCOUNT]: sourceAccount, [Dimension.SOURCE_REGION]: sourceRegion, [Dimension.SOURCE_DATABASE]: sourceDatabase,
    });
  }

  private dashboardWidgets(): cloudwatch.IWidget[] {
    const perDatabase = [Dimension.SOURCE_ACCOUNT, Dimension.SOURCE_REGION, Dimension.SOURCE_DATABASE];
    return [
      ...alarmStatusRow(`Restore drills: ${this.node.path}`, this.alarms),
      new cloudwatch.GraphWidget({
        title: 'Restore duration per database (the measured RTO, minutes)',
        width: 12,
        left: [failsafeSearch(this.ownerId, MetricName.RESTORE_DURATION, perDatabase, 'Maximum', '', 60)],
      }),
      new cloudwatch.GraphWidget({
        title: 'Restore drills: passed, failed; databases without a recent restore',
        width: 12,
        left: [
          failsafeMetric(this.ownerId, MetricName.RESTORE_SUCCEEDED, 'Sum', Duration.hours(1)).with({ label: 'passed' }),
          failsafeMetric(this.ownerId, MetricName.RESTORE_FAILED, 'Sum', Duration.hours(1)).with({ label: 'failed' }),
        ],
        right: [this.metricDatabasesWithoutRecentRestore().with({ label: 'without a recent restore' })],
      }),
      new cloudwatch.GraphWidget({
        title: 'Days since each database\'s last passed restore',
        width: 24,
        left: [failsafeSearch(this.ownerId, MetricName.LAST_SUCCESSFUL_RESTORE_AGE, perDatabase, 'Maximum', '', 86_400)],
      }),
    ];
  }

  private grantPermissions(role: iam.Role, stack: Stack, props: RdsRestoreDrillProps, prefix: string): void {
    const rdsArn = (resource: string, name: string) => stack.formatArn({ service: 'rds', resource, resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const drills = [rdsArn('db', `${prefix}*`), rdsArn('cluster', `${prefix}*`)];
    const vaultCopies = [snapshotArn(stack, `${VAULT_SNAPSHOT_PREFIX}*`), clusterSnapshotArn(stack, `${VAULT_SNAPSHOT_PREFIX}*`)];
    const ownedOnCreation = { [`aws:RequestTag/${DrillTagKeys.OWNER}`]: this.ownerId };
    const owned = { [`aws:ResourceTag/${DrillTagKeys.OWNER}`]: this.ownerId };
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadState',
      // List calls: RDS cannot scope a paginated describe to resources.
      actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots'],
      resources: ['*'],
    }));
    // A restore is authorized on the snapshot, on the new instance or
    // cluster, and on the groups it uses (Service Authorization Reference,
    // Amazon RDS). Only the vault's own copies, and only into drill-* with
    // the drill's tag; the groups are the drill's subnet group and the
    // default option and parameter groups.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'RestoreVaultCopies',
      actions: ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:RestoreDBClusterFromSnapshot'],
      resources: vaultCopies,
      conditions: { StringEquals: { [`aws:ResourceTag/${TagKeys.OWNER}`]: props.vault.ownerId } },
    }));
    const groups = [rdsArn('subgrp', this.subnetGroup.subnetGroupName), rdsArn('og', '*'), rdsArn('pg', '*'), rdsArn('cluster-pg', '*')];
    // rds:PubliclyAccessible is a condition key of these two actions (not of
    // RestoreDBClusterFromSnapshot): IAM refuses a public restore whatever the handler asks.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'RestoreIntoOwnedPrivateDrillsOnly',
      actions: ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:CreateDBInstance'],
      resources: [...drills, ...groups],
      conditions: { StringEquals: ownedOnCreation, Bool: { 'rds:PubliclyAccessible': false } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'RestoreClustersIntoOwnedDrillsOnly',
      actions: ['rds:RestoreDBClusterFromSnapshot'],
      resources: [...drills, ...groups],
      conditions: { StringEquals: ownedOnCreation },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TagDrillsOnCreation',
      actions: ['rds:AddTagsToResource'],
      resources: drills,
      conditions: { 'StringEquals': ownedOnCreation, 'ForAllValues:StringEquals': { 'aws:TagKeys': [...DRILL_TAG_KEYS] } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'RecordProgressOnOwnDrills',
      actions: ['rds:AddTagsToResource'],
      resources: drills,
      conditions: { 'StringEquals': owned, 'ForAllValues:StringEquals': { 'aws:TagKeys': [DrillTagKeys.AVAILABLE, DrillTagKeys.VERDICT] } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'RecordVerdictsOnVaultCopies',
      actions: ['rds:AddTagsToResource'],
      resources: vaultCopies,
      conditions: {
        'StringEquals': { [`aws:ResourceTag/${TagKeys.OWNER}`]: props.vault.ownerId },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [...DRILL_RECORD_TAG_KEYS] },
      },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DeleteOwnDrillsOnly',
      actions: ['rds:DeleteDBInstance', 'rds:DeleteDBCluster'],
      resources: drills,
      conditions: { StringEquals: owned },
    }));
    // DeleteDBCluster is also authorized on a cluster snapshot, the final one
    // (Service Authorization Reference); the drill skips it, and names none.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'DeleteOwnDrillClustersWithoutFinalSnapshot',
      actions: ['rds:DeleteDBCluster'],
      resources: [clusterSnapshotArn(stack, `${prefix}*`)],
    }));
    if (props.validation) {
      // RDS creates the secret of a managed master user password for the
      // caller (RDS User Guide, "Permissions required for Secrets Manager
      // integration"); it deletes the secret with the instance or cluster.
      // The drill modifies its own restores only to turn that on
      // (rds:ManageMasterUserPassword, Service Authorization Reference).
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'ManagePasswordsOfOwnDrills',
        actions: ['rds:ModifyDBInstance', 'rds:ModifyDBCluster'],
        resources: drills,
        conditions: { StringEquals: owned, Bool: { 'rds:ManageMasterUserPassword': true } },
      }));
      // "kms:DescribeKey, secretsmanager:CreateSecret, secretsmanager:TagResource"
      // for whoever turns it on; DescribeKey to describe aws/secretsmanager.
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'CreateRdsManagedSecrets',
        actions: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource'],
        resources: [stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: 'rds!*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }));
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'DescribeTheSecretsManagerKey',
        actions: ['kms:DescribeKey'],
        resources: [stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
        conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/aws/secretsmanager' } },
      }));
      // The drill invokes the function by the ARN it was given, never a
      // version or alias of it: grantInvoke would add `<arn>:*` as well.
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'InvokeTheValidation',
        actions: ['lambda:InvokeFunction'],
        resources: [props.validation.functionArn],
      }));
    }
    suppressRoleWildcards(
      role,
      'Each wildcard is as narrow as RDS allows: the list calls cannot be scoped (Resource::*); drills are matched by prefix and every '
      + 'change or deletion is conditioned on the drill\'s tag; the vault\'s copies are matched by prefix and by the vault\'s tag; a restore '
      + 'uses the default option and parameter groups, whose names depend on the engine; RDS names the secrets it manages rds!...; the '
      + 'aws/secretsmanager key is matched by its alias, whose key id is not known at synth; log streams are created at run time.',
      [
        'Resource::*',
        arnFinding('rds', '(db|cluster|cluster-snapshot|og|pg|cluster-pg):(drill-[0-9a-f]{6}-)?\\*'),
        arnFinding('rds', '(cluster-)?snapshot:vault-\\*'),
        arnFinding('secretsmanager', 'secret:rds!\\*'),
        arnFinding('kms', 'key/\\*'),
        { regex: '/^Resource::<[A-Za-z0-9]+\\.Arn>:log-stream:\\*$/' },
      ],
    );
  }

  /**
   * Lets the validation function read the secrets RDS manages for the
   * drill's restores, and no other: RDS tags each such secret with the ARN
   * of its instance or cluster (RDS User Guide, "Viewing the details about a
   * secret for a DB instance").
   */
  private grantValidation(validation: lambda.IFunction, stack: Stack, prefix: string): void {
    const secrets = stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: 'rds!*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const drillArn = (resource: string) => stack.formatArn({ service: 'rds', resource, resourceName: `${prefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    // A function of another stack, or one without a role: CDK warns at synth with the statements to add to its role.
    iam.Grant.addToPrincipal({
      grantee: validation,
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: [secrets],
      conditions: { StringLike: { 'secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn': drillArn('db') } },
    });
    iam.Grant.addToPrincipal({
      grantee: validation,
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: [secrets],
      conditions: { StringLike: { 'secretsmanager:ResourceTag/aws:rds:primaryDBClusterArn': drillArn('cluster') } },
    });
    // On the function's own policy, for the one wildcard these statements add.
    addNagSuppressionsToPoliciesOf(validation.grantPrincipal, [{
      id: 'AwsSolutions-IAM5',
      reason: `Granted by ${this.node.path}: RDS names the secrets it manages rds!..., and each statement is conditioned on the secret's `
        + 'RDS tag naming a restore of this drill, so the validation function reads the secrets of the drill\'s restores and no other.',
      appliesTo: [arnFinding('secretsmanager', 'secret:rds!\\*', { region: stack.region, account: stack.account })],
    }]);
  }
}

/** The function's timeout: the validation's, and a margin for the pass's own calls. */
function drillTimeout(validationTimeout: Duration | undefined): Duration {
  return Duration.seconds(Math.min(900, (validationTimeout ?? Duration.minutes(5)).toSeconds() + 120));
}

/** A VPC with two isolated subnets: no internet gateway, no NAT gateway, no route out of the VPC. */
function isolatedVpc(scope: Construct): ec2.Vpc {
  const vpc = new ec2.Vpc(scope, 'Network', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'Restores', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
    // The default security group is left as EC2 makes it; nothing uses it.
    restrictDefaultSecurityGroup: false,
  });
  addNagSuppressions(vpc, [
    {
      id: 'AwsSolutions-VPC7',
      reason: 'The VPC has no route out and holds only the drill\'s short-lived restores, which the drill deletes within its lifetime; '
        + 'RDS events and the drill\'s log record every restore.',
    },
    {
      id: 'NIST.800.53.R5-VPCDefaultSecurityGroupClosed',
      reason: 'Nothing in the VPC uses its default security group: the restores get the drill\'s own group, which allows nothing in or out. '
        + 'Closing the default group takes a custom resource (a Lambda function of its own), which the construct does not add.',
    },
    {
      id: 'NIST.800.53.R5-VPCFlowLogsEnabled',
      reason: 'The VPC has no route out and holds only the drill\'s short-lived restores, which the drill deletes within its lifetime; '
        + 'RDS events and the drill\'s log record every restore.',
    },
  ]);
  return vpc;
}

/** The shape of every prop, checked before anything reads them: callers in other languages can pass anything. */
const DRILL_PROPS_SHAPE: shape.Shape<RdsRestoreDrillProps> = {
  ...shape.FUNCTION_SHAPE,
  vault: shape.required(shape.construct('an RdsSnapshotVault', 'ownerId')),
  schedule: shape.schedule,
  sweep: shape.duration,
  databasesPerDrill: shape.num,
  maxConcurrentRestores: shape.num,
  maxDrillLifetime: shape.duration,
  instanceClasses: shape.recordOf(shape.str),
  vpc: shape.construct('a VPC (ec2.IVpc)', 'vpcId'),
  vpcSubnets: shape.object,
  securityGroups: shape.listOf(shape.construct('a security group (ec2.ISecurityGroup)', 'securityGroupId')),
  validation: shape.lambdaFunction,
  validationTimeout: shape.duration,
  timeout: shape.duration,
  alarms: shape.struct<RestoreDrillAlarmsOptions>({
    noRecentRestore: shape.ageAlarm,
    restoreFailed: shape.countAlarm,
    failures: shape.countAlarm,
    handlerErrors: shape.countAlarm,
    deadLetterQueue: shape.alarm,
  }),
};

function validateProps(props: RdsRestoreDrillProps, stack: Stack): void {
  const v = new PropsValidator('RdsRestoreDrill');
  shape.checkProps(props, DRILL_PROPS_SHAPE, '', (m) => v.fail(m));
  validateAlarmOptions(v, 'alarms', { ...props.alarms, noRecentRestore: undefined });
  if (!props.vault) v.fail('vault is required');
  // The vault key's policy and the vault's service control policy name the drill's role, and the drill's configuration the
  // vault key: across two stacks, each would depend on the other.
  if (Stack.of(props.vault) !== stack) {
    v.fail(`the drill must be in the vault's stack (${Stack.of(props.vault).node.path}), not ${stack.node.path}: the vault key's policy names the drill's role`);
  }
  v.wholeNumber('databasesPerDrill', props.databasesPerDrill, 1, 100);
  v.wholeNumber('maxConcurrentRestores', props.maxConcurrentRestores, 1, 40);
  const perDrill = props.databasesPerDrill ?? 5;
  const cap = props.maxConcurrentRestores ?? 5;
  if (!Token.isUnresolved(perDrill) && !Token.isUnresolved(cap) && perDrill > cap) {
    v.fail(`databasesPerDrill (${perDrill}) must not be more than maxConcurrentRestores (${cap}): a drill starts no more restores than the cap allows`);
  }
  v.sizing(props);
  const range = (name: string, d: Duration | undefined, min: Duration, max: Duration) => {
    if (d && !d.isUnresolved() && (d.toMilliseconds() < min.toMilliseconds() || d.toMilliseconds() > max.toMilliseconds())) {
      v.fail(`${name} must be from ${min.toHumanString()} to ${max.toHumanString()}, got ${d.toHumanString()}`);
    }
  };
  range('sweep', props.sweep, Duration.minutes(1), Duration.hours(1));
  if (props.sweep && !props.sweep.isUnresolved() && props.sweep.toSeconds() % 60 !== 0) v.fail(`sweep must be whole minutes, got ${props.sweep.toHumanString()}`);
  range('maxDrillLifetime', props.maxDrillLifetime, Duration.hours(1), Duration.days(2));
  range('validationTimeout', props.validationTimeout, Duration.seconds(10), Duration.minutes(10));
  range('alarms.noRecentRestore.maxAge', props.alarms?.noRecentRestore?.maxAge, Duration.days(1), Duration.days(365));
  const validationTimeout = props.validationTimeout ?? Duration.minutes(5);
  const timeout = props.timeout;
  const resolved = timeout && !timeout.isUnresolved() && !validationTimeout.isUnresolved();
  if (props.validation && resolved && timeout.toSeconds() < validationTimeout.toSeconds() + 60) {
    v.fail('timeout must be at least a minute longer than validationTimeout');
  }
  if (props.vpcSubnets && !props.vpc) v.fail('vpcSubnets needs vpc');
  for (const [engine, cls] of Object.entries(props.instanceClasses ?? {})) {
    if (!/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(cls)) v.fail(`instanceClasses.${engine} must be a DB instance class such as db.t4g.micro, got ${JSON.stringify(cls)}`);
  }
}
