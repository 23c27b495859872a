/**
 * The alarms and dashboards both constructs create: each alarm's metric,
 * threshold and missing-data treatment, and each prop that turns an alarm off
 * or tunes it.
 */
import { App, Duration, Stack, aws_events as events, aws_rds as rds, aws_sns as sns } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RdsSnapshotShipper, RdsSnapshotShipperProps, RdsSnapshotVault, RdsSnapshotVaultProps } from '../../src';
import { METRICS_NAMESPACE } from '../../src/runtime/metric-names';

const LIVE = '111111111111';
const FAILSAFE = '222222222222';
const OTHER = '333333333333';
const TOPIC = `arn:aws:sns:eu-west-1:${LIVE}:rds-failsafe-shipper`;
const HOUR = 3600;

function shipper(props: Partial<RdsSnapshotShipperProps> = {}) {
  const stack = new Stack(new App(), 'Live', { env: { account: LIVE, region: 'eu-west-1' } });
  const db = rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Db', { instanceIdentifier: 'orders', instanceEndpointAddress: 'x', port: 5432, securityGroups: [] });
  const construct = new RdsSnapshotShipper(stack, 'Shipper', { vaultAccount: FAILSAFE, instances: [db], ...props });
  return { stack, construct, template: Template.fromStack(stack) };
}

function vault(props: Partial<RdsSnapshotVaultProps> = {}) {
  const stack = new Stack(new App(), 'Failsafe', { env: { account: FAILSAFE, region: 'eu-west-1' } });
  const construct = new RdsSnapshotVault(stack, 'Vault', { sources: [{ topicArn: TOPIC }], ...props });
  return { stack, construct, template: Template.fromStack(stack) };
}

/** The alarm whose metric has this name (and, if given, these extra dimensions). */
function alarmOn(template: Template, metricName: string): any[] {
  return Object.values<any>(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties).filter((p) => p.MetricName === metricName);
}

function dimensionsOf(alarm: any): Record<string, unknown> {
  return Object.fromEntries(alarm.Dimensions.map((d: any) => [d.Name, d.Value]));
}

describe('shipper alarms', () => {
  test('nothing announced for 26 hours: Sum of Announcements (0 on every pass) below 1 in every hour; missing data is missing, so a new alarm does not fire before the first pass', () => {
    const { template, construct } = shipper();
    const [alarm] = alarmOn(template, 'Announcements');
    expect(alarm).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Statistic: 'Sum',
      Period: HOUR,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 26,
      DatapointsToAlarm: 26,
      TreatMissingData: 'missing',
    });
    expect(dimensionsOf(alarm)).toEqual({ service: construct.ownerId });
  });

  test('failures: Sum of Failures of 1 or more in an hour, missing data not breaching', () => {
    const { template, construct } = shipper();
    const [alarm] = alarmOn(template, 'Failures');
    expect(alarm).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Statistic: 'Sum',
      Period: HOUR,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(dimensionsOf(alarm)).toEqual({ service: construct.ownerId });
  });

  test('handler errors: the function\'s Errors of 1 or more in an hour', () => {
    const [alarm] = alarmOn(shipper().template, 'Errors');
    expect(alarm).toMatchObject({
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Period: HOUR,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarm.Dimensions).toHaveLength(1);
    expect(alarm.Dimensions[0].Name).toBe('FunctionName');
    expect(alarm.Dimensions[0].Value.Ref).toMatch(/^ShipperFunction[A-F0-9]{8}$/);
  });

  test('databases behind: Maximum of DatabasesBehind of 1 or more in 2 hours running, missing data missing; maxAge reaches the handler', () => {
    const { template, construct } = shipper();
    expect(alarmOn(template, 'DatabasesBehind')).toEqual([expect.objectContaining({
      Namespace: METRICS_NAMESPACE,
      Statistic: 'Maximum',
      Period: HOUR,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'missing',
      Dimensions: [{ Name: 'service', Value: construct.ownerId }],
    })]);
    const configOf = (t: Template) => JSON.stringify(Object.values<any>(t.findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables.SHIPPER_CONFIG);
    expect(configOf(template)).toContain(`\\"behindAfterMs\\":${26 * HOUR * 1000}`);
    expect(configOf(shipper({ alarms: { databasesBehind: { maxAge: Duration.hours(30) } } }).template)).toContain(`\\"behindAfterMs\\":${30 * HOUR * 1000}`);
    expect(construct.metricDatabasesBehind().metricName).toBe('DatabasesBehind');
  });

  test('dead letters: any message visible in the dead-letter queue', () => {
    const [alarm] = alarmOn(shipper().template, 'ApproximateNumberOfMessagesVisible');
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(alarm.Dimensions).toHaveLength(1);
    expect(alarm.Dimensions[0].Name).toBe('QueueName');
    expect(alarm.Dimensions[0].Value['Fn::GetAtt']).toEqual([expect.stringMatching(/^ShipperDeadLetterQueue[A-F0-9]{8}$/), 'QueueName']);
  });

  test('every alarm is a public property and in `alarms`; none notifies anyone without an alarm topic', () => {
    const { template, construct } = shipper();
    expect(construct.alarms).toEqual([
      construct.announcementAlarm, construct.databasesBehindAlarm, construct.failureAlarm,
      construct.handlerErrorAlarm, construct.deadLetterQueueAlarm,
    ]);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    for (const a of Object.values<any>(template.findResources('AWS::CloudWatch::Alarm'))) expect(a.Properties.AlarmActions).toBeUndefined();
  });

  test('with an alarm topic, every alarm notifies it when it fires and when it clears', () => {
    const stack = new Stack(new App(), 'Live', { env: { account: LIVE, region: 'eu-west-1' } });
    const alarmTopic = sns.Topic.fromTopicArn(stack, 'Pager', `arn:aws:sns:eu-west-1:${LIVE}:pager`);
    const db = rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Db', { instanceIdentifier: 'orders', instanceEndpointAddress: 'x', port: 5432, securityGroups: [] });
    new RdsSnapshotShipper(stack, 'Shipper', { vaultAccount: FAILSAFE, instances: [db], alarmTopic });
    const alarms = Object.values<any>(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(5);
    for (const a of alarms) {
      expect(a.Properties.AlarmActions).toEqual([`arn:aws:sns:eu-west-1:${LIVE}:pager`]);
      expect(a.Properties.OKActions).toEqual([`arn:aws:sns:eu-west-1:${LIVE}:pager`]);
    }
    // The alarms over what every pass reports treat missing data as missing: a shipper that stops reporting sends them to
    // INSUFFICIENT_DATA, which notifies the topic too. The counts (no data is no failure) never go there.
    const silent = alarms.filter((a) => a.Properties.TreatMissingData === 'missing').map((a) => a.Properties.MetricName).sort();
    expect(silent).toEqual(['Announcements', 'DatabasesBehind']);
    for (const a of alarms) {
      expect(a.Properties.InsufficientDataActions).toEqual(silent.includes(a.Properties.MetricName) ? [`arn:aws:sns:eu-west-1:${LIVE}:pager`] : undefined);
    }
  });

  test('each alarm can be turned off', () => {
    const { template, construct } = shipper({
      alarms: {
        announcements: { enabled: false },
        databasesBehind: { enabled: false },
        failures: { enabled: false },
        handlerErrors: { enabled: false },
        deadLetterQueue: { enabled: false },
      },
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(construct.alarms).toEqual([]);
    expect(construct.announcementAlarm).toBeUndefined();
    expect(construct.databasesBehindAlarm).toBeUndefined();
  });

  test('each alarm can be tuned', () => {
    const { template } = shipper({
      alarms: {
        announcements: { maxAge: Duration.hours(50) },
        failures: { period: Duration.minutes(15), threshold: 3 },
        handlerErrors: { period: Duration.hours(6), threshold: 2 },
      },
    });
    expect(alarmOn(template, 'Announcements')[0]).toMatchObject({ EvaluationPeriods: 50, DatapointsToAlarm: 50, Period: HOUR });
    expect(alarmOn(template, 'Failures')[0]).toMatchObject({ Period: 900, Threshold: 3 });
    expect(alarmOn(template, 'Errors')[0]).toMatchObject({ Period: 6 * HOUR, Threshold: 2 });
  });

  test.each([
    ['a maxAge in minutes', { announcements: { maxAge: Duration.minutes(90) } }, /alarms.announcements.maxAge must be whole hours from 2 hours to 7 days, got 1 hour 30 minutes/],
    ['a maxAge over 7 days', { announcements: { maxAge: Duration.days(8) } }, /alarms.announcements.maxAge must be whole hours from 2 hours to 7 days/],
    ['a period in seconds', { failures: { period: Duration.seconds(90) } }, /alarms.failures.period must be whole minutes from 1 minute to 1 day/],
    ['a zero threshold', { handlerErrors: { threshold: 0 } }, /alarms.handlerErrors.threshold must be a whole number from 1/],
  ])('rejects %s', (_name, alarms, message) => {
    expect(() => shipper({ alarms })).toThrow(message);
  });

  test('the dashboard is made only on request, with the age per database and the alarms', () => {
    expect(shipper().construct.dashboard).toBeUndefined();
    const { template, construct } = shipper({ dashboard: true, dashboardName: 'rds-failsafe-live' });
    expect(construct.dashboard).toBeDefined();
    const body = JSON.stringify(Object.values<any>(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties);
    expect(body).toContain('rds-failsafe-live');
    expect(body).toMatch(/"DatabasesBehind[^a-z]{1,12}service[^a-z]{1,12}shipper-/);
    expect(body).toContain(`MetricName=\\\\\\"ShippedCopyAge\\\\\\" service=\\\\\\"${construct.ownerId}\\\\\\"`);
    // The snapshots a shipper takes itself, with a recovery point interval below a day, beside its copies.
    expect(body).toMatch(/"SnapshotsTaken[^a-z]{1,12}service[^a-z]{1,12}shipper-/);
    // The alarm status widget lists every alarm, by ARN.
    const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarmIds).toHaveLength(5);
    for (const id of alarmIds) expect(body).toContain(`{"Fn::GetAtt":["${id}","Arn"]}`);
  });
});

describe('vault alarms', () => {
  test('recovery point: Maximum OldestRecoveryPointAge over 26 hours in 2 hours running, per source; missing data is missing', () => {
    const { template, construct } = vault();
    const alarms = alarmOn(template, 'OldestRecoveryPointAge');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Statistic: 'Maximum',
      Period: HOUR,
      Threshold: 26 * HOUR,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'missing',
    });
    expect(dimensionsOf(alarms[0])).toEqual({ service: construct.ownerId, SourceAccount: LIVE, SourceRegion: 'eu-west-1' });
    expect(construct.recoveryPointAlarms).toHaveLength(1);
  });

  test('one recovery-point alarm per source, so a silent source breaches on its own', () => {
    const second = `arn:aws:sns:us-east-1:${OTHER}:rds-failsafe-shipper`;
    const { template, construct } = vault({ sources: [{ topicArn: TOPIC }, { topicArn: second }], dashboard: true });
    const alarms = alarmOn(template, 'OldestRecoveryPointAge').map(dimensionsOf);
    expect(alarms).toEqual(expect.arrayContaining([
      { service: construct.ownerId, SourceAccount: LIVE, SourceRegion: 'eu-west-1' },
      { service: construct.ownerId, SourceAccount: OTHER, SourceRegion: 'us-east-1' },
    ]));
    expect(construct.recoveryPointAlarms).toHaveLength(2);
  });

  test('two topics in one account and region are one source: one alarm, and no clash', () => {
    const second = `arn:aws:sns:eu-west-1:${LIVE}:rds-failsafe-shipper-reporting`;
    const { template, construct } = vault({ sources: [{ topicArn: TOPIC }, { topicArn: second }], dashboard: true });
    expect(alarmOn(template, 'OldestRecoveryPointAge').map(dimensionsOf)).toEqual([{ service: construct.ownerId, SourceAccount: LIVE, SourceRegion: 'eu-west-1' }]);
  });

  test('a source that ships databases of other Regions into its topic\'s has the alarms of each database Region, and none of its own unless it declares it', () => {
    const dr = `arn:aws:sns:eu-central-1:${LIVE}:rds-failsafe-shipper`;
    const { template, construct } = vault({ sources: [{ topicArn: dr, databaseRegions: ['eu-west-1', 'us-east-1'] }], dashboard: true });
    for (const metric of ['OldestRecoveryPointAge', 'DatabasesBehind', 'ManifestsReceived']) {
      expect(alarmOn(template, metric).map(dimensionsOf)).toEqual([
        { service: construct.ownerId, SourceAccount: LIVE, SourceRegion: 'eu-west-1' },
        { service: construct.ownerId, SourceAccount: LIVE, SourceRegion: 'us-east-1' },
      ]);
    }
    expect(construct.recoveryPointAlarms).toHaveLength(2);
  });

  test('a slower sweep widens the silence the recovery-point alarm tolerates', () => {
    const alarm = (schedule: events.Schedule) => alarmOn(vault({ schedule }).template, 'OldestRecoveryPointAge')[0];
    expect(alarm(events.Schedule.rate(Duration.hours(6)))).toMatchObject({ EvaluationPeriods: 7, DatapointsToAlarm: 7 });
    expect(alarm(events.Schedule.rate(Duration.minutes(15))).EvaluationPeriods).toBe(2);
    expect(alarm(events.Schedule.cron({ minute: '0' })).EvaluationPeriods).toBe(2); // hourly
    expect(alarm(events.Schedule.cron({ minute: '0', hour: '*/6' })).EvaluationPeriods).toBe(7);
    expect(alarm(events.Schedule.cron({ minute: '0', hour: '3' })).EvaluationPeriods).toBe(25); // daily
  });

  test('a sweep every 167 hours or more often is accepted: the alarm then waits 168 hours, CloudWatch\'s most', () => {
    const alarm = (schedule: events.Schedule) => alarmOn(vault({ schedule }).template, 'OldestRecoveryPointAge')[0];
    expect(alarm(events.Schedule.rate(Duration.hours(167)))).toMatchObject({ EvaluationPeriods: 168, DatapointsToAlarm: 168, Period: HOUR });
    expect(alarm(events.Schedule.rate(Duration.minutes(167 * 60))).EvaluationPeriods).toBe(168);
  });

  test('a sweep less often than every 167 hours, a weekly one included, is rejected while the recovery-point alarm is on', () => {
    const refused = /RdsSnapshotVault: schedule must sweep at least every 167 hours .* so a weekly sweep is refused too/;
    expect(() => vault({ schedule: events.Schedule.rate(Duration.minutes(167 * 60 + 1)) })).toThrow(refused);
    expect(() => vault({ schedule: events.Schedule.rate(Duration.hours(168)) })).toThrow(refused);
    expect(() => vault({ schedule: events.Schedule.rate(Duration.days(7)) })).toThrow(refused);
    expect(() => vault({ schedule: events.Schedule.rate(Duration.days(8)) })).toThrow(refused);
    expect(() => vault({ schedule: events.Schedule.rate(Duration.days(8)), alarms: { recoveryPoint: { enabled: false } } })).not.toThrow();
  });

  test('a database that stops being shipped alarms for at least a week past maxAge before it counts as retired', () => {
    const retireAfter = (props: Partial<RdsSnapshotVaultProps>) => {
      const fn = Object.values<any>(vault(props).template.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.VAULT_CONFIG);
      const text = JSON.stringify(fn.Properties.Environment.Variables.VAULT_CONFIG);
      return Number(/retireAfterMs\\":(\d+)/.exec(text)![1]);
    };
    expect(retireAfter({})).toBe(31 * 86_400_000); // the retention, when it is the longer
    expect(retireAfter({ retention: Duration.days(1) })).toBe((26 + 7 * 24) * 3_600_000);
    expect(retireAfter({ retention: Duration.days(2), alarms: { recoveryPoint: { maxAge: Duration.hours(48) } } })).toBe((48 + 7 * 24) * 3_600_000);
  });

  test('failures and rejected messages: Sum of 1 or more in an hour, missing data not breaching', () => {
    const { template, construct } = vault();
    for (const name of ['Failures', 'MessagesRejected']) {
      const [alarm] = alarmOn(template, name);
      expect(alarm).toMatchObject({ Statistic: 'Sum', Period: HOUR, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
      expect(dimensionsOf(alarm)).toEqual({ service: construct.ownerId });
    }
  });

  test('every alarm is a public property and in `alarms`', () => {
    const { template, construct } = vault();
    expect(construct.alarms).toEqual([
      ...construct.recoveryPointAlarms, ...construct.databasesBehindAlarms, ...construct.manifestAlarms,
      construct.failureAlarm, construct.rejectedMessagesAlarm, construct.refusedSnapshotsAlarm, construct.lineageChangedAlarm,
      construct.sourceBudgetAlarm, construct.quotaUseAlarm, construct.handlerErrorAlarm, construct.deadLetterQueueAlarm,
    ]);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 11);
  });

  test('with an alarm topic, the recovery-point and manifest alarms notify it when the vault stops reporting (INSUFFICIENT_DATA), and no other does', () => {
    const stack = new Stack(new App(), 'Failsafe', { env: { account: FAILSAFE, region: 'eu-west-1' } });
    const alarmTopic = sns.Topic.fromTopicArn(stack, 'Pager', `arn:aws:sns:eu-west-1:${FAILSAFE}:pager`);
    new RdsSnapshotVault(stack, 'Vault', { sources: [{ topicArn: TOPIC }], alarmTopic });
    const alarms = Object.values<any>(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const notified = alarms.filter((a) => a.InsufficientDataActions !== undefined);
    expect(notified.map((a) => a.MetricName).sort()).toEqual(['ManifestsReceived', 'OldestRecoveryPointAge']);
    for (const a of notified) {
      expect(a.InsufficientDataActions).toEqual([`arn:aws:sns:eu-west-1:${FAILSAFE}:pager`]);
      expect(a.TreatMissingData).toBe('missing');
    }
    // None of the others waits for data: they never go to INSUFFICIENT_DATA once reported, or take no data as no failure.
    expect(alarms.filter((a) => a.InsufficientDataActions === undefined).map((a) => a.TreatMissingData).sort())
      .toEqual(['ignore', ...Array(8).fill('notBreaching')]);
  });

  test('a source that misbehaves alarms: refused snapshots, a changed lineage, a source over budget, each 1 or more in an hour', () => {
    const { template } = vault();
    for (const metric of ['SnapshotsRefused', 'LineageChanges', 'SourceBudgetRefusals']) {
      expect(alarmOn(template, metric)).toEqual([expect.objectContaining({
        Statistic: 'Sum', Period: HOUR, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching',
      })]);
    }
  });

  test('quota use: warns at 80 percent of a manual snapshot quota, before it is reached; the threshold can be tuned', () => {
    expect(alarmOn(vault().template, 'ManualSnapshotQuotaUse')).toEqual([expect.objectContaining({
      Statistic: 'Maximum', Period: HOUR, Threshold: 80, ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    })]);
    expect(alarmOn(vault({ alarms: { quotaUse: { threshold: 60 } } }).template, 'ManualSnapshotQuotaUse')[0]).toMatchObject({ Threshold: 60 });
  });

  test('databases behind, per source: the last manifest\'s verdict, kept until the next; 26 hours of ManifestsReceived 0 (reported on every pass) breach', () => {
    const { template, construct } = vault();
    expect(alarmOn(template, 'DatabasesBehind')).toEqual([expect.objectContaining({
      Statistic: 'Maximum', Period: HOUR, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, TreatMissingData: 'ignore',
    })]);
    expect(dimensionsOf(alarmOn(template, 'DatabasesBehind')[0])).toEqual({ service: construct.ownerId, SourceAccount: LIVE, SourceRegion: 'eu-west-1' });
    expect(alarmOn(template, 'ManifestsReceived')).toEqual([expect.objectContaining({
      Statistic: 'Sum', Period: HOUR, Threshold: 1, ComparisonOperator: 'LessThanThreshold', EvaluationPeriods: 26, DatapointsToAlarm: 26, TreatMissingData: 'missing',
    })]);
    const configOf = (t: Template) => JSON.stringify(Object.values<any>(t.findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables.VAULT_CONFIG);
    expect(configOf(template)).toContain(`\\"behindAfterMs\\":${26 * HOUR * 1000}`);
    expect(configOf(vault({ alarms: { databasesBehind: { maxAge: Duration.hours(50) } } }).template)).toContain(`\\"behindAfterMs\\":${50 * HOUR * 1000}`);
    expect(construct.metricDatabasesBehind(LIVE, 'eu-west-1').metricName).toBe('DatabasesBehind');
  });

  test('each alarm can be turned off, and tuned', () => {
    const off = vault({
      alarms: {
        recoveryPoint: { enabled: false },
        databasesBehind: { enabled: false },
        manifest: { enabled: false },
        failures: { enabled: false },
        rejectedMessages: { enabled: false },
        refusedSnapshots: { enabled: false },
        lineageChanged: { enabled: false },
        sourceBudget: { enabled: false },
        quotaUse: { enabled: false },
        handlerErrors: { enabled: false },
        deadLetterQueue: { enabled: false },
      },
    });
    off.template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(off.construct.recoveryPointAlarms).toEqual([]);

    const tuned = vault({ alarms: { recoveryPoint: { maxAge: Duration.hours(30) }, rejectedMessages: { threshold: 5, period: Duration.days(1) } } });
    expect(alarmOn(tuned.template, 'OldestRecoveryPointAge')[0]).toMatchObject({ Threshold: 30 * HOUR });
    expect(alarmOn(tuned.template, 'MessagesRejected')[0]).toMatchObject({ Threshold: 5, Period: 86_400 });
  });

  test('rejects a bad recovery-point maxAge, naming the prop', () => {
    expect(() => vault({ alarms: { recoveryPoint: { maxAge: Duration.minutes(30) } } })).toThrow(/RdsSnapshotVault: alarms.recoveryPoint.maxAge must be whole hours/);
  });

  test('metric helpers name the same metrics the handler publishes', () => {
    const { construct } = vault();
    const m = construct.metricRecoveryPointAge(LIVE, 'eu-west-1', 'Orders');
    expect(m.namespace).toBe(METRICS_NAMESPACE);
    expect(m.metricName).toBe('RecoveryPointAge');
    expect(m.dimensions).toEqual({ service: construct.ownerId, SourceAccount: LIVE, SourceRegion: 'eu-west-1', SourceDatabase: 'orders' });
  });

  test('the dashboard is made only on request, with the recovery point per source database and the threshold', () => {
    expect(vault().construct.dashboard).toBeUndefined();
    const { template, construct } = vault({ dashboard: true });
    const body = JSON.stringify(Object.values<any>(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties);
    expect(body).toContain(`MetricName=\\\\\\"RecoveryPointAge\\\\\\" service=\\\\\\"${construct.ownerId}\\\\\\"`);
    expect(body).toContain('\\"value\\":26');
  });
});
