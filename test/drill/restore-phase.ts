/**
 * The last phase of the DR drill: a restore drill of the vault's copies, by
 * the bundled drill handler (RdsRestoreDrill), into an isolated network in
 * the Failsafe account. Each database's newest vault copy is restored,
 * validated by a validation function (one fails on purpose), timed and
 * deleted; then a restore that outlives the drill's lifetime is cleaned up;
 * then a census reports what the alarms watch.
 */
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, AddTagsToResourceCommand } from '@aws-sdk/client-rds';
import type { DrillCheck, DrillEvent } from './drill';
import { DrillConfig } from '../../src/runtime/drill-config';
import { parseDrillRecord } from '../../src/runtime/drill-records';
import { DrillTagKeys, TagKeys } from '../../src/runtime/tags';
import { Emulator } from '../emulator/emulator';
import { FailsafeAccount } from '../emulator/failsafe';
import { Invocation } from '../emulator/invoke';
import { startValidator } from '../emulator/validator';
import { pointsOf } from '../helpers/emf';
import { createDrillNetwork, DRILL_START, drillConfig, runRestoreDrill, SWEEP } from '../restore-drill/harness';

export interface RestorePhaseOptions {
  /** The database whose validation fails on purpose. */
  readonly failValidationOf: string;
  /** The drill's owner id. @default drill-drill */
  readonly ownerId?: string;
}

export interface RestorePhaseFigures {
  /** Per database, the measured restore time (RTO) in seconds, from the start of its restore until available. */
  readonly restoreSeconds: Record<string, number>;
  /** Per database, how long its validation took, in seconds. */
  readonly validationSeconds: Record<string, number>;
  /** Wall time from a restore's verdict until it is gone, per restore, in seconds. */
  readonly cleanupSeconds: number[];
  /** The drill handler's API calls, pass by pass. */
  readonly apiCallsPerPass: ReadonlyArray<{ readonly trigger: string; readonly calls: Record<string, number> }>;
  readonly passes: number;
  /** DatabasesWithoutRecentRestore, as the last census reported it. */
  readonly databasesWithoutRecentRestore: number;
}

/** The validation function of the phase, behind the stand-in Lambda endpoint (the authorization tests name it too). */
export const VALIDATOR = (account: string) => `arn:aws:lambda:eu-west-1:${account}:function:count-rows`;

export async function runRestorePhase(
  emulator: Emulator,
  o: RestorePhaseOptions & { readonly failsafeAccount: string; readonly vaultOwnerId: string; readonly databases: readonly string[] },
  failsafe: FailsafeAccount, day: number, say: (day: number, actor: DrillEvent['actor'], text: string) => void,
): Promise<{ checks: DrillCheck[]; figures: RestorePhaseFigures }> {
  const DRILL_OWNER = o.ownerId ?? 'drill-drill';
  const checks: DrillCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const network = await createDrillNetwork(emulator, o.failsafeAccount);
  say(day, 'drill', `the restore drill's network in the Failsafe account: a VPC with no internet gateway, DB subnet group ${network.subnetGroupName}`);
  const validator = await startValidator();
  // The validation function: it would count the rows of a table through the endpoint and the secret; here it checks what it was given.
  validator.set(VALIDATOR(o.failsafeAccount), (request) => (request.database.database === o.failValidationOf
    ? { passed: false, reason: `table ${o.failValidationOf} has 0 rows` }
    : { passed: Boolean(request.endpoint?.address && request.secretArn), reason: 'counted the rows' }));
  const config: DrillConfig = drillConfig({
    ownerId: DRILL_OWNER, vaultOwnerId: o.vaultOwnerId, vaultKeyArn: failsafe.vaultKeyArn, network, validationFunction: VALIDATOR(o.failsafeAccount),
  }, { databasesPerDrill: o.databases.length });
  const passes: Invocation[] = [];
  const judgedAt = new Map<string, number>();
  const cleanupSeconds: number[] = [];
  const statuses = new Map<string, string>();
  const run = async (event: unknown, cfg = config) => {
    const out = await runRestoreDrill({ emulator, account: o.failsafeAccount, lambdaEndpoint: validator.endpoint }, cfg, event);
    if (out.error) throw new Error(`restore drill pass failed: ${out.error}`);
    passes.push(out);
    // The handler writes warnings and errors to stderr, the rest to stdout: its time puts them back in order.
    for (const l of [...out.logs].sort((x, y) => String(x.timestamp).localeCompare(String(y.timestamp)))) narrate(l);
    // Each phase as RDS reports it: what the drill restored, and its status now.
    const now = (await drillResources()).statuses;
    const changed = [...now].filter(([id, status]) => statuses.get(id) !== status).map(([id, status]) => `${id} ${status}`);
    statuses.clear();
    for (const [id, status] of now) statuses.set(id, status);
    if (changed.length > 0) say(day, 'rds', changed.join(', '));
    return out;
  };
  const narrate = (l: any) => {
    const db = String(l.database ?? '').split(':').pop();
    if (l.event === 'restore-started') say(day, 'restore', `restore of ${db} started from ${l.snapshot} into ${l.restored} (${l.instanceClass})`);
    if (l.event === 'drill-judged') {
      judgedAt.set(l.restored, Date.now());
      say(day, 'restore', l.passed
        ? `${db} PASSED: available after ${l.restoreSeconds} s (its RTO), validated in ${Number(l.validationSeconds ?? 0).toFixed(1)} s`
        : `${db} FAILED: ${l.reason}`);
    }
    if (l.event === 'drill-deleted') say(day, 'restore', `${l.restored} deleted`);
  };
  const drillResources = async () => {
    const instances = (await failsafe.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    const clusters = (await failsafe.rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
    const mine = (tags: { Key?: string; Value?: string }[] | undefined) =>
      (tags ?? []).some((t) => t.Key === DrillTagKeys.OWNER && t.Value === DRILL_OWNER);
    const statusList: Array<[string, string]> = [
      ...instances.filter((i) => mine(i.TagList)).map((i): [string, string] => [i.DBInstanceIdentifier!, i.DBInstanceStatus!]),
      ...clusters.filter((c) => mine(c.TagList)).map((c): [string, string] => [c.DBClusterIdentifier!, c.Status!]),
    ];
    return {
      ids: statusList.map(([id]) => id),
      statuses: new Map(statusList),
      others: instances.filter((i) => !mine(i.TagList)).map((i) => `${i.DBInstanceIdentifier}:${i.DBInstanceStatus}`).sort(),
      clusters,
    };
  };
  const othersBefore = (await drillResources()).others;

  // 1. The weekly drill: every database, least recently drilled first.
  say(day, 'restore', `the weekly restore drill starts: ${o.databases.length} databases, at most ${config.maxConcurrentRestores} restores at once`);
  await run(DRILL_START);
  // 2. Sweeps every few minutes until every restore is judged and deleted.
  for (let i = 0; i < 10 && ((await drillResources()).ids.length > 0 || i === 0); i++) {
    const before = new Set((await drillResources()).ids);
    await run(SWEEP);
    const after = new Set((await drillResources()).ids);
    for (const id of before) if (!after.has(id) && judgedAt.has(id.replace(/-w$/, ''))) cleanupSeconds.push((Date.now() - judgedAt.get(id.replace(/-w$/, ''))!) / 1000);
  }
  const judged = passes.flatMap((p) => p.result.judged as any[]);
  const restoreSeconds = Object.fromEntries(judged.filter((j) => j.passed).map((j) => [j.database.database, j.restoreSeconds]));
  const validationSeconds = Object.fromEntries(judged.filter((j) => j.validationSeconds !== undefined)
    .map((j) => [j.database.database, j.validationSeconds]));
  const passedDbs = o.databases.filter((d) => d !== o.failValidationOf);
  check('the restore drill restored each database\'s newest vault copy and judged it',
    [...judged.map((j) => j.database.database)].sort().join() === [...o.databases].sort().join(), judged.map((j) => `${j.database.database} ${j.passed ? 'passed' : 'failed'}`).join(', '));
  check(`every restore but ${o.failValidationOf}'s passed validation, with its measured RTO`,
    passedDbs.every((d) => typeof restoreSeconds[d] === 'number'), passedDbs.map((d) => `${d} ${restoreSeconds[d]} s`).join(', '));
  check(`the validation of ${o.failValidationOf} failed on purpose, and the drill says why`,
    judged.some((j) => j.database.database === o.failValidationOf && !j.passed && /has 0 rows/.test(j.reason)), judged.find((j) => !j.passed)?.reason ?? 'none');
  check('the validation function was given each restore\'s endpoint and the secret RDS manages for it',
    validator.calls.length === o.databases.length && validator.calls.every((c) => c.request.endpoint?.address && /^arn:aws:secretsmanager:/.test(c.request.secretArn)),
    `${validator.calls.length} calls`);
  const left = await drillResources();
  check('every restore was deleted, and nothing else in the Failsafe account was touched',
    left.ids.length === 0 && JSON.stringify(left.others) === JSON.stringify(othersBefore), `left: ${left.ids.join(', ') || 'none'}; others: ${left.others.join(', ')}`);
  const copies = [...await failsafe.manualSnapshots(), ...(await failsafe.manualClusterSnapshots()).map((c) => ({ TagList: c.TagList }))];
  const records = copies.map((s) => Object.fromEntries((s.TagList ?? []).map((t) => [t.Key, t.Value])))
    .filter((t) => t[TagKeys.OWNER] === o.vaultOwnerId && t[TagKeys.RESTORE_DRILL])
    .map((t) => `${t[TagKeys.SOURCE_DATABASE]} ${parseDrillRecord(t[TagKeys.RESTORE_DRILL])?.passed ? 'passed' : 'failed'}`).sort();
  check('each verdict is recorded on the vault copy that was restored', records.length === o.databases.length, records.join(', '));
  const emf = passes.flatMap((p) => p.emf);
  const perDb = (name: string) => pointsOf(emf, name).filter((p) => p.dimensions.SourceDatabase);
  check('the drill published RestoreSucceeded, RestoreFailed, RestoreDuration and ValidationDuration per database',
    perDb('RestoreSucceeded').length === passedDbs.length && perDb('RestoreFailed').length === 1
      && perDb('RestoreDuration').length === passedDbs.length && perDb('ValidationDuration').length === o.databases.length,
    `${perDb('RestoreSucceeded').length} succeeded, ${perDb('RestoreFailed').length} failed, ${perDb('RestoreDuration').length} durations`);

  // 3. A restore stuck past the drill's lifetime: it is judged failed and deleted, whatever its state.
  const stuckConfig = { ...config, databasesPerDrill: 1, validates: false, validationFunction: undefined, validationTimeoutMs: undefined };
  const stuck = await restoreNext();
  await failsafe.rds.send(new AddTagsToResourceCommand({
    ResourceName: stuck.arn, Tags: [{ Key: DrillTagKeys.STARTED, Value: new Date(Date.now() - 7 * 3_600_000).toISOString() }],
  }));
  say(day, 'restore', `the next drill's restore of ${stuck.database} is not judged 7 hours after it started (simulated): past the 6-hour lifetime`);
  const cleanupStarted = Date.now();
  const expiry = await run(SWEEP, stuckConfig);
  const expired = (expiry.result.judged as any[]).find((j) => /^lifetime-exceeded/.test(j.reason ?? ''));
  check(`the stuck restore of ${stuck.database} was judged failed and deleted once past its lifetime`,
    expired !== undefined && (await drillResources()).ids.length === 0, `${expired?.reason ?? 'not judged'}; cleaned up in ${((Date.now() - cleanupStarted) / 1000).toFixed(1)} s`);

  // 4. The census the alarms watch.
  const census = await run(SWEEP, { ...config, censusWindowMs: 3_600_000 });
  const without = pointsOf(census.emf, 'DatabasesWithoutRecentRestore')[0]?.value ?? NaN;
  const ages = pointsOf(census.emf, 'LastSuccessfulRestoreAge').map((p) => p.dimensions.SourceDatabase).sort();
  say(day, 'restore', `census: LastSuccessfulRestoreAge for ${ages.join(', ')}; DatabasesWithoutRecentRestore ${without}`);
  if (without >= 1) say(day, 'alarm', `the restore drill's no-recent-restore alarm goes to ALARM: ${o.failValidationOf} has no passed restore within 14 days`);
  check(`the census counts ${o.failValidationOf} as without a recent restore, and reports the others' last successful restore`,
    without === 1 && ages.join() === passedDbs.slice().sort().join(), `DatabasesWithoutRecentRestore ${without}; ages for ${ages.join(', ')}`);
  await validator.stop();
  return {
    checks,
    figures: {
      restoreSeconds,
      validationSeconds,
      cleanupSeconds,
      passes: passes.length,
      databasesWithoutRecentRestore: without,
      apiCallsPerPass: passes.map((p) => ({ trigger: p.result.trigger, calls: p.result.apiCalls })),
    },
  };

  /** Starts the next drill, of one database (the least recently drilled), and returns what it restored. */
  async function restoreNext(): Promise<{ arn: string; database: string }> {
    await run(DRILL_START, stuckConfig);
    const instances = (await failsafe.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    const clusters = (await failsafe.rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
    const all = [
      ...instances.map((i) => ({ arn: i.DBInstanceArn!, tags: i.TagList })), ...clusters.map((c) => ({ arn: c.DBClusterArn!, tags: c.TagList })),
    ];
    const restored = all
      .map((r) => ({ arn: r.arn, tags: Object.fromEntries((r.tags ?? []).map((t) => [t.Key, t.Value])) }))
      .filter((r) => r.tags[DrillTagKeys.OWNER] === DRILL_OWNER);
    if (restored.length !== 1) throw new Error(`the next drill restored ${restored.length} databases, not 1`);
    return { arn: restored[0].arn, database: String(restored[0].tags[DrillTagKeys.DATABASE]).split(':').pop()! };
  }
}
