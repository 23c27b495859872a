/**
 * Mistakes that used to synthesize and fail later, each caught at synth with
 * a message that says what to do: a database under a customer managed key
 * with no grant, a database of another account or Region, a stack with no
 * environment, malformed Regions and ARNs, and the deploy order of two stacks
 * in one app.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack, Stage, aws_ec2 as ec2, aws_kms as kms, aws_rds as rds } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { RdsSnapshotShipper, RdsSnapshotVault } from '../../src';

const LIVE = { account: '111111111111', region: 'eu-west-1' };
const FAILSAFE = { account: '222222222222', region: 'eu-west-1' };
const TOPIC = 'arn:aws:sns:eu-west-1:111111111111:rds-failsafe-shipper';

function liveStack(env: { account?: string; region?: string } = LIVE, app = new App()): Stack {
  return new Stack(app, 'Live', { env });
}

function importedInstance(stack: Stack, id = 'orders'): rds.IDatabaseInstance {
  return rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, `Imported-${id}`, {
    instanceIdentifier: id, instanceEndpointAddress: `${id}.example`, port: 5432, securityGroups: [],
  });
}

/** The statements of every IAM policy in the stack that allow `action`. */
function statementsAllowing(stack: Stack, action: string): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .filter((s: any) => s.Effect === 'Allow' && [s.Action].flat().includes(action));
}

function warnings(stack: Stack): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data));
}

describe('databases under a customer managed key', () => {
  test('an instance defined in the app: the shipper may use its key through RDS, without sourceKeys', () => {
    const stack = liveStack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const key = new kms.Key(stack, 'DatabaseKey');
    const db = new rds.DatabaseInstance(stack, 'Orders', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }), vpc, storageEncryptionKey: key,
    });
    new RdsSnapshotShipper(stack, 'Shipper', { vaultAccount: FAILSAFE.account, instances: [db] });
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] };
    const grants = statementsAllowing(stack, 'kms:CreateGrant').filter((s) => [s.Resource].flat().some((r: any) => JSON.stringify(r) === JSON.stringify(keyArn)));
    expect(grants).toHaveLength(1);
    expect(grants[0].Condition.StringEquals['kms:ViaService']).toEqual('rds.eu-west-1.amazonaws.com');
    expect(warnings(stack).filter((w) => w.includes('sourceKeys'))).toEqual([]);
  });

  test('a cluster defined in the app: the same, from its L1 resource', () => {
    const stack = liveStack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const key = new kms.Key(stack, 'ClusterKey');
    const cluster = new rds.DatabaseCluster(stack, 'Ledger', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }),
      writer: rds.ClusterInstance.serverlessV2('Writer'),
      vpc,
      storageEncryptionKey: key,
    });
    new RdsSnapshotShipper(stack, 'Shipper', { vaultAccount: FAILSAFE.account, clusters: [cluster] });
    const keyArn = JSON.stringify({ 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] });
    expect(statementsAllowing(stack, 'kms:CreateGrant').some((s) => [s.Resource].flat().some((r: any) => JSON.stringify(r) === keyArn))).toBe(true);
  });

  test('an unencrypted instance, or one under aws/rds, gets no key grant', () => {
    const stack = liveStack();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const db = new rds.DatabaseInstance(stack, 'Orders', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }), vpc, storageEncrypted: true,
    });
    new RdsSnapshotShipper(stack, 'Shipper', { vaultAccount: FAILSAFE.account, instances: [db] });
    expect(statementsAllowing(stack, 'kms:CreateGrant').flatMap((s) => [s.Resource].flat())
      .filter((r: any) => JSON.stringify(r).includes('kms'))).toEqual([]);
    expect(warnings(stack)).toEqual([]);
  });

  test('an imported database with no sourceKeys: a warning that names sourceKeys', () => {
    const stack = liveStack();
    new RdsSnapshotShipper(stack, 'Shipper', { vaultAccount: FAILSAFE.account, instances: [importedInstance(stack)] });
    expect(warnings(stack)).toEqual([expect.stringMatching(
      /^The KMS keys of orders cannot be known at synth \(imported, or selected at run time\)\. If one is encrypted with a customer managed key, pass the key in sourceKeys: without it RDS refuses to copy its snapshots, and the copies fail at run time\..* \[ack: cdk-rds-failsafe:databaseKeysUnknown\]$/,
    )]);
  });

  test('databases selected by tag: the same warning', () => {
    const stack = liveStack();
    new RdsSnapshotShipper(stack, 'Shipper', { vaultAccount: FAILSAFE.account, selectByTag: { key: 'dr', value: 'failsafe' } });
    expect(warnings(stack)).toEqual([expect.stringContaining('The KMS keys of the databases tagged dr=failsafe cannot be known at synth')]);
  });

  test.each([
    ['restored from a snapshot', (stack: Stack, vpc: ec2.Vpc) => new rds.DatabaseInstanceFromSnapshot(stack, 'Orders', {
      snapshotIdentifier: 'orders-final', engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }), vpc,
    })],
    ['a read replica', (stack: Stack, vpc: ec2.Vpc) => new rds.DatabaseInstanceReadReplica(stack, 'Orders', {
      sourceDatabaseInstance: rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Source', {
        instanceIdentifier: 'source', instanceEndpointAddress: 'source.example', port: 5432, securityGroups: [],
      }),
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      vpc,
    })],
    ['under a key named by its alias', (stack: Stack, vpc: ec2.Vpc) => new rds.DatabaseInstance(stack, 'Orders', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      vpc,
      storageEncryptionKey: kms.Alias.fromAliasName(stack, 'Alias', 'alias/orders'),
    })],
  ])('a database %s keeps a key CDK does not know: a warning, and no grant', (_what, make) => {
    const stack = liveStack();
    const db = make(stack, new ec2.Vpc(stack, 'Vpc'));
    new RdsSnapshotShipper(stack, 'Shipper', { vaultAccount: FAILSAFE.account, instances: [db] });
    expect(warnings(stack)).toEqual([expect.stringMatching(/^The KMS keys of instances\[0\] cannot be known at synth/)]);
    expect(statementsAllowing(stack, 'kms:CreateGrant').flatMap((s) => [s.Resource].flat()).filter((r: any) => JSON.stringify(r).includes(':kms:'))).toEqual([]);
  });

  test('shareableKeys do not stand for the keys of the other databases', () => {
    const stack = liveStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    new RdsSnapshotShipper(stack, 'Shipper', {
      vaultAccount: FAILSAFE.account, instances: [importedInstance(stack)], recoveryPointInterval: Duration.hours(4), shareableKeys: [key],
    });
    expect(warnings(stack)).toContainEqual(expect.stringContaining('The KMS keys of orders cannot be known at synth'));
  });

  test('with sourceKeys given, even an empty list, no warning', () => {
    const empty = liveStack();
    new RdsSnapshotShipper(empty, 'Shipper', { vaultAccount: FAILSAFE.account, instances: [importedInstance(empty)], sourceKeys: [] });
    expect(warnings(empty)).toEqual([]);
    const stack = liveStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    new RdsSnapshotShipper(stack, 'Shipper', { vaultAccount: FAILSAFE.account, instances: [importedInstance(stack)], sourceKeys: [key] });
    expect(warnings(stack)).toEqual([]);
  });
});

describe('databases of another environment', () => {
  const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 });

  test('a database whose stack is in another Region', () => {
    const app = new App();
    const other = new Stack(app, 'Other', { env: { account: LIVE.account, region: 'us-east-1' } });
    const db = importedInstance(other);
    const stack = liveStack(LIVE, app);
    expect(() => new RdsSnapshotShipper(stack, 'Shipper', { vaultAccount: FAILSAFE.account, instances: [db] })).toThrow(
      'RdsSnapshotShipper: instances[0] (orders) is in us-east-1, but the shipper ships databases in eu-west-1: deploy a shipper in us-east-1, '
      + 'or set sourceRegion to us-east-1 and import the database by attributes');
  });

  test('a database whose stack is in another account', () => {
    const app = new App();
    const other = new Stack(app, 'Other', { env: { account: '333333333333', region: LIVE.region } });
    const db = new rds.DatabaseInstance(other, 'Orders', { engine, vpc: new ec2.Vpc(other, 'Vpc'), instanceIdentifier: 'orders' });
    const stack = liveStack(LIVE, app);
    expect(() => new RdsSnapshotShipper(stack, 'Shipper', { vaultAccount: FAILSAFE.account, instances: [db] })).toThrow(
      'RdsSnapshotShipper: instances[0] (Other/Orders) is in account 333333333333, but the shipper runs in account 111111111111: '
      + 'a shipper ships the databases of its own account; deploy one in that account');
  });

  test('a database of the Region given as sourceRegion is right', () => {
    const app = new App();
    const other = new Stack(app, 'Other', { env: { account: LIVE.account, region: 'us-east-1' } });
    const db = importedInstance(other);
    const stack = liveStack(LIVE, app);
    expect(() => new RdsSnapshotShipper(stack, 'Shipper', { vaultAccount: FAILSAFE.account, instances: [db], sourceRegion: 'us-east-1' })).not.toThrow();
  });
});

describe('stacks with no environment', () => {
  test('the shipper warns, naming the checks that cannot run', () => {
    const stack = new Stack(new App(), 'Live');
    new RdsSnapshotShipper(stack, 'Shipper', { vaultAccount: FAILSAFE.account, instances: [importedInstance(stack)], sourceKeys: [] });
    expect(warnings(stack)).toContainEqual(
      'The stack has no account or Region (env), so these checks cannot run at synth: that vaultAccount is another account than this one; '
      + 'that every database given is in this stack\'s account and Region. Give the stack an env with account and region. '
      + '[ack: cdk-rds-failsafe:environmentAgnostic]');
  });

  test('the vault warns, naming its checks', () => {
    const stack = new Stack(new App(), 'Failsafe', { env: { region: 'eu-west-1' } });
    new RdsSnapshotVault(stack, 'Vault', { sources: [{ topicArn: TOPIC }] });
    expect(warnings(stack)).toContainEqual(expect.stringMatching(
      /^The stack has no account \(env\), so these checks cannot run at synth: that no source topic is in this stack's own account; /));
  });

  test('a stack with an environment gets no such warning', () => {
    const stack = new Stack(new App(), 'Failsafe', { env: FAILSAFE });
    new RdsSnapshotVault(stack, 'Vault', { sources: [{ topicArn: TOPIC }] });
    expect(warnings(stack)).toEqual([]);
  });
});

describe('strict Regions and ARNs', () => {
  const vault = (props: Partial<ConstructorParameters<typeof RdsSnapshotVault>[2]>) => () => new RdsSnapshotVault(
    new Stack(new App(), 'Failsafe', { env: FAILSAFE }), 'Vault', { sources: [{ topicArn: TOPIC }], ...props });

  test.each([
    ['arn:aws:sns:eu-west1:111111111111:rds-failsafe-shipper', 'a Region with no hyphen before its number'],
    ['arn:aws:sns:EU-WEST-1:111111111111:rds-failsafe-shipper', 'a Region in capitals'],
    ['arn:aws:sns:eu-west-1:11111111111:rds-failsafe-shipper', 'an account of 11 digits'],
    ['arn:amazon:sns:eu-west-1:111111111111:rds-failsafe-shipper', 'an unknown partition'],
    ['arn:aws:sqs:eu-west-1:111111111111:rds-failsafe-shipper', 'another service'],
    ['arn:aws:sns:eu-west-1:111111111111:rds.failsafe', 'a topic name with a dot'],
  ])('topic ARN %s (%s) is refused', (topicArn) => {
    expect(vault({ sources: [{ topicArn }] })).toThrow(
      'RdsSnapshotVault: sources[0].topicArn must be an SNS topic ARN (arn:<partition>:sns:<region>:<12-digit account>:<name>, for example '
      + `arn:aws:sns:eu-west-1:111111111111:rds-failsafe-shipper), got ${JSON.stringify(topicArn)}`);
  });

  test('a topic ARN whose partition is not its Region\'s', () => {
    expect(vault({ sources: [{ topicArn: 'arn:aws-cn:sns:eu-west-1:111111111111:rds-failsafe-shipper' }] }))
      .toThrow('RdsSnapshotVault: sources[0].topicArn: eu-west-1 is in partition aws, but the ARN says aws-cn');
  });

  test('a topic ARN of another partition, with its own Region, is accepted', () => {
    expect(vault({ sources: [{ topicArn: 'arn:aws-us-gov:sns:us-gov-west-1:111111111111:rds-failsafe-shipper' }] })).not.toThrow();
  });

  test('databaseRegions and sourceRegion are Region names', () => {
    expect(vault({ sources: [{ topicArn: TOPIC, databaseRegions: ['us-east1'] }] }))
      .toThrow('RdsSnapshotVault: sources[0].databaseRegions must be a literal Region name such as eu-west-1, got "us-east1"');
    const stack = liveStack();
    expect(() => new RdsSnapshotShipper(stack, 'Shipper', { vaultAccount: FAILSAFE.account, instances: [importedInstance(stack)], sourceRegion: 'useast-1' }))
      .toThrow('RdsSnapshotShipper: sourceRegion must be a literal Region name such as eu-west-1, got "useast-1"');
  });

  test('a break-glass role ARN is an IAM role ARN of a known partition', () => {
    expect(vault({ breakGlassRoleArns: ['arn:aws:iam::222222222222:user/admin'] })).toThrow(
      'RdsSnapshotVault: breakGlassRoleArns[0] must be an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/<name>), '
      + 'got "arn:aws:iam::222222222222:user/admin"');
    expect(vault({ breakGlassRoleArns: ['arn:awz:iam::222222222222:role/break-glass'] })).toThrow(/breakGlassRoleArns\[0\] must be an IAM role ARN/);
  });
});

describe('both stacks in one app: shipper.asSnapshotSource()', () => {
  function app(options: { shipperEnv?: typeof LIVE; sourceRegion?: string; recoveryPointInterval?: number } = {}) {
    const a = new App();
    const live = new Stack(a, 'Live', options.shipperEnv === undefined ? { env: LIVE } : { env: options.shipperEnv });
    const failsafe = new Stack(a, 'Failsafe', { env: FAILSAFE });
    const shipper = new RdsSnapshotShipper(live, 'Shipper', {
      vaultAccount: FAILSAFE.account,
      instances: [importedInstance(live)],
      sourceKeys: [],
      ...(options.sourceRegion ? { sourceRegion: options.sourceRegion } : {}),
    });
    return { a, live, failsafe, shipper };
  }

  test('gives the vault the topic\'s literal ARN and deploys the Live stack first', () => {
    const { a, live, failsafe, shipper } = app();
    const source = shipper.asSnapshotSource();
    expect(source).toEqual({ topicArn: TOPIC, shipper });
    new RdsSnapshotVault(failsafe, 'Vault', { sources: [source] });
    expect(failsafe.dependencies).toEqual([live]);
    const manifest = a.synth().getStackByName('Failsafe').manifest;
    expect(manifest.dependencies).toContain('Live');
  });

  test('carries the databases\' Region of a shipper that copies across Regions', () => {
    const { shipper } = app({ sourceRegion: 'us-east-1' });
    expect(shipper.asSnapshotSource().databaseRegions).toEqual(['us-east-1']);
  });

  test('a vault in another account than the shipper ships to', () => {
    const a = new App();
    const live = liveStack(LIVE, a);
    const shipper = new RdsSnapshotShipper(live, 'Shipper', { vaultAccount: '333333333333', instances: [importedInstance(live)], sourceKeys: [] });
    const failsafe = new Stack(a, 'Failsafe', { env: FAILSAFE });
    expect(() => new RdsSnapshotVault(failsafe, 'Vault', { sources: [shipper.asSnapshotSource()] }))
      .toThrow('RdsSnapshotVault: sources[0].shipper ships to account 333333333333, but this vault is in account 222222222222');
  });

  test('a shipper in another Stage: no dependency can cross it, so the source is given by its topic ARN', () => {
    const a = new App();
    const live = new Stack(new Stage(a, 'LiveStage'), 'Live', { env: LIVE });
    const shipper = new RdsSnapshotShipper(live, 'Shipper', { vaultAccount: FAILSAFE.account, instances: [importedInstance(live)], sourceKeys: [] });
    const failsafe = new Stack(new Stage(a, 'FailsafeStage'), 'Failsafe', { env: FAILSAFE });
    expect(() => new RdsSnapshotVault(failsafe, 'Vault', { sources: [shipper.asSnapshotSource()] })).toThrow(
      'RdsSnapshotVault: sources[0].shipper is in another Stage, and a stack cannot depend on one of another Stage: give the source its topicArn '
      + 'without shipper, and deploy the Live stage first');
    expect(() => new RdsSnapshotVault(failsafe, 'Vault2', { sources: [{ topicArn: shipper.asSnapshotSource().topicArn }] })).not.toThrow();
  });

  test('a shipper whose stack has no environment cannot name its topic', () => {
    const a = new App();
    const live = new Stack(a, 'Live');
    const shipper = new RdsSnapshotShipper(live, 'Shipper', { vaultAccount: FAILSAFE.account, instances: [importedInstance(live)], sourceKeys: [] });
    expect(() => shipper.asSnapshotSource()).toThrow(
      'RdsSnapshotShipper: asSnapshotSource(): the shipper\'s stack needs an env with account and region, as the vault names the topic by a literal ARN');
  });
});

describe('the service control policy output', () => {
  test('has a stable name, and the CDK role the README names as break-glass is exempt', () => {
    const a = new App();
    const failsafe = new Stack(a, 'Failsafe', { env: FAILSAFE });
    // The README names this role; with CDK's default bootstrap it is the one CloudFormation deploys the stack as.
    const deployRole = `arn:aws:iam::${FAILSAFE.account}:role/cdk-hnb659fds-cfn-exec-role-${FAILSAFE.account}-${FAILSAFE.region}`;
    const vault = new RdsSnapshotVault(failsafe, 'Vault', { sources: [{ topicArn: TOPIC }], breakGlassRoleArns: [deployRole] });
    const outputs = Template.fromStack(failsafe).toJSON().Outputs;
    expect(Object.keys(outputs)).toEqual(['VaultServiceControlPolicy']);
    expect(vault.serviceControlPolicyOutput?.logicalId).toBeDefined();
    expect(failsafe.resolve(vault.serviceControlPolicyOutput!.logicalId)).toEqual('VaultServiceControlPolicy');

    const artifact = a.synth().getStackByName('Failsafe');
    expect(artifact.cloudFormationExecutionRoleArn?.replace('${AWS::Partition}', 'aws')).toEqual(deployRole);
    expect(JSON.stringify(outputs.VaultServiceControlPolicy.Value)).toContain(deployRole);
    const scp = failsafe.resolve(vault.serviceControlPolicy([deployRole]).toJSON());
    const functionChanges = scp.Statement.find((s: any) => s.Sid === 'DenyChangingTheVaultFunction');
    expect(functionChanges.Condition.ArnNotLike['aws:PrincipalArn']).toEqual([deployRole]);

    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain('`VaultServiceControlPolicy`');
    expect(readme).toContain('cdk-hnb659fds-cfn-exec-role-<account>-<region>');
  });
});
