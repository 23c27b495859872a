import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

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
