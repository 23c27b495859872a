/**
 * The README's recovery runbook ("How to recover") stays in step with the
 * restore drill, which rehearses it every week: the runbook makes the drill's
 * restore calls with every parameter the drill passes (or says why not), finds
 * copies by the prefix and tags the code writes, and needs no permission that
 * `vault.grantRestore()` does not give.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack, aws_iam as iam } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RdsSnapshotVault } from '../../src';
import { TagKeys } from '../../src/runtime/tags';
import { VAULT_SNAPSHOT_PREFIX } from '../../src/runtime/vault-plan';

const root = path.resolve(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const drillPass = fs.readFileSync(path.join(root, 'src', 'runtime', 'drill-pass.ts'), 'utf8');

/** The section, from its heading to the next of its level. */
function section(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

const runbook = section('How to recover');
/** Steps 1 to 5 take a database from the vault to the application; step 6, a move to a new account, is optional. */
const recovery = runbook.slice(0, runbook.indexOf('**6.'));

/** Each `aws rds` command of the shell blocks of `text`, with its flags. */
function rdsCommands(text: string): Array<{ command: string; flags: string[] }> {
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1].replace(/\\\n\s*/g, ' '));
  return blocks.flatMap((b) => b.split('\n')).map((line) => /aws rds ((?:wait )?[a-z-]+)(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ command: m[1], flags: [...m[2].matchAll(/(--[a-z-]+)/g)].map((f) => f[1]) }));
}

/** The API operation and IAM action of each command the runbook uses. */
const OPERATIONS: Record<string, string> = {
  'describe-db-snapshots': 'DescribeDBSnapshots',
  'describe-db-cluster-snapshots': 'DescribeDBClusterSnapshots',
  'restore-db-instance-from-db-snapshot': 'RestoreDBInstanceFromDBSnapshot',
  'restore-db-cluster-from-snapshot': 'RestoreDBClusterFromSnapshot',
  'create-db-instance': 'CreateDBInstance',
  'modify-db-instance': 'ModifyDBInstance',
  'modify-db-cluster': 'ModifyDBCluster',
  'describe-db-instances': 'DescribeDBInstances',
  'wait db-instance-available': 'DescribeDBInstances',
  'wait db-cluster-available': 'DescribeDBClusters',
  'copy-db-snapshot': 'CopyDBSnapshot',
  'wait db-snapshot-available': 'DescribeDBSnapshots',
  'modify-db-snapshot-attribute': 'ModifyDBSnapshotAttribute',
};

/** The CLI flag of each parameter the drill passes: a boolean parameter as either of its two flags. */
const FLAGS: Record<string, string[]> = {
  DBInstanceIdentifier: ['--db-instance-identifier'],
  DBClusterIdentifier: ['--db-cluster-identifier'],
  DBSnapshotIdentifier: ['--db-snapshot-identifier'],
  SnapshotIdentifier: ['--snapshot-identifier'],
  DBInstanceClass: ['--db-instance-class'],
  DBSubnetGroupName: ['--db-subnet-group-name'],
  VpcSecurityGroupIds: ['--vpc-security-group-ids'],
  Engine: ['--engine'],
  EngineVersion: ['--engine-version'],
  KmsKeyId: ['--kms-key-id'],
  PubliclyAccessible: ['--publicly-accessible', '--no-publicly-accessible'],
  MultiAZ: ['--multi-az', '--no-multi-az'],
  DeletionProtection: ['--deletion-protection', '--no-deletion-protection'],
  BackupRetentionPeriod: ['--backup-retention-period'],
  Tags: ['--tags'],
  ManageMasterUserPassword: ['--manage-master-user-password'],
  ApplyImmediately: ['--apply-immediately'],
};

/** Parameters of the drill that a recovery leaves to RDS's defaults, and why. */
const DRILL_ONLY: Record<string, string> = {
  AutoMinorVersionUpgrade: 'the drill pins the version it restores; production takes RDS\'s default, on',
  CopyTagsToSnapshot: 'the drill keeps its records off snapshots of a restore it deletes; production takes RDS\'s default',
};

/** The parameters of each `new <Operation>Command({...})` in the drill's executor, spreads resolved. */
function drillParameters(operation: string): string[] {
  const call = new RegExp(`new ${operation}Command\\(\\{([\\s\\S]*?)\\}\\)\\)`).exec(drillPass);
  if (!call) throw new Error(`the drill makes no ${operation} call`);
  const keys = [...call[1].matchAll(/(?:^|,|\n)\s*(\w+):/g)].map((m) => m[1]);
  const spreads = [...call[1].matchAll(/\.\.\.(\w+)/g)].flatMap((m) => {
    const object = new RegExp(`const ${m[1]} = \\{([^}]*)\\}`).exec(drillPass);
    if (!object) throw new Error(`cannot resolve ...${m[1]} in the drill`);
    return [...object[1].matchAll(/(\w+):/g)].map((k) => k[1]);
  });
  return [...keys, ...spreads];
}

describe('the recovery runbook and the restore drill', () => {
  const commands = rdsCommands(runbook);

  test('the runbook gives its commands', () => {
    expect(commands.length).toBeGreaterThanOrEqual(10);
    for (const c of commands) expect(OPERATIONS).toHaveProperty([c.command]);
  });

  test.each(['RestoreDBInstanceFromDBSnapshot', 'RestoreDBClusterFromSnapshot', 'CreateDBInstance', 'ModifyDBInstance', 'ModifyDBCluster'])(
    'the runbook makes the drill\'s %s call with each of its parameters, or says why not', (operation) => {
      const used = commands.filter((c) => OPERATIONS[c.command] === operation);
      expect(used.length).toBeGreaterThan(0);
      const flags = new Set(used.flatMap((c) => c.flags));
      const missing = drillParameters(operation).filter((p) => !(p in DRILL_ONLY) && !(FLAGS[p] ?? []).some((f) => flags.has(f)));
      expect(missing).toEqual([]);
    });

  test('the runbook finds the copies by the prefix and the tags the vault writes', () => {
    expect(runbook).toContain(`starts_with(DBSnapshotIdentifier, '${VAULT_SNAPSHOT_PREFIX}')`);
    expect(runbook).toContain(`starts_with(DBClusterSnapshotIdentifier, '${VAULT_SNAPSHOT_PREFIX}')`);
    for (const key of [TagKeys.SOURCE_ACCOUNT, TagKeys.SOURCE_TIME, TagKeys.SOURCE_REGION]) expect(runbook).toContain(`'${key}'`);
  });

  test('every RDS operation of steps 1 to 5 is an action grantRestore allows (by name: resources and conditions are the authorization tests\' job)', () => {
    const stack = new Stack(new App(), 'Failsafe', { env: { account: '222222222222', region: 'eu-west-1' } });
    const vault = new RdsSnapshotVault(stack, 'Vault', { sources: [{ topicArn: 'arn:aws:sns:eu-west-1:111111111111:rds-failsafe-shipper' }] });
    const policy = vault.grantRestore(new iam.Role(stack, 'Recovery', { assumedBy: new iam.AccountRootPrincipal() }));
    const statements: any[] = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(policy.node.defaultChild as iam.CfnManagedPolicy)]
      .Properties.PolicyDocument.Statement;
    const granted = new Set(statements.flatMap((s) => [s.Action].flat()));
    const needed = [...new Set(rdsCommands(recovery).map((c) => `rds:${OPERATIONS[c.command]}`))];
    expect(needed.length).toBeGreaterThanOrEqual(7);
    expect(needed.filter((a) => !granted.has(a))).toEqual([]);
    // Step 6 says what it needs beyond the grant.
    for (const action of ['rds:CopyDBSnapshot', 'rds:ModifyDBSnapshotAttribute']) {
      expect(granted.has(action)).toBe(false);
      expect(runbook).toContain(`\`${action}\``);
    }
  });
});
