/**
 * What the restore drill writes down and how it names what it restores: the
 * records round-trip, identifiers are valid RDS identifiers for any source
 * name, and the pass's trigger and census window.
 */
import * as fc from 'fast-check';
import { DRILL_START_INPUT } from '../../src/runtime/drill-config';
import { drillErrorKind } from '../../src/runtime/drill-errors';
import { drillRunOf, drillTriggerOf, takesCensus } from '../../src/runtime/drill-pass';
import {
  databaseKey, drillIdentifier, drillPrefix, formatDrillRecord, instanceClassFor, parseDatabaseKey, parseDrillRecord, tagSafe, writerIdentifier,
} from '../../src/runtime/drill-records';
import { isValidDbIdentifier } from '../../src/runtime/naming';

const sourceName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$/).filter((s) => s.length <= 63);

test('a record round-trips, and anything else is no record', () => {
  const at = new Date('2026-11-30T03:12:40.000Z');
  expect(parseDrillRecord(formatDrillRecord({ at, passed: true, restoreSeconds: 412.4 }))).toEqual({ at, passed: true, restoreSeconds: 412 });
  expect(parseDrillRecord(formatDrillRecord({ at, passed: false }))).toEqual({ at, passed: false });
  for (const junk of [undefined, '', 'passed', '2026-11-30T03:12:40.000Z ok', '2026-13-45T99:00:00Z passed 1', '2026-11-30T03:12:40.000Z passed -1']) {
    expect(parseDrillRecord(junk)).toBeUndefined();
  }
});

test('a database key round-trips for any source name', () => {
  fc.assert(fc.property(sourceName, fc.constantFrom<'instance' | 'cluster'>('instance', 'cluster'), (database, kind) => {
    const d = { kind, account: '111111111111', region: 'eu-west-1', database };
    expect(parseDatabaseKey(databaseKey(d))).toEqual(d);
  }));
  expect(parseDatabaseKey('instance:1111:eu-west-1:orders')).toBeUndefined();
});

test('what a drill restores has a valid RDS identifier of at most 54 characters, and its writer one of at most 56, for any source name', () => {
  fc.assert(fc.property(sourceName, (database) => {
    const id = drillIdentifier('drill-test-owner', { kind: 'instance', account: '111111111111', region: 'eu-west-1', database });
    expect(isValidDbIdentifier(id)).toBe(true);
    expect(id.length).toBeLessThanOrEqual(54);
    expect(isValidDbIdentifier(writerIdentifier(id))).toBe(true);
    expect(id.startsWith(drillPrefix('drill-test-owner'))).toBe(true);
  }));
});

test('two databases of one name in two accounts or Regions are restored under different identifiers', () => {
  const a = drillIdentifier('drill-test-owner', { kind: 'instance', account: '111111111111', region: 'eu-west-1', database: 'orders' });
  const b = drillIdentifier('drill-test-owner', { kind: 'instance', account: '333333333333', region: 'eu-west-1', database: 'orders' });
  const c = drillIdentifier('drill-test-owner', { kind: 'instance', account: '111111111111', region: 'us-east-1', database: 'orders' });
  expect(new Set([a, b, c]).size).toBe(3);
});

test('two drills restore one database under different identifiers, each within its own prefix', () => {
  const d = { kind: 'instance' as const, account: '111111111111', region: 'eu-west-1', database: 'orders' };
  const [a, b] = [drillIdentifier('drill-one', d), drillIdentifier('drill-two', d)];
  expect(a).not.toBe(b);
  expect(a.startsWith(drillPrefix('drill-one')) && !a.startsWith(drillPrefix('drill-two'))).toBe(true);
  expect(drillPrefix('drill-one')).toMatch(/^drill-[0-9a-f]{6}-$/);
});

test('instance classes: the smallest practical per engine, the props over them, and a fallback', () => {
  expect(instanceClassFor('postgres')).toBe('db.t4g.micro');
  expect(instanceClassFor('sqlserver-ee')).toBe('db.t3.xlarge');
  expect(instanceClassFor('aurora-mysql')).toBe('db.t4g.medium');
  expect(instanceClassFor('postgres', { postgres: 'db.t4g.small' })).toBe('db.t4g.small');
  expect(instanceClassFor('db2-se')).toBe('db.t3.medium');
});

test('a reason becomes a valid tag value', () => {
  expect(tagSafe('failed validation-error: TypeError: x is "undefined" (line 3)')).toBe('failed validation-error: TypeError: x is undefined line 3');
  expect(tagSafe('x'.repeat(500))).toHaveLength(200);
});

test('the trigger: the drill\'s schedule starts, an RDS event or a sweep only advances; the census is taken by the drill and the first sweep of an hour', () => {
  expect(drillTriggerOf(DRILL_START_INPUT)).toBe('drill');
  expect(drillTriggerOf({ 'source': 'aws.rds', 'detail-type': 'RDS DB Instance Event', 'detail': { SourceIdentifier: 'drill-orders-abc123' } })).toBe('event');
  expect(drillTriggerOf({ 'source': 'aws.events', 'detail-type': 'Scheduled Event' })).toBe('sweep');
  expect(drillTriggerOf(undefined)).toBe('sweep');
  const at = (iso: string) => new Date(iso);
  expect(takesCensus('drill', at('2026-11-30T03:40:00Z'), 300_000)).toBe(true);
  expect(takesCensus('sweep', at('2026-11-30T03:02:00Z'), 300_000)).toBe(true);
  expect(takesCensus('sweep', at('2026-11-30T03:07:00Z'), 300_000)).toBe(false);
  expect(takesCensus('event', at('2026-11-30T03:02:00Z'), 300_000)).toBe(false);
  // The run: the schedule's event time, which retries carry; the minute, for a start by hand.
  expect(drillRunOf({ ...DRILL_START_INPUT, run: '2026-11-30T03:00:00Z' }, at('2026-11-30T03:04:10Z'))).toBe('2026-11-30T03:00:00Z');
  expect(drillRunOf(DRILL_START_INPUT, at('2026-11-30T03:04:10Z'))).toBe('2026-11-30T03:04Z');
  expect(drillRunOf({ run: 'x'.repeat(100) }, at('2026-11-30T03:04:10Z'))).toBe('2026-11-30T03:04Z');
});

test('an RDS error about the recovery point is a verdict; one about the account or the moment is retried', () => {
  for (const code of ['KMSKeyNotAccessibleFault', 'InvalidParameterCombination', 'InvalidRestoreFault', 'StorageTypeNotSupportedFault', 'DBSnapshotNotFound']) {
    expect([code, drillErrorKind(code)]).toEqual([code, 'verdict']);
  }
  for (const code of ['InstanceQuotaExceeded', 'DBClusterQuotaExceededFault', 'InsufficientDBInstanceCapacity', 'AccessDenied', 'Throttling',
    'InvalidDBInstanceState', 'InvalidDBClusterStateFault', 'DBSubnetGroupNotFoundFault', undefined]) {
    expect([code, drillErrorKind(code)]).toEqual([code, 'retry']);
  }
});
