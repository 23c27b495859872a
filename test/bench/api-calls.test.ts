/**
 * The arithmetic of the API-call bench (./api-calls.ts): pages, the time
 * estimate and the cost formula. No emulator: the bench itself runs with
 * test/bench/run-api-calls.ts.
 */
import { awsPages, briefCost, currentCodeCost, estimateAwsMs, inParallel, isWrite, ListCall, postListingCpuMs } from './api-calls';

const list = (group: string, items: number, operation = 'rds:DescribeDBSnapshots'): ListCall =>
  ({ operation, label: operation, snapshots: true, group, items, expectedItems: items, awsPages: awsPages(items) });

describe('awsPages', () => {
  test.each([[0, 1], [1, 1], [100, 1], [101, 2], [7000, 70], [31000, 310], [31001, 311]])('%d items: %d calls', (items, calls) => {
    expect(awsPages(items)).toBe(calls);
  });
});

test('writes are told from reads by operation', () => {
  expect(['rds:CopyDBSnapshot', 'rds:AddTagsToResource', 'rds:ModifyDBSnapshotAttribute', 'rds:DeleteDBClusterSnapshot', 'sns:Publish'].every(isWrite)).toBe(true);
  expect(['rds:DescribeDBSnapshots', 'rds:DescribeAccountAttributes', 'rds:DescribeOptionGroups'].some(isWrite)).toBe(false);
});

describe('estimateAwsMs', () => {
  const a = { callMs: 150, emulatorCallMs: 4, cpuScale: 2 };

  test('lists of a group run one after another, groups in parallel; the quota read is its own group', () => {
    const lists = [list('shared', 1000), list('shared', 200), list('manual', 31000), list('manual', 6200)];
    // The longest chain is manual: 310 + 62 pages; no CPU.
    expect(estimateAwsMs(lists, { 'rds:DescribeDBSnapshots': 2, 'rds:DescribeAccountAttributes': 1 }, 0, a)).toBe(372 * 150);
  });

  test('calls after listing are sequential; the CPU time is scaled', () => {
    // 10 copies: 10 x 150 ms; 60 ms CPU x 2.
    expect(estimateAwsMs([list('a', 50)], { 'rds:DescribeDBSnapshots': 1, 'rds:CopyDBSnapshot': 10 }, 60, a)).toBe(150 + 1500 + 120);
  });

  test('without a measured CPU time, the post-listing time less the emulator latency of its calls stands in', () => {
    // Post-listing 100 ms less 10 copies x 4 ms.
    expect(postListingCpuMs({ 'rds:DescribeDBSnapshots': 1, 'rds:DescribeAccountAttributes': 1, 'rds:CopyDBSnapshot': 10 }, 300, 200, 4)).toBe(60);
    expect(postListingCpuMs({ 'rds:CopyDBSnapshot': 100 }, 300, 200, 4)).toBe(0);
  });
});

describe('the cost models follow their formulas', () => {
  const inputs = {
    instances: 1000,
    clusters: 200,
    shipperSweepMs: 1000,
    vaultSweepMs: 2000,
    vaultAnnouncementMs: 100,
    shipperInstanceSnapshotEventMs: 50,
    shipperClusterSnapshotEventMs: 60,
    shipperCopyFinishedEventMs: 70,
    vaultCopyFinishedEventMs: 80,
    callMs: 10,
    memoryMiB: 1024,
  };

  test('the brief: every event a full pass, hourly sweeps', () => {
    const c = briefCost(inputs);
    // Shipper: (24 + 1200 + 1000) passes x 1 s + 5 x 1200 calls x 10 ms = 2224 + 60 s.
    expect(c.shipper.passesPerDay).toBe(2224);
    expect(c.shipper.gbSecondsPerDay).toBe(2284);
    expect(c.shipper.gbSecondsPerDayPer100Databases).toBeCloseTo(2284 / 12, 2);
    // Vault: (24 + 1000) sweeps x 2 s + 1200 announcements x 0.1 s + 2 x 1200 calls x 10 ms = 2048 + 120 + 24 s.
    expect(c.vault.passesPerDay).toBe(2224);
    expect(c.vault.gbSecondsPerDay).toBe(2192);
    // Memory scales it linearly.
    expect(briefCost({ ...inputs, memoryMiB: 512 }).shipper.gbSecondsPerDay).toBe(1142);
  });

  test('the current code: sweeps every 15 minutes, events about one database', () => {
    const c = currentCodeCost(inputs);
    // Shipper: 96 x 1 s + 1000 x 0.05 + 200 x 0.06 + 1000 x 0.07 + (1200 + 600) x 0.01 = 96 + 50 + 12 + 70 + 18 s.
    expect(c.shipper.passesPerDay).toBe(96 + 1000 + 200 + 1000);
    expect(c.shipper.gbSecondsPerDay).toBe(246);
    // Vault: 96 x 2 s + 1200 x 0.1 + 1000 x 0.08 + (1200 + 200) x 0.01 = 192 + 120 + 80 + 14 s.
    expect(c.vault.gbSecondsPerDay).toBe(406);
    expect(currentCodeCost({ ...inputs, sweepsPerDay: 24 }).vault.gbSecondsPerDay).toBe(406 - 72 * 2);
  });
});

test('inParallel runs every item, at most the given number at a time', async () => {
  let running = 0;
  let most = 0;
  const done: number[] = [];
  await inParallel([1, 2, 3, 4, 5, 6, 7], 3, async (i) => {
    running += 1;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, 5));
    done.push(i);
    running -= 1;
  });
  expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  expect(most).toBe(3);
});
