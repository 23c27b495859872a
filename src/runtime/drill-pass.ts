/**
 * The restore drill's adapters: read the drills in flight (and, for a census,
 * the vault's copies), plan with `planDrill`, and carry the plan out, each
 * action isolated, within the invocation's time budget.
 */
import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  DBCluster,
  DBInstance,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { ActionLabel, gatherWithinBudget, isRdsError, PassDeps, runIsolated, TIME_RESERVE_MS } from './actions';
import { errorCode, parseArnAccount } from './aws';
import { DrillConfig, DRILL_START_INPUT } from './drill-config';
import { drillErrorKind } from './drill-errors';
import { advance, candidatesOf, Drill, DrillAction, DrillCandidate, planDrill, Restored } from './drill-plan';
import { databaseKey, DrilledDatabase, formatDrillRecord, tagSafe } from './drill-records';
import { listDbClusterSnapshots, listDbSnapshots } from './snapshots';
import { DRILL_RECORD_TAG_KEYS, DrillTagKeys, TagKeys, toTagList, toTagMap } from './tags';
import { ValidationRequest, ValidationVerdict, VALIDATION_REQUEST_VERSION } from './validation';

export interface DrillDeps extends PassDeps {
  /** Invokes the validation function; only called when the configuration names one. */
  readonly validate?: (request: ValidationRequest) => Promise<ValidationVerdict>;
}

/** What woke the pass: the drill's schedule starts restores; a sweep advances the drills in flight. */
export type DrillTrigger = 'drill' | 'sweep' | 'event';

/** One drill judged in this pass. */
export interface Judged {
  readonly database: DrilledDatabase;
  readonly passed: boolean;
  readonly reason?: string;
  /** From the start of the restore until RDS reported it available: the measured RTO. */
  readonly restoreSeconds?: number;
  readonly validationSeconds?: number;
}

export interface DrillPassSummary {
  readonly trigger: DrillTrigger;
  readonly restoresStarted: number;
  readonly judged: readonly Judged[];
  readonly deleted: number;
  /** Drills in flight when the pass began. */
  readonly inFlight: number;
  /** Databases due for a drill that the cap on concurrent restores held back. */
  readonly heldBack: number;
  readonly failures: number;
  readonly failuresByAction: Readonly<Record<string, number>>;
  readonly deferred: number;
  /** The census, when this pass took one: every database the vault holds an available copy of. */
  readonly census?: readonly DrillCandidate[];
}

/** What woke the pass: the drill's schedule, the sweep's, or an RDS event about a drill. */
export function drillTriggerOf(event: unknown): DrillTrigger {
  const e = event as Record<string, unknown> | undefined;
  if (e?.['cdk-rds-failsafe'] === DRILL_START_INPUT['cdk-rds-failsafe']) return 'drill';
  return e?.source === 'aws.rds' ? 'event' : 'sweep';
}

/**
 * The run a start belongs to: the time of the schedule's event, which its
 * retries carry too; for a start invoked by hand, the minute.
 */
export function drillRunOf(event: unknown, now: Date): string {
  const run = (event as Record<string, unknown> | undefined)?.run;
  return typeof run === 'string' && /^[0-9T:.Z-]{1,40}$/.test(run) ? run : `${now.toISOString().slice(0, 16)}Z`;
}

/** Whether a pass takes the census: the drill's own trigger does, and so does the first sweep of each UTC hour. */
export function takesCensus(trigger: DrillTrigger, now: Date, windowMs: number): boolean {
  return trigger === 'drill' || (trigger === 'sweep' && now.getTime() % 3_600_000 < windowMs);
}

export async function runDrillPass(deps: DrillDeps, config: DrillConfig, trigger: DrillTrigger, run?: string): Promise<DrillPassSummary> {
  const now = deps.now();
  const census = takesCensus(trigger, now, config.censusWindowMs);
  const { value: state } = await gatherWithinBudget(deps, 'listing the drills and the vault copies', gather(deps.rds, config, census));
  const starting = trigger === 'drill' ? { run: run ?? drillRunOf(undefined, now) } : undefined;
  const plan = planDrill(config, state.resources, state.candidates, now, starting);
  for (const d of plan.overdue) {
    deps.log.log('error', 'a drill is still there twice its lifetime after it started: its deletion is stuck', {
      event: 'drill-overdue', restored: d.root.identifier, status: d.root.status, started: d.started.toISOString(), verdict: d.verdict,
    });
  }
  const executor = new DrillExecutor(deps, config, now, starting?.run);
  const outcome = await runIsolated(plan.actions, deps, labelOf, (a) => executor.execute(a), (code, label) => explain(code, label.action, config));
  deps.log.log('info', 'drill pass', {
    event: 'drill-pass', trigger, inFlight: plan.drills.length, actions: plan.actions.length, heldBack: plan.heldBack, census: state.candidates?.length,
  });
  if (plan.heldBack > 0) {
    deps.log.log('warn', 'restores held back: as many drills are in flight as maxConcurrentRestores allows', { event: 'restores-held-back', heldBack: plan.heldBack });
  }
  return {
    trigger,
    restoresStarted: executor.started,
    judged: executor.judged,
    deleted: executor.deleted,
    inFlight: plan.drills.length,
    heldBack: plan.heldBack,
    // A drill whose deletion is stuck counts as a failure on every pass, so that the failures alarm holds until someone looks.
    failures: outcome.failures + plan.overdue.length,
    failuresByAction: outcome.failuresByAction,
    deferred: outcome.deferred + executor.deferred,
    ...(state.candidates ? { census: state.candidates } : {}),
  };
}

/** The account's DB instances and clusters, and for a census the vault's copies: all in pages, never a call per database. */
async function gather(rds: RDSClient, config: DrillConfig, census: boolean) {
  const [instances, clusters, copies] = await Promise.all([
    listInstances(rds),
    listClusters(rds),
    census ? Promise.all([listDbSnapshots(rds, 'manual'), listDbClusterSnapshots(rds, 'manual')]).then(([a, b]) => [...a, ...b]) : undefined,
  ]);
  return { resources: [...instances, ...clusters], candidates: copies ? candidatesOf(copies, config.vaultOwnerId) : undefined };
}

async function listInstances(rds: RDSClient): Promise<Restored[]> {
  const out: Restored[] = [];
  for await (const page of paginateDescribeDBInstances({ client: rds, pageSize: 100 }, {})) {
    for (const i of page.DBInstances ?? []) out.push(toRestoredInstance(i));
  }
  return out;
}

async function listClusters(rds: RDSClient): Promise<Restored[]> {
  const out: Restored[] = [];
  for await (const page of paginateDescribeDBClusters({ client: rds, pageSize: 100 }, {})) {
    for (const c of page.DBClusters ?? []) out.push(toRestoredCluster(c));
  }
  return out;
}

export function toRestoredInstance(i: DBInstance): Restored {
  return {
    kind: 'instance',
    identifier: i.DBInstanceIdentifier ?? '',
    arn: i.DBInstanceArn ?? '',
    status: i.DBInstanceStatus ?? 'unknown',
    engine: i.Engine ?? '',
    tags: toTagMap(i.TagList),
    ...(i.InstanceCreateTime ? { createdAt: i.InstanceCreateTime } : {}),
    ...(i.Endpoint?.Address ? { endpoint: { address: i.Endpoint.Address, port: i.Endpoint.Port ?? 0 } } : {}),
    ...(i.MasterUserSecret?.SecretArn ? { secretArn: i.MasterUserSecret.SecretArn } : {}),
    ...(i.DBClusterIdentifier ? { clusterIdentifier: i.DBClusterIdentifier } : {}),
  };
}

export function toRestoredCluster(c: DBCluster): Restored {
  return {
    kind: 'cluster',
    identifier: c.DBClusterIdentifier ?? '',
    arn: c.DBClusterArn ?? '',
    status: c.Status ?? 'unknown',
    engine: c.Engine ?? '',
    tags: toTagMap(c.TagList),
    ...(c.ClusterCreateTime ? { createdAt: c.ClusterCreateTime } : {}),
    ...(c.Endpoint ? { endpoint: { address: c.Endpoint, port: c.Port ?? 0 } } : {}),
    ...(c.MasterUserSecret?.SecretArn ? { secretArn: c.MasterUserSecret.SecretArn } : {}),
    members: (c.DBClusterMembers ?? []).map((m) => m.DBInstanceIdentifier ?? ''),
  };
}

function labelOf(a: DrillAction): ActionLabel {
  switch (a.type) {
    case 'restore': return { action: a.type, snapshot: a.candidate.copy.identifier, database: a.candidate.key };
    case 'delete': return { action: a.type, snapshot: a.resource.identifier };
    default: {
      const database = a.drill.database ? databaseKey(a.drill.database) : a.drill.root.identifier;
      return { action: a.type, snapshot: a.drill.snapshot, database };
    }
  }
}

function explain(code: string | undefined, action: string, config: DrillConfig): string | undefined {
  if (code !== 'AccessDenied' && code !== 'AccessDeniedException') return undefined;
  return {
    restore: `the drill role needs the restore actions on the vault's copies and on drill-* with the request tag ${DrillTagKeys.OWNER}=${config.ownerId}`,
    delete: `the drill role deletes only DB instances and clusters tagged ${DrillTagKeys.OWNER}=${config.ownerId}`,
  }[action] ?? `recording a verdict needs rds:AddTagsToResource with the tag keys ${DRILL_RECORD_TAG_KEYS.join(', ')} on the vault's copies, and ${DrillTagKeys.VERDICT} `
    + 'on the drill\'s own restores; a service control policy of the vault must exempt the drill role (RdsRestoreDrill registers it with the vault)';
}

/** The drill's tags on what it restores for a candidate: ownership, the database and the copy, the start time and the run. */
function drillTags(config: DrillConfig, candidate: DrillCandidate, started: Date, run: string | undefined) {
  return toTagList({
    [DrillTagKeys.OWNER]: config.ownerId,
    [DrillTagKeys.DATABASE]: candidate.key,
    [DrillTagKeys.SNAPSHOT]: candidate.copy.identifier,
    [DrillTagKeys.STARTED]: started.toISOString(),
    ...(run ? { [DrillTagKeys.RUN]: run } : {}),
  });
}

/** The ARN of the vault copy a drill restored, in the account and Region of what it restored. */
export function vaultCopyArn(d: Drill): string | undefined {
  if (!d.snapshot) return undefined;
  const { partition, region, account } = parseArnAccount(d.root.arn);
  return `arn:${partition}:rds:${region}:${account}:${d.root.kind === 'cluster' ? 'cluster-snapshot' : 'snapshot'}:${d.snapshot}`;
}

class DrillExecutor {
  public started = 0;
  public deleted = 0;
  /** Validations left for a later pass: too little of this invocation was left to wait for one. */
  public deferred = 0;
  public readonly judged: Judged[] = [];

  constructor(private readonly deps: DrillDeps, private readonly config: DrillConfig, private readonly now: Date, private readonly run?: string) {}

  public async execute(a: DrillAction): Promise<void> {
    const rds = this.deps.rds;
    switch (a.type) {
      case 'restore': return this.restore(a.candidate, a.identifier, a.instanceClass);
      case 'add-writer': return this.addWriter(a.drill, a.identifier, a.instanceClass);
      case 'mark-available':
        await rds.send(new AddTagsToResourceCommand({
          ResourceName: a.drill.root.arn, Tags: toTagList({ [DrillTagKeys.AVAILABLE]: a.at.toISOString() }),
        }));
        return;
      case 'manage-password': return this.managePassword(a.drill);
      case 'validate': return this.validate(a.drill, a.restoreSeconds);
      case 'judge': return this.finish(a.drill, { passed: a.passed, reason: a.reason }, a.restoreSeconds);
      case 'delete': return this.delete(a.resource);
    }
  }

  /**
   * Restores the newest vault copy of a database: no public access, Single-AZ,
   * no deletion protection, backups off (Aurora: the minimum, one day), in the
   * drill's subnet group and security groups, encrypted with the vault key. A
   * DB instance restore takes no key: it keeps the copy's, which is the vault
   * key (RDS API Reference, RestoreDBInstanceFromDBSnapshot); a cluster
   * restore names the vault key. The API Reference describes what a
   * restored cluster's encryption follows "If you don't specify a value for
   * the KmsKeyId parameter"; that naming it also encrypts the restore of an
   * unencrypted copy is read from that, not confirmed. Tags are always given, so that none of the
   * source's are copied on. A restore that RDS refuses fails the drill of
   * that database: a recovery point that cannot be restored is what the
   * drill is there to find.
   */
  private async restore(c: DrillCandidate, identifier: string, instanceClass: string): Promise<void> {
    const tags = drillTags(this.config, c, this.now, this.run);
    const network = { DBSubnetGroupName: this.config.subnetGroupName, VpcSecurityGroupIds: [...this.config.securityGroupIds] };
    try {
      if (c.copy.kind === 'cluster') {
        await this.deps.rds.send(new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: identifier,
          SnapshotIdentifier: c.copy.identifier,
          Engine: c.copy.engine,
          EngineVersion: c.copy.engineVersion,
          ...network,
          // The vault key encrypts the restore even of an unencrypted copy (RDS cannot encrypt a cluster snapshot by copying it).
          KmsKeyId: this.config.vaultKeyArn,
          DeletionProtection: false,
          BackupRetentionPeriod: 1,
          CopyTagsToSnapshot: false,
          Tags: tags,
        }));
      } else {
        const out = await this.deps.rds.send(new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: identifier,
          DBSnapshotIdentifier: c.copy.identifier,
          DBInstanceClass: instanceClass,
          ...network,
          PubliclyAccessible: false,
          MultiAZ: false,
          DeletionProtection: false,
          BackupRetentionPeriod: 0,
          AutoMinorVersionUpgrade: false,
          CopyTagsToSnapshot: false,
          Tags: tags,
        }));
        // An SDK in the Lambda runtime older than February 2026 does not know BackupRetentionPeriod on a restore, and drops it.
        const retention = out.DBInstance?.BackupRetentionPeriod;
        if (retention !== undefined && retention !== 0) {
          this.deps.log.log('warn', 'the restore keeps automated backups: RDS did not take BackupRetentionPeriod 0', { event: 'backups-not-off', restored: identifier, retention });
        }
      }
      this.started += 1;
      this.deps.log.log('info', 'restore started', { event: 'restore-started', database: c.key, snapshot: c.copy.identifier, restored: identifier, instanceClass });
    } catch (e) {
      if (isRdsError(e, 'DBInstanceAlreadyExists') || isRdsError(e, 'DBClusterAlreadyExists')) return;
      // A quota, no capacity, a missing grant: the account's problem, not the recovery point's. The next drill tries again.
      if (drillErrorKind(errorCode(e)) === 'retry') throw e;
      const reason = `restore-refused: ${errorCode(e) ?? 'error'}: ${(e as Error).message}`;
      this.deps.log.log('error', 'restore refused', { event: 'restore-refused', database: c.key, snapshot: c.copy.identifier, reason });
      await this.record(c.copy.arn, { passed: false, reason }, undefined);
      this.judged.push({ database: c.database, passed: false, reason });
    }
  }

  /** A restored cluster has no instances; the drill adds one writer (RDS API Reference, RestoreDBClusterFromSnapshot). */
  private async addWriter(d: Drill, identifier: string, instanceClass: string): Promise<void> {
    const progress: string[] = [DrillTagKeys.AVAILABLE, DrillTagKeys.VERDICT];
    const tags = toTagList(Object.fromEntries(Object.entries(d.root.tags).filter(([k]) => !progress.includes(k))));
    try {
      await this.deps.rds.send(new CreateDBInstanceCommand({
        DBInstanceIdentifier: identifier,
        DBClusterIdentifier: d.root.identifier,
        Engine: d.root.engine,
        DBInstanceClass: instanceClass,
        PubliclyAccessible: false,
        AutoMinorVersionUpgrade: false,
        Tags: tags,
      }));
    } catch (e) {
      if (!isRdsError(e, 'DBInstanceAlreadyExists')) await this.refusedOrRetry(d, 'writer-refused', e);
    }
  }

  /**
   * ManageMasterUserPassword is not a restore parameter, except for Oracle:
   * RDS creates the secret when the restore is modified (RDS User Guide,
   * "Password management with Amazon RDS and AWS Secrets Manager"; RDS API
   * Reference, RestoreDBInstanceFromDBSnapshot).
   */
  private async managePassword(d: Drill): Promise<void> {
    const manage = { ManageMasterUserPassword: true, ApplyImmediately: true };
    try {
      if (d.root.kind === 'cluster') {
        await this.deps.rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: d.root.identifier, ...manage }));
      } else {
        await this.deps.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: d.root.identifier, ...manage }));
      }
    } catch (e) {
      await this.refusedOrRetry(d, 'password-refused', e);
    }
  }

  /** An error RDS will give again fails the drill with it as the reason; any other is thrown, and the next pass tries again. */
  private async refusedOrRetry(d: Drill, what: string, e: unknown): Promise<void> {
    if (drillErrorKind(errorCode(e)) === 'retry') throw e;
    await this.finish(d, { passed: false, reason: `${what}: ${errorCode(e) ?? 'error'}: ${(e as Error).message}` });
  }

  private async validate(d: Drill, restoreSeconds: number): Promise<void> {
    // A validation that could not finish before the invocation ends would lose its verdict's metrics with the pass: it waits for the next.
    if (this.deps.remainingMs() < (this.config.validationTimeoutMs ?? 0) + TIME_RESERVE_MS) {
      this.deferred += 1;
      this.deps.log.log('warn', 'too little time is left for a validation; the next pass runs it', { event: 'deferred', action: 'validate', restored: d.root.identifier });
      return;
    }
    const copyArn = vaultCopyArn(d);
    if (!this.deps.validate || !d.database || !copyArn || !d.root.endpoint || !d.root.secretArn) {
      return this.finish(d, { passed: false, reason: 'validation-impossible: the drill lacks its database, endpoint or secret' }, restoreSeconds);
    }
    const started = Date.now();
    const verdict = await this.deps.validate({
      version: VALIDATION_REQUEST_VERSION,
      database: d.database,
      snapshotArn: copyArn,
      engine: d.root.engine,
      restoredIdentifier: d.root.identifier,
      endpoint: d.root.endpoint,
      secretArn: d.root.secretArn,
    });
    return this.finish(d, verdict, restoreSeconds, (Date.now() - started) / 1000);
  }

  /**
   * Judges a drill: the verdict tag on what it restored first, which commits
   * it (a pass that finds it there never judges the drill again), then the
   * record on the vault copy, then the deletion. A verdict that cannot be
   * written stops here and is retried by the next pass, unless the drill is
   * past its lifetime: then it is deleted all the same.
   */
  private async finish(d: Drill, verdict: ValidationVerdict, restoreSeconds?: number, validationSeconds?: number): Promise<void> {
    const errors: unknown[] = [];
    const value = verdict.passed ? 'passed' : tagSafe(`failed ${verdict.reason ?? ''}`);
    const pastLifetime = this.now.getTime() - d.started.getTime() > this.config.maxLifetimeMs;
    try {
      await this.deps.rds.send(new AddTagsToResourceCommand({ ResourceName: d.root.arn, Tags: toTagList({ [DrillTagKeys.VERDICT]: value }) }));
    } catch (e) {
      if (!pastLifetime) throw e;
      errors.push(e);
    }
    const copyArn = vaultCopyArn(d);
    if (copyArn) await this.record(copyArn, verdict, restoreSeconds).catch((e) => errors.push(e));
    if (d.database) {
      this.judged.push({
        database: d.database,
        passed: verdict.passed,
        ...(verdict.reason ? { reason: verdict.reason } : {}),
        ...(verdict.passed && restoreSeconds !== undefined ? { restoreSeconds } : {}),
        ...(validationSeconds !== undefined ? { validationSeconds } : {}),
      });
    }
    this.deps.log.log(verdict.passed ? 'info' : 'error', verdict.passed ? 'restore drill passed' : 'restore drill failed', {
      event: 'drill-judged',
      database: d.database ? databaseKey(d.database) : undefined,
      restored: d.root.identifier,
      passed: verdict.passed,
      reason: verdict.reason,
      restoreSeconds,
      validationSeconds,
    });
    for (const next of advance(this.config, { ...d, verdict: value }, this.now)) await this.execute(next);
    if (errors.length > 0) throw errors[0];
  }

  private async record(copyArn: string, verdict: ValidationVerdict, restoreSeconds: number | undefined): Promise<void> {
    const record = formatDrillRecord({ at: this.now, passed: verdict.passed, restoreSeconds });
    const tags = { [TagKeys.RESTORE_DRILL]: record, ...(verdict.passed ? { [TagKeys.RESTORE_DRILL_PASSED]: record } : {}) };
    await this.deps.rds.send(new AddTagsToResourceCommand({ ResourceName: copyArn, Tags: toTagList(tags) }));
  }

  /**
   * Deletes what a drill restored: no final snapshot, no automated backups
   * kept. One already gone counts as deleted; one in a state RDS cannot
   * delete it from yet (creating, modifying, being deleted) waits for a
   * later pass.
   */
  private async delete(r: Restored): Promise<void> {
    if (r.tags[DrillTagKeys.OWNER] !== this.config.ownerId) throw new Error(`refusing to delete ${r.identifier}: it is not this drill's`);
    try {
      if (r.kind === 'cluster') {
        await this.deps.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: r.identifier, SkipFinalSnapshot: true }));
      } else {
        await this.deps.rds.send(new DeleteDBInstanceCommand({
          DBInstanceIdentifier: r.identifier, SkipFinalSnapshot: true, DeleteAutomatedBackups: true,
        }));
      }
      this.deleted += 1;
      this.deps.log.log('info', 'drill resource deleted', { event: 'drill-deleted', restored: r.identifier, kind: r.kind });
    } catch (e) {
      if (isRdsError(e, 'DBInstanceNotFound') || isRdsError(e, 'DBClusterNotFound')) return;
      if (!isRdsError(e, 'InvalidDBInstanceState') && !isRdsError(e, 'InvalidDBClusterStateFault') && !isRdsError(e, 'InvalidDBClusterState')) throw e;
      this.deferred += 1;
      this.deps.log.log('info', 'the deletion waits: RDS cannot delete it in its state yet', { event: 'deletion-waits', restored: r.identifier, errorCode: errorCode(e) });
    }
  }
}
