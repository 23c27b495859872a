import { addOutcomes, gatherWithinBudget, runIsolated, TIME_RESERVE_MS } from '../../src/runtime/actions';
import { AWS_COPIES_IN_FLIGHT, budgetOf, quotaRefusalOf, refusalOf, take } from '../../src/runtime/budget';
import { createLogger } from '../helpers/memory-logger';

describe('copy budgets', () => {
  test('AWS\'s limits on copies in flight cap the configured ones, per kind', () => {
    expect(AWS_COPIES_IN_FLIGHT).toEqual({ instance: 20, cluster: 5 });
    expect(budgetOf('instance', { maxCopiesInFlight: 50 }, undefined, 0, 0).maxInFlight).toBe(20);
    expect(budgetOf('cluster', { maxCopiesInFlight: 20 }, undefined, 0, 0).maxInFlight).toBe(5);
    expect(budgetOf('cluster', { maxCopiesInFlight: 20, maxClusterCopiesInFlight: 2 }, undefined, 0, 0).maxInFlight).toBe(2);
  });

  test('the account\'s usage is the larger of what it reports and what the pass listed', () => {
    expect(budgetOf('instance', { maxCopiesInFlight: 20 }, { used: 40, max: 500 }, 12, 0)).toMatchObject({ manual: 40, maxManual: 490, quotaKnown: true });
    expect(budgetOf('instance', { maxCopiesInFlight: 20 }, undefined, 12, 0)).toMatchObject({ manual: 12, maxManual: 90, quotaKnown: false });
  });

  test('a budget refuses at its limits, and counts what the pass takes', () => {
    const b = budgetOf('instance', { maxCopiesInFlight: 2, manualSnapshotHeadroom: 0 }, { used: 97, max: 100 }, 0, 1);
    expect(refusalOf(b)).toBeUndefined();
    take(b);
    expect(refusalOf(b)).toBe('in-flight');
    const partial = budgetOf('instance', { maxCopiesInFlight: 1, manualSnapshotHeadroom: 0 }, { used: 99, max: 100 }, 0, undefined);
    take(partial);
    expect(refusalOf(partial)).toBe('snapshot-quota');
  });

  test('SnapshotQuotaExceeded is told apart by its message', () => {
    expect(quotaRefusalOf('Cannot create more than 100 manual snapshots')).toBe('snapshot-quota');
    expect(quotaRefusalOf('The request cannot be processed because it would exceed the maximum number of snapshots.')).toBe('snapshot-quota');
    expect(quotaRefusalOf('Cannot copy more than 5 snapshots across regions')).toBe('in-flight');
    expect(quotaRefusalOf('Cannot copy more than 20 DB snapshots at a time: 20 copy requests are in progress')).toBe('in-flight');
    expect(quotaRefusalOf(undefined)).toBe('snapshot-quota');
  });
});

describe('addOutcomes', () => {
  test('adds counts, merges counts by key, joins lists, and keeps the rest of the first', () => {
    expect(addOutcomes(
      { copiesStarted: 1, findings: { a: 1 }, shippedCopies: ['x'], behind: { databases: ['p'] }, scope: 'one' },
      { copiesStarted: 2, findings: { a: 1, b: 3 }, shippedCopies: ['y'], behind: { databases: ['q'] }, scope: 'two' },
    )).toEqual({ copiesStarted: 3, findings: { a: 2, b: 3 }, shippedCopies: ['x', 'y'], behind: { databases: ['p'] }, scope: 'one' });
  });
});

describe('gatherWithinBudget', () => {
  test('a listing that outlasts the budget fails the pass with TimeBudgetExceeded, naming what it listed', async () => {
    const slow = new Promise<never>(() => undefined);
    await expect(gatherWithinBudget({ remainingMs: () => TIME_RESERVE_MS + 50 }, 'listing the account', slow))
      .rejects.toThrow(/listing the account did not finish within the time budget .* Raise the construct's timeout or memorySize/);
  });

  test('a listing within the budget returns its value and how long it took', async () => {
    const out = await gatherWithinBudget({ remainingMs: () => 600_000 }, 'listing', Promise.resolve(42));
    expect(out.value).toBe(42);
    expect(out.ms).toBeGreaterThanOrEqual(0);
  });
});

describe('the 15-second reserve: a pass starts no action with less than 15 s of the invocation left', () => {
  const run = async (remainingMs: number) => {
    const started: number[] = [];
    const lines: any[] = [];
    const out = await runIsolated([1, 2], { remainingMs: () => remainingMs, log: createLogger({}, (l) => lines.push(JSON.parse(l))) },
      (a) => ({ action: 'copy', snapshot: `s-${a}` }), async (a) => { started.push(a); });
    return { started, deferred: out.deferred, lines };
  };

  test('the reserve is 15 seconds', () => {
    expect(TIME_RESERVE_MS).toBe(15_000);
  });

  test('at 15,001 ms and at exactly 15,000 ms left, actions start', async () => {
    expect(await run(15_001)).toMatchObject({ started: [1, 2], deferred: 0 });
    expect(await run(15_000)).toMatchObject({ started: [1, 2], deferred: 0 });
  });

  test('at 14,999 ms left, no action starts: each is deferred to the next pass, and logged', async () => {
    const out = await run(14_999);
    expect(out).toMatchObject({ started: [], deferred: 2 });
    expect(out.lines.map((l) => [l.event, l.snapshot])).toEqual([['deferred', 's-1'], ['deferred', 's-2']]);
  });

  test('listing gets the invocation\'s time less the reserve: with 15,000 ms left it has none', async () => {
    const never = new Promise<number>(() => undefined);
    await expect(gatherWithinBudget({ remainingMs: () => 15_000 }, 'listing', never)).rejects.toThrow(/15 s before the timeout/);
  });
});
