/**
 * A stand-in for AWS Lambda's Invoke API on 127.0.0.1, for the restore
 * drill's validation function: the bundled drill handler calls it over HTTP
 * through the SDK's LambdaClient (AWS_ENDPOINT_URL_LAMBDA), exactly as it
 * calls Lambda, and each function name answers with a behaviour the test
 * sets: an answer, a throw (Lambda's X-Amz-Function-Error), raw bytes, or
 * silence past the drill's timeout. moto's own Lambda runs functions in
 * Docker, which this machine does not have.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';

/** What a validation function does with a request: its return value is the answer; a throw is a function error. */
export type Behaviour = (request: any) => unknown | Promise<unknown>;

/** An answer that is sent as these bytes, not as JSON. */
export class RawAnswer {
  constructor(public readonly body: string) {}
}

export interface ValidatorEndpoint {
  readonly endpoint: string;
  /** Every request received, by function name (as the handler named it: an ARN). */
  readonly calls: Array<{ readonly functionName: string; readonly request: any }>;
  /** Sets what the function of this name does. */
  set(functionName: string, behaviour: Behaviour): void;
  stop(): Promise<void>;
}

const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

export async function startValidator(): Promise<ValidatorEndpoint> {
  const behaviours = new Map<string, Behaviour>();
  const calls: Array<{ functionName: string; request: any }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const m = INVOKE.exec((req.url ?? '').split('?')[0]);
      const functionName = m ? decodeURIComponent(m[1]) : '';
      const behaviour = behaviours.get(functionName);
      if (req.method !== 'POST' || !behaviour) {
        res.writeHead(404, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'ResourceNotFoundException' });
        res.end(JSON.stringify({ Type: 'User', message: `Function not found: ${functionName}` }));
        return;
      }
      let request: any;
      try {
        request = JSON.parse(body);
      } catch {
        request = body;
      }
      calls.push({ functionName, request });
      Promise.resolve().then(() => behaviour(request)).then((answer) => {
        const out = answer instanceof RawAnswer ? answer.body : JSON.stringify(answer ?? null);
        if (!res.destroyed) res.writeHead(200, { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST' }).end(out);
      }, (e: Error) => {
        if (!res.destroyed) {
          res.writeHead(200, { 'Content-Type': 'application/json', 'X-Amz-Function-Error': 'Unhandled', 'X-Amz-Executed-Version': '$LATEST' })
            .end(JSON.stringify({ errorType: e.name, errorMessage: e.message }));
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    set: (name, behaviour) => { behaviours.set(name, behaviour); },
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
