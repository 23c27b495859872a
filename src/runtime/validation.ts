/**
 * The optional validation of a restore: a Lambda function of the user's,
 * invoked with the restored endpoint and the secret that RDS manages for the
 * master user, answers whether the data is what it should be. Its answer is
 * a claim like any other input: anything but `{ "passed": true }` or
 * `{ "passed": false, "reason": "..." }` fails the drill, and so does a
 * function that throws or does not answer in time.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { errorCode } from './aws';
import { DrilledDatabase } from './drill-records';

export const VALIDATION_REQUEST_VERSION = 1;

/** What the validation function is invoked with. */
export interface ValidationRequest {
  readonly version: typeof VALIDATION_REQUEST_VERSION;
  /** The source database whose vault copy was restored. */
  readonly database: DrilledDatabase;
  /** The vault copy restored, by ARN. */
  readonly snapshotArn: string;
  readonly engine: string;
  /** The restored DB instance or cluster, by identifier. */
  readonly restoredIdentifier: string;
  /** Its endpoint (a cluster's writer endpoint). */
  readonly endpoint: { readonly address: string; readonly port: number };
  /** The Secrets Manager secret with the master user's name and password (RDS manages it; it goes when the restore is deleted). */
  readonly secretArn: string;
}

export interface ValidationVerdict {
  readonly passed: boolean;
  readonly reason?: string;
}

/** The largest answer read: a verdict is a few bytes. */
const MAX_ANSWER_BYTES = 4096;

/**
 * The verdict in a validation function's answer. `functionError` is Lambda's
 * X-Amz-Function-Error: the function threw, or Lambda ended it (a timeout).
 */
export function judgeAnswer(payload: Uint8Array | undefined, functionError: string | undefined): ValidationVerdict {
  const text = payload ? Buffer.from(payload).toString('utf8') : '';
  if (functionError) {
    let message = '';
    try {
      const e = JSON.parse(text);
      message = [e?.errorType, e?.errorMessage].filter((s) => typeof s === 'string').join(': ');
    } catch {
      // not JSON: the reason says so
    }
    return { passed: false, reason: `validation-error: the function failed (${functionError})${message ? `: ${message}` : ''}` };
  }
  if (text.length > MAX_ANSWER_BYTES) return { passed: false, reason: `validation-garbage: the answer is ${text.length} bytes, more than ${MAX_ANSWER_BYTES}` };
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return { passed: false, reason: 'validation-garbage: the answer is not JSON' };
  }
  if (typeof answer !== 'object' || answer === null || typeof (answer as { passed?: unknown }).passed !== 'boolean') {
    return { passed: false, reason: 'validation-garbage: the answer has no boolean "passed"' };
  }
  const { passed, reason } = answer as { passed: boolean; reason?: unknown };
  if (passed) return { passed: true };
  return { passed: false, reason: `validation-failed: ${typeof reason === 'string' && reason ? reason : 'no reason given'}` };
}

/**
 * Invokes the validation function and waits for its answer, for at most
 * `timeoutMs` (the construct's `validationTimeout`). The function's own
 * timeout is the user's to set, below it: Lambda then ends a validation
 * that runs long, and answers with a function error, before the drill stops
 * waiting.
 */
export async function invokeValidation(
  lambda: LambdaClient, functionName: string, request: ValidationRequest, timeoutMs: number,
): Promise<ValidationVerdict> {
  const abort = new AbortController();
  const timedOut: ValidationVerdict = { passed: false, reason: `validation-timeout: no answer within ${Math.round(timeoutMs / 1000)} seconds` };
  let timer: NodeJS.Timeout | undefined;
  // The timer decides, whether or not the request heeds the abort.
  const deadline = new Promise<ValidationVerdict>((resolve) => {
    timer = setTimeout(() => { abort.abort(); resolve(timedOut); }, timeoutMs);
  });
  try {
    const invoked = lambda.send(new InvokeCommand({
      FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(request)),
    }), { abortSignal: abort.signal }).then((out) => judgeAnswer(out.Payload, out.FunctionError));
    return await Promise.race([invoked, deadline]);
  } catch (e) {
    if (abort.signal.aborted) return timedOut;
    // Lambda refused the invocation (no permission, throttled, the function
    // gone): the drill cannot tell whether the data is good, so it fails.
    return { passed: false, reason: `validation-unavailable: ${errorCode(e) ?? 'error'}: ${(e as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}
