/**
 * The shipper's planner: a pure function from the observed state of the Live
 * account to the actions that bring it to the desired state. It performs no I/O
 * and reads no clock, so every case is unit-testable.
 *
 * Desired state, for every selected database:
 * - with a recovery point interval below a day, a snapshot the shipper took of
 *   it in the current interval (recovery-points.ts);
 * - a shipping copy of its newest available automated or taken snapshot
 *   exists, owned by this shipper and encrypted with the shipping key;
 * - every available copy it owns is shared with the vault account and announced;
 * - its copies are trimmed by invariant 3 of the design: a copy is deleted only
 *   when it is older than the retention and a newer shared copy of the same
 *   database exists.
 */
import { AccountQuotas, Budget, BudgetConfig, budgetOf, DbKind, kindOf, refusalMessage, refusalOf, take } from './budget';
import { isValidDbIdentifier, maxClusterIdentifierLength, shippingCopyIdentifier } from './naming';
import { isShareable, isTaken, planRecoveryPoints, RecoveryPointSchedule } from './recovery-points';
import { byStaleness } from './staleness';
import { planHandOn } from './successors';
import { TagKeys, TagMap } from './tags';

export type { DbKind } from './budget';
export { kindOf } from './budget';

export interface DatabaseSelection {
  /** DB instances named explicitly. */
  readonly identifiers?: readonly string[];
  /** DB clusters (Aurora) named explicitly. */
  readonly clusterIdentifiers?: readonly string[];
  /** Databases that carry this tag, found at run time. */
  readonly tag?: { readonly key: string; readonly value: string };
}

export interface ShipperPlanConfig extends BudgetConfig {
  readonly ownerId: string;
  readonly selection: DatabaseSelection;
  /** How long shipped copies are kept, in milliseconds. */
  readonly retentionMs: number;
  /**
   * The Region of the databases, when the shipper copies their snapshots out
   * of it into its own: the copies' names end with its code (naming.ts).
   * @default - the shipper's own Region
   */
  readonly sourceRegion?: string;
  /**
   * Recovery points more often than daily: the shipper takes its own
   * snapshot of each selected database once per interval (recovery-points.ts).
   * @default - the daily automated snapshots only
   */
  readonly recoveryPoints?: RecoveryPointSchedule;
  /**
   * The ARNs of the databases' keys that the vault account may use: a
   * snapshot the shipper took under one of them is shared as it is, with no
   * copy in Live (recovery-points.ts).
   * @default - none: every snapshot is copied under the shipping key
   */
  readonly shareableKeyArns?: readonly string[];
  /**
   * The Region the shipper makes its copies in: that of the ARN a copy has,
   * which findings about a snapshot still to be copied carry as their
   * `snapshotCorrelationId`.
   * @default - the Region of the snapshot copied
   */
  readonly copyRegion?: string;
}

/** A DB instance or a DB cluster: a database the shipper can ship. */
export interface DbInstance {
  /** @default 'instance' */
  readonly kind?: DbKind;
  readonly identifier: string;
  readonly arn: string;
  readonly engine: string;
  readonly status: string;
  readonly backupRetentionPeriod: number;
  readonly clusterIdentifier?: string;
  /** The key its storage, and so its snapshots, are encrypted with, if it is encrypted. */
  readonly kmsKeyId?: string;
  /** When RDS created it (InstanceCreateTime, ClusterCreateTime): it is expected in the vault no earlier. */
  readonly createdAt?: Date;
  readonly tags: TagMap;
}

export interface DbSnapshot {
  /** @default 'instance' */
  readonly kind?: DbKind;
  readonly identifier: string;
  readonly arn: string;
  readonly dbIdentifier: string;
  readonly type: 'automated' | 'manual' | string;
  readonly status: string;
  readonly createTime?: Date;
  readonly encrypted: boolean;
  readonly kmsKeyId?: string;
  readonly engine: string;
  readonly engineVersion?: string;
  readonly optionGroupName?: string;
  readonly tags: TagMap;
  /**
   * The resource id of the database the snapshot was taken from
   * (`DbiResourceId`, `DbClusterResourceId`): set by RDS, immutable, and kept
   * on every copy.
   */
  readonly resourceId?: string;
  /**
   * The Region RDS says the snapshot was copied from: a DB snapshot's
   * `SourceRegion` ("created in or copied from"), the Region of a DB cluster
   * snapshot's `SourceDBClusterSnapshotArn`. Absent where RDS reports none.
   */
  readonly originRegion?: string;
  /** When RDS took the original snapshot; a copy keeps it (DB snapshots only: `OriginalSnapshotCreateTime`). */
  readonly originalCreateTime?: Date;
}

export interface OptionGroup {
  readonly name: string;
  /** Names of the options that are permanent or persistent. */
  readonly permanentOrPersistent: readonly string[];
}

export interface ShipperState {
  readonly now: Date;
  readonly instances: readonly DbInstance[];
  readonly automatedSnapshots: readonly DbSnapshot[];
  /** Every manual snapshot in the account and region, owned by anyone. */
  readonly manualSnapshots: readonly DbSnapshot[];
  /** Option groups, by name, of the candidate snapshots that may need checking. */
  readonly optionGroups: ReadonlyMap<string, OptionGroup>;
  /** The account's manual snapshot quotas, where `DescribeAccountAttributes` could read them. */
  readonly quotas?: AccountQuotas;
  /**
   * Whether the state holds one database only (a pass woken by an RDS event
   * about it): the copies in flight of the whole account are then unknown,
   * and RDS enforces the limit on them.
   */
  readonly partial?: boolean;
  /**
   * In a pass that takes over a finished copy's slot: the databases still
   * waiting after this one, for its copy to hand on in turn (successors.ts).
   */
  readonly inheritedSuccessors?: string;
  /**
   * Why the databases' Region could not be read, for a shipper that copies out
   * of another Region: no database is selected or copied, and the shipper's
   * own copies are still shared, announced and trimmed.
   */
  readonly databasesUnreachable?: string;
}

export type ShipperAction =
  /** Takes a snapshot of a database: a recovery point of the current interval (recovery-points.ts). */
  | { readonly type: 'snapshot'; readonly database: string; readonly kind: DbKind; readonly targetIdentifier: string; readonly tags: TagMap }
  | {
    readonly type: 'copy';
    readonly database: string;
    readonly source: DbSnapshot;
    readonly targetIdentifier: string;
    readonly tags: TagMap;
    /**
     * Whether the copy is made under the shipping key. Always, except for an
     * unencrypted DB cluster snapshot: RDS cannot encrypt one by copying it.
     */
    readonly encrypt: boolean;
  }
  | { readonly type: 'share-and-announce'; readonly database: string; readonly snapshot: DbSnapshot }
  /** Records on a copy in flight the databases it hands its slot to when it finishes (successors.ts). */
  | { readonly type: 'set-successors'; readonly database: string; readonly snapshot: DbSnapshot; readonly successors: string }
  | { readonly type: 'delete'; readonly database: string; readonly snapshot: DbSnapshot; readonly cause: DeleteCause; readonly reason: string };

/**
 * Why a snapshot is deleted: a copy passed the retention (`expired`); RDS failed to make it
 * (`failed`); a snapshot the shipper took was shipped or overtaken
 * (`shipped`), or is of a database no longer selected (`deselected`).
 */
export type DeleteCause = 'expired' | 'failed' | 'shipped' | 'deselected';

export type FindingCode =
  | 'database-not-found'
  | 'invalid-database-identifier'
  | 'no-database-selected'
  | 'cluster-member'
  | 'automated-backups-disabled'
  | 'no-automated-snapshot'
  | 'cannot-share-tde'
  | 'cannot-share-option-group'
  | 'option-group-unknown'
  | 'name-conflict'
  | 'copy-in-progress'
  | 'copy-waits-for-previous'
  | 'already-copied'
  | 'copy-failed'
  | 'copy-deferred-in-flight-limit'
  | 'copy-deferred-snapshot-quota'
  | 'kept-newest-shared-copy'
  | 'cluster-unencrypted'
  | 'cannot-copy-multi-az-cluster'
  | 'cluster-name-too-long'
  | 'unsupported-engine'
  | 'databases-unreachable'
  | 'recovery-point-waits-for-previous'
  | 'database-not-available'
  | 'recovery-point-deferred'
  | 'recovery-point-failed'
  | 'newer-point-shipped';

export interface Finding {
  readonly level: 'info' | 'warn' | 'error';
  readonly code: FindingCode;
  readonly database?: string;
  readonly snapshot?: string;
  /** The ARN of the shipper copy the finding is about: the id that follows it into the vault's logs. */
  readonly snapshotCorrelationId?: string;
  readonly message: string;
}

export interface ShipperPlan {
  readonly actions: readonly ShipperAction[];
  readonly findings: readonly Finding[];
  /** The databases this pass treated as selected. */
  readonly selected: readonly string[];
  /** The same, with their kinds. */
  readonly selectedDatabases: ReadonlyArray<{ readonly kind: DbKind; readonly identifier: string }>;
  /** Per selected database, the recovery point of its newest shared and announced copy, if it has one. */
  readonly shipped: ReadonlyArray<{ readonly database: string; readonly time: Date }>;
}

/** Statuses of a snapshot that will never become available. */
const FAILED_STATUSES = new Set(['failed', 'error', 'incompatible-restore', 'incompatible-parameters']);

/** A snapshot that ended without data: it never becomes available. */
export function isFailed(snapshot: { readonly status: string }): boolean {
  return FAILED_STATUSES.has(snapshot.status);
}

/** A snapshot (a copy) that is still being made. */
export function isInProgress(snapshot: { readonly status: string }): boolean {
  return snapshot.status !== 'available' && !isFailed(snapshot);
}

/**
 * Oracle options that are permanent or persistent but do not prevent sharing
 * (RDS User Guide, "Sharing a DB snapshot": "You can't share a DB snapshot that
 * uses an option group with permanent or persistent options, except for Oracle
 * DB instances that have the Timezone or OLS option (or both).")
 */
const SHAREABLE_PERSISTENT_ORACLE_OPTIONS = new Set(['TIMEZONE', 'OLS']);
/** Transparent Data Encryption options: such snapshots cannot be shared at all. */
const TDE_OPTIONS = new Set(['TDE', 'TDE_HSM', 'TRANSPARENT_DATA_ENCRYPTION']);

/** Engines whose option groups can hold permanent, persistent or TDE options. */
export function mayHaveUnshareableOptions(engine: string): boolean {
  return engine.startsWith('oracle') || engine.startsWith('sqlserver');
}

export function isDefaultOptionGroup(name: string | undefined): boolean {
  return name === undefined || name === '' || name.startsWith('default:') || name.startsWith('default.');
}

export function isOwnedBy(snapshot: DbSnapshot, ownerId: string): boolean {
  return snapshot.tags[TagKeys.OWNER] === ownerId;
}

/** Whether a snapshot is one the shipper took under a key the vault may use: it is shared as it is, not copied. */
export function isSharedDirectly(snapshot: DbSnapshot, config: Pick<ShipperPlanConfig, 'shareableKeyArns'>): boolean {
  return isTaken(snapshot) && isShareable(snapshot.kmsKeyId, config.shareableKeyArns);
}

/** The recovery point a copy holds: the source snapshot's time, from its tag. */
export function sourceTimeOf(snapshot: DbSnapshot): Date | undefined {
  const tagged = snapshot.tags[TagKeys.SOURCE_TIME];
  if (tagged !== undefined) {
    const t = new Date(tagged);
    if (!Number.isNaN(t.getTime())) return t;
  }
  return snapshot.createTime;
}

function isAnnounced(snapshot: DbSnapshot): boolean {
  return snapshot.tags[TagKeys.ANNOUNCED] !== undefined;
}


/** Why a snapshot cannot be shared, or undefined if it can. */
function unshareableReason(snapshot: DbSnapshot, optionGroups: ReadonlyMap<string, OptionGroup>): Finding | undefined {
  if (!mayHaveUnshareableOptions(snapshot.engine) || isDefaultOptionGroup(snapshot.optionGroupName)) return undefined;
  const group = optionGroups.get(snapshot.optionGroupName!);
  if (!group) {
    return {
      level: 'error',
      code: 'option-group-unknown',
      database: snapshot.dbIdentifier,
      snapshot: snapshot.identifier,
      snapshotCorrelationId: snapshot.arn,
      message: `option group ${snapshot.optionGroupName} could not be read, so it is unknown whether ${snapshot.identifier} can be shared; it is not copied`,
    };
  }
  const options = group.permanentOrPersistent.map((o) => o.toUpperCase());
  const tde = options.filter((o) => TDE_OPTIONS.has(o));
  if (tde.length > 0) {
    return {
      level: 'error',
      code: 'cannot-share-tde',
      database: snapshot.dbIdentifier,
      snapshot: snapshot.identifier,
      snapshotCorrelationId: snapshot.arn,
      message: `snapshots of ${snapshot.dbIdentifier} use Transparent Data Encryption (option ${tde.join(', ')} in option group ${group.name}); RDS cannot share them, so this database is not shipped`,
    };
  }
  const blocking = options.filter((o) => !(snapshot.engine.startsWith('oracle') && SHAREABLE_PERSISTENT_ORACLE_OPTIONS.has(o)));
  if (blocking.length > 0) {
    return {
      level: 'error',
      code: 'cannot-share-option-group',
      database: snapshot.dbIdentifier,
      snapshot: snapshot.identifier,
      snapshotCorrelationId: snapshot.arn,
      message: `option group ${group.name} of ${snapshot.dbIdentifier} has permanent or persistent options (${blocking.join(', ')}); RDS cannot share such snapshots, so this database is not shipped`,
    };
  }
  return undefined;
}

function newestAvailable(snapshots: readonly DbSnapshot[]): DbSnapshot | undefined {
  let best: DbSnapshot | undefined;
  for (const s of snapshots) {
    if (s.status !== 'available' || !s.createTime) continue;
    if (!best || s.createTime.getTime() > best.createTime!.getTime()) best = s;
  }
  return best;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Resolves the selection of one kind against the databases of that kind that exist. */
function selectDatabases(kind: DbKind, config: ShipperPlanConfig, state: ShipperState, findings: Finding[]): DbInstance[] {
  // The databases cannot be read: none is missing, none is selected (planShipper reports why).
  if (state.databasesUnreachable) return [];
  const what = kind === 'cluster' ? 'DB cluster' : 'DB instance';
  const byId = new Map(state.instances.map((i) => [i.identifier.toLowerCase(), i]));
  const chosen = new Map<string, DbInstance>();
  const named = (kind === 'cluster' ? config.selection.clusterIdentifiers : config.selection.identifiers) ?? [];
  for (const id of named) {
    if (!isValidDbIdentifier(id)) {
      findings.push({ level: 'error', code: 'invalid-database-identifier', database: id, message: `${JSON.stringify(id)} is not a valid ${what} identifier` });
      continue;
    }
    const instance = byId.get(id.toLowerCase());
    if (!instance) {
      findings.push({ level: 'error', code: 'database-not-found', database: id, message: `${what} ${id} was not found; its existing copies are kept` });
      continue;
    }
    chosen.set(instance.identifier, instance);
  }
  const tag = config.selection.tag;
  if (tag) {
    for (const instance of state.instances) {
      if (instance.tags[tag.key] === tag.value) chosen.set(instance.identifier, instance);
    }
  }
  const out: DbInstance[] = [];
  for (const instance of chosen.values()) {
    if (kind === 'cluster' && !instance.engine.startsWith('aurora')) {
      const multiAz = instance.engine === 'mysql' || instance.engine === 'postgres';
      findings.push(multiAz
        ? {
          level: 'error',
          code: 'cannot-copy-multi-az-cluster',
          database: instance.identifier,
          message: `${instance.identifier} is a Multi-AZ DB cluster (engine ${instance.engine}); RDS cannot copy its snapshots, so it cannot be shipped`,
        }
        : {
          level: 'error',
          code: 'unsupported-engine',
          database: instance.identifier,
          message: `${instance.identifier} is a ${instance.engine} cluster, which is not an RDS database; it is not shipped`,
        });
      continue;
    }
    const maxLength = maxClusterIdentifierLength(config.sourceRegion);
    if (kind === 'cluster' && instance.identifier.length > maxLength) {
      findings.push({
        level: 'error',
        code: 'cluster-name-too-long',
        database: instance.identifier,
        message: `cluster ${instance.identifier} has a name of ${instance.identifier.length} characters; the names of its snapshot copies would pass RDS's limit of 63 `
          + `for cluster snapshots, so it is not shipped (at most ${maxLength} characters)`,
      });
      continue;
    }
    if (instance.clusterIdentifier) {
      findings.push({
        level: 'warn',
        code: 'cluster-member',
        database: instance.identifier,
        message: `${instance.identifier} is a member of cluster ${instance.clusterIdentifier}; its data is in the cluster's snapshots, so it is not shipped as an instance`,
      });
      continue;
    }
    out.push(instance);
  }
  if (out.length === 0 && chosen.size === 0) {
    const why = tag ? `no database carries the tag ${tag.key}=${tag.value}` : 'none of the configured databases exists';
    findings.push({ level: 'warn', code: 'no-database-selected', message: `${why}; nothing is shipped in this pass` });
  }
  return out.sort((a, b) => a.identifier.localeCompare(b.identifier));
}

/**
 * Plans a pass: DB instances and DB clusters each with their own API family,
 * their own snapshots, their own manual snapshot quota (Aurora User Guide,
 * "Quotas in Amazon Aurora") and their own limit on copies in flight.
 */
export function planShipper(config: ShipperPlanConfig, state: ShipperState): ShipperPlan {
  const instances = planKind('instance', config, state);
  const clusters = planKind('cluster', config, state);
  const selected = [...instances.selected, ...clusters.selected];
  // "Nothing selected" is a finding of the whole pass: only when neither kind
  // matched anything (a match that is then left out has its own finding).
  const findings = [...instances.findings, ...clusters.findings].filter((f) => f.code !== 'no-database-selected');
  const none = (p: ShipperPlan) => p.findings.find((f) => f.code === 'no-database-selected');
  if (state.databasesUnreachable) {
    findings.push({
      level: 'error',
      code: 'databases-unreachable',
      message: `the databases' Region cannot be read (${state.databasesUnreachable}): nothing is copied; the copies already made are shared, announced and trimmed`,
    });
  } else if (none(instances) && none(clusters)) {
    findings.push(none(instances)!);
  }
  return {
    actions: [...instances.actions, ...clusters.actions],
    findings,
    selected,
    selectedDatabases: [...instances.selectedDatabases, ...clusters.selectedDatabases],
    shipped: [...instances.shipped, ...clusters.shipped],
  };
}

/** A database whose newest automated snapshot has no copy yet. */
interface Candidate {
  readonly db: DbInstance;
  readonly source: DbSnapshot;
  readonly target: string;
}

/** The state of one kind only. */
function stateOfKind(kind: DbKind, state: ShipperState): ShipperState {
  return {
    ...state,
    instances: state.instances.filter((i) => kindOf(i) === kind),
    automatedSnapshots: state.automatedSnapshots.filter((s) => kindOf(s) === kind),
    manualSnapshots: state.manualSnapshots.filter((s) => kindOf(s) === kind),
  };
}

/** Per database, the recovery point of its newest shared and announced copy. */
function newestShipped(ownByDb: ReadonlyMap<string, readonly DbSnapshot[]>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [db, copies] of ownByDb) {
    for (const c of copies) {
      const t = sourceTimeOf(c)?.getTime();
      if (c.status === 'available' && isAnnounced(c) && t !== undefined && t > (out.get(db) ?? -Infinity)) out.set(db, t);
    }
  }
  return out;
}

function planKind(kind: DbKind, config: ShipperPlanConfig, fullState: ShipperState): ShipperPlan {
  const state = stateOfKind(kind, fullState);
  const findings: Finding[] = [];
  const actions: ShipperAction[] = [];
  const selected = selectDatabases(kind, config, state, findings);

  const own = state.manualSnapshots.filter((s) => isOwnedBy(s, config.ownerId));
  const databaseOf = (s: DbSnapshot) => s.tags[TagKeys.SOURCE_DATABASE] ?? s.dbIdentifier;
  // What is shipped: the copies, and the snapshots taken under a key the vault may use, which are shared as they are.
  const direct = new Set(own.filter((s) => isSharedDirectly(s, config)).map((s) => s.identifier));
  const ownByDb = groupBy(own.filter((s) => !isTaken(s) || direct.has(s.identifier)), databaseOf);
  const takenByDb = groupBy(own.filter(isTaken), databaseOf);
  const shippedTimes = newestShipped(ownByDb);

  // 1. Copy the newest automated or taken snapshot of every selected database
  //    that lacks one, the stalest databases first, within the budget.
  const candidates = copyCandidates(selected, config, state, ownByDb, takenByDb, shippedTimes, findings);
  const ordered = byStaleness(
    candidates, (c) => c.db.identifier, (c) => c.source.createTime!.getTime(), (db) => shippedTimes.get(db), (c) => c.db.identifier,
  );
  const inFlight = state.partial ? undefined : own.filter((s) => !isTaken(s) && isInProgress(s)).length;
  const budget = budgetOf(kind, config, state.quotas?.[kind], state.manualSnapshots.length, inFlight);
  const waiting: string[] = [];
  for (const candidate of ordered) {
    const copy = allocate(candidate, budget, config, findings);
    if (copy) actions.push(copy);
    else if (refusalOf(budget) === 'in-flight') waiting.push(candidate.db.identifier);
  }
  // Copies in flight hand their slots to the databases waiting, stalest first.
  // Only DB snapshot copies: RDS emits no event when a cluster copy finishes.
  if (kind === 'instance') handOn(state, [...ownByDb.values()].flat(), waiting, actions);

  // 2. Every copy this shipper owns, selected database or not: share and
  //    announce the finished ones, clear failed ones, trim by retention.
  for (const [database, copies] of [...ownByDb.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    for (const copy of copies) reconcileCopy(database, copy, copies, config, state.now, actions, findings);
  }

  // 3. With an interval below a day: take the recovery points due, and delete
  //    the taken snapshots that are shipped. After the deletions of step 2: a
  //    failed snapshot shared as it is holds the name its interval's next takes.
  if (config.recoveryPoints) {
    takeRecoveryPoints(kind, config, config.recoveryPoints, { state, selected, takenByDb, ownByDb, shippedTimes, budget, actions, findings });
  }

  const shipped = selected.flatMap((db) => {
    const time = shippedTimes.get(db.identifier);
    return time === undefined ? [] : [{ database: db.identifier, time: new Date(time) }];
  });
  const selectedDatabases = selected.map((d) => ({ kind, identifier: d.identifier }));
  return { actions, findings, selected: selected.map((d) => d.identifier), selectedDatabases, shipped };
}

/** One copy's next step: delete it if it failed, wait while RDS makes it, share and announce it, or trim it. */
function reconcileCopy(
  database: string, copy: DbSnapshot, copies: readonly DbSnapshot[], config: ShipperPlanConfig, now: Date,
  actions: ShipperAction[], findings: Finding[],
): void {
  if (isFailed(copy)) {
    findings.push({ level: 'error', code: 'copy-failed', database, snapshot: copy.identifier, snapshotCorrelationId: copy.arn, message: `copy ${copy.identifier} ended in status ${copy.status}; it is deleted so that a later pass can copy again` });
    actions.push({ type: 'delete', database, snapshot: copy, cause: 'failed', reason: `copy ended in status ${copy.status}` });
    return;
  }
  if (isInProgress(copy)) {
    findings.push({ level: 'info', code: 'copy-in-progress', database, snapshot: copy.identifier, snapshotCorrelationId: copy.arn, message: `copy ${copy.identifier} is ${copy.status}; a later pass shares it` });
    return;
  }
  if (!isAnnounced(copy)) {
    actions.push({ type: 'share-and-announce', database, snapshot: copy });
    return;
  }
  const time = sourceTimeOf(copy)?.getTime();
  if (time === undefined) return;
  // Invariant 3, for recovery points more often than daily too: the vault copies in another account, which Live cannot
  // see, and RDS terminates a copy whose source is deleted (RDS API Reference, DeleteDBSnapshot).
  const expiry = expired(time, copies, config.retentionMs, now);
  if (expiry.delete) {
    actions.push({ type: 'delete', database, snapshot: copy, cause: 'expired', reason: expiry.reason });
  } else if (expiry.keptNewest) {
    findings.push({
      level: 'info',
      code: 'kept-newest-shared-copy',
      database,
      snapshot: copy.identifier,
      snapshotCorrelationId: copy.arn,
      message: `${copy.identifier} is past the retention but is the newest shared copy of ${database}, so it is kept`,
    });
  }
}

/**
 * The ARN of the copy named `identifier` of the snapshot `source`: of the
 * same kind and account, in `region` (by default the source's own), where the
 * shipper makes its copies.
 */
export function copyArnOf(source: string, identifier: string, region?: string): string {
  const inRegion = region ? source.replace(/^(arn:[^:]+:rds:)[^:]*:/, `$1${region}:`) : source;
  return inRegion.replace(/:(snapshot|cluster-snapshot):[^:]*(:[^:]*)?$/, `:$1:${identifier}`);
}

/** Whether a shared copy goes: `delete` with the reason, or kept, and whether only because it is the newest shared one. */
type Expiry = { readonly delete: true; readonly reason: string } | { readonly delete: false; readonly keptNewest?: boolean };

/**
 * A copy whose recovery point is `time` goes when it is older than the
 * retention and a newer shared copy of its database exists (invariant 3 of the
 * design), whatever the recovery point interval.
 */
function expired(time: number, copies: readonly DbSnapshot[], retentionMs: number, now: Date): Expiry {
  const age = now.getTime() - time;
  if (age <= retentionMs) return { delete: false };
  const shared = copies.filter((c) => c.status === 'available' && isAnnounced(c));
  const newer = shared.filter((c) => (sourceTimeOf(c)?.getTime() ?? -Infinity) > time).length;
  if (newer > 0) return { delete: true, reason: expiryReason(age, retentionMs, newer) };
  return { delete: false, keptNewest: true };
}

/** The log line's reason for deleting an expired copy: its age, the retention, and how many newer shared copies exist. */
function expiryReason(ageMs: number, retentionMs: number, newerShared: number): string {
  const copies = newerShared === 1 ? '1 newer shared copy exists' : `${newerShared} newer shared copies exist`;
  return `${hours(ageMs)} old, older than the retention (${hours(retentionMs)}), and ${copies}`;
}

function hours(ms: number): string {
  return `${Math.floor(ms / 3_600_000)}h`;
}

/** What taking recovery points needs of the pass's plan so far. */
interface TakeContext {
  readonly state: ShipperState;
  readonly selected: readonly DbInstance[];
  readonly takenByDb: ReadonlyMap<string, readonly DbSnapshot[]>;
  readonly ownByDb: ReadonlyMap<string, readonly DbSnapshot[]>;
  readonly shippedTimes: ReadonlyMap<string, number>;
  readonly budget: Budget;
  readonly actions: ShipperAction[];
  readonly findings: Finding[];
}

/** Takes the recovery points due within the room the copies left, and deletes the taken snapshots that are done with (recovery-points.ts). */
function takeRecoveryPoints(kind: DbKind, config: ShipperPlanConfig, schedule: RecoveryPointSchedule, c: TakeContext): void {
  const copying = new Set<string>();
  for (const copy of [...c.ownByDb.values()].flat()) {
    if (!isFailed(copy) && !isAnnounced(copy) && copy.tags[TagKeys.SOURCE_SNAPSHOT]) copying.add(copy.tags[TagKeys.SOURCE_SNAPSHOT]);
  }
  for (const a of c.actions) if (a.type === 'copy' && isTaken(a.source)) copying.add(a.source.identifier);
  const plan = planRecoveryPoints({
    schedule,
    now: c.state.now,
    selected: c.selected,
    takenByDb: c.takenByDb,
    shipped: c.shippedTimes,
    newestAutomated: newestAutomatedByDb(c.state),
    copying,
    shareableKeyArns: config.shareableKeyArns,
    databasesKnown: !c.state.databasesUnreachable,
    existing: new Set(c.state.instances.map((i) => i.identifier)),
    budget: c.state.partial ? undefined : c.budget,
  });
  // Deletions first: a failed snapshot of this interval holds the name the new one takes.
  for (const r of plan.remove) c.actions.push({ type: 'delete', database: r.database, snapshot: r.snapshot, cause: r.cause, reason: r.reason });
  for (const t of plan.take) {
    c.actions.push({ type: 'snapshot', database: t.database, kind, targetIdentifier: t.identifier, tags: { [TagKeys.OWNER]: config.ownerId, ...t.tags } });
  }
  const arnOf = new Map([...c.takenByDb.values()].flat().map((s) => [s.identifier, s.arn]));
  for (const n of plan.notes) {
    const level = n.code === 'recovery-point-failed' ? 'error' : n.code === 'recovery-point-deferred' ? 'warn' : 'info';
    const about = n.snapshot ? { snapshot: n.snapshot, snapshotCorrelationId: arnOf.get(n.snapshot) } : {};
    c.findings.push({ level, code: n.code, database: n.database, ...about, message: n.message });
  }
}

/** Per database, the time of its newest available automated snapshot. */
function newestAutomatedByDb(state: ShipperState): Map<string, number> {
  const out = new Map<string, number>();
  for (const [db, snapshots] of groupBy(state.automatedSnapshots.filter((s) => s.type === 'automated'), (s) => s.dbIdentifier.toLowerCase())) {
    const newest = newestAvailable(snapshots);
    if (newest) out.set(db, newest.createTime!.getTime());
  }
  return out;
}

/**
 * The selected databases whose newest available automated or taken snapshot
 * has no copy yet, with a finding for each that cannot or need not be copied.
 * A database whose previous copy is still in progress waits for it: one copy
 * in flight per database.
 */
function copyCandidates(
  selected: readonly DbInstance[],
  config: ShipperPlanConfig,
  state: ShipperState,
  ownByDb: ReadonlyMap<string, readonly DbSnapshot[]>,
  takenByDb: ReadonlyMap<string, readonly DbSnapshot[]>,
  shippedTimes: ReadonlyMap<string, number>,
  findings: Finding[],
): Candidate[] {
  const manualByName = new Map(state.manualSnapshots.map((s) => [s.identifier.toLowerCase(), s]));
  const automatedByDb = groupBy(state.automatedSnapshots.filter((s) => s.type === 'automated'), (s) => s.dbIdentifier.toLowerCase());
  const out: Candidate[] = [];
  for (const db of selected) {
    if (db.backupRetentionPeriod === 0) findings.push(automatedBackupsDisabled(db, config));
    const taken = (takenByDb.get(db.identifier) ?? []).filter((s) => !isSharedDirectly(s, config));
    const newest = newestAvailable([...automatedByDb.get(db.identifier.toLowerCase()) ?? [], ...taken]);
    if (!newest) {
      if (db.backupRetentionPeriod !== 0 || config.recoveryPoints) {
        findings.push({ level: 'info', code: 'no-automated-snapshot', database: db.identifier, message: `${db.identifier} has no available automated or taken snapshot yet` });
      }
      continue;
    }
    const unshareable = unshareableReason(newest, state.optionGroups);
    if (unshareable) {
      findings.push(unshareable);
      continue;
    }
    const target = shippingCopyIdentifier(db.identifier, newest.createTime!, config.sourceRegion);
    const existing = manualByName.get(target);
    if (existing) {
      if (!isOwnedBy(existing, config.ownerId)) {
        findings.push({
          level: 'error',
          code: 'name-conflict',
          database: db.identifier,
          snapshot: target,
          snapshotCorrelationId: existing.arn,
          message: `a manual snapshot named ${target} exists but was not created by this shipper; it is left alone and ${newest.identifier} is not shipped`,
        });
      } else if (existing.status === 'available') {
        findings.push({
          level: 'info',
          code: 'already-copied',
          database: db.identifier,
          snapshot: target,
          snapshotCorrelationId: existing.arn,
          message: `${newest.identifier} already has its copy ${target}`,
        });
      }
      continue; // our copy exists: its state is handled with the other copies
    }
    // A snapshot shared as it is may hold a newer recovery point than the newest automated one.
    const shipped = shippedTimes.get(db.identifier);
    if (shipped !== undefined && newest.createTime!.getTime() <= shipped) {
      findings.push({
        level: 'info',
        code: 'newer-point-shipped',
        database: db.identifier,
        snapshot: newest.identifier,
        snapshotCorrelationId: newest.arn,
        message: `${db.identifier} has a recovery point shipped that is as new as ${newest.identifier} or newer; it is not copied`,
      });
      continue;
    }
    const previous = (ownByDb.get(db.identifier) ?? []).find(isInProgress);
    if (previous) {
      findings.push({
        level: 'info',
        code: 'copy-waits-for-previous',
        database: db.identifier,
        snapshot: newest.identifier,
        snapshotCorrelationId: previous.arn,
        message: `the copy ${previous.identifier} of ${db.identifier} is still in progress; ${newest.identifier} is copied once it has finished`,
      });
      continue;
    }
    out.push({ db, source: newest, target });
  }
  return out;
}

/**
 * A database without automated backups: nothing to ship, unless the shipper
 * takes its own snapshots of it; then it has no point-in-time recovery in Live.
 */
function automatedBackupsDisabled(db: DbInstance, config: ShipperPlanConfig): Finding {
  const message = config.recoveryPoints
    ? `automated backups are turned off for ${db.identifier} (backup retention period 0): it is shipped from the snapshots the shipper takes, but has no point-in-time recovery in Live`
    : `automated backups are turned off for ${db.identifier} (backup retention period 0), so there is nothing to ship; its existing copies are kept`;
  return { level: config.recoveryPoints ? 'warn' : 'error', code: 'automated-backups-disabled', database: db.identifier, message };
}

/** The copy of one candidate, if the budget has room for it; else a finding says why it waits. */
function allocate(c: Candidate, budget: Budget, config: ShipperPlanConfig, findings: Finding[]): ShipperAction | undefined {
  const refusal = refusalOf(budget);
  if (refusal) {
    findings.push({
      level: refusal === 'in-flight' ? 'warn' : 'error',
      code: refusal === 'in-flight' ? 'copy-deferred-in-flight-limit' : 'copy-deferred-snapshot-quota',
      database: c.db.identifier,
      snapshot: c.source.identifier,
      snapshotCorrelationId: copyArnOf(c.source.arn, c.target, config.copyRegion),
      message: refusalMessage(budget, refusal, `the copy of ${c.source.identifier}`),
    });
    return undefined;
  }
  take(budget);
  // Aurora User Guide, "Copying a DB cluster snapshot": "you can't encrypt an
  // unencrypted DB cluster snapshot when you copy the snapshot." Such a copy
  // stays unencrypted, and so does the vault's.
  const encrypt = kindOf(c.db) === 'instance' || c.source.encrypted;
  if (!encrypt) {
    findings.push({
      level: 'warn',
      code: 'cluster-unencrypted',
      database: c.db.identifier,
      snapshot: c.source.identifier,
      snapshotCorrelationId: copyArnOf(c.source.arn, c.target, config.copyRegion),
      message: `cluster ${c.db.identifier} is not encrypted, and RDS cannot encrypt a cluster snapshot by copying it: its copies in Live and in the vault stay unencrypted`,
    });
  }
  return {
    type: 'copy',
    encrypt,
    database: c.db.identifier,
    source: c.source,
    targetIdentifier: c.target,
    tags: {
      [TagKeys.OWNER]: config.ownerId,
      [TagKeys.SOURCE_DATABASE]: c.db.identifier,
      [TagKeys.SOURCE_SNAPSHOT]: c.source.identifier,
      [TagKeys.SOURCE_TIME]: c.source.createTime!.toISOString(),
    },
  };
}

/**
 * Successors (successors.ts). A sweep deals the databases waiting for a slot
 * out to the copies in flight: those it starts get them as a tag on creation,
 * those already in flight get a `set-successors` action when theirs differ. A
 * pass that takes over a finished copy's slot passes on what it inherited.
 */
function handOn(state: ShipperState, own: readonly DbSnapshot[], waiting: readonly string[], actions: ShipperAction[]): void {
  const started = actions.flatMap((a, i) => (a.type === 'copy' ? [i] : []));
  if (state.partial) {
    if (!state.inheritedSuccessors) return;
    for (const i of started) withSuccessors(actions, i, state.inheritedSuccessors);
    return;
  }
  const targetOf = (i: number) => (actions[i] as { readonly targetIdentifier: string }).targetIdentifier;
  const plan = planHandOn(own.filter(isInProgress), started.map(targetOf), waiting);
  for (const i of started) withSuccessors(actions, i, plan.started.get(targetOf(i)) ?? '');
  for (const { copy, successors } of plan.changed) {
    const snapshot = copy as DbSnapshot;
    actions.push({ type: 'set-successors', database: snapshot.tags[TagKeys.SOURCE_DATABASE] ?? snapshot.dbIdentifier, snapshot, successors });
  }
}

/** Puts successors on the copy action at index `i`, if there are any. */
function withSuccessors(actions: ShipperAction[], i: number, successors: string): void {
  const a = actions[i];
  if (a.type !== 'copy' || successors === '') return;
  actions[i] = { ...a, tags: { ...a.tags, [TagKeys.SUCCESSORS]: successors } };
}
