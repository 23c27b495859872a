import { App, Aspects, Duration, Stack, aws_ec2 as ec2, aws_lambda as lambda } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { RdsRestoreDrill, RdsRestoreDrillProps, RdsSnapshotVault } from '../../src';
import { drillPrefix } from '../../src/runtime/drill-records';
import { DRILL_TAG_KEYS, DrillTagKeys, TagKeys } from '../../src/runtime/tags';

const FAILSAFE = '222222222222';
const TOPIC = 'arn:aws:sns:eu-west-1:111111111111:rds-failsafe-shipper';

function build(props: Partial<RdsRestoreDrillProps> = {}, vaultProps: { dashboard?: boolean; breakGlassRoleArns?: string[] } = {}) {
  const app = new App();
  const stack = new Stack(app, 'Failsafe', { env: { account: FAILSAFE, region: 'eu-west-1' } });
  const vault = new RdsSnapshotVault(stack, 'Vault', { sources: [{ topicArn: TOPIC }], ...vaultProps });
  const drill = new RdsRestoreDrill(stack, 'Drill', { vault, ...props });
  return { stack, vault, drill, template: Template.fromStack(stack) };
}

/** The drill role's statements, by Sid. */
function statements(template: Template): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [id, p] of Object.entries<any>(template.findResources('AWS::IAM::Policy'))) {
    if (!id.startsWith('DrillRole')) continue;
    for (const s of p.Properties.PolicyDocument.Statement) out[s.Sid ?? JSON.stringify(s.Action)] = s;
  }
  return out;
}

function config(template: Template): any {
  const fn = Object.values<any>(template.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.DRILL_CONFIG);
  const raw = fn.Properties.Environment.Variables.DRILL_CONFIG;
  // The config is a Fn::Join of literal strings and tokens; the tokens become placeholders.
  const text = typeof raw === 'string' ? raw : raw['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : 'TOKEN')).join('');
  return JSON.parse(text);
}

describe('RdsRestoreDrill', () => {
  test('template snapshot', () => {
    expect(build().template.toJSON()).toMatchSnapshot();
  });

  test('by default the restores go into a new VPC with two isolated subnets: no internet gateway, no NAT, no route out; and a security group with no inbound rule', () => {
    const { template } = build();
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Route', 0);
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('DrillNetworkRestores') })]) });
    const [sg] = Object.values<any>(template.findResources('AWS::EC2::SecurityGroup'));
    expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    // CDK's rule that matches no traffic, for a group that allows nothing out.
    expect(sg.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32' })]);
  });

  test('the network the user gives: their VPC, subnets and security groups', () => {
    const app = new App();
    const stack = new Stack(app, 'Failsafe', { env: { account: FAILSAFE, region: 'eu-west-1' } });
    const vault = new RdsSnapshotVault(stack, 'Vault', { sources: [{ topicArn: TOPIC }] });
    const vpc = new ec2.Vpc(stack, 'Mine', { natGateways: 0, subnetConfiguration: [{ name: 'Db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const sg = new ec2.SecurityGroup(stack, 'DbAccess', { vpc });
    const drill = new RdsRestoreDrill(stack, 'Drill', { vault, vpc, securityGroups: [sg] });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    expect(drill.vpc).toBe(vpc);
    expect(config(template).securityGroupIds).toEqual(['TOKEN']);
    expect(drill.connections.securityGroups).toEqual([sg]);
  });

  test('the configuration: the vault\'s owner and key, the defaults, and no validation unless a function is given', () => {
    const { template, vault, drill } = build();
    const c = config(template);
    expect(c).toMatchObject({
      version: 1,
      ownerId: drill.ownerId,
      vaultOwnerId: vault.ownerId,
      databasesPerDrill: 5,
      maxConcurrentRestores: 5,
      maxLifetimeMs: 6 * 3_600_000,
      maxAgeMs: 14 * 86_400_000,
      censusWindowMs: 5 * 60_000,
      validates: false,
    });
    expect(c.validationFunction).toBeUndefined();
    expect(drill.ownerId).toMatch(/^drill-/);
  });

  test('a weekly drill whose event names its run, a sweep every 5 minutes, and RDS events about this drill\'s restores', () => {
    const { template, drill } = build();
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 3 ? * MON *)',
      Targets: [Match.objectLike({ InputTransformer: { InputPathsMap: { time: '$.time' }, InputTemplate: '{"cdk-rds-failsafe":"restore-drill-start","run":<time>}' } })],
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.rds'], 'detail-type': ['RDS DB Instance Event', 'RDS DB Cluster Event'], 'detail': { SourceIdentifier: [{ prefix: drillPrefix(drill.ownerId) }] },
      },
    });
  });

  test('one pass at a time: the function reserves a concurrency of 1', () => {
    build().template.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('restore drills'), ReservedConcurrentExecutions: 1 });
  });

  describe('the drill role', () => {
    const s = statements(build().template);

    test('deletes only DB instances and clusters named with its prefix that carry its own tag, and no snapshot at all', () => {
      expect(s.DeleteOwnDrillsOnly).toMatchObject({
        Action: ['rds:DeleteDBInstance', 'rds:DeleteDBCluster'],
        Condition: { StringEquals: { [`aws:ResourceTag/${DrillTagKeys.OWNER}`]: expect.stringMatching(/^drill-/) } },
      });
      expect(JSON.stringify(s.DeleteOwnDrillsOnly.Resource)).toMatch(/:db:drill-[0-9a-f]{6}-\*.*:cluster:drill-[0-9a-f]{6}-\*/);
      // DeleteDBCluster is authorized on the final snapshot's ARN too; the drill names none, within its prefix.
      expect(s.DeleteOwnDrillClustersWithoutFinalSnapshot).toMatchObject({ Action: 'rds:DeleteDBCluster' });
      expect(JSON.stringify(s.DeleteOwnDrillClustersWithoutFinalSnapshot.Resource)).toMatch(/:cluster-snapshot:drill-[0-9a-f]{6}-\*/);
      const all = JSON.stringify(Object.values(s));
      expect(all).not.toMatch(/rds:Delete(DB|DBCluster)Snapshot/);
      expect(all).not.toMatch(/"rds:\*"|"rds:Delete\*"/);
      // Nothing of the drill's reaches beyond its prefix: no db:* or cluster:*.
      expect(all).not.toMatch(/:(db|cluster):\*/);
    });

    test('restores only the vault\'s copies, only into drill-* that carry its tag from creation', () => {
      expect(s.RestoreVaultCopies).toMatchObject({
        Action: ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:RestoreDBClusterFromSnapshot'],
        Condition: { StringEquals: { [`aws:ResourceTag/${TagKeys.OWNER}`]: expect.stringMatching(/^vault-/) } },
      });
      expect(JSON.stringify(s.RestoreVaultCopies.Resource)).toMatch(/snapshot:vault-\*/);
      expect(s.RestoreIntoOwnedPrivateDrillsOnly.Condition).toEqual({
        StringEquals: { [`aws:RequestTag/${DrillTagKeys.OWNER}`]: expect.stringMatching(/^drill-/) }, Bool: { 'rds:PubliclyAccessible': false },
      });
      expect(s.RestoreIntoOwnedPrivateDrillsOnly.Action).toEqual(['rds:RestoreDBInstanceFromDBSnapshot', 'rds:CreateDBInstance']);
      expect(s.RestoreClustersIntoOwnedDrillsOnly.Condition).toEqual({ StringEquals: { [`aws:RequestTag/${DrillTagKeys.OWNER}`]: expect.stringMatching(/^drill-/) } });
      expect(JSON.stringify(s.RestoreIntoOwnedPrivateDrillsOnly.Resource)).toMatch(/:db:drill-[0-9a-f]{6}-\*.*:cluster:drill-[0-9a-f]{6}-\*/);
    });

    test('tags only with its own keys: the drill keys on its restores, and its record on the vault\'s copies', () => {
      expect(s.TagDrillsOnCreation.Condition['ForAllValues:StringEquals']['aws:TagKeys']).toEqual(DRILL_TAG_KEYS);
      expect(s.RecordProgressOnOwnDrills.Condition['ForAllValues:StringEquals']['aws:TagKeys']).toEqual([DrillTagKeys.AVAILABLE, DrillTagKeys.VERDICT]);
      expect(s.RecordVerdictsOnVaultCopies.Condition).toEqual({
        'StringEquals': { [`aws:ResourceTag/${TagKeys.OWNER}`]: expect.stringMatching(/^vault-/) },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [TagKeys.RESTORE_DRILL, TagKeys.RESTORE_DRILL_PASSED] },
      });
    });

    test('without a validation function, it can neither modify its restores nor create secrets', () => {
      expect(s.ManagePasswordsOfOwnDrills).toBeUndefined();
      expect(s.CreateRdsManagedSecrets).toBeUndefined();
    });
  });

  test('with a validation function: the role may turn on managed passwords of its own restores and invoke the function, which may read only the drill\'s secrets', () => {
    const app = new App();
    const stack = new Stack(app, 'Failsafe', { env: { account: FAILSAFE, region: 'eu-west-1' } });
    const vault = new RdsSnapshotVault(stack, 'Vault', { sources: [{ topicArn: TOPIC }] });
    const validation = new lambda.Function(stack, 'Check', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=async()=>({passed:true})') });
    new RdsRestoreDrill(stack, 'Drill', { vault, validation, validationTimeout: Duration.minutes(2) });
    const template = Template.fromStack(stack);
    const s = statements(template);
    expect(s.ManagePasswordsOfOwnDrills.Condition).toEqual({
      StringEquals: { [`aws:ResourceTag/${DrillTagKeys.OWNER}`]: expect.stringMatching(/^drill-/) },
      Bool: { 'rds:ManageMasterUserPassword': true },
    });
    expect(s.CreateRdsManagedSecrets.Action).toEqual(['secretsmanager:CreateSecret', 'secretsmanager:TagResource']);
    expect(JSON.stringify(Object.values(s))).toContain('lambda:InvokeFunction');
    const check = Object.entries<any>(template.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('CheckServiceRole'))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement).filter((x: any) => x.Action === 'secretsmanager:GetSecretValue');
    const conditions = check.map((x: any) => JSON.stringify(x.Condition)).sort();
    expect(conditions).toEqual([
      expect.stringMatching(/^\{"StringLike":\{"secretsmanager:ResourceTag\/aws:rds:primaryDBClusterArn":.*:cluster:drill-[0-9a-f]{6}-\*"\]\]\}\}\}$/),
      expect.stringMatching(/^\{"StringLike":\{"secretsmanager:ResourceTag\/aws:rds:primaryDBInstanceArn":.*:db:drill-[0-9a-f]{6}-\*"\]\]\}\}\}$/),
    ]);
    expect(JSON.stringify(check.map((x: any) => x.Resource))).toMatch(/secret:rds!\*/);
    expect(config(template)).toMatchObject({ validates: true, validationTimeoutMs: 120_000, validationFunction: 'TOKEN' });
    // The function's timeout leaves the validation its time, and two minutes for the rest of the pass.
    template.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('restore drills'), Timeout: 240 });
  });

  test('the vault key: RDS may use it for the drill role, through its key policy', () => {
    const { template } = build();
    const [key] = Object.values<any>(template.findResources('AWS::KMS::Key'));
    const sids = key.Properties.KeyPolicy.Statement.map((x: any) => x.Sid);
    expect(sids).toEqual(expect.arrayContaining([expect.stringMatching(/^Drill[A-Za-z0-9]+DescribeThroughRds$/), expect.stringMatching(/^Drill[A-Za-z0-9]+GrantsToRds$/)]));
  });

  test('the vault\'s service control policy lets the drill role tag the vault\'s copies with its records, and with nothing else, and protects its role and function', () => {
    const { stack, vault } = build({}, { breakGlassRoleArns: [`arn:aws:iam::${FAILSAFE}:role/break-glass`] });
    const scp = stack.resolve(vault.serviceControlPolicy([`arn:aws:iam::${FAILSAFE}:role/break-glass`]).toJSON());
    const bySid = Object.fromEntries(scp.Statement.map((x: any) => [x.Sid, x]));
    const drillRole = { 'Fn::GetAtt': [expect.stringMatching(/^DrillRole/), 'Arn'] };
    expect(bySid.DenySharingOrRetaggingVaultSnapshots.Action).not.toContain('rds:AddTagsToResource');
    expect(bySid.DenyTaggingVaultSnapshots).toMatchObject({ Action: 'rds:AddTagsToResource', Condition: { ArnNotLike: { 'aws:PrincipalArn': expect.arrayContaining([drillRole]) } } });
    expect(bySid.DenyDrillsTaggingVaultSnapshotsWithAnythingButTheirRecords).toMatchObject({
      Action: 'rds:AddTagsToResource',
      Condition: { 'ArnLike': { 'aws:PrincipalArn': [drillRole] }, 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': [TagKeys.RESTORE_DRILL, TagKeys.RESTORE_DRILL_PASSED] } },
    });
    expect(bySid.DenyChangingOrPassingTheVaultRole.Resource).toEqual(expect.arrayContaining([drillRole]));
    expect(bySid.DenyChangingTheVaultFunction.Resource).toEqual(expect.arrayContaining([{ 'Fn::GetAtt': [expect.stringMatching(/^DrillFunction/), 'Arn'] }]));
    // Only those three statements name the drill's role.
    const naming = scp.Statement.filter((x: any) => JSON.stringify(x).includes('DrillRole')).map((x: any) => x.Sid).sort();
    expect(naming).toEqual(['DenyChangingOrPassingTheVaultRole', 'DenyDrillsTaggingVaultSnapshotsWithAnythingButTheirRecords', 'DenyTaggingVaultSnapshots']);
  });

  test('alarms: no recent restore (missing data is missing: a new drill waits in INSUFFICIENT_DATA) and a failed restore; the vault\'s dashboard gains the drill\'s widgets', () => {
    const { template, drill } = build({}, { dashboard: true });
    expect(drill.alarms).toHaveLength(5);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DatabasesWithoutRecentRestore',
      Threshold: 1,
      EvaluationPeriods: 3,
      TreatMissingData: 'missing',
      AlarmDescription: Match.stringLikeRegexp('within 14 days'),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'RestoreFailed', Threshold: 1, TreatMissingData: 'notBreaching' });
    const body = JSON.stringify(Object.values<any>(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    for (const m of ['RestoreDuration', 'LastSuccessfulRestoreAge', 'RestoreSucceeded', 'DatabasesWithoutRecentRestore']) expect(body).toContain(m);
  });

  test.each([
    [{ databasesPerDrill: 0 }, /databasesPerDrill must be a whole number from 1 to 100/],
    [{ maxConcurrentRestores: 41 }, /maxConcurrentRestores must be a whole number from 1 to 40/],
    [{ maxDrillLifetime: Duration.minutes(30) }, /maxDrillLifetime must be from 1 hour to 2 days/],
    [{ sweep: Duration.seconds(90) }, /sweep must be whole minutes/],
    [{ validationTimeout: Duration.minutes(20) }, /validationTimeout must be from 10 seconds to 10 minutes/],
    [{ databasesPerDrill: 10 }, /databasesPerDrill \(10\) must not be more than maxConcurrentRestores \(5\)/],
    [{ timeout: Duration.minutes(20) }, /RdsRestoreDrill: timeout must be from 1 minute to 15 minutes, got 20 minutes/],
    [{ memorySize: 128 }, /RdsRestoreDrill: memorySize must be a whole number from 256 to 10240, got 128/],
    [{ instanceClasses: { postgres: 't4g.micro' } }, /instanceClasses.postgres must be a DB instance class/],
    [{ alarms: { noRecentRestore: { maxAge: Duration.hours(12) } } }, /alarms.noRecentRestore.maxAge must be from 1 day to 365 days/],
  ] as const)('refuses %j', (props, message) => {
    expect(() => build(props as Partial<RdsRestoreDrillProps>)).toThrow(message);
  });

  test('refuses a vault of another stack: the vault key\'s policy names the drill\'s role, and the two stacks would depend on each other', () => {
    const app = new App();
    const vault = new RdsSnapshotVault(new Stack(app, 'Failsafe', { env: { account: FAILSAFE, region: 'eu-west-1' } }), 'Vault', { sources: [{ topicArn: TOPIC }] });
    expect(() => new RdsRestoreDrill(new Stack(app, 'Other', { env: { account: FAILSAFE, region: 'eu-west-1' } }), 'Drill', { vault }))
      .toThrow(/the drill must be in the vault's stack \(Failsafe\), not Other/);
  });

  test('refuses a function timeout that leaves the validation no time, with validationTimeout given or left at 5 minutes', () => {
    const app = new App();
    const stack = new Stack(app, 'Failsafe', { env: { account: FAILSAFE, region: 'eu-west-1' } });
    const vault = new RdsSnapshotVault(stack, 'Vault', { sources: [{ topicArn: TOPIC }] });
    const validation = lambda.Function.fromFunctionArn(stack, 'Check', `arn:aws:lambda:eu-west-1:${FAILSAFE}:function:check`);
    expect(() => new RdsRestoreDrill(stack, 'A', { vault, validation, timeout: Duration.minutes(5) }))
      .toThrow(/timeout must be at least a minute longer than validationTimeout/);
    expect(() => new RdsRestoreDrill(stack, 'B', { vault, validation, validationTimeout: Duration.minutes(2), timeout: Duration.minutes(2) }))
      .toThrow(/timeout must be at least a minute longer than validationTimeout/);
    // A validation function whose role this stack cannot change: CDK says at synth what to grant it.
    new RdsRestoreDrill(stack, 'C', { vault, validation, validationTimeout: Duration.minutes(2), timeout: Duration.minutes(4) });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('secretsmanager:GetSecretValue'));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
  });

  test.each([
    ['AwsSolutions', () => new AwsSolutionsChecks({ verbose: true })],
    ['NIST 800-53 rev 5', () => new NIST80053R5Checks({ verbose: true })],
  ] as const)('cdk-nag %s: no unsuppressed finding on the drill', (_name, pack) => {
    const { stack } = build({}, { dashboard: true });
    Aspects.of(stack).add(pack());
    const a = Annotations.fromStack(stack);
    const findings = [...a.findError('*', Match.anyValue()), ...a.findWarning('*', Match.anyValue())];
    expect(findings.map((f) => `${f.id}: ${String(f.entry.data).split('\n')[0]}`)).toEqual([]);
  });
});
