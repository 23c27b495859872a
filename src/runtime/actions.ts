/**
 * What both handlers do to carry out a plan: start copies, delete their own
 * snapshots, and run the actions one by one, each isolated, within the
 * invocation's time budget.
 */
import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { errorCode } from './aws';
import { DbKind, quotaRefusalOf } from './budget';
import { describeError, Logger } from './log';

/** Stop starting new actions when less than this is left of the invocation. */
export const TIME_RESERVE_MS = 15_000;

/** Thrown when gathering the state of the account does not finish within the invocation's time budget. */
export class TimeBudgetExceeded extends Error {
  constructor(what: string, elapsedMs: number) {
    super(`${what} did not finish within the time budget (${Math.round(elapsedMs / 1000)} s, ${TIME_RESERVE_MS / 1000} s before the timeout); `
      + 'nothing was decided. Raise the construct\'s timeout or memorySize.');
    this.name = 'TimeBudgetExceeded';
  }
}

/**
 * Gathers state within the time budget: the listing and the actions share the
 * invocation's time, so a listing that would leave no time to act fails the
 * pass cleanly, with a clear error, instead of being cut off by the timeout.
 * Returns the result and how long it took.
 */
export async function gatherWithinBudget<T>(deps: Pick<PassDeps, 'remainingMs'>, what: string, gather: Promise<T>): Promise<{ readonly value: T; readonly ms: number }> {
  const started = Date.now();
  const budget = Math.max(0, deps.remainingMs() - TIME_RESERVE_MS);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeBudgetExceeded(what, Date.now() - started)), Math.min(budget, 2_147_000_000));
  });
  try {
    const value = await Promise.race([gather, deadline]);
    return { value, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** What a pass needs from its surroundings. */
export interface PassDeps {
  readonly rds: RDSClient;
  readonly now: () => Date;
  /** Milliseconds left in this invocation. */
  readonly remainingMs: () => number;
  readonly log: Logger;
}

/**
 * An error code without the `Fault` or `Exception` suffix the SDK adds to some
 * of them, and with the cluster variants of the snapshot errors named as the
 * instance ones (`InvalidDBClusterSnapshotState` is `InvalidDBSnapshotState`),
 * so that one explanation serves both.
 */
export function baseCode(code: string | undefined): string | undefined {
  return code?.replace(/(Fault|Exception)$/, '').replace(/^(Invalid)?DBClusterSnapshot/, '$1DBSnapshot');
}

/** Whether an error is the given RDS error code: the SDK names some of them `<code>Fault`. */
export function isRdsError(e: unknown, code: string): boolean {
  const name = errorCode(e);
  return name === code || name === `${code}Fault`;
}

/** A copy to start, in either API family. */
export interface CopyRequest {
  readonly kind: DbKind;
  /** The source: an identifier, or an ARN (required for a snapshot another account shared). */
  readonly source: string;
  readonly target: string;
  /** The key of the copy; left out for an unencrypted cluster snapshot, which RDS cannot encrypt by copying. */
  readonly kmsKeyId?: string;
  readonly tags: { Key: string; Value: string }[];
}

/** The log line of a copy RDS refused because too many copies are in flight. */
export const REFUSED_IN_FLIGHT = 'copy refused: RDS has as many copies in flight as it allows; a later pass starts it';

/**
 * Starts snapshot copies for one pass. A copy that already exists was made by a
 * concurrent pass: it counts as done.
 *
 * RDS answers `SnapshotQuotaExceeded` for two limits, told apart by the
 * message. Too many copies in flight (another pass, or another tool, took the
 * slots since this pass listed): the copy is `refused` and waits for a later
 * pass, which is not a failure. The manual snapshot quota: the error is
 * thrown, since the quota needs an operator. Either way, no further copy of
 * that kind starts in this pass (`deferred`).
 */
export class CopyStarter {
  private readonly stopped = new Set<DbKind>();

  constructor(private readonly rds: RDSClient) {}

  public async start(r: CopyRequest): Promise<'started' | 'exists' | 'refused' | 'deferred'> {
    if (this.stopped.has(r.kind)) return 'deferred';
    // A source in another Region is named by its ARN; the copy is made in the
    // client's Region (RDS API Reference, CopyDBSnapshot). The SDK signs the
    // request in the source's Region (PreSignedUrl) from that ARN by itself
    // (@aws-sdk/middleware-sdk-rds), and RDS reads it in the AWS GovCloud (US)
    // Regions only; the SDK takes no SourceRegion.
    try {
      if (r.kind === 'cluster') {
        await this.rds.send(new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: r.source,
          TargetDBClusterSnapshotIdentifier: r.target,
          KmsKeyId: r.kmsKeyId,
          CopyTags: false,
          Tags: r.tags,
        }));
      } else {
        await this.rds.send(new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: r.source, TargetDBSnapshotIdentifier: r.target, KmsKeyId: r.kmsKeyId, CopyTags: false, Tags: r.tags,
        }));
      }
      return 'started';
    } catch (e) {
      if (isRdsError(e, 'DBSnapshotAlreadyExists') || isRdsError(e, 'DBClusterSnapshotAlreadyExists')) return 'exists';
      if (!isRdsError(e, 'SnapshotQuotaExceeded')) throw e;
      this.stopped.add(r.kind);
      if (quotaRefusalOf((e as Error).message) === 'in-flight') return 'refused';
      throw e;
    }
  }
}

/** Deletes a snapshot; one that is already gone counts as deleted by someone else. */
export async function deleteSnapshot(rds: RDSClient, snapshot: { readonly kind?: DbKind; readonly identifier: string }): Promise<'deleted' | 'gone'> {
  try {
    if (snapshot.kind === 'cluster') {
      await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: snapshot.identifier }));
    } else {
      await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: snapshot.identifier }));
    }
    return 'deleted';
  } catch (e) {
    if (isRdsError(e, 'DBSnapshotNotFound') || isRdsError(e, 'DBClusterSnapshotNotFound')) return 'gone';
    throw e;
  }
}

/** Shares a manual snapshot with an account (adds it to the `restore` attribute). */
export async function shareSnapshot(
  rds: RDSClient, snapshot: { readonly kind?: DbKind; readonly identifier: string }, account: string,
): Promise<void> {
  if (snapshot.kind === 'cluster') {
    await rds.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: snapshot.identifier, AttributeName: 'restore', ValuesToAdd: [account] }));
  } else {
    await rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: snapshot.identifier, AttributeName: 'restore', ValuesToAdd: [account] }));
  }
}

export interface ActionLabel {
  readonly action: string;
  readonly snapshot: string;
  readonly database?: string;
  /**
   * The ARN of the shipper copy the action is about: the same id in the
   * shipper's and the vault's logs, from the copy's start to its expiry.
   */
  readonly snapshotCorrelationId?: string;
}

export interface IsolatedRun {
  readonly failures: number;
  /** Failures per action type. */
  readonly failuresByAction: Readonly<Record<string, number>>;
  readonly deferred: number;
  readonly lastError?: unknown;
}

/** Findings that hold a copy, or a snapshot the shipper takes, back for a later pass. */
const DEFERRING_FINDINGS = ['copy-deferred-in-flight-limit', 'copy-deferred-snapshot-quota', 'recovery-point-deferred'];

/**
 * What a pass reports of its plan's findings and of running its actions.
 * Deferred work is what the plan held back (copies in flight, the snapshot
 * quota) plus what the run left (the time budget, the quota reached).
 */
export function passOutcome(
  findings: ReadonlyArray<{ readonly code: string; readonly level: string }>, run: IsolatedRun, deferredBeforeRun: number,
) {
  const byCode: Record<string, number> = {};
  for (const f of findings) byCode[f.code] = (byCode[f.code] ?? 0) + 1;
  return {
    failures: run.failures,
    failuresByAction: run.failuresByAction,
    copiesFailedInRds: byCode['copy-failed'] ?? 0,
    errorFindings: findings.filter((f) => f.level === 'error').length,
    deferred: deferredBeforeRun + run.deferred + DEFERRING_FINDINGS.reduce((n, code) => n + (byCode[code] ?? 0), 0),
    findings: byCode,
  };
}

/**
 * Runs the actions in order. A failing action is logged with its error code
 * (and a hint, if `hint` has one) and counted; the pass goes on with the
 * others. Actions that would start too close to the end of the invocation are
 * left for the next pass.
 */
export async function runIsolated<A>(
  actions: readonly A[],
  deps: Pick<PassDeps, 'remainingMs' | 'log'>,
  label: (a: A) => ActionLabel,
  execute: (a: A) => Promise<void>,
  hint: (code: string | undefined, label: ActionLabel) => string | undefined = () => undefined,
): Promise<IsolatedRun> {
  let failures = 0;
  const failuresByAction: Record<string, number> = {};
  let deferred = 0;
  let lastError: unknown;
  for (const action of actions) {
    const labelled = label(action);
    const { action: type, snapshot, database, snapshotCorrelationId } = labelled;
    if (deps.remainingMs() < TIME_RESERVE_MS) {
      deferred += 1;
      deps.log.log('warn', 'time budget reached; the action waits for the next pass', { event: 'deferred', action: type, snapshot, database, snapshotCorrelationId });
      continue;
    }
    try {
      await execute(action);
    } catch (e) {
      failures += 1;
      failuresByAction[type] = (failuresByAction[type] ?? 0) + 1;
      lastError = e;
      const code = errorCode(e);
      deps.log.log('error', `${type} failed`, {
        event: 'action-failed', action: type, snapshot, database, snapshotCorrelationId, errorCode: code, ...describeError(e), hint: hint(code, labelled),
      });
    }
  }
  return { failures, failuresByAction, deferred, lastError };
}

/**
 * Two passes' outcomes as one, for a pass that runs another (a copy's slot
 * handed on): every count is added, every count by key merged, every list
 * joined; anything else is the first's.
 */
export function addOutcomes<T extends object>(a: T, b: T): T {
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, bv] of Object.entries(b)) {
    const av = out[k];
    if (typeof av === 'number' && typeof bv === 'number') {out[k] = av + bv;} else if (Array.isArray(av) && Array.isArray(bv)) {out[k] = [...av, ...bv];} else if (isCountMap(av) && isCountMap(bv)) {
      out[k] = addCounts(av, bv);
    }
  }
  return out as T;
}

/** Two counts by key as one: the counts of a key in both are added. */
export function addCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const out = { ...a };
  for (const [key, n] of Object.entries(b)) out[key] = (out[key] ?? 0) + n;
  return out;
}

function isCountMap(v: unknown): v is Record<string, number> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((n) => typeof n === 'number');
}
