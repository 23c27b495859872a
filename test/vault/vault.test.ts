import { App, Aspects, Duration, Stack, aws_events as events, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RdsSnapshotVault, RdsSnapshotVaultProps } from '../../src';
import { TagKeys, VAULT_TAG_KEYS } from '../../src/runtime/tags';

const LIVE = '111111111111';
const FAILSAFE = '222222222222';
const TOPIC = `arn:aws:sns:eu-west-1:${LIVE}:rds-failsafe-shipper`;

function build(props: Partial<RdsSnapshotVaultProps> = {}, env: { account?: string; region?: string } | undefined = { account: FAILSAFE, region: 'eu-west-1' }) {
  const app = new App();
  const stack = new Stack(app, 'Failsafe', { env });
  const vault = new RdsSnapshotVault(stack, 'Vault', { sources: [{ topicArn: TOPIC }], ...props });
  return { stack, vault, template: Template.fromStack(stack) };
}

function statements(template: Template): Record<string, any> {
  const out: Record<string, any> = {};
  for (const p of Object.values<any>(template.findResources('AWS::IAM::Policy'))) {
    for (const s of p.Properties.PolicyDocument.Statement) out[s.Sid ?? JSON.stringify(s.Action)] = s;
  }
  return out;
}

describe('RdsSnapshotVault', () => {
  test('template snapshot', () => {
    expect(build().template.toJSON()).toMatchSnapshot();
  });

  test('subscribes its announcement queue to each source topic, lets only those topics send to it, and reads it at most 2 batches at a time', () => {
    const second = 'arn:aws:sns:eu-west-1:333333333333:rds-failsafe-shipper';
    const { template } = build({ sources: [{ topicArn: TOPIC }, { topicArn: second }] });
    for (const arn of [TOPIC, second]) {
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs', TopicArn: arn, Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('AnnouncementQueue'), 'Arn'] } });
    }
    const policy = JSON.stringify(Object.values<any>(template.findResources('AWS::SQS::QueuePolicy')).map((p) => p.Properties.PolicyDocument));
    for (const arn of [TOPIC, second]) expect(policy).toContain(`"aws:SourceArn":"${arn}"`);
    // No topic invokes the function directly: announcements take the queue's lane.
    expect(Object.values<any>(template.findResources('AWS::Lambda::Permission')).map((p) => p.Properties.Principal)).not.toContain('sns.amazonaws.com');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AnnouncementQueue'), 'Arn'] },
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 3600,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] }, maxReceiveCount: 5 },
    });
    build({ announcementConcurrency: 10 }).template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 10 } });
    // Lambda's event source mappings take a maximum concurrency from 2 to 1,000.
    expect(() => build({ announcementConcurrency: 1 })).toThrow(/RdsSnapshotVault: announcementConcurrency must be a whole number from 2 to 1000/);
  });

  test('a topic in another region delivers to the queue from its region', () => {
    const { template } = build({ sources: [{ topicArn: `arn:aws:sns:eu-central-1:${LIVE}:rds-failsafe-shipper` }] });
    template.hasResourceProperties('AWS::SNS::Subscription', { Region: 'eu-central-1', Protocol: 'sqs' });
    const config = JSON.stringify(Object.values<any>(template.findResources('AWS::Lambda::Function'))[0].Properties.Environment);
    expect(config).toContain('arn:aws:sns:eu-central-1:111111111111:rds-failsafe-shipper');
    // The vault may copy from that region, and RDS may use the source keys there.
    const st = statements(template);
    expect(JSON.stringify(st.CopyShippedSnapshotsAsOwnedCopies.Resource)).toContain(':rds:eu-central-1:111111111111:snapshot:failsafe-*');
    expect(st.SourceAttachmentOfPersistentResourcesThroughRds.Condition.StringEquals['kms:ViaService']).toEqual(['rds.eu-west-1.amazonaws.com', 'rds.eu-central-1.amazonaws.com']);
  });

  test('the handler configuration holds the allowlist, retention and minimum copies', () => {
    const { template, vault } = build({ retention: Duration.days(14), minimumCopies: 5 });
    const fn = Object.values<any>(template.findResources('AWS::Lambda::Function'))[0];
    const config = JSON.stringify(fn.Properties.Environment.Variables.VAULT_CONFIG);
    expect(config).toContain(`\\"sourceAccounts\\":[\\"${LIVE}\\"]`);
    expect(config).toContain(`\\"retentionMs\\":${14 * 86_400_000}`);
    expect(config).toContain('\\"minimumCopies\\":5');
    expect(config).toContain(`\\"topicArn\\":\\"${TOPIC}\\"`);
    expect(vault.sourceAccounts).toEqual([LIVE]);
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 600, MemorySize: 1024 });
  });

  test('the vault key has rotation on and is retained; an existing key can be passed', () => {
    const { template } = build();
    template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: FAILSAFE, region: 'eu-west-1' } });
    const key = new kms.Key(stack, 'Mine');
    const vault = new RdsSnapshotVault(stack, 'Vault', { sources: [{ topicArn: TOPIC }], vaultKey: key });
    expect(vault.vaultKey).toBe(key);
    Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 1);
  });

  test('sweeps every 15 minutes by default, or on the given schedule', () => {
    build().template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
    build({ schedule: events.Schedule.rate(Duration.hours(6)) }).template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(6 hours)' });
  });

  describe('IAM', () => {
    test('records a finished copy and a copy\'s successors with those two tags only, and only on its own copies', () => {
      const { template, vault } = build();
      const s = statements(template).RecordOwnCopiesCompletedAndTheirSuccessors;
      expect(s.Action).toBe('rds:AddTagsToResource');
      expect(JSON.stringify(s.Resource)).toContain(':snapshot:vault-*');
      expect(s.Condition).toEqual({
        'StringEquals': { [`aws:ResourceTag/${TagKeys.OWNER}`]: vault.ownerId },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [TagKeys.COMPLETED, TagKeys.SUCCESSORS] },
      });
    });

    test('copies only shipper copies of the source accounts, and only as owned copies', () => {
      const { template, vault } = build();
      const s = statements(template).CopyShippedSnapshotsAsOwnedCopies;
      const resources = JSON.stringify(s.Resource);
      expect(resources).toContain(`:rds:eu-west-1:${LIVE}:snapshot:failsafe-*`);
      expect(resources).toContain(':snapshot:vault-*');
      expect(s.Condition).toEqual({ StringEquals: { [`aws:RequestTag/${TagKeys.OWNER}`]: vault.ownerId } });
    });

    test('deletes only its own copies, by the ownership tag', () => {
      const { template, vault } = build();
      const s = statements(template).DeleteOwnCopiesOnly;
      expect(s.Action).toEqual(['rds:DeleteDBSnapshot', 'rds:DeleteDBClusterSnapshot']);
      expect(JSON.stringify(s.Resource)).toContain(':snapshot:vault-*');
      expect(JSON.stringify(s.Resource)).toContain(':cluster-snapshot:vault-*');
      expect(s.Condition).toEqual({ StringEquals: { [`aws:ResourceTag/${TagKeys.OWNER}`]: vault.ownerId } });
    });

    test('tags only on creation, only its own keys', () => {
      const { template, vault } = build();
      expect(statements(template).TagCopiesOnCreation.Condition).toEqual({
        'StringEquals': { [`aws:RequestTag/${TagKeys.OWNER}`]: vault.ownerId },
        'ForAllValues:StringEquals': { 'aws:TagKeys': VAULT_TAG_KEYS },
      });
    });

    test('no sharing, no mutating action on every resource, no kms:*, no iam:PassRole', () => {
      const { template } = build();
      for (const s of Object.values<any>(statements(template))) {
        const actions: string[] = [s.Action].flat();
        expect(actions).not.toContain('rds:ModifyDBSnapshotAttribute');
        expect(actions).not.toContain('kms:*');
        expect(actions).not.toContain('iam:PassRole');
        if (s.Resource === '*') expect(actions).toEqual(['rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots', 'rds:DescribeAccountAttributes']);
      }
    });

    test('keys are used through RDS only: the vault key by its key policy, the source accounts\' keys as the RDS User Guide gives', () => {
      const { template } = build();
      const st = statements(template);
      expect(st.GrantKeysToRds).toBeUndefined();
      expect(JSON.stringify(st.SourceAttachmentOfPersistentResourcesThroughRds.Resource)).toContain(`:kms:eu-west-1:${LIVE}:key/*`);
      expect(st.SourceAttachmentOfPersistentResourcesThroughRds.Action).toEqual(['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant']);
      expect(st.SourceAttachmentOfPersistentResourcesThroughRds.Condition).toEqual({
        StringEquals: { 'kms:ViaService': 'rds.eu-west-1.amazonaws.com' }, Bool: { 'kms:GrantIsForAWSResource': true },
      });
      expect(st.SourceUseOfTheKeyThroughRds.Action).toEqual(['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:RetireGrant']);
      expect(st.SourceUseOfTheKeyThroughRds.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'rds.eu-west-1.amazonaws.com' } });
    });
  });

  test('cdk-nag AwsSolutions finds nothing unsuppressed, and each suppression is scoped', () => {
    const { stack } = build();
    Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
    const annotations = Annotations.fromStack(stack);
    const findings = [...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')), ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))];
    expect(findings.map((f) => `${f.id}: ${f.entry.data}`)).toEqual([]);
    const resources = Object.values<any>(Template.fromStack(stack).toJSON().Resources);
    const suppressions = resources.flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []).filter((s: any) => s.id === 'AwsSolutions-IAM5');
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) expect(s.applies_to?.length).toBeGreaterThan(0);
  });
});

describe('a source that ships databases of other Regions (databaseRegions)', () => {
  test('its handler takes the Regions from its configuration; the IAM policy copies from the topic\'s Region, where the shipped copies are', () => {
    const dr = `arn:aws:sns:eu-central-1:${LIVE}:rds-failsafe-shipper`;
    const { template } = build({ sources: [{ topicArn: dr, databaseRegions: ['eu-west-1'] }] }, { account: FAILSAFE, region: 'eu-central-1' });
    const fn = Object.values<any>(template.findResources('AWS::Lambda::Function'))[0];
    expect(JSON.stringify(fn.Properties.Environment.Variables.VAULT_CONFIG)).toContain(`{\\"topicArn\\":\\"${dr}\\",\\"databaseRegions\\":[\\"eu-west-1\\"]}`);
    const copy = JSON.stringify(statements(template).CopyShippedSnapshotsAsOwnedCopies.Resource);
    expect(copy).toContain(`:rds:eu-central-1:${LIVE}:snapshot:failsafe-*`);
    expect(copy).not.toContain('eu-west-1');
  });
});

test('a finished vault copy wakes a pass about its database, within the Region (RDS-EVENT-0197) or across Regions (RDS-EVENT-0060)', () => {
  build().template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: { 'source': ['aws.rds'], 'detail-type': ['RDS DB Snapshot Event'], 'detail': { EventID: ['RDS-EVENT-0197', 'RDS-EVENT-0060'], SourceIdentifier: [{ prefix: 'vault-' }] } },
  });
});

describe('copyClustersAcrossRegions', () => {
  const other = `arn:aws:sns:us-east-1:${LIVE}:rds-failsafe-shipper`;
  const clusterCopySources = (on: boolean) => {
    const { template } = build({ sources: [{ topicArn: TOPIC }, { topicArn: other }], ...(on ? { copyClustersAcrossRegions: true } : {}) });
    const fn = Object.values<any>(template.findResources('AWS::Lambda::Function'))[0];
    return {
      copy: JSON.stringify(statements(template).CopyShippedClusterSnapshotsAsOwnedCopies.Resource),
      config: JSON.stringify(fn.Properties.Environment.Variables.VAULT_CONFIG),
    };
  };

  test('on, the role may copy the cluster snapshots of a source in another Region, and the handler is told to', () => {
    const on = clusterCopySources(true);
    expect(on.copy).toContain(`:rds:us-east-1:${LIVE}:cluster-snapshot:failsafe-*`);
    expect(on.config).toContain('copyClustersAcrossRegions\\":true');
  });

  test('off (the default), only those of sources in the vault\'s own Region', () => {
    const off = clusterCopySources(false);
    expect(off.copy).not.toContain('us-east-1');
    expect(off.config).not.toContain('copyClustersAcrossRegions');
  });
});

describe('sources that ship more often than daily', () => {
  const configOf = (template: Template) => {
    const fn = Object.values<any>(template.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.VAULT_CONFIG);
    // The tokens (the vault key's ARN) stand inside JSON strings: an X in their place leaves valid JSON.
    return JSON.parse(fn.Properties.Environment.Variables.VAULT_CONFIG['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : 'X')).join(''));
  };
  const alarmOf = (template: Template, id: RegExp) => Object.entries<any>(template.findResources('AWS::CloudWatch::Alarm')).find(([k]) => id.test(k))![1].Properties;

  test('hourlyCopies is passed to the handler, and brings a minimum age of one day unless one is given', () => {
    expect(configOf(build({ hourlyCopies: 24 }).template)).toMatchObject({ hourlyCopies: 24, minimumAgeMs: 86_400_000 });
    const given = configOf(build({ hourlyCopies: 24, minimumAge: Duration.days(3) }).template);
    expect(given).toMatchObject({ hourlyCopies: 24, minimumAgeMs: 3 * 86_400_000 });
    const daily = configOf(build().template);
    expect(daily.hourlyCopies).toBeUndefined();
    expect(daily.minimumAgeMs).toBeUndefined();
  });

  test('a source\'s recoveryPointInterval sets the maxAge of its recovery-point alarm and its databases-behind limit: the interval plus 2 hours', () => {
    const { template } = build({ sources: [{ topicArn: TOPIC, recoveryPointInterval: Duration.hours(4) }] });
    expect(alarmOf(template, /RecoveryPointAlarm/).Threshold).toBe(6 * 3600);
    expect(configOf(template).sources).toEqual([{ topicArn: TOPIC, behindAfterMs: 6 * 3_600_000 }]);
    // The hourly tier comes with it.
    expect(configOf(template)).toMatchObject({ hourlyCopies: 24, minimumAgeMs: 86_400_000 });
    expect(alarmOf(build().template, /RecoveryPointAlarm/).Threshold).toBe(26 * 3600);
    // A daily topic of the same account and Region beside it: the alarm watches both shippers' databases, by the day;
    // each topic's manifest is judged by its own limit.
    const mixed = build({ sources: [{ topicArn: TOPIC }, { topicArn: `${TOPIC}-4h`, recoveryPointInterval: Duration.hours(4) }] }).template;
    expect(alarmOf(mixed, /RecoveryPointAlarm/).Threshold).toBe(26 * 3600);
    expect(configOf(mixed).sources).toEqual([{ topicArn: TOPIC }, { topicArn: `${TOPIC}-4h`, behindAfterMs: 6 * 3_600_000 }]);
    // A maxAge given wins.
    const given = build({
      sources: [{ topicArn: TOPIC, recoveryPointInterval: Duration.hours(4) }], alarms: { recoveryPoint: { maxAge: Duration.hours(9) } },
    });
    expect(alarmOf(given.template, /RecoveryPointAlarm/).Threshold).toBe(9 * 3600);
  });

  test.each<[string, Partial<RdsSnapshotVaultProps>, RegExp]>([
    ['an hourly tier over 1,000', { hourlyCopies: 1001 }, /hourlyCopies must be a whole number from 0 to 1000/],
    ['a source interval of part hours', { sources: [{ topicArn: TOPIC, recoveryPointInterval: Duration.minutes(90) }] }, /recoveryPointInterval must be whole hours from 1 to 24/],
  ])('rejects %s', (_name, props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});

describe('RdsSnapshotVault props validation', () => {
  test.each<[string, Partial<RdsSnapshotVaultProps>, RegExp]>([
    ['no sources', { sources: [] }, /RdsSnapshotVault: sources must name at least one shipper topic/],
    ['a topic ARN that is not an SNS ARN', { sources: [{ topicArn: 'arn:aws:sqs:eu-west-1:111111111111:queue' }] }, /sources\[0\].topicArn must be an SNS topic ARN \(.*\), got "arn:aws:sqs/],
    ['a topic name instead of an ARN', { sources: [{ topicArn: 'rds-failsafe-shipper' }] }, /sources\[0\].topicArn must be an SNS topic ARN/],
    ['a topic listed twice', { sources: [{ topicArn: TOPIC }, { topicArn: TOPIC }] }, /sources\[1\].topicArn .* is listed twice/],
    ['a topic in the vault\'s own account', { sources: [{ topicArn: `arn:aws:sns:eu-west-1:${FAILSAFE}:t` }] }, /is in this stack's own account \(222222222222\)/],
    ['a retention below one day', { retention: Duration.hours(12) }, /RdsSnapshotVault: retention must be at least one day, got 12 hours/],
    ['minimumCopies below 1', { minimumCopies: 0 }, /RdsSnapshotVault: minimumCopies must be a whole number from 1 to 1000, got 0/],
    ['a fractional minimumCopies', { minimumCopies: 2.5 }, /minimumCopies must be a whole number/],
    ['maxCopiesInFlight above 20', { maxCopiesInFlight: 50 }, /maxCopiesInFlight must be a whole number from 1 to 20, got 50/],
    ['maxClusterCopiesInFlight above 5', { maxClusterCopiesInFlight: 10 }, /RdsSnapshotVault: maxClusterCopiesInFlight must be a whole number from 1 to 5, got 10/],
    ['a timeout under a minute', { timeout: Duration.seconds(30) }, /RdsSnapshotVault: timeout must be from 1 minute to 15 minutes, got 30 seconds/],
    ['no database Regions', { sources: [{ topicArn: TOPIC, databaseRegions: [] }] }, /sources\[0\].databaseRegions must name at least one Region, or be left out/],
    ['a database Region that is not a Region', { sources: [{ topicArn: TOPIC, databaseRegions: ['Ireland'] }] }, /sources\[0\].databaseRegions must be a literal Region name such as eu-west-1, got "Ireland"/],
  ])('rejects %s', (_name, props, message) => {
    expect(() => build(props)).toThrow(message);
  });

  test('an environment-agnostic stack is accepted', () => {
    expect(() => build({}, undefined)).not.toThrow();
  });
});

describe('a vault key from outside the stack', () => {
  const outside = () => {
    const app = new App();
    const keys = new Stack(app, 'Keys', { env: { account: FAILSAFE, region: 'eu-west-1' } });
    const key = new kms.Key(keys, 'Shared');
    const stack = new Stack(app, 'Failsafe', { env: { account: FAILSAFE, region: 'eu-west-1' } });
    const vault = new RdsSnapshotVault(stack, 'Vault', { sources: [{ topicArn: TOPIC }], vaultKey: kms.Key.fromKeyArn(stack, 'Key', key.keyArn) });
    return { stack, vault };
  };

  test('warns at synth, with the key-policy statements to add, and returns them', () => {
    const { stack, vault } = outside();
    const recovery = new iam.Role(stack, 'Recovery', { assumedBy: new iam.AccountRootPrincipal() });
    vault.grantRestore(recovery);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('vaultKey .* is not in this stack'));
    const texts = warnings.map((w) => String(w.entry.data));
    expect(texts).toEqual([expect.stringContaining('RDS cannot encrypt the vault\'s copies'), expect.stringContaining('RDS cannot restore from them')]);
    // CDK ends the message with the warning's id to acknowledge it by.
    const statementsOf = (t: string) => JSON.parse(t.slice(t.indexOf('['), t.lastIndexOf(' [ack:')));
    expect(statementsOf(texts[0]).map((st: any) => [st.Sid, st.Principal.AWS])).toEqual([
      ['VaultDescribe', '<the ARN of Failsafe/Vault/Role>'], ['VaultGrantsToRds', '<the ARN of Failsafe/Vault/Role>'],
    ]);
    expect(statementsOf(texts[1]).map((st: any) => [st.Sid, st.Principal.AWS, st.Condition])).toEqual([
      ['Restore0DescribeThroughRds', '<the ARN of Failsafe/Recovery>', { StringEquals: { 'kms:ViaService': 'rds.eu-west-1.amazonaws.com' } }],
      ['Restore0GrantsToRds', '<the ARN of Failsafe/Recovery>', { StringEquals: { 'kms:ViaService': 'rds.eu-west-1.amazonaws.com' }, Bool: { 'kms:GrantIsForAWSResource': true } }],
    ]);
    // Text to paste into a key policy: no CloudFormation of this stack in it.
    for (const t of texts) {
      expect(t).not.toMatch(/Fn::|"Ref"|\$\{Token/);
      expect(t).toContain('"kms:ViaService":"rds.eu-west-1.amazonaws.com"');
    }
    expect(vault.vaultKeyPolicyStatements().map((s) => s.sid)).toEqual(['VaultDescribe', 'VaultGrantsToRds', 'Restore0DescribeThroughRds', 'Restore0GrantsToRds']);
  });

  test('the roles get the use through RDS in an IAM policy, for a key policy that trusts IAM', () => {
    const { stack } = outside();
    const st = Object.fromEntries(Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s: any) => s.Sid).map((s: any) => [s.Sid, s]));
    expect(st.GrantKeysToRds.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'rds.eu-west-1.amazonaws.com' }, Bool: { 'kms:GrantIsForAWSResource': true } });
  });

  test('a vault key the construct creates needs nothing: no warning, no statements', () => {
    const stack = new Stack(new App(), 'Failsafe', { env: { account: FAILSAFE, region: 'eu-west-1' } });
    const vault = new RdsSnapshotVault(stack, 'Vault', { sources: [{ topicArn: TOPIC }] });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('vaultKey'))).toEqual([]);
    expect(vault.vaultKeyPolicyStatements()).toEqual([]);
  });
});
