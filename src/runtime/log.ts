/**
 * The logging seam of the passes. In the handlers it is a Powertools Logger
 * (see telemetry.ts): one JSON object per line, every line carrying the pass's
 * correlation id, and each action's lines the snapshot's correlation id. Tests
 * use an in-memory logger with the same interface.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: Level, message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** The name and message of an error, for a log line, whatever was thrown. */
export function describeError(e: unknown): { errorName: string; errorMessage: string } {
  if (e instanceof Error) return { errorName: e.name, errorMessage: e.message };
  return { errorName: 'NonError', errorMessage: String(e) };
}
