/**
 * Captures what a handler run in the test process writes through Powertools.
 * test/setup.ts sets POWERTOOLS_DEV, so Powertools writes through the global
 * console (pretty-printed JSON, one document per call), which this spies on.
 */
export interface Captured {
  /** Log lines, parsed. */
  readonly logs: any[];
  /** Embedded metric format documents. */
  readonly emf: any[];
}

export function captureConsole(): Captured {
  const out: Captured = { logs: [], emf: [] };
  const capture = (line?: unknown, ..._rest: unknown[]) => {
    const doc = JSON.parse(String(line));
    (doc && typeof doc === 'object' && '_aws' in doc ? out.emf : out.logs).push(doc);
  };
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    jest.spyOn(console, method).mockImplementation(capture);
  }
  return out;
}
