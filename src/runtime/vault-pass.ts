/**
 * The vault's adapters: validate an announcement, gather the Failsafe
 * account's state in bulk, plan with `planVault`, and carry the plan out.
 */
import { AddTagsToResourceCommand, RDSClient } from '@aws-sdk/client-rds';
import { addOutcomes, baseCode, CopyStarter, gatherWithinBudget, REFUSED_IN_FLIGHT, deleteSnapshot, PassDeps, passOutcome, runIsolated } from './actions';
import { parseArnAccount } from './aws';
import { AccountQuotas, DbKind, kindOf } from './budget';
import { VaultConfig } from './config';
import { COPY_FINISHED_EVENTS, EventFocus } from './events';
import { describeError } from './log';
import { PassCounts, RecoveryPoint } from './metric-names';
import { readAccountQuotas } from './quotas';
import { parseMessage, Rejection, RejectionCode } from './schema';
import { DbSnapshot, isOwnedBy } from './shipper-plan';
import { listDbClusterSnapshots, listDbSnapshots } from './snapshots';
import { isSourcePair, shipsDatabasesOf, sourcePairsOf } from './source-pairs';
import { decodeSuccessors, encodeSuccessors, MAX_SUCCESSOR_TRIES, parseShippedRef } from './successors';
import { TagKeys, toTagList } from './tags';
import { CLOCK_SKEW_MS, Intake, RefusalLog, regionClaimedByName, takeInShared, verifyAnnounced } from './vault-intake';
import { parseShippedName, planVault, SHIPPED_SNAPSHOT_PREFIX, ShippedSnapshot, VaultAction, VAULT_SNAPSHOT_PREFIX } from './vault-plan';
import { Claim, MAX_TAKEN_AFTER_SLOT_MS } from './verification';

export interface VaultDeps extends PassDeps {
  /**
   * An RDS client for another region. Snapshots are shared per region: the
   * sweep lists what each source region shares with the vault there.
   * @default the vault's own client, for every region
   */
  readonly rdsIn?: (region: string) => RDSClient;
  /**
   * The vault's own region. Shared cluster snapshots are listed there only:
   * RDS copies a shared cluster snapshot across accounts only within its region.
   */
  readonly region: string;
  /**
   * The vault's epoch, the creation of its own key (key-epoch.ts): a database
   * a manifest lists that the vault holds no copy of counts as behind only
   * once the alarm's maxAge has passed since then.
   * @default - no grace: such a database is behind at once
   */
  readonly epoch?: Date;
}

export interface VaultPassSummary extends PassCounts {
  readonly copiesAlreadyThere: number;
  /** Copies first found available in this pass. */
  readonly copiesCompleted: number;
  /** Every deletion: expired copies and failed ones. */
  readonly deleted: number;
  readonly findings: Readonly<Record<string, number>>;
  /** Per source database, the newest recovery point held in an available vault copy; sweeps only. */
  readonly recoveryPoints?: readonly RecoveryPoint[];
  /** Source regions whose shared snapshots could not be listed in this sweep. */
  readonly failedRegions: readonly string[];
  /** How long listing took. */
  readonly listingMs: number;
  /** Shared snapshots from configured sources refused by verification, by reason code. */
  readonly refused: Readonly<Record<string, number>>;
  /** Shared snapshots from accounts that are not sources; sweeps only. */
  readonly unlistedShares?: number;
  /** Copies started into a new lineage of a database held under another. */
  readonly lineageChanges: number;
  /** Per source account, the snapshots it got no copy of because it is over its budget. */
  readonly overBudget: Readonly<Record<string, number>>;
  /** The larger of the two manual snapshot quotas' use, in percent; sweeps only, when the quotas could be read. */
  readonly quotaUsePercent?: number;
}

/** What an error means for the operator, naming the grant that is missing where it is one. */
function explain(code: string | undefined, action: string, config: VaultConfig): string | undefined {
  switch (baseCode(code)) {
    case 'KMSKeyNotAccessible':
      return `RDS could not use a key: the vault role needs kms:CreateGrant and kms:DescribeKey on the vault key ${config.vaultKeyArn} `
        + "(in its key policy), and the source account's shipping key policy must allow this account";
    case 'DBSnapshotNotFound':
      return action === 'copy' ? 'the shared snapshot is gone or not shared with this account; a later sweep copies what is shared' : undefined;
    case 'SnapshotQuotaExceeded':
      return 'the manual snapshot quota of the vault account is reached; no further copies start in this pass';
    case 'InvalidDBSnapshotState':
      return 'the snapshot is not in a state that allows this; a later pass retries';
    case 'AccessDenied':
      return {
        'copy': `the vault role needs rds:CopyDBSnapshot (rds:CopyDBClusterSnapshot for a cluster) on the shared snapshot and on ${VAULT_SNAPSHOT_PREFIX}* with the request tag ${TagKeys.OWNER}=${config.ownerId}, `
          + 'and rds:AddTagsToResource to tag the copy on creation',
        'set-successors': `the vault role needs rds:AddTagsToResource with the tag key ${TagKeys.SUCCESSORS} on its own copies`,
        'mark-completed': `the vault role needs rds:AddTagsToResource with the tag key ${TagKeys.COMPLETED} on its own copies (resource tag ${TagKeys.OWNER}=${config.ownerId})`,
        'delete': `the vault role needs rds:DeleteDBSnapshot (rds:DeleteDBClusterSnapshot for a cluster) on its own copies (resource tag ${TagKeys.OWNER}=${config.ownerId})`,
      }[action];
    default:
      return undefined;
  }
}

/** An announcement that passed validation: what it claims, to be verified against RDS before anything is copied. */
export type Validation = ({ readonly ok: true; readonly engine: string } & Claim) | Rejection;

export function reject(code: RejectionCode, reason: string): Rejection {
  return { ok: false, code, reason };
}

/**
 * Checks an SNS delivery against the allowlist and the schema: the topic must be
 * a configured source, and the snapshot must belong to the account and region
 * of that topic. Makes no AWS call.
 */
export { CLOCK_SKEW_MS } from './vault-intake';

/**
 * Why a message that says it comes from `account` and `region` is rejected
 * when it was published on `topicArn`, a configured source: the account must
 * be allowed, and both must be the topic's own. Undefined if they are.
 */
export function sourceRejection(config: VaultConfig, topicArn: string, account: string, region: string): Rejection | undefined {
  const topic = parseArnAccount(topicArn);
  if (!config.sourceAccounts.includes(account)) return reject('account-not-allowed', `source account ${account} is not an allowed source`);
  if (account !== topic.account) {
    return reject('topic-mismatch', `message announces account ${account}, but it was published on a topic of account ${topic.account}`);
  }
  if (region !== topic.region) return reject('topic-mismatch', `message announces region ${region}, but it was published on a topic in region ${topic.region}`);
  return undefined;
}

/** Whether `topicArn` is a configured source topic. */
export function isSourceTopic(config: VaultConfig, topicArn: unknown): topicArn is string {
  return typeof topicArn === 'string' && config.sources.some((s) => s.topicArn === topicArn);
}

export function validateAnnouncement(config: VaultConfig, topicArn: unknown, body: unknown, now: Date = new Date()): Validation {
  if (!isSourceTopic(config, topicArn)) return reject('unknown-topic', `message came from topic ${JSON.stringify(topicArn)}, which is not a configured source`);
  if (typeof body !== 'string') return reject('malformed', 'message body is not a string');
  const parsed = parseMessage(body);
  if (!parsed.ok) return parsed;
  const m = parsed.message;
  const wrongSource = sourceRejection(config, topicArn, m.sourceAccount, m.sourceRegion);
  if (wrongSource) return wrongSource;
  const databaseRegion = m.sourceDatabaseRegion ?? m.sourceRegion;
  if (!shipsDatabasesOf(sourcePairsOf(config.sources), m.sourceAccount, m.sourceRegion, databaseRegion)) {
    return reject('undeclared-region', `message announces a database in ${databaseRegion}, which no source topic of ${m.sourceAccount} in ${m.sourceRegion} declares (the databaseRegions of its source)`);
  }
  if (m.kind !== 'instance' && m.kind !== 'cluster') return reject('unsupported-kind', `snapshot kind "${m.kind}" is not supported by this version of the vault`);
  if (!m.snapshotIdentifier.toLowerCase().startsWith(SHIPPED_SNAPSHOT_PREFIX)) {
    return reject('not-a-shipper-copy', `snapshot ${m.snapshotIdentifier} is not a shipper copy (its name does not start with ${SHIPPED_SNAPSHOT_PREFIX})`);
  }
  // The name the shipper gave the copy carries its database and recovery point;
  // the message must agree with it, and neither may lie in the future.
  const named = parseShippedName(m.snapshotIdentifier);
  if (!named) return reject('not-a-shipper-copy', `snapshot ${m.snapshotIdentifier} is not named as a shipper copy (failsafe-<database>-<yyyymmdd>-<hhmmss>)`);
  if (named.database !== m.sourceDatabaseIdentifier.toLowerCase()) {
    return reject('name-mismatch', `message says database ${m.sourceDatabaseIdentifier}, but the snapshot name says ${named.database}`);
  }
  const announcedTime = Date.parse(m.snapshotCreateTime);
  // A copy is named for its recovery point, to the second; a snapshot the shipper took and shared as it is, for the interval it was taken in.
  const sinceNamed = announcedTime - named.time.getTime();
  const agrees = named.taken
    ? sinceNamed >= -CLOCK_SKEW_MS && sinceNamed < MAX_TAKEN_AFTER_SLOT_MS
    : Math.abs(Math.floor(announcedTime / 1000) * 1000 - named.time.getTime()) === 0;
  if (!agrees) {
    const says = named.taken ? `that it was taken in the interval that starts at ${named.time.toISOString()}` : named.time.toISOString();
    return reject('name-mismatch', `message says the snapshot was taken at ${m.snapshotCreateTime}, but its name says ${says}`);
  }
  if (announcedTime > now.getTime() + CLOCK_SKEW_MS) return reject('future-time', `snapshot time ${m.snapshotCreateTime} is in the future`);
  return {
    ok: true,
    snapshot: {
      arn: m.snapshotArn,
      account: m.sourceAccount,
      region: m.sourceRegion,
      identifier: m.snapshotIdentifier,
      database: m.sourceDatabaseIdentifier.toLowerCase(),
      time: new Date(m.snapshotCreateTime),
      kind: m.kind,
      encrypted: m.encrypted,
    },
    engine: m.engine,
    ...(m.sourceDatabaseResourceId ? { resourceId: m.sourceDatabaseResourceId } : {}),
    ...(m.sourceDatabaseRegion ? { databaseRegion: m.sourceDatabaseRegion } : {}),
  };
}

/**
 * What a vault pass is about: everything (a sweep), one announced snapshot,
 * or one database (an RDS event about one of the vault's copies).
 */
export type VaultScope =
  | { readonly kind: 'sweep' }
  | ({ readonly kind: 'announcement' } & Claim)
  | { readonly kind: 'database'; readonly focus: EventFocus };

/** The database a scope is about, with its kind, or undefined for a sweep. */
function databaseOf(scope: VaultScope): { readonly kind?: DbKind; readonly database: string } | undefined {
  if (scope.kind === 'announcement') return scope.snapshot;
  if (scope.kind === 'database') return scope.focus;
  return undefined;
}

/**
 * The vault's own state for a pass. A sweep lists every manual snapshot. A
 * pass about one database lists only its snapshots, of its kind: a copy keeps
 * its database's identifier, so the cost of an announcement or an event does
 * not grow with what the vault holds.
 */
async function listManual(rds: RDSClient, scope: VaultScope): Promise<DbSnapshot[]> {
  const one = databaseOf(scope);
  if (!one) return (await Promise.all([listDbSnapshots(rds, 'manual'), listDbClusterSnapshots(rds, 'manual')])).flat();
  return one.kind === 'cluster' ? listDbClusterSnapshots(rds, 'manual', one.database) : listDbSnapshots(rds, 'manual', one.database);
}

const NOTHING_SHARED: Intake = { shipped: [], failedRegions: [], refused: {}, unlisted: {} };

/**
 * An announcement's intake: the announced snapshot, if RDS's description of
 * it bears the announcement out (verification.ts); else a refusal, logged.
 */
async function takeInAnnounced(deps: VaultDeps, config: VaultConfig, scope: Extract<VaultScope, { kind: 'announcement' }>): Promise<Intake> {
  const { kind: _announcement, ...claim } = scope;
  // A cluster snapshot from another region is not copied unless the vault copies clusters across Regions (planVault reports why): there is nothing to verify.
  if (kindOf(scope.snapshot) === 'cluster' && scope.snapshot.region !== deps.region && !config.copyClustersAcrossRegions) return { ...NOTHING_SHARED, shipped: [scope.snapshot] };
  // A snapshot is shared in its own region: RDS describes it there.
  const verified = await verifyAnnounced(deps.rdsIn?.(scope.snapshot.region) ?? deps.rds, claim, config);
  if (verified.ok) return { ...NOTHING_SHARED, shipped: [verified.snapshot] };
  const refusals = new RefusalLog(deps.log);
  refusals.refuse(verified.code, verified.reason, scope.snapshot.arn);
  return { ...NOTHING_SHARED, refused: refusals.counts };
}

/** How much of the manual snapshot quotas is used: the larger share of the two kinds, in percent. */
function quotaUseOf(quotas: AccountQuotas): { quotaUsePercent?: number } {
  const shares = Object.values(quotas).filter((q) => q.max > 0).map((q) => (100 * q.used) / q.max);
  return shares.length > 0 ? { quotaUsePercent: Math.round(Math.max(...shares) * 10) / 10 } : {};
}

/** The ARN of the shipper copy an action is about: its correlation id, as in the shipper's logs. */
function correlationIdOf(action: VaultAction): string | undefined {
  return action.type === 'copy' ? action.source.arn : action.snapshot.tags[TagKeys.SOURCE_SNAPSHOT];
}

/**
 * Plans and carries out a pass. With `shipped` given (an announcement), only
 * the copy for it is made; without, it is a sweep: everything shared with the
 * account is copied and retention is applied. `inheritedSuccessors`: in a
 * pass that takes over a finished copy's slot (handOnVaultSlot), the
 * successors after this one, possibly none.
 */
export async function runVaultPass(
  deps: VaultDeps, config: VaultConfig, scope: VaultScope = { kind: 'sweep' }, inheritedSuccessors?: string,
): Promise<VaultPassSummary> {
  const { rds, log } = deps;
  const announced = scope.kind === 'announcement' ? scope.snapshot : undefined;
  const what = scope.kind === 'sweep' ? 'listing the vault' : `listing the copies of ${databaseOf(scope)!.database}`;
  // An announcement is verified first: one that RDS does not bear out costs one call, and lists nothing.
  const announcedIntake = scope.kind === 'announcement' ? await takeInAnnounced(deps, config, scope) : undefined;
  const refusedOnly = announcedIntake !== undefined && announcedIntake.shipped.length === 0;
  const gathered = await gatherWithinBudget(deps, what, Promise.all([
    announcedIntake ?? (scope.kind === 'sweep' ? takeInShared(deps.rdsIn ?? (() => rds), deps.region, config, log, deps.now()) : NOTHING_SHARED),
    refusedOnly ? [] : listManual(rds, scope),
    refusedOnly ? {} : readAccountQuotas(rds, log),
  ]));
  const [intake, manualSnapshots, quotas] = gathered.value;
  const { shipped, failedRegions } = intake;
  // A successor pass (handOnVaultSlot) always gets a list to inherit, if only an empty one.
  const successor = inheritedSuccessors !== undefined;
  const plan = planVault(config, {
    now: deps.now(),
    region: deps.region,
    shipped,
    manualSnapshots,
    partial: scope.kind !== 'sweep',
    quotas,
    ...(inheritedSuccessors ? { inheritedSuccessors } : {}),
    ...(successor ? { successor } : {}),
  });
  for (const f of plan.findings) {
    log.log(f.level, f.message, { event: 'finding', code: f.code, snapshot: f.snapshot, source: f.source, snapshotCorrelationId: f.snapshotCorrelationId });
  }

  const counts = { copiesStarted: 0, copiesAlreadyThere: 0, copiesCompleted: 0, deleted: 0, expired: 0, deferred: 0 };
  const copies = new CopyStarter(rds);
  const actions = announced ? plan.actions.filter((a) => a.type === 'copy') : plan.actions;

  const execute = async (action: VaultAction) => {
    const actionLog = log.child({ snapshotCorrelationId: correlationIdOf(action) });
    if (action.type === 'copy') {
      const outcome = await copies.start({
        kind: action.source.kind ?? 'instance',
        // A shared snapshot is named by its ARN. An instance snapshot in
        // another region needs nothing more: RDS copies across accounts and
        // regions in one call, and PreSignedUrl only applies in GovCloud (RDS
        // API Reference, CopyDBSnapshot). Cluster snapshots from other regions
        // never get here (see planVault).
        source: action.source.arn,
        target: action.targetIdentifier,
        kmsKeyId: action.encrypt ? config.vaultKeyArn : undefined,
        tags: toTagList(action.tags),
      });
      if (outcome === 'started') {
        counts.copiesStarted += 1;
        actionLog.log('info', 'vault copy started', { event: 'copy-started', source: action.source.arn, snapshot: action.targetIdentifier, database: action.source.database });
      } else if (outcome === 'exists') {
        counts.copiesAlreadyThere += 1;
        actionLog.log('info', 'vault copy already exists', { event: 'copy-skipped', snapshot: action.targetIdentifier });
      } else if (outcome === 'refused') {
        counts.deferred += 1;
        actionLog.log('warn', REFUSED_IN_FLIGHT, { event: 'copy-refused', reason: 'copies-in-flight', snapshot: action.targetIdentifier, database: action.source.database });
      } else {
        counts.deferred += 1;
      }
      return;
    }
    if (action.type === 'set-successors') {
      const successors = { Key: TagKeys.SUCCESSORS, Value: action.successors };
      await rds.send(new AddTagsToResourceCommand({ ResourceName: action.snapshot.arn, Tags: [successors] }));
      actionLog.log('info', 'vault copy in flight hands its slot on to the shipped snapshots waiting', {
        event: 'successors-set', snapshot: action.snapshot.identifier, successors: action.successors,
      });
      return;
    }
    if (action.type === 'mark-completed') {
      const completed = { Key: TagKeys.COMPLETED, Value: deps.now().toISOString() };
      await rds.send(new AddTagsToResourceCommand({ ResourceName: action.snapshot.arn, Tags: [completed] }));
      if (action.counted) counts.copiesCompleted += 1;
      actionLog.log('info', action.counted ? 'vault copy completed' : 'vault copy made long before recorded as completed, not counted', {
        event: 'copy-completed', snapshot: action.snapshot.identifier, source: action.sourceKey, counted: action.counted,
      });
      return;
    }
    if (await deleteSnapshot(rds, action.snapshot) === 'deleted') {
      counts.deleted += 1;
      if (action.cause === 'expired') counts.expired += 1;
      actionLog.log('info', action.cause === 'expired' ? 'vault copy deleted by retention' : 'failed vault copy deleted', {
        event: 'deleted', cause: action.cause, snapshot: action.snapshot.identifier, source: action.sourceKey, reason: action.reason,
      });
    }
  };

  const run = await runIsolated(
    actions,
    deps,
    (a) => ({ action: a.type, snapshot: a.type === 'copy' ? a.targetIdentifier : a.snapshot.identifier, snapshotCorrelationId: correlationIdOf(a) }),
    execute,
    (code, label) => explain(code, label.action, config),
  );
  const outcome = passOutcome(plan.findings, run, counts.deferred);
  const summary: VaultPassSummary = {
    ...counts,
    ...outcome,
    // A source region that could not be listed is an error of the sweep.
    errorFindings: outcome.errorFindings + failedRegions.length,
    failedRegions,
    listingMs: gathered.ms,
    refused: intake.refused,
    lineageChanges: plan.lineageChanges,
    overBudget: plan.overBudget,
    // A pass about one database sees that database only: the recovery points
    // of the whole vault are reported by sweeps.
    ...(scope.kind === 'sweep' ? {
      recoveryPoints: plan.recoveryPoints,
      unlistedShares: Object.values(intake.unlisted).reduce((a, b) => a + b, 0),
      ...quotaUseOf(quotas),
    } : {}),
  };
  // An announcement whose copy could not be started is retried by Lambda and,
  // if it keeps failing, ends in the dead-letter queue.
  if (announced && run.failures > 0) throw Object.assign(new Error(`the vault copy of ${announced.arn} could not be started`), { cause: run.lastError, summary });
  const finished = scope.kind === 'database' && COPY_FINISHED_EVENTS.includes(scope.focus.eventId)
    ? manualSnapshots.find((c) => c.identifier === scope.focus.snapshot && c.status === 'available' && isOwnedBy(c, config.ownerId))
    : undefined;
  return finished ? (await handOnVaultSlot(deps, config, finished)).reduce(addOutcomes, summary) : summary;
}

/**
 * After a copy-finished event (COPY_FINISHED_EVENTS): the finished vault copy's slot goes to the first of
 * its successors that still needs a copy (successors.ts), as if it had just
 * been announced. Its list is cleared first, so that a repeated event hands
 * nothing on twice. A successor that is gone or cannot be copied is logged
 * and skipped: the sweep finds what is shared.
 */
async function handOnVaultSlot(deps: VaultDeps, config: VaultConfig, finished: DbSnapshot): Promise<VaultPassSummary[]> {
  const refs = decodeSuccessors(finished.tags[TagKeys.SUCCESSORS]);
  if (refs.length === 0) return [];
  await deps.rds.send(new AddTagsToResourceCommand({ ResourceName: finished.arn, Tags: [{ Key: TagKeys.SUCCESSORS, Value: '' }] }));
  deps.log.log('info', `vault copy ${finished.identifier} has finished; its slot goes to the first of ${refs.join(', ')} that needs a copy`, {
    event: 'slot-handed-on', snapshot: finished.identifier, snapshotCorrelationId: finished.tags[TagKeys.SOURCE_SNAPSHOT], successors: refs,
  });
  const { partition } = parseArnAccount(config.vaultKeyArn);
  const pairs = sourcePairsOf(config.sources);
  const out: VaultPassSummary[] = [];
  for (const [i, ref] of refs.slice(0, MAX_SUCCESSOR_TRIES).entries()) {
    const parts = parseShippedRef(ref);
    const named = parts ? parseShippedName(parts.identifier) : undefined;
    if (!parts || !named || !isSourcePair(pairs, parts.account, parts.region)) continue;
    const snapshot: ShippedSnapshot = {
      ...parts, arn: `arn:${partition}:rds:${parts.region}:${parts.account}:snapshot:${parts.identifier}`, database: named.database, time: named.time, kind: 'instance',
    };
    try {
      const claimed = regionClaimedByName(pairs, snapshot);
      const scope: VaultScope = { kind: 'announcement', snapshot, ...(claimed ? { databaseRegion: claimed } : {}) };
      const pass = await runVaultPass(deps, config, scope, encodeSuccessors(refs.slice(i + 1)));
      out.push(pass);
      if (pass.copiesStarted + pass.copiesAlreadyThere + pass.deferred > 0) break;
    } catch (e) {
      const failed = (e as { summary?: VaultPassSummary }).summary;
      if (failed) out.push(failed);
      deps.log.log('warn', `successor ${ref} could not be copied; the next sweep copies what is shared`, { event: 'successor-skipped', ...describeError(e) });
    }
  }
  return out;
}

