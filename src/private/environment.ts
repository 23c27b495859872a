/**
 * Where things are: the checks of Regions, partitions and ARNs the
 * constructs make at synth, and the warning for a stack whose account or
 * Region CDK does not know.
 */
import { Annotations, Stack, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { IConstruct } from 'constructs';
import { REGION } from '../runtime/naming';

/** The id of the warning about a stack with no account or Region (acknowledge it with Annotations.acknowledgeWarning). */
export const ENVIRONMENT_AGNOSTIC_WARNING = 'cdk-rds-failsafe:environmentAgnostic';

/** Warns when the stack has no account or Region, naming the checks that cannot run. */
export function warnIfEnvironmentAgnostic(scope: IConstruct, checks: string[]): void {
  const stack = Stack.of(scope);
  const missing = [
    ...(Token.isUnresolved(stack.account) ? ['account'] : []),
    ...(Token.isUnresolved(stack.region) ? ['Region'] : []),
  ];
  if (missing.length === 0) return;
  Annotations.of(scope).addWarningV2(ENVIRONMENT_AGNOSTIC_WARNING,
    `The stack has no ${missing.join(' or ')} (env), so these checks cannot run at synth: ${checks.join('; ')}. `
    + 'Give the stack an env with account and region.');
}


/** The AWS partitions, as ARNs name them. */
const PARTITION = '(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc)';
const REGION_NAME = REGION.source.replace(/^\^|\$$/g, '');
const SNS_TOPIC_ARN = new RegExp(`^arn:(?<partition>${PARTITION}):sns:(?<region>${REGION_NAME}):(?<account>\\d{12}):[A-Za-z0-9_-]{1,256}$`);
const IAM_ROLE_ARN = new RegExp(`^arn:${PARTITION}:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$`);

/** The parts of an SNS topic ARN. */
export interface TopicArnParts {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/**
 * Parses an SNS topic ARN strictly: a known partition, a well-formed Region
 * (`eu-west-1`, not `eu-west1`) of that partition when CDK knows it, a
 * 12-digit account and a valid topic name.
 */
export function parseTopicArn(arn: string, prop: string, fail: (message: string) => never): TopicArnParts {
  const m = SNS_TOPIC_ARN.exec(arn);
  if (!m) {
    fail(`${prop} must be an SNS topic ARN (arn:<partition>:sns:<region>:<12-digit account>:<name>, for example `
      + `arn:aws:sns:eu-west-1:111111111111:rds-failsafe-shipper), got ${JSON.stringify(arn)}`);
  }
  const { partition, region, account } = m!.groups!;
  checkPartitionOfRegion(prop, partition, region, fail);
  return { partition, region, account };
}

/** Checks a Region name strictly. */
export function checkRegionName(prop: string, region: string, fail: (message: string) => never): void {
  if (Token.isUnresolved(region) || !REGION.test(region)) fail(`${prop} must be a literal Region name such as eu-west-1, got ${JSON.stringify(region)}`);
}

/** Checks an IAM role ARN strictly. */
export function checkRoleArn(prop: string, arn: string, fail: (message: string) => never): void {
  if (!Token.isUnresolved(arn) && !IAM_ROLE_ARN.test(arn)) {
    fail(`${prop} must be an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/<name>), got ${JSON.stringify(arn)}`);
  }
}

/** Fails when CDK knows the Region and it is in another partition than the ARN says. */
function checkPartitionOfRegion(prop: string, partition: string, region: string, fail: (message: string) => never): void {
  const known = RegionInfo.get(region).partition;
  if (known !== undefined && known !== partition) fail(`${prop}: ${region} is in partition ${known}, but the ARN says ${partition}`);
}
