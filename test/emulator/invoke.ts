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
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: opts.region ?? REGION,
    AWS_DEFAULT_REGION: opts.region ?? REGION,
    AWS_ACCESS_KEY_ID: opts.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: opts.credentials.secretAccessKey,
    ...(opts.credentials.sessionToken ? { AWS_SESSION_TOKEN: opts.credentials.sessionToken } : {}),
    AWS_ENDPOINT_URL: opts.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_UA_APP_ID: handlerName(handler),
    ...opts.environment,
  };
}

export async function invokeBundled<T = any>(handler: BundledHandler, event: unknown, opts: InvokeOptions): Promise<Invocation<T>> {
  const env = { ...lambdaEnvironment(handler, opts), __INVOKE_TIMEOUT_MS: String(opts.timeoutMs ?? 300_000) };
  const child = spawn(process.execPath, ['--enable-source-maps', '-e', RUNNER, assetPath(handler), RESULT_MARK], { env, cwd: PROJECT_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  // The event goes in on stdin: SNS bodies up to 256 KiB would not fit in an environment variable.
  child.stdin.end(JSON.stringify(event));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const code: number = await new Promise((resolve) => child.on('close', resolve));
  const logs: any[] = [];
  const emf: any[] = [];
  const other: string[] = [];
  let outcome: { result?: T; error?: string } | undefined;
  // Powertools writes warnings and errors to stderr, the rest to stdout.
  for (const line of [...stdout.split('\n'), ...stderr.split('\n')]) {
    if (line.startsWith(RESULT_MARK)) {
      outcome = JSON.parse(line.slice(RESULT_MARK.length));
      continue;
    }
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
  if (!outcome) throw new Error(`${handler} exited with ${code} without a result:\n${stderr}\n${stdout}`);
  return { ...outcome, logs, emf, other };
}
