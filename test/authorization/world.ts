/**
 * The accounts the constructs are deployed into, as IAM sees them: the
 * synthesized stacks, deployed (cloudformation.ts), and what lives there
 * beside them: administrators, the role that deploys the stacks, the AWS
 * managed keys aws/rds and aws/secretsmanager, a customer managed key of the
 * databases, and, if asked, the vault's service control policy on the
 * Failsafe account.
 */
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Bindings, Deployment, deploy } from './cloudformation';
import { Policy, policiesOf } from './policies';
import { CallBindings, KeyFacts } from './recorded';
import { deployerOf } from './services';
import { RdsRestoreDrill, RdsSnapshotShipper, RdsSnapshotVault } from '../../src';
import { SUB_DAILY_APP_ID } from '../drill/sub-daily';

export const adminOf = (account: string) => `arn:aws:iam::${account}:role/Admin`;
/** An account that is neither a source nor the vault (the worlds give it an administrator, and a key shared with the vault). */
export const OTHER = '444444444444';
/** A key of OTHER whose policy, the RDS User Guide's, lets the vault account use it: only the vault's own IAM policy keeps it out. */
export const otherKeyIn = (region: string) => `arn:aws:kms:${region}:${OTHER}:key/shared-with-the-vault`;

/** A shipping key of a Live account from outside its stacks, whose policy follows the RDS User Guide's example. */
export const guideKeyIn = (account: string, region: string) => `arn:aws:kms:${region}:${account}:key/rds-user-guide-example`;
export const BREAK_GLASS = 'arn:aws:iam::222222222222:role/break-glass';
/** Where moto's placeholder for the AWS managed key aws/rds of an account and region stands. */
export const awsRdsKeyOf = (account: string, region: string) => `arn:aws:kms:${region}:${account}:key/aws-rds-managed-key`;

/** A customer managed key of the Failsafe account from outside the stacks, with the default key policy: no construct's to use. */
export const failsafeKeyIn = (account: string, region: string) => `arn:aws:kms:${region}:${account}:key/failsafe-audit`;

/** Where the AWS managed key aws/secretsmanager of an account and Region stands. */
export const awsSecretsManagerKeyOf = (account: string, region: string) => `arn:aws:kms:${region}:${account}:key/aws-secretsmanager-managed-key`;

const everything = (name: string, attachedTo: string): Policy => ({
  kind: 'identity', attachedTo, name, statements: [{ Effect: 'Allow', Action: '*', Resource: '*' }], fromConstructs: false,
});

/**
 * The AWS managed key aws/rds: any principal of the account, through RDS.
 * Its shape is that of the AWS managed keys in the KMS Developer Guide
 * ("kms:CallerAccount", "kms:ViaService": "All AWS managed keys use a
 * kms:ViaService condition key in their key policy document").
 */
function awsRdsKey(account: string, region: string): Policy {
  return {
    kind: 'resource',
    attachedTo: awsRdsKeyOf(account, region),
    name: `aws/rds of ${account} in ${region}`,
    fromConstructs: false,
    statements: [
      {
        Sid: 'Allow access through RDS for all principals in the account that are authorized to use RDS',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:ListGrants', 'kms:DescribeKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': `rds.${region}.amazonaws.com`, 'kms:CallerAccount': account } },
      },
      { Sid: 'Allow direct access to key metadata to the account', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'], Resource: '*' },
    ],
  };
}

/**
 * The AWS managed key aws/secretsmanager, which encrypts the secrets RDS
 * manages for master user passwords: any principal of the account, through
 * Secrets Manager; its metadata to the account's IAM policies. Its shape is
 * that of the AWS managed keys, as aws/rds above.
 */
function awsSecretsManagerKey(account: string, region: string): Policy {
  return {
    kind: 'resource',
    attachedTo: awsSecretsManagerKeyOf(account, region),
    name: `aws/secretsmanager of ${account} in ${region}`,
    fromConstructs: false,
    statements: [
      {
        Sid: 'Allow access through AWS Secrets Manager for all principals in the account that are authorized to use AWS Secrets Manager',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:CreateGrant', 'kms:DescribeKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com`, 'kms:CallerAccount': account } },
      },
      {
        Sid: 'Allow access through AWS Secrets Manager for all principals in the account that are authorized to use AWS Secrets Manager',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:GenerateDataKey*',
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': account }, StringLike: { 'kms:ViaService': 'secretsmanager.*.amazonaws.com' } },
      },
      { Sid: 'Allow direct access to key metadata to the account', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'], Resource: '*' },
    ],
  };
}

/** A customer managed key with KMS's default key policy: the account's IAM policies decide (KMS Developer Guide, "Default key policy"). */
export function defaultKeyPolicy(keyArn: string): Policy {
  const account = keyArn.split(':')[4];
  return {
    kind: 'resource',
    attachedTo: keyArn,
    name: `default key policy of ${keyArn}`,
    fromConstructs: false,
    statements: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
  };
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalIdOf(c: Construct): string {
  return Stack.of(c).getLogicalId(c.node.defaultChild as CfnElement);
}

/** Binds constructs to the physical ids the emulator gave them. */
export function bind(pairs: Array<[Construct, { ref?: string; arn?: string }]>): Bindings {
  return Object.fromEntries(pairs.map(([c, p]) => [logicalIdOf(c), p]));
}

/**
 * A shipping key from outside the stacks, with the key policy the RDS User
 * Guide gives for sharing encrypted snapshots ("Allow use of the key",
 * "Allow attachment of persistent resources") for the Failsafe account: it
 * allows kms:CreateGrant without conditions, so only the vault's own IAM
 * policy keeps its grants to AWS resources.
 */
export function guideKeyPolicy(keyArn: string, sharedWith: string): Policy {
  const account = keyArn.split(':')[4];
  const principal = { AWS: [`arn:aws:iam::${account}:root`, `arn:aws:iam::${sharedWith}:root`] };
  return {
    kind: 'resource',
    attachedTo: keyArn,
    name: `RDS User Guide key policy of ${keyArn}`,
    fromConstructs: false,
    statements: [
      {
        Sid: 'Allow use of the key',
        Effect: 'Allow',
        Principal: principal,
        Resource: '*',
        Action: ['kms:CreateGrant', 'kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      },
      {
        Sid: 'Allow attachment of persistent resources',
        Effect: 'Allow',
        Principal: principal,
        Resource: '*',
        Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
        Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
      },
    ],
  };
}

/** What the emulator created for a shipper's key and topic, and a vault's key. */
export interface BoundResources {
  readonly shippingKeyArn: string;
  readonly topicArn: string;
}

/** A shipper's stack, its key and topic bound to what the emulator created. */
export function shipperStack(stack: Stack, shipper: RdsSnapshotShipper, r: BoundResources) {
  return { stack, bindings: bind([[shipper.shippingKey, { arn: r.shippingKeyArn }], [shipper.topic, { ref: r.topicArn, arn: r.topicArn }]]) };
}

/** What the emulator created for a restore drill: its network (test/restore-drill/harness.ts). */
export interface RestoreDrillNetwork {
  readonly subnetGroupName: string;
  readonly securityGroupId: string;
}

export interface RestoreDrillBinding {
  readonly drill: RdsRestoreDrill;
  readonly network: RestoreDrillNetwork;
}

/** A vault's stack, its key bound to what the emulator created, and the network of its restore drill if it has one. */
export function vaultStack(stack: Stack, vault: RdsSnapshotVault, vaultKeyArn: string, restore?: RestoreDrillBinding) {
  const network = (r: RestoreDrillBinding): Array<[Construct, { ref: string }]> => [
    [r.drill.subnetGroup, { ref: r.network.subnetGroupName }],
    [r.drill.connections.securityGroups[0], { ref: r.network.securityGroupId }],
  ];
  return { stack, bindings: bind([[vault.vaultKey, { arn: vaultKeyArn }], ...restore ? network(restore) : []]) };
}

export interface WorldOptions {
  readonly stacks: ReadonlyArray<{ readonly stack: Stack; readonly bindings?: Bindings }>;
  /** Customer managed keys outside the stacks, with the default key policy. */
  readonly customerKeys?: readonly string[];
  /** Accounts with no stack of their own here, which have an administrator and a deployer all the same. */
  readonly outsiders?: readonly string[];
  /** Keys outside the stacks with the RDS User Guide's key policy for sharing encrypted snapshots, and the account they are shared with. */
  readonly guideKeys?: ReadonlyArray<{ readonly arn: string; readonly sharedWith: string }>;
  /** The vault whose service control policy is attached to its account, with the break-glass role. */
  readonly scpOf?: RdsSnapshotVault;
  /**
   * Regions with databases but no stack (the databases' Region of a shipper
   * that copies across Regions), where the account's aws/rds key is too.
   */
  readonly databaseRegions?: ReadonlyArray<{ readonly account: string; readonly region: string }>;
}

export interface World {
  readonly deployments: readonly Deployment[];
  readonly policies: readonly Policy[];
  readonly bindings: CallBindings;
  /** A construct's resolved value (an ARN or name) in its deployment. */
  resolve(c: Construct, value: unknown): any;
}

export function buildWorld(o: WorldOptions): World {
  const deployments = o.stacks.map((s) => deploy(s.stack, s.bindings));
  const deploymentOf = (c: Construct) => deployments[o.stacks.findIndex((s) => s.stack === Stack.of(c))];
  const accounts = [...new Set([...deployments.map((d) => d.account), ...o.outsiders ?? []])];
  const regions = [...new Set([...deployments, ...o.databaseRegions ?? []].map((d) => `${d.account}/${d.region}`))];
  const policies: Policy[] = [
    ...deployments.flatMap(policiesOf),
    ...accounts.flatMap((a) => [everything('AdministratorAccess', adminOf(a)), everything('AdministratorAccess', deployerOf(a))]),
    everything('AdministratorAccess', BREAK_GLASS),
    ...regions.map((ar) => awsRdsKey(ar.split('/')[0], ar.split('/')[1])),
    ...deployments.map((d) => awsSecretsManagerKey(d.account, d.region)),
    ...(o.customerKeys ?? []).map(defaultKeyPolicy),
    ...(o.guideKeys ?? []).map((k) => guideKeyPolicy(k.arn, k.sharedWith)),
  ];
  if (o.scpOf) {
    const d = deploymentOf(o.scpOf);
    const scp = d.resolve(o.scpOf.serviceControlPolicy([BREAK_GLASS]).toJSON());
    policies.push({ kind: 'scp', attachedTo: d.account, name: 'the vault\'s service control policy', statements: scp.Statement, fromConstructs: true });
  }
  const roles = new Map<string, string>();
  const topicKeys = new Map<string, string>();
  for (const d of deployments) {
    for (const [id, r] of Object.entries(d.resources)) {
      if (r.Type === 'AWS::Lambda::Function') {
        // By the construct's id in the worlds: the validation function of a restore drill is the worlds' own; a second
        // shipper beside the first, whose id names it SubDaily, calls as `subdaily` (test/drill/sub-daily.ts).
        const handler = /SubDaily/.test(id) ? SUB_DAILY_APP_ID : /Shipper/.test(id) ? 'shipper' : /Vault/.test(id) ? 'vault' : /Drill/.test(id) ? 'drill'
          : /Validation/.test(id) ? 'validation' : undefined;
        if (handler) roles.set(`${handler}/${d.account}`, r.Properties!.Role);
      }
      if (r.Type === 'AWS::SNS::Topic' && r.Properties?.KmsMasterKeyId) topicKeys.set(d.physical[id].arn!, r.Properties.KmsMasterKeyId);
    }
  }
  const bindings: CallBindings = {
    roleOf(caller, account) {
      const role = roles.get(`${caller}/${account}`);
      if (!role) throw new Error(`no ${caller} is deployed in account ${account}`);
      return role;
    },
    keyArn(key: KeyFacts, account, region) {
      if (key.id.startsWith('arn:')) return key.id;
      // moto gives a database encrypted with aws/rds a placeholder key id; any other id is a mistake of the harness.
      if (key.manager !== 'AWS') throw new Error(`key ${key.id} of ${account} in ${region} is neither an ARN nor the AWS managed key`);
      return awsRdsKeyOf(account, region);
    },
    topicKeyOf: (topic) => topicKeys.get(topic),
    secretsManagerKeyOf: awsSecretsManagerKeyOf,
  };
  return { deployments, policies, bindings, resolve: (c, v) => deploymentOf(c).resolve(v) };
}
