/**
 * Every `@default` of the vault's props, asserted one by one, with the
 * jsdoc's words in the test name: a default that drifts fails here, not only
 * in the template snapshot. Where the construct leaves a value out of the
 * handler's configuration, the handler's own default is asserted.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RdsSnapshotVault, RdsSnapshotVaultProps } from '../../src';
import { budgetOf } from '../../src/runtime/budget';
import { handlerConfig, handlerFunction } from '../helpers/handler-config';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TOPIC = 'arn:aws:sns:eu-west-1:111111111111:rds-failsafe-shipper';

function build(props: Partial<RdsSnapshotVaultProps> = {}) {
  const stack = new Stack(new App(), 'Failsafe', { env: { account: '222222222222', region: 'eu-west-1' } });
  const vault = new RdsSnapshotVault(stack, 'Vault', { sources: [{ topicArn: TOPIC }], ...props });
  const template = Template.fromStack(stack);
  return { vault, template, config: handlerConfig(template, 'VAULT_CONFIG'), fn: handlerFunction(template, 'VAULT_CONFIG') };
}

const defaults = build();
const subDaily = build({ sources: [{ topicArn: TOPIC, recoveryPointInterval: Duration.hours(4) }] });

test('retention: @default Duration.days(31)', () => {
  expect(defaults.config.retentionMs).toBe(31 * DAY);
});

test('minimumAge: @default the retention (left to the handler, which falls back to retentionMs)', () => {
  expect(defaults.config.minimumAgeMs).toBeUndefined();
});

test('minimumAge: @default one day with an hourly tier', () => {
  expect(subDaily.config.minimumAgeMs).toBe(DAY);
  expect(build({ hourlyCopies: 12 }).config.minimumAgeMs).toBe(DAY);
});

test('minimumCopies: @default 3', () => {
  expect(defaults.config.minimumCopies).toBe(3);
});

test('hourlyCopies: @default 0, no hourly tier; 24 when a source declares a recoveryPointInterval below 24 hours', () => {
  expect(defaults.config.hourlyCopies).toBeUndefined();
  expect(subDaily.config.hourlyCopies).toBe(24);
  expect(build({ sources: [{ topicArn: TOPIC, recoveryPointInterval: Duration.hours(24) }] }).config.hourlyCopies).toBeUndefined();
});

test('weeklyCopies: @default 0; monthlyCopies: @default 0', () => {
  expect(defaults.config.weeklyCopies).toBeUndefined();
  expect(defaults.config.monthlyCopies).toBeUndefined();
});

test('a source\'s recoveryPointInterval: @default Duration.hours(24), so its databases are behind after 26 hours', () => {
  expect(defaults.config.behindAfterMs).toBe(26 * HOUR);
  expect(defaults.config.sources).toEqual([{ topicArn: TOPIC }]);
});

test('a source\'s databaseRegions: @default the topic\'s own Region', () => {
  expect(defaults.config.sources[0].databaseRegions).toBeUndefined();
});

test('copyClustersAcrossRegions: @default false', () => {
  expect(defaults.config.copyClustersAcrossRegions).toBeUndefined();
  expect(build({ copyClustersAcrossRegions: true }).config.copyClustersAcrossRegions).toBe(true);
});

test('maxSnapshotsPerSource, maxLineagesPerSource: @default an equal share of the quota, read at run time', () => {
  expect(defaults.config.maxSnapshotsPerSource).toBeUndefined();
  expect(defaults.config.maxLineagesPerSource).toBeUndefined();
});

test('announcementConcurrency: @default 2 batches of 10', () => {
  const [mapping] = Object.values<any>(defaults.template.findResources('AWS::Lambda::EventSourceMapping'));
  expect(mapping.Properties).toMatchObject({ BatchSize: 10, ScalingConfig: { MaximumConcurrency: 2 } });
});

test('schedule: @default events.Schedule.rate(Duration.minutes(15))', () => {
  const rules = Object.values<any>(defaults.template.findResources('AWS::Events::Rule')).filter((r) => r.Properties.ScheduleExpression);
  expect(rules.map((r) => r.Properties.ScheduleExpression)).toEqual(['rate(15 minutes)']);
});

test('maxCopiesInFlight: @default 20; maxClusterCopiesInFlight: @default 5', () => {
  expect(defaults.config.maxCopiesInFlight).toBe(20);
  expect(defaults.config.maxClusterCopiesInFlight).toBeUndefined();
  expect(budgetOf('cluster', defaults.config as any, undefined, 0, 0).maxInFlight).toBe(5);
});

test('manualSnapshotQuota: @default the real quota, less manualSnapshotHeadroom (@default 10)', () => {
  expect(defaults.config.manualSnapshotQuota).toBeUndefined();
  expect(defaults.config.manualSnapshotHeadroom).toBeUndefined();
  expect(budgetOf('instance', defaults.config as any, { used: 0, max: 1000 }, 0, 0).maxManual).toBe(990);
});

test('timeout: @default Duration.minutes(10); memorySize: @default 1024; logRetention: @default ONE_YEAR', () => {
  expect(defaults.fn.Properties.Timeout).toBe(600);
  expect(defaults.fn.Properties.MemorySize).toBe(1024);
  expect(Object.values<any>(defaults.template.findResources('AWS::Logs::LogGroup')).map((g) => g.Properties.RetentionInDays)).toEqual([365]);
});

test('vaultKey: @default a new key, with rotation on, retained when the stack is deleted', () => {
  const [key] = Object.values<any>(defaults.template.findResources('AWS::KMS::Key'));
  expect(key).toMatchObject({ DeletionPolicy: 'Retain', Properties: { EnableKeyRotation: true } });
});

test('breakGlassRoleArns: @default no output; dashboard: @default false', () => {
  expect(Object.keys(defaults.template.findOutputs('*'))).toEqual([]);
  expect(defaults.template.findResources('AWS::CloudWatch::Dashboard')).toEqual({});
});
