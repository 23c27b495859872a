/**
 * Recovery points more often than daily: with a recovery point interval below
 * a day, the shipper takes its own snapshot of each selected database once per
 * interval (`CreateDBSnapshot`, `CreateDBClusterSnapshot`) and ships it like an
 * automated one. Pure: no I/O, no clock.
 *
 * - **Slots.** Time is cut into intervals ("slots") that start at
 *   `offset + k × interval` from the Unix epoch: an interval that divides a day
 *   starts its slots at the same times every UTC day. A database is due when
 *   its newest recovery point (shipped, taken, or automated) is older than the
 *   start of the current slot.
 * - **One per slot.** A taken snapshot's name is derived from its database and
 *   slot alone (`recoveryPointIdentifier`), so every pass of a slot computes the
 *   same name, and two passes never take two snapshots of a database in a slot.
 * - **One waiting per database.** A database whose previous taken snapshot is
 *   not shipped yet gets no other: what is taken is what is shipped next.
 * - **A bounded queue, stalest first.** The taken snapshots that wait for a
 *   copy (being taken, or taken and not copied yet) stay within
 *   `maxCopiesInFlight`, besides the copies in flight: enough to start a copy
 *   in every slot as soon as it frees, never so many that a snapshot grows
 *   old waiting. Due databases go in order of their newest shipped recovery
 *   point, those never shipped first, as copies do (staleness.ts).
 * - **No copy where the vault may use the key.** A database encrypted with a
 *   key the vault account may use (declared shareable) has its snapshots
 *   shared as they are: they need no copy slot, only room under the quota.
 * - **Live keeps little.** A taken snapshot is deleted as soon as its own
 *   recovery point, or a newer one, is shipped; a failed one at once.
 */
import { Budget } from './budget';
import { recoveryPointIdentifier } from './naming';
import { byStaleness } from './staleness';
import { TagKeys, TagMap } from './tags';

/** The shortest recovery point interval: one hour, the most often AWS Backup takes snapshot backups. */
export const MIN_RECOVERY_POINT_INTERVAL_MS = 3_600_000;
/** An interval of a day or more is the daily automated snapshot: the shipper takes none itself. */
export const DAILY_MS = 86_400_000;

/** A database as this module sees it. */
export interface RecoveryPointDatabase {
  readonly identifier: string;
  readonly status: string;
  /** The key its snapshots are encrypted with, if it is encrypted. */
  readonly kmsKeyId?: string;
}

/** A snapshot as this module sees it: one the shipper took, or one of its copies. */
export interface RecoveryPointSnapshot {
  readonly identifier: string;
  readonly status: string;
  readonly createTime?: Date;
  readonly kmsKeyId?: string;
  readonly tags: TagMap;
}

export interface RecoveryPointSchedule {
  /** How often each database gets a recovery point, in milliseconds; below a day. */
  readonly intervalMs: number;
  /** Where in each interval the slots start, in milliseconds after the epoch's. @default 0 */
  readonly offsetMs?: number;
}

/** Statuses in which RDS takes a snapshot of a DB instance (RDS API Reference, CreateDBSnapshot); a DB cluster must be `available`. */
const SNAPSHOT_READY_STATUSES = new Set(['available', 'storage-optimization']);

/** The start of the slot `now` is in. */
export function slotStart(now: number, schedule: RecoveryPointSchedule): number {
  const offset = schedule.offsetMs ?? 0;
  return Math.floor((now - offset) / schedule.intervalMs) * schedule.intervalMs + offset;
}

/** Whether a key is one the vault account may use, declared shareable: what it encrypts is shared as it is. */
export function isShareable(kmsKeyId: string | undefined, shareableKeyArns: readonly string[] | undefined): boolean {
  return kmsKeyId !== undefined && (shareableKeyArns ?? []).includes(kmsKeyId);
}

/** Whether a snapshot is one the shipper took itself, rather than one of its copies. */
export function isTaken(snapshot: { readonly tags: TagMap }): boolean {
  return snapshot.tags[TagKeys.RECOVERY_POINT] !== undefined;
}

/** The recovery point a taken snapshot holds: RDS's time, else the start of its slot. */
export function takenTime(snapshot: RecoveryPointSnapshot): number | undefined {
  if (snapshot.createTime) return snapshot.createTime.getTime();
  const slot = Date.parse(snapshot.tags[TagKeys.RECOVERY_POINT] ?? '');
  return Number.isNaN(slot) ? undefined : slot;
}

/** What `planRecoveryPoints` decides. */
export interface RecoveryPointPlan<S> {
  /** The databases to take a snapshot of now, stalest first, with the name and tags of each snapshot. */
  readonly take: ReadonlyArray<{ readonly database: string; readonly identifier: string; readonly tags: TagMap }>;
  /** Taken snapshots to delete, and why. */
  readonly remove: ReadonlyArray<{ readonly database: string; readonly snapshot: S; readonly cause: 'shipped' | 'failed' | 'deselected'; readonly reason: string }>;
  readonly notes: ReadonlyArray<RecoveryPointNote>;
}

/** Why a database gets no snapshot now. */
export interface RecoveryPointNote {
  readonly code: 'recovery-point-waits-for-previous' | 'database-not-available' | 'recovery-point-deferred' | 'recovery-point-failed';
  readonly database: string;
  readonly snapshot?: string;
  readonly message: string;
}

export interface RecoveryPointInput<S extends RecoveryPointSnapshot> {
  readonly schedule: RecoveryPointSchedule;
  readonly now: Date;
  readonly selected: readonly RecoveryPointDatabase[];
  /** The shipper's taken snapshots, by database. */
  readonly takenByDb: ReadonlyMap<string, readonly S[]>;
  /** Per database, the recovery point of its newest shared and announced copy. */
  readonly shipped: ReadonlyMap<string, number>;
  /** Per database, its newest available automated snapshot's time. */
  readonly newestAutomated: ReadonlyMap<string, number>;
  /** Taken snapshots a copy is being made of, or is started of in this pass, by identifier: they are kept, and count as copies in flight. */
  readonly copying: ReadonlySet<string>;
  /**
   * The databases' keys that the vault may use. A snapshot taken under one is
   * shared as it is: it is what is shipped, so it is trimmed as copies are,
   * not here, and it needs no copy slot.
   */
  readonly shareableKeyArns?: readonly string[];
  /** Whether the databases could be read: if not, no taken snapshot counts as deselected. */
  readonly databasesKnown: boolean;
  /**
   * The databases that exist. A taken snapshot of one that does not (deleted,
   * by accident or on purpose) is its newest recovery point: it is kept.
   * @default - every database counts as existing
   */
  readonly existing?: ReadonlySet<string>;
  /**
   * The copy budget after this pass's copies, or undefined in a pass that sees
   * one database only: such a pass takes no snapshot (the sweep does).
   */
  readonly budget?: Budget;
}

/**
 * Plans one pass's recovery points, in steps: `retire` what was shipped,
 * failed or deselected; find the databases `due` for the current slot; `admit`
 * them, stalest first, within the pipeline's room and the snapshot quota.
 */
export function planRecoveryPoints<S extends RecoveryPointSnapshot>(input: RecoveryPointInput<S>): RecoveryPointPlan<S> {
  const notes: RecoveryPointNote[] = [];
  const remove = retire(input, notes);
  const due = dueDatabases(input, notes);
  const take = admit(input, due, notes);
  return { take, remove, notes };
}

/** Whether a taken snapshot still waits to be shipped: neither failed, nor shipped, nor overtaken by a newer shipped point. */
function isWaiting(s: RecoveryPointSnapshot, database: string, shipped: ReadonlyMap<string, number>): boolean {
  const time = takenTime(s);
  return s.status !== 'failed' && time !== undefined && time > (shipped.get(database) ?? -Infinity);
}

/**
 * Taken snapshots that are done with: failed ones; available ones whose
 * recovery point, or a newer one, is shipped; and, in a pass that read the
 * databases, available ones of databases that exist and are no longer
 * selected (of a database that is gone, it is the newest recovery point). None
 * that a copy is being made of, and none shared as it is: those are trimmed
 * as copies are.
 */
function retire<S extends RecoveryPointSnapshot>(input: RecoveryPointInput<S>, notes: RecoveryPointNote[]): Array<RecoveryPointPlan<S>['remove'][number]> {
  const selected = new Set(input.selected.map((d) => d.identifier));
  const out: Array<RecoveryPointPlan<S>['remove'][number]> = [];
  for (const [database, taken] of input.takenByDb) {
    for (const s of taken) {
      if (isShareable(s.kmsKeyId, input.shareableKeyArns)) continue;
      if (s.status === 'failed') {
        notes.push({
          code: 'recovery-point-failed',
          database,
          snapshot: s.identifier,
          message: `snapshot ${s.identifier} of ${database} failed in RDS; it is deleted, and a later pass takes another`,
        });
        out.push({ database, snapshot: s, cause: 'failed', reason: 'RDS failed to take it' });
      } else if (s.status !== 'available' || input.copying.has(s.identifier)) {
        continue;
      } else if (!isWaiting(s, database, input.shipped)) {
        out.push({ database, snapshot: s, cause: 'shipped', reason: 'its recovery point, or a newer one, is shipped' });
      } else if (input.databasesKnown && !selected.has(database) && (input.existing?.has(database) ?? true)) {
        out.push({ database, snapshot: s, cause: 'deselected', reason: `${database} is no longer selected` });
      }
    }
  }
  return out;
}

/** The newest recovery point a database has: shipped, taken (in any state but failed), or automated. */
function newestPoint(database: string, input: RecoveryPointInput<RecoveryPointSnapshot>): number {
  const taken = (input.takenByDb.get(database) ?? []).filter((s) => s.status !== 'failed').map((s) => takenTime(s) ?? -Infinity);
  return Math.max(input.shipped.get(database) ?? -Infinity, input.newestAutomated.get(database) ?? -Infinity, ...taken);
}

/**
 * The selected databases due for a snapshot in the current slot: no recovery
 * point since the slot started, none of their taken snapshots still waiting
 * to be shipped, and in a state RDS takes snapshots in.
 */
function dueDatabases<S extends RecoveryPointSnapshot>(input: RecoveryPointInput<S>, notes: RecoveryPointNote[]): RecoveryPointDatabase[] {
  const start = slotStart(input.now.getTime(), input.schedule);
  const out: RecoveryPointDatabase[] = [];
  for (const db of input.selected) {
    if (newestPoint(db.identifier, input) >= start) continue;
    const waiting = (input.takenByDb.get(db.identifier) ?? []).find((s) => isWaiting(s, db.identifier, input.shipped));
    if (waiting) {
      notes.push({
        code: 'recovery-point-waits-for-previous',
        database: db.identifier,
        snapshot: waiting.identifier,
        message: `${waiting.identifier} of ${db.identifier} is not shipped yet; the next snapshot is taken once it is`,
      });
      continue;
    }
    if (!SNAPSHOT_READY_STATUSES.has(db.status)) {
      notes.push({
        code: 'database-not-available',
        database: db.identifier,
        message: `${db.identifier} is ${db.status}; RDS takes a snapshot only of an available database, so a later pass takes it`,
      });
      continue;
    }
    out.push(db);
  }
  return out;
}

/**
 * The due databases that get a snapshot now, stalest first: as many as the
 * queue in front of the copies has room for (the taken snapshots waiting for
 * a copy stay within the budget's copies in flight), and the manual snapshot
 * quota allows. The rest are deferred to a later pass.
 */
function admit<S extends RecoveryPointSnapshot>(
  input: RecoveryPointInput<S>, due: readonly RecoveryPointDatabase[], notes: RecoveryPointNote[],
): Array<RecoveryPointPlan<S>['take'][number]> {
  const budget = input.budget;
  if (!budget || budget.inFlight === undefined || due.length === 0) return [];
  const waitingForCopy = [...input.takenByDb.entries()]
    .flatMap(([database, taken]) => taken.filter((s) => isWaiting(s, database, input.shipped) && !input.copying.has(s.identifier)))
    .filter((s) => !isShareable(s.kmsKeyId, input.shareableKeyArns)).length;
  let room = budget.maxInFlight - waitingForCopy;
  const start = new Date(slotStart(input.now.getTime(), input.schedule));
  const ordered = byStaleness(due, (d) => d.identifier, () => 0, (db) => input.shipped.get(db), (d) => d.identifier);
  const out: Array<RecoveryPointPlan<S>['take'][number]> = [];
  for (const db of ordered) {
    const copied = !isShareable(db.kmsKeyId, input.shareableKeyArns);
    if ((copied && room <= 0) || budget.manual >= budget.maxManual) {
      const why = copied && room <= 0
        ? `${budget.maxInFlight} snapshots are already being taken or waiting for a copy`
        : `the account holds ${budget.manual} manual snapshots and may hold ${budget.maxManual}`;
      notes.push({ code: 'recovery-point-deferred', database: db.identifier, message: `${why}; the snapshot of ${db.identifier} waits for a later pass` });
      continue;
    }
    if (copied) room -= 1;
    budget.manual += 1;
    out.push({
      database: db.identifier,
      identifier: recoveryPointIdentifier(db.identifier, start),
      tags: { [TagKeys.SOURCE_DATABASE]: db.identifier, [TagKeys.RECOVERY_POINT]: start.toISOString() },
    });
  }
  return out;
}
