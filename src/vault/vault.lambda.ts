/**
 * The vault's Lambda handler. A batch from the announcement queue (or an SNS
 * delivery) holds announcements and manifests: each is validated, verified
 * against RDS and, if it holds, its copy is made. The queue's event source
 * mapping bounds how many such batches run at once, so announcements cannot
 * take the concurrency the sweeps need. The schedule wakes a sweep: everything
 * shared with the account is copied and retention is applied; an RDS event
 * about a vault copy wakes a pass over its database.
 */
import { randomUUID } from 'node:crypto';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import type { Context } from 'aws-lambda';
import { addCounts } from '../runtime/actions';
import { ApiCallCounter } from '../runtime/api-counter';
import { SDK_CLIENT_CONFIG } from '../runtime/aws';
import { parseVaultConfig, VaultConfig } from '../runtime/config';
import { deliveriesOf, Delivery, isQueueBatch } from '../runtime/deliveries';
import { vaultFocusOf } from '../runtime/events';
import { keyEpoch } from '../runtime/key-epoch';
import { describeError, Logger } from '../runtime/log';
import { ManifestVerdict } from '../runtime/manifest';
import { vaultMetrics } from '../runtime/metric-names';
import { rdsByRegion } from '../runtime/regional-clients';
import { MANIFEST_SCHEMA, schemaOf } from '../runtime/schema';
import { databaseSourcesOf, sourcePairsOf } from '../runtime/source-pairs';
import { createTelemetry, publishMetrics, startPass } from '../runtime/telemetry';
import { runManifestPass, validateManifest } from '../runtime/vault-manifest';
import { runVaultPass, validateAnnouncement, VaultDeps, VaultPassSummary, VaultScope } from '../runtime/vault-pass';

const telemetry = createTelemetry('rds-snapshot-vault');
const counter = new ApiCallCounter();
const rds = new RDSClient(SDK_CLIENT_CONFIG);
counter.attach(rds, 'rds');
const kms = new KMSClient(SDK_CLIENT_CONFIG);
counter.attach(kms, 'kms');
/** The vault's client in its own region; a client per other source region, made once. */
const rdsIn = rdsByRegion(rds, counter, process.env.AWS_REGION);

export interface VaultResult {
  readonly passId: string;
  readonly trigger: 'announcement' | 'rds-event' | 'sweep';
  readonly accepted: number;
  readonly rejected: number;
  /** Rejected messages by reason code. */
  readonly rejectedByReason: Record<string, number>;
  readonly summaries: VaultPassSummary[];
  /** The verdicts on the manifests received. */
  readonly verdicts?: ManifestVerdict[];
  readonly durationMs: number;
  readonly apiCalls: Record<string, number>;
  /** For a batch from the announcement queue: the messages that failed, so that Lambda retries only those. */
  readonly batchItemFailures?: ReadonlyArray<{ readonly itemIdentifier: string }>;
}

type Handled = Pick<VaultResult, 'accepted' | 'rejected' | 'rejectedByReason' | 'summaries' | 'verdicts'> & {
  /** Deliveries that could not be handled: they are retried, and end in the dead-letter queue if they keep failing. */
  readonly failed?: ReadonlyArray<{ readonly delivery: Delivery; readonly error: unknown }>;
};

async function handleRecords(deliveries: readonly Delivery[], config: VaultConfig, deps: VaultDeps, log: Logger): Promise<Handled> {
  let accepted = 0;
  let rejected = 0;
  const rejectedByReason: Record<string, number> = {};
  const summaries: VaultPassSummary[] = [];
  const verdicts: ManifestVerdict[] = [];
  const failed: Array<{ delivery: Delivery; error: unknown }> = [];
  // A batch may hold the same announcement twice: it is handled once.
  const seen = new Set<string>();
  for (const delivery of deliveries) {
    const r = delivery.record;
    const messageId = typeof r?.Sns?.MessageId === 'string' ? r.Sns.MessageId : undefined;
    const isManifest = schemaOf(r?.Sns?.Message) === MANIFEST_SCHEMA;
    const validation = r?.EventSource !== 'aws:sns' || !r.Sns
      ? { ok: false as const, code: 'not-sns' as const, reason: 'record is not an SNS notification' }
      : (isManifest ? validateManifest : validateAnnouncement)(config, r.Sns.TopicArn, r.Sns.Message, deps.now());
    if (!validation.ok) {
      // Rejected at once and not retried: a bad message stays bad.
      rejected += 1;
      rejectedByReason[validation.code] = (rejectedByReason[validation.code] ?? 0) + 1;
      log.log('error', 'message rejected', { event: 'message-rejected', code: validation.code, reason: validation.reason, messageId, topicArn: typeof r?.Sns?.TopicArn === 'string' ? r.Sns.TopicArn : undefined });
      continue;
    }
    if ('manifest' in validation) {
      const child = log.child({ messageId });
      child.log('info', 'manifest accepted', { event: 'manifest-accepted', databases: validation.manifest.databases.length, part: validation.manifest.part });
      try {
        verdicts.push((await runManifestPass({ ...deps, log: child }, config, validation.manifest, validation.topicArn)).verdict);
      } catch (e) {
        failed.push({ delivery, error: e });
        child.log('error', 'manifest could not be checked; it is retried', { event: 'message-failed', ...describeError(e) });
      }
      continue;
    }
    accepted += 1;
    const child = log.child({ messageId, snapshotCorrelationId: validation.snapshot.arn });
    if (seen.has(validation.snapshot.arn)) {
      child.log('info', 'announcement repeated in the same batch; handled once', { event: 'message-duplicate' });
      continue;
    }
    seen.add(validation.snapshot.arn);
    child.log('info', 'announcement accepted', { event: 'message-accepted', database: validation.snapshot.database });
    try {
      const { ok: _valid, ...claim } = validation;
      summaries.push(await runVaultPass({ ...deps, log: child }, config, { kind: 'announcement', ...claim }));
    } catch (e) {
      failed.push({ delivery, error: e });
      const summary = (e as { summary?: VaultPassSummary }).summary;
      if (summary) summaries.push(summary);
      child.log('error', 'announcement could not be handled; it is retried', { event: 'message-failed', ...describeError(e) });
    }
  }
  return { accepted, rejected, rejectedByReason, summaries, verdicts, failed };
}

/** What a pass did, summed over the announcements it handled. */
function outcomeOf(out: Handled, epoch: Date | undefined) {
  const sum = (f: (s: VaultPassSummary) => number) => out.summaries.reduce((n, s) => n + f(s), 0);
  return {
    accepted: out.accepted,
    rejectedByReason: out.rejectedByReason,
    copiesStarted: sum((s) => s.copiesStarted),
    copiesCompleted: sum((s) => s.copiesCompleted),
    expired: sum((s) => s.expired),
    // A delivery that failed before its pass could sum up what it did (a listing that failed, say) is a failure too.
    failures: sum((s) => s.failures) + (out.failed ?? []).filter((f) => (f.error as { summary?: unknown })?.summary === undefined).length,
    failuresByAction: out.summaries.map((s) => s.failuresByAction).reduce(addCounts, {}),
    copiesFailedInRds: sum((s) => s.copiesFailedInRds),
    errorFindings: sum((s) => s.errorFindings),
    deferred: sum((s) => s.deferred),
    refused: out.summaries.map((s) => s.refused).reduce(addCounts, {}),
    lineageChanges: sum((s) => s.lineageChanges),
    overBudget: out.summaries.map((s) => s.overBudget).reduce(addCounts, {}),
    // Sweeps report the recovery points of the whole vault and the quota use; announcements see one database and report neither.
    recoveryPoints: out.summaries.at(-1)?.recoveryPoints,
    quotaUsePercent: out.summaries.at(-1)?.quotaUsePercent,
    unlistedShares: out.summaries.at(-1)?.unlistedShares,
    manifestVerdicts: out.verdicts ?? [],
    ...(epoch ? { epoch } : {}),
  };
}

function metricsConfigOf(config: VaultConfig) {
  return { sources: databaseSourcesOf(sourcePairsOf(config.sources)), retireAfterMs: config.retireAfterMs ?? config.retentionMs };
}

export async function handler(event: unknown, context?: Context): Promise<VaultResult> {
  const passId = randomUUID();
  const log = startPass(telemetry, passId, context);
  const started = Date.now();
  counter.take();
  const records = (event as { Records?: unknown })?.Records;
  // An RDS event about one of the vault's copies wakes a pass over that copy's database alone.
  const focus = records === undefined ? vaultFocusOf(event) : undefined;
  const trigger = records !== undefined ? 'announcement' : focus ? 'rds-event' : 'sweep';
  log.log('info', 'pass started', { event: 'pass-started', trigger });
  try {
    const config = parseVaultConfig(process.env.VAULT_CONFIG);
    // The vault's epoch is its own key's creation, in its own account (key-epoch.ts): read, once per execution
    // environment, by the passes that judge what is missing, a sweep and a batch that holds a manifest.
    const deliveries = Array.isArray(records) ? deliveriesOf(records) : [];
    const judges = trigger === 'sweep' || deliveries.some((d) => schemaOf(d.record?.Sns?.Message) === MANIFEST_SCHEMA);
    const epoch = judges ? await keyEpoch(kms, config.vaultKeyArn, log) : undefined;
    const deps: VaultDeps = {
      ...(epoch ? { epoch } : {}),
      rds,
      rdsIn,
      // Lambda always sets AWS_REGION; without it the SDK clients above could not work either.
      region: process.env.AWS_REGION ?? '',
      log,
      now: () => new Date(),
      remainingMs: () => context?.getRemainingTimeInMillis?.() ?? Number.MAX_SAFE_INTEGER,
    };
    let out: Handled;
    if (trigger === 'announcement') {
      if (!Array.isArray(records)) {
        log.log('error', 'message rejected', { event: 'message-rejected', code: 'not-sns', reason: 'event Records is not a list' });
        out = { accepted: 0, rejected: 1, rejectedByReason: { 'not-sns': 1 }, summaries: [] };
      } else {
        out = await handleRecords(deliveries, config, deps, log);
      }
    } else {
      const scope: VaultScope = focus ? { kind: 'database', focus } : { kind: 'sweep' };
      out = { accepted: 0, rejected: 0, rejectedByReason: {}, summaries: [await runVaultPass(deps, config, scope)] };
    }
    const durationMs = Date.now() - started;
    const { failed = [], ...handled } = out;
    // From the queue, only the deliveries that failed are retried; straight from SNS, the invocation fails so that Lambda retries it.
    const fromQueue = Array.isArray(records) && isQueueBatch(records);
    const batchItemFailures = fromQueue ? failed.map((f) => ({ itemIdentifier: f.delivery.queueMessageId! })) : undefined;
    const result: VaultResult = {
      passId, trigger, ...handled, ...(batchItemFailures ? { batchItemFailures } : {}), durationMs, apiCalls: counter.take(),
    };
    publishMetrics(telemetry, config.ownerId, vaultMetrics(outcomeOf(out, epoch), metricsConfigOf(config), new Date(), durationMs));
    if (!fromQueue && failed.length > 0) throw failed[0].error;
    log.log('info', 'pass finished', { event: 'pass-finished', ...result });
    return result;
  } catch (e) {
    log.log('error', 'pass failed', { event: 'pass-failed', ...describeError(e), apiCalls: counter.take() });
    throw e;
  }
}
