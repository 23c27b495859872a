/**
 * The vault's planner: a pure function from the Failsafe account's observed
 * state to the actions that bring it to the desired state. No I/O, no clock.
 *
 * Desired state:
 * - every snapshot shipped to the vault by an allowed source has a vault copy,
 *   owned by the vault and encrypted with the vault key;
 * - the vault's copies are trimmed by invariant 2 of the design: never the
 *   newest `minimumCopies` available copies of a source, however old, and
 *   nothing while a newer copy of that source is still incomplete.
 */
import { createHash } from 'node:crypto';
import { AccountQuotas, Budget, BudgetConfig, budgetOf, DbKind, kindOf, refusalMessage, refusalOf, take } from './budget';
import { lineageKeyOf, lineageOfCopy, lineagesByName, sourceKeyOf, sourceKeyOfCopy } from './lineage';
import { RecoveryPoint } from './metric-names';
import { compactTimestamp, parseShippedName } from './naming';

export { parseShippedName } from './naming';
export { sourceKeyOf } from './lineage';
import { LineagePromises, mayStartNewLineage, promiseLineage } from './new-lineages';
import { applyRetention, dayOf, hourOf, isYoungerThanMinimumAge, KeepReason, RetainedCopy, RetentionPolicy } from './retention';
import { parseSnapshotArn } from './schema';
import { DbSnapshot, DeleteCause, isFailed, isInProgress, isOwnedBy } from './shipper-plan';
import { SourceBudgetConfig, SourceRefusal, SourceRoom, sourceRefusalMessage, sourceRefusalOf, sourceRoomsOf, copiesPerLineage, takeRoom } from './source-budget';
import { byStaleness } from './staleness';
import { planHandOn, shippedRef } from './successors';
import { TagKeys, TagMap } from './tags';

/** Prefix of every snapshot the vault creates. IAM scopes its permissions to it. */
export const VAULT_SNAPSHOT_PREFIX = 'vault-';
/** Prefix of the shipper's copies: only shared snapshots named so are taken. */
export const SHIPPED_SNAPSHOT_PREFIX = 'failsafe-';

export interface VaultPlanConfig extends BudgetConfig, SourceBudgetConfig, RetentionPolicy {
  readonly ownerId: string;
  /** Accounts the vault takes snapshots from. */
  readonly sourceAccounts: readonly string[];
  /**
   * Whether DB cluster snapshots shared from another Region are copied into
   * the vault's in one step (RDS and Aurora User Guides, "Cross-Region and
   * cross-account copy in a single step"). Off, they are reported as
   * `cluster-cross-region` and not copied.
   * @default false
   */
  readonly copyClustersAcrossRegions?: boolean;
}

/** A shipped snapshot the vault should hold a copy of. */
export interface ShippedSnapshot {
  readonly arn: string;
  readonly account: string;
  readonly region: string;
  readonly identifier: string;
  readonly database: string;
  /** The recovery point: the original automated snapshot's time. */
  readonly time: Date;
  readonly status?: string;
  /** @default 'instance' */
  readonly kind?: DbKind;
  /** Whether the shared snapshot is encrypted, when known. */
  readonly encrypted?: boolean;
  /**
   * The database's resource id, as RDS reports it on the shared snapshot
   * (verification.ts checks it before planning): the snapshot's lineage.
   */
  readonly resourceId?: string;
  /**
   * The database's Region, when the shipper copied the snapshot out of it
   * into `region`. A database is known by its account and its own Region.
   * @default - `region`
   */
  readonly databaseRegion?: string;
}

/** The Region of the database a shipped snapshot is a backup of. */
export const databaseRegionOf = (s: ShippedSnapshot): string => s.databaseRegion ?? s.region;

export interface VaultState {
  readonly now: Date;
  /** The vault's own region: a shared cluster snapshot from another region cannot be copied in one step. */
  readonly region?: string;
  /** Snapshots to hold: from the message being handled, or found shared with the account. */
  readonly shipped: readonly ShippedSnapshot[];
  /**
   * The manual snapshots of the vault account and region, owned by anyone:
   * all of them in a sweep, those of the announced database for an announcement.
   */
  readonly manualSnapshots: readonly DbSnapshot[];
  /**
   * Whether `manualSnapshots` lists only the announced database's snapshots:
   * the copies in flight of the whole account are then unknown, and RDS
   * enforces the limit on them.
   */
  readonly partial?: boolean;
  /** The account's manual snapshot quotas, where they could be read. */
  readonly quotas?: AccountQuotas;
  /**
   * In a pass that takes over a finished copy's slot: the shipped snapshots
   * still waiting after this one, for its copy to hand on in turn.
   */
  readonly inheritedSuccessors?: string;
  /**
   * Whether the pass takes over a finished copy's slot for a shipped snapshot
   * a sweep listed among its successors: with an hourly tier it may start a
   * new lineage, whose room the sweep promised (new-lineages.ts).
   */
  readonly successor?: boolean;
}

export type VaultAction =
  | {
    readonly type: 'copy';
    readonly source: ShippedSnapshot;
    readonly targetIdentifier: string;
    readonly tags: TagMap;
    /** Whether the copy is made under the vault key: always, except for an unencrypted cluster snapshot. */
    readonly encrypt: boolean;
  }
  | { readonly type: 'delete'; readonly snapshot: DbSnapshot; readonly sourceKey: string; readonly cause: DeleteCause; readonly reason: string }
  /**
   * Records that a copy has finished, so that it is counted as completed once
   * (`counted`), or, for a copy made long before, only recorded.
   */
  | { readonly type: 'mark-completed'; readonly snapshot: DbSnapshot; readonly sourceKey: string; readonly counted: boolean }
  /** Records on a copy in flight the shipped snapshots it hands its slot to when it finishes (successors.ts). */
  | { readonly type: 'set-successors'; readonly snapshot: DbSnapshot; readonly sourceKey: string; readonly successors: string };

export type VaultFindingCode =
  | 'already-copied'
  | 'cluster-unencrypted'
  | 'cluster-cross-region'
  | 'copy-in-progress'
  | 'copy-failed'
  | 'source-not-available'
  | 'copy-deferred-in-flight-limit'
  | 'copy-deferred-snapshot-quota'
  | 'name-conflict'
  | 'skipped-expired'
  | 'kept-minimum-copies'
  | 'kept-newer-copy-incomplete'
  | 'lineage-changed'
  | 'new-lineage-waits-for-sweep'
  | 'lineage-day-taken'
  | 'lineage-full'
  | 'source-over-budget';

export interface VaultFinding {
  readonly level: 'info' | 'warn' | 'error';
  readonly code: VaultFindingCode;
  readonly snapshot?: string;
  /** The ARN of the shipper copy the finding is about, as in the shipper's logs. */
  readonly snapshotCorrelationId?: string;
  readonly source?: string;
  readonly message: string;
}

export interface VaultPlan {
  readonly actions: readonly VaultAction[];
  readonly findings: readonly VaultFinding[];
  /** Per source database, the newest recovery point the vault holds in an available copy. */
  readonly recoveryPoints: readonly RecoveryPoint[];
  /** Copies started into a new lineage of a database the vault already holds under another (lineage.ts). */
  readonly lineageChanges: number;
  /** Per source account, the copies it got none of because it is over its budget (source-budget.ts). */
  readonly overBudget: Readonly<Record<string, number>>;
}

/** At most this many finished copies are recorded per pass; the rest wait for the next one. */
export const MAX_COMPLETION_RECORDS_PER_PASS = 25;
/**
 * A finished copy first seen later than this after RDS made it (for example
 * every copy held when the library is upgraded) is recorded but not counted
 * as completed now.
 */
export const COMPLETION_COUNT_WINDOW_MS = 2 * 86_400_000;


/**
 * The vault copy's identifier, derived from the shipped snapshot's ARN alone.
 *
 * For a DB instance snapshot (up to 255 characters): `vault-<account>-<region>-<shipped name>`.
 * A DB cluster snapshot identifier may have at most 63 characters (RDS API
 * Reference, CopyDBClusterSnapshot, TargetDBClusterSnapshotIdentifier), too
 * few for the account and region: it is `vault-<database, at most 30>-<yyyymmdd-hhmmss>-<hash>`,
 * where the hash (10 hex digits of SHA-256) is of the whole shipped ARN, so
 * copies of different sources never share a name. Its tags name the source.
 */
export function vaultCopyIdentifier(shippedArn: string): string {
  const arn = parseSnapshotArn(shippedArn);
  if (!arn) throw new Error(`not an RDS DB snapshot ARN: ${shippedArn}`);
  if (arn.kind === 'instance') return `${VAULT_SNAPSHOT_PREFIX}${arn.account}-${arn.region}-${arn.identifier.toLowerCase()}`;
  const named = parseShippedName(arn.identifier);
  const hash = createHash('sha256').update(shippedArn.toLowerCase()).digest('hex').slice(0, 10);
  if (!named) return `${VAULT_SNAPSHOT_PREFIX}${hash}`;
  const database = named.database.slice(0, 30).replace(/-+$/, '');
  return `${VAULT_SNAPSHOT_PREFIX}${database}-${compactTimestamp(named.time)}-${hash}`;
}


/**
 * The recovery point a vault copy holds: the source time it was tagged with,
 * but never later than RDS's own creation time of the copy. The source time
 * comes from the Live account; bounding it by a time RDS sets means no one in
 * Live can make a copy look newer than it is, and so crowd the real copies out
 * of the newest `minimumCopies`.
 */
function copyTime(s: DbSnapshot): number | undefined {
  const tagged = Date.parse(s.tags[TagKeys.SOURCE_TIME] ?? '');
  const created = s.createTime?.getTime();
  if (Number.isNaN(tagged)) return created;
  return created === undefined ? tagged : Math.min(tagged, created);
}


/**
 * Plans a pass over DB instance and DB cluster snapshots: each kind with its
 * own snapshots, its own manual snapshot quota and its own limit on copies in flight.
 */
export function planVault(config: VaultPlanConfig, state: VaultState): VaultPlan {
  const instances = planVaultKind('instance', config, state);
  const clusters = planVaultKind('cluster', config, state);
  const overBudget: Record<string, number> = { ...instances.overBudget };
  for (const [account, n] of Object.entries(clusters.overBudget)) overBudget[account] = (overBudget[account] ?? 0) + n;
  return {
    actions: [...instances.actions, ...clusters.actions],
    findings: [...instances.findings, ...clusters.findings],
    recoveryPoints: [...instances.recoveryPoints, ...clusters.recoveryPoints],
    lineageChanges: instances.lineageChanges + clusters.lineageChanges,
    overBudget,
  };
}

/** The copies the vault already holds (or is making), as retention sees them, per key. */
function heldCopiesOf(own: readonly DbSnapshot[], keyOf: (s: DbSnapshot) => string | undefined): Map<string, RetainedCopy[]> {
  const held = new Map<string, RetainedCopy[]>();
  for (const copy of own) {
    const key = keyOf(copy);
    const time = copyTime(copy);
    if (!key || time === undefined || isFailed(copy)) continue;
    held.set(key, [...(held.get(key) ?? []), { id: copy.identifier, time, inProgress: isInProgress(copy) }]);
  }
  return held;
}

const sourceKeyOfShipped = (s: ShippedSnapshot) => sourceKeyOf(s.account, databaseRegionOf(s), s.database);
const lineageOfShipped = (s: ShippedSnapshot) =>
  lineageKeyOf({ account: s.account, region: databaseRegionOf(s), resourceId: s.resourceId, database: s.database });

/** What one kind's plan builds up, step by step. */
interface KindPlan {
  readonly kind: DbKind;
  readonly config: VaultPlanConfig;
  readonly state: VaultState;
  /** The vault's own copies of this kind. */
  readonly own: readonly DbSnapshot[];
  readonly actions: VaultAction[];
  readonly findings: VaultFinding[];
  lineageChanges: number;
}

function planVaultKind(kind: DbKind, config: VaultPlanConfig, fullState: VaultState): VaultPlan {
  const state: VaultState = {
    ...fullState,
    shipped: fullState.shipped.filter((s) => kindOf(s) === kind),
    manualSnapshots: fullState.manualSnapshots.filter((s) => kindOf(s) === kind),
  };
  const own = state.manualSnapshots.filter((s) => isOwnedBy(s, config.ownerId));
  const plan: KindPlan = { kind, config, state, own, actions: [], findings: [], lineageChanges: 0 };
  const rooms = planCopies(plan);
  clearFailedCopies(plan);
  applyLineageRetention(plan);
  recordCompletedCopies(plan);
  const overBudget = Object.fromEntries([...rooms.values()].filter((r) => r.refused > 0).map((r) => [r.account, r.refused]));
  return { actions: plan.actions, findings: plan.findings, recoveryPoints: recoveryPointsOf(own), lineageChanges: plan.lineageChanges, overBudget };
}

/**
 * 1. Copies: one per shipped snapshot from an allowed account, the stalest
 *    sources first, each within its source's budget and the account's.
 */
function planCopies(plan: KindPlan): Map<string, SourceRoom> {
  const { kind, config, state, own, actions, findings } = plan;
  const heldByName = heldCopiesOf(own, sourceKeyOfCopy);
  const heldByLineage = heldCopiesOf(own, lineageOfCopy);
  const candidates = vaultCopyCandidates(kind, config, state, heldByLineage, findings);
  const newestHeld = (key: string) => (heldByName.has(key) ? Math.max(...heldByName.get(key)!.map((c) => c.time)) : undefined);
  const ordered = byStaleness(candidates, sourceKeyOfShipped, (c) => c.time.getTime(), newestHeld, (c) => c.arn);
  const inFlight = state.partial ? undefined : own.filter(isInProgress).length;
  const budget = budgetOf(kind, config, state.quotas?.[kind], state.manualSnapshots.length, inFlight);
  const held = own.flatMap((c) => {
    const lineage = lineageOfCopy(c);
    return lineage && !isFailed(c) ? [{ lineage }] : [];
  });
  const rooms = sourceRoomsOf(config, config.sourceAccounts, budget.maxManual, held);
  const names = lineagesByName(own);
  const refusals = new Map<string, SourceRefusal>();
  const promises: LineagePromises = new Map();
  const waiting: string[] = [];
  for (const source of ordered) {
    const lineage = lineageOfShipped(source);
    if (lineageRefusal(plan, source, heldByLineage, rooms.get(source.account))) continue;
    // The account's own limits first: a full account is not one source's doing.
    const refusal = refusalOf(budget) ? undefined : sourceRefusalOf(rooms.get(source.account)!, lineage);
    if (refusal) {
      rooms.get(source.account)!.refused += 1;
      refusals.set(source.account, refusal);
      continue;
    }
    const copy = allocateVaultCopy(source, budget, config, findings);
    if (copy) {
      actions.push(copy);
      takeRoom(rooms.get(source.account)!, lineage);
      const started = { id: vaultCopyIdentifier(source.arn), time: source.time.getTime(), inProgress: true };
      heldByLineage.set(lineage, [...(heldByLineage.get(lineage) ?? []), started]);
      noteLineageChange(plan, source, names);
    } else if (refusalOf(budget) === 'in-flight' && promiseLineage(config, promises, rooms.get(source.account)!, lineage)) {
      waiting.push(shippedRef(source));
    }
  }
  for (const [account, refusal] of refusals) {
    findings.push({ level: 'error', code: 'source-over-budget', source: account, message: sourceRefusalMessage(rooms.get(account)!, refusal, kind === 'cluster' ? 'DB cluster snapshot' : 'DB snapshot') });
  }
  // Copies in flight hand their slots on (DB snapshot copies only: RDS has no event when a cluster copy finishes).
  if (kind === 'instance') vaultHandOn(state, own, waiting, actions);
  return rooms;
}

type LineageRefusal = 'new-lineage-waits-for-sweep' | 'lineage-day-taken' | 'lineage-full';

/**
 * Why a shipped snapshot gets no copy because of its lineage, if it does not:
 * - a pass that sees one database only (an announcement) cannot count its
 *   source's lineages, so a new lineage waits for the sweep, unless a sweep
 *   listed it as a successor and promised it room (new-lineages.ts);
 * - a lineage holds one recovery point per UTC day (per UTC hour with an
 *   hourly tier): a burst of snapshots of one database cannot fill its
 *   lineage, nor take another day's (hour's) place;
 * - a lineage holds no more copies than its retention keeps. In a pass about
 *   one database, which cannot count its source's copies, also no more than
 *   the source's budget allows each of its lineages.
 */
function lineageRefusal(
  plan: KindPlan, source: ShippedSnapshot, heldByLineage: ReadonlyMap<string, readonly RetainedCopy[]>, room: SourceRoom | undefined,
): LineageRefusal | undefined {
  const lineage = lineageOfShipped(source);
  const held = heldByLineage.get(lineage) ?? [];
  const refuse = (code: LineageRefusal, level: VaultFinding['level'], message: string) => {
    plan.findings.push({ snapshotCorrelationId: source.arn, level, code, snapshot: source.identifier, source: lineage, message });
    return code;
  };
  if (plan.state.partial && held.length === 0 && !mayStartNewLineage(plan.config, plan.state)) {
    return refuse('new-lineage-waits-for-sweep', 'info',
      `${source.arn} starts a new lineage (${lineage}); a pass about one database cannot count its source's lineages, so the next sweep copies it`);
  }
  // With an hourly tier, for sources that ship more often than daily, a lineage holds one recovery point per UTC hour instead.
  const periodOf = plan.config.hourlyCopies ? hourOf : dayOf;
  const period = periodOf(source.time.getTime());
  if (held.some((c) => periodOf(c.time) === period)) {
    return refuse('lineage-day-taken', 'warn', `lineage ${lineage} already holds a recovery point of ${period}; ${source.arn} gets no copy`);
  }
  const perSource = plan.state.partial && room ? Math.max(1, Math.floor(room.maxSnapshots / room.maxLineages)) : Infinity;
  const max = Math.min(copiesPerLineage(plan.config), perSource);
  if (held.length < max) return undefined;
  return refuse('lineage-full', 'error', `lineage ${lineage} already has ${held.length} copies, all that it may hold (${max}); ${source.arn} gets no copy`);
}

/** A copy into a lineage the vault does not hold, of a database it holds under another resource id. */
function noteLineageChange(plan: KindPlan, source: ShippedSnapshot, names: ReadonlyMap<string, ReadonlySet<string>>): void {
  const lineage = lineageOfShipped(source);
  const others = [...(names.get(sourceKeyOfShipped(source)) ?? [])].filter((l) => l !== lineage);
  if (source.resourceId === undefined || others.length === 0 || plan.own.some((c) => lineageOfCopy(c) === lineage)) return;
  plan.lineageChanges += 1;
  plan.findings.push({
    snapshotCorrelationId: source.arn,
    level: 'warn',
    code: 'lineage-changed',
    snapshot: source.identifier,
    source: sourceKeyOfShipped(source),
    message: `${source.arn} names database ${source.database}, but comes from resource id ${source.resourceId}, not from ${others.join(', ')}: `
      + 'the database was recreated, or someone ships other data under its name. It is kept as a lineage of its own and cannot push out the copies of the others',
  });
}

/** 2. Failed copies hold no data: clear them so the copy can be made again. */
function clearFailedCopies(plan: KindPlan): void {
  for (const copy of plan.own) {
    if (isFailed(copy)) {
      plan.actions.push({ type: 'delete', snapshot: copy, sourceKey: sourceKeyOfCopy(copy) ?? '?', cause: 'failed', reason: `copy ended in status ${copy.status}` });
    }
  }
}

const KEPT_FINDINGS: Partial<Record<KeepReason, { code: VaultFindingCode; why: string }>> = {
  'minimum-copies': { code: 'kept-minimum-copies', why: 'is one of the newest minimumCopies copies of its lineage' },
  'newer-incomplete': { code: 'kept-newer-copy-incomplete', why: 'is older than a copy of its lineage that is still in progress' },
};

/**
 * 3. Retention, per lineage (retention.ts), in sweeps only: a pass about one
 *    database lists its copies by name, and a lineage may hold copies under
 *    another (a renamed database keeps its resource id), so it cannot see the
 *    whole lineage. Copies this plan starts count as newer copies still in
 *    progress. A copy without provenance is never expired.
 */
function applyLineageRetention(plan: KindPlan): void {
  const { config, state, own, actions, findings } = plan;
  if (state.partial) return;
  const planned: DbSnapshot[] = actions.flatMap((a) => (a.type === 'copy'
    ? [{ identifier: a.targetIdentifier, arn: '', dbIdentifier: a.source.database, type: 'manual', status: 'creating', encrypted: true, engine: '', tags: a.tags, resourceId: a.source.resourceId }]
    : []));
  const lineages = new Map<string, DbSnapshot[]>();
  for (const copy of [...own, ...planned]) {
    const lineage = lineageOfCopy(copy);
    if (!lineage || isFailed(copy) || copyTime(copy) === undefined) continue;
    lineages.set(lineage, [...(lineages.get(lineage) ?? []), copy]);
  }
  for (const [lineage, copies] of [...lineages.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const retained = copies.map((c) => ({ id: c.identifier, time: copyTime(c)!, inProgress: isInProgress(c) }));
    const verdicts = applyRetention(config, retained, state.now.getTime());
    for (const copy of [...copies].sort((a, b) => copyTime(b)! - copyTime(a)! || b.identifier.localeCompare(a.identifier))) {
      const reason = verdicts.get(copy.identifier);
      const age = state.now.getTime() - copyTime(copy)!;
      if (!reason) {
        actions.push({ type: 'delete', snapshot: copy, sourceKey: lineage, cause: 'expired', reason: `${Math.floor(age / 86_400_000)} days old, and kept by no tier of its lineage` });
        continue;
      }
      const kept = KEPT_FINDINGS[reason];
      if (kept && age > config.retentionMs) {
        findings.push({ level: 'info', code: kept.code, snapshot: copy.identifier, snapshotCorrelationId: copy.tags[TagKeys.SOURCE_SNAPSHOT], source: lineage, message: `${copy.identifier} is past the retention but ${kept.why} (${lineage}), so it is kept` });
      }
    }
  }
}

/** 4. Copies that have finished since the last pass are marked, so each is counted as completed once. */
function recordCompletedCopies(plan: KindPlan): void {
  const { state, own, actions } = plan;
  const deleted = new Set(actions.flatMap((a) => (a.type === 'delete' ? [a.snapshot.identifier] : [])));
  const unrecorded = own
    .filter((c) => c.status === 'available' && c.tags[TagKeys.COMPLETED] === undefined && !deleted.has(c.identifier))
    .sort((a, b) => (b.createTime?.getTime() ?? 0) - (a.createTime?.getTime() ?? 0)); // the newest first
  for (const copy of unrecorded.slice(0, MAX_COMPLETION_RECORDS_PER_PASS)) {
    const counted = copy.createTime === undefined || state.now.getTime() - copy.createTime.getTime() <= COMPLETION_COUNT_WINDOW_MS;
    actions.push({ type: 'mark-completed', snapshot: copy, sourceKey: sourceKeyOfCopy(copy) ?? '?', counted });
  }
}

/** The newest recovery point held in an available copy of the vault's, per source database. */
export function heldRecoveryPoints(ownerId: string, manualSnapshots: readonly DbSnapshot[]): RecoveryPoint[] {
  return recoveryPointsOf(manualSnapshots.filter((s) => isOwnedBy(s, ownerId)));
}

/** The newest recovery point held in an available copy, per source database. */
function recoveryPointsOf(own: readonly DbSnapshot[]): RecoveryPoint[] {
  const newest = new Map<string, RecoveryPoint>();
  for (const copy of own) {
    const key = sourceKeyOfCopy(copy);
    const time = copyTime(copy);
    if (!key || time === undefined || copy.status !== 'available') continue;
    const held = newest.get(key);
    if (!held || held.time.getTime() < time) {
      newest.set(key, {
        account: copy.tags[TagKeys.SOURCE_ACCOUNT],
        region: copy.tags[TagKeys.SOURCE_REGION],
        database: copy.tags[TagKeys.SOURCE_DATABASE].toLowerCase(),
        time: new Date(time),
      });
    }
  }
  return [...newest.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, p]) => p);
}

/**
 * The shipped snapshots of one kind that need a vault copy, with a finding
 * for each that does not or cannot get one now.
 */
function vaultCopyCandidates(
  kind: DbKind, config: VaultPlanConfig, state: VaultState, heldByLineage: ReadonlyMap<string, readonly RetainedCopy[]>, findings: VaultFinding[],
): ShippedSnapshot[] {
  const allowed = new Set(config.sourceAccounts);
  const byName = new Map(state.manualSnapshots.map((s) => [s.identifier.toLowerCase(), s]));
  const seen = new Set<string>();
  const out: ShippedSnapshot[] = [];
  for (const source of state.shipped) {
    if (!allowed.has(source.account)) continue; // the adapters reject these with a logged reason before planning
    const target = vaultCopyIdentifier(source.arn);
    if (seen.has(target)) continue;
    seen.add(target);
    const existing = byName.get(target);
    if (existing) {
      if (!isOwnedBy(existing, config.ownerId)) {
        findings.push({ snapshotCorrelationId: source.arn, level: 'error', code: 'name-conflict', snapshot: target, message: `a snapshot named ${target} exists but was not created by this vault; ${source.arn} is not copied` });
      } else if (isFailed(existing)) {
        findings.push({ snapshotCorrelationId: source.arn, level: 'error', code: 'copy-failed', snapshot: target, message: `vault copy ${target} ended in status ${existing.status}; it is deleted so that a later pass copies again` });
      } else if (isInProgress(existing)) {
        findings.push({ snapshotCorrelationId: source.arn, level: 'info', code: 'copy-in-progress', snapshot: target, message: `vault copy ${target} is ${existing.status}` });
      } else {
        findings.push({ snapshotCorrelationId: source.arn, level: 'info', code: 'already-copied', snapshot: target, message: `${source.arn} already has its vault copy ${target}` });
      }
      continue;
    }
    // A recovery point that retention would delete at once is not copied: it
    // would be copied and expired on every sweep for as long as the source
    // keeps sharing it.
    // (A copy younger than the minimum age is always kept: only older ones are worth the question.)
    const held = heldByLineage.get(lineageOfShipped(source)) ?? [];
    const asCopy = { id: target, time: source.time.getTime(), inProgress: false };
    const young = isYoungerThanMinimumAge(config, asCopy.time, state.now.getTime());
    if (!young && held.length > 0 && applyRetention(config, [...held, asCopy], state.now.getTime()).get(target) === undefined) {
      findings.push({
        snapshotCorrelationId: source.arn,
        level: 'info',
        code: 'skipped-expired',
        snapshot: source.identifier,
        message: `${source.arn} is a recovery point that the retention of its lineage would not keep; it is not copied`,
      });
      continue;
    }
    if (kind === 'cluster' && !config.copyClustersAcrossRegions && state.region !== undefined && source.region !== state.region) {
      findings.push({
        snapshotCorrelationId: source.arn,
        level: 'error',
        code: 'cluster-cross-region',
        snapshot: source.identifier,
        message: `${source.arn} is a cluster snapshot shared from ${source.region}, and the vault is in ${state.region}: it copies shared cluster snapshots `
          + 'within its Region only, unless copyClustersAcrossRegions is on; give the source\'s shipper sourceRegion to copy its clusters into this Region first',
      });
      continue;
    }
    if (source.status !== undefined && source.status !== 'available') {
      findings.push({ snapshotCorrelationId: source.arn, level: 'info', code: 'source-not-available', snapshot: source.identifier, message: `shared snapshot ${source.arn} is ${source.status}; it is copied once available` });
      continue;
    }
    out.push(source);
  }
  return out;
}

/** The vault copy of one shipped snapshot, if the budget has room for it; else a finding says why it waits. */
function allocateVaultCopy(source: ShippedSnapshot, budget: Budget, config: VaultPlanConfig, findings: VaultFinding[]): VaultAction | undefined {
  const refusal = refusalOf(budget);
  if (refusal) {
    findings.push({
      snapshotCorrelationId: source.arn,
      level: refusal === 'in-flight' ? 'warn' : 'error',
      code: refusal === 'in-flight' ? 'copy-deferred-in-flight-limit' : 'copy-deferred-snapshot-quota',
      snapshot: source.identifier,
      message: refusalMessage(budget, refusal, source.arn, 'the vault account'),
    });
    return undefined;
  }
  take(budget);
  // RDS cannot encrypt an unencrypted cluster snapshot by copying it.
  const encrypt = kindOf(source) === 'instance' || source.encrypted !== false;
  if (!encrypt) {
    findings.push({
      snapshotCorrelationId: source.arn,
      level: 'warn',
      code: 'cluster-unencrypted',
      snapshot: source.identifier,
      message: `${source.arn} is an unencrypted cluster snapshot: RDS cannot encrypt it by copying, so the vault's copy is unencrypted too`,
    });
  }
  return {
    type: 'copy',
    encrypt,
    source,
    targetIdentifier: vaultCopyIdentifier(source.arn),
    tags: {
      [TagKeys.OWNER]: config.ownerId,
      [TagKeys.SOURCE_ACCOUNT]: source.account,
      [TagKeys.SOURCE_REGION]: databaseRegionOf(source),
      [TagKeys.SOURCE_DATABASE]: source.database,
      [TagKeys.SOURCE_SNAPSHOT]: source.arn,
      [TagKeys.SOURCE_TIME]: source.time.toISOString(),
    },
  };
}

/** Successors in the vault (successors.ts): as in the shipper, with shipped snapshots for names. */
function vaultHandOn(state: VaultState, own: readonly DbSnapshot[], waiting: readonly string[], actions: VaultAction[]): void {
  const withSuccessors = (a: VaultAction, successors: string | undefined): VaultAction =>
    (a.type === 'copy' && successors ? { ...a, tags: { ...a.tags, [TagKeys.SUCCESSORS]: successors } } : a);
  if (state.partial) {
    actions.splice(0, actions.length, ...actions.map((a) => withSuccessors(a, state.inheritedSuccessors)));
    return;
  }
  const started = actions.flatMap((a) => (a.type === 'copy' ? [a.targetIdentifier] : []));
  const plan = planHandOn(own.filter(isInProgress), started, waiting);
  actions.splice(0, actions.length, ...actions.map((a) => withSuccessors(a, a.type === 'copy' ? plan.started.get(a.targetIdentifier) : undefined)));
  for (const { copy, successors } of plan.changed) {
    const snapshot = copy as DbSnapshot;
    actions.push({ type: 'set-successors', snapshot, sourceKey: sourceKeyOfCopy(snapshot) ?? '?', successors });
  }
}
