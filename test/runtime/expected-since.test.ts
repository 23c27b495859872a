/**
 * The first deployment: nothing alarms while the first copies are on their
 * way, and a chain that never works alarms once maxAge has passed since the
 * deployment. Each figure an alarm watches is checked on both sides of that
 * line, against the threshold the construct gives the alarm.
 */
import { DEFAULT_MAX_AGE } from '../../src/private/monitoring';
import { drillMetrics } from '../../src/runtime/drill-metrics';
import { DrillPassSummary } from '../../src/runtime/drill-pass';
import { candidatesOf } from '../../src/runtime/drill-plan';
import { formatDrillRecord } from '../../src/runtime/drill-records';
import { awaitedSince, expectedSince, overdue, waitingAgeSeconds } from '../../src/runtime/expected-since';
import { manifestVerdict } from '../../src/runtime/manifest';
import { MetricDatum, MetricName, RecoveryPoint, vaultMetrics, VaultOutcome } from '../../src/runtime/metric-names';
import { ManifestMessage } from '../../src/runtime/schema';
import { DbSnapshot } from '../../src/runtime/shipper-plan';
import { databasesBehind } from '../../src/runtime/staleness';
import { TagKeys } from '../../src/runtime/tags';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The alarms' default maxAge, 26 hours: what the construct passes to the handlers as behindAfterMs, and the age alarm's threshold. */
const MAX_AGE_MS = DEFAULT_MAX_AGE.toMilliseconds();
/** When the deployment made the key whose CreationDate is the epoch. */
const EPOCH = new Date('2026-11-30T09:00:00Z');
const at = (ms: number) => new Date(EPOCH.getTime() + ms);
const LIVE = '111111111111';
const REGION = 'eu-west-1';

describe('expected since', () => {
  test('is the latest of the times that say a database should exist; none known is undefined', () => {
    const created = at(5 * HOUR);
    expect(expectedSince(EPOCH, created)).toEqual(created);
    expect(expectedSince(created, EPOCH)).toEqual(created);
    expect(expectedSince(EPOCH, undefined)).toEqual(EPOCH);
    expect(expectedSince(undefined, new Date(NaN))).toBeUndefined();
    expect(expectedSince()).toBeUndefined();
  });

  test('something missing is overdue only once maxAge has passed since it was expected; with no epoch at once', () => {
    expect(overdue(EPOCH, at(MAX_AGE_MS), MAX_AGE_MS)).toBe(false);
    expect(overdue(EPOCH, at(MAX_AGE_MS + 1), MAX_AGE_MS)).toBe(true);
    expect(overdue(undefined, EPOCH, MAX_AGE_MS)).toBe(true);
  });

  test('the age of what is still awaited counts from the epoch, never below 0', () => {
    expect(waitingAgeSeconds(EPOCH, at(HOUR))).toBe(3600);
    expect(waitingAgeSeconds(EPOCH, at(-HOUR))).toBe(0);
    expect(waitingAgeSeconds(undefined, at(HOUR))).toBeUndefined();
  });
});

describe('shipper: databases behind on the first deployment', () => {
  const selected = ['orders', 'payments'];
  const nothingShipped = new Map<string, Date>();
  const since = (created: Record<string, Date> = {}) => (db: string) => expectedSince(EPOCH, created[db]);

  test('a database never shipped is not behind while its first copy is on its way', () => {
    for (const t of [HOUR, 12 * HOUR, MAX_AGE_MS]) {
      expect(databasesBehind(selected, nothingShipped, at(t), MAX_AGE_MS, since()).databases).toEqual([]);
    }
  });

  test('a chain that never works is behind once maxAge has passed since the deployment', () => {
    const behind = databasesBehind(selected, nothingShipped, at(MAX_AGE_MS + HOUR), MAX_AGE_MS, since());
    expect(behind.databases).toEqual(['orders', 'payments']);
    expect(behind.oldest).toEqual({ database: 'orders' });
  });

  test('a database created after the deployment counts from its creation; one shipped counts by its copy, whatever the epoch', () => {
    const created = { payments: at(2 * DAY) };
    const shipped = new Map([['orders', at(2 * DAY)]]);
    const now = at(2 * DAY + MAX_AGE_MS - HOUR);
    expect(databasesBehind(selected, new Map(), now, MAX_AGE_MS, since(created)).databases).toEqual(['orders']);
    expect(databasesBehind(selected, shipped, now, MAX_AGE_MS, since(created)).databases).toEqual([]);
    expect(databasesBehind(selected, shipped, at(2 * DAY + MAX_AGE_MS + HOUR), MAX_AGE_MS, since(created)).databases).toEqual(['orders', 'payments']);
  });

  test('a database whose newest backup is already older than maxAge is behind at once: a copy of it could be no fresher', () => {
    const backup = { orders: at(-3 * DAY), payments: at(-HOUR) };
    const awaited = (db: string) => awaitedSince(EPOCH, backup[db as keyof typeof backup]);
    expect(awaited('orders')).toEqual(at(-3 * DAY));
    expect(awaited('payments')).toEqual(at(-HOUR));
    expect(databasesBehind(selected, nothingShipped, at(HOUR), MAX_AGE_MS, awaited).databases).toEqual(['orders']);
    // A backup taken after the epoch does not move the grace on.
    expect(awaitedSince(EPOCH, at(HOUR))).toEqual(EPOCH);
    expect(awaitedSince(undefined, at(-HOUR))).toBeUndefined();
  });

  test('without an epoch (the key could not be read) a database never shipped is behind at once, as before', () => {
    expect(databasesBehind(selected, nothingShipped, at(HOUR), MAX_AGE_MS).databases).toEqual(selected);
  });
});

describe('vault: the recovery point of a source with no copy yet', () => {
  const config = { sources: [{ account: LIVE, region: REGION }], retireAfterMs: 31 * DAY };
  const outcome = (o: Partial<VaultOutcome> = {}): VaultOutcome => ({
    accepted: 0,
    rejectedByReason: {},
    copiesCompleted: 0,
    copiesStarted: 0,
    expired: 0,
    failures: 0,
    failuresByAction: {},
    copiesFailedInRds: 0,
    errorFindings: 0,
    deferred: 0,
    recoveryPoints: [],
    ...o,
  });
  const oldest = (data: MetricDatum[]) => data.filter((d) => d.name === MetricName.OLDEST_RECOVERY_POINT_AGE);
  const threshold = MAX_AGE_MS / 1000;

  test('reports the time since the vault\'s epoch: under the alarm\'s threshold on the day of the deployment, over it once maxAge has passed', () => {
    const early = oldest(vaultMetrics(outcome({ epoch: EPOCH }), config, at(HOUR), 1));
    expect(early).toEqual([{ name: MetricName.OLDEST_RECOVERY_POINT_AGE, unit: 'Seconds', value: 3600, dimensions: { SourceAccount: LIVE, SourceRegion: REGION } }]);
    expect(early[0].value).toBeLessThanOrEqual(threshold);
    const [late] = oldest(vaultMetrics(outcome({ epoch: EPOCH }), config, at(MAX_AGE_MS + HOUR), 1));
    expect(late.value).toBeGreaterThan(threshold);
  });

  test('once a copy is held, its age is the figure, not the epoch\'s', () => {
    const points: RecoveryPoint[] = [{ account: LIVE, region: REGION, database: 'orders', time: at(20 * DAY) }];
    const [figure] = oldest(vaultMetrics(outcome({ epoch: EPOCH, recoveryPoints: points }), config, at(20 * DAY + 2 * HOUR), 1));
    expect(figure.value).toBe(2 * 3600);
  });

  test('a source whose every database is retired reports the time since the epoch, which is long past maxAge: it still alarms', () => {
    const points: RecoveryPoint[] = [{ account: LIVE, region: REGION, database: 'orders', time: at(DAY) }];
    const [figure] = oldest(vaultMetrics(outcome({ epoch: EPOCH, recoveryPoints: points }), config, at(60 * DAY), 1));
    expect(figure.value).toBe(60 * 86_400);
  });

  test('without an epoch there is no grace: a source with no copy reports the retirement age, past the threshold, so it still pages', () => {
    const [figure] = oldest(vaultMetrics(outcome(), config, at(HOUR), 1));
    expect(figure.value).toBe(31 * 86_400);
    expect(figure.value).toBeGreaterThan(threshold);
  });

  test('a pass that read no recovery points reports no figure', () => {
    expect(oldest(vaultMetrics(outcome({ epoch: EPOCH, recoveryPoints: undefined }), config, at(HOUR), 1))).toEqual([]);
  });

  test('every pass reports ManifestsReceived per source, 0 without a manifest, so that a manifest that never comes shows as zeros', () => {
    const received = (data: MetricDatum[]) => data.filter((d) => d.name === MetricName.MANIFESTS_RECEIVED).map((d) => [d.dimensions, d.value]);
    const source = { SourceAccount: LIVE, SourceRegion: REGION };
    expect(received(vaultMetrics(outcome(), config, at(HOUR), 1))).toEqual([[source, 0]]);
    const verdict = { account: LIVE, region: REGION, behind: { databases: [] } };
    expect(received(vaultMetrics(outcome({ manifestVerdicts: [verdict] }), config, at(HOUR), 1))).toEqual([[source, 1]]);
  });
});

describe('vault: a manifest that lists databases the vault holds no copy of yet', () => {
  const manifest: ManifestMessage = {
    schema: 'cdk-rds-failsafe/manifest',
    version: 1,
    sourceAccount: LIVE,
    sourceRegion: REGION,
    publishedAt: at(HOUR).toISOString(),
    part: 1,
    parts: 1,
    databases: [
      { kind: 'instance', identifier: 'orders', newestRecoveryPoint: at(HOUR).toISOString() },
      { kind: 'instance', identifier: 'payments' },
    ],
  } as ManifestMessage;

  test('none is behind while maxAge has not passed since the vault\'s epoch; all are once it has', () => {
    expect(manifestVerdict(manifest, [], at(HOUR), MAX_AGE_MS, EPOCH).behind.databases).toEqual([]);
    expect(manifestVerdict(manifest, [], at(MAX_AGE_MS + HOUR), MAX_AGE_MS, EPOCH).behind.databases).toEqual(['orders', 'payments']);
  });

  test('the grace comes from the vault\'s epoch only: what the manifest claims (a fresh recovery point) does not move it', () => {
    const claimsFresh = {
      ...manifest,
      publishedAt: at(MAX_AGE_MS + HOUR).toISOString(),
      databases: manifest.databases.map((d) => ({ ...d, newestRecoveryPoint: at(MAX_AGE_MS).toISOString() })),
    };
    expect(manifestVerdict(claimsFresh as ManifestMessage, [], at(MAX_AGE_MS + HOUR), MAX_AGE_MS, EPOCH).behind.databases).toEqual(['orders', 'payments']);
  });

  test('without an epoch every listed database the vault holds no copy of is behind at once, as before', () => {
    expect(manifestVerdict(manifest, [], at(HOUR), MAX_AGE_MS).behind.databases).toEqual(['orders', 'payments']);
  });
});

describe('restore drill: a database never drilled', () => {
  const DRILL_MAX_AGE_MS = 14 * DAY;
  const copy = (database: string, time: Date, created: Date = time): DbSnapshot => ({
    kind: 'instance',
    identifier: `vault-${database}-${time.getTime()}`,
    arn: `arn:x:${database}:${time.getTime()}`,
    dbIdentifier: database,
    type: 'manual',
    status: 'available',
    encrypted: true,
    engine: 'postgres',
    createTime: created,
    tags: {
      [TagKeys.OWNER]: 'vault-test',
      [TagKeys.SOURCE_ACCOUNT]: LIVE,
      [TagKeys.SOURCE_REGION]: REGION,
      [TagKeys.SOURCE_DATABASE]: database,
      [TagKeys.SOURCE_TIME]: time.toISOString(),
    },
  });
  const census = (now: Date, copies: DbSnapshot[]): number => {
    const summary: DrillPassSummary = {
      trigger: 'sweep',
      restoresStarted: 0,
      judged: [],
      deleted: 0,
      inFlight: 0,
      heldBack: 0,
      failures: 0,
      failuresByAction: {},
      deferred: 0,
      census: candidatesOf(copies, 'vault-test'),
    };
    return drillMetrics(summary, DRILL_MAX_AGE_MS, now, 1).find((d) => d.name === MetricName.DATABASES_WITHOUT_RECENT_RESTORE)!.value;
  };

  test('the vault holds it since its earliest copy, whichever of its recovery point and its creation is earlier', () => {
    const [c] = candidatesOf([copy('orders', at(2 * DAY)), copy('orders', at(DAY), at(DAY + HOUR)), copy('orders', at(3 * DAY))], 'vault-test');
    expect(c.heldSince).toEqual(at(DAY));
  });

  test('does not count on day one, nor until maxAge (14 days) has passed since the vault first held it', () => {
    const copies = [copy('orders', at(HOUR)), copy('payments', at(2 * HOUR))];
    expect(census(at(DAY), copies)).toBe(0);
    expect(census(at(DRILL_MAX_AGE_MS), copies)).toBe(0);
  });

  test('a database whose drill was tried and failed counts at once: the grace is for the rotation, not for a failure', () => {
    const failed = { ...copy('orders', at(HOUR)), tags: { ...copy('orders', at(HOUR)).tags, [TagKeys.RESTORE_DRILL]: formatDrillRecord({ at: at(DAY), passed: false }) } };
    expect(census(at(2 * DAY), [failed, copy('payments', at(HOUR))])).toBe(1);
  });

  test('counts once the vault has held it for longer than maxAge with no passed drill: a drill that never works alarms', () => {
    const copies = [copy('orders', at(HOUR)), copy('orders', at(DRILL_MAX_AGE_MS)), copy('payments', at(2 * HOUR))];
    expect(census(at(DRILL_MAX_AGE_MS + 3 * HOUR), copies)).toBe(2);
  });
});
