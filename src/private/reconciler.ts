/**
 * What both constructs build around their reconcile function: a role that may
 * write only its own logs, a log group with retention, an encrypted dead-letter
 * queue, key use through RDS only, and the schedule and event triggers.
 */
import {
  ArnFormat,
  Duration,
  RemovalPolicy,
  Stack,
  Token,
  aws_events as events,
  aws_events_targets as targets,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { addNagSuppressions } from './nag';
import { AWS_COPIES_IN_FLIGHT } from '../runtime/budget';
import { TagKeys } from '../runtime/tags';

export interface ReconcilerParts {
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly deadLetterQueue: sqs.Queue;
  /** Settings for the reconcile function that wire these parts in. */
  readonly functionOptions: lambda.FunctionOptions;
}

/**
 * The sweep, when the props leave it out: every 15 minutes. RDS emits no event
 * when a DB cluster snapshot copy finishes, so the sweep is what frees the
 * copy slots of Aurora clusters. The 7-day simulation (test/bench) shows 1,000
 * DB instances and 200 clusters all in the vault within 24 hours of their
 * snapshots with 15-minute sweeps, and clusters taking up to 26 hours with
 * hourly ones.
 */
export const DEFAULT_SWEEP = Duration.minutes(15);

/** The function's size, when the props leave it out: enough to list 1,000 databases and their snapshots, and act, in one pass. */
export const DEFAULT_TIMEOUT = Duration.minutes(10);
export const DEFAULT_MEMORY_SIZE = 1024;

/** Settings of the reconcile function that the props may change. */
export interface FunctionSizing {
  readonly logRetention?: logs.RetentionDays;
  readonly timeout?: Duration;
  readonly memorySize?: number;
}

export function createReconcilerParts(scope: Construct, description: string, sizing: FunctionSizing = {}): ReconcilerParts {
  const deadLetterQueue = new sqs.Queue(scope, 'DeadLetterQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    retention: sizing.logRetention ?? logs.RetentionDays.ONE_YEAR,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description,
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'WriteOwnLogs',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:log-stream:*`],
  }));
  return {
    role,
    logGroup,
    deadLetterQueue,
    functionOptions: {
      description,
      role,
      architecture: lambda.Architecture.ARM_64,
      memorySize: sizing.memorySize ?? DEFAULT_MEMORY_SIZE,
      timeout: sizing.timeout ?? DEFAULT_TIMEOUT,
      logGroup,
      deadLetterQueue,
      retryAttempts: 2,
    },
  };
}

/** Runs the function on the schedule and on each event pattern, with the dead-letter queue for delivery failures. */
export interface EventTrigger {
  readonly description: string;
  readonly eventPattern: events.EventPattern;
}

export function addTriggers(
  scope: Construct,
  fn: lambda.IFunction,
  deadLetterQueue: sqs.IQueue,
  schedule: events.Schedule,
  rules: Record<string, EventTrigger>,
): void {
  const target = new targets.LambdaFunction(fn, { deadLetterQueue, retryAttempts: 4, maxEventAge: Duration.hours(2) });
  new events.Rule(scope, 'Sweep', { description: 'Reconcile on a schedule: the safety net for lost events and messages', schedule, targets: [target] });
  for (const [id, rule] of Object.entries(rules)) {
    new events.Rule(scope, id, { ...rule, targets: [target] });
  }
}

/** The ARN of a DB snapshot (name may end in `*`), in the stack's or another account and region. */
export function snapshotArn(stack: Stack, name: string, where: { account?: string; region?: string } = {}): string {
  return stack.formatArn({ service: 'rds', resource: 'snapshot', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME, ...where });
}

/** The ARN of a DB cluster snapshot (name may end in `*`), in the stack's or another account and region. */
export function clusterSnapshotArn(stack: Stack, name: string, where: { account?: string; region?: string } = {}): string {
  return stack.formatArn({ service: 'rds', resource: 'cluster-snapshot', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME, ...where });
}

export interface OwnedCopyGrant {
  /** The Sid of the copy statement. */
  readonly copySid: string;
  /** The value of the ownership tag every copy must carry. */
  readonly ownerId: string;
  /** The snapshots that may be copied. */
  readonly sources: string[];
  /** The ARN pattern of the copies the role creates. */
  readonly ownCopies: string;
  /** The only tag keys the role may set when it creates a copy. */
  readonly tagKeys: readonly string[];
  /** The same for DB cluster snapshots, if the role copies them too. */
  readonly clusters?: {
    readonly copySid: string;
    readonly sources: string[];
    readonly ownCopies: string;
  };
}

/**
 * Lets the role copy `sources` into `ownCopies`, but only as copies that carry
 * its ownership tag, and tag them on creation with its own tag keys only.
 */
export function grantOwnedCopies(role: iam.Role, g: OwnedCopyGrant): void {
  const ownedOnCreation = { [`aws:RequestTag/${TagKeys.OWNER}`]: g.ownerId };
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: g.copySid,
    actions: ['rds:CopyDBSnapshot'],
    resources: [...new Set(g.sources), g.ownCopies],
    conditions: { StringEquals: ownedOnCreation },
  }));
  if (g.clusters) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: g.clusters.copySid,
      actions: ['rds:CopyDBClusterSnapshot'],
      resources: [...new Set(g.clusters.sources), g.clusters.ownCopies],
      conditions: { StringEquals: ownedOnCreation },
    }));
  }
  const ownCopies = g.clusters ? [g.ownCopies, g.clusters.ownCopies] : [g.ownCopies];
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'TagCopiesOnCreation',
    actions: ['rds:AddTagsToResource'],
    resources: ownCopies,
    conditions: {
      'StringEquals': ownedOnCreation,
      'ForAllValues:StringEquals': { 'aws:TagKeys': [...g.tagKeys] },
    },
  }));
  // Tagging on creation cannot name the resource's existing tags, so it would
  // also let the role claim a snapshot that another owner's tag already marks.
  // This denies that, whatever a bug in the handler asks for.
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'NeverRetagAnotherOwnersSnapshot',
    effect: iam.Effect.DENY,
    actions: ['rds:AddTagsToResource'],
    resources: ownCopies,
    conditions: {
      StringNotEquals: { [`aws:ResourceTag/${TagKeys.OWNER}`]: g.ownerId },
      Null: { [`aws:ResourceTag/${TagKeys.OWNER}`]: 'false' },
    },
  }));
}

/**
 * Lets RDS, acting for the role, use the keys: through RDS only, and grants
 * for AWS resources only. An IAM policy, for keys whose key policies trust
 * the account's IAM policies: the keys of the databases, and keys from outside
 * the stack. Keys that the constructs create name the role in their own key
 * policy instead (allowRdsUseBy), and trust no IAM policy for use.
 *
 * RDS User Guide, "AWS KMS key management": "To create an RDS resource using a
 * customer managed key, a user must have permissions to call the following
 * operations on the customer managed key: kms:CreateGrant, kms:DescribeKey".
 */
export function grantKeyUseThroughRds(role: iam.Role, keyArns: string[], regions: string[], sidPrefix = ''): void {
  if (keyArns.length === 0) return;
  const condition = viaServices('rds', regions);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: `${sidPrefix}DescribeKeysThroughRds`,
    actions: ['kms:DescribeKey'],
    resources: keyArns,
    conditions: { StringEquals: condition },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: `${sidPrefix}GrantKeysToRds`,
    actions: ['kms:CreateGrant'],
    resources: keyArns,
    conditions: { StringEquals: condition, Bool: { 'kms:GrantIsForAWSResource': true } },
  }));
}

/**
 * Lets RDS, acting for the role, use keys of other accounts that encrypt
 * snapshots shared with it, as the RDS User Guide gives for the account that
 * copies a shared encrypted snapshot ("Sharing encrypted snapshots", the IAM
 * policy "AllowUseOfTheKey" and "AllowAttachmentOfPersistentResources"), with
 * two changes: only through RDS, and kms:CreateGrant only in the second
 * statement, so that every grant is for an AWS resource (KMS Developer Guide,
 * kms:GrantIsForAWSResource).
 */
export function grantSharedKeyUseThroughRds(role: iam.Role, keyArns: string[], regions: string[], sidPrefix: string): void {
  const condition = viaServices('rds', regions);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: `${sidPrefix}UseOfTheKeyThroughRds`,
    actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:RetireGrant'],
    resources: keyArns,
    conditions: { StringEquals: condition },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: `${sidPrefix}AttachmentOfPersistentResourcesThroughRds`,
    actions: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
    resources: keyArns,
    conditions: { StringEquals: condition, Bool: { 'kms:GrantIsForAWSResource': true } },
  }));
}

/** kms:ViaService for a service in each of the regions: one value, or a list. */
function viaServices(service: string, regions: string[]): Record<string, string | string[]> {
  const values = [...new Set(regions)].map((r) => `${service}.${r}.amazonaws.com`);
  return { 'kms:ViaService': values.length === 1 ? values[0] : values };
}

/** Records why the role's remaining IAM wildcards are needed, limited to exactly those findings. */
export function suppressRoleWildcards(role: iam.Role, reason: string, appliesTo: ReadonlyArray<string | { readonly regex: string }>): void {
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (!policy) return;
  addNagSuppressions(policy, [{ id: 'AwsSolutions-IAM5', reason, appliesTo }]);
}

/**
 * Records, on the exact resources, why the NIST 800-53 rev 5 rules that do not
 * fit a reconcile function are not followed.
 */
export function suppressNistFindings(fn: lambda.Function, logGroup: logs.LogGroup, role: iam.Role, o: { reservesConcurrency?: boolean } = {}): void {
  addNagSuppressions(fn, [
    ...(o.reservesConcurrency ? [] : [{
      id: 'NIST.800.53.R5-LambdaConcurrency',
      reason: 'Passes are idempotent and safe to run concurrently; reserving concurrency fails to deploy in accounts whose '
        + 'Lambda concurrency quota is low (AWS keeps 100 unreserved), which would block the DR tool where it is needed.',
    }]),
    {
      id: 'NIST.800.53.R5-LambdaInsideVPC',
      reason: 'The function calls only AWS APIs (RDS, SNS) and reaches no network resource; a VPC would add NAT or '
        + 'interface endpoints for no isolation gain.',
    },
  ]);
  addNagSuppressions(logGroup, [{
    id: 'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
    reason: 'The logs hold snapshot and database identifiers and decisions, no data from the databases; CloudWatch Logs '
      + 'encrypts them at rest. A customer managed key for them would need a key policy for the logs service.',
  }]);
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (policy) {
    addNagSuppressions(policy, [{
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason: 'The policy belongs to this one role, is created and deleted with it, and every statement is checked by the '
        + "construct's IAM allowlist test; a managed policy would only let it be attached elsewhere.",
    }]);
  }
}

/** The copy budget props both constructs take (see runtime/budget.ts). */
export interface CopyBudgetProps {
  readonly maxCopiesInFlight?: number;
  readonly maxClusterCopiesInFlight?: number;
  readonly manualSnapshotQuota?: number;
  readonly manualSnapshotHeadroom?: number;
}

/** The copy budget as the handlers' configuration carries it. */
export function budgetConfigOf(props: CopyBudgetProps) {
  // What is left out takes the handlers' defaults (runtime/budget.ts).
  return {
    maxCopiesInFlight: props.maxCopiesInFlight ?? AWS_COPIES_IN_FLIGHT.instance,
    ...(props.maxClusterCopiesInFlight !== undefined ? { maxClusterCopiesInFlight: props.maxClusterCopiesInFlight } : {}),
    ...(props.manualSnapshotQuota !== undefined ? { manualSnapshotQuota: props.manualSnapshotQuota } : {}),
    ...(props.manualSnapshotHeadroom !== undefined ? { manualSnapshotHeadroom: props.manualSnapshotHeadroom } : {}),
  };
}

/** Throws `<Construct>: <message>` for props that cannot work. */
export class PropsValidator {
  constructor(private readonly construct: string) {}

  public fail(message: string): never {
    throw new Error(`${this.construct}: ${message}`);
  }

  public wholeNumber(name: string, v: number | undefined, min: number, max: number): void {
    if (v !== undefined && !Token.isUnresolved(v) && !(Number.isInteger(v) && v >= min && v <= max)) {
      this.fail(`${name} must be a whole number from ${min} to ${max}, got ${v}`);
    }
  }

  /** The props both constructs take for the copy budget and the function's size. */
  public budgetAndSizing(props: CopyBudgetProps & FunctionSizing): void {
    this.wholeNumber('maxCopiesInFlight', props.maxCopiesInFlight, 1, 20);
    this.wholeNumber('maxClusterCopiesInFlight', props.maxClusterCopiesInFlight, 1, 5);
    this.wholeNumber('manualSnapshotQuota', props.manualSnapshotQuota, 1, 100_000);
    this.wholeNumber('manualSnapshotHeadroom', props.manualSnapshotHeadroom, 0, 100_000);
    this.sizing(props);
  }

  /** The function's size, as every construct takes it. */
  public sizing(props: FunctionSizing): void {
    this.wholeNumber('memorySize', props.memorySize, 256, 10_240);
    const t = props.timeout;
    if (t && !t.isUnresolved() && (t.toSeconds() < 60 || t.toSeconds() > 900)) this.fail(`timeout must be from 1 minute to 15 minutes, got ${t.toHumanString()}`);
  }

  public atLeastOneDay(name: string, d: Duration | undefined): void {
    if (d && !d.isUnresolved() && d.toMilliseconds() < Duration.days(1).toMilliseconds()) {
      this.fail(`${name} must be at least one day, got ${d.toHumanString()}`);
    }
  }
}
