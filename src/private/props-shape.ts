/**
 * Checks of the props' shapes at run time. Callers in JavaScript, and in
 * Python, Java and Go through jsii, can pass what the TypeScript types forbid:
 * a number for a Duration, a single key for a list, an imported database with
 * no identifier. Each check answers with an error that names the prop, where
 * the code that uses the prop would throw a `TypeError`.
 */
import { Construct } from 'constructs';
import { FailsafeFunctionProps, SnapshotHandlerProps } from '../capacity';
import { AgeAlarmOptions, AlarmOptions, CountAlarmOptions, ShipperAlarmsOptions, VaultAlarmsOptions } from '../monitoring';

/** A check of one prop; `path` names it in the error. Absent values (undefined) are not checked. */
export type Check = (value: unknown, path: string, fail: (message: string) => never) => void;

/** A check for every prop of `T`: a prop added without one does not compile. */
export type Shape<T> = { readonly [K in keyof Required<T>]: Check };

/** What a value is, for an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string': return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
    case 'number': case 'boolean': case 'bigint': return `the ${typeof value} ${String(value)}`;
    case 'object': return `an object${value.constructor && value.constructor !== Object ? ` (${value.constructor.name})` : ''}`;
    default: return `a ${typeof value}`;
  }
}

/** A check of present values that fails with `must be <expected>` unless `test` holds. */
function present(expected: string, test: (value: unknown) => boolean): Check {
  return (value, path, fail) => {
    if (value === undefined) return;
    if (!test(value)) fail(`${path} must be ${expected}, got ${describeValue(value)}`);
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const str: Check = present('a string', (v) => typeof v === 'string');
export const num: Check = present('a number', (v) => typeof v === 'number' && !Number.isNaN(v));
export const bool: Check = present('true or false', (v) => typeof v === 'boolean');
/** A `Duration` (tested by its methods, so that a second copy of aws-cdk-lib passes too). */
export const duration: Check = present('a Duration (for example Duration.hours(2))',
  (v) => isObject(v) && typeof v.toMilliseconds === 'function' && typeof v.toHumanString === 'function');
/** An object of any shape, for props passed on to aws-cdk-lib as they are. */
export const object: Check = present('an object', isObject);

/** A required prop. */
export function required(check: Check): Check {
  return (value, path, fail) => {
    if (value === undefined) fail(`${path} is required`);
    check(value, path, fail);
  };
}

/** A list whose every element passes `check`. */
export function listOf(check: Check): Check {
  return (value, path, fail) => {
    if (value === undefined) return;
    if (!Array.isArray(value)) fail(`${path} must be a list, got ${describeValue(value)}`);
    (value as unknown[]).forEach((element, i) => {
      if (element === undefined || element === null) fail(`${path}[${i}] is ${String(element)}`);
      check(element, `${path}[${i}]`, fail);
    });
  };
}

/** A map of strings to values that pass `check`. */
export function recordOf(check: Check): Check {
  return (value, path, fail) => {
    if (value === undefined) return;
    if (!isObject(value)) fail(`${path} must be a map, got ${describeValue(value)}`);
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) check(v, `${path}.${key}`, fail);
  };
}

/** A struct: an object whose props pass their checks. */
export function struct<T>(shape: Shape<T>): Check {
  return (value, path, fail) => {
    if (value === undefined) return;
    if (!isObject(value)) fail(`${path} must be an object, got ${describeValue(value)}`);
    checkProps(value as Record<string, unknown>, shape, path, fail);
  };
}

/**
 * An object known by the string attributes the library reads from it: `what`
 * names it in the error, for example `a schedule (events.Schedule)`.
 */
export function reference(what: string, ...attributes: string[]): Check {
  return (value, path, fail) => {
    if (value === undefined) return;
    if (!isObject(value)) fail(`${path} must be ${what}, got ${describeValue(value)}`);
    for (const attribute of attributes) {
      const a = (value as Record<string, unknown>)[attribute];
      if (typeof a !== 'string') fail(`${path} must be ${what} with a ${attribute}, got one whose ${attribute} is ${describeValue(a)}`);
    }
  };
}

/** Checks every prop of `props` against `shape`; null counts as a wrong value, not as absent. */
export function checkProps<T>(props: unknown, shape: Shape<T>, path: string, fail: (message: string) => never): void {
  if (!isObject(props)) fail(`${path || 'props'} must be an object, got ${describeValue(props)}`);
  const values = props as Record<string, unknown>;
  for (const [name, check] of Object.entries(shape) as Array<[string, Check]>) {
    const prop = path ? `${path}.${name}` : name;
    if (values[name] === null) fail(`${prop} must be left out rather than null`);
    check(values[name], prop, fail);
  }
}

/**
 * A construct, such as a resource made or imported in the app, with the
 * string attributes the library reads from it: a plain object with the same
 * attributes is refused, since the library reads its construct tree too.
 */
export function construct(what: string, ...attributes: string[]): Check {
  const shape = reference(what, ...attributes);
  return (value, path, fail) => {
    if (value === undefined) return;
    if (isObject(value) && !Construct.isConstruct(value)) fail(`${path} must be ${what}, made or imported in the app, got a plain object`);
    shape(value, path, fail);
  };
}

export const key = construct('a KMS key (kms.IKey)', 'keyArn');
export const topic = construct('an SNS topic (sns.ITopic)', 'topicArn');
export const schedule = reference('a schedule (events.Schedule)', 'expressionString');
export const lambdaFunction = construct('a Lambda function (lambda.IFunction)', 'functionArn');

/** The props every construct takes (FailsafeFunctionProps). */
export const FUNCTION_SHAPE: Shape<FailsafeFunctionProps> = {
  memorySize: num,
  logRetention: num,
  alarmTopic: topic,
};

/** The props the shipper and the vault take (SnapshotHandlerProps). */
export const HANDLER_SHAPE: Shape<SnapshotHandlerProps> = {
  ...FUNCTION_SHAPE,
  maxCopiesInFlight: num,
  maxClusterCopiesInFlight: num,
  manualSnapshotQuota: num,
  manualSnapshotHeadroom: num,
  timeout: duration,
  dashboard: bool,
  dashboardName: str,
};

/** The options every alarm takes (AlarmOptions and its kinds). */
export const alarm = struct<AlarmOptions>({ enabled: bool });
export const countAlarm = struct<CountAlarmOptions>({ enabled: bool, period: duration, threshold: num });
export const ageAlarm = struct<AgeAlarmOptions>({ enabled: bool, maxAge: duration });

/** The shipper's alarms. */
export const SHIPPER_ALARMS_SHAPE: Shape<ShipperAlarmsOptions> = {
  announcements: ageAlarm,
  databasesBehind: ageAlarm,
  failures: countAlarm,
  handlerErrors: countAlarm,
  deadLetterQueue: alarm,
};

/** The vault's alarms. */
export const VAULT_ALARMS_SHAPE: Shape<VaultAlarmsOptions> = {
  recoveryPoint: ageAlarm,
  failures: countAlarm,
  rejectedMessages: countAlarm,
  databasesBehind: ageAlarm,
  manifest: ageAlarm,
  refusedSnapshots: countAlarm,
  lineageChanged: countAlarm,
  sourceBudget: countAlarm,
  quotaUse: countAlarm,
  handlerErrors: countAlarm,
  deadLetterQueue: alarm,
};
