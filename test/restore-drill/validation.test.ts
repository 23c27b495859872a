/**
 * Hostile answers from the validation function: an answer is a claim, and
 * anything but a well-formed verdict fails the drill with its reason. And the
 * invocation itself: a function that throws, does not answer in time, or
 * cannot be invoked.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { DrilledDatabase } from '../../src/runtime/drill-records';
import { invokeValidation, judgeAnswer, ValidationRequest } from '../../src/runtime/validation';

const bytes = (s: string) => new Uint8Array(Buffer.from(s));

describe('judgeAnswer', () => {
  test.each([
    ['{"passed":true}', undefined, { passed: true }],
    ['{"passed":true,"reason":"ignored"}', undefined, { passed: true }],
    ['{"passed":false,"reason":"table orders has 0 rows"}', undefined, { passed: false, reason: 'validation-failed: table orders has 0 rows' }],
    ['{"passed":false}', undefined, { passed: false, reason: 'validation-failed: no reason given' }],
    ['{"passed":"true"}', undefined, { passed: false, reason: 'validation-garbage: the answer has no boolean "passed"' }],
    ['{"ok":true}', undefined, { passed: false, reason: 'validation-garbage: the answer has no boolean "passed"' }],
    ['true', undefined, { passed: false, reason: 'validation-garbage: the answer has no boolean "passed"' }],
    ['null', undefined, { passed: false, reason: 'validation-garbage: the answer has no boolean "passed"' }],
    ['[{"passed":true}]', undefined, { passed: false, reason: 'validation-garbage: the answer has no boolean "passed"' }],
    ['<html>', undefined, { passed: false, reason: 'validation-garbage: the answer is not JSON' }],
    ['', undefined, { passed: false, reason: 'validation-garbage: the answer is not JSON' }],
    ['{"errorType":"TypeError","errorMessage":"x is undefined"}', 'Unhandled', { passed: false, reason: 'validation-error: the function failed (Unhandled): TypeError: x is undefined' }],
    ['{"passed":true}', 'Unhandled', { passed: false, reason: 'validation-error: the function failed (Unhandled)' }],
    ['Task timed out after 3.00 seconds', 'Unhandled', { passed: false, reason: 'validation-error: the function failed (Unhandled)' }],
  ])('%s (function error %s)', (payload, functionError, verdict) => {
    expect(judgeAnswer(bytes(payload), functionError)).toEqual(verdict);
  });

  test('an oversized answer is refused unread', () => {
    expect(judgeAnswer(bytes(`{"passed":true,"pad":"${'x'.repeat(5000)}"}`), undefined)).toEqual({
      passed: false, reason: expect.stringMatching(/^validation-garbage: the answer is \d+ bytes, more than 4096$/),
    });
  });

  test('no payload at all', () => {
    expect(judgeAnswer(undefined, undefined)).toEqual({ passed: false, reason: 'validation-garbage: the answer is not JSON' });
  });
});

describe('invokeValidation', () => {
  const lambda = mockClient(LambdaClient);
  afterEach(() => lambda.reset());
  const database: DrilledDatabase = { kind: 'instance', account: '111111111111', region: 'eu-west-1', database: 'orders' };
  const request: ValidationRequest = {
    version: 1,
    database,
    snapshotArn: 'arn:aws:rds:eu-west-1:222222222222:snapshot:vault-orders-1',
    engine: 'postgres',
    restoredIdentifier: 'drill-orders-abc123',
    endpoint: { address: 'drill-orders.x', port: 5432 },
    secretArn: 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:rds!db-1',
  };

  test('invokes the function synchronously with the request, and judges its answer', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: bytes('{"passed":true}') as any });
    expect(await invokeValidation(new LambdaClient({}), 'arn:fn', request, 1000)).toEqual({ passed: true });
    const input = lambda.commandCalls(InvokeCommand)[0].args[0].input;
    expect(input).toMatchObject({ FunctionName: 'arn:fn', InvocationType: 'RequestResponse' });
    expect(JSON.parse(Buffer.from(input.Payload as Uint8Array).toString())).toEqual(request);
  });

  test('no answer within the timeout fails the drill', async () => {
    lambda.on(InvokeCommand).callsFake(() => new Promise(() => undefined));
    const started = Date.now();
    expect(await invokeValidation(new LambdaClient({}), 'arn:fn', request, 1000)).toEqual({ passed: false, reason: 'validation-timeout: no answer within 1 seconds' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('a function that cannot be invoked fails the drill, naming the error', async () => {
    const e = Object.assign(new Error('User is not authorized to perform: lambda:InvokeFunction'), { name: 'AccessDeniedException' });
    lambda.on(InvokeCommand).rejects(e);
    expect(await invokeValidation(new LambdaClient({}), 'arn:fn', request, 1000)).toEqual({
      passed: false, reason: 'validation-unavailable: AccessDeniedException: User is not authorized to perform: lambda:InvokeFunction',
    });
  });
});
