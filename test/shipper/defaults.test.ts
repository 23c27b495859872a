/**
 * Every `@default` of the shipper's props (and of SnapshotHandlerCapacityProps),
 * asserted one by one, with the jsdoc's words in the test name: a default that
 * drifts fails here, not only in the template snapshot. Where the construct
 * leaves a value out of the handler's configuration, the handler's own default
 * (budget.ts) is asserted.
 */
import { App, Duration, Stack, aws_rds as rds } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RdsSnapshotShipper, RdsSnapshotShipperProps } from '../../src';
import { budgetOf } from '../../src/runtime/budget';
import { handlerConfig, handlerFunction } from '../helpers/handler-config';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function build(props: Partial<RdsSnapshotShipperProps> = {}) {
  const stack = new Stack(new App(), 'Live', { env: { account: '111111111111', region: 'eu-west-1' } });
  const db = rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Db', { instanceIdentifier: 'orders', instanceEndpointAddress: 'x', port: 5432, securityGroups: [] });
  const shipper = new RdsSnapshotShipper(stack, 'Shipper', { vaultAccount: '222222222222', instances: [db], ...props });
  const template = Template.fromStack(stack);
  return { shipper, template, config: handlerConfig(template, 'SHIPPER_CONFIG'), fn: handlerFunction(template, 'SHIPPER_CONFIG') };
}

const defaults = build();

test('retention: @default Duration.days(2)', () => {
  expect(defaults.config.retentionMs).toBe(2 * DAY);
});

test('retention: @default Duration.days(1) with a recoveryPointInterval below a day', () => {
  expect(build({ recoveryPointInterval: Duration.hours(4) }).config.retentionMs).toBe(DAY);
  expect(build({ recoveryPointInterval: Duration.hours(24) }).config.retentionMs).toBe(2 * DAY);
});

test('recoveryPointInterval: @default Duration.hours(24), the daily automated snapshots only; recoveryPointOffset: @default Duration.minutes(0)', () => {
  expect(defaults.config.recoveryPoints).toBeUndefined();
  expect(build({ recoveryPointInterval: Duration.hours(4) }).config.recoveryPoints).toEqual({ intervalMs: 4 * HOUR });
});

test('schedule: @default events.Schedule.rate(Duration.minutes(15))', () => {
  const rules = Object.values<any>(defaults.template.findResources('AWS::Events::Rule')).filter((r) => r.Properties.ScheduleExpression);
  expect(rules.map((r) => r.Properties.ScheduleExpression)).toEqual(['rate(15 minutes)']);
});

test('topicName: @default \'rds-failsafe-shipper\'; topic: a new topic, encrypted with a new key', () => {
  defaults.template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'rds-failsafe-shipper' });
  expect(defaults.shipper.topicKey).toBeDefined();
});

test('sourceRegion: @default this stack\'s Region', () => {
  expect(defaults.config.sourceRegion).toBeUndefined();
  expect(defaults.shipper.databaseRegion).toBe('eu-west-1');
});

test('shareableKeys: @default none; sourceKeys: @default no source keys', () => {
  expect(defaults.config.shareableKeyArns).toBeUndefined();
});

test('maxCopiesInFlight: @default 20', () => {
  expect(defaults.config.maxCopiesInFlight).toBe(20);
  expect(budgetOf('instance', { maxCopiesInFlight: defaults.config.maxCopiesInFlight }, undefined, 0, 0).maxInFlight).toBe(20);
});

test('maxClusterCopiesInFlight: @default 5 (left to the handler, whose budget holds 5)', () => {
  expect(defaults.config.maxClusterCopiesInFlight).toBeUndefined();
  expect(budgetOf('cluster', defaults.config as any, undefined, 0, 0).maxInFlight).toBe(5);
});

test('manualSnapshotQuota: @default the account\'s real quota, less manualSnapshotHeadroom (@default 10)', () => {
  expect(defaults.config.manualSnapshotQuota).toBeUndefined();
  expect(defaults.config.manualSnapshotHeadroom).toBeUndefined();
  // The handler reads the real quota: 500, less the headroom of 10.
  expect(budgetOf('instance', defaults.config as any, { used: 0, max: 500 }, 0, 0).maxManual).toBe(490);
  expect(budgetOf('cluster', defaults.config as any, { used: 0, max: 200 }, 0, 0).maxManual).toBe(190);
});

test('timeout: @default Duration.minutes(10); memorySize: @default 1024', () => {
  expect(defaults.fn.Properties.Timeout).toBe(600);
  expect(defaults.fn.Properties.MemorySize).toBe(1024);
});

test('logRetention: @default logs.RetentionDays.ONE_YEAR', () => {
  const groups = Object.values<any>(defaults.template.findResources('AWS::Logs::LogGroup'));
  expect(groups.map((g) => g.Properties.RetentionInDays)).toEqual([365]);
});

test('dashboard: @default false', () => {
  expect(defaults.template.findResources('AWS::CloudWatch::Dashboard')).toEqual({});
  expect(defaults.shipper.dashboard).toBeUndefined();
  expect(build({ dashboard: true }).template.findResources('AWS::CloudWatch::Dashboard')).not.toEqual({});
});

test('alarms: @default every alarm; the databases-behind limit is the interval plus 2 hours, 26 hours for daily shipping', () => {
  expect(defaults.shipper.alarms.length).toBeGreaterThanOrEqual(5);
  expect(defaults.config.behindAfterMs).toBe(26 * HOUR);
});
