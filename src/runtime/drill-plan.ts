/**
 * The restore drill's planner: state in, actions out, no AWS calls. Each pass
 * moves every drill one step along
 *
 *   restoring → (cluster: adding its writer) → available → (validating) → judged → deleted
 *
 * reading each drill's state from the tags on what it restored (tags.ts,
 * DrillTagKeys) and from RDS's status, and starts new drills on the drill's
 * schedule. Nothing waits: a restore that is not available yet is left for
 * the next pass. The steps:
 *
 * - own: the drills this drill owns, by its tag; nothing else is ever acted on.
 * - advance: one drill's next step, or its deletion once judged or past its lifetime.
 * - rotate: which databases to restore now, least recently drilled first,
 *   within the cap on drills in flight.
 */
import { DbKind } from './budget';
import {
  databaseKey, DrilledDatabase, DrillRecord, drillIdentifier, instanceClassFor, parseDatabaseKey, parseDrillRecord, writerIdentifier,
} from './drill-records';
import { DbSnapshot } from './shipper-plan';
import { DrillTagKeys, TagKeys, TagMap } from './tags';

export interface DrillPlanConfig {
  /** The drill's owner id: the value of its ownership tag. */
  readonly ownerId: string;
  /** How many databases a drill restores. */
  readonly databasesPerDrill: number;
  /** The most drills in flight at once, counting those being deleted. */
  readonly maxConcurrentRestores: number;
  /** A drill older than this is judged failed, if it is not judged yet, and deleted. */
  readonly maxLifetimeMs: number;
  /** Whether a validation function checks each restore once it is available. */
  readonly validates: boolean;
  /** DB instance classes by engine, over the smallest practical ones (drill-records.ts). */
  readonly instanceClasses?: Readonly<Record<string, string>>;
}

/** A database the drill may restore: its newest available vault copy, and its drill records. */
export interface DrillCandidate {
  readonly database: DrilledDatabase;
  readonly key: string;
  readonly copy: DbSnapshot;
  /** The newest record on any of its vault copies. */
  readonly lastAttempt?: DrillRecord;
  /** The newest passed record on any of its vault copies. */
  readonly lastSuccess?: DrillRecord;
  /**
   * Since when the vault holds it: the earliest time of its vault copies (a
   * copy's creation or its recovery point, whichever is earlier). A database
   * never drilled is overdue only once the alarm's maxAge has passed since.
   */
  readonly heldSince?: Date;
}

/** A DB instance or cluster in the account, as the drill reads it. */
export interface Restored {
  readonly kind: DbKind;
  readonly identifier: string;
  readonly arn: string;
  readonly status: string;
  readonly engine: string;
  readonly tags: TagMap;
  /** When RDS created it. */
  readonly createdAt?: Date;
  readonly endpoint?: { readonly address: string; readonly port: number };
  /** The secret that RDS manages for its master user, once there is one. */
  readonly secretArn?: string;
  /** An instance: the cluster it belongs to. */
  readonly clusterIdentifier?: string;
  /** A cluster: its instances. */
  readonly members?: readonly string[];
}

/** One drill: what it restored, and (for a cluster) the writer it added. */
export interface Drill {
  readonly root: Restored;
  readonly writer?: Restored;
  /** The database drilled, from the drill's tag; undefined if the tag is not a database key. */
  readonly database?: DrilledDatabase;
  /** The vault copy restored, by identifier. */
  readonly snapshot: string;
  readonly started: Date;
  readonly available?: Date;
  readonly verdict?: string;
  /** The drill run that started it. */
  readonly run?: string;
}

export type DrillAction =
  | { readonly type: 'restore'; readonly candidate: DrillCandidate; readonly identifier: string; readonly instanceClass: string }
  | { readonly type: 'add-writer'; readonly drill: Drill; readonly identifier: string; readonly instanceClass: string }
  | { readonly type: 'mark-available'; readonly drill: Drill; readonly at: Date }
  | { readonly type: 'manage-password'; readonly drill: Drill }
  | { readonly type: 'validate'; readonly drill: Drill; readonly restoreSeconds: number }
  | { readonly type: 'judge'; readonly drill: Drill; readonly passed: boolean; readonly reason?: string; readonly restoreSeconds?: number }
  | { readonly type: 'delete'; readonly resource: Restored };

export interface DrillPlan {
  readonly drills: readonly Drill[];
  readonly actions: readonly DrillAction[];
  /** Databases that a drill was due for but that the cap on drills in flight held back. */
  readonly heldBack: number;
  /** Drills still there twice their lifetime after they started: their deletion is stuck, and someone must look. */
  readonly overdue: readonly Drill[];
}

/** A drill run: the schedule's event that starts restores. */
export interface DrillRun {
  readonly run: string;
}

/** RDS statuses from which a restore never becomes available by itself (RDS User Guide, "Viewing Amazon RDS DB instance status"). */
export const FAILED_STATUSES: ReadonlySet<string> = new Set([
  'failed', 'incompatible-restore', 'incompatible-parameters', 'incompatible-network', 'incompatible-option-group',
  'incompatible-credentials', 'inaccessible-encryption-credentials', 'inaccessible-encryption-credentials-recoverable',
  'restore-error', 'storage-full',
]);

export function planDrill(
  config: DrillPlanConfig, resources: readonly Restored[], candidates: readonly DrillCandidate[] | undefined, now: Date, starting?: DrillRun,
): DrillPlan {
  const { drills, orphans } = own(config.ownerId, resources);
  const actions: DrillAction[] = [
    ...orphans.filter((o) => o.status !== 'deleting').map((resource) => ({ type: 'delete' as const, resource })),
    ...drills.flatMap((d) => advance(config, d, now)),
  ];
  const rotation = starting && candidates ? rotate(config, candidates, drills, starting) : { restores: [], heldBack: 0 };
  const overdue = drills.filter((d) => now.getTime() - d.started.getTime() > 2 * config.maxLifetimeMs);
  return { drills, actions: [...actions, ...rotation.restores], heldBack: rotation.heldBack, overdue };
}

/**
 * The drills this drill owns: every instance and cluster whose ownership tag
 * is its owner id, and nothing else. A cluster's writer belongs to its
 * drill; a writer whose cluster is gone is an orphan, to delete.
 */
export function own(ownerId: string, resources: readonly Restored[]): { drills: Drill[]; orphans: Restored[] } {
  const owned = resources.filter((r) => r.tags[DrillTagKeys.OWNER] === ownerId);
  const clusters = new Map(owned.filter((r) => r.kind === 'cluster').map((c) => [c.identifier, c]));
  const writers = new Map<string, Restored>();
  const orphans: Restored[] = [];
  for (const r of owned) {
    if (r.kind !== 'instance' || r.clusterIdentifier === undefined) continue;
    if (clusters.has(r.clusterIdentifier)) writers.set(r.clusterIdentifier, r);
    else orphans.push(r);
  }
  const roots = owned.filter((r) => r.kind === 'cluster' || r.clusterIdentifier === undefined);
  return { drills: roots.map((root) => drillOf(root, writers.get(root.identifier))), orphans };
}

function drillOf(root: Restored, writer: Restored | undefined): Drill {
  const time = (key: string) => {
    const t = root.tags[key] ? new Date(root.tags[key]) : undefined;
    return t && !Number.isNaN(t.getTime()) ? t : undefined;
  };
  return {
    root,
    ...(writer ? { writer } : {}),
    database: parseDatabaseKey(root.tags[DrillTagKeys.DATABASE] ?? ''),
    snapshot: root.tags[DrillTagKeys.SNAPSHOT] ?? '',
    started: startOf(time(DrillTagKeys.STARTED), root.createdAt),
    available: time(DrillTagKeys.AVAILABLE),
    verdict: root.tags[DrillTagKeys.VERDICT],
    ...(root.tags[DrillTagKeys.RUN] ? { run: root.tags[DrillTagKeys.RUN] } : {}),
  };
}

/** The earlier of the start tag and RDS's creation time: a tag set in the future cannot extend a drill's lifetime, nor a missing one end it. */
function startOf(tagged: Date | undefined, created: Date | undefined): Date {
  const times = [tagged, created].filter((t): t is Date => t !== undefined);
  return times.length > 0 ? new Date(Math.min(...times.map((t) => t.getTime()))) : new Date(0);
}

/** One drill's next step. */
export function advance(config: DrillPlanConfig, d: Drill, now: Date): DrillAction[] {
  if (d.verdict !== undefined) return teardown(d);
  if (now.getTime() - d.started.getTime() > config.maxLifetimeMs) {
    return [{ type: 'judge', drill: d, passed: false, reason: `lifetime-exceeded: not judged within ${Math.round(config.maxLifetimeMs / 60_000)} minutes` }];
  }
  if (FAILED_STATUSES.has(d.root.status) || (d.writer && FAILED_STATUSES.has(d.writer.status))) {
    return [{ type: 'judge', drill: d, passed: false, reason: `restore-failed: RDS reports ${d.writer && FAILED_STATUSES.has(d.writer.status) ? 'the writer' : 'it'} ${FAILED_STATUSES.has(d.root.status) ? d.root.status : d.writer!.status}` }];
  }
  if (d.root.status !== 'available') return [];
  if (d.root.kind === 'cluster') {
    if (!d.writer) {
      return [{ type: 'add-writer', drill: d, identifier: writerIdentifier(d.root.identifier), instanceClass: instanceClassFor(d.root.engine, config.instanceClasses) }];
    }
    if (d.writer.status !== 'available') return [];
  }
  const restoreSeconds = Math.round(((d.available ?? now).getTime() - d.started.getTime()) / 1000);
  if (!config.validates) return [{ type: 'judge', drill: d, passed: true, restoreSeconds }];
  if (!d.available) return [{ type: 'mark-available', drill: d, at: now }, { type: 'manage-password', drill: d }];
  if (!d.root.secretArn) return [{ type: 'manage-password', drill: d }];
  return [{ type: 'validate', drill: d, restoreSeconds }];
}

/** A judged drill is deleted: a cluster's writer first, then the cluster once it has no instance left. */
function teardown(d: Drill): DrillAction[] {
  if (d.writer) return d.writer.status === 'deleting' ? [] : [{ type: 'delete', resource: d.writer }];
  if (d.root.kind === 'cluster' && (d.root.members ?? []).length > 0) return [];
  return d.root.status === 'deleting' ? [] : [{ type: 'delete', resource: d.root }];
}

/**
 * The databases to restore now: those with no drill in flight, least recently
 * drilled first (never drilled before all others, then by key), as many as
 * `databasesPerDrill` (less what this run already started: a retried start
 * adds nothing) and the free slots under `maxConcurrentRestores` allow.
 * Every drill records its verdict on the vault copy, so with N databases and
 * n per drill each database is drilled at least once in every ceil(N / n)
 * drills that the cap does not cut short (drill-plan.test.ts).
 */
export function rotate(
  config: DrillPlanConfig, candidates: readonly DrillCandidate[], drills: readonly Drill[], starting: DrillRun,
): { restores: DrillAction[]; heldBack: number } {
  const inFlight = new Set(drills.map((d) => (d.database ? databaseKey(d.database) : '')));
  const due = candidates.filter((c) => !inFlight.has(c.key)).sort(leastRecentlyDrilled);
  const startedThisRun = drills.filter((d) => d.run === starting.run).length;
  const wanted = Math.min(Math.max(0, config.databasesPerDrill - startedThisRun), due.length);
  const slots = Math.max(0, config.maxConcurrentRestores - drills.length);
  const restores = due.slice(0, Math.min(wanted, slots)).map((candidate) => ({
    type: 'restore' as const,
    candidate,
    identifier: drillIdentifier(config.ownerId, candidate.database),
    instanceClass: instanceClassFor(candidate.copy.engine, config.instanceClasses),
  }));
  return { restores, heldBack: wanted - restores.length };
}

function leastRecentlyDrilled(a: DrillCandidate, b: DrillCandidate): number {
  const at = (c: DrillCandidate) => c.lastAttempt?.at.getTime() ?? -Infinity;
  return at(a) - at(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/**
 * The census: per source database, its newest available vault copy and the
 * newest drill records on any of its copies. Only the vault's own copies
 * count, by the vault's ownership tag.
 */
export function candidatesOf(copies: readonly DbSnapshot[], vaultOwnerId: string): DrillCandidate[] {
  type Entry = { database: DrilledDatabase; copy?: DbSnapshot; lastAttempt?: DrillRecord; lastSuccess?: DrillRecord; heldSince?: number };
  const byKey = new Map<string, Entry>();
  for (const s of copies) {
    if (s.tags[TagKeys.OWNER] !== vaultOwnerId) continue;
    const database: DrilledDatabase = {
      kind: s.kind ?? 'instance',
      account: s.tags[TagKeys.SOURCE_ACCOUNT] ?? '',
      region: s.tags[TagKeys.SOURCE_REGION] ?? '',
      database: s.tags[TagKeys.SOURCE_DATABASE] ?? '',
    };
    const key = databaseKey(database);
    if (!parseDatabaseKey(key)) continue;
    const entry = byKey.get(key) ?? { database };
    byKey.set(key, entry);
    if (s.status === 'available' && (!entry.copy || recoveryPoint(s) > recoveryPoint(entry.copy))) entry.copy = s;
    const held = Math.min(recoveryPoint(s), s.createTime?.getTime() ?? Infinity);
    if (s.status === 'available' && held > 0) entry.heldSince = Math.min(entry.heldSince ?? Infinity, held);
    const record = parseDrillRecord(s.tags[TagKeys.RESTORE_DRILL]);
    if (record && (!entry.lastAttempt || record.at > entry.lastAttempt.at)) entry.lastAttempt = record;
    for (const passed of [record, parseDrillRecord(s.tags[TagKeys.RESTORE_DRILL_PASSED])]) {
      if (passed?.passed && (!entry.lastSuccess || passed.at > entry.lastSuccess.at)) entry.lastSuccess = passed;
    }
  }
  return [...byKey.entries()].flatMap(([key, e]) => (e.copy
    ? [{
      key,
      database: e.database,
      copy: e.copy,
      lastAttempt: e.lastAttempt,
      lastSuccess: e.lastSuccess,
      ...(e.heldSince ? { heldSince: new Date(e.heldSince) } : {}),
    }]
    : []));
}

/** A vault copy's recovery point: the source snapshot's time, else its own. */
function recoveryPoint(s: DbSnapshot): number {
  const t = s.tags[TagKeys.SOURCE_TIME] ? new Date(s.tags[TagKeys.SOURCE_TIME]).getTime() : NaN;
  return Number.isNaN(t) ? (s.createTime?.getTime() ?? 0) : t;
}
