/**
 * A `Logger` for unit tests of the passes: every line is handed to `write` as
 * JSON with the pass's fields. It is not the handlers' Powertools logger,
 * whose lines carry upper-case levels, `timestamp`, `service` and
 * `correlation_id`; test/monitoring/emf.test.ts and the emulator tests check
 * those.
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
