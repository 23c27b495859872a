/**
 * The vault's Lambda handler. An SNS delivery is an announcement: it is
 * validated and, if valid, its copy is made. Anything else (the schedule, an
 * RDS event) is a sweep: everything shared with the account is copied and
 * retention is applied.
 */
import { randomUUID } from 'node:crypto';
import { RDSClient } from '@aws-sdk/client-rds';
import type { Context } from 'aws-lambda';
import { ApiCallCounter } from '../runtime/api-counter';
import { SDK_CLIENT_CONFIG } from '../runtime/aws';
import { parseVaultConfig, VaultConfig } from '../runtime/config';
import { createLogger, describeError, Logger } from '../runtime/log';
import { runVaultPass, validateAnnouncement, VaultDeps, VaultPassSummary } from '../runtime/vault-pass';

const counter = new ApiCallCounter();
const rds = new RDSClient(SDK_CLIENT_CONFIG);
counter.attach(rds, 'rds');
const rdsByRegion = new Map<string, RDSClient>();

/** The vault's client in its own region; a client per other source region, made once. */
function rdsIn(region: string): RDSClient {
  if (region === process.env.AWS_REGION) return rds;
  let client = rdsByRegion.get(region);
  if (!client) {
    client = new RDSClient({ ...SDK_CLIENT_CONFIG, region });
    counter.attach(client, `rds@${region}`);
    rdsByRegion.set(region, client);
  }
  return client;
}

export interface VaultResult {
  readonly passId: string;
  readonly trigger: 'announcement' | 'sweep';
  readonly accepted: number;
  readonly rejected: number;
  readonly summaries: VaultPassSummary[];
  readonly durationMs: number;
  readonly apiCalls: Record<string, number>;
}

async function handleRecords(records: unknown[], config: VaultConfig, deps: VaultDeps, log: Logger) {
  let accepted = 0;
  let rejected = 0;
  const summaries: VaultPassSummary[] = [];
  const errors: unknown[] = [];
  for (const record of records) {
    const r = record as { EventSource?: unknown; Sns?: { TopicArn?: unknown; Message?: unknown; MessageId?: unknown } };
    const messageId = typeof r?.Sns?.MessageId === 'string' ? r.Sns.MessageId : undefined;
    const validation = r?.EventSource === 'aws:sns' && r.Sns
      ? validateAnnouncement(config, r.Sns.TopicArn, r.Sns.Message, deps.now())
      : { ok: false as const, reason: 'record is not an SNS notification' };
    if (!validation.ok) {
      // Rejected at once and not retried: a bad message stays bad.
      rejected += 1;
      log.log('error', 'message rejected', { event: 'message-rejected', reason: validation.reason, messageId, topicArn: typeof r?.Sns?.TopicArn === 'string' ? r.Sns.TopicArn : undefined });
      continue;
    }
    accepted += 1;
    const child = log.child({ messageId, snapshotArn: validation.snapshot.arn });
    child.log('info', 'announcement accepted', { event: 'message-accepted', database: validation.snapshot.database });
    try {
      summaries.push(await runVaultPass({ ...deps, log: child }, config, validation.snapshot));
    } catch (e) {
      errors.push(e);
      child.log('error', 'announcement could not be handled; Lambda retries it', { event: 'message-failed', ...describeError(e) });
    }
  }
  if (errors.length > 0) throw errors[0];
  return { accepted, rejected, summaries };
}

export async function handler(event: unknown, context?: Context): Promise<VaultResult> {
  const passId = randomUUID();
  const log = createLogger({ component: 'rds-snapshot-vault', passId });
  const started = Date.now();
  counter.take();
  const records = (event as { Records?: unknown })?.Records;
  const trigger = records !== undefined ? 'announcement' : 'sweep';
  log.log('info', 'pass started', { event: 'pass-started', trigger });
  try {
    const config = parseVaultConfig(process.env.VAULT_CONFIG);
    const deps: VaultDeps = {
      rds,
      rdsIn,
      log,
      now: () => new Date(),
      remainingMs: () => context?.getRemainingTimeInMillis?.() ?? Number.MAX_SAFE_INTEGER,
    };
    let out: { accepted: number; rejected: number; summaries: VaultPassSummary[] };
    if (trigger === 'announcement') {
      if (!Array.isArray(records)) {
        log.log('error', 'message rejected', { event: 'message-rejected', reason: 'event Records is not a list' });
        out = { accepted: 0, rejected: 1, summaries: [] };
      } else {
        out = await handleRecords(records, config, deps, log);
      }
    } else {
      out = { accepted: 0, rejected: 0, summaries: [await runVaultPass(deps, config)] };
    }
    const result: VaultResult = { passId, trigger, ...out, durationMs: Date.now() - started, apiCalls: counter.take() };
    log.log('info', 'pass finished', { event: 'pass-finished', ...result });
    return result;
  } catch (e) {
    log.log('error', 'pass failed', { event: 'pass-failed', ...describeError(e), apiCalls: counter.take() });
    throw e;
  }
}
