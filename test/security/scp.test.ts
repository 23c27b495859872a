/** The optional service control policy for the Failsafe account. */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RdsSnapshotVault, RdsSnapshotVaultProps } from '../../src';

const BREAK_GLASS = 'arn:aws:iam::222222222222:role/break-glass';
const TOPIC = 'arn:aws:sns:eu-west-1:111111111111:rds-failsafe-shipper';

function build(props: Partial<RdsSnapshotVaultProps> = {}) {
  const stack = new Stack(new App(), 'Failsafe', { env: { account: '222222222222', region: 'eu-west-1' } });
  const vault = new RdsSnapshotVault(stack, 'Vault', { sources: [{ topicArn: TOPIC }], ...props });
  return { stack, vault };
}

test('denies deleting, sharing and re-tagging vault snapshots, and disabling or deleting the vault key, to all but break-glass', () => {
  const { stack, vault } = build();
  const doc = stack.resolve(vault.serviceControlPolicy([BREAK_GLASS]).toJSON());
  expect(doc.Statement.map((s: any) => [s.Sid, s.Effect])).toEqual([
    ['DenyDeletingVaultSnapshots', 'Deny'],
    ['DenySharingOrRetaggingVaultSnapshots', 'Deny'],
    ['DenyChangingTheVaultFunction', 'Deny'],
    ['DenyChangingOrPassingTheVaultRole', 'Deny'],
    ['DenyDisablingOrDeletingTheVaultKey', 'Deny'],
  ]);
  const [snapshots, sharing, fn, role, key] = doc.Statement;
  // The function's environment decides what retention deletes: only break-glass may change it.
  expect(fn.Action).toEqual(expect.arrayContaining(['lambda:UpdateFunctionConfiguration', 'lambda:UpdateFunctionCode', 'lambda:DeleteFunction']));
  expect(fn.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^VaultFunction/), 'Arn'] });
  expect(fn.Condition).toEqual({ ArnNotLike: { 'aws:PrincipalArn': [BREAK_GLASS] } });
  expect(role.Action).toEqual(expect.arrayContaining(['iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:PassRole']));
  expect(role.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^VaultRole/), 'Arn'] });
  expect(JSON.stringify(snapshots.Resource)).toContain(':rds:eu-west-1:222222222222:snapshot:vault-*');
  expect(JSON.stringify(snapshots.Resource)).toContain(':rds:eu-west-1:222222222222:cluster-snapshot:vault-*');
  expect(snapshots.Action).toEqual(['rds:DeleteDBSnapshot', 'rds:DeleteDBClusterSnapshot']);
  // The vault role keeps deleting its expired copies; everyone else but break-glass is denied.
  expect(snapshots.Condition.ArnNotLike['aws:PrincipalArn']).toEqual([BREAK_GLASS, { 'Fn::GetAtt': [expect.stringMatching(/^VaultRole/), 'Arn'] }]);
  expect(sharing.Action).toEqual(['rds:ModifyDBSnapshotAttribute', 'rds:ModifyDBClusterSnapshotAttribute', 'rds:RemoveTagsFromResource', 'rds:AddTagsToResource']);
  expect(key.Action).toEqual(['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy', 'kms:DeleteImportedKeyMaterial']);
  expect(key.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^VaultVaultKey/), 'Arn'] });
  expect(key.Condition).toEqual({ ArnNotLike: { 'aws:PrincipalArn': [BREAK_GLASS] } });
});

test('breakGlassRoleArns writes the policy to a stack output, as JSON', () => {
  const { stack } = build({ breakGlassRoleArns: [BREAK_GLASS] });
  const outputs = Template.fromStack(stack).findOutputs('*');
  const scp = Object.entries<any>(outputs).find(([id]) => id.includes('ServiceControlPolicy'));
  expect(scp).toBeDefined();
  expect(JSON.stringify(scp![1].Value)).toContain('DenyDisablingOrDeletingTheVaultKey');
  expect(Object.keys(Template.fromStack(build().stack).findOutputs('*'))).toEqual([]);
});

test.each<[string, string[], RegExp]>([
  ['an empty list', [], /breakGlassRoleArns must name at least one role/],
  ['a user ARN', ['arn:aws:iam::222222222222:user/admin'], /breakGlassRoleArns\[0\] must be an IAM role ARN/],
])('rejects %s of break-glass roles', (_name, arns, message) => {
  expect(() => build({ breakGlassRoleArns: arns })).toThrow(message);
});

test('serviceControlPolicy needs a break-glass role', () => {
  expect(() => build().vault.serviceControlPolicy([])).toThrow(/needs at least one break-glass role ARN/);
});

test('the vault role is exempt from the statements on vault snapshots only (it deletes and tags its copies), not from those on its function, role or key', () => {
  const { stack, vault } = build();
  const doc = stack.resolve(vault.serviceControlPolicy([BREAK_GLASS]).toJSON());
  const vaultRole = stack.resolve(vault.role.roleArn);
  const exemptOf = (sid: string) => doc.Statement.find((st: any) => st.Sid === sid).Condition.ArnNotLike['aws:PrincipalArn'];
  expect(exemptOf('DenyDeletingVaultSnapshots')).toEqual([BREAK_GLASS, vaultRole]);
  expect(exemptOf('DenySharingOrRetaggingVaultSnapshots')).toEqual([BREAK_GLASS, vaultRole]);
  for (const sid of ['DenyChangingTheVaultFunction', 'DenyChangingOrPassingTheVaultRole', 'DenyDisablingOrDeletingTheVaultKey']) {
    expect({ sid, exempt: exemptOf(sid) }).toEqual({ sid, exempt: [BREAK_GLASS] });
  }
});
