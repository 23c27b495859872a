/**
 * What every handler does first with the configuration its construct wrote
 * into its environment: read it as JSON, check its version, and name the
 * variable in every error. No AWS SDK: the constructs load the modules that
 * use it at synth time.
 */

export interface ConfigReading {
  /** The configuration, as parsed, to be checked field by field. */
  readonly c: Record<string, any>;
  /** Throws `<variable>: <what>`. */
  readonly fail: (what: string) => never;
}

export function readConfig(variable: string, construct: string, raw: string | undefined, version: number): ConfigReading {
  if (!raw) throw new Error(`${variable} is not set; the function must be deployed by the ${construct} construct`);
  let c: Record<string, any>;
  try {
    c = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${variable} is not valid JSON: ${(e as Error).message}`);
  }
  const fail = (what: string): never => {
    throw new Error(`${variable}: ${what}`);
  };
  if (c.version !== version) fail(`unsupported version ${JSON.stringify(c.version)}`);
  return { c, fail };
}

export function isWholeNumberAtLeast(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min;
}
