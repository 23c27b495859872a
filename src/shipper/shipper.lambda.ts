/**
 * The shipper's Lambda handler. Every invocation is one reconcile pass, whatever
 * woke it: the schedule, an RDS event, or a retry. The event only says why it
 * runs; what it does is decided from the state of the account.
 */
import { randomUUID } from 'node:crypto';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { ApiCallCounter } from '../runtime/api-counter';
import { SDK_CLIENT_CONFIG } from '../runtime/aws';
import { parseShipperConfig } from '../runtime/config';
import { shipperFocusOf } from '../runtime/events';
import { keyEpoch } from '../runtime/key-epoch';
import { describeError } from '../runtime/log';
import { shipperMetrics } from '../runtime/metric-names';
import { rdsByRegion } from '../runtime/regional-clients';
import { runShipperPass, ShipperPassSummary } from '../runtime/shipper-pass';
import { createTelemetry, publishMetrics, startPass } from '../runtime/telemetry';

const telemetry = createTelemetry('rds-snapshot-shipper');
const counter = new ApiCallCounter();
const rds = new RDSClient(SDK_CLIENT_CONFIG);
const sns = new SNSClient(SDK_CLIENT_CONFIG);
const kms = new KMSClient(SDK_CLIENT_CONFIG);
counter.attach(rds, 'rds');
counter.attach(sns, 'sns');
counter.attach(kms, 'kms');
/** RDS in the databases' Region, when the shipper copies out of another Region than its own; made once. */
const rdsIn = rdsByRegion(rds, counter, process.env.AWS_REGION);

/** What woke the pass, for the log: a schedule, an RDS event id, or something else. */
function triggerOf(event: any): Record<string, unknown> {
  if (event?.source === 'aws.events') return { trigger: 'schedule' };
  if (event?.source === 'aws.rds') return { trigger: 'rds-event', eventId: event?.detail?.EventID, sourceIdentifier: event?.detail?.SourceIdentifier };
  return { trigger: 'other' };
}

export interface ShipperResult extends ShipperPassSummary {
  readonly passId: string;
  /** What the pass read: the whole account (a sweep), or one database (an RDS event). */
  readonly scope: string;
  readonly durationMs: number;
  readonly apiCalls: Record<string, number>;
}

export async function handler(event: unknown, context?: Context): Promise<ShipperResult> {
  const passId = randomUUID();
  const log = startPass(telemetry, passId, context);
  const started = Date.now();
  counter.take();
  log.log('info', 'pass started', { event: 'pass-started', ...triggerOf(event) });
  try {
    const parsed = parseShipperConfig(process.env.SHIPPER_CONFIG);
    // A source Region that is the function's own is no copy across Regions.
    const config = parsed.sourceRegion === process.env.AWS_REGION ? { ...parsed, sourceRegion: undefined } : parsed;
    // An RDS event about one database wakes a pass over that database alone;
    // anything else (the schedule, a retry) wakes a sweep of the account.
    const focus = shipperFocusOf(event);
    // Only a sweep judges who is behind: it reads the epoch, once per execution environment.
    const epoch = focus ? undefined : await keyEpoch(kms, config.shippingKeyArn, log);
    const summary = await runShipperPass(
      {
        rds,
        ...(config.sourceRegion ? { databasesRds: rdsIn(config.sourceRegion) } : {}),
        sns,
        ...(epoch ? { epoch } : {}),
        log,
        now: () => new Date(),
        remainingMs: () => context?.getRemainingTimeInMillis?.() ?? Number.MAX_SAFE_INTEGER,
      },
      config,
      focus,
    );
    const durationMs = Date.now() - started;
    const result = { passId, scope: focus ? `database ${focus.database}` : 'account', ...summary, durationMs, apiCalls: counter.take() };
    log.log(summary.failures > 0 ? 'warn' : 'info', 'pass finished', { event: 'pass-finished', ...result });
    publishMetrics(telemetry, config.ownerId, shipperMetrics(summary, new Date(), durationMs));
    return result;
  } catch (e) {
    // Gathering state failed, or the configuration is broken: nothing was
    // decided. Fail the invocation so Lambda retries it and, in the end, sends
    // it to the dead-letter queue.
    log.log('error', 'pass failed before it could plan', { event: 'pass-failed', ...describeError(e), apiCalls: counter.take() });
    throw e;
  }
}
