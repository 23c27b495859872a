/**
 * Key policies: no kms:* anywhere, the account administers but does not use,
 * and each use is one principal through one service.
 */
import { App, Stack, aws_iam as iam, aws_rds as rds } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { RdsSnapshotShipper, RdsSnapshotVault } from '../../src';
import { KEY_ADMIN_ACTIONS } from '../../src/private/keys';

const USE_ACTIONS = /^kms:(Encrypt|Decrypt|ReEncrypt.*|GenerateDataKey.*|CreateGrant|\*)$/;

function keyPolicies(stack: Stack): Record<string, any[]> {
  const out: Record<string, any[]> = {};
  for (const [id, key] of Object.entries<any>(Template.fromStack(stack).findResources('AWS::KMS::Key'))) out[id] = key.Properties.KeyPolicy.Statement;
  return out;
}
const actionsOf = (s: any): string[] => [s.Action].flat();
const principalOf = (s: any) => JSON.stringify(s.Principal);

function stacks() {
  const app = new App();
  const live = new Stack(app, 'Live', { env: { account: '111111111111', region: 'eu-west-1' } });
  const db = rds.DatabaseInstance.fromDatabaseInstanceAttributes(live, 'Db', { instanceIdentifier: 'orders', instanceEndpointAddress: 'x', port: 5432, securityGroups: [] });
  new RdsSnapshotShipper(live, 'Shipper', { vaultAccount: '222222222222', instances: [db] });
  const failsafe = new Stack(app, 'Failsafe', { env: { account: '222222222222', region: 'eu-west-1' } });
  const vault = new RdsSnapshotVault(failsafe, 'Vault', { sources: [{ topicArn: 'arn:aws:sns:eu-west-1:111111111111:rds-failsafe-shipper' }] });
  return { live, failsafe, vault };
}

test('no key policy grants kms:*, and the account root may administer but not use any key', () => {
  const { live, failsafe } = stacks();
  const all = { ...keyPolicies(live), ...keyPolicies(failsafe) };
  expect(Object.keys(all)).toHaveLength(3);
  for (const statements of Object.values(all)) {
    for (const s of statements) expect(actionsOf(s)).not.toContain('kms:*');
    const admin = statements.filter((s) => s.Sid === 'AccountAdministersButDoesNotUseTheKey');
    expect(admin).toHaveLength(1);
    expect(actionsOf(admin[0])).toEqual(KEY_ADMIN_ACTIONS);
    expect(actionsOf(admin[0]).filter((a) => USE_ACTIONS.test(a))).toEqual([]);
  }
});

test('the vault key can be used by nothing but the vault role, through RDS', () => {
  const { failsafe } = stacks();
  const [statements] = Object.values(keyPolicies(failsafe));
  const users = statements.filter((s) => actionsOf(s).some((a) => USE_ACTIONS.test(a)));
  expect(users.map((s) => s.Sid).sort()).toEqual(['VaultGrantsToRds']);
  expect(principalOf(users[0])).toContain('VaultRole');
  expect(users[0].Condition).toEqual({ StringEquals: { 'kms:ViaService': 'rds.eu-west-1.amazonaws.com' }, Bool: { 'kms:GrantIsForAWSResource': true } });
});

test('the shipping key is used by the shipper role through RDS, and by the vault account as the RDS User Guide gives', () => {
  const { live } = stacks();
  const shipping = Object.entries(keyPolicies(live)).find(([id]) => id.includes('ShippingKey'))![1];
  const users = shipping.filter((s) => actionsOf(s).some((a) => USE_ACTIONS.test(a))).map((s) => s.Sid).sort();
  expect(users).toEqual(['AllowVaultAccountAttachmentOfPersistentResources', 'AllowVaultAccountUseOfTheKey', 'ShipperGrantsToRds']);
});

test('the vault account may use the shipping key only through RDS: every statement of its use has kms:ViaService rds.*', () => {
  const { live } = stacks();
  const shipping = Object.entries(keyPolicies(live)).find(([id]) => id.includes('ShippingKey'))![1];
  const vaultAccount = shipping.filter((s) => principalOf(s).includes('222222222222'));
  expect(vaultAccount.map((s) => s.Sid).sort()).toEqual(['AllowVaultAccountAttachmentOfPersistentResources', 'AllowVaultAccountUseOfTheKey']);
  for (const s of vaultAccount) expect(s.Condition.StringLike).toEqual({ 'kms:ViaService': 'rds.*.amazonaws.com' });
  expect(vaultAccount.find((s) => s.Sid === 'AllowVaultAccountAttachmentOfPersistentResources').Condition.Bool).toEqual({ 'kms:GrantIsForAWSResource': true });
  // Every statement that lets a principal use the key holds through a service.
  const users = shipping.filter((s) => actionsOf(s).some((a) => USE_ACTIONS.test(a)));
  for (const s of users) expect({ sid: s.Sid, via: JSON.stringify(s.Condition ?? {}) }).toEqual({ sid: s.Sid, via: expect.stringMatching(/"kms:ViaService":"rds\./) });
  // The same statements are what a key from outside the stack is told to add.
  expect(RdsSnapshotShipper.vaultKeyPolicyStatements('222222222222').map((s) => s.toStatementJson().Condition))
    .toEqual(vaultAccount.map((s) => s.Condition));
});

test('the topic key is used by the shipper role only, to publish through SNS', () => {
  const { live } = stacks();
  const topicKey = Object.entries(keyPolicies(live)).find(([id]) => id.includes('TopicKey'))![1];
  const users = topicKey.filter((s) => actionsOf(s).some((a) => USE_ACTIONS.test(a)));
  expect(users).toEqual([expect.objectContaining({
    Sid: 'ShipperPublishesThroughSns',
    Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
    Condition: { StringEquals: { 'kms:ViaService': 'sns.eu-west-1.amazonaws.com' } },
  })]);
});

test('grantRestore lets a recovery role restore from the vault copies and have RDS use the vault key', () => {
  const { failsafe, vault } = stacks();
  const recovery = new iam.Role(failsafe, 'Recovery', { assumedBy: new iam.AccountRootPrincipal() });
  vault.grantRestore(recovery);
  const [statements] = Object.values(keyPolicies(failsafe));
  const restore = statements.find((s) => s.Sid === 'Restore0GrantsToRds');
  expect(principalOf(restore)).toContain('Recovery');
  // The grant is a managed policy of the vault's, attached to the role; the role's own policies are left alone.
  const template = Template.fromStack(failsafe);
  expect(Object.values<any>(template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles).includes('Recovery'))).toEqual([]);
  const policy = Object.values<any>(template.findResources('AWS::IAM::ManagedPolicy')).find((p) => JSON.stringify(p.Properties.Roles).includes('Recovery'));
  const restoring = policy.Properties.PolicyDocument.Statement.find((st: any) => st.Sid === 'RestoreFromVaultCopies');
  expect(restoring).toMatchObject({
    Action: ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:DescribeDBSnapshots', 'rds:RestoreDBClusterFromSnapshot', 'rds:DescribeDBClusterSnapshots', 'rds:CreateDBInstance'],
  });
  // What the README's runbook does after the restore: modify only to have Secrets Manager keep the password.
  const modify = policy.Properties.PolicyDocument.Statement.find((st: any) => st.Sid === 'ManagePasswordsOfRestores');
  expect(modify.Condition).toEqual({ Bool: { 'rds:ManageMasterUserPassword': true } });
  const resources = JSON.stringify(restoring.Resource);
  for (const r of [':snapshot:vault-*', ':cluster-snapshot:vault-*', ':db:*', ':og:*', ':pg:*', ':subgrp:*', ':cluster:*', ':cluster-pg:*']) expect(resources).toContain(r);
});

test('grantRestore attaches its policy to a role of the vault\'s account imported by ARN, and warns for a principal it cannot attach to', () => {
  const { failsafe, vault } = stacks();
  const operators = iam.Role.fromRoleArn(failsafe, 'Operators', `arn:aws:iam::${failsafe.account}:role/operators`, { mutable: false });
  const foreign = iam.Role.fromRoleArn(failsafe, 'Foreign', 'arn:aws:iam::333333333333:role/operators');
  const attached = vault.grantRestore(operators);
  const notAttached = vault.grantRestore(foreign);
  const template = Template.fromStack(failsafe);
  const resources = template.toJSON().Resources;
  const rolesOf = (p: iam.ManagedPolicy) => resources[failsafe.getLogicalId(p.node.defaultChild as iam.CfnManagedPolicy)].Properties.Roles;
  expect(rolesOf(attached)).toEqual(['operators']);
  expect(rolesOf(notAttached)).toBeUndefined();
  const warnings = Annotations.fromStack(failsafe).findWarning('*', Match.stringLikeRegexp('grantRestore: the grantee is not a role'));
  expect(warnings.map((w) => String(w.entry.data))).toEqual([expect.stringContaining(`policy ${notAttached.node.path} is attached to nothing`)]);
});
