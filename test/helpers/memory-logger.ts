/**
 * A `Logger` for unit tests of the passes: every line is handed to `write` as
 * JSON, with the keys the Powertools-backed logger of the handlers adds.
 */
import { Logger } from '../../src/runtime/log';

export function createLogger(base: Record<string, unknown>, write: (line: string) => void = () => undefined): Logger {
  return {
    log(level, message, fields = {}) {
      write(JSON.stringify({ level, message, ...base, ...fields, time: new Date().toISOString() }));
    },
    child(fields) {
      return createLogger({ ...base, ...fields }, write);
    },
  };
}
