/**
 * Structured JSON logging: one JSON object per line, which CloudWatch Logs
 * Insights can query. Every line carries the pass id, so one pass can be
 * followed from its trigger to its summary.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: Level, message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(base: Record<string, unknown>, write: (line: string) => void = (l) => console.log(l)): Logger {
  return {
    log(level, message, fields = {}) {
      write(JSON.stringify({ level, message, ...base, ...fields, time: new Date().toISOString() }));
    },
    child(fields) {
      return createLogger({ ...base, ...fields }, write);
    },
  };
}

/** The name and message of an error, for a log line, whatever was thrown. */
export function describeError(e: unknown): { errorName: string; errorMessage: string } {
  if (e instanceof Error) return { errorName: e.name, errorMessage: e.message };
  return { errorName: 'NonError', errorMessage: String(e) };
}
