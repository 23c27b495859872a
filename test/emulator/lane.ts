/**
 * A warm Lambda execution environment for the bundled handler: one Node.js
 * process that loads the bundle once and handles the events it is given one
 * after another, as Lambda reuses an environment. N of them are N concurrent
 * executions: how the tests model the vault's announcement lane, whose event
 * source mapping runs at most `announcementConcurrency` batches at once (the
 * emulator runs no event source mappings of its own).
 */
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { assetPath, BundledHandler, InvokeOptions, lambdaEnvironment } from './invoke';

const MARK = '__CDK_RDS_FAILSAFE_WARM_RESULT__';

const RUNNER = `
const [asset, mark] = process.argv.slice(1);
const handler = require(asset).handler;
const lines = require('readline').createInterface({ input: process.stdin });
(async () => {
  for await (const line of lines) {
    const context = { awsRequestId: 'local', functionName: 'local', getRemainingTimeInMillis: () => 600000 };
    const out = await Promise.resolve().then(() => handler(JSON.parse(line), context))
      .then((result) => ({ result: result === undefined ? null : result }), (e) => ({ error: String(e && e.message || e) }));
    process.stdout.write('\\n' + mark + JSON.stringify(out) + '\\n');
  }
})();
`;

export interface WarmOutcome<T = any> {
  readonly result?: T;
  readonly error?: string;
}

/** One warm execution environment. `invoke` may be called again once the last call has returned. */
export interface WarmEnvironment {
  /** Log lines written so far (not kept: counted). */
  readonly logLines: () => number;
  invoke<T = any>(event: unknown): Promise<WarmOutcome<T>>;
  stop(): void;
}

export function startWarmEnvironment(handler: BundledHandler, opts: InvokeOptions): WarmEnvironment {
  const env = lambdaEnvironment(handler, opts);
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['-e', RUNNER, assetPath(handler), MARK], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let buffered = '';
  let lines = 0;
  const waiting: Array<(o: WarmOutcome) => void> = [];
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) {
      if (line.startsWith(MARK)) waiting.shift()?.(JSON.parse(line.slice(MARK.length)));
      else if (line.trim() !== '') lines += 1;
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', (chunk: Buffer) => { lines += chunk.toString().split('\n').filter((l) => l.trim() !== '').length; });
  return {
    logLines: () => lines,
    invoke: (event) => new Promise((resolve) => {
      waiting.push(resolve);
      child.stdin.write(JSON.stringify(event) + '\n');
    }),
    stop: () => { child.stdin.end(); child.kill(); },
  };
}
