/**
 * The restore drill's Lambda handler. The drill's schedule starts restores of
 * the least recently drilled databases; the sweep, and RDS events about what
 * the drill restored, advance every drill in flight by one step: from
 * restoring to available, to validated, to deleted. Nothing waits inside the
 * invocation.
 */
import { randomUUID } from 'node:crypto';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import type { Context } from 'aws-lambda';
import { ApiCallCounter } from '../runtime/api-counter';
import { SDK_CLIENT_CONFIG } from '../runtime/aws';
import { parseDrillConfig } from '../runtime/drill-config';
import { drillMetrics } from '../runtime/drill-metrics';
import { DrillPassSummary, drillRunOf, drillTriggerOf, runDrillPass } from '../runtime/drill-pass';
import { describeError } from '../runtime/log';
import { createTelemetry, publishMetrics, startPass } from '../runtime/telemetry';
import { invokeValidation } from '../runtime/validation';

const telemetry = createTelemetry('rds-restore-drill');
const counter = new ApiCallCounter();
const rds = new RDSClient(SDK_CLIENT_CONFIG);
counter.attach(rds, 'rds');
// One attempt: a validation that failed or timed out is a verdict, not something to retry.
const lambda = new LambdaClient({ ...SDK_CLIENT_CONFIG, maxAttempts: 1 });
counter.attach(lambda, 'lambda');

export interface DrillResult extends Omit<DrillPassSummary, 'census'> {
  readonly passId: string;
  /** The databases counted by the census, when the pass took one. */
  readonly censusDatabases?: number;
  readonly durationMs: number;
  readonly apiCalls: Record<string, number>;
}

export async function handler(event: unknown, context?: Context): Promise<DrillResult> {
  const passId = randomUUID();
  const log = startPass(telemetry, passId, context);
  const started = Date.now();
  counter.take();
  const trigger = drillTriggerOf(event);
  log.log('info', 'pass started', { event: 'pass-started', trigger });
  try {
    const config = parseDrillConfig(process.env.DRILL_CONFIG);
    const validationFunction = config.validationFunction;
    const summary = await runDrillPass({
      rds,
      log,
      now: () => new Date(),
      remainingMs: () => context?.getRemainingTimeInMillis?.() ?? Number.MAX_SAFE_INTEGER,
      ...(validationFunction
        ? { validate: (request) => invokeValidation(lambda, validationFunction, request, config.validationTimeoutMs ?? 300_000) }
        : {}),
    }, config, trigger, trigger === 'drill' ? drillRunOf(event, new Date()) : undefined);
    const durationMs = Date.now() - started;
    const { census, ...reported } = summary;
    const result: DrillResult = {
      passId, ...reported, ...(census ? { censusDatabases: census.length } : {}), durationMs, apiCalls: counter.take(),
    };
    publishMetrics(telemetry, config.ownerId, drillMetrics(summary, config.maxAgeMs, new Date(), durationMs));
    log.log('info', 'pass finished', { event: 'pass-finished', ...result });
    return result;
  } catch (e) {
    log.log('error', 'pass failed', { event: 'pass-failed', ...describeError(e), apiCalls: counter.take() });
    throw e;
  }
}
