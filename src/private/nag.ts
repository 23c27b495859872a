import { CfnResource, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';

/**
 * A cdk-nag rule suppression, with the reason it is safe. Findings are matched
 * by `appliesTo` (exact strings, or `/regex/` patterns) so that a suppression
 * never covers more than the finding it was written for.
 */
export interface NagSuppression {
  readonly id: string;
  readonly reason: string;
  readonly appliesTo?: ReadonlyArray<string | { readonly regex: string }>;
}

/**
 * Records cdk-nag suppressions on one resource, in the metadata format cdk-nag
 * reads. The library does not depend on cdk-nag: users who run it see these
 * suppressions with their reasons, and users who don't are unaffected.
 */
export function addNagSuppressions(construct: IConstruct, suppressions: NagSuppression[]): void {
  const resource = CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource)) {
    throw new Error(`addNagSuppressions: ${construct.node.path} has no CloudFormation resource`);
  }
  const existing = (resource.getMetadata('cdk_nag')?.rules_to_suppress ?? []) as unknown[];
  resource.addMetadata('cdk_nag', {
    rules_to_suppress: [
      ...existing,
      ...suppressions.map((s) => ({ id: s.id, reason: s.reason, ...(s.appliesTo ? { applies_to: s.appliesTo } : {}) })),
    ],
  });
}

/** The partition as cdk-nag sees it: the `AWS::Partition` token, or a literal (`aws`, `aws-cn`, `aws-us-gov`, ...) under `@aws-cdk/core:enablePartitionLiterals`. */
const PARTITION = '(<AWS::Partition>|aws(-[a-z]+)*)';
/** A region: the `AWS::Region` token of an environment-agnostic stack, or a literal. */
const REGION = '(<AWS::Region>|[a-z]{2}(-[a-z]+)+-[0-9]+)';
/** An account: the `AWS::AccountId` token of an environment-agnostic stack, or a literal. */
const ACCOUNT = '(<AWS::AccountId>|[0-9]{12})';

/**
 * The `appliesTo` pattern of an AwsSolutions-IAM5 finding on an ARN, however
 * the app renders it. cdk-nag names a finding by the resource as synthesized,
 * with `Ref`s flattened to `<AWS::Partition>` and the like; the partition, the
 * region and the account are tokens or literals depending on the stack's
 * environment and on feature flags (`@aws-cdk/core:enablePartitionLiterals`,
 * on in every new app), so a pattern written for one rendering misses the
 * other. The service and the resource part (a regular expression, whose `*`
 * must be escaped as `\\*`) are fixed, and so are the region and the account
 * when given (a stack's `region` and `account`: as tokens, they match the
 * token only).
 */
export function arnFinding(service: string, resource: string, o: { region?: string; account?: string } = {}): { readonly regex: string } {
  const region = o.region === undefined ? REGION : exactly(o.region, '<AWS::Region>');
  const account = o.account === undefined ? ACCOUNT : exactly(o.account, '<AWS::AccountId>');
  return { regex: `/^Resource::arn:${PARTITION}:${service}:${region}:${account}:${resource}$/` };
}

/** A literal value as a regular expression, or the token cdk-nag shows for an unresolved one. */
function exactly(value: string, token: string): string {
  return Token.isUnresolved(value) ? token : value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Records cdk-nag suppressions on the IAM policies that `principal` holds in
 * this app: where a grant to a role, user or group of the app (or a mutable
 * imported role) puts its statements. A principal with no policy in the app
 * gets nothing, and its findings, if any, are elsewhere.
 */
export function addNagSuppressionsToPoliciesOf(principal: unknown, suppressions: NagSuppression[]): void {
  if (!Construct.isConstruct(principal)) return;
  for (const child of principal.node.children) {
    const resource = child.node.defaultChild;
    if (resource && CfnResource.isCfnResource(resource) && resource.cfnResourceType === 'AWS::IAM::Policy') {
      addNagSuppressions(resource, suppressions);
    }
  }
}
