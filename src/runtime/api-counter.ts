/**
 * Counts the AWS API calls a client makes, by operation, so that every pass can
 * report what it cost (and tests can hold it to a bound).
 */
interface MiddlewareStackLike {
  add(middleware: (next: any, context: any) => (args: any) => Promise<any>, options: { step: 'initialize'; name: string }): void;
}

export class ApiCallCounter {
  private counts: Record<string, number> = {};

  /** Adds the counting middleware to an SDK v3 client. */
  public attach(client: { middlewareStack: MiddlewareStackLike }, service: string): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const key = `${service}:${String(context.commandName ?? 'unknown').replace(/Command$/, '')}`;
        this.counts[key] = (this.counts[key] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'cdkRdsFailsafeApiCallCounter' },
    );
  }

  /** Counts since the last reset, and resets. */
  public take(): Record<string, number> {
    const out = this.counts;
    this.counts = {};
    return out;
  }
}
