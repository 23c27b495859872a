/**
 * The first deployment, with the bundled handlers against the emulator: the
 * keys are made at the deployment (their CreationDate is each handler's
 * epoch), and the handlers' clocks then read an hour later, and maxAge plus an
 * hour later. With the chain broken (a database with automated backups off
 * that the shipper can never ship; a vault that never receives anything), the
 * figures the alarms watch stay under their thresholds on day one and are over
 * them once maxAge has passed since the deployment.
 */
import { CreateDBInstanceCommand, DeleteDBSnapshotCommand } from '@aws-sdk/client-rds';
import { DEFAULT_MAX_AGE } from '../../src/private/monitoring';
import { buildManifest } from '../../src/runtime/manifest';
import { Emulator, startEmulator } from '../emulator/emulator';
import { createFailsafeAccount, runVault, snsEvent } from '../emulator/failsafe';
import { invokeBundled } from '../emulator/invoke';
import { createLiveAccount, LiveAccount, shipperConfigFor } from '../emulator/live';
import { pointsOf } from '../helpers/emf';

const LIVE = '111111111111';
const FAILSAFE = '222222222222';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The alarms' default maxAge, 26 hours: the recovery-point alarm's threshold, and the behindAfterMs the constructs give the handlers. */
const MAX_AGE_MS = DEFAULT_MAX_AGE.toMilliseconds();

let emulator: Emulator;
beforeAll(async () => { emulator = await startEmulator(); });
afterAll(async () => { await emulator?.stop(); });
beforeEach(async () => { await emulator.reset(); });

async function sweepShipper(live: LiveAccount, identifiers: string[], clock: Date) {
  const config = shipperConfigFor(live, FAILSAFE, { identifiers }, { behindAfterMs: MAX_AGE_MS });
  const out = await invokeBundled('shipper/shipper.lambda', { 'source': 'aws.events', 'detail-type': 'Scheduled Event' }, {
    endpoint: emulator.endpoint, credentials: await emulator.credentialsFor(LIVE), environment: { SHIPPER_CONFIG: JSON.stringify(config) }, clock,
  });
  expect(out.error).toBeUndefined();
  return out;
}

describe('the first deployment, against the emulator', () => {
  test('shipper: a database that cannot be shipped is not behind an hour after the deployment, and is once maxAge has passed', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    const deployed = Date.now();
    await live.createDatabase('orders', 'none');
    // Automated backups off: RDS takes no automated snapshot, so the shipper can never ship it. (moto takes a first
    // one all the same, which is deleted here.)
    await live.rds.send(new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'archive',
      Engine: 'postgres',
      DBInstanceClass: 'db.t4g.micro',
      AllocatedStorage: 20,
      MasterUsername: 'admin_user',
      MasterUserPassword: 'not-a-real-password-1',
      BackupRetentionPeriod: 0,
    }));
    for (const s of (await live.automatedSnapshots()).filter((a) => a.DBInstanceIdentifier === 'archive')) {
      await live.rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: s.DBSnapshotIdentifier }));
    }
    expect((await live.automatedSnapshots()).map((a) => a.DBInstanceIdentifier)).toEqual(['orders']);

    // The first sweep copies orders; the next shares and announces the finished copy.
    const first = await sweepShipper(live, ['orders', 'archive'], new Date(deployed + HOUR));
    expect(first.result.behind).toEqual({ databases: [] });
    const early = await sweepShipper(live, ['orders', 'archive'], new Date(deployed + HOUR));
    expect(early.result.behind).toEqual({ databases: [] });
    expect(early.result.shippedCopies.map((c: any) => c.database)).toEqual(['orders']);
    expect(pointsOf(early.emf, 'DatabasesBehind')).toEqual([{ value: 0, dimensions: {} }]);
    // One DescribeKey in the execution environment's life, for the epoch.
    expect(early.result.apiCalls['kms:DescribeKey']).toBe(1);

    const late = await sweepShipper(live, ['orders', 'archive'], new Date(deployed + MAX_AGE_MS + HOUR));
    // archive was never shipped: behind once maxAge has passed since the shipping key was made. (orders' only copy is
    // as old as the deployment, so it is behind too.)
    expect(late.result.behind.databases).toContain('archive');
    expect(pointsOf(late.emf, 'DatabasesBehind')[0].value).toBeGreaterThanOrEqual(1);
    expect(late.logs).toContainEqual(expect.objectContaining({ event: 'databases-behind', oldest: 'archive', oldestRecoveryPoint: 'never shipped' }));
  });

  test('vault: a source that never ships has a small recovery-point age and nothing behind an hour after the deployment, and is over both once maxAge has passed', async () => {
    const live = await createLiveAccount(emulator, LIVE);
    const failsafe = await createFailsafeAccount(emulator, FAILSAFE);
    const deployed = Date.now();
    const config = {
      version: 1,
      ownerId: 'vault-integ',
      vaultKeyArn: failsafe.vaultKeyArn,
      sources: [{ topicArn: live.topicArn }],
      sourceAccounts: [LIVE],
      retentionMs: 31 * DAY,
      minimumCopies: 3,
      maxCopiesInFlight: 10,
      manualSnapshotQuota: 100,
      behindAfterMs: MAX_AGE_MS,
    };
    const source = { SourceAccount: LIVE, SourceRegion: 'eu-west-1' };
    const manifestAt = (t: number) => JSON.stringify(buildManifest({ account: LIVE, region: 'eu-west-1' }, new Date(t), [{ kind: 'instance', identifier: 'orders' }], new Map())[0]);

    const early = await runVault(emulator, failsafe, config, undefined, new Date(deployed + HOUR));
    expect(early.error).toBeUndefined();
    const [age] = pointsOf(early.emf, 'OldestRecoveryPointAge');
    expect(age.dimensions).toEqual(source);
    expect(age.value).toBeGreaterThanOrEqual(3600);
    expect(age.value).toBeLessThan(3600 + 600);
    expect(age.value).toBeLessThanOrEqual(MAX_AGE_MS / 1000);
    expect(pointsOf(early.emf, 'ManifestsReceived')).toEqual([{ value: 0, dimensions: source }]);
    expect(early.result.apiCalls['kms:DescribeKey']).toBe(1);
    const earlyManifest = await runVault(emulator, failsafe, config, snsEvent(live.topicArn, manifestAt(deployed + HOUR)), new Date(deployed + HOUR));
    expect(earlyManifest.result.verdicts).toEqual([expect.objectContaining({ listed: 1, behind: { databases: [] } })]);
    expect(pointsOf(earlyManifest.emf, 'DatabasesBehind')).toEqual([{ value: 0, dimensions: source }]);

    const late = await runVault(emulator, failsafe, config, undefined, new Date(deployed + MAX_AGE_MS + HOUR));
    const [lateAge] = pointsOf(late.emf, 'OldestRecoveryPointAge');
    expect(lateAge.value).toBeGreaterThan(MAX_AGE_MS / 1000);
    const later = deployed + MAX_AGE_MS + HOUR;
    const lateManifest = await runVault(emulator, failsafe, config, snsEvent(live.topicArn, manifestAt(later)), new Date(later));
    expect(lateManifest.result.verdicts).toEqual([expect.objectContaining({ listed: 1, behind: { databases: ['orders'], oldest: { database: 'orders' } } })]);
    expect(pointsOf(lateManifest.emf, 'DatabasesBehind')).toEqual([{ value: 1, dimensions: source }]);
  });
});
