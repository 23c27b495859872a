/**
 * Keys the constructs create. Their policies hold no `kms:*` and no use by the
 * account at large: the account root may administer the key (so the account
 * can never be locked out, and can rotate, tag, disable or schedule deletion
 * behind its own controls), and each use is a statement for one principal, for
 * one service.
 */
import { RemovalPolicy, Stack, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * Administration without use: no Encrypt, Decrypt, GenerateDataKey, ReEncrypt
 * or CreateGrant, so holding admin rights in the account does not read data.
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:PutKeyPolicy',
  'kms:ListKeyPolicies',
  'kms:GetKeyRotationStatus',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:ListResourceTags',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ListGrants',
  'kms:RevokeGrant',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:UpdateKeyDescription',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

export function newLockedDownKey(scope: Construct, id: string, description: string): kms.Key {
  return new kms.Key(scope, id, {
    description,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
    policy: new iam.PolicyDocument({
      statements: [new iam.PolicyStatement({
        sid: 'AccountAdministersButDoesNotUseTheKey',
        principals: [new iam.AccountRootPrincipal()],
        actions: KEY_ADMIN_ACTIONS,
        resources: ['*'],
      })],
    }),
  });
}

/**
 * Lets `principal` have RDS use the key on its behalf: grants for AWS
 * resources, through RDS only. The RDS User Guide ("AWS KMS key management"):
 * "To create an RDS resource using a customer managed key, a user must have
 * permissions to call the following operations on the customer managed key:
 * kms:CreateGrant, kms:DescribeKey", with the tip to allow grants only "when
 * the grant is created on the user's behalf by an AWS service".
 *
 * Returns false if the key's policy cannot be changed here (a key from outside
 * the stack): then only that key's own policy, and an IAM policy it trusts,
 * can allow the use.
 */
export function allowRdsUseBy(key: kms.IKey, principal: iam.IPrincipal, sid: string, options: RdsUseOptions = {}): boolean {
  const [describe, grant] = rdsUseStatements(key, principal, sid, undefined, options);
  const added = key.addToResourcePolicy(describe, true).statementAdded;
  key.addToResourcePolicy(grant, true);
  return added;
}

export interface RdsUseOptions {
  /**
   * The principal may describe the key itself too, not only through RDS: a
   * handler reads its own key's CreationDate as its epoch (runtime/key-epoch.ts).
   * DescribeKey returns the key's metadata, never a use of it.
   */
  readonly describeDirectly?: boolean;
}

/** The key-policy statements of allowRdsUseBy: for a key whose policy is written elsewhere. */
export function rdsUseStatements(
  key: kms.IKey, principal: iam.IPrincipal, sid: string, region: string = Stack.of(key).region, options: RdsUseOptions = {},
): iam.PolicyStatement[] {
  const viaRds = { 'kms:ViaService': `rds.${region}.amazonaws.com` };
  return [
    new iam.PolicyStatement({
      sid: options.describeDirectly ? `${sid}Describe` : `${sid}DescribeThroughRds`,
      principals: [principal],
      actions: ['kms:DescribeKey'],
      resources: ['*'],
      ...(options.describeDirectly ? {} : { conditions: { StringEquals: viaRds } }),
    }),
    new iam.PolicyStatement({
      sid: `${sid}GrantsToRds`,
      principals: [principal],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { StringEquals: viaRds, Bool: { 'kms:GrantIsForAWSResource': true } },
    }),
  ];
}
