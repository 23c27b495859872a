/**
 * One reconcile pass of the shipper: gather the state of the Live account (in
 * bulk, or of the one database an RDS event is about), plan, carry the plan
 * out. Gathering and acting are thin adapters over the AWS SDK v3; all
 * decisions are made by `planShipper`.
 */
import { AddTagsToResourceCommand } from '@aws-sdk/client-rds';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { addOutcomes, baseCode, CopyStarter, REFUSED_IN_FLIGHT, deleteSnapshot, passOutcome, runIsolated, shareSnapshot } from './actions';
import { errorCode, parseArnAccount } from './aws';
import { ShipperConfig } from './config';
import { COPY_FINISHED_EVENTS, EventFocus } from './events';
import { awaitedSince, expectedSince } from './expected-since';
import { describeError, Logger } from './log';
import { buildManifest, manifestDue } from './manifest';
import { ShipperOutcome } from './metric-names';
import { SHIPPER_SNAPSHOT_PREFIX } from './naming';
import { MESSAGE_SCHEMA, MESSAGE_VERSION, serializeMessage, SnapshotShippedMessage } from './schema';
import { copyArnOf, DbSnapshot, Finding, isOwnedBy, planShipper, ShipperAction, ShipperPlan, ShipperPlanConfig, sourceTimeOf } from './shipper-plan';
import { Gathered, GatherDeps, gatherAccount, gatherDatabase } from './shipper-state';
import { Behind, databasesBehind, DEFAULT_BEHIND_AFTER_MS } from './staleness';
import { decodeSuccessors, encodeSuccessors, MAX_SUCCESSOR_TRIES } from './successors';
import { TagKeys, toTagList } from './tags';
import { SnapshotTaker } from './take-snapshot';

export interface ShipperDeps extends GatherDeps {
  readonly sns: SNSClient;
  /**
   * The shipper's epoch, the creation of its shipping key (key-epoch.ts): a
   * database never shipped counts as behind only once the alarm's maxAge has
   * passed since then, or since the database was created if that is later.
   * @default - no grace: a database never shipped is behind at once
   */
  readonly epoch?: Date;
}

export interface ShipperPassSummary extends ShipperOutcome {
  readonly selected: number;
  /** Manifest parts this pass published; -1 if publishing failed. */
  readonly manifestParts?: number;
  /**
   * The selected databases that have fallen behind, and the one furthest
   * behind; only a sweep, which sees every database, reports it.
   */
  readonly behind?: Behind;
  /** How long listing the account took. */
  readonly listingMs: number;
  readonly copiesAlreadyThere: number;
  /** Every deletion: expired copies and failed ones. */
  readonly deleted: number;
  readonly deferred: number;
  readonly findings: Readonly<Record<string, number>>;
}

function logFinding(log: Logger, f: Finding): void {
  log.log(f.level, f.message, { event: 'finding', code: f.code, database: f.database, snapshot: f.snapshot, snapshotCorrelationId: f.snapshotCorrelationId });
}

function buildMessage(snapshot: DbSnapshot, config: ShipperConfig, now: Date): SnapshotShippedMessage {
  const { account, region } = parseArnAccount(snapshot.arn);
  return {
    schema: MESSAGE_SCHEMA,
    version: MESSAGE_VERSION,
    kind: snapshot.kind ?? 'instance',
    snapshotArn: snapshot.arn,
    snapshotIdentifier: snapshot.identifier,
    sourceAccount: account,
    sourceRegion: region,
    sourceDatabaseIdentifier: snapshot.tags[TagKeys.SOURCE_DATABASE] ?? snapshot.dbIdentifier,
    engine: snapshot.engine,
    ...(snapshot.engineVersion ? { engineVersion: snapshot.engineVersion } : {}),
    ...(snapshot.resourceId ? { sourceDatabaseResourceId: snapshot.resourceId } : {}),
    ...(config.sourceRegion !== undefined && config.sourceRegion !== region ? { sourceDatabaseRegion: config.sourceRegion } : {}),
    snapshotCreateTime: (sourceTimeOf(snapshot) ?? now).toISOString(),
    encrypted: snapshot.encrypted,
    ...(snapshot.kmsKeyId?.startsWith('arn:') ? { kmsKeyArn: snapshot.kmsKeyId } : {}),
    shippedAt: now.toISOString(),
  };
}

/** What an error means for the operator, naming the grant that is missing where it is one. */
function explain(code: string | undefined, action: string, config: ShipperConfig): string | undefined {
  switch (baseCode(code)) {
    case 'KMSKeyNotAccessible':
      return `RDS could not use a KMS key: the function's role needs kms:CreateGrant and kms:DescribeKey on the shipping key ${config.shippingKeyArn} `
        + 'and on the key of the source snapshot (pass it in the sourceKeys prop), and the key policies must allow it';
    case 'KMSAccessDenied':
      return `SNS could not use the topic's key: the function's role needs kms:GenerateDataKey* and kms:Decrypt on the key of ${config.topicArn}`;
    case 'SnapshotQuotaExceeded':
      return 'the manual snapshot quota of the account is reached; no further copies start in this pass';
    case 'InvalidDBSnapshotState':
      return 'the snapshot is not in a state that allows this; a later pass retries';
    case 'AccessDenied':
    case 'AuthorizationError':
      return {
        'snapshot': `the function's role needs rds:CreateDBSnapshot (rds:CreateDBClusterSnapshot for a cluster) on the database and on ${SHIPPER_SNAPSHOT_PREFIX}* with the `
          + `request tag ${TagKeys.OWNER}=${config.ownerId}, and rds:AddTagsToResource to tag the snapshot on creation`,
        'copy': `the function's role needs rds:CopyDBSnapshot (rds:CopyDBClusterSnapshot for a cluster) on the source snapshot and on ${SHIPPER_SNAPSHOT_PREFIX}* with the request tag `
          + `${TagKeys.OWNER}=${config.ownerId}, and rds:AddTagsToResource to tag the copy on creation`,
        'share-and-announce': 'the function\'s role needs rds:ModifyDBSnapshotAttribute (rds:ModifyDBClusterSnapshotAttribute for a cluster) and rds:AddTagsToResource on its own copies '
          + `(resource tag ${TagKeys.OWNER}=${config.ownerId}), and sns:Publish on ${config.topicArn}`,
        'set-successors': `the function's role needs rds:AddTagsToResource with the tag key ${TagKeys.SUCCESSORS} on its own copies`,
        'delete': `the function's role needs rds:DeleteDBSnapshot (rds:DeleteDBClusterSnapshot for a cluster) on its own copies (resource tag ${TagKeys.OWNER}=${config.ownerId})`,
      }[action] ?? "the function's role is not allowed to do this";
    default:
      return undefined;
  }
}

/**
 * The ARN of the shipper copy an action is about: its correlation id in every
 * log line, here and in the vault. Copies are made in the Region of the
 * shipping key (a copy's key is of the Region it is made in).
 */
function correlationIdOf(action: ShipperAction, config: ShipperConfig): string {
  if (action.type === 'snapshot') {
    // The ARN the snapshot will have: taken in the databases' account and Region.
    const { partition, region, account } = parseArnAccount(config.shippingKeyArn);
    const type = action.kind === 'cluster' ? 'cluster-snapshot' : 'snapshot';
    return `arn:${partition}:rds:${config.sourceRegion ?? region}:${account}:${type}:${action.targetIdentifier}`;
  }
  return action.type === 'copy' ? copyArnOf(action.source.arn, action.targetIdentifier, parseArnAccount(config.shippingKeyArn).region) : action.snapshot.arn;
}

/**
 * The selection of a pass that is about one database: that database, if the
 * configuration selects it by name or may select it by tag; else undefined.
 */
function focusedSelection(config: ShipperPlanConfig, focus: EventFocus): ShipperPlanConfig['selection'] | undefined {
  const named = (ids: readonly string[] | undefined) => (ids ?? []).filter((id) => id.toLowerCase() === focus.database);
  const identifiers = focus.kind === 'instance' ? named(config.selection.identifiers) : [];
  const clusterIdentifiers = focus.kind === 'cluster' ? named(config.selection.clusterIdentifiers) : [];
  if (identifiers.length === 0 && clusterIdentifiers.length === 0 && !config.selection.tag) return undefined;
  return { identifiers, clusterIdentifiers, ...(config.selection.tag ? { tag: config.selection.tag } : {}) };
}

/**
 * A pass. Without `focus` it is a sweep of the whole account. With it (an RDS
 * event about one database) it reads and acts on that database alone: a few
 * calls, whatever the size of the account. A database the configuration does
 * not select costs no call at all.
 */
export async function runShipperPass(
  deps: ShipperDeps, config: ShipperConfig, focus?: EventFocus, inheritedSuccessors?: string,
): Promise<ShipperPassSummary> {
  const { rds, sns, log } = deps;
  const now = deps.now();
  const selection = focus ? focusedSelection(config, focus) : config.selection;
  if (!selection) {
    log.log('info', `the event is about ${focus!.database}, which this shipper does not select`, { event: 'event-ignored', database: focus!.database, eventId: focus!.eventId });
    return emptySummary();
  }
  const gathered = focus ? await gatherDatabase(deps, focus) : await gatherAccount(deps, config);
  const copyRegion = parseArnAccount(config.shippingKeyArn).region;
  const plan = planShipper({ ...config, selection, copyRegion }, { now, ...gathered.state, ...(inheritedSuccessors ? { inheritedSuccessors } : {}) });
  for (const f of plan.findings) logFinding(log, f);

  const counts = { snapshotsTaken: 0, copiesStarted: 0, copiesAlreadyThere: 0, shared: 0, announced: 0, deleted: 0, expired: 0, deferred: 0 };
  const shippedNow = new Map<string, Date>();
  const copies = new CopyStarter(rds);
  const taker = new SnapshotTaker(rds);

  const execute = async (action: ShipperAction): Promise<void> => {
    const actionLog = deps.log.child({ snapshotCorrelationId: correlationIdOf(action, config) });
    switch (action.type) {
      case 'snapshot': {
        const request = { kind: action.kind, database: action.database, identifier: action.targetIdentifier, tags: toTagList(action.tags) };
        const outcome = await taker.take(request);
        if (outcome === 'taken') counts.snapshotsTaken += 1;
        if (outcome === 'busy' || outcome === 'deferred') counts.deferred += 1;
        const said = {
          taken: 'snapshot taken: the recovery point of this interval',
          exists: 'snapshot already taken in this interval (a concurrent pass took it)',
          busy: 'snapshot refused for now: the database is not available, or RDS is taking another snapshot of it; a later pass takes it',
          deferred: 'snapshot not tried: the manual snapshot quota refused one earlier in this pass',
        }[outcome];
        actionLog.log(outcome === 'busy' ? 'warn' : 'info', said, { event: `snapshot-${outcome}`, database: action.database, snapshot: action.targetIdentifier });
        return;
      }
      case 'copy': {
        const outcome = await copies.start({
          kind: action.source.kind ?? 'instance',
          source: action.source.arn,
          target: action.targetIdentifier,
          kmsKeyId: action.encrypt ? config.shippingKeyArn : undefined,
          tags: toTagList(action.tags),
        });
        if (outcome === 'started') {
          counts.copiesStarted += 1;
          actionLog.log('info', 'copy started', { event: 'copy-started', database: action.database, source: action.source.identifier, snapshot: action.targetIdentifier });
        } else if (outcome === 'exists') {
          counts.copiesAlreadyThere += 1;
          actionLog.log('info', 'copy already exists (a concurrent pass made it)', { event: 'copy-skipped', database: action.database, snapshot: action.targetIdentifier });
        } else if (outcome === 'refused') {
          counts.deferred += 1;
          actionLog.log('warn', REFUSED_IN_FLIGHT, { event: 'copy-refused', reason: 'copies-in-flight', database: action.database, snapshot: action.targetIdentifier });
        } else {
          counts.deferred += 1;
        }
        return;
      }
      case 'share-and-announce': {
        const s = action.snapshot;
        await shareSnapshot(rds, s, config.vaultAccount);
        counts.shared += 1;
        actionLog.log('info', 'copy shared with the vault account', { event: 'shared', database: action.database, snapshot: s.identifier, vaultAccount: config.vaultAccount });
        const message = buildMessage(s, config, deps.now());
        const published = await sns.send(new PublishCommand({
          TopicArn: config.topicArn,
          Message: serializeMessage(message),
          MessageAttributes: {
            messageType: { DataType: 'String', StringValue: 'snapshot-shipped' },
            kind: { DataType: 'String', StringValue: message.kind },
            sourceDatabaseIdentifier: { DataType: 'String', StringValue: message.sourceDatabaseIdentifier },
            sourceAccount: { DataType: 'String', StringValue: message.sourceAccount },
          },
        }));
        // Recording the announcement is what makes it happen once. If this tag
        // write fails, the next pass announces again; the vault treats a repeat
        // as a duplicate delivery.
        await rds.send(new AddTagsToResourceCommand({ ResourceName: s.arn, Tags: [{ Key: TagKeys.ANNOUNCED, Value: message.shippedAt }] }));
        counts.announced += 1;
        const time = sourceTimeOf(s);
        if (time) shippedNow.set(action.database, time);
        actionLog.log('info', 'copy announced', { event: 'announced', database: action.database, snapshot: s.identifier, messageId: published.MessageId });
        return;
      }
      case 'set-successors': {
        const successors = { Key: TagKeys.SUCCESSORS, Value: action.successors };
        await rds.send(new AddTagsToResourceCommand({ ResourceName: action.snapshot.arn, Tags: [successors] }));
        actionLog.log('info', 'copy in flight hands its slot on to the databases waiting', {
          event: 'successors-set', database: action.database, snapshot: action.snapshot.identifier, successors: action.successors,
        });
        return;
      }
      case 'delete': {
        if (await deleteSnapshot(rds, action.snapshot) === 'gone') {
          actionLog.log('info', 'copy was already deleted', { event: 'delete-skipped', database: action.database, snapshot: action.snapshot.identifier });
          return;
        }
        counts.deleted += 1;
        if (action.cause === 'expired') counts.expired += 1;
        const said = { expired: 'copy deleted by retention', failed: 'failed snapshot deleted', shipped: 'taken snapshot deleted: it is shipped', deselected: 'taken snapshot deleted: its database is no longer selected' };
        actionLog.log('info', said[action.cause], { event: 'deleted', cause: action.cause, database: action.database, snapshot: action.snapshot.identifier, reason: action.reason });
        return;
      }
    }
  };

  const run = await runIsolated(
    plan.actions,
    deps,
    (a) => ({ action: a.type, database: a.database, snapshot: 'snapshot' in a ? a.snapshot.identifier : a.targetIdentifier, snapshotCorrelationId: correlationIdOf(a, config) }),
    execute,
    (code, label) => explain(code, label.action, config),
  );

  // The newest shipped copy per selected database, counting what this pass announced.
  const shipped = new Map(plan.shipped.map((c) => [c.database, c.time]));
  for (const [database, time] of shippedNow) {
    if (plan.selected.includes(database) && time.getTime() > (shipped.get(database)?.getTime() ?? -Infinity)) shipped.set(database, time);
  }
  // Who is behind, and the manifest, need the databases: not known while their Region cannot be read.
  const unreachable = gathered.state.databasesUnreachable !== undefined;
  const behind = focus || unreachable ? undefined : databasesBehind(plan.selected, shipped, now, config.behindAfterMs ?? DEFAULT_BEHIND_AFTER_MS,
    awaitedSinceOf(gathered.state, deps.epoch));
  if (behind?.oldest) {
    log.log('warn', `${behind.databases.length} selected databases are behind; the furthest behind is ${behind.oldest.database}`, {
      event: 'databases-behind', count: behind.databases.length, oldest: behind.oldest.database, oldestRecoveryPoint: behind.oldest.time?.toISOString() ?? 'never shipped',
    });
  }
  const manifestParts = !focus && !unreachable && config.manifestWindowMs !== undefined && manifestDue(now, config.manifestWindowMs)
    ? await publishManifest(deps, config, plan.selectedDatabases, shipped)
    : 0;
  const summary: ShipperPassSummary = {
    selected: plan.selected.length,
    manifestParts,
    ...(behind ? { behind } : {}),
    listingMs: gathered.listingMs,
    ...counts,
    ...addFailure(passOutcome(plan.findings, run, counts.deferred), manifestParts < 0),
    shippedCopies: [...shipped.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([database, time]) => ({ database, time })),
  };
  const finished = focus && COPY_FINISHED_EVENTS.includes(focus.eventId)
    ? gathered.state.manualSnapshots.find((c) => c.identifier === focus.snapshot && c.status === 'available' && isOwnedBy(c, config.ownerId))
    : undefined;
  return finished ? (await handOnSlot(deps, config, finished)).reduce(addOutcomes, summary) : summary;
}

/**
 * Since when each database never shipped is awaited (expected-since.ts): from
 * the later of the shipper's epoch and the database's creation, but no later
 * than its newest automated snapshot. Read from what the sweep listed anyway.
 */
function awaitedSinceOf(state: Gathered['state'], epoch: Date | undefined): (database: string) => Date | undefined {
  const createdAt = new Map(state.instances.map((d) => [d.identifier, d.createdAt]));
  const newestBackup = new Map<string, Date>();
  for (const s of state.automatedSnapshots) {
    const t = sourceTimeOf(s);
    if (t && t.getTime() > (newestBackup.get(s.dbIdentifier)?.getTime() ?? -Infinity)) newestBackup.set(s.dbIdentifier, t);
  }
  return (database) => awaitedSince(expectedSince(epoch, createdAt.get(database)), newestBackup.get(database));
}

/**
 * Publishes the manifest: the selected databases and the newest recovery point
 * shipped of each (manifest.ts). Returns the parts published, or -1 if it
 * failed: that is logged and counted, and the next due sweep publishes again.
 */
async function publishManifest(
  deps: ShipperDeps, config: ShipperConfig, selected: ShipperPlan['selectedDatabases'], shipped: ReadonlyMap<string, Date>,
): Promise<number> {
  const { account, region } = parseArnAccount(config.topicArn);
  const parts = buildManifest({ account, region, databaseRegion: config.sourceRegion }, deps.now(), selected, shipped);
  try {
    for (const part of parts) {
      await deps.sns.send(new PublishCommand({
        TopicArn: config.topicArn,
        Message: JSON.stringify(part),
        MessageAttributes: {
          messageType: { DataType: 'String', StringValue: 'manifest' },
          sourceAccount: { DataType: 'String', StringValue: account },
        },
      }));
    }
  } catch (e) {
    deps.log.log('error', 'the manifest could not be published; the next sweep of the day publishes it again', {
      event: 'action-failed',
      action: 'publish-manifest',
      errorCode: errorCode(e),
      ...describeError(e),
      hint: `the function's role needs sns:Publish on ${config.topicArn}`,
    });
    return -1;
  }
  deps.log.log('info', `manifest published: ${selected.length} databases in ${parts.length} parts`, { event: 'manifest-published', databases: selected.length, parts: parts.length });
  return parts.length;
}

/** A pass outcome with one more failed action, if `failed`. */
function addFailure<T extends { readonly failures: number; readonly failuresByAction: Readonly<Record<string, number>> }>(o: T, failed: boolean): T {
  if (!failed) return o;
  return { ...o, failures: o.failures + 1, failuresByAction: { ...o.failuresByAction, 'publish-manifest': (o.failuresByAction['publish-manifest'] ?? 0) + 1 } };
}

/**
 * After RDS-EVENT-0197: the finished copy's slot goes to the first of its
 * successors that still needs a copy (successors.ts). The finished copy's
 * list is cleared first, so that a repeated event hands nothing on twice.
 */
async function handOnSlot(deps: ShipperDeps, config: ShipperConfig, finished: DbSnapshot): Promise<ShipperPassSummary[]> {
  const names = decodeSuccessors(finished.tags[TagKeys.SUCCESSORS]);
  if (names.length === 0) return [];
  await deps.rds.send(new AddTagsToResourceCommand({ ResourceName: finished.arn, Tags: [{ Key: TagKeys.SUCCESSORS, Value: '' }] }));
  deps.log.log('info', `copy ${finished.identifier} has finished; its slot goes to the first of ${names.join(', ')} that needs a copy`, {
    event: 'slot-handed-on', snapshot: finished.identifier, snapshotCorrelationId: finished.arn, successors: names,
  });
  const out: ShipperPassSummary[] = [];
  for (const [i, database] of names.slice(0, MAX_SUCCESSOR_TRIES).entries()) {
    const focus: EventFocus = { kind: 'instance', database, eventId: 'successor', snapshot: finished.identifier };
    const pass = await runShipperPass(deps, config, focus, encodeSuccessors(names.slice(i + 1)));
    out.push(pass);
    // The slot is taken: by this copy, by one a concurrent pass made, or RDS has none free after all.
    if (pass.copiesStarted + pass.copiesAlreadyThere + pass.deferred > 0) break;
  }
  return out;
}


/** What a pass that had nothing to do reports. */
function emptySummary(): ShipperPassSummary {
  return {
    selected: 0,
    listingMs: 0,
    snapshotsTaken: 0,
    copiesStarted: 0,
    copiesAlreadyThere: 0,
    shared: 0,
    announced: 0,
    deleted: 0,
    expired: 0,
    deferred: 0,
    failures: 0,
    failuresByAction: {},
    copiesFailedInRds: 0,
    errorFindings: 0,
    findings: {},
    shippedCopies: [],
  };
}
