/**
 * SDK client settings shared by the handlers. Retries are set on purpose: the
 * standard strategy with up to 5 attempts, exponential back-off with jitter,
 * covers RDS throttling (`Throttling`) and 5xx errors inside one pass; anything
 * still failing is isolated to its database and retried on the next pass.
 */
export const SDK_CLIENT_CONFIG = {
  maxAttempts: 5,
  retryMode: 'standard',
} as const;

/** The `name` of an AWS SDK v3 error (its error code), or undefined. */
export function errorCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'name' in e && typeof (e as { name: unknown }).name === 'string') {
    return (e as { name: string }).name;
  }
  return undefined;
}

export function parseArnAccount(arn: string): { partition: string; region: string; account: string } {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') throw new Error(`not an ARN: ${arn}`);
  return { partition: parts[1], region: parts[3], account: parts[4] };
}
