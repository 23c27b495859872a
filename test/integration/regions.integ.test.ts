/**
 * One Live account ships databases of two Regions into a third, where the
 * vault is: two bundled shippers with `sourceRegion` in the DR Region, sharing
 * its topic, each shipping a database named `orders` of its own Region; the
 * bundled vault there takes both. The two databases of one name never share
 * a copy name, a lineage or a metric, and each Region has its own recovery
 * point and manifest.
 */
import { DBSnapshot } from '@aws-sdk/client-rds';
import { MANIFEST_SCHEMA, parseManifest, parseMessage } from '../../src/runtime/schema';
import { TagKeys } from '../../src/runtime/tags';
import { Emulator, startEmulator } from '../emulator/emulator';
import { createFailsafeAccount, queueEvent, runVault } from '../emulator/failsafe';
import { invokeBundled } from '../emulator/invoke';
import { createLiveAccount } from '../emulator/live';
import { pointsOf } from '../helpers/emf';

const LIVE = '111111111111';
const FAILSAFE = '222222222222';
const DR = 'eu-central-1';
const HOMES = ['eu-west-1', 'us-east-1'] as const;
const DAY = 86_400_000;
const scheduled = { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'detail': {} };
const tagsOf = (s: DBSnapshot) => Object.fromEntries((s.TagList ?? []).map((t) => [t.Key, t.Value]));

let emulator: Emulator;
beforeAll(async () => { emulator = await startEmulator({ hideCopySourceFromShared: true }); });
afterAll(async () => { await emulator?.stop(); });

test('two shippers ship databases of one name from two Regions into a third, and the vault there keeps them apart', async () => {
  const dr = await createLiveAccount(emulator, LIVE, 'rds-failsafe-shipper', DR);
  const yesterday = new Date(Date.now() - DAY);
  for (const home of HOMES) {
    const live = await createLiveAccount(emulator, LIVE, `home-${home}`, home);
    await live.createDatabase('orders', 'cmk', yesterday);
  }
  const failsafe = await createFailsafeAccount(emulator, FAILSAFE, DR);

  // Each shipper, with its own owner and shipping key, announces on the one topic; the first sweep of the day publishes a manifest.
  for (const home of HOMES) {
    const config = {
      version: 1,
      ownerId: `shipper-${home}`,
      vaultAccount: FAILSAFE,
      shippingKeyArn: dr.shippingKeyArn,
      topicArn: dr.topicArn,
      sourceRegion: home,
      retentionMs: 2 * DAY,
      maxCopiesInFlight: 10,
      manualSnapshotQuota: 100,
      manifestWindowMs: DAY,
      selection: { identifiers: ['orders'] },
    };
    for (let pass = 0; pass < 3; pass++) {
      const out = await invokeBundled('shipper/shipper.lambda', scheduled, {
        endpoint: emulator.endpoint,
        credentials: await emulator.credentialsFor(LIVE),
        region: DR,
        environment: { SHIPPER_CONFIG: JSON.stringify(config) },
      });
      expect(out.error).toBeUndefined();
    }
  }
  const shipped = (await dr.manualSnapshots()).map((s) => s.DBSnapshotIdentifier);
  expect(shipped).toEqual([expect.stringMatching(/^failsafe-orders-\d{8}-\d{6}-euw1$/), expect.stringMatching(/^failsafe-orders-\d{8}-\d{6}-use1$/)]);

  const messages = await dr.takeAnnouncements();
  const announced = messages.map(parseMessage).flatMap((m) => (m.ok ? [m.message.sourceDatabaseRegion] : []));
  expect(announced.sort()).toEqual([...HOMES]);
  const manifests = messages.filter((m) => JSON.parse(m).schema === MANIFEST_SCHEMA).map((m) => parseManifest(m));
  // Each sweep of the day publishes one (the window here is the whole day).
  const manifestRegions = new Set(manifests.map((m) => m.ok && m.manifest.sourceDatabaseRegion));
  expect([...manifestRegions].sort()).toEqual([...HOMES]);

  const vault = {
    version: 1,
    ownerId: 'vault-regions',
    vaultKeyArn: failsafe.vaultKeyArn,
    sources: [{ topicArn: dr.topicArn, databaseRegions: [...HOMES] }],
    sourceAccounts: [LIVE],
    retentionMs: 31 * DAY,
    minimumCopies: 3,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
  };
  const delivered = await runVault(emulator, failsafe, vault, queueEvent(dr.topicArn, messages));
  // Two announcements; the manifests are checked apart, each against the copies of its Region.
  expect(delivered.result).toMatchObject({ accepted: 2, rejected: 0 });
  let sweep = await runVault(emulator, failsafe, vault, scheduled);
  sweep = await runVault(emulator, failsafe, vault, scheduled);
  expect(sweep.error).toBeUndefined();

  // Two lineages, one per Region, each tagged with its own.
  const copies = await failsafe.manualSnapshots();
  expect(copies.map((c) => tagsOf(c)[TagKeys.SOURCE_REGION]).sort()).toEqual([...HOMES]);
  expect(new Set(copies.map((c) => c.DbiResourceId)).size).toBe(2);
  // A recovery point, and a source alarm's metric, per Region; the manifests are judged per Region, and neither is behind.
  const points = pointsOf(sweep.emf, 'RecoveryPointAge').map((p) => `${p.dimensions.SourceRegion}/${p.dimensions.SourceDatabase}`);
  expect(points.sort()).toEqual(HOMES.map((h) => `${h}/orders`));
  expect(pointsOf(sweep.emf, 'OldestRecoveryPointAge').map((p) => p.dimensions.SourceRegion).sort()).toEqual([...HOMES]);
  // The manifests, delivered again now that the vault holds both: neither Region is behind.
  const manifestBodies = messages.filter((m) => JSON.parse(m).schema === MANIFEST_SCHEMA);
  const again = await runVault(emulator, failsafe, vault, queueEvent(dr.topicArn, manifestBodies));
  const behind = pointsOf(again.emf, 'DatabasesBehind').filter((p) => p.dimensions.SourceRegion !== undefined);
  expect([...new Set(behind.map((p) => `${p.dimensions.SourceRegion}:${p.value}`))].sort()).toEqual(HOMES.map((h) => `${h}:0`));
  // Before, with nothing held, neither was behind either: the vault was deployed minutes ago (its key's CreationDate),
  // and a database it holds no copy of counts as behind only once maxAge has passed since then.
  const before = pointsOf(delivered.emf, 'DatabasesBehind').filter((p) => p.dimensions.SourceRegion !== undefined);
  expect([...new Set(before.map((p) => `${p.dimensions.SourceRegion}:${p.value}`))].sort()).toEqual(HOMES.map((h) => `${h}:0`));
  // Judged 27 hours on, with no newer copy, each Region's manifest has its database behind, apart.
  const later = await runVault(emulator, failsafe, vault, queueEvent(dr.topicArn, manifestBodies), new Date(Date.now() + 27 * 3_600_000));
  const stale = pointsOf(later.emf, 'DatabasesBehind').filter((p) => p.dimensions.SourceRegion !== undefined);
  expect([...new Set(stale.map((p) => `${p.dimensions.SourceRegion}:${p.value}`))].sort()).toEqual(HOMES.map((h) => `${h}:1`));
}, 120_000);
