/**
 * A discrete-event simulation (DES) of one Live account and one Failsafe
 * (vault) account over days of simulated time, driving the REAL, pure
 * planners `planShipper` and `planVault`.
 *
 * The simulator models only what AWS does: databases take automated
 * snapshots, RDS copies take time and refuse copies over its in-flight limit,
 * RDS takes the snapshots the shipper asks for (with `recoveryPoints`) one at
 * a time per database, RDS events are lost or late, SNS delivers
 * announcements. Every decision to snapshot, copy, share, announce or delete
 * comes from a planner; the simulator builds the planners' states the way the
 * handlers do and carries out the actions.
 *
 * Passes are instantaneous and never overlap (see the limitations in the
 * report that goes with this file). How each kind of pass is woken, what it
 * lists and which actions it carries out is a table (`SHIPPER_TRIGGERS`,
 * `VAULT_TRIGGERS`), so that a cheaper event path can be simulated by
 * passing another table.
 *
 * Deterministic for a seed: one small PRNG (mulberry32) per concern.
 */
import { performance } from 'node:perf_hooks';
import { AWS_COPIES_IN_FLIGHT, DbKind, kindOf } from '../../src/runtime/budget';
import { shippingCopyIdentifier } from '../../src/runtime/naming';
import { isTaken, RecoveryPointSchedule } from '../../src/runtime/recovery-points';
import { MESSAGE_SCHEMA, MESSAGE_VERSION, parseSnapshotArn, serializeMessage, SnapshotShippedMessage } from '../../src/runtime/schema';
import { DbInstance, DbSnapshot, isOwnedBy, OptionGroup, planShipper, ShipperAction, ShipperPlanConfig, ShipperState, sourceTimeOf } from '../../src/runtime/shipper-plan';
import { decodeSuccessors, encodeSuccessors, MAX_SUCCESSOR_TRIES, parseShippedRef } from '../../src/runtime/successors';
import { TagKeys } from '../../src/runtime/tags';
import { validateAnnouncement } from '../../src/runtime/vault-pass';
import { parseShippedName, planVault, ShippedSnapshot, VaultAction, vaultCopyIdentifier, VaultPlanConfig, VaultState } from '../../src/runtime/vault-plan';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const LIVE_ACCOUNT = '111111111111';
export const VAULT_ACCOUNT = '222222222222';
export const REGION = 'eu-west-1';
/** The simulation starts at the start of a backup window (eu-west-1's default block is 22:00-06:00 UTC). */
export const SIMULATION_START = Date.parse('2026-03-01T22:00:00.000Z');
const SHIPPER_OWNER = 'shipper-sim';
const VAULT_OWNER = 'vault-sim';
const TOPIC_ARN = `arn:aws:sns:${REGION}:${LIVE_ACCOUNT}:failsafe-sim`;
const VAULT_KEY_ARN = `arn:aws:kms:${REGION}:222222222222:key/vault`;
const SHIPPING_KEY = `arn:aws:kms:${REGION}:${LIVE_ACCOUNT}:key/shipping-sim`;
const VAULT_KEY = `arn:aws:kms:${REGION}:${VAULT_ACCOUNT}:key/vault-sim`;
/** The key RDS encrypts a database with by default. */
const AWS_RDS_KEY = `arn:aws:kms:${REGION}:${LIVE_ACCOUNT}:key/aws-rds`;
/** A customer managed key of the databases that the vault account may use (`shareableShare`). */
const SHAREABLE_KEY = `arn:aws:kms:${REGION}:${LIVE_ACCOUNT}:key/shareable-sim`;
const NO_OPTION_GROUPS: ReadonlyMap<string, OptionGroup> = new Map();

// ---------------------------------------------------------------------------
// Pass triggers: what wakes a pass, what it lists, which actions it carries out
// ---------------------------------------------------------------------------

/**
 * What wakes a shipper pass. `successor`: a pass the adapter runs after an
 * RDS-EVENT-0197 pass, for a database named in the finished copy's
 * successors tag (`handOnSlot` in src/runtime/shipper-pass.ts).
 * `event-0042`, `event-0075`: a snapshot the shipper took (recoveryPoints)
 * is there, of a DB instance or of a DB cluster (SNAPSHOT_CREATED_EVENTS in
 * src/runtime/events.ts); RDS emits them for no other snapshot here.
 */
export type ShipperTrigger = 'sweep' | 'event-0091' | 'event-0169' | 'event-0197' | 'event-0042' | 'event-0075' | 'successor';
/**
 * What wakes a vault pass. `successor`: an announcement-scope pass the adapter
 * runs after an RDS-EVENT-0197 pass, for a shipped snapshot named in the
 * finished copy's successors tag (`handOnVaultSlot` in src/runtime/vault-pass.ts).
 */
export type VaultTrigger = 'sweep' | 'announcement' | 'event-0197' | 'successor';
export type ShipperActionType = ShipperAction['type'];
export type VaultActionType = VaultAction['type'];

export interface ShipperPassSpec {
  /**
   * `account`: every DB instance, DB cluster, automated and manual snapshot of
   * the account (a full reconcile). `database`: only the database the event
   * names, its automated snapshots and its manual snapshots; the selection is
   * narrowed to it and the state is `partial`, so the planner cannot see the
   * account's other copies in flight and RDS enforces the limit.
   */
  readonly listing: 'account' | 'database';
  /** The actions of the plan that are carried out. */
  readonly actions: 'all' | readonly ShipperActionType[];
  /**
   * After the pass (RDS-EVENT-0197 only): the finished copy's successors tag
   * is read, cleared, and its first successors get `successor` passes, as
   * `handOnSlot` does. @default false
   */
  readonly handOn?: boolean;
}

export interface VaultPassSpec {
  /**
   * The `shipped` the planner gets. `shared`: every snapshot Live shares that
   * still exists. `database`: those of the database the trigger names.
   * `announced`: only the announced snapshot (announcements and successors).
   * `none`: nothing (a pass about one database's copies only).
   */
  readonly shipped: 'shared' | 'database' | 'announced' | 'none';
  /**
   * The vault's own manual snapshots the planner gets: all of the account, or
   * only those of the database the trigger names (the plan is then `partial`).
   */
  readonly listing: 'account' | 'database';
  readonly actions: 'all' | readonly VaultActionType[];
  /** After the pass (RDS-EVENT-0197 only): hand the finished copy's slot on, as `handOnVaultSlot` does. @default false */
  readonly handOn?: boolean;
}

/**
 * Today's shipper (the default): a sweep is a full reconcile; an RDS event
 * reads only the database it names and plans `partial`; RDS-EVENT-0197 then
 * hands the finished copy's slot on to its successors, each tried with a
 * pass over that database alone.
 */
export const SHIPPER_TRIGGERS: Readonly<Record<ShipperTrigger, ShipperPassSpec>> = {
  'sweep': { listing: 'account', actions: 'all' },
  'event-0091': { listing: 'database', actions: 'all' },
  'event-0169': { listing: 'database', actions: 'all' },
  'event-0197': { listing: 'database', actions: 'all', handOn: true },
  'event-0042': { listing: 'database', actions: 'all' },
  'event-0075': { listing: 'database', actions: 'all' },
  'successor': { listing: 'database', actions: 'all' },
};

/**
 * Today's vault (the default): a sweep lists everything and carries out
 * everything; an announcement plans with the announced snapshot and the
 * announced database's copies (`partial`) and carries out only copies;
 * RDS-EVENT-0197 plans over that database's copies alone (`partial`, nothing
 * shipped: marks completed, retention) and then hands the finished copy's
 * slot on, each successor tried as an announcement.
 */
export const VAULT_TRIGGERS: Readonly<Record<VaultTrigger, VaultPassSpec>> = {
  'sweep': { shipped: 'shared', listing: 'account', actions: 'all' },
  'announcement': { shipped: 'announced', listing: 'database', actions: ['copy'] },
  'event-0197': { shipped: 'none', listing: 'database', actions: 'all', handOn: true },
  'successor': { shipped: 'announced', listing: 'database', actions: ['copy'] },
};

/**
 * The earlier handlers, for comparison: every shipper pass a full reconcile;
 * RDS-EVENT-0197 in the vault a full reconcile too; no hand-off (the
 * planners still write successors tags on full passes; nothing reads them).
 */
export const SHIPPER_TRIGGERS_FULL_RECONCILE: Readonly<Record<ShipperTrigger, ShipperPassSpec>> = {
  'sweep': { listing: 'account', actions: 'all' },
  'event-0091': { listing: 'account', actions: 'all' },
  'event-0169': { listing: 'account', actions: 'all' },
  'event-0197': { listing: 'account', actions: 'all' },
  'event-0042': { listing: 'account', actions: 'all' },
  'event-0075': { listing: 'account', actions: 'all' },
  'successor': { listing: 'database', actions: 'all' },
};

/** The vault's side of the earlier handlers. */
export const VAULT_TRIGGERS_FULL_RECONCILE: Readonly<Record<VaultTrigger, VaultPassSpec>> = {
  'sweep': { shipped: 'shared', listing: 'account', actions: 'all' },
  'announcement': { shipped: 'announced', listing: 'database', actions: ['copy'] },
  'event-0197': { shipped: 'shared', listing: 'account', actions: 'all' },
  'successor': { shipped: 'announced', listing: 'database', actions: ['copy'] },
};

// ---------------------------------------------------------------------------
// Options and result
// ---------------------------------------------------------------------------

/** The copy budget of a handler, as its planner config takes it. */
export interface BudgetOptions {
  readonly maxCopiesInFlight?: number;
  readonly maxClusterCopiesInFlight?: number;
  readonly manualSnapshotQuota?: number;
  readonly manualSnapshotHeadroom?: number;
  readonly retentionDays?: number;
}

export interface SimulationOptions {
  /** @default 1 */
  readonly seed?: number;
  /** DB instances. @default 100 */
  readonly instances?: number;
  /** Aurora DB clusters. @default instances / 5, rounded down */
  readonly clusters?: number;
  /** Measured days: every automated snapshot taken in them is measured. @default 7 */
  readonly days?: number;
  /**
   * Simulated hours after the last measured day, with the same load, so that
   * the last measured snapshots have time to reach the vault. Snapshots taken
   * in the tail are not measured. 0 ends the simulation with the last
   * measured day. @default 24
   */
  readonly tailHours?: number;
  /** Minutes between scheduled shipper sweeps; 0 for none. @default 60 */
  readonly shipperSweepMinutes?: number;
  /** Minutes between scheduled vault sweeps; 0 for none. @default 60 */
  readonly vaultSweepMinutes?: number;
  /** Probability that an RDS event is lost. @default 0.05 */
  readonly eventLossRate?: number;
  /** An RDS event that is not lost arrives after 0 to this many minutes. @default 2 */
  readonly eventDelayMaxMinutes?: number;
  /** An SNS announcement arrives after 0 to this many minutes; never lost. @default 1 */
  readonly snsDelayMaxMinutes?: number;
  /** Median duration of a snapshot copy (lognormal). @default 20 */
  readonly copyMedianMinutes?: number;
  /** Sigma of the lognormal copy duration. @default 0.3 */
  readonly copySigma?: number;
  /** @default 5 */
  readonly copyMinMinutes?: number;
  /** @default 120 */
  readonly copyMaxMinutes?: number;
  /** Probability that a copy ends `failed` instead of `available` (no event then). @default 0 */
  readonly copyFailureRate?: number;
  /** Width of the block over which the databases' backup times are spread. @default 8 */
  readonly backupWindowHours?: number;
  /** The manual snapshot quota of each account and kind, passed to the planners as `quotas`. @default 100000 */
  readonly accountSnapshotQuota?: number;
  /**
   * RDS's limit on DB snapshot copies in flight in each account (AWS allows 20), for a scale model: N databases
   * with k slots load the pipeline as 20N/k databases do with 20. Give the planners the same limit (shipper and
   * vault `maxCopiesInFlight`). DB cluster snapshot copies keep AWS's 5. @default 20
   */
  readonly rdsCopiesInFlight?: number;
  /** The age past which a database counts as behind, as the alarms' `maxAge`. @default 26 */
  readonly behindAfterHours?: number;
  /** Minutes between staleness samples. @default 15 */
  readonly sampleMinutes?: number;
  /** Shipper budget. @default maxCopiesInFlight 20, maxClusterCopiesInFlight 5, retention 2 days, headroom 10 */
  readonly shipper?: BudgetOptions;
  /** Vault budget. @default maxCopiesInFlight 20, maxClusterCopiesInFlight 5, retention 31 days, headroom 10 */
  readonly vault?: BudgetOptions;
  /** @default 3 */
  readonly vaultMinimumCopies?: number;
  /** @default SHIPPER_TRIGGERS */
  readonly shipperTriggers?: Partial<Record<ShipperTrigger, ShipperPassSpec>>;
  /** @default VAULT_TRIGGERS */
  readonly vaultTriggers?: Partial<Record<VaultTrigger, VaultPassSpec>>;
  /**
   * Whether the adapters hand a finished copy's slot on to its successors
   * (where the trigger spec says `handOn`). false: the planners still write
   * successors tags, but nothing reads them. @default true
   */
  readonly successors?: boolean;
  /**
   * Recovery points more often than daily: the shipper's planner config gets
   * them as `recoveryPoints` (the construct's `recoveryPointInterval` and
   * `recoveryPointOffset`), and its sweeps take snapshots of the databases.
   * @default - none: the daily automated snapshots only
   */
  readonly recoveryPoints?: RecoveryPointSchedule;
  /**
   * Median time RDS takes to make a snapshot the shipper took
   * (CreateDBSnapshot, CreateDBClusterSnapshot), lognormal like copies; the
   * same for instances and clusters. @default 5
   */
  readonly snapshotMedianMinutes?: number;
  /** Sigma of the lognormal snapshot duration. @default 0.5 */
  readonly snapshotSigma?: number;
  /** @default 1 */
  readonly snapshotMinMinutes?: number;
  /** @default 60 */
  readonly snapshotMaxMinutes?: number;
  /** Probability that a snapshot the shipper took ends `failed` instead of `available` (no event then). @default 0 */
  readonly snapshotFailureRate?: number;
  /**
   * The share (0 to 1) of the databases, of each kind, encrypted with a customer managed key the vault account may
   * use (the first ones by identifier): the shipper's planner config gets that key in `shareableKeyArns`, and the
   * snapshots it takes of them carry it, so they are shared as they are, with no copy in Live. The others keep
   * the aws/rds key. @default 0
   */
  readonly shareableShare?: number;
}

export type RdsEventId = '0091' | '0169' | '0197-live' | '0197-vault' | '0042' | '0075';
const RDS_EVENT_IDS: readonly RdsEventId[] = ['0091', '0169', '0197-live', '0197-vault', '0042', '0075'];

const SHIPPER_TRIGGER_NAMES: readonly ShipperTrigger[] = ['sweep', 'event-0091', 'event-0169', 'event-0197', 'event-0042', 'event-0075', 'successor'];
const VAULT_TRIGGER_NAMES: readonly VaultTrigger[] = ['sweep', 'announcement', 'event-0197', 'successor'];
const SHIPPER_EVENT_IDS: Readonly<Partial<Record<ShipperTrigger, RdsEventId>>> = {
  'event-0091': '0091', 'event-0169': '0169', 'event-0197': '0197-live', 'event-0042': '0042', 'event-0075': '0075',
};

/** The RDS event that woke a pass, if an event did. */
function eventIdOf(e: SimEvent): RdsEventId | undefined {
  if (e.type === 'shipper-pass') return SHIPPER_EVENT_IDS[e.trigger];
  if (e.type === 'vault-pass' && e.trigger === 'event-0197') return '0197-vault';
  return undefined;
}

export interface LatencyStats {
  /** Automated snapshots taken on measured days. */
  readonly snapshots: number;
  /** Of those, how many have an available vault copy. */
  readonly arrived: number;
  readonly p50Minutes: number | null;
  readonly p99Minutes: number | null;
  readonly maxMinutes: number | null;
  readonly maxDatabase: string | null;
  /** Took more than 24 hours to arrive, or had not arrived 24 hours after it was taken. */
  readonly over24h: number;
  /** Not in the vault at the end, and older than 24 hours then. */
  readonly never: number;
  /** Of `never`: a newer snapshot of the same database reached the vault (the shipper copies only the newest). */
  readonly neverSuperseded: number;
  /** Not in the vault at the end, and younger than 24 hours then. */
  readonly stillInFlight: number;
}

export interface DayStats extends LatencyStats {
  readonly day: number;
}

export interface StalenessStats {
  readonly samples: number;
  /** The largest age seen of a database's newest recovery point. */
  readonly maxHours: number | null;
  readonly database: string | null;
  readonly at: string | null;
  /** Whether that database held no copy at all then (its age is counted from the start of the simulation). */
  readonly withoutCopy: boolean;
  /** The alarms' threshold (`behindAfterHours`). */
  readonly behindAfterHours: number;
  /** Samples in which some database's newest recovery point was older than the threshold: the alarm would be in alarm. */
  readonly samplesWithSomeBehind: number;
  /** Measured days (by the sample's time) with such a sample. */
  readonly daysWithSomeBehind: readonly number[];
  /** The most databases behind in one sample. */
  readonly maxBehindAtOnce: number;
  /** Databases that were behind in some sample. */
  readonly databasesEverBehind: number;
}

export interface CopyCounts {
  /** Copy actions the planners produced that the pass carried out. */
  planned: number;
  started: number;
  /** Refused by RDS: as many copies of the kind as AWS allows were already in progress. */
  refused: number;
  /** The target already existed (`DBSnapshotAlreadyExists`). */
  exists: number;
  /** The source was gone, or (vault) no longer shared. */
  sourceMissing: number;
  /** Copies that ended `available`. */
  finished: number;
  /** Copies that ended `failed`. */
  failed: number;
  /** Most copies of the kind in progress at once. */
  maxInFlight: number;
}

export interface HandOffCounts {
  /** RDS-EVENT-0197 passes whose finished copy carried a non-empty successors list (cleared then). */
  slotsHandedOn: number;
  /** Successors tried, one pass each (at most MAX_SUCCESSOR_TRIES per slot). */
  tries: number;
  /** Slots taken by a copy a successor pass started. */
  started: number;
  /** Slots whose successor already had its copy (a concurrent pass or an announcement made it). */
  alreadyThere: number;
  /** Slots whose successor's copy RDS refused (copies in flight): left to the next sweep. */
  deferred: number;
  /** Slots none of whose tried successors needed a copy: the slot waits for the next sweep. */
  unused: number;
  /** Vault only: successors whose shared snapshot was gone (the copy fails; the next one is tried). */
  sourceMissing: number;
  /** Of `slotsHandedOn`: lists that a `set-successors` action wrote on the copy in flight (the others were tagged on creation). */
  listsSetInFlight: number;
}

/** The snapshots the shipper took (recoveryPoints), per kind, as RDS answered CreateDBSnapshot / CreateDBClusterSnapshot. */
export interface SnapshotCounts {
  /** Snapshot actions the planner produced that the pass carried out. */
  planned: number;
  /** RDS took the snapshot: it is `creating`. */
  taken: number;
  /** Refused: a snapshot of that name exists (`DBSnapshotAlreadyExists`). */
  exists: number;
  /** Refused: a snapshot the shipper took of the database is still being made (`InvalidDBInstanceState`, `InvalidDBClusterStateFault`). */
  refusedBusy: number;
  /** Refused: no such database of the action's kind (`DBInstanceNotFound`, `DBClusterNotFoundFault`). */
  databaseMissing: number;
  /** Ended `available`. */
  finished: number;
  /** Ended `failed`. */
  failed: number;
  /** Copies in Live whose source was one of these snapshots, started by RDS. */
  copiesStarted: number;
  /** Deleted (by the planner's `delete` actions). */
  deleted: number;
  /** Deletes refused by RDS because the snapshot was still `creating` (`InvalidDBSnapshotState`). */
  deleteRefused: number;
  /** Deleted while a copy of it was still being made in Live (RDS: the copy may then fail). */
  deletedWhileCopying: number;
  /** Most of them in Live at once (any status). */
  maxHeld: number;
}

/** One CreateDBSnapshot / CreateDBClusterSnapshot call, and RDS's answer. */
export interface TakeRecord {
  readonly database: string;
  readonly kind: DbKind;
  readonly identifier: string;
  /** When the call was made (and, if taken, the snapshot's create time), in ms since the epoch. */
  readonly at: number;
  readonly outcome: 'taken' | 'exists' | 'busy' | 'database-missing';
  /** For a snapshot taken: how it ended, once RDS has made it. */
  ended?: 'available' | 'failed';
}

/** Percentiles of the ages of a recovery point, over every sample of every database. */
export interface RpoStats {
  /** Ages pooled: databases × samples. */
  readonly samples: number;
  readonly p50Hours: number | null;
  readonly p99Hours: number | null;
  readonly maxHours: number | null;
}

export interface SimulationResult {
  readonly options: Record<string, unknown>;
  readonly databases: { readonly instances: number; readonly clusters: number };
  readonly simulatedHours: number;
  readonly latency: { readonly all: LatencyStats; readonly instance: LatencyStats; readonly cluster: LatencyStats };
  readonly perDay: readonly DayStats[];
  /** Measured days on which some database's snapshot took more than 24 hours to reach the vault (or never did). */
  readonly daysOver24h: readonly number[];
  /** Databases with no available vault copy at the end. */
  readonly neverShipped: readonly string[];
  /**
   * The age of each database's newest available vault copy's recovery point,
   * sampled every `sampleMinutes` after the first 24 hours: what the vault's
   * recovery point alarm watches.
   */
  readonly staleness: StalenessStats;
  /**
   * The same for the newest shared and announced copy in Live: what the
   * shipper's DatabasesBehind metric watches.
   */
  readonly shipperStaleness: StalenessStats;
  readonly passes: { readonly shipper: Record<ShipperTrigger, number>; readonly vault: Record<VaultTrigger, number> };
  readonly plannerCalls: { readonly shipper: number; readonly vault: number };
  /**
   * An estimate of the RDS Describe* calls the passes would make, by handler
   * and trigger: each listing in pages of 100 (at least one call), plus one
   * DescribeAccountAttributes per pass. A listing of one database is one call.
   */
  readonly describeCalls: { readonly shipper: Record<ShipperTrigger, number>; readonly vault: Record<VaultTrigger, number> };
  /** Time spent inside the planners, in milliseconds: total, mean and largest per call. */
  readonly plannerMs: {
    readonly shipper: { readonly total: number; readonly mean: number; readonly max: number };
    readonly vault: { readonly total: number; readonly mean: number; readonly max: number };
  };
  /** RDS events by id (`0197-live` and `0197-vault`: copies finished in each account): emitted = lost + delivered + pendingAtEnd. */
  readonly events: {
    readonly emitted: Record<RdsEventId, number>;
    readonly lost: Record<RdsEventId, number>;
    readonly delivered: Record<RdsEventId, number>;
    /** Neither lost nor delivered when the simulation ended. */
    readonly pendingAtEnd: Record<RdsEventId, number>;
  };
  readonly announcements: { readonly published: number; readonly delivered: number; readonly rejected: number };
  readonly copies: {
    readonly shipper: Record<DbKind, CopyCounts>;
    readonly vault: Record<DbKind, CopyCounts>;
    /** Vault copies started, by the trigger of the pass that started them. */
    readonly vaultStartedByTrigger: Record<VaultTrigger, number>;
    /** Shipper copies started, by the trigger of the pass that started them. */
    readonly shipperStartedByTrigger: Record<ShipperTrigger, number>;
  };
  readonly actions: {
    readonly shipper: Record<string, number>;
    readonly vault: Record<string, number>;
    /** Actions a plan contained that the pass's trigger spec does not carry out. */
    readonly skippedBySpec: { readonly shipper: number; readonly vault: number };
  };
  readonly deletions: { readonly shipper: Record<string, number>; readonly vault: Record<string, number> };
  /** The adapters' hand-off after RDS-EVENT-0197, per account. */
  readonly handOffs: { readonly shipper: HandOffCounts; readonly vault: HandOffCounts };
  readonly final: {
    readonly liveManualSnapshots: number;
    readonly liveShared: number;
    readonly vaultSnapshots: number;
    readonly vaultAvailable: number;
    /** Vault copies that were ever created. */
    readonly vaultCopiesCreated: number;
    readonly shipperCopiesCreated: number;
  };
  /** The snapshots the shipper took itself (recoveryPoints): none without. */
  readonly recoveryPoints: {
    readonly schedule: RecoveryPointSchedule | null;
    readonly snapshots: Record<DbKind, SnapshotCounts>;
    /** Every CreateDBSnapshot / CreateDBClusterSnapshot call, in order. */
    readonly takes: readonly TakeRecord[];
    /** Of the shipper's taken snapshots, those left in Live at the end. */
    readonly heldAtEnd: number;
  };
  /**
   * The RPO achieved: for every database, every `sampleMinutes` after the
   * first 24 hours (a warm-up) up to the end, the age of its newest recovery
   * point held in the vault (its newest available vault copy's source time)
   * and of its newest one shipped (announced) by Live; a database without one
   * counts from the start of the simulation.
   */
  readonly rpo: { readonly vault: RpoStats; readonly shipped: RpoStats };
  /** What the copies cost: how many, how long RDS took, and what is stored (see `CopyCost`). */
  readonly copyCost: CopyCost;
  readonly wallTimeMs: number;
}

/**
 * A simple size model, for comparing runs: every database holds `STORAGE_MODEL.databaseGb`, of which
 * `STORAGE_MODEL.changedGbPerHour` change (2 GB per 4 hours), each change a new block. A snapshot that is incremental
 * on another joins its chain; a chain stores the full size once, plus the changes over the span of the recovery points
 * it still holds (deleting a snapshot frees only what no later one needs). What is incremental:
 * - in Live, a copy (under the shipping key) of an automated or taken snapshot, when a previous copy of that
 *   database is available in Live; else it is full;
 * - in the vault, a copy of a shipper copy is always full (RDS User Guide: "When you copy a source snapshot that is a
 *   snapshot copy itself, the new copy isn't incremental"); a copy of a snapshot shared as it is is incremental when
 *   the vault holds an available copy of that database with an older recovery point (an ASSUMPTION, not checked
 *   against RDS);
 * - a snapshot the shipper took, held in Live, stores the changes since the database's previous snapshot (automated
 *   or taken). Automated snapshots, the same with or without shareable keys, are not counted.
 * RDS's copy durations in the simulation do not depend on these sizes.
 */
export const STORAGE_MODEL = { databaseGb: 100, changedGbPerHour: 2 / 4 } as const;

export interface CopyCost {
  readonly live: {
    /** Copies started in Live. */
    readonly copies: number;
    /** Of those, copies of snapshots the shipper took (the rest are of automated snapshots). */
    readonly copiesOfTaken: number;
    /** Hours RDS takes for them: the sum of their durations, as drawn when each started. */
    readonly copyHours: number;
    readonly fullCopies: number;
    /** GB held at the end: the shipper's copies, and the snapshots it took that are still in Live (GB-days per day). */
    readonly heldGb: number;
    /** Of `heldGb`: the snapshots it took. */
    readonly takenHeldGb: number;
  };
  readonly vault: {
    readonly copies: number;
    /** Of those, copies of snapshots shared as they are (the rest are of shipper copies). */
    readonly copiesOfShared: number;
    readonly copyHours: number;
    readonly fullCopies: number;
    /** GB held at the end (GB-days per day). */
    readonly heldGb: number;
  };
}

// ---------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------

/**
 * mulberry32: a small, fast, seedable 32-bit PRNG; uniform in [0, 1).
 * It is made of 32-bit integer operations, hence the bitwise operators.
 */
/* eslint-disable no-bitwise */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/* eslint-enable no-bitwise */

/** A standard normal variate (Box-Muller). */
function normal(rng: () => number): number {
  const u = 1 - rng(); // (0, 1]
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** How long RDS takes to make a copy or a snapshot, in ms: lognormal minutes around a median, clamped to [min, max]. */
function lognormalDuration(rng: () => number, median: number, sigma: number, min: number, max: number): number {
  const minutes = median * Math.exp(sigma * normal(rng));
  return Math.min(max, Math.max(min, minutes)) * MINUTE;
}

// ---------------------------------------------------------------------------
// The event queue: a binary heap ordered by time, then by insertion
// ---------------------------------------------------------------------------

type SimEvent =
  | { readonly type: 'backup'; readonly db: SimDatabase; readonly day: number }
  | { readonly type: 'copy-done'; readonly account: 'live' | 'vault'; readonly id: string }
  | { readonly type: 'snapshot-done'; readonly id: string }
  | { readonly type: 'shipper-pass'; readonly trigger: ShipperTrigger; readonly db?: string; readonly snapshot?: string }
  | { readonly type: 'vault-pass'; readonly trigger: VaultTrigger; readonly db?: string; readonly body?: string; readonly snapshot?: string }
  | { readonly type: 'sample' };

interface Scheduled {
  readonly time: number;
  readonly seq: number;
  readonly event: SimEvent;
}

class EventQueue {
  private readonly heap: Scheduled[] = [];
  private seq = 0;

  public peekTime(): number {
    return this.heap.length === 0 ? Infinity : this.heap[0].time;
  }

  public push(time: number, event: SimEvent): void {
    const h = this.heap;
    h.push({ time, seq: this.seq++, event });
    let i = h.length - 1;
    while (i > 0) {
      const parent = Math.floor((i - 1) / 2);
      if (!before(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  public pop(): Scheduled | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

// ---------------------------------------------------------------------------
// The simulated RDS of one account: its manual snapshots
// ---------------------------------------------------------------------------

class SimAccount {
  /** Manual snapshots by lower-case identifier. */
  public readonly snapshots = new Map<string, DbSnapshot>();
  public readonly inFlight: Record<DbKind, number> = { instance: 0, cluster: 0 };
  public readonly count: Record<DbKind, number> = { instance: 0, cluster: 0 };
  public created = 0;
  private readonly dbOf = new Map<string, string>();
  private readonly byDb = new Map<string, Map<string, DbSnapshot>>();
  private cache: DbSnapshot[] | undefined;

  constructor(private readonly quota: number) {}

  public all(): DbSnapshot[] {
    if (!this.cache) this.cache = [...this.snapshots.values()];
    return this.cache;
  }

  public ofDb(db: string): DbSnapshot[] {
    return [...(this.byDb.get(db)?.values() ?? [])];
  }

  public get(id: string): DbSnapshot | undefined {
    return this.snapshots.get(id.toLowerCase());
  }

  /** Adds a new snapshot or replaces one (same identifier), filed under database `db`. */
  public put(s: DbSnapshot, db: string): void {
    const id = s.identifier.toLowerCase();
    const old = this.snapshots.get(id);
    if (!old) {
      this.count[kindOf(s)] += 1;
      this.dbOf.set(id, db);
    }
    this.snapshots.set(id, s);
    const dbKey = this.dbOf.get(id)!;
    let group = this.byDb.get(dbKey);
    if (!group) this.byDb.set(dbKey, (group = new Map()));
    group.set(id, s);
    this.cache = undefined;
  }

  public remove(id: string): DbSnapshot | undefined {
    const key = id.toLowerCase();
    const s = this.snapshots.get(key);
    if (!s) return undefined;
    this.snapshots.delete(key);
    this.byDb.get(this.dbOf.get(key)!)?.delete(key);
    this.dbOf.delete(key);
    this.count[kindOf(s)] -= 1;
    this.cache = undefined;
    return s;
  }

  /** The account's quotas, as `DescribeAccountAttributes` would report them. */
  public quotas() {
    return { instance: { used: this.count.instance, max: this.quota }, cluster: { used: this.count.cluster, max: this.quota } };
  }
}

/** Samples the age of each database's newest recovery point in one account. */
class StalenessTracker {
  private samples = 0;
  private maxMs = -1;
  private database: string | null = null;
  private at: string | null = null;
  private withoutCopy = false;
  private samplesWithSomeBehind = 0;
  private readonly daysWithSomeBehind = new Set<number>();
  private maxBehindAtOnce = 0;
  private readonly everBehind = new Set<string>();
  private readonly behindAfterMs: number;

  constructor(private readonly behindAfterHours: number) {
    this.behindAfterMs = behindAfterHours * HOUR;
  }

  /** `newest`: per database, its newest recovery point; a database without one counts from the start of the simulation. */
  public sample(now: number, day: number | undefined, databases: Iterable<string>, newest: ReadonlyMap<string, number>): void {
    this.samples += 1;
    let behind = 0;
    for (const db of databases) {
      const time = newest.get(db);
      const age = now - (time ?? SIMULATION_START);
      if (age > this.behindAfterMs) {
        behind += 1;
        this.everBehind.add(db);
      }
      if (age > this.maxMs) {
        this.maxMs = age;
        this.database = db;
        this.at = new Date(now).toISOString();
        this.withoutCopy = time === undefined;
      }
    }
    if (behind > 0) {
      this.samplesWithSomeBehind += 1;
      if (day !== undefined) this.daysWithSomeBehind.add(day);
    }
    this.maxBehindAtOnce = Math.max(this.maxBehindAtOnce, behind);
  }

  public stats(): StalenessStats {
    return {
      samples: this.samples,
      maxHours: this.maxMs < 0 ? null : round(this.maxMs / HOUR, 2),
      database: this.database,
      at: this.at,
      withoutCopy: this.withoutCopy,
      behindAfterHours: this.behindAfterHours,
      samplesWithSomeBehind: this.samplesWithSomeBehind,
      daysWithSomeBehind: [...this.daysWithSomeBehind].sort((a, b) => a - b),
      maxBehindAtOnce: this.maxBehindAtOnce,
      databasesEverBehind: this.everBehind.size,
    };
  }
}

/** Samples the age of each database's newest recovery point in one place, every age kept, for percentiles (the RPO). */
class AgeSamples {
  private readonly ages: number[] = [];

  /** `newest`: per database, its newest recovery point; a database without one counts from the start of the simulation. */
  public sample(now: number, databases: Iterable<string>, newest: ReadonlyMap<string, number>): void {
    for (const db of databases) this.ages.push(now - (newest.get(db) ?? SIMULATION_START));
  }

  public stats(): RpoStats {
    const sorted = Float64Array.from(this.ages).sort();
    const hours = (p: number) => {
      const ms = percentile(sorted, p);
      return ms === null ? null : round(ms / HOUR, 2);
    };
    return { samples: sorted.length, p50Hours: hours(0.5), p99Hours: hours(0.99), maxHours: hours(1) };
  }
}

interface SimDatabase {
  readonly id: string;
  readonly kind: DbKind;
  /** Its backup time: this far into each day's backup window. */
  readonly offsetMs: number;
  readonly instance: DbInstance;
  /** Its automated snapshots, oldest first; at most 2. */
  automated: DbSnapshot[];
}

interface Taken {
  readonly db: string;
  readonly kind: DbKind;
  readonly time: number;
  readonly day: number;
  arrived?: number;
}

const newCopyCounts = (): CopyCounts => ({ planned: 0, started: 0, refused: 0, exists: 0, sourceMissing: 0, finished: 0, failed: 0, maxInFlight: 0 });
const newSnapshotCounts = (): SnapshotCounts => ({
  planned: 0,
  taken: 0,
  exists: 0,
  refusedBusy: 0,
  databaseMissing: 0,
  finished: 0,
  failed: 0,
  copiesStarted: 0,
  deleted: 0,
  deleteRefused: 0,
  deletedWhileCopying: 0,
  maxHeld: 0,
});
const newHandOffCounts = (): HandOffCounts => ({
  slotsHandedOn: 0, tries: 0, started: 0, alreadyThere: 0, deferred: 0, unused: 0, sourceMissing: 0, listsSetInFlight: 0,
});

/** What a pass's copy actions came to, as the adapters count them to decide whether a slot was taken. */
interface CopyOutcomes {
  started: number;
  exists: number;
  /** Refused by RDS (copies in flight): the adapters count it `deferred`. */
  refused: number;
  /** The copy failed because its source is gone (vault: DBSnapshotNotFound, which the adapter counts as a failure). */
  sourceMissing: number;
}
const noOutcomes = (): CopyOutcomes => ({ started: 0, exists: 0, refused: 0, sourceMissing: 0 });

/** Whether a successor pass took the freed slot (the adapters' test: copies started + already there + deferred > 0); counts how. */
function tookSlot(o: CopyOutcomes, h: HandOffCounts): boolean {
  if (o.started > 0) h.started += 1;
  else if (o.exists > 0) h.alreadyThere += 1;
  else if (o.refused > 0) h.deferred += 1;
  else return false;
  return true;
}

function snapshotArn(account: string, kind: DbKind, identifier: string): string {
  return `arn:aws:rds:${REGION}:${account}:${kind === 'cluster' ? 'cluster-snapshot' : 'snapshot'}:${identifier}`;
}

/** `rds:<db>-yyyy-mm-dd-hh-mm`, as RDS names automated snapshots. */
function automatedIdentifier(db: string, time: number): string {
  const iso = new Date(time).toISOString();
  return `rds:${db}-${iso.slice(0, 10)}-${iso.slice(11, 13)}-${iso.slice(14, 16)}`;
}

export function databaseIdentifiers(instances: number, clusters: number): { instances: string[]; clusters: string[] } {
  const pad = (i: number) => String(i).padStart(4, '0');
  return {
    instances: Array.from({ length: instances }, (_, i) => `db-${pad(i)}`),
    clusters: Array.from({ length: clusters }, (_, i) => `cl-${pad(i)}`),
  };
}

export function shipperPlanConfig(o: BudgetOptions = {}, ids = databaseIdentifiers(0, 0), recoveryPoints?: RecoveryPointSchedule): ShipperPlanConfig {
  return {
    ownerId: SHIPPER_OWNER,
    selection: { identifiers: ids.instances, clusterIdentifiers: ids.clusters },
    retentionMs: (o.retentionDays ?? 2) * DAY,
    maxCopiesInFlight: o.maxCopiesInFlight ?? 20,
    maxClusterCopiesInFlight: o.maxClusterCopiesInFlight ?? 5,
    manualSnapshotQuota: o.manualSnapshotQuota,
    manualSnapshotHeadroom: o.manualSnapshotHeadroom ?? 10,
    ...(recoveryPoints ? { recoveryPoints } : {}),
  };
}

export function vaultPlanConfig(o: BudgetOptions = {}, minimumCopies = 3): VaultPlanConfig {
  return {
    ownerId: VAULT_OWNER,
    sourceAccounts: [LIVE_ACCOUNT],
    retentionMs: (o.retentionDays ?? 31) * DAY,
    minimumCopies,
    maxCopiesInFlight: o.maxCopiesInFlight ?? 20,
    maxClusterCopiesInFlight: o.maxClusterCopiesInFlight ?? 5,
    manualSnapshotQuota: o.manualSnapshotQuota,
    manualSnapshotHeadroom: o.manualSnapshotHeadroom ?? 10,
  };
}


/** Describe calls for a listing of n items in pages of 100: at least one. */
const pages = (n: number) => Math.max(1, Math.ceil(n / 100));

function allows<T extends string>(actions: 'all' | readonly T[], type: T): boolean {
  return actions === 'all' || actions.includes(type);
}

function countsBy<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** The GB of a database that change in `ms` (STORAGE_MODEL): each change a new block, up to the database's size. */
const changedGb = (ms: number) => Math.min(STORAGE_MODEL.databaseGb, (STORAGE_MODEL.changedGbPerHour * ms) / HOUR);

const round = (x: number | null, digits = 1): number | null => (x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits);

// ---------------------------------------------------------------------------
// The simulation
// ---------------------------------------------------------------------------

class Simulation {
  private readonly o: Required<Omit<SimulationOptions, 'shipper' | 'vault' | 'shipperTriggers' | 'vaultTriggers' | 'recoveryPoints' | 'shareableShare'>>;
  private readonly shareableShare: number;
  private readonly recoveryPoints: RecoveryPointSchedule | undefined;
  private readonly shipperTriggers: Record<ShipperTrigger, ShipperPassSpec>;
  private readonly vaultTriggers: Record<VaultTrigger, VaultPassSpec>;
  private readonly shipperConfig: ShipperPlanConfig;
  private readonly vaultConfig: VaultPlanConfig;
  private readonly shipperConfigOfDb = new Map<string, ShipperPlanConfig>();
  private readonly end: number;
  private readonly measuredEnd: number;

  private readonly queue = new EventQueue();
  private now = SIMULATION_START;
  private readonly backupRng: () => number;
  private readonly copyRng: () => number;
  private readonly eventRng: () => number;
  private readonly snapshotRng: () => number;

  private readonly dbs = new Map<string, SimDatabase>();
  private readonly instances: DbInstance[] = [];
  private automatedCache: DbSnapshot[] | undefined;
  private readonly live: SimAccount;
  private readonly vault: SimAccount;
  /** Live snapshots shared with the vault account (lower-case identifiers), as the vault would list them. */
  private readonly shared = new Map<string, ShippedSnapshot>();
  private sharedCache: ShippedSnapshot[] | undefined;
  /** Per database, the recovery point of its newest available vault copy. */
  private readonly vaultNewest = new Map<string, number>();
  private readonly taken = new Map<string, Taken>();

  private readonly passes = { shipper: countsBy<ShipperTrigger>(SHIPPER_TRIGGER_NAMES), vault: countsBy<VaultTrigger>(VAULT_TRIGGER_NAMES) };
  private readonly plannerCalls = { shipper: 0, vault: 0 };
  private readonly describeCalls = { shipper: countsBy<ShipperTrigger>(SHIPPER_TRIGGER_NAMES), vault: countsBy<VaultTrigger>(VAULT_TRIGGER_NAMES) };
  private readonly plannerMs = { shipper: { total: 0, max: 0 }, vault: { total: 0, max: 0 } };
  private readonly events = {
    emitted: countsBy(RDS_EVENT_IDS), lost: countsBy(RDS_EVENT_IDS), delivered: countsBy(RDS_EVENT_IDS), pendingAtEnd: countsBy(RDS_EVENT_IDS),
  };
  private readonly announcements = { published: 0, delivered: 0, rejected: 0 };
  private readonly copies = {
    shipper: { instance: newCopyCounts(), cluster: newCopyCounts() },
    vault: { instance: newCopyCounts(), cluster: newCopyCounts() },
    vaultStartedByTrigger: countsBy<VaultTrigger>(VAULT_TRIGGER_NAMES),
    shipperStartedByTrigger: countsBy<ShipperTrigger>(SHIPPER_TRIGGER_NAMES),
  };
  private readonly actionCounts = {
    shipper: {} as Record<string, number>, vault: {} as Record<string, number>, skippedBySpec: { shipper: 0, vault: 0 },
  };
  private readonly deletions = { shipper: {} as Record<string, number>, vault: {} as Record<string, number> };
  private readonly handOffs = { shipper: newHandOffCounts(), vault: newHandOffCounts() };
  /** Per copy (`live:` or `vault:` and the identifier), the last successors list a `set-successors` action gave it. */
  private readonly listSetInFlight = new Map<string, string>();
  private readonly staleness: StalenessTracker;
  private readonly shipperStaleness: StalenessTracker;
  /** Per database, the recovery point of its newest announced copy in Live. */
  private readonly shipperNewest = new Map<string, number>();
  private readonly snapshots = { instance: newSnapshotCounts(), cluster: newSnapshotCounts() };
  private readonly takes: TakeRecord[] = [];
  /** The records of the snapshots RDS is still making, by lower-case identifier. */
  private readonly takesCreating = new Map<string, TakeRecord>();
  /** The shipper's taken snapshots in Live now, per kind. */
  private readonly takenHeld: Record<DbKind, number> = { instance: 0, cluster: 0 };
  private readonly vaultRpo = new AgeSamples();
  private readonly shippedRpo = new AgeSamples();
  /** The copies as the size model sees them (STORAGE_MODEL), by account and lower-case identifier: their chain and recovery point. */
  private readonly stored = new Map<string, { readonly chain: number; readonly time: number }>();
  private chains = 0;
  /** The snapshots the shipper took, by lower-case identifier: the GB each stores (STORAGE_MODEL). */
  private readonly takenGb = new Map<string, number>();
  /** Per database, the time of the newest snapshot the shipper took of it. */
  private readonly lastTaken = new Map<string, number>();
  private readonly cost = {
    live: { copies: 0, copiesOfTaken: 0, copyMs: 0, fullCopies: 0 },
    vault: { copies: 0, copiesOfShared: 0, copyMs: 0, fullCopies: 0 },
  };

  constructor(options: SimulationOptions) {
    const instances = options.instances ?? 100;
    this.o = {
      seed: options.seed ?? 1,
      instances,
      clusters: options.clusters ?? Math.floor(instances / 5),
      days: options.days ?? 7,
      tailHours: options.tailHours ?? 24,
      shipperSweepMinutes: options.shipperSweepMinutes ?? 60,
      vaultSweepMinutes: options.vaultSweepMinutes ?? 60,
      eventLossRate: options.eventLossRate ?? 0.05,
      eventDelayMaxMinutes: options.eventDelayMaxMinutes ?? 2,
      snsDelayMaxMinutes: options.snsDelayMaxMinutes ?? 1,
      copyMedianMinutes: options.copyMedianMinutes ?? 20,
      copySigma: options.copySigma ?? 0.3,
      copyMinMinutes: options.copyMinMinutes ?? 5,
      copyMaxMinutes: options.copyMaxMinutes ?? 120,
      copyFailureRate: options.copyFailureRate ?? 0,
      backupWindowHours: options.backupWindowHours ?? 8,
      accountSnapshotQuota: options.accountSnapshotQuota ?? 100_000,
      rdsCopiesInFlight: options.rdsCopiesInFlight ?? AWS_COPIES_IN_FLIGHT.instance,
      sampleMinutes: options.sampleMinutes ?? 15,
      behindAfterHours: options.behindAfterHours ?? 26,
      vaultMinimumCopies: options.vaultMinimumCopies ?? 3,
      successors: options.successors ?? true,
      snapshotMedianMinutes: options.snapshotMedianMinutes ?? 5,
      snapshotSigma: options.snapshotSigma ?? 0.5,
      snapshotMinMinutes: options.snapshotMinMinutes ?? 1,
      snapshotMaxMinutes: options.snapshotMaxMinutes ?? 60,
      snapshotFailureRate: options.snapshotFailureRate ?? 0,
    };
    this.recoveryPoints = options.recoveryPoints;
    this.shareableShare = options.shareableShare ?? 0;
    if (!(this.shareableShare >= 0 && this.shareableShare <= 1)) throw new Error('shareableShare is a share: from 0 to 1');
    this.shipperTriggers = { ...SHIPPER_TRIGGERS, ...options.shipperTriggers };
    this.vaultTriggers = { ...VAULT_TRIGGERS, ...options.vaultTriggers };
    if (this.shipperTriggers.sweep.listing !== 'account') throw new Error('a shipper sweep names no database: its listing must be "account"');
    if (this.vaultTriggers.sweep.listing !== 'account' || this.vaultTriggers.sweep.shipped !== 'shared') {
      throw new Error('a vault sweep names no database: it must list the account and every shared snapshot');
    }
    for (const t of ['sweep', 'event-0197'] as const) {
      if (this.vaultTriggers[t].shipped === 'announced') throw new Error('only an announcement or a successor has an announced snapshot');
    }
    for (const t of ['announcement', 'successor'] as const) {
      if (this.vaultTriggers[t].shipped !== 'announced' || this.vaultTriggers[t].listing !== 'database') {
        throw new Error(`a vault ${t} pass plans with its announced snapshot and its database's copies`);
      }
    }
    if (this.shipperTriggers.successor.listing !== 'database') throw new Error('a successor pass is about one database: its listing must be "database"');

    const ids = databaseIdentifiers(this.o.instances, this.o.clusters);
    const shipperConfig = shipperPlanConfig(options.shipper, ids, this.recoveryPoints);
    this.shipperConfig = this.shareableShare > 0 ? { ...shipperConfig, shareableKeyArns: [SHAREABLE_KEY] } : shipperConfig;
    // A vault whose source ships more often than daily has an hourly tier (RdsSnapshotVault's hourlyCopies), as the README says to set.
    const hourlyTier = this.recoveryPoints ? { hourlyCopies: 24, minimumAgeMs: DAY } : {};
    this.vaultConfig = { ...vaultPlanConfig(options.vault, this.o.vaultMinimumCopies), ...hourlyTier };
    this.measuredEnd = SIMULATION_START + this.o.days * DAY;
    this.end = this.measuredEnd + this.o.tailHours * HOUR;
    this.backupRng = mulberry32(this.o.seed * 4 + 1);
    this.copyRng = mulberry32(this.o.seed * 4 + 2);
    this.eventRng = mulberry32(this.o.seed * 4 + 3);
    const phaseRng = mulberry32(this.o.seed * 4 + 4);
    // Its own stream, drawn from only with recoveryPoints: the other streams, and so the runs without, stay as they were.
    this.snapshotRng = mulberry32(this.o.seed * 4 + 1_000_003);
    this.staleness = new StalenessTracker(this.o.behindAfterHours);
    this.shipperStaleness = new StalenessTracker(this.o.behindAfterHours);
    this.live = new SimAccount(this.o.accountSnapshotQuota);
    this.vault = new SimAccount(this.o.accountSnapshotQuota);

    const add = (id: string, kind: DbKind, shareable: boolean) => {
      const instance: DbInstance = {
        kind,
        identifier: id,
        arn: `arn:aws:rds:${REGION}:${LIVE_ACCOUNT}:${kind === 'cluster' ? 'cluster' : 'db'}:${id}`,
        engine: kind === 'cluster' ? 'aurora-postgresql' : 'postgres',
        status: 'available',
        backupRetentionPeriod: 7,
        ...(shareable ? { kmsKeyId: SHAREABLE_KEY } : {}),
        tags: {},
      };
      // Whole seconds: the shipper's copy names carry the time to the second.
      const offsetMs = Math.floor(this.backupRng() * this.o.backupWindowHours * 3600) * 1000;
      const db: SimDatabase = { id, kind, offsetMs, instance, automated: [] };
      this.dbs.set(id, db);
      this.instances.push(instance);
      this.queue.push(SIMULATION_START + offsetMs, { type: 'backup', db, day: 1 });
    };
    const shareable = (list: readonly string[]) => Math.round(this.shareableShare * list.length);
    ids.instances.forEach((id, i) => add(id, 'instance', i < shareable(ids.instances)));
    ids.clusters.forEach((id, i) => add(id, 'cluster', i < shareable(ids.clusters)));

    if (this.o.shipperSweepMinutes > 0) this.queue.push(SIMULATION_START + phaseRng() * this.o.shipperSweepMinutes * MINUTE, { type: 'shipper-pass', trigger: 'sweep' });
    if (this.o.vaultSweepMinutes > 0) this.queue.push(SIMULATION_START + phaseRng() * this.o.vaultSweepMinutes * MINUTE, { type: 'vault-pass', trigger: 'sweep' });
    this.queue.push(SIMULATION_START + DAY, { type: 'sample' });
  }

  public run(): SimulationResult {
    const started = performance.now();
    for (;;) {
      if (this.queue.peekTime() >= this.end) break;
      const next = this.queue.pop()!;
      this.now = next.time;
      const id = eventIdOf(next.event);
      if (id) this.events.delivered[id] += 1;
      this.dispatch(next.event);
    }
    this.now = this.end;
    for (let left = this.queue.pop(); left; left = this.queue.pop()) {
      const id = eventIdOf(left.event);
      if (id) this.events.pendingAtEnd[id] += 1;
    }
    return this.result(performance.now() - started);
  }

  private dispatch(e: SimEvent): void {
    switch (e.type) {
      case 'backup': return this.backup(e.db, e.day);
      case 'copy-done': return e.account === 'live' ? this.liveCopyDone(e.id) : this.vaultCopyDone(e.id);
      case 'snapshot-done': return this.liveSnapshotDone(e.id);
      case 'shipper-pass':
        if (e.trigger === 'sweep') this.queue.push(this.now + this.o.shipperSweepMinutes * MINUTE, e);
        this.shipperPass(e.trigger, e.db, e.snapshot);
        return;
      case 'vault-pass':
        if (e.trigger === 'sweep') this.queue.push(this.now + this.o.vaultSweepMinutes * MINUTE, e);
        this.vaultPass(e.trigger, { db: e.db, body: e.body, snapshot: e.snapshot });
        return;
      case 'sample':
        this.queue.push(this.now + this.o.sampleMinutes * MINUTE, e);
        return this.sample();
    }
  }

  // --- RDS: automated snapshots, copies, events ----------------------------

  private backup(db: SimDatabase, day: number): void {
    const time = this.now;
    const identifier = automatedIdentifier(db.id, time);
    const snapshot: DbSnapshot = {
      kind: db.kind,
      identifier,
      arn: snapshotArn(LIVE_ACCOUNT, db.kind, identifier),
      dbIdentifier: db.id,
      type: 'automated',
      status: 'available',
      createTime: new Date(time),
      encrypted: true,
      kmsKeyId: db.instance.kmsKeyId ?? AWS_RDS_KEY,
      engine: db.instance.engine,
      engineVersion: '16.4',
      tags: {},
    };
    db.automated = [...db.automated, snapshot].slice(-2);
    this.automatedCache = undefined;
    if (day <= this.o.days) this.taken.set(`${db.id}|${time}`, { db: db.id, kind: db.kind, time, day });
    this.queue.push(time + DAY, { type: 'backup', db, day: day + 1 });
    if (db.kind === 'cluster') this.rdsEvent('0169', { type: 'shipper-pass', trigger: 'event-0169', db: db.id });
    else this.rdsEvent('0091', { type: 'shipper-pass', trigger: 'event-0091', db: db.id });
  }

  /** An RDS event through EventBridge: lost, or late by up to eventDelayMaxMinutes. */
  private rdsEvent(id: RdsEventId, e: SimEvent): void {
    this.events.emitted[id] += 1;
    if (this.eventRng() < this.o.eventLossRate) {
      this.events.lost[id] += 1;
      return;
    }
    this.queue.push(this.now + this.eventRng() * this.o.eventDelayMaxMinutes * MINUTE, e);
  }

  private copyDuration(): number {
    return lognormalDuration(this.copyRng, this.o.copyMedianMinutes, this.o.copySigma, this.o.copyMinMinutes, this.o.copyMaxMinutes);
  }

  private snapshotDuration(): number {
    const o = this.o;
    return lognormalDuration(this.snapshotRng, o.snapshotMedianMinutes, o.snapshotSigma, o.snapshotMinMinutes, o.snapshotMaxMinutes);
  }

  /**
   * CreateDBSnapshot / CreateDBClusterSnapshot, as RDS answers it: refused
   * when a snapshot of that name exists, or while a snapshot the shipper took
   * of the database is still being made (RDS makes one snapshot of a database
   * at a time: the instance is `backing-up`); else a manual snapshot of the
   * database, `creating`, that is ready after `snapshotDuration` (a
   * `snapshot-done` event, as copies have `copy-done`).
   */
  private takeSnapshot(action: Extract<ShipperAction, { type: 'snapshot' }>): void {
    const counts = this.snapshots[action.kind];
    counts.planned += 1;
    const record = (outcome: TakeRecord['outcome']): void => {
      const take: TakeRecord = { database: action.database, kind: action.kind, identifier: action.targetIdentifier, at: this.now, outcome };
      this.takes.push(take);
      if (outcome === 'taken') this.takesCreating.set(take.identifier.toLowerCase(), take);
    };
    const db = this.dbs.get(action.database.toLowerCase());
    if (!db || db.kind !== action.kind) {
      counts.databaseMissing += 1;
      return record('database-missing');
    }
    if (this.live.get(action.targetIdentifier)) {
      counts.exists += 1;
      return record('exists');
    }
    if (this.live.ofDb(db.id).some((s) => isTaken(s) && s.status === 'creating')) {
      counts.refusedBusy += 1;
      return record('busy');
    }
    const snapshot: DbSnapshot = {
      kind: db.kind,
      identifier: action.targetIdentifier,
      arn: snapshotArn(LIVE_ACCOUNT, db.kind, action.targetIdentifier),
      dbIdentifier: db.id,
      type: 'manual',
      status: 'creating',
      createTime: new Date(this.now),
      encrypted: true,
      kmsKeyId: db.instance.kmsKeyId ?? AWS_RDS_KEY,
      engine: db.instance.engine,
      engineVersion: '16.4',
      tags: { ...action.tags },
    };
    this.live.put(snapshot, db.id);
    const previous = Math.max(this.lastTaken.get(db.id) ?? -Infinity, ...db.automated.map((a) => a.createTime!.getTime()));
    this.lastTaken.set(db.id, this.now);
    this.takenGb.set(snapshot.identifier.toLowerCase(), changedGb(this.now - previous));
    counts.taken += 1;
    this.takenHeld[db.kind] += 1;
    counts.maxHeld = Math.max(counts.maxHeld, this.takenHeld[db.kind]);
    this.queue.push(this.now + this.snapshotDuration(), { type: 'snapshot-done', id: snapshot.identifier });
    record('taken');
  }

  /** A snapshot the shipper took is made: RDS-EVENT-0042 (a DB snapshot) or RDS-EVENT-0075 (a DB cluster snapshot), unless it failed. */
  private liveSnapshotDone(id: string): void {
    const s = this.live.get(id);
    if (!s || s.status !== 'creating') return;
    const kind = kindOf(s);
    const failed = this.snapshotRng() < this.o.snapshotFailureRate;
    this.snapshots[kind][failed ? 'failed' : 'finished'] += 1;
    this.live.put({ ...s, status: failed ? 'failed' : 'available' }, '');
    const take = this.takesCreating.get(s.identifier.toLowerCase());
    this.takesCreating.delete(s.identifier.toLowerCase());
    if (take) take.ended = failed ? 'failed' : 'available';
    if (failed) return;
    if (kind === 'cluster') this.rdsEvent('0075', { type: 'shipper-pass', trigger: 'event-0075', db: s.dbIdentifier, snapshot: s.identifier });
    else this.rdsEvent('0042', { type: 'shipper-pass', trigger: 'event-0042', db: s.dbIdentifier, snapshot: s.identifier });
  }

  /**
   * Starts a copy in an account the way RDS would: refused when the target
   * exists, or when as many copies of the kind as AWS allows (`rdsCopiesInFlight`
   * for DB snapshots) are in progress.
   */
  private startCopy(
    account: SimAccount, which: 'live' | 'vault', counts: CopyCounts, snapshot: DbSnapshot, db: string,
  ): 'started' | 'exists' | 'refused' {
    const kind = kindOf(snapshot);
    if (account.get(snapshot.identifier)) {
      counts.exists += 1;
      return 'exists';
    }
    if (account.inFlight[kind] >= (kind === 'instance' ? this.o.rdsCopiesInFlight : AWS_COPIES_IN_FLIGHT[kind])) {
      counts.refused += 1;
      return 'refused';
    }
    account.put(snapshot, db);
    account.inFlight[kind] += 1;
    account.created += 1;
    counts.started += 1;
    counts.maxInFlight = Math.max(counts.maxInFlight, account.inFlight[kind]);
    const duration = this.copyDuration();
    this.cost[which].copies += 1;
    this.cost[which].copyMs += duration;
    this.queue.push(this.now + duration, { type: 'copy-done', account: which, id: snapshot.identifier });
    return 'started';
  }

  /** Ends a copy; returns the finished snapshot, or undefined if it was gone. */
  private finishCopy(account: SimAccount, counts: Record<DbKind, CopyCounts>, id: string): DbSnapshot | undefined {
    const s = account.get(id);
    if (!s || s.status !== 'creating') return undefined;
    const kind = kindOf(s);
    account.inFlight[kind] -= 1;
    const failed = this.copyRng() < this.o.copyFailureRate;
    counts[kind][failed ? 'failed' : 'finished'] += 1;
    const done: DbSnapshot = { ...s, status: failed ? 'failed' : 'available' };
    account.put(done, '');
    return done;
  }

  private liveCopyDone(id: string): void {
    const done = this.finishCopy(this.live, this.copies.shipper, id);
    // RDS-EVENT-0197 for a DB snapshot copy; DB cluster snapshots have no copy events.
    if (done?.status === 'available' && kindOf(done) === 'instance') {
      this.rdsEvent('0197-live', { type: 'shipper-pass', trigger: 'event-0197', db: done.dbIdentifier, snapshot: done.identifier });
    }
  }

  private vaultCopyDone(id: string): void {
    const done = this.finishCopy(this.vault, this.copies.vault, id);
    if (done?.status !== 'available') return;
    const db = done.tags[TagKeys.SOURCE_DATABASE].toLowerCase();
    const time = Date.parse(done.tags[TagKeys.SOURCE_TIME]);
    const taken = this.taken.get(`${db}|${time}`);
    if (taken && taken.arrived === undefined) taken.arrived = this.now;
    if (time > (this.vaultNewest.get(db) ?? -Infinity)) this.vaultNewest.set(db, time);
    if (kindOf(done) === 'instance') this.rdsEvent('0197-vault', { type: 'vault-pass', trigger: 'event-0197', db, snapshot: done.identifier });
  }

  // --- Shipper ------------------------------------------------------------

  private automatedAll(): DbSnapshot[] {
    if (!this.automatedCache) this.automatedCache = [...this.dbs.values()].flatMap((d) => d.automated);
    return this.automatedCache;
  }

  /**
   * A shipper pass, as `runShipperPass` makes it. `snapshot`: the snapshot the
   * RDS event names (for RDS-EVENT-0197, the finished copy). `inherited`: in
   * a successor pass, the successors still waiting after this one.
   */
  private shipperPass(trigger: ShipperTrigger, dbId?: string, snapshot?: string, inherited?: string): CopyOutcomes {
    const spec = this.shipperTriggers[trigger];
    const outcomes = noOutcomes();
    const db = dbId === undefined ? undefined : this.dbs.get(dbId.toLowerCase());
    const focused = spec.listing === 'database' && dbId !== undefined;
    // An event about a database the shipper does not select costs nothing.
    if (focused && !db) return outcomes;
    this.passes.shipper[trigger] += 1;
    const now = new Date(this.now);
    let config = this.shipperConfig;
    let state: ShipperState;
    if (focused && db) {
      config = this.shipperConfigOfDb.get(db.id) ?? {
        ...this.shipperConfig,
        selection: db.kind === 'cluster' ? { identifiers: [], clusterIdentifiers: [db.id] } : { identifiers: [db.id], clusterIdentifiers: [] },
      };
      this.shipperConfigOfDb.set(db.id, config);
      // gatherDatabase: DescribeDBInstances (or DescribeDBClusters) of the one database, its automated and its manual snapshots, the quotas.
      this.describeCalls.shipper[trigger] += 3 + 1;
      state = {
        now,
        instances: [db.instance],
        automatedSnapshots: db.automated,
        manualSnapshots: this.live.ofDb(db.id),
        optionGroups: NO_OPTION_GROUPS,
        quotas: this.live.quotas(),
        partial: true,
        ...(inherited ? { inheritedSuccessors: inherited } : {}),
      };
    } else {
      const automated = this.automatedAll();
      const automatedClusters = automated.reduce((n, s) => n + (s.kind === 'cluster' ? 1 : 0), 0);
      this.describeCalls.shipper[trigger] += pages(this.o.instances) + pages(this.o.clusters)
        + pages(automated.length - automatedClusters) + pages(automatedClusters)
        + pages(this.live.count.instance) + pages(this.live.count.cluster) + 1;
      state = {
        now,
        instances: this.instances,
        automatedSnapshots: this.automatedAll(),
        manualSnapshots: this.live.all(),
        optionGroups: NO_OPTION_GROUPS,
        quotas: this.live.quotas(),
      };
    }
    // The finished copy as the pass read it, before its own actions (RDS-EVENT-0197).
    const finished = spec.handOn && snapshot !== undefined ? this.live.get(snapshot) : undefined;
    const t0 = performance.now();
    const plan = planShipper(config, state);
    this.timePlanner('shipper', performance.now() - t0);
    for (const action of plan.actions) {
      if (!allows(spec.actions, action.type)) {
        this.actionCounts.skippedBySpec.shipper += 1;
        continue;
      }
      this.actionCounts.shipper[action.type] = (this.actionCounts.shipper[action.type] ?? 0) + 1;
      const outcome = this.shipperAction(action, trigger);
      if (outcome) outcomes[outcome] += 1;
    }
    if (this.o.successors && finished?.status === 'available' && isOwnedBy(finished, this.shipperConfig.ownerId)) this.handOnSlot(finished);
    return outcomes;
  }

  /**
   * `handOnSlot`: the finished copy's list is read and cleared, and its first
   * successors (at most MAX_SUCCESSOR_TRIES) each get a pass over their
   * database alone, with the rest of the list inherited, until one starts a
   * copy, finds its copy there, or is refused.
   */
  private handOnSlot(finished: DbSnapshot): void {
    const names = decodeSuccessors(finished.tags[TagKeys.SUCCESSORS]);
    if (names.length === 0) return;
    const h = this.handOffs.shipper;
    h.slotsHandedOn += 1;
    if (this.listSetInFlight.get(`live:${finished.identifier}`) === finished.tags[TagKeys.SUCCESSORS]) h.listsSetInFlight += 1;
    this.setTag(this.live, finished.identifier, TagKeys.SUCCESSORS, '');
    for (const [i, database] of names.slice(0, MAX_SUCCESSOR_TRIES).entries()) {
      h.tries += 1;
      const o = this.shipperPass('successor', database, finished.identifier, encodeSuccessors(names.slice(i + 1)));
      if (tookSlot(o, h)) return;
    }
    h.unused += 1;
  }

  private setTag(account: SimAccount, id: string, key: string, value: string): void {
    const s = account.get(id);
    if (s) account.put({ ...s, tags: { ...s.tags, [key]: value } }, '');
  }

  private shipperAction(action: ShipperAction, trigger: ShipperTrigger): keyof CopyOutcomes | undefined {
    switch (action.type) {
      case 'snapshot':
        this.takeSnapshot(action);
        return undefined;
      case 'copy': {
        const kind = kindOf(action.source);
        const counts = this.copies.shipper[kind];
        counts.planned += 1;
        const db = this.dbs.get(action.source.dbIdentifier);
        // The source: one of the database's automated snapshots, or an available snapshot the shipper took of it.
        const taken = this.live.get(action.source.identifier);
        const fromTaken = taken !== undefined && isTaken(taken) && isOwnedBy(taken, this.shipperConfig.ownerId)
          && taken.status === 'available' && taken.dbIdentifier === db?.id;
        if (!fromTaken && !db?.automated.some((s) => s.identifier === action.source.identifier)) {
          counts.sourceMissing += 1;
          return 'sourceMissing';
        }
        const copy: DbSnapshot = {
          kind,
          identifier: action.targetIdentifier,
          arn: snapshotArn(LIVE_ACCOUNT, kind, action.targetIdentifier),
          dbIdentifier: action.source.dbIdentifier,
          type: 'manual',
          status: 'creating',
          createTime: new Date(this.now),
          encrypted: action.encrypt,
          kmsKeyId: action.encrypt ? SHIPPING_KEY : undefined,
          engine: action.source.engine,
          engineVersion: action.source.engineVersion,
          tags: { ...action.tags },
        };
        const outcome = this.startCopy(this.live, 'live', counts, copy, action.database);
        if (outcome === 'started') this.copies.shipperStartedByTrigger[trigger] += 1;
        if (outcome === 'started' && fromTaken) this.snapshots[kind].copiesStarted += 1;
        if (outcome === 'started') {
          if (fromTaken) this.cost.live.copiesOfTaken += 1;
          this.storeCopy('live', copy, action.database, action.source.createTime!.getTime(), true);
        }
        return outcome;
      }
      case 'set-successors': {
        // AddTagsToResource on the copy in flight.
        this.setTag(this.live, action.snapshot.identifier, TagKeys.SUCCESSORS, action.successors);
        this.listSetInFlight.set(`live:${action.snapshot.identifier}`, action.successors);
        return undefined;
      }
      case 'share-and-announce': {
        const s = this.live.get(action.snapshot.identifier);
        if (!s) return;
        // ModifyDBSnapshotAttribute, Publish, then the announced tag.
        const arn = parseSnapshotArn(s.arn)!;
        const name = parseShippedName(arn.identifier)!;
        this.shared.set(s.identifier.toLowerCase(), {
          arn: s.arn,
          account: arn.account,
          region: arn.region,
          identifier: arn.identifier,
          database: name.database,
          // A snapshot the shipper took is named for its interval: the vault holds RDS's time, once it has verified it (verification.ts).
          time: name.taken ? s.createTime! : name.time,
          status: s.status,
          kind: s.kind,
          encrypted: s.encrypted,
        });
        this.sharedCache = undefined;
        const message: SnapshotShippedMessage = {
          schema: MESSAGE_SCHEMA,
          version: MESSAGE_VERSION,
          kind: kindOf(s),
          snapshotArn: s.arn,
          snapshotIdentifier: s.identifier,
          sourceAccount: LIVE_ACCOUNT,
          sourceRegion: REGION,
          sourceDatabaseIdentifier: s.tags[TagKeys.SOURCE_DATABASE] ?? s.dbIdentifier,
          engine: s.engine,
          ...(s.engineVersion ? { engineVersion: s.engineVersion } : {}),
          snapshotCreateTime: (sourceTimeOf(s) ?? new Date(this.now)).toISOString(),
          encrypted: s.encrypted,
          ...(s.kmsKeyId ? { kmsKeyArn: s.kmsKeyId } : {}),
          shippedAt: new Date(this.now).toISOString(),
        };
        const time = sourceTimeOf(s)!.getTime();
        const db = s.tags[TagKeys.SOURCE_DATABASE];
        if (time > (this.shipperNewest.get(db) ?? -Infinity)) this.shipperNewest.set(db, time);
        this.announcements.published += 1;
        this.queue.push(this.now + this.eventRng() * this.o.snsDelayMaxMinutes * MINUTE, {
          type: 'vault-pass', trigger: 'announcement', db: message.sourceDatabaseIdentifier.toLowerCase(), body: serializeMessage(message),
        });
        this.live.put({ ...s, tags: { ...s.tags, [TagKeys.ANNOUNCED]: new Date(this.now).toISOString() } }, '');
        return;
      }
      case 'delete': {
        const s = this.live.get(action.snapshot.identifier);
        if (s && isTaken(s) && isOwnedBy(s, this.shipperConfig.ownerId)) {
          this.deleteTaken(s, action.cause);
          return undefined;
        }
        const gone = this.live.remove(action.snapshot.identifier);
        if (gone) {
          if (this.shared.delete(gone.identifier.toLowerCase())) this.sharedCache = undefined;
          this.deletions.shipper[action.cause] = (this.deletions.shipper[action.cause] ?? 0) + 1;
        }
        return;
      }
    }
  }

  /** DeleteDBSnapshot / DeleteDBClusterSnapshot of a snapshot the shipper took: refused while RDS is still making it. */
  private deleteTaken(s: DbSnapshot, cause: string): void {
    const counts = this.snapshots[kindOf(s)];
    if (s.status === 'creating') {
      counts.deleteRefused += 1;
      return;
    }
    const copying = this.live.ofDb(s.dbIdentifier).some((c) => c.status === 'creating' && c.tags[TagKeys.SOURCE_SNAPSHOT] === s.identifier);
    if (copying) counts.deletedWhileCopying += 1;
    this.live.remove(s.identifier);
    if (this.shared.delete(s.identifier.toLowerCase())) this.sharedCache = undefined;
    this.takenHeld[kindOf(s)] -= 1;
    counts.deleted += 1;
    this.deletions.shipper[cause] = (this.deletions.shipper[cause] ?? 0) + 1;
  }

  // --- Vault --------------------------------------------------------------

  private sharedAll(): ShippedSnapshot[] {
    if (!this.sharedCache) this.sharedCache = [...this.shared.values()];
    return this.sharedCache;
  }

  /**
   * What the vault's handler makes of an announcement: the schema check, the
   * account and topic checks, and the shipped snapshot it plans with.
   */
  private receive(body: string): ShippedSnapshot | undefined {
    const config = { ...this.vaultConfig, version: 1 as const, vaultKeyArn: VAULT_KEY_ARN, sources: [{ topicArn: TOPIC_ARN }] };
    const v = validateAnnouncement(config, TOPIC_ARN, body, new Date(this.now));
    return v.ok ? v.snapshot : undefined;
  }


  /**
   * A vault pass, as `runVaultPass` makes it. `body`: an announcement's
   * message. `announced`: a successor's shipped snapshot, built from its ref.
   * `snapshot`: the copy RDS-EVENT-0197 names. `inherited`: the successors
   * still waiting after this one.
   */
  private vaultPass(
    trigger: VaultTrigger,
    p: { db?: string; body?: string; snapshot?: string; announced?: ShippedSnapshot; inherited?: string },
  ): CopyOutcomes {
    const spec = this.vaultTriggers[trigger];
    const outcomes = noOutcomes();
    let announced = p.announced;
    if (trigger === 'announcement') {
      this.announcements.delivered += 1;
      announced = this.receive(p.body!);
      if (!announced) {
        this.announcements.rejected += 1;
        return outcomes;
      }
    }
    const db = p.db ?? announced?.database;
    this.passes.vault[trigger] += 1;
    const scoped = db !== undefined;
    let shipped: readonly ShippedSnapshot[];
    if (spec.shipped === 'announced' && announced) shipped = [announced];
    else if (spec.shipped === 'none' && scoped) shipped = [];
    else if (spec.shipped === 'database' && scoped) shipped = this.sharedAll().filter((s) => s.database === db);
    else shipped = this.sharedAll();
    const partial = spec.listing === 'database' && scoped;
    // The quotas, the vault's own snapshots (of one database: one call), and what is shared when the pass lists it.
    this.describeCalls.vault[trigger] += 1 + (partial ? 1 : pages(this.vault.count.instance) + pages(this.vault.count.cluster));
    if (spec.shipped === 'database' && scoped) {
      this.describeCalls.vault[trigger] += 1;
    } else if (spec.shipped === 'shared' || !scoped) {
      const clusters = shipped.reduce((n, s) => n + (s.kind === 'cluster' ? 1 : 0), 0);
      this.describeCalls.vault[trigger] += pages(shipped.length - clusters) + pages(clusters);
    }
    const state: VaultState = {
      now: new Date(this.now),
      region: REGION,
      shipped,
      manualSnapshots: partial ? this.vault.ofDb(db) : this.vault.all(),
      partial,
      quotas: this.vault.quotas(),
      ...(p.inherited ? { inheritedSuccessors: p.inherited } : {}),
      // As runVaultPass: a successor pass says so, and may start a lineage a sweep promised room to (new-lineages.ts).
      ...(trigger === 'successor' ? { successor: true } : {}),
    };
    // The finished copy as the pass listed it, before its own actions (RDS-EVENT-0197).
    const finished = spec.handOn && p.snapshot !== undefined ? this.vault.get(p.snapshot) : undefined;
    const t0 = performance.now();
    const plan = planVault(this.vaultConfig, state);
    this.timePlanner('vault', performance.now() - t0);
    for (const action of plan.actions) {
      if (!allows(spec.actions, action.type)) {
        this.actionCounts.skippedBySpec.vault += 1;
        continue;
      }
      this.actionCounts.vault[action.type] = (this.actionCounts.vault[action.type] ?? 0) + 1;
      const outcome = this.vaultAction(action, trigger);
      if (outcome) outcomes[outcome] += 1;
    }
    if (this.o.successors && finished?.status === 'available' && isOwnedBy(finished, this.vaultConfig.ownerId)) this.handOnVaultSlot(finished);
    return outcomes;
  }

  /**
   * `handOnVaultSlot`: the finished copy's list of shipped snapshot refs is
   * read and cleared; its first refs (at most MAX_SUCCESSOR_TRIES) are each
   * tried as an announcement of the snapshot the ref names, with the rest of
   * the list inherited, until one starts a copy, finds it there, or is
   * refused. A successor whose source is gone fails, and the next is tried.
   */
  private handOnVaultSlot(finished: DbSnapshot): void {
    const refs = decodeSuccessors(finished.tags[TagKeys.SUCCESSORS]);
    if (refs.length === 0) return;
    const h = this.handOffs.vault;
    h.slotsHandedOn += 1;
    if (this.listSetInFlight.get(`vault:${finished.identifier}`) === finished.tags[TagKeys.SUCCESSORS]) h.listsSetInFlight += 1;
    this.setTag(this.vault, finished.identifier, TagKeys.SUCCESSORS, '');
    for (const [i, ref] of refs.slice(0, MAX_SUCCESSOR_TRIES).entries()) {
      const parts = parseShippedRef(ref);
      const named = parts ? parseShippedName(parts.identifier) : undefined;
      if (!parts || !named || !this.vaultConfig.sourceAccounts.includes(parts.account)) continue;
      // A snapshot shared as it is is named for its interval; the real vault's verification puts RDS's time in its place.
      const time = named.taken ? this.shared.get(parts.identifier.toLowerCase())?.time ?? named.time : named.time;
      const announced: ShippedSnapshot = {
        ...parts, arn: `arn:aws:rds:${parts.region}:${parts.account}:snapshot:${parts.identifier}`, database: named.database, time, kind: 'instance',
      };
      h.tries += 1;
      const o = this.vaultPass('successor', { announced, inherited: encodeSuccessors(refs.slice(i + 1)) });
      if (o.sourceMissing > 0) h.sourceMissing += 1;
      if (tookSlot(o, h)) return;
    }
    h.unused += 1;
  }

  private vaultAction(action: VaultAction, trigger: VaultTrigger): keyof CopyOutcomes | undefined {
    switch (action.type) {
      case 'copy': {
        const kind = kindOf(action.source);
        const counts = this.copies.vault[kind];
        counts.planned += 1;
        // The source must still exist in Live and be shared with the vault (else DBSnapshotNotFound).
        if (!this.shared.has(action.source.identifier.toLowerCase())) {
          counts.sourceMissing += 1;
          return 'sourceMissing';
        }
        const copy: DbSnapshot = {
          kind,
          identifier: action.targetIdentifier,
          arn: snapshotArn(VAULT_ACCOUNT, kind, action.targetIdentifier),
          dbIdentifier: action.source.database,
          type: 'manual',
          status: 'creating',
          createTime: new Date(this.now),
          encrypted: action.encrypt,
          kmsKeyId: action.encrypt ? VAULT_KEY : undefined,
          engine: kind === 'cluster' ? 'aurora-postgresql' : 'postgres',
          tags: { ...action.tags },
        };
        const db = action.tags[TagKeys.SOURCE_DATABASE].toLowerCase();
        const outcome = this.startCopy(this.vault, 'vault', counts, copy, db);
        if (outcome === 'started') {
          this.copies.vaultStartedByTrigger[trigger] += 1;
          // A snapshot the shipper took and shared as it is, not a copy (naming.ts: its name has the time to the minute).
          const asItIs = parseShippedName(action.source.identifier)?.taken === true;
          if (asItIs) this.cost.vault.copiesOfShared += 1;
          this.storeCopy('vault', copy, db, action.source.time.getTime(), asItIs);
        }
        return outcome;
      }
      case 'set-successors': {
        // AddTagsToResource on the copy in flight.
        this.setTag(this.vault, action.snapshot.identifier, TagKeys.SUCCESSORS, action.successors);
        this.listSetInFlight.set(`vault:${action.snapshot.identifier}`, action.successors);
        return undefined;
      }
      case 'mark-completed': {
        const s = this.vault.get(action.snapshot.identifier);
        if (s) this.vault.put({ ...s, tags: { ...s.tags, [TagKeys.COMPLETED]: new Date(this.now).toISOString() } }, '');
        return;
      }
      case 'delete': {
        const gone = this.vault.remove(action.snapshot.identifier);
        if (!gone) return;
        this.deletions.vault[action.cause] = (this.deletions.vault[action.cause] ?? 0) + 1;
        const db = gone.tags[TagKeys.SOURCE_DATABASE]?.toLowerCase();
        if (db !== undefined && gone.status === 'available' && Date.parse(gone.tags[TagKeys.SOURCE_TIME]) === this.vaultNewest.get(db)) {
          const rest = this.vault.ofDb(db).filter((c) => c.status === 'available').map((c) => Date.parse(c.tags[TagKeys.SOURCE_TIME]));
          if (rest.length === 0) this.vaultNewest.delete(db);
          else this.vaultNewest.set(db, Math.max(...rest));
        }
        return;
      }
    }
  }

  // --- Measurements -------------------------------------------------------

  /**
   * Files a copy RDS started under the size model (STORAGE_MODEL): `incremental` where it may be, it joins the chain
   * of the newest available copy of the database in the account with an older recovery point, if there is one;
   * else it is full, and starts a chain.
   */
  private storeCopy(which: 'live' | 'vault', copy: DbSnapshot, db: string, time: number, incremental: boolean): void {
    let base: { readonly chain: number; readonly time: number } | undefined;
    for (const s of incremental ? (which === 'live' ? this.live : this.vault).ofDb(db) : []) {
      const st = this.stored.get(`${which}:${s.identifier.toLowerCase()}`);
      if (s.status === 'available' && st && st.time < time && (!base || st.time > base.time)) base = st;
    }
    if (!base) this.cost[which].fullCopies += 1;
    this.stored.set(`${which}:${copy.identifier.toLowerCase()}`, { chain: base?.chain ?? this.chains++, time });
  }

  /** The GB an account holds now under the size model: its available copies, chain by chain, and (Live) the snapshots the shipper took. */
  private heldGb(which: 'live' | 'vault'): { readonly total: number; readonly taken: number } {
    const spans = new Map<number, { min: number; max: number }>();
    let taken = 0;
    for (const s of (which === 'live' ? this.live : this.vault).all()) {
      if (s.status !== 'available') continue;
      const st = this.stored.get(`${which}:${s.identifier.toLowerCase()}`);
      if (st) {
        const span = spans.get(st.chain);
        if (span) {
          span.min = Math.min(span.min, st.time);
          span.max = Math.max(span.max, st.time);
        } else {
          spans.set(st.chain, { min: st.time, max: st.time });
        }
      } else if (which === 'live' && isTaken(s)) {
        taken += this.takenGb.get(s.identifier.toLowerCase()) ?? 0;
      }
    }
    const copies = [...spans.values()].reduce((gb, span) => gb + STORAGE_MODEL.databaseGb + changedGb(span.max - span.min), 0);
    return { total: round(copies + taken, 1)!, taken: round(taken, 1)! };
  }

  private copyCost(): CopyCost {
    const live = this.heldGb('live');
    const { copyMs: liveMs, ...liveCounts } = this.cost.live;
    const { copyMs: vaultMs, ...vaultCounts } = this.cost.vault;
    return {
      live: { ...liveCounts, copyHours: round(liveMs / HOUR, 1)!, heldGb: live.total, takenHeldGb: live.taken },
      vault: { ...vaultCounts, copyHours: round(vaultMs / HOUR, 1)!, heldGb: this.heldGb('vault').total },
    };
  }

  private timePlanner(which: 'shipper' | 'vault', ms: number): void {
    this.plannerCalls[which] += 1;
    this.plannerMs[which].total += ms;
    this.plannerMs[which].max = Math.max(this.plannerMs[which].max, ms);
  }

  private sample(): void {
    const day = Math.floor((this.now - SIMULATION_START) / DAY) + 1;
    const measured = day <= this.o.days ? day : undefined;
    this.staleness.sample(this.now, measured, this.dbs.keys(), this.vaultNewest);
    this.shipperStaleness.sample(this.now, measured, this.dbs.keys(), this.shipperNewest);
    this.vaultRpo.sample(this.now, this.dbs.keys(), this.vaultNewest);
    this.shippedRpo.sample(this.now, this.dbs.keys(), this.shipperNewest);
  }

  private latencyOf(list: readonly Taken[]): LatencyStats {
    const arrivedMinutes = list.filter((t) => t.arrived !== undefined).map((t) => (t.arrived! - t.time) / MINUTE).sort((a, b) => a - b);
    let maxDatabase: string | null = null;
    let max = -1;
    let never = 0;
    let neverSuperseded = 0;
    let stillInFlight = 0;
    let over24h = 0;
    for (const t of list) {
      if (t.arrived === undefined) {
        if (this.end - t.time >= DAY) {
          never += 1;
          over24h += 1;
          if ((this.vaultNewest.get(t.db) ?? -Infinity) > t.time) neverSuperseded += 1;
        } else {
          stillInFlight += 1;
        }
        continue;
      }
      const latency = t.arrived - t.time;
      if (latency > DAY) over24h += 1;
      if (latency > max) {
        max = latency;
        maxDatabase = t.db;
      }
    }
    return {
      snapshots: list.length,
      arrived: arrivedMinutes.length,
      p50Minutes: round(percentile(arrivedMinutes, 0.5)),
      p99Minutes: round(percentile(arrivedMinutes, 0.99)),
      maxMinutes: round(percentile(arrivedMinutes, 1)),
      maxDatabase,
      over24h,
      never,
      neverSuperseded,
      stillInFlight,
    };
  }

  private result(wallTimeMs: number): SimulationResult {
    const all = [...this.taken.values()];
    const perDay: DayStats[] = [];
    for (let day = 1; day <= this.o.days; day++) perDay.push({ day, ...this.latencyOf(all.filter((t) => t.day === day)) });
    const ms = (w: 'shipper' | 'vault') => ({
      total: Math.round(this.plannerMs[w].total),
      mean: round(this.plannerCalls[w] === 0 ? 0 : this.plannerMs[w].total / this.plannerCalls[w], 3)!,
      max: round(this.plannerMs[w].max, 3)!,
    });
    const vaultAll = this.vault.all();
    return {
      options: {
        ...this.o,
        recoveryPoints: this.recoveryPoints ?? null,
        ...(this.shareableShare > 0 ? { shareableShare: this.shareableShare } : {}),
        shipper: budgetSummary(this.shipperConfig),
        vault: budgetSummary(this.vaultConfig),
        shipperTriggers: this.shipperTriggers,
        vaultTriggers: this.vaultTriggers,
      },
      databases: { instances: this.o.instances, clusters: this.o.clusters },
      simulatedHours: (this.end - SIMULATION_START) / HOUR,
      latency: {
        all: this.latencyOf(all),
        instance: this.latencyOf(all.filter((t) => t.kind === 'instance')),
        cluster: this.latencyOf(all.filter((t) => t.kind === 'cluster')),
      },
      perDay,
      daysOver24h: perDay.filter((d) => d.over24h > 0).map((d) => d.day),
      neverShipped: [...this.dbs.keys()].filter((id) => !this.vaultNewest.has(id)).sort(),
      staleness: this.staleness.stats(),
      shipperStaleness: this.shipperStaleness.stats(),
      passes: this.passes,
      plannerCalls: this.plannerCalls,
      describeCalls: this.describeCalls,
      plannerMs: { shipper: ms('shipper'), vault: ms('vault') },
      events: this.events,
      announcements: this.announcements,
      copies: this.copies,
      actions: this.actionCounts,
      deletions: this.deletions,
      handOffs: this.handOffs,
      final: {
        liveManualSnapshots: this.live.snapshots.size,
        liveShared: this.shared.size,
        vaultSnapshots: vaultAll.length,
        vaultAvailable: vaultAll.filter((s) => s.status === 'available').length,
        vaultCopiesCreated: this.vault.created,
        shipperCopiesCreated: this.live.created,
      },
      recoveryPoints: {
        schedule: this.recoveryPoints ?? null,
        snapshots: this.snapshots,
        takes: this.takes,
        heldAtEnd: this.takenHeld.instance + this.takenHeld.cluster,
      },
      rpo: { vault: this.vaultRpo.stats(), shipped: this.shippedRpo.stats() },
      copyCost: this.copyCost(),
      wallTimeMs: Math.round(wallTimeMs),
    };
  }
}

function budgetSummary(c: ShipperPlanConfig | VaultPlanConfig): Record<string, unknown> {
  return {
    maxCopiesInFlight: c.maxCopiesInFlight,
    maxClusterCopiesInFlight: c.maxClusterCopiesInFlight,
    manualSnapshotQuota: c.manualSnapshotQuota ?? null,
    manualSnapshotHeadroom: c.manualSnapshotHeadroom,
    retentionDays: c.retentionMs / DAY,
    ...('minimumCopies' in c ? { minimumCopies: c.minimumCopies } : {}),
  };
}

/** An available, encrypted snapshot, for the benchmark's states. */
function snapshotOf(
  account: string, kind: DbKind, identifier: string, db: string, type: string, createTime: Date, tags: Record<string, string>,
): DbSnapshot {
  const arn = snapshotArn(account, kind, identifier);
  return { kind, identifier, arn, dbIdentifier: db, type, status: 'available', createTime, encrypted: true, engine: 'postgres', tags };
}

/** Runs the simulation. Deterministic for a seed, except `wallTimeMs` and `plannerMs`. */
export function simulate(options: SimulationOptions = {}): SimulationResult {
  return new Simulation(options).run();
}

// ---------------------------------------------------------------------------
// A steady-state planner benchmark: one pass over a vault that holds 31 days
// ---------------------------------------------------------------------------

export interface PlannerBenchmark {
  readonly instances: number;
  readonly clusters: number;
  readonly vaultSnapshots: number;
  readonly shared: number;
  readonly liveSnapshots: number;
  /** Milliseconds per planVault call on a full sweep state. */
  readonly planVaultSweepMs: number;
  /** Milliseconds per planVault call for one announcement (one database's copies, partial). */
  readonly planVaultAnnouncementMs: number;
  /** Milliseconds per planShipper call on a full state. */
  readonly planShipperMs: number;
  readonly vaultActions: number;
}

/**
 * Times the planners on the state of a vault in steady state: `heldDays`
 * available copies per database (one a day), and a Live account with two
 * shared copies and two automated snapshots per database.
 */
export function benchmarkPlanners(options: { instances?: number; clusters?: number; heldDays?: number; repeats?: number } = {}): PlannerBenchmark {
  const n = options.instances ?? 1000;
  const c = options.clusters ?? Math.floor(n / 5);
  const heldDays = options.heldDays ?? 31;
  const repeats = options.repeats ?? 5;
  const ids = databaseIdentifiers(n, c);
  const now = SIMULATION_START + (heldDays + 1) * DAY;
  const all = [...ids.instances.map((id) => ({ id, kind: 'instance' as DbKind })), ...ids.clusters.map((id) => ({ id, kind: 'cluster' as DbKind }))];
  const vault: DbSnapshot[] = [];
  const shared: ShippedSnapshot[] = [];
  const liveManual: DbSnapshot[] = [];
  const automated: DbSnapshot[] = [];
  for (const { id, kind } of all) {
    for (let d = 0; d < heldDays + 1; d++) {
      const time = new Date(SIMULATION_START + d * DAY + 3 * HOUR);
      const shippedId = shippingCopyIdentifier(id, time);
      const shippedArn = snapshotArn(LIVE_ACCOUNT, kind, shippedId);
      if (d >= heldDays - 1) {
        const autoId = automatedIdentifier(id, time.getTime());
        automated.push(snapshotOf(LIVE_ACCOUNT, kind, autoId, id, 'automated', time, {}));
        liveManual.push(snapshotOf(LIVE_ACCOUNT, kind, shippedId, id, 'manual', time, {
          [TagKeys.OWNER]: SHIPPER_OWNER,
          [TagKeys.SOURCE_DATABASE]: id,
          [TagKeys.SOURCE_SNAPSHOT]: autoId,
          [TagKeys.SOURCE_TIME]: time.toISOString(),
          [TagKeys.ANNOUNCED]: time.toISOString(),
        }));
        shared.push({ arn: shippedArn, account: LIVE_ACCOUNT, region: REGION, identifier: shippedId, database: id, time, status: 'available', kind, encrypted: true });
      }
      if (d === heldDays) continue; // the newest is shared but not yet held
      vault.push(snapshotOf(VAULT_ACCOUNT, kind, vaultCopyIdentifier(shippedArn), id, 'manual', new Date(time.getTime() + HOUR), {
        [TagKeys.OWNER]: VAULT_OWNER,
        [TagKeys.SOURCE_ACCOUNT]: LIVE_ACCOUNT,
        [TagKeys.SOURCE_REGION]: REGION,
        [TagKeys.SOURCE_DATABASE]: id,
        [TagKeys.SOURCE_SNAPSHOT]: shippedArn,
        [TagKeys.SOURCE_TIME]: time.toISOString(),
        [TagKeys.COMPLETED]: time.toISOString(),
      }));
    }
  }
  const used = (list: readonly DbSnapshot[], kind: DbKind) => ({ used: list.filter((s) => kindOf(s) === kind).length, max: 1_000_000 });
  const quotas = { instance: used(vault, 'instance'), cluster: used(vault, 'cluster') };
  const vaultConfig = vaultPlanConfig();
  const time = (f: () => unknown) => {
    f(); // warm up
    const t0 = performance.now();
    for (let i = 0; i < repeats; i++) f();
    return round((performance.now() - t0) / repeats, 2)!;
  };
  let vaultActions = 0;
  const planVaultSweepMs = time(() => {
    vaultActions = planVault(vaultConfig, { now: new Date(now), region: REGION, shipped: shared, manualSnapshots: vault, quotas }).actions.length;
  });
  const one = vault.filter((s) => s.dbIdentifier === ids.instances[0]);
  const planVaultAnnouncementMs = time(() => planVault(vaultConfig, {
    now: new Date(now), region: REGION, shipped: [shared[0]], manualSnapshots: one, partial: true, quotas,
  }));
  const shipperConfig = shipperPlanConfig({}, ids);
  const instances: DbInstance[] = all.map(({ id, kind }) => ({ kind, identifier: id, arn: `arn:aws:rds:${REGION}:${LIVE_ACCOUNT}:db:${id}`, engine: kind === 'cluster' ? 'aurora-postgresql' : 'postgres', status: 'available', backupRetentionPeriod: 7, tags: {} }));
  const planShipperMs = time(() => planShipper(shipperConfig, {
    now: new Date(now),
    instances,
    automatedSnapshots: automated,
    manualSnapshots: liveManual,
    optionGroups: NO_OPTION_GROUPS,
    quotas: { instance: used(liveManual, 'instance'), cluster: used(liveManual, 'cluster') },
  }));
  return {
    instances: n,
    clusters: c,
    vaultSnapshots: vault.length,
    shared: shared.length,
    liveSnapshots: liveManual.length,
    planVaultSweepMs,
    planVaultAnnouncementMs,
    planShipperMs,
    vaultActions,
  };
}
