/**
 * The simulated clock, proven: RDS's (clock.py, `emulator.setClock`) stamps
 * what it makes at the simulated time and goes back to the real time when
 * cleared; a handler's (clock-preload.js, `invokeBundled`'s `clock`) reads
 * the simulated time in every form of Date, and still advances; the SDK keeps
 * working with a clock days off (moto checks no signature times); and the
 * bundled shipper, run with both, takes the recovery point of the simulated
 * interval at the simulated time.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CopyDBSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  DBSnapshot,
} from '@aws-sdk/client-rds';
import { Emulator, startEmulator } from './emulator';
import { invokeBundled, invokeFile, startWarmBundled } from './invoke';
import { createLiveAccount, LiveAccount } from './live';
import { recoveryPointIdentifier } from '../../src/runtime/naming';
import { TagKeys } from '../../src/runtime/tags';

const LIVE = '111111111111';
const FAILSAFE = '222222222222';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How far a stamped time may be from the one expected: the time the calls take. */
const SLACK_MS = 5_000;

let emulator: Emulator;
let live: LiveAccount;
beforeAll(async () => { emulator = await startEmulator(); });
afterAll(async () => { await emulator?.stop(); });
beforeEach(async () => {
  emulator.setClock(undefined);
  await emulator.reset();
  live = await createLiveAccount(emulator, LIVE);
});

/** Whether `t` is `expected`, or up to SLACK_MS after it (a second before, for times in whole seconds). */
const near = (t: Date | undefined, expected: number) => t !== undefined && t.getTime() >= expected - 1_000 && t.getTime() <= expected + SLACK_MS;
const expectNear = (t: Date | undefined, expected: number) => {
  expect(t).toBeInstanceOf(Date);
  expect(t!.getTime()).toBeGreaterThanOrEqual(expected - 1_000);
  expect(t!.getTime()).toBeLessThanOrEqual(expected + SLACK_MS);
};
const describeSnapshot = async (id: string): Promise<DBSnapshot> =>
  (await live.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))).DBSnapshots![0];

describe('RDS\'s clock: emulator.setClock', () => {
  test('a snapshot taken, a copy and a cluster snapshot made while it is set are stamped at the simulated time, which advances; cleared, the real time is back', async () => {
    await live.createDatabase('orders', 'aws/rds');
    await live.createCluster('ledger', 'none');
    const past = Date.now() - 5 * DAY - 3 * HOUR;
    emulator.setClock(new Date(past));
    await live.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders', DBSnapshotIdentifier: 'taken-1' }));
    const taken = await describeSnapshot('taken-1');
    expectNear(taken.SnapshotCreateTime, past);
    await new Promise((r) => setTimeout(r, 1_100));
    await live.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: 'taken-1', TargetDBSnapshotIdentifier: 'copy-1' }));
    const copy = await describeSnapshot('copy-1');
    // The copy is stamped later: the simulated clock advances.
    expectNear(copy.SnapshotCreateTime, past + 1_100);
    expect(copy.SnapshotCreateTime!.getTime() - taken.SnapshotCreateTime!.getTime()).toBeGreaterThanOrEqual(1_000);
    expect(copy.OriginalSnapshotCreateTime).toEqual(taken.SnapshotCreateTime);
    await live.rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'ledger', DBClusterSnapshotIdentifier: 'ledger-1' }));
    const [cluster] = (await live.rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: 'ledger-1' }))).DBClusterSnapshots!;
    expectNear(cluster.SnapshotCreateTime, past + 1_100);
    // The automated snapshots the tests date themselves keep their time.
    const automated = await live.createAutomatedSnapshot('orders', new Date(past - DAY));
    expect(automated.SnapshotCreateTime).toEqual(new Date(past - DAY));

    emulator.setClock(undefined);
    const realNow = Date.now();
    await live.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders', DBSnapshotIdentifier: 'taken-2' }));
    expectNear((await describeSnapshot('taken-2')).SnapshotCreateTime, realNow);
  });

  test('the gap it closes: without it, everything RDS makes is stamped at the real time', async () => {
    await live.createDatabase('orders', 'none');
    const realNow = Date.now();
    await live.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders', DBSnapshotIdentifier: 'taken-1' }));
    await live.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: 'taken-1', TargetDBSnapshotIdentifier: 'copy-1' }));
    expectNear((await describeSnapshot('taken-1')).SnapshotCreateTime, realNow);
    expectNear((await describeSnapshot('copy-1')).SnapshotCreateTime, realNow);
  });
});

describe('a handler\'s clock: invokeBundled\'s clock', () => {
  /** A stand-in handler: what its clock reads, in every form, before and after a second, and two SDK calls through the emulator. */
  const probe = (dir: string) => {
    const file = path.join(dir, 'probe.js');
    fs.writeFileSync(file, `
const { STSClient, GetCallerIdentityCommand } = require(${JSON.stringify(require.resolve('@aws-sdk/client-sts'))});
const { RDSClient, DescribeDBSnapshotsCommand } = require(${JSON.stringify(require.resolve('@aws-sdk/client-rds'))});
exports.handler = async () => {
  const first = { now: Date.now(), newDate: new Date().getTime(), called: Date.parse(Date()) };
  const account = (await new STSClient({}).send(new GetCallerIdentityCommand({}))).Account;
  const snapshots = (await new RDSClient({}).send(new DescribeDBSnapshotsCommand({}))).DBSnapshots.length;
  await new Promise((r) => setTimeout(r, 1100));
  return { first, later: Date.now(), account, snapshots, isDate: new Date() instanceof Date, variable: process.env.FAILSAFE_SIMULATED_CLOCK ?? null };
};
`);
    return file;
  };

  test('the process reads the simulated time in Date.now(), new Date() and Date(), which advances; the SDK works with a clock days off', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clock-probe-'));
    try {
      const file = probe(dir);
      const opts = { endpoint: emulator.endpoint, credentials: await emulator.credentialsFor(LIVE), environment: {} };
      await live.createDatabase('orders', 'none');
      const clock = new Date(Date.now() - 6 * DAY);
      const shifted = await invokeFile(file, {}, { ...opts, clock });
      expect(shifted.error).toBeUndefined();
      const r = shifted.result;
      for (const t of [r.first.now, r.first.newDate]) expect(near(new Date(t), clock.getTime())).toBe(true);
      // Date() as a function has whole seconds.
      expect(near(new Date(r.first.called), clock.getTime() - 1_000)).toBe(true);
      expect(r.later - r.first.now).toBeGreaterThanOrEqual(1_100);
      expect(r.later).toBeLessThan(Date.now() - 5 * DAY);
      // moto checks no signature times: calls signed six days ago are answered, in the account of the credentials.
      expect(r).toMatchObject({ account: LIVE, snapshots: 1, isDate: true, variable: null });

      // Without the option, the real time.
      const realNow = Date.now();
      const real = await invokeFile(file, {}, opts);
      expect(near(new Date(real.result.first.now), realNow)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  /** A shipper of `sessions` that takes a snapshot of it every 4 hours. */
  const shipperConfig = () => ({
    version: 1,
    ownerId: 'shipper-4h',
    vaultAccount: FAILSAFE,
    shippingKeyArn: live.shippingKeyArn,
    topicArn: live.topicArn,
    retentionMs: 2 * DAY,
    recoveryPoints: { intervalMs: 4 * HOUR },
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
    selection: { identifiers: ['sessions'] },
  });
  const SCHEDULED = { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'detail': {} };
  const slotOf = (t: number) => Math.floor(t / (4 * HOUR)) * 4 * HOUR;

  test('the bundled shipper, with both clocks set, takes the recovery point of the simulated interval at the simulated time, and logs that time', async () => {
    await live.createDatabase('sessions', 'aws/rds', new Date(Date.now() - 8 * DAY));
    const slot = slotOf(Date.now() - 3 * DAY);
    const clock = new Date(slot + 5 * 60_000);
    const config = shipperConfig();
    emulator.setClock(clock);
    try {
      const out = await invokeBundled('shipper/shipper.lambda', SCHEDULED, {
        endpoint: emulator.endpoint, credentials: await emulator.credentialsFor(LIVE), environment: { SHIPPER_CONFIG: JSON.stringify(config) }, clock,
      });
      expect(out.error).toBeUndefined();
      expect(out.result).toMatchObject({ snapshotsTaken: 1, failures: 0 });
      const name = recoveryPointIdentifier('sessions', new Date(slot));
      expect(out.logs.find((l) => l.event === 'snapshot-taken')).toMatchObject({ snapshot: name });
      for (const l of out.logs) expect(near(new Date(l.timestamp), clock.getTime())).toBe(true);
      const taken = await describeSnapshot(name);
      expectNear(taken.SnapshotCreateTime, clock.getTime());
      expect(taken.TagList).toContainEqual({ Key: TagKeys.RECOVERY_POINT, Value: new Date(slot).toISOString() });
    } finally {
      emulator.setClock(undefined);
    }
  });

  test('a warm execution environment sets the clock before each invocation: one slot, a day later, then the real time', async () => {
    await live.createDatabase('sessions', 'aws/rds', new Date(Date.now() - 8 * DAY));
    const warm = startWarmBundled('shipper/shipper.lambda', {
      endpoint: emulator.endpoint, credentials: await emulator.credentialsFor(LIVE), environment: { SHIPPER_CONFIG: JSON.stringify(shipperConfig()) },
    });
    try {
      const slot = slotOf(Date.now() - 3 * DAY);
      const clocks = [new Date(slot + 5 * 60_000), new Date(slot + DAY + 5 * 60_000), undefined];
      const outs = [];
      for (const clock of clocks) {
        emulator.setClock(clock);
        const started = Date.now();
        const out = await warm.invoke(SCHEDULED, clock);
        expect(out.error).toBeUndefined();
        for (const l of out.logs) expect(near(new Date(l.timestamp), clock?.getTime() ?? started)).toBe(true);
        outs.push(out);
      }
      // The first invocation takes the snapshot of its slot; the second waits for it to be shipped, a day later by its clock.
      expect(outs[0].logs.find((l) => l.event === 'snapshot-taken')).toMatchObject({ snapshot: recoveryPointIdentifier('sessions', new Date(slot)) });
      expect(outs[1].result.snapshotsTaken).toBe(0);
      // Each invocation's lines are its own: the handler's warnings and errors come in order with the rest.
      for (const out of outs) expect(out.logs.filter((l) => l.event === 'pass-started')).toHaveLength(1);
    } finally {
      emulator.setClock(undefined);
      warm.stop();
    }
  });
});
