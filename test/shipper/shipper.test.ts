import { App, Aspects, Duration, Stack, aws_events as events, aws_iam as iam, aws_kms as kms, aws_rds as rds, aws_sns as sns } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RdsSnapshotShipper, RdsSnapshotShipperProps } from '../../src';
import { SHIPPER_TAG_KEYS, TagKeys } from '../../src/runtime/tags';

const LIVE = '111111111111';
const VAULT = '222222222222';

function liveStack(env = { account: LIVE, region: 'eu-west-1' }) {
  const app = new App();
  return new Stack(app, 'Live', { env });
}

function importDb(stack: Stack, id: string) {
  return rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, `Db-${id}`, {
    instanceIdentifier: id,
    instanceEndpointAddress: `${id}.example.internal`,
    port: 5432,
    securityGroups: [],
  });
}

function build(props: Partial<RdsSnapshotShipperProps> = {}, stack = liveStack()) {
  const shipper = new RdsSnapshotShipper(stack, 'Shipper', {
    vaultAccount: VAULT,
    instances: [importDb(stack, 'orders'), importDb(stack, 'users')],
    ...props,
  });
  return { stack, shipper, template: Template.fromStack(stack) };
}

/** All statements of the shipper role's policy, by Sid. */
function roleStatements(template: Template): Record<string, any> {
  const policies = template.findResources('AWS::IAM::Policy');
  const out: Record<string, any> = {};
  for (const p of Object.values(policies)) {
    for (const s of (p as any).Properties.PolicyDocument.Statement) out[s.Sid ?? JSON.stringify(s.Action)] = s;
  }
  return out;
}

describe('RdsSnapshotShipper', () => {
  test('template snapshot', () => {
    const { template } = build();
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('the function runs the bundled handler on Node.js 24 with a DLQ, retries and a log group with retention', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
      // Sized for 1,000 databases: see the capacity props.
      Timeout: 600,
      MemorySize: 1024,
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      LoggingConfig: { LogGroup: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
  });

  test('the handler configuration names the databases, the vault account, the key and the topic', () => {
    const { template, shipper } = build({ retention: Duration.days(3), maxCopiesInFlight: 4 });
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as any;
    const config = JSON.stringify(fn.Properties.Environment.Variables.SHIPPER_CONFIG);
    expect(config).toContain('\\"identifiers\\":[\\"orders\\",\\"users\\"]');
    expect(config).toContain(`\\"vaultAccount\\":\\"${VAULT}\\"`);
    expect(config).toContain(`\\"retentionMs\\":${3 * 86_400_000}`);
    expect(config).toContain('\\"maxCopiesInFlight\\":4');
    // The 15-minute sweeps of the first 22.5 minutes of each UTC day publish the manifest.
    expect(config).toContain(`\\"manifestWindowMs\\":${22.5 * 60_000}`);
    expect(config).toContain(`\\"ownerId\\":\\"${shipper.ownerId}\\"`);
    expect(shipper.ownerId).toMatch(/^shipper-[A-Za-z0-9]+$/);
  });

  test('copy permissions match automated snapshot names in lower case, as RDS writes them', () => {
    const stack = liveStack();
    const { template } = build({ instances: [importDb(stack, 'OrdersDB')] }, stack);
    expect(JSON.stringify(roleStatements(template).CopyAutomatedSnapshotsAsOwnedCopies.Resource)).toContain(':snapshot:rds:ordersdb-*');
  });

  test('a tag selector is passed through and widens the copy scope to all automated snapshots', () => {
    const { template } = build({ instances: undefined, selectByTag: { key: 'dr', value: 'failsafe' } });
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as any;
    expect(JSON.stringify(fn.Properties.Environment.Variables.SHIPPER_CONFIG)).toContain('\\"tag\\":{\\"key\\":\\"dr\\",\\"value\\":\\"failsafe\\"}');
    expect(JSON.stringify(roleStatements(template).CopyAutomatedSnapshotsAsOwnedCopies.Resource)).toContain(':snapshot:rds:*');
  });

  describe('IAM', () => {
    test('copying is limited to the selected databases\' automated snapshots and must tag the copy as owned', () => {
      const { template, shipper } = build();
      const s = roleStatements(template).CopyAutomatedSnapshotsAsOwnedCopies;
      expect(s.Action).toBe('rds:CopyDBSnapshot');
      const resources = JSON.stringify(s.Resource);
      expect(resources).toContain(':snapshot:rds:orders-*');
      expect(resources).toContain(':snapshot:rds:users-*');
      expect(resources).toContain(':snapshot:failsafe-*');
      expect(resources).not.toContain(':snapshot:*"');
      expect(s.Condition).toEqual({ StringEquals: { [`aws:RequestTag/${TagKeys.OWNER}`]: shipper.ownerId } });
    });

    test('sharing and deleting are conditioned on the ownership tag', () => {
      const { template, shipper } = build();
      const s = roleStatements(template).ShareAndDeleteOwnCopiesOnly;
      expect(s.Action).toEqual(['rds:ModifyDBSnapshotAttribute', 'rds:DeleteDBSnapshot']);
      expect(JSON.stringify(s.Resource)).toContain(':snapshot:failsafe-*');
      expect(s.Condition).toEqual({ StringEquals: { [`aws:ResourceTag/${TagKeys.OWNER}`]: shipper.ownerId } });
    });

    test('tagging is limited to the shipper\'s tag keys: owned tags on creation, the announced mark and the successors on owned copies', () => {
      const { template, shipper } = build();
      const st = roleStatements(template);
      expect(st.TagCopiesOnCreation.Condition).toEqual({
        'StringEquals': { [`aws:RequestTag/${TagKeys.OWNER}`]: shipper.ownerId },
        'ForAllValues:StringEquals': { 'aws:TagKeys': SHIPPER_TAG_KEYS },
      });
      expect(st.MarkOwnCopiesAnnouncedAndTheirSuccessors.Condition).toEqual({
        'StringEquals': { [`aws:ResourceTag/${TagKeys.OWNER}`]: shipper.ownerId },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [TagKeys.ANNOUNCED, TagKeys.SUCCESSORS] },
      });
    });

    test('no statement allows a mutating action on every resource, kms:* or iam:PassRole', () => {
      const { template } = build();
      for (const s of Object.values(roleStatements(template))) {
        const actions: string[] = [s.Action].flat();
        expect(actions).not.toContain('kms:*');
        expect(actions).not.toContain('iam:PassRole');
        if (s.Resource === '*') {
          expect(actions.every((a) => /^rds:Describe/.test(a))).toBe(true);
        }
      }
    });

    test('the shipping key is used through RDS only, by its key policy, and grants are only for AWS resources; no IAM policy names it', () => {
      const { template } = build();
      const st = roleStatements(template);
      expect(st.GrantKeysToRds).toBeUndefined();
      const shipping = Object.entries<any>(template.findResources('AWS::KMS::Key')).find(([id]) => id.includes('ShippingKey'))![1];
      const grants = shipping.Properties.KeyPolicy.Statement.find((x: any) => x.Sid === 'ShipperGrantsToRds');
      expect(grants.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'rds.eu-west-1.amazonaws.com' }, Bool: { 'kms:GrantIsForAWSResource': true } });
    });

    test('source keys, whose policies trust IAM, are used through RDS by an IAM policy', () => {
      const stack = liveStack();
      const sourceKey = kms.Key.fromKeyArn(stack, 'Src', `arn:aws:kms:eu-west-1:${LIVE}:key/source`);
      const { template } = build({ sourceKeys: [sourceKey] }, stack);
      const st = roleStatements(template);
      expect(st.GrantKeysToRds.Resource).toEqual(`arn:aws:kms:eu-west-1:${LIVE}:key/source`);
      expect(st.GrantKeysToRds.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'rds.eu-west-1.amazonaws.com' }, Bool: { 'kms:GrantIsForAWSResource': true } });
      expect(st.DescribeKeysThroughRds.Condition.StringEquals).toEqual({ 'kms:ViaService': 'rds.eu-west-1.amazonaws.com' });
    });
  });

  test('the shipping key has rotation on, is retained, and follows the AWS statements for sharing encrypted snapshots, through RDS only', () => {
    const { template } = build();
    const keys = template.findResources('AWS::KMS::Key');
    const shipping = Object.entries(keys).find(([id]) => id.includes('ShippingKey'))![1] as any;
    expect(shipping.Properties.EnableKeyRotation).toBe(true);
    expect(shipping.DeletionPolicy).toBe('Retain');
    const statements = shipping.Properties.KeyPolicy.Statement;
    const vaultRoot = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${VAULT}:root`]] };
    expect(statements).toContainEqual({
      Sid: 'AllowVaultAccountUseOfTheKey',
      Effect: 'Allow',
      Principal: { AWS: vaultRoot },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      Resource: '*',
      Condition: { StringLike: { 'kms:ViaService': 'rds.*.amazonaws.com' } },
    });
    expect(statements).toContainEqual({
      Sid: 'AllowVaultAccountAttachmentOfPersistentResources',
      Effect: 'Allow',
      Principal: { AWS: vaultRoot },
      Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
      Resource: '*',
      Condition: { StringLike: { 'kms:ViaService': 'rds.*.amazonaws.com' }, Bool: { 'kms:GrantIsForAWSResource': true } },
    });
  });

  test('the topic has a stable name, is encrypted, enforces TLS, and lets the vault account subscribe a Lambda', () => {
    const { template, shipper } = build();
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'rds-failsafe-shipper', KmsMasterKeyId: Match.anyValue() });
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0] as any;
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual(expect.objectContaining({
      Effect: 'Deny',
      Action: 'sns:Publish',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    }));
    expect(statements).toContainEqual(expect.objectContaining({
      Sid: 'AllowVaultAccountToSubscribe',
      Effect: 'Allow',
      Action: 'sns:Subscribe',
      Condition: {

        StringLike: {
          'sns:Endpoint': [
            { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sqs:*:${VAULT}:*`]] },
            { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:lambda:*:${VAULT}:function:*`]] },
          ],
        },
      },
    }));
    expect(shipper.topicKey).toBeDefined();
  });

  test('topicName names the created topic', () => {
    build({ topicName: 'orders-dr' }).template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'orders-dr' });
  });

  test('an existing key and topic are used instead of new ones', () => {
    const stack = liveStack();
    const key = new kms.Key(stack, 'MyKey');
    const topic = new sns.Topic(stack, 'MyTopic');
    const { template, shipper } = build({ shippingKey: key, topic }, stack);
    expect(shipper.shippingKey).toBe(key);
    expect(shipper.topic).toBe(topic);
    expect(shipper.topicKey).toBeUndefined();
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const policy = Object.values(template.findResources('AWS::KMS::Key'))[0] as any;
    expect(policy.Properties.KeyPolicy.Statement.map((s: any) => s.Sid)).toContain('AllowVaultAccountUseOfTheKey');
  });

  test('the sweep runs every 15 minutes by default, or on the given schedule, and RDS events wake it', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.rds'], 'detail-type': ['RDS DB Snapshot Event'], 'detail': { EventID: ['RDS-EVENT-0091'] } },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.rds'], 'detail-type': ['RDS DB Snapshot Event'], 'detail': { EventID: ['RDS-EVENT-0197'], SourceIdentifier: [{ prefix: 'failsafe-' }] } },
    });
    build({ schedule: events.Schedule.rate(Duration.minutes(30)) }).template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(30 minutes)' });
  });

  test('DB clusters: named in the configuration, copied through the cluster APIs, and woken by RDS-EVENT-0169', () => {
    const stack = liveStack();
    const ledger = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Ledger', { clusterIdentifier: 'Ledger' });
    const { template } = build({ clusters: [ledger] }, stack);
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as any;
    expect(JSON.stringify(fn.Properties.Environment.Variables.SHIPPER_CONFIG)).toContain('\\"clusterIdentifiers\\":[\\"Ledger\\"]');
    const copy = roleStatements(template).CopyAutomatedClusterSnapshotsAsOwnedCopies;
    expect(copy.Action).toBe('rds:CopyDBClusterSnapshot');
    // RDS names automated cluster snapshots in lower case too.
    expect(JSON.stringify(copy.Resource)).toContain(':cluster-snapshot:rds:ledger-*');
    expect(JSON.stringify(copy.Resource)).toContain(':cluster-snapshot:failsafe-*');
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.rds'], 'detail-type': ['RDS DB Cluster Snapshot Event'], 'detail': { EventID: ['RDS-EVENT-0169'] } },
    });
  });

  test('a shipper of instances only gets no cluster permission and no cluster event rule', () => {
    const { template } = build();
    expect(JSON.stringify(template.toJSON())).not.toMatch(/Cluster|cluster-snapshot|RDS-EVENT-0169/);
  });

  test('a tag selector may find clusters, so it brings the cluster permissions and event rule', () => {
    const { template } = build({ instances: undefined, selectByTag: { key: 'dr', value: 'failsafe' } });
    expect(JSON.stringify(roleStatements(template).CopyAutomatedClusterSnapshotsAsOwnedCopies.Resource)).toContain(':cluster-snapshot:rds:*');
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { detail: { EventID: ['RDS-EVENT-0169'] } } });
  });

  test('cdk-nag AwsSolutions finds nothing unsuppressed, and each suppression is scoped', () => {
    const { stack } = build();
    Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
    const annotations = Annotations.fromStack(stack);
    const findings = [...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')), ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))];
    expect(findings.map((f) => `${f.id}: ${f.entry.data}`)).toEqual([]);
    // Every wildcard suppression names the findings it applies to, so that it cannot hide a new one.
    const template = Template.fromStack(stack).toJSON();
    const suppressions = Object.values<any>(template.Resources).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? [])
      .filter((s: any) => s.id === 'AwsSolutions-IAM5');
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) {
      expect(s.reason.length).toBeGreaterThan(40);
      expect(s.applies_to?.length).toBeGreaterThan(0);
    }
  });

  test('cdk-nag still reports a wildcard the suppressions were not written for', () => {
    const { stack, shipper } = build();
    shipper.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['rds:DeleteDBSnapshot'], resources: ['arn:aws:rds:eu-west-1:111111111111:snapshot:*'] }));
    Aspects.of(stack).add(new AwsSolutionsChecks());
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-IAM5'));
    expect(errors.length).toBe(1);
  });
});

describe('recovery points more often than daily (recoveryPointInterval)', () => {
  const subDaily = (props: Partial<RdsSnapshotShipperProps> = {}, stack?: Stack) => (
    build({ recoveryPointInterval: Duration.hours(4), ...props }, stack)
  );
  const configOf = (template: Template) => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as any;
    // The tokens (the key's and the topic's ARNs) stand inside JSON strings: an X in their place leaves valid JSON.
    return JSON.parse(fn.Properties.Environment.Variables.SHIPPER_CONFIG['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : 'X')).join(''));
  };

  test('tells the handler the interval and the offset; daily shipping (24 hours, or no interval) tells it nothing', () => {
    const withOffset = configOf(subDaily({ recoveryPointOffset: Duration.minutes(30) }).template);
    expect(withOffset.recoveryPoints).toEqual({ intervalMs: 4 * 3_600_000, offsetMs: 30 * 60_000 });
    // Live keeps its copies a day by default, the vault's time to copy them; a retention given wins.
    expect(withOffset.retentionMs).toBe(86_400_000);
    expect(configOf(subDaily({ retention: Duration.days(3) }).template).retentionMs).toBe(3 * 86_400_000);
    expect(configOf(build().template).recoveryPoints).toBeUndefined();
    expect(configOf(build({ recoveryPointInterval: Duration.hours(24) }).template).recoveryPoints).toBeUndefined();
  });

  test('the role may take snapshots of the selected databases only, named like the shipper\'s and tagged with its owner on creation', () => {
    const { template, shipper } = subDaily();
    const take = roleStatements(template).TakeOwnedSnapshotsOfSelectedDatabases;
    expect(take.Action).toBe('rds:CreateDBSnapshot');
    const resources = JSON.stringify(take.Resource);
    expect(resources).toContain(':db:orders');
    expect(resources).toContain(':db:users');
    expect(resources).toContain(':snapshot:failsafe-*');
    expect(resources).not.toMatch(/:db:\*/);
    expect(take.Condition).toEqual({ StringEquals: { [`aws:RequestTag/${TagKeys.OWNER}`]: shipper.ownerId } });
    // The tags on creation may include the recovery point's own key.
    expect(roleStatements(template).TagCopiesOnCreation.Condition['ForAllValues:StringEquals']['aws:TagKeys']).toContain(TagKeys.RECOVERY_POINT);
    expect(roleStatements(build().template).TagCopiesOnCreation.Condition['ForAllValues:StringEquals']['aws:TagKeys']).not.toContain(TagKeys.RECOVERY_POINT);
    expect(roleStatements(build().template).TakeOwnedSnapshotsOfSelectedDatabases).toBeUndefined();
  });

  test('clusters get CreateDBClusterSnapshot; a tag selector widens both to every database of the account', () => {
    const stack = liveStack();
    const ledger = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Ledger', { clusterIdentifier: 'Ledger' });
    const clusters = roleStatements(subDaily({ clusters: [ledger] }, stack).template).TakeOwnedSnapshotsOfSelectedClusters;
    expect(clusters.Action).toBe('rds:CreateDBClusterSnapshot');
    expect(JSON.stringify(clusters.Resource)).toContain(':cluster:ledger');
    expect(JSON.stringify(clusters.Resource)).toContain(':cluster-snapshot:failsafe-*');
    const byTag = roleStatements(subDaily({ instances: undefined, selectByTag: { key: 'dr', value: 'failsafe' } }).template);
    expect(JSON.stringify(byTag.TakeOwnedSnapshotsOfSelectedDatabases.Resource)).toContain(':db:*');
    expect(JSON.stringify(byTag.TakeOwnedSnapshotsOfSelectedClusters.Resource)).toContain(':cluster:*');
  });

  test('a snapshot the shipper took wakes it (RDS-EVENT-0042, RDS-EVENT-0075), to copy it at once', () => {
    subDaily().template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.rds'],
        'detail-type': ['RDS DB Snapshot Event', 'RDS DB Cluster Snapshot Event'],
        'detail': { EventID: ['RDS-EVENT-0042', 'RDS-EVENT-0075'], SourceIdentifier: [{ prefix: 'failsafe-' }] },
      },
    });
    expect(JSON.stringify(build().template.toJSON())).not.toContain('RDS-EVENT-0042');
  });

  test('the alarms\' maxAge defaults to the interval plus 2 hours; a maxAge given wins', () => {
    const alarms = (template: Template) => Object.values<any>(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const announcements = (template: Template) => alarms(template).find((a) => /announced/.test(a.AlarmDescription));
    expect(announcements(subDaily().template).EvaluationPeriods).toBe(6);
    expect(announcements(build().template).EvaluationPeriods).toBe(26);
    expect(configOf(subDaily().template).behindAfterMs).toBe(6 * 3_600_000);
    expect(configOf(subDaily({ alarms: { databasesBehind: { maxAge: Duration.hours(9) } } }).template).behindAfterMs).toBe(9 * 3_600_000);
    expect(alarms(subDaily().template).find((a) => /not shipped for longer than 6 hours/.test(a.AlarmDescription))).toBeDefined();
  });

  test('cdk-nag AwsSolutions finds nothing unsuppressed, with a tag selector too', () => {
    for (const props of [{}, { instances: undefined, selectByTag: { key: 'dr', value: 'failsafe' } }]) {
      const { stack } = subDaily(props);
      Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
      const annotations = Annotations.fromStack(stack);
      const findings = [...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')), ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))];
      expect(findings.map((f) => `${f.id}: ${f.entry.data}`)).toEqual([]);
    }
  });

  test.each<[string, Partial<RdsSnapshotShipperProps>, RegExp]>([
    ['an interval under an hour', { recoveryPointInterval: Duration.minutes(30) }, /whole hours from 1 to 24, got 30 minutes/],
    ['an interval of part hours', { recoveryPointInterval: Duration.minutes(90) }, /whole hours from 1 to 24/],
    ['an interval over a day', { recoveryPointInterval: Duration.hours(25) }, /whole hours from 1 to 24/],
    ['an offset without a sub-daily interval', { recoveryPointOffset: Duration.minutes(5) }, /needs a recoveryPointInterval below 24 hours/],
    ['an offset as long as the interval', { recoveryPointInterval: Duration.hours(1), recoveryPointOffset: Duration.hours(1) }, /shorter than the interval/],
    ['an offset in seconds', { recoveryPointInterval: Duration.hours(1), recoveryPointOffset: Duration.seconds(90) }, /whole minutes/],
    ['a sweep too rare for the interval', { recoveryPointInterval: Duration.hours(1), schedule: events.Schedule.rate(Duration.hours(1)) }, /too rarely/],
  ])('rejects %s', (_name, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test('shareableKeys: the vault account may use them for RDS, the handler shares what they encrypt as it is, and the role may use them through RDS', () => {
    const stack = liveStack();
    const databaseKey = new kms.Key(stack, 'DatabaseKey');
    const { template } = subDaily({ shareableKeys: [databaseKey] }, stack);
    const keyPolicies = Object.entries<any>(template.findResources('AWS::KMS::Key')).filter(([id]) => id.startsWith('DatabaseKey'));
    expect(keyPolicies).toHaveLength(1);
    const sids = keyPolicies[0][1].Properties.KeyPolicy.Statement.map((st: any) => st.Sid);
    expect(sids).toEqual(expect.arrayContaining(['AllowVaultAccountUseOfTheKey', 'AllowVaultAccountAttachmentOfPersistentResources']));
    expect(configOf(template).shareableKeyArns).toEqual(['X']);
    expect(JSON.stringify(roleStatements(template).DescribeKeysThroughRds.Resource)).toContain('DatabaseKey');
  });

  test('shareableKeys from outside the stack bring a warning with the statements to paste; without a sub-daily interval they are refused', () => {
    const stack = liveStack();
    const imported = kms.Key.fromKeyArn(stack, 'Imported', `arn:aws:kms:eu-west-1:${LIVE}:key/database`);
    subDaily({ shareableKeys: [imported] }, stack);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('shareableKeys .* is not in this stack'));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0].entry.data)).toContain('AllowVaultAccountUseOfTheKey');
    expect(() => build({ shareableKeys: [kms.Key.fromKeyArn(liveStack(), 'K', `arn:aws:kms:eu-west-1:${LIVE}:key/x`)] })).toThrow(/shareableKeys needs a recoveryPointInterval/);
  });

  test('rejects a sub-daily interval with sourceRegion', () => {
    const stack = liveStack({ account: LIVE, region: 'eu-central-1' });
    expect(() => build({ recoveryPointInterval: Duration.hours(4), sourceRegion: 'eu-west-1' }, stack)).toThrow(/cannot be combined with sourceRegion/);
  });
});

describe('a shipper that copies across Regions (sourceRegion)', () => {
  const DR = { account: LIVE, region: 'eu-central-1' };
  const acrossRegions = (props: Partial<RdsSnapshotShipperProps> = {}) => {
    const stack = liveStack(DR);
    const sourceKey = kms.Key.fromKeyArn(stack, 'OrdersKey', `arn:aws:kms:eu-west-1:${LIVE}:key/orders`);
    return build({ sourceRegion: 'eu-west-1', instances: [importDb(stack, 'billing')], sourceKeys: [sourceKey], ...props }, stack);
  };

  test('copies from the automated snapshots of the databases\' Region into its own copies here, and tells its handler which Region to read', () => {
    const { template, shipper } = acrossRegions();
    expect(shipper.databaseRegion).toBe('eu-west-1');
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as any;
    expect(JSON.stringify(fn.Properties.Environment.Variables.SHIPPER_CONFIG)).toContain('\\"sourceRegion\\":\\"eu-west-1\\"');
    const copy = JSON.stringify(roleStatements(template).CopyAutomatedSnapshotsAsOwnedCopies.Resource);
    expect(copy).toContain(':rds:eu-west-1:111111111111:snapshot:rds:billing-*');
    expect(copy).not.toContain(':rds:eu-central-1:111111111111:snapshot:rds:');
    expect(copy).toMatch(/:rds:",\{"Ref":"AWS::Region"\},":",\{"Ref":"AWS::AccountId"\},":snapshot:failsafe-\*|:rds:eu-central-1:111111111111:snapshot:failsafe-\*/);
  });

  test('RDS may use the databases\' keys in either Region, and the shipping key in its own only', () => {
    const { template } = acrossRegions();
    const statements = roleStatements(template);
    expect(statements.DatabaseKeysGrantKeysToRds.Condition.StringEquals['kms:ViaService']).toEqual(['rds.eu-west-1.amazonaws.com', 'rds.eu-central-1.amazonaws.com']);
    expect(statements.DatabaseKeysGrantKeysToRds.Resource).toBe(`arn:aws:kms:eu-west-1:${LIVE}:key/orders`);
    const keyPolicy = JSON.stringify(Object.values<any>(template.findResources('AWS::KMS::Key')).map((k) => k.Properties.KeyPolicy));
    expect(keyPolicy).toContain('rds.eu-central-1.amazonaws.com');
    expect(keyPolicy).not.toContain('rds.eu-west-1.amazonaws.com');
  });

  test('is woken by RDS-EVENT-0060 for its finished copies; the events of new automated snapshots stay in their Region', () => {
    const { template } = acrossRegions({ selectByTag: { key: 'dr', value: 'on' } });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.rds'], 'detail-type': ['RDS DB Snapshot Event'], 'detail': { EventID: ['RDS-EVENT-0060'], SourceIdentifier: [{ prefix: 'failsafe-' }] } },
    });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/RDS-EVENT-0091|RDS-EVENT-0169|RDS-EVENT-0197/);
  });

  test('a sourceRegion equal to the stack\'s is a shipper within its Region', () => {
    const { template } = build({ sourceRegion: 'eu-west-1' });
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as any;
    expect(JSON.stringify(fn.Properties.Environment.Variables.SHIPPER_CONFIG)).not.toContain('sourceRegion');
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { detail: { EventID: ['RDS-EVENT-0091'] } } });
  });

  test('cdk-nag AwsSolutions finds nothing unsuppressed', () => {
    const { stack } = acrossRegions({ selectByTag: { key: 'dr', value: 'on' } });
    Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
    const annotations = Annotations.fromStack(stack);
    const findings = [...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')), ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))];
    expect(findings.map((f) => `${f.id}: ${f.entry.data}`)).toEqual([]);
  });

  test.each<[string, () => unknown, RegExp]>([
    ['a sourceRegion that is not a Region name', () => acrossRegions({ sourceRegion: 'Ireland' }), /sourceRegion must be a literal Region name such as eu-west-1, got "Ireland"/],
    ['a stack without a Region', () => build({ sourceRegion: 'eu-west-1' }, new Stack(new App(), 'Agnostic')), /sourceRegion needs a stack with a Region/],
    ['a cluster name with no room left for the Region code', () => {
      const stack = liveStack(DR);
      const long = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Long', { clusterIdentifier: `l${'o'.repeat(32)}g` });
      return build({ sourceRegion: 'eu-west-1', instances: undefined, clusters: [long] }, stack);
    }, /has 34 characters; .* \(at most 33 characters, as they end with the code of eu-west-1\)/],
  ])('rejects %s', (_name, make, message) => {
    expect(make).toThrow(message);
  });
});

describe('RdsSnapshotShipper props validation', () => {
  test.each<[string, Partial<RdsSnapshotShipperProps>, RegExp]>([
    ['a vault account that is not 12 digits', { vaultAccount: '12345' }, /vaultAccount must be a 12-digit AWS account id, got "12345"/],
    ['a vault account with letters', { vaultAccount: '12345678901a' }, /vaultAccount must be a 12-digit/],
    ['the stack\'s own account as vault', { vaultAccount: LIVE }, /vaultAccount \(111111111111\) is this stack's own account/],
    ['no databases', { instances: [] }, /select at least one database: pass `instances`, `clusters`, `selectByTag`, or any of them together/],
    ['a retention below one day', { retention: Duration.hours(23) }, /retention must be at least one day, got 23 hours/],
    ['an invalid topic name', { topicName: 'has space' }, /topicName must be 1 to 256 letters/],
    ['maxCopiesInFlight of 0', { maxCopiesInFlight: 0 }, /maxCopiesInFlight must be a whole number from 1 to 20, got 0/],
    ['maxCopiesInFlight above the RDS limit', { maxCopiesInFlight: 21 }, /maxCopiesInFlight must be a whole number from 1 to 20, got 21/],
    ['a fractional quota', { manualSnapshotQuota: 1.5 }, /manualSnapshotQuota must be a whole number/],
    ['maxClusterCopiesInFlight above the RDS limit', { maxClusterCopiesInFlight: 6 }, /maxClusterCopiesInFlight must be a whole number from 1 to 5, got 6/],
    ['a negative headroom', { manualSnapshotHeadroom: -1 }, /manualSnapshotHeadroom must be a whole number from 0 to 100000, got -1/],
    ['a memory size below 256 MiB', { memorySize: 128 }, /memorySize must be a whole number from 256 to 10240, got 128/],
    ['a timeout over Lambda\'s 15 minutes', { timeout: Duration.minutes(20) }, /timeout must be from 1 minute to 15 minutes, got 20 minutes/],
    ['an empty tag key', { instances: undefined, selectByTag: { key: '', value: 'x' } }, /selectByTag.key must be 1 to 128 characters/],
  ])('rejects %s', (_name, props, message) => {
    expect(() => build(props)).toThrow(message);
    expect(() => build(props)).toThrow(/^RdsSnapshotShipper: /);
  });

  test('rejects both topic and topicName', () => {
    const stack = liveStack();
    const topic = new sns.Topic(stack, 'T');
    expect(() => build({ topic, topicName: 'x' }, stack)).toThrow(/RdsSnapshotShipper: pass either `topic` or `topicName`, not both/);
  });

  test('an invalid cluster identifier is rejected', () => {
    const stack = liveStack();
    const bad = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Bad', { clusterIdentifier: 'bad--name' });
    expect(() => build({ clusters: [bad] }, stack)).toThrow(/clusters: "bad--name" is not a valid DB cluster identifier/);
  });

  test('a cluster identifier too long for the names of its copies is rejected', () => {
    const stack = liveStack();
    const long = rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Long', { clusterIdentifier: `l${'o'.repeat(37)}g` });
    expect(() => build({ clusters: [long] }, stack)).toThrow(/clusters: "lo+g" has 39 characters; .* \(at most 38 characters\)/);
  });

  test('an invalid instance identifier is rejected', () => {
    const stack = liveStack();
    expect(() => build({ instances: [importDb(stack, 'bad_name')] }, stack)).toThrow(/instances: "bad_name" is not a valid DB instance identifier/);
  });

  test('an environment-agnostic stack is accepted, with the account checks left to run time', () => {
    const app = new App();
    const stack = new Stack(app, 'Agnostic');
    expect(() => build({}, stack)).not.toThrow();
  });
});

describe('a shipping key from outside the stack', () => {
  test('warns at synth with the key-policy statements the vault account needs, as text to paste', () => {
    const stack = liveStack();
    const shippingKey = kms.Key.fromKeyArn(stack, 'Outside', `arn:aws:kms:eu-west-1:${LIVE}:key/outside`);
    build({ shippingKey }, stack);
    const texts = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('shippingKey .* is not in this stack')).map((w) => String(w.entry.data));
    expect(texts).toHaveLength(1);
    expect(texts[0]).not.toMatch(/Fn::|"Ref"|\$\{Token/);
    // CDK ends the message with the warning's id to acknowledge it by.
    const statements = JSON.parse(texts[0].slice(texts[0].indexOf('['), texts[0].lastIndexOf(' [ack:')));
    expect(statements.map((s: any) => [s.Sid, s.Principal.AWS])).toEqual([
      ['AllowVaultAccountUseOfTheKey', `arn:aws:iam::${VAULT}:root`],
      ['AllowVaultAccountAttachmentOfPersistentResources', `arn:aws:iam::${VAULT}:root`],
    ]);
  });

  test('a shipping key of this stack, or the one the construct creates, needs no warning', () => {
    const stack = liveStack();
    build({ shippingKey: new kms.Key(stack, 'Own') }, stack);
    const created = liveStack();
    build({}, created);
    for (const s of [stack, created]) expect(Annotations.fromStack(s).findWarning('*', Match.stringLikeRegexp('shippingKey'))).toEqual([]);
  });
});
