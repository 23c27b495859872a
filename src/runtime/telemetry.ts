/**
 * Logs and metrics through Powertools for AWS Lambda (TypeScript): the Logger
 * writes one JSON object per line, and Metrics writes CloudWatch embedded
 * metric format (EMF) documents, which CloudWatch Logs turns into metrics
 * without a PutMetricData call. Handlers only; bundled into the assets.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { Logger } from './log';
import { MetricDatum, METRICS_NAMESPACE, MetricUnitName } from './metric-names';

const UNITS: Record<MetricUnitName, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  Count: MetricUnit.Count,
  Seconds: MetricUnit.Seconds,
  Milliseconds: MetricUnit.Milliseconds,
  Percent: MetricUnit.Percent,
};

/** The pass's `Logger`, written by a Powertools Logger; a child adds persistent keys. */
export function powertoolsLogger(pt: PowertoolsLogger): Logger {
  return {
    log(level, message, fields = {}) {
      const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
      pt[level](message, defined);
    },
    child(fields) {
      return powertoolsLogger(pt.createChild({ persistentKeys: fields }));
    },
  };
}

export interface Telemetry {
  readonly logger: PowertoolsLogger;
  /** The Metrics whose `service` dimension is the given owner id, made once. */
  metrics(service: string): Metrics;
}

/**
 * The handler's Logger and Metrics, made once per execution environment. The
 * service name is the construct's owner id (set in POWERTOOLS_SERVICE_NAME by
 * the construct); the fallback only names logs written before that is known.
 */
export function createTelemetry(fallbackService: string): Telemetry {
  const serviceName = process.env.POWERTOOLS_SERVICE_NAME || fallbackService;
  const byService = new Map<string, Metrics>();
  return {
    logger: new PowertoolsLogger({ serviceName }),
    metrics(service) {
      let m = byService.get(service);
      if (!m) {
        m = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });
        byService.set(service, m);
      }
      return m;
    },
  };
}

/**
 * Starts a pass: the pass id becomes the log's correlation id, and the Lambda
 * context (request id, cold start) is added to every line.
 */
export function startPass(t: Telemetry, passId: string, context: Context | undefined): Logger {
  if (context) t.logger.addContext(context);
  t.logger.setCorrelationId(passId);
  return powertoolsLogger(t.logger);
}

/**
 * Publishes a pass's metrics under the construct's `service` dimension. Values
 * without dimensions go out together in one EMF document; each value with
 * dimensions goes out in its own, so that it carries exactly those.
 */
export function publishMetrics(t: Telemetry, service: string, data: readonly MetricDatum[]): void {
  const metrics = t.metrics(service);
  for (const d of data) {
    if (d.dimensions) {
      const single = metrics.singleMetric();
      single.addDimensions({ ...d.dimensions });
      single.addMetric(d.name, UNITS[d.unit], d.value);
    } else {
      metrics.addMetric(d.name, UNITS[d.unit], d.value);
    }
  }
  metrics.publishStoredMetrics();
}
