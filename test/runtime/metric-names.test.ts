import { passOutcome } from '../../src/runtime/actions';
import { MetricName, shipperMetrics, vaultMetrics } from '../../src/runtime/metric-names';

const NOW = new Date('2026-11-28T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
const LIVE = '111111111111';
const OTHER = '333333333333';

const byName = (data: ReturnType<typeof shipperMetrics>, name: string) => data.filter((d) => d.name === name);

describe('shipperMetrics', () => {
  const outcome = {
    snapshotsTaken: 3,
    copiesStarted: 2,
    shared: 1,
    announced: 1,
    expired: 3,
    failures: 2,
    failuresByAction: { copy: 1, delete: 1 },
    copiesFailedInRds: 1,
    errorFindings: 2, // the failed copy, and say a database not found
    deferred: 4,
    shippedCopies: [{ database: 'orders', time: hoursAgo(5) }, { database: 'users', time: hoursAgo(30) }],
    behind: { databases: ['billing', 'users'] },
  };

  test('publishes every counter, the pass duration, and the age of each database\'s newest shipped copy', () => {
    expect(shipperMetrics(outcome, NOW, 1234)).toEqual([
      { name: 'SnapshotsTaken', unit: 'Count', value: 3 },
      { name: 'CopiesStarted', unit: 'Count', value: 2 },
      { name: 'CopiesCompleted', unit: 'Count', value: 1 },
      { name: 'CopiesFailed', unit: 'Count', value: 2 }, // one copy action, one copy RDS failed
      { name: 'Failures', unit: 'Count', value: 4 }, // 2 failed actions, 2 error findings
      { name: 'ActionsDeferred', unit: 'Count', value: 4 },
      { name: 'Shares', unit: 'Count', value: 1 },
      { name: 'Announcements', unit: 'Count', value: 1 },
      { name: 'SnapshotsExpired', unit: 'Count', value: 3 },
      { name: 'DatabasesBehind', unit: 'Count', value: 2 }, // users shipped 30 hours ago, billing never
      { name: 'PassDuration', unit: 'Milliseconds', value: 1234 },
      { name: 'ShippedCopyAge', unit: 'Seconds', value: 5 * 3600, dimensions: { SourceDatabase: 'orders' } },
      { name: 'ShippedCopyAge', unit: 'Seconds', value: 30 * 3600, dimensions: { SourceDatabase: 'users' } },
    ]);
  });

  test('an idle pass publishes zeros, so that only a silent shipper has missing data', () => {
    const quiet = {
      snapshotsTaken: 0,
      copiesStarted: 0,
      shared: 0,
      announced: 0,
      expired: 0,
      failures: 0,
      failuresByAction: {},
      copiesFailedInRds: 0,
      errorFindings: 0,
      deferred: 0,
      behind: { databases: [] },
    };
    const idle = shipperMetrics({ ...outcome, ...quiet }, NOW, 10);
    expect(byName(idle, MetricName.ANNOUNCEMENTS)).toEqual([{ name: 'Announcements', unit: 'Count', value: 0 }]);
    expect(byName(idle, MetricName.FAILURES)).toEqual([{ name: 'Failures', unit: 'Count', value: 0 }]);
    expect(byName(idle, MetricName.DATABASES_BEHIND)).toEqual([{ name: 'DatabasesBehind', unit: 'Count', value: 0 }]);
  });
});

describe('vaultMetrics', () => {
  const config = { sources: [{ account: LIVE, region: 'eu-west-1' }, { account: OTHER, region: 'eu-west-1' }], retireAfterMs: 31 * 86_400_000 };
  const base = {
    accepted: 1,
    rejectedByReason: { 'unknown-topic': 2, 'malformed': 1 },
    copiesStarted: 1,
    copiesCompleted: 2,
    expired: 0,
    failures: 1,
    failuresByAction: { copy: 1 },
    copiesFailedInRds: 0,
    errorFindings: 0,
    deferred: 0,
  };

  test('publishes rejections in total and by reason', () => {
    const data = vaultMetrics(base, config, NOW, 50);
    expect(byName(data, MetricName.MESSAGES_REJECTED)).toEqual([
      { name: 'MessagesRejected', unit: 'Count', value: 3 },
      { name: 'MessagesRejected', unit: 'Count', value: 1, dimensions: { Reason: 'malformed' } },
      { name: 'MessagesRejected', unit: 'Count', value: 2, dimensions: { Reason: 'unknown-topic' } },
    ]);
    expect(byName(data, MetricName.COPIES_COMPLETED)).toEqual([{ name: 'CopiesCompleted', unit: 'Count', value: 2 }]);
    expect(byName(data, MetricName.RECOVERY_POINT_AGE)).toEqual([]); // the pass could not read them
  });

  test('the recovery point per database, and its maximum per source', () => {
    const data = vaultMetrics({
      ...base,
      recoveryPoints: [
        { account: LIVE, region: 'eu-west-1', database: 'users', time: hoursAgo(20) },
        { account: LIVE, region: 'eu-west-1', database: 'orders', time: hoursAgo(2) },
        { account: OTHER, region: 'eu-west-1', database: 'billing', time: hoursAgo(1) },
      ],
    }, config, NOW, 50);
    expect(byName(data, MetricName.RECOVERY_POINT_AGE)).toEqual([
      { name: 'RecoveryPointAge', unit: 'Seconds', value: 2 * 3600, dimensions: { SourceAccount: LIVE, SourceRegion: 'eu-west-1', SourceDatabase: 'orders' } },
      { name: 'RecoveryPointAge', unit: 'Seconds', value: 20 * 3600, dimensions: { SourceAccount: LIVE, SourceRegion: 'eu-west-1', SourceDatabase: 'users' } },
      { name: 'RecoveryPointAge', unit: 'Seconds', value: 3600, dimensions: { SourceAccount: OTHER, SourceRegion: 'eu-west-1', SourceDatabase: 'billing' } },
    ]);
    expect(byName(data, MetricName.OLDEST_RECOVERY_POINT_AGE)).toEqual([
      { name: 'OldestRecoveryPointAge', unit: 'Seconds', value: 20 * 3600, dimensions: { SourceAccount: LIVE, SourceRegion: 'eu-west-1' } },
      { name: 'OldestRecoveryPointAge', unit: 'Seconds', value: 3600, dimensions: { SourceAccount: OTHER, SourceRegion: 'eu-west-1' } },
    ]);
  });

  test('a source without any copy, in a pass that could not read the vault\'s epoch, reports the retirement age: no grace, so it pages', () => {
    const data = vaultMetrics({ ...base, recoveryPoints: [{ account: LIVE, region: 'eu-west-1', database: 'orders', time: hoursAgo(2) }] }, config, NOW, 50);
    expect(byName(data, MetricName.OLDEST_RECOVERY_POINT_AGE).map((d) => [d.dimensions?.SourceAccount, d.value]))
      .toEqual([[LIVE, 2 * 3600], [OTHER, config.retireAfterMs / 1000]]);
  });

  test('two topics of one account and region are one source: one maximum', () => {
    const twice = { ...config, sources: [...config.sources, { account: LIVE, region: 'eu-west-1' }] };
    const data = vaultMetrics({ ...base, recoveryPoints: [{ account: LIVE, region: 'eu-west-1', database: 'orders', time: hoursAgo(2) }] }, twice, NOW, 50);
    expect(byName(data, MetricName.OLDEST_RECOVERY_POINT_AGE).filter((d) => d.dimensions?.SourceAccount === LIVE)).toHaveLength(1);
  });

  test('a database silent for longer than retireAfterMs counts as retired: its age is still published, but not in the source maximum', () => {
    const data = vaultMetrics({
      ...base,
      recoveryPoints: [
        { account: LIVE, region: 'eu-west-1', database: 'retired', time: hoursAgo(32 * 24) },
        { account: LIVE, region: 'eu-west-1', database: 'orders', time: hoursAgo(3) },
        { account: OTHER, region: 'eu-west-1', database: 'stale', time: hoursAgo(40) },
      ],
    }, config, NOW, 50);
    expect(byName(data, MetricName.RECOVERY_POINT_AGE)).toHaveLength(3);
    expect(byName(data, MetricName.OLDEST_RECOVERY_POINT_AGE).map((d) => d.value)).toEqual([3 * 3600, 40 * 3600]);
  });
});

describe('passOutcome', () => {
  const run = { failures: 1, failuresByAction: { copy: 1 }, deferred: 2 };
  test('counts planner deferrals with the run\'s, and every error-level finding', () => {
    const findings = [
      { code: 'copy-deferred-in-flight-limit', level: 'warn' },
      { code: 'copy-deferred-snapshot-quota', level: 'error' },
      { code: 'database-not-found', level: 'error' },
      { code: 'copy-failed', level: 'error' },
      { code: 'already-copied', level: 'info' },
    ];
    expect(passOutcome(findings, run, 1)).toEqual({
      failures: 1,
      failuresByAction: { copy: 1 },
      copiesFailedInRds: 1,
      errorFindings: 3,
      deferred: 1 + 2 + 2,
      findings: { 'copy-deferred-in-flight-limit': 1, 'copy-deferred-snapshot-quota': 1, 'database-not-found': 1, 'copy-failed': 1, 'already-copied': 1 },
    });
  });
});
