/**
 * Runs a handler exactly as shipped: the esbuild bundle in `assets/`, in its own
 * Node.js process (as Lambda does), with only the environment Lambda would give
 * it plus the emulator endpoint. Its JSON log lines are captured for assertions.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Credentials, PROJECT_ROOT, REGION } from './emulator';

export type BundledHandler = 'shipper/shipper.lambda' | 'vault/vault.lambda' | 'drill/drill.lambda';

export interface Invocation<T = any> {
  /** What the handler returned, or undefined if it threw. */
  readonly result?: T;
  /** The error message, if the handler threw. */
  readonly error?: string;
  /** Its JSON log lines (stdout and stderr), parsed. EMF documents are not among them. */
  readonly logs: any[];
  /** Lines that are not JSON, such as warnings Node.js or the SDK print. */
  readonly other: string[];
  /** The CloudWatch embedded metric format documents it wrote. */
  readonly emf: any[];
}

const RESULT_MARK = '__CDK_RDS_FAILSAFE_RESULT__';

const RUNNER = `
const [asset, mark] = process.argv.slice(1);
const event = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const deadline = Date.now() + Number(process.env.__INVOKE_TIMEOUT_MS);
const context = { awsRequestId: 'local', functionName: 'local', getRemainingTimeInMillis: () => deadline - Date.now() };
Promise.resolve()
  .then(() => require(asset).handler(event, context))
  .then((result) => { process.stdout.write('\\n' + mark + JSON.stringify({ result: result === undefined ? null : result }) + '\\n'); })
  .catch((e) => { process.stdout.write('\\n' + mark + JSON.stringify({ error: String(e && e.message || e) }) + '\\n'); });
`;

export interface InvokeOptions {
  readonly endpoint: string;
  readonly credentials: Credentials;
  /** The function's own environment variables (for example SHIPPER_CONFIG). */
  readonly environment: Record<string, string>;
  /** What `context.getRemainingTimeInMillis()` starts from. */
  readonly timeoutMs?: number;
  /** The function's region. @default REGION */
  readonly region?: string;
  /**
   * The time the handler's clock reads when its process starts, and advances
   * from (clock-preload.js): `Date.now()`, `new Date()` and `Date()`. Set
   * RDS's clock to match with `emulator.setClock`. @default the real time
   */
  readonly clock?: Date;
  /**
   * The application id the SDK names in its user agent (AWS_SDK_UA_APP_ID),
   * by which the emulator's recorder tells the handlers apart: letters only.
   * @default the handler's name (`handlerName`)
   */
  readonly appId?: string;
}

/** The handler's short name: `shipper` or `vault`. */
export function handlerName(handler: BundledHandler): string {
  return handler.split('/')[0];
}

export function assetPath(handler: BundledHandler): string {
  const file = path.join(PROJECT_ROOT, 'assets', handler, 'index.js');
  if (!fs.existsSync(file)) throw new Error(`${path.relative(PROJECT_ROOT, file)} is missing: run "npx projen bundle"`);
  return file;
}

/**
 * The environment Lambda would give the function, plus the emulator endpoint
 * and the function's own variables. The SDK names the handler in its user
 * agent (`app/shipper`, `app/vault`), so that the emulator can tell the
 * handler's calls from the test's own (recorder.py).
 */
export function lambdaEnvironment(handler: BundledHandler, opts: InvokeOptions): Record<string, string> {
  return lambdaEnvironmentOf(opts.appId ?? handlerName(handler), opts);
}

function lambdaEnvironmentOf(appId: string, opts: InvokeOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: opts.region ?? REGION,
    AWS_DEFAULT_REGION: opts.region ?? REGION,
    AWS_ACCESS_KEY_ID: opts.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: opts.credentials.secretAccessKey,
    ...(opts.credentials.sessionToken ? { AWS_SESSION_TOKEN: opts.credentials.sessionToken } : {}),
    AWS_ENDPOINT_URL: opts.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_UA_APP_ID: appId,
    ...opts.environment,
  };
}

/** The preload that shifts the clock of a handler's process (`clock`). */
export const CLOCK_PRELOAD = path.join(__dirname, 'clock-preload.js');

/** The arguments and environment that start a process whose clock reads `clock` (clock-preload.js), or the real time. */
export function clockOf(clock: Date | undefined): { args: string[]; env: Record<string, string> } {
  if (clock === undefined) return { args: [], env: {} };
  if (Number.isNaN(clock.getTime())) throw new Error('clock: invalid date');
  return { args: ['--require', CLOCK_PRELOAD], env: { FAILSAFE_SIMULATED_CLOCK: clock.toISOString() } };
}

export async function invokeBundled<T = any>(handler: BundledHandler, event: unknown, opts: InvokeOptions): Promise<Invocation<T>> {
  return invokeFile<T>(assetPath(handler), event, { ...opts, appId: opts.appId ?? handlerName(handler) });
}

/**
 * Runs the handler that `file` exports as `invokeBundled` runs a bundled one,
 * in the environment Lambda would give it: for a stand-in handler in the
 * emulator's own tests. Its application id is `appId`, or `handler`.
 */
export async function invokeFile<T = any>(file: string, event: unknown, opts: InvokeOptions): Promise<Invocation<T>> {
  const clock = clockOf(opts.clock);
  const env = { ...lambdaEnvironmentOf(opts.appId ?? 'handler', opts), ...clock.env, __INVOKE_TIMEOUT_MS: String(opts.timeoutMs ?? 300_000) };
  const args = ['--enable-source-maps', ...clock.args, '-e', RUNNER, file, RESULT_MARK];
  const child = spawn(process.execPath, args, { env, cwd: PROJECT_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  // The event goes in on stdin: SNS bodies up to 256 KiB would not fit in an environment variable.
  child.stdin.end(JSON.stringify(event));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const code: number = await new Promise((resolve) => child.on('close', resolve));
  let outcome: { result?: T; error?: string } | undefined;
  // Powertools writes warnings and errors to stderr, the rest to stdout.
  const lines = [...stdout.split('\n'), ...stderr.split('\n')].filter((line) => {
    if (!line.startsWith(RESULT_MARK)) return true;
    outcome = JSON.parse(line.slice(RESULT_MARK.length));
    return false;
  });
  if (!outcome) throw new Error(`${path.relative(PROJECT_ROOT, file)} exited with ${code} without a result:\n${stderr}\n${stdout}`);
  return { ...outcome, ...outputOf(lines) };
}

/** A handler's output lines: its JSON log lines, its EMF documents, and the rest. */
function outputOf(lines: readonly string[]): Pick<Invocation, 'logs' | 'emf' | 'other'> {
  const logs: any[] = [];
  const emf: any[] = [];
  const other: string[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    let parsed: any;
    try {
      parsed = JSON.parse(line);
    } catch {
      other.push(line);
      continue;
    }
    if (parsed && typeof parsed === 'object' && '_aws' in parsed) emf.push(parsed);
    else logs.push(parsed);
  }
  return { logs, emf, other };
}

const WARM_MARK = '__CDK_RDS_FAILSAFE_WARM_INVOCATION__';

// Each line on stdin is an invocation: the event, and the time the clock is set to (null: the real time). The handler's
// stderr goes to stdout, so that its lines come in order, before the invocation's result.
const WARM_RUNNER = `
const [asset, mark] = process.argv.slice(1);
process.stderr.write = process.stdout.write.bind(process.stdout);
const setClock = globalThis[Symbol.for('cdk-rds-failsafe.emulator.set-clock')];
const handler = require(asset).handler;
const lines = require('readline').createInterface({ input: process.stdin });
(async () => {
  for await (const line of lines) {
    const { event, clock } = JSON.parse(line);
    setClock(clock);
    const deadline = Date.now() + Number(process.env.__INVOKE_TIMEOUT_MS);
    const context = { awsRequestId: 'local', functionName: 'local', getRemainingTimeInMillis: () => deadline - Date.now() };
    const out = await Promise.resolve().then(() => handler(event, context))
      .then((result) => ({ result: result === undefined ? null : result }), (e) => ({ error: String(e && e.message || e) }));
    process.stdout.write('\\n' + mark + JSON.stringify(out) + '\\n');
  }
})();
`;

/**
 * A warm Lambda execution environment of a bundled handler: one process, which
 * loads the bundle once and handles the invocations it is given one after
 * another, as Lambda reuses an environment, each with its own clock
 * (clock-preload.js). An invocation is what `invokeBundled` returns, at a
 * fraction of its cost: for the drill's many passes on a simulated clock.
 */
export interface WarmBundled {
  /** Invokes the handler, whose clock reads `clock` (the real time if undefined); one invocation at a time. */
  invoke<T = any>(event: unknown, clock?: Date): Promise<Invocation<T>>;
  stop(): void;
}

export function startWarmBundled(handler: BundledHandler, opts: InvokeOptions): WarmBundled {
  const env = { ...lambdaEnvironment(handler, opts), __INVOKE_TIMEOUT_MS: String(opts.timeoutMs ?? 300_000) };
  const child = spawn(process.execPath, ['--enable-source-maps', '--require', CLOCK_PRELOAD, '-e', WARM_RUNNER, assetPath(handler), WARM_MARK], {
    env, cwd: PROJECT_ROOT, stdio: ['pipe', 'pipe', 'pipe'],
  });
  let buffered = '';
  let lines: string[] = [];
  let exited = '';
  const waiting: Array<{ resolve: (i: Invocation) => void; reject: (e: Error) => void }> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.startsWith(WARM_MARK)) {
        lines.push(line);
        continue;
      }
      const outcome = JSON.parse(line.slice(WARM_MARK.length));
      const output = outputOf(lines);
      lines = [];
      waiting.shift()?.resolve({ ...outcome, ...output });
    }
  });
  // Only what Node.js itself writes before the runner starts.
  child.stderr.on('data', (chunk: Buffer) => { lines.push(...chunk.toString().split('\n')); });
  child.on('exit', (code) => {
    exited = `${handler} exited with ${code}:\n${lines.join('\n')}${buffered}`;
    for (const w of waiting.splice(0)) w.reject(new Error(exited));
  });
  return {
    invoke: (event, clock) => new Promise((resolve, reject) => {
      if (exited) return reject(new Error(exited));
      if (clock !== undefined && Number.isNaN(clock.getTime())) return reject(new Error('clock: invalid date'));
      waiting.push({ resolve, reject });
      child.stdin.write(JSON.stringify({ event, clock: clock?.toISOString() ?? null }) + '\n');
    }),
    stop: () => {
      child.stdin.end();
      child.kill();
    },
  };
}
