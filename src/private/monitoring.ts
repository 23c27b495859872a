/**
 * Alarms and dashboards over the metrics the handlers publish (see
 * runtime/metric-names.ts, which both sides read).
 */
import {
  Duration,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cw_actions,
  aws_events as events,
  aws_lambda as lambda,
  aws_sns as sns,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { addNagSuppressions } from './nag';
import { PropsValidator } from './reconciler';
import { AgeAlarmOptions, AlarmOptions, CountAlarmOptions } from '../monitoring';
import { METRICS_NAMESPACE, SERVICE_DIMENSION } from '../runtime/metric-names';

export const DEFAULT_MAX_AGE = Duration.hours(26);

/**
 * The default `maxAge` of the age alarms of a shipper, or of a vault's source,
 * with a recovery point every `interval`: the interval plus 2 hours for the
 * snapshot, the copy and a sweep to pass. For daily shipping (no interval, or
 * 24 hours) that is DEFAULT_MAX_AGE, 26 hours.
 */
export function recoveryPointMaxAge(interval: Duration | undefined): Duration {
  const hours = interval && !interval.isUnresolved() ? Math.min(interval.toHours(), 24) : 24;
  return Duration.hours(hours + 2);
}
const HOUR = Duration.hours(1);
/** CloudWatch evaluates at most 7 days of periods of an hour or longer (PutMetricAlarm). */
const MAX_EVALUATION_HOURS = 168;

/** A metric of one construct: its `service` dimension is the construct's owner id. */
export function failsafeMetric(
  ownerId: string, metricName: string, statistic: string, period: Duration, dimensions: Record<string, string> = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    statistic,
    period,
    dimensionsMap: { [SERVICE_DIMENSION]: ownerId, ...dimensions },
  });
}

/**
 * A SEARCH for one metric of one construct across the values of `dimensions`
 * (for example one series per source database), for dashboards.
 */
export function failsafeSearch(
  ownerId: string, metricName: string, dimensions: string[], statistic: string, label: string, scale = 1,
): cloudwatch.MathExpression {
  const schema = [METRICS_NAMESPACE, SERVICE_DIMENSION, ...dimensions].join(',');
  const search = `SEARCH('{${schema}} MetricName="${metricName}" ${SERVICE_DIMENSION}="${ownerId}"', '${statistic}', 3600)`;
  return new cloudwatch.MathExpression({ expression: scale === 1 ? search : `${search}/${scale}`, label, period: HOUR, usingMetrics: {} });
}

/** Checks alarm options and names the prop in every message. */
export function validateAlarmOptions(v: PropsValidator, prefix: string, options: object | undefined): void {
  for (const [name, o] of Object.entries((options ?? {}) as Record<string, AlarmOptions | undefined>)) {
    if (!o) continue;
    const prop = `${prefix}.${name}`;
    const count = o as CountAlarmOptions;
    if (count.period && !count.period.isUnresolved()) {
      const s = count.period.toSeconds();
      if (s < 60 || s > 86_400 || s % 60 !== 0) v.fail(`${prop}.period must be whole minutes from 1 minute to 1 day, got ${count.period.toHumanString()}`);
    }
    v.wholeNumber(`${prop}.threshold`, count.threshold, 1, 1_000_000);
    const age = o as AgeAlarmOptions;
    if (age.maxAge && !age.maxAge.isUnresolved()) {
      const s = age.maxAge.toSeconds();
      if (s % 3600 !== 0 || s < 2 * 3600 || s > MAX_EVALUATION_HOURS * 3600) {
        v.fail(`${prop}.maxAge must be whole hours from 2 hours to 7 days, got ${age.maxAge.toHumanString()}`);
      }
    }
  }
}

/**
 * How long a schedule may leave between two runs: the interval of a `rate()`
 * expression; for a cron expression, an hour when its hour field is `*`, N
 * hours for `*\/N`, and otherwise a day (a weekly or monthly cron is not
 * told apart from a daily one).
 */
export function scheduleInterval(schedule: events.Schedule): Duration {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule.expressionString);
  if (rate) {
    const n = Number(rate[1]);
    return rate[2].startsWith('minute') ? Duration.minutes(n) : rate[2].startsWith('hour') ? Duration.hours(n) : Duration.days(n);
  }
  const hour = /^cron\(\S+ (\S+) /.exec(schedule.expressionString)?.[1];
  if (hour === '*') return Duration.hours(1);
  const every = hour ? /^(?:\*|0)\/(\d+)$/.exec(hour) : null;
  if (every) return Duration.hours(Number(every[1]));
  return Duration.days(1);
}

/** Creates alarms that notify an optional topic, and records them. */
export class AlarmFactory {
  public readonly alarms: cloudwatch.Alarm[] = [];

  constructor(private readonly scope: Construct, private readonly what: string, private readonly topic?: sns.ITopic) {}

  /** Fires when the sum of `metric` over one period reaches the threshold; no data is no failure. */
  public count(
    id: string, o: CountAlarmOptions | undefined, metric: (period: Duration) => cloudwatch.IMetric, description: string,
  ): cloudwatch.Alarm | undefined {
    if (o?.enabled === false) return undefined;
    const period = o?.period ?? HOUR;
    const threshold = o?.threshold ?? 1;
    return this.add(new cloudwatch.Alarm(this.scope, id, {
      alarmDescription: `${this.what}: ${description} (${threshold} or more in ${period.toHumanString()})`,
      metric: metric(period),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }));
  }

  /**
   * Fires when an age reported every hour or so passes `maxAge` in
   * `silentHours` hours running (at least 2). The handler reports the age on
   * every pass, counting from its epoch what has no recovery point yet, so a
   * fresh deployment reports small ages and a chain that never works passes
   * `maxAge` once that has passed since the deployment. Missing data is
   * missing (see `silent`).
   */
  public age(
    id: string, o: AgeAlarmOptions | undefined, metric: cloudwatch.IMetric, silentHours: number, description: string,
  ): cloudwatch.Alarm | undefined {
    if (o?.enabled === false) return undefined;
    const maxAge = o?.maxAge ?? DEFAULT_MAX_AGE;
    const periods = Math.min(MAX_EVALUATION_HOURS, Math.max(2, silentHours));
    return this.silent(new cloudwatch.Alarm(this.scope, id, {
      alarmDescription: `${this.what}: ${description} (older than ${maxAge.toHumanString()} in ${periods} hours running; INSUFFICIENT_DATA once nothing is reported)`,
      metric,
      threshold: maxAge.toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    }));
  }

  /**
   * Fires when a count that a pass reports as its Maximum (for example the
   * databases behind) is 1 or more in `hours` hours running. Missing data is
   * missing (see `silent`).
   */
  public anyFor(
    id: string, o: AlarmOptions | undefined, metric: cloudwatch.IMetric, hours: number, description: string,
  ): cloudwatch.Alarm | undefined {
    if (o?.enabled === false) return undefined;
    return this.silent(new cloudwatch.Alarm(this.scope, id, {
      alarmDescription: `${this.what}: ${description} (in ${hours} hours running; INSUFFICIENT_DATA once nothing is reported)`,
      metric,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: hours,
      datapointsToAlarm: hours,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    }));
  }

  /**
   * Fires when the last value reported (for example a verdict on a manifest
   * that comes once a day) is 1 or more, and stays so until a value under 1
   * comes: missing data keeps the state.
   */
  public lastValue(id: string, o: AlarmOptions | undefined, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm | undefined {
    if (o?.enabled === false) return undefined;
    return this.add(new cloudwatch.Alarm(this.scope, id, {
      alarmDescription: `${this.what}: ${description}`,
      metric,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    }));
  }

  /**
   * Fires when a count that every pass reports, zero included, is 0 in every
   * hour for `maxAge`: hours with no report do not count towards it, so a
   * fresh deployment alarms only once it has reported zeros for `maxAge`.
   * Missing data is missing (see `silent`).
   */
  public absence(id: string, o: AgeAlarmOptions | undefined, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm | undefined {
    if (o?.enabled === false) return undefined;
    const maxAge = o?.maxAge ?? DEFAULT_MAX_AGE;
    const periods = maxAge.toHours();
    return this.silent(new cloudwatch.Alarm(this.scope, id, {
      alarmDescription: `${this.what}: ${description} (nothing for ${maxAge.toHumanString()}; INSUFFICIENT_DATA once nothing is reported)`,
      metric,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    }));
  }

  /** Handler errors, as Lambda counts them. */
  public handlerErrors(o: CountAlarmOptions | undefined, fn: lambda.IFunction): cloudwatch.Alarm | undefined {
    return this.count('HandlerErrorsAlarm', o, (period) => fn.metricErrors({ period, statistic: 'Sum' }), 'invocations of the reconcile function failed');
  }

  /** Any message in the dead-letter queue. */
  public deadLetters(o: AlarmOptions | undefined, queue: sqs.IQueue): cloudwatch.Alarm | undefined {
    if (o?.enabled === false) return undefined;
    return this.add(new cloudwatch.Alarm(this.scope, 'DeadLetterQueueAlarm', {
      alarmDescription: `${this.what}: messages in the dead-letter queue, which the function could not handle after every retry; inspect and redrive them`,
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }));
  }

  /**
   * An alarm over a metric the handler reports on every pass. CloudWatch
   * treats the hours before an alarm existed as missing unless the metric was
   * reported then, so an alarm that took missing data as breaching would fire
   * on the first deployment, before the first pass had reported. Missing data
   * is therefore missing: a new alarm waits in INSUFFICIENT_DATA (its initial
   * state, which notifies no one) until the first report, and a handler that
   * stops reporting sends the alarm from OK or ALARM to INSUFFICIENT_DATA,
   * which notifies the topic like ALARM does.
   */
  private silent(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    if (this.topic) alarm.addInsufficientDataAction(new cw_actions.SnsAction(this.topic));
    return this.add(alarm);
  }

  private add(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    if (this.topic) {
      alarm.addAlarmAction(new cw_actions.SnsAction(this.topic));
      alarm.addOkAction(new cw_actions.SnsAction(this.topic));
    } else {
      addNagSuppressions(alarm, [{
        id: 'NIST.800.53.R5-CloudWatchAlarmAction',
        reason: 'No alarmTopic was passed: the alarm is exposed as a public property for the user to wire to their own actions.',
      }]);
    }
    this.alarms.push(alarm);
    return alarm;
  }
}

/** The dashboard's alarm status widget and its header. */
export function alarmStatusRow(title: string, alarms: cloudwatch.IAlarm[]): cloudwatch.IWidget[] {
  return [
    new cloudwatch.TextWidget({ markdown: `# ${title}`, width: 24, height: 1 }),
    ...(alarms.length > 0 ? [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: 3 })] : []),
  ];
}
