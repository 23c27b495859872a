/**
 * The restore drill end to end against the emulator: real vault copies, made
 * by the bundled shipper and vault from an emulated Live account, restored by
 * the bundled drill handler into the drill's network, through each phase
 * (creating, available, validated, deleted), with the validation function
 * behind a stand-in Lambda endpoint.
 */
import { DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  AddTagsToResourceCommand, CreateDBInstanceCommand, DBInstance, DescribeDBClustersCommand, DescribeDBInstancesCommand, ModifyDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { DrillConfig } from '../../src/runtime/drill-config';
import { parseDrillRecord } from '../../src/runtime/drill-records';
import { DrillTagKeys, TagKeys } from '../../src/runtime/tags';
import { Emulator, startEmulator } from '../emulator/emulator';
import { createFailsafeAccount, FailsafeAccount, runVault } from '../emulator/failsafe';
import { invokeBundled, Invocation } from '../emulator/invoke';
import { createLiveAccount } from '../emulator/live';
import { RawAnswer, startValidator, ValidatorEndpoint } from '../emulator/validator';
import { createDrillNetwork, DRILL_START, drillConfig, DrillNetwork, runRestoreDrill } from '../restore-drill/harness';

const LIVE = '111111111111';
const FAILSAFE = '222222222222';
const VALIDATOR = `arn:aws:lambda:eu-west-1:${FAILSAFE}:function:check-rows`;
const SCHEDULED = { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'detail': {} };
const tagsOf = (s: { TagList?: { Key?: string; Value?: string }[] }) => Object.fromEntries((s.TagList ?? []).map((t) => [t.Key, t.Value]));

let emulator: Emulator;
let validator: ValidatorEndpoint;
beforeAll(async () => {
  emulator = await startEmulator({ copyPendingDescribes: 1, restorePendingDescribes: 2 });
  validator = await startValidator();
});
afterAll(async () => {
  await emulator?.stop();
  await validator?.stop();
});

interface World {
  readonly failsafe: FailsafeAccount;
  readonly network: DrillNetwork;
  config(overrides?: Partial<DrillConfig>, validates?: boolean): DrillConfig;
  run(config: DrillConfig, event?: unknown): Promise<Invocation>;
  instances(): Promise<DBInstance[]>;
  /** The vault's copies, instance and cluster, by source database. */
  copies(): Promise<Map<string, Record<string, string>[]>>;
}

/**
 * Two DB instances (one under a customer managed key, one under aws/rds) and
 * an Aurora cluster in Live, shipped and vaulted by the bundled handlers, and
 * a database of the Failsafe account's own that no drill may touch.
 */
async function world(): Promise<World> {
  await emulator.reset();
  validator.calls.length = 0;
  const live = await createLiveAccount(emulator, LIVE);
  const failsafe = await createFailsafeAccount(emulator, FAILSAFE);
  await live.createDatabase('orders', 'cmk', new Date(Date.now() - 3_600_000));
  // Protected, public and Multi-AZ in Live, as production databases often are: none of it may reach the restore.
  await live.rds.send(new ModifyDBInstanceCommand({
    DBInstanceIdentifier: 'orders', DeletionProtection: true, PubliclyAccessible: true, MultiAZ: true, ApplyImmediately: true,
  }));
  // RDS's next automated snapshot, the one shipped, is of the database as it is now.
  await live.createAutomatedSnapshot('orders', new Date());
  await live.createDatabase('billing', 'aws/rds');
  await live.createCluster('ledger', 'cmk');
  const shipperConfig = {
    version: 1,
    ownerId: 'shipper-drill',
    vaultAccount: FAILSAFE,
    shippingKeyArn: live.shippingKeyArn,
    topicArn: live.topicArn,
    retentionMs: 2 * 86_400_000,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
    selection: { identifiers: ['orders', 'billing'], clusterIdentifiers: ['ledger'] },
  };
  for (let i = 0; i < 3; i++) {
    const out = await invokeBundled('shipper/shipper.lambda', SCHEDULED, {
      endpoint: emulator.endpoint, credentials: await emulator.credentialsFor(LIVE), environment: { SHIPPER_CONFIG: JSON.stringify(shipperConfig) },
    });
    expect(out.error).toBeUndefined();
  }
  const vaultConfig = {
    version: 1,
    ownerId: 'vault-drill',
    vaultKeyArn: failsafe.vaultKeyArn,
    sources: [{ topicArn: live.topicArn }],
    sourceAccounts: [LIVE],
    retentionMs: 31 * 86_400_000,
    minimumCopies: 3,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
  };
  for (let i = 0; i < 3; i++) expect((await runVault(emulator, failsafe, vaultConfig)).error).toBeUndefined();
  // The Failsafe account's own database: a drill must never touch it, nor one tagged as another drill's.
  for (const [id, tags] of [['audit', []], ['drill-audit-000000', [{ Key: DrillTagKeys.OWNER, Value: 'drill-someone-else' }]]] as const) {
    await failsafe.rds.send(new CreateDBInstanceCommand({
      DBInstanceIdentifier: id, Engine: 'postgres', DBInstanceClass: 'db.t4g.micro', MasterUsername: 'admin', MasterUserPassword: 'password1', Tags: [...tags],
    }));
  }
  const network = await createDrillNetwork(emulator, FAILSAFE);
  const listCopies = async () => {
    const all = [...await failsafe.manualSnapshots(), ...await failsafe.manualClusterSnapshots()];
    const byDb = new Map<string, Record<string, string>[]>();
    for (const s of all) {
      const tags = tagsOf(s);
      if (tags[TagKeys.OWNER] !== 'vault-drill') continue;
      byDb.set(tags[TagKeys.SOURCE_DATABASE], [...byDb.get(tags[TagKeys.SOURCE_DATABASE]) ?? [], tags]);
    }
    return byDb;
  };
  expect([...(await listCopies()).keys()].sort()).toEqual(['billing', 'ledger', 'orders']);
  return {
    failsafe,
    network,
    config: (overrides = {}, validates = true) => drillConfig({
      ownerId: 'drill-test', vaultOwnerId: 'vault-drill', vaultKeyArn: failsafe.vaultKeyArn, network, ...(validates ? { validationFunction: VALIDATOR } : {}),
    }, overrides),
    run: async (config, event) => {
      const out = await runRestoreDrill({ emulator, account: FAILSAFE, lambdaEndpoint: validator.endpoint }, config, event);
      if (out.error) throw new Error(`drill pass failed: ${out.error}\n${JSON.stringify(out.logs, null, 1)}`);
      return out;
    },
    instances: async () => (await failsafe.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [],
    copies: listCopies,
  };
}

/** Sweeps until no drill is left in flight, at most `max`; returns every pass. */
async function sweepUntilDone(w: World, config: DrillConfig, max = 8): Promise<Invocation[]> {
  const passes: Invocation[] = [];
  for (let i = 0; i < max; i++) {
    const out = await w.run(config, SCHEDULED);
    passes.push(out);
    const mine = (await w.instances()).filter((d) => tagsOf(d)[DrillTagKeys.OWNER] === 'drill-test');
    if (mine.length === 0 && out.result.inFlight === 0) break;
  }
  return passes;
}

const judgedIn = (passes: Invocation[]) => passes.flatMap((p) => p.result.judged);
const emfOf = (passes: Invocation[]) => passes.flatMap((p) => p.emf);

describe('restore drills against the emulator', () => {
  test('a drill restores the newest vault copy of each database, instances and an Aurora cluster, through each phase, validates, records and deletes', async () => {
    const w = await world();
    validator.set(VALIDATOR, (request) => ({ passed: true, reason: `checked ${request.restoredIdentifier}` }));
    const config = w.config();

    const start = await w.run(config, DRILL_START);
    expect(start.result).toMatchObject({ trigger: 'drill', restoresStarted: 3, inFlight: 0, censusDatabases: 3, failures: 0 });
    expect(start.result.apiCalls).toMatchObject({ 'rds:RestoreDBInstanceFromDBSnapshot': 2, 'rds:RestoreDBClusterFromSnapshot': 1 });

    // Restoring: what the drill restored, and how.
    const restored = (await w.instances()).filter((d) => tagsOf(d)[DrillTagKeys.OWNER] === 'drill-test');
    expect(restored.map((d) => d.DBInstanceIdentifier).sort()).toEqual([expect.stringMatching(/^drill-[0-9a-f]{6}-billing-[0-9a-f]{6}$/), expect.stringMatching(/^drill-[0-9a-f]{6}-orders-[0-9a-f]{6}$/)]);
    for (const d of restored) {
      expect(d).toMatchObject({
        DBInstanceStatus: 'creating',
        PubliclyAccessible: false,
        DeletionProtection: false,
        MultiAZ: false,
        StorageEncrypted: true,
        KmsKeyId: w.failsafe.vaultKeyArn,
        DBInstanceClass: 'db.t4g.micro',
        DBSubnetGroup: { DBSubnetGroupName: w.network.subnetGroupName },
      });
      expect(d.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).toEqual([w.network.securityGroupId]);
      // Only the drill's tags: none of the source database's came along.
      const drillKeys = [DrillTagKeys.OWNER, DrillTagKeys.DATABASE, DrillTagKeys.SNAPSHOT, DrillTagKeys.STARTED, DrillTagKeys.RUN];
      expect(Object.keys(tagsOf(d)).sort()).toEqual(drillKeys.sort());
    }
    const [cluster] = (await w.failsafe.rds.send(new DescribeDBClustersCommand({}))).DBClusters!.filter((c) => tagsOf(c)[DrillTagKeys.OWNER] === 'drill-test');
    expect(cluster).toMatchObject({ DBClusterIdentifier: expect.stringMatching(/^drill-[0-9a-f]{6}-ledger-[0-9a-f]{6}$/), KmsKeyId: w.failsafe.vaultKeyArn, DeletionProtection: false });

    const passes = await sweepUntilDone(w, config);
    const phases = passes.map((p) => p.logs.filter((l) => l.event === 'action-failed').length);
    expect(phases.every((n) => n === 0)).toBe(true);
    // The cluster got its writer before it was judged.
    expect(passes.some((p) => p.result.apiCalls['rds:CreateDBInstance'] === 1)).toBe(true);
    // Each restore's master password was put into Secrets Manager: the instances' and the cluster's.
    const calls = (op: string) => passes.reduce((n, p) => n + (p.result.apiCalls[op] ?? 0), 0);
    expect([calls('rds:ModifyDBInstance'), calls('rds:ModifyDBCluster')]).toEqual([2, 1]);

    const judged = judgedIn(passes);
    expect(judged.map((j: any) => [j.database.database, j.passed]).sort()).toEqual([['billing', true], ['ledger', true], ['orders', true]]);
    for (const j of judged) expect(j.restoreSeconds).toBeGreaterThanOrEqual(0);
    // The validation function got the endpoint and the secret RDS manages for each restore.
    expect(validator.calls).toHaveLength(3);
    for (const c of validator.calls) {
      expect(c.request).toMatchObject({ version: 1, endpoint: { address: expect.any(String), port: expect.any(Number) }, secretArn: expect.stringMatching(/^arn:aws:secretsmanager:/) });
      expect(c.request.snapshotArn).toMatch(/^arn:aws:rds:eu-west-1:222222222222:(cluster-)?snapshot:vault-/);
    }

    // Deleted, and nothing else touched.
    const left = await w.instances();
    expect(left.map((d) => d.DBInstanceIdentifier).sort()).toEqual(['audit', 'drill-audit-000000']);
    expect((await w.failsafe.rds.send(new DescribeDBClustersCommand({}))).DBClusters!.filter((c) => c.DBClusterIdentifier!.startsWith('drill-'))).toEqual([]);

    // Each verdict is recorded on the vault copy that was restored.
    for (const [db, copies] of await w.copies()) {
      const records = copies.map((t) => parseDrillRecord(t[TagKeys.RESTORE_DRILL])).filter((r) => r !== undefined);
      expect({ db, records: records.map((r) => r!.passed) }).toEqual({ db, records: [true] });
    }

    // The metrics, per database.
    const emf = emfOf(passes);
    for (const db of ['orders', 'billing', 'ledger']) {
      expect(emf.filter((d) => d.SourceDatabase === db && d.RestoreSucceeded === 1)).toHaveLength(1);
      expect(emf.filter((d) => d.SourceDatabase === db && typeof d.RestoreDuration === 'number')).toHaveLength(1);
      expect(emf.filter((d) => d.SourceDatabase === db && typeof d.ValidationDuration === 'number')).toHaveLength(1);
    }

    // The next census reports each database's last successful restore, and none without one.
    const census = await w.run({ ...config, censusWindowMs: 3_600_000 }, SCHEDULED);
    expect(census.emf.filter((d) => typeof d.LastSuccessfulRestoreAge === 'number').map((d) => d.SourceDatabase).sort()).toEqual(['billing', 'ledger', 'orders']);
    expect(census.emf.find((d) => d.DatabasesWithoutRecentRestore !== undefined)?.DatabasesWithoutRecentRestore).toBe(0);
  });

  test('a validation that throws, answers garbage or times out fails the drill with its reason; the restores are deleted all the same', async () => {
    const w = await world();
    const behaviours: Record<string, () => unknown> = {
      orders: () => new RawAnswer('<html>not json</html>'),
      billing: () => { throw new TypeError('cannot read properties of undefined'); },
      ledger: () => new Promise((resolve) => setTimeout(() => resolve({ passed: true }), 8_000)),
    };
    validator.set(VALIDATOR, (request) => behaviours[request.database.database]());
    const config = w.config({ databasesPerDrill: 3 });
    await w.run(config, DRILL_START);
    const passes = await sweepUntilDone(w, config);
    const reasons = judgedIn(passes).map((j: any) => `${j.database.database}: ${j.passed} ${j.reason.split(':')[0]}`).sort();
    expect(reasons).toEqual(['billing: false validation-error', 'ledger: false validation-timeout', 'orders: false validation-garbage']);
    expect(emfOf(passes).filter((d) => d.RestoreFailed === 1 && d.SourceDatabase).length).toBe(3);
    expect((await w.instances()).map((d) => d.DBInstanceIdentifier).sort()).toEqual(['audit', 'drill-audit-000000']);
    for (const [, copies] of await w.copies()) {
      expect(copies.map((t) => parseDrillRecord(t[TagKeys.RESTORE_DRILL])?.passed).filter((p) => p !== undefined)).toEqual([false]);
    }
  });

  test('a drill past its lifetime is judged failed and deleted, whatever its state', async () => {
    const w = await world();
    const config = w.config({ databasesPerDrill: 1 }, false);
    await w.run(config, DRILL_START);
    // The first database by key is the cluster: a restored cluster is still creating.
    const [drill] = (await w.failsafe.rds.send(new DescribeDBClustersCommand({}))).DBClusters!.filter((c) => tagsOf(c)[DrillTagKeys.OWNER] === 'drill-test');
    expect(drill).toMatchObject({ DBClusterIdentifier: expect.stringMatching(/^drill-[0-9a-f]{6}-ledger-/), Status: 'creating' });
    // Seven hours later, by its start tag: past the 6 hours.
    await w.failsafe.rds.send(new AddTagsToResourceCommand({
      ResourceName: drill.DBClusterArn, Tags: [{ Key: DrillTagKeys.STARTED, Value: new Date(Date.now() - 7 * 3_600_000).toISOString() }],
    }));
    const out = await w.run(config, SCHEDULED);
    expect(out.result.judged).toEqual([expect.objectContaining({ passed: false, reason: expect.stringMatching(/^lifetime-exceeded/) })]);
    expect(out.result.deleted).toBe(1);
    expect((await w.failsafe.rds.send(new DescribeDBClustersCommand({}))).DBClusters!.filter((c) => c.DBClusterIdentifier!.startsWith('drill-'))).toEqual([]);
    const ledger = (await w.copies()).get('ledger')!;
    expect(ledger.map((t) => parseDrillRecord(t[TagKeys.RESTORE_DRILL])?.passed)).toEqual([false]);
  });

  test('a copy that the vault key cannot open is refused by RDS: the drill fails with that reason and records it', async () => {
    const w = await world();
    const kms = new KMSClient(await emulator.clientConfig(FAILSAFE));
    await kms.send(new DisableKeyCommand({ KeyId: w.failsafe.vaultKeyArn.split('/').pop() }));
    const config = w.config({ databasesPerDrill: 3 }, false);
    const out = await w.run(config, DRILL_START);
    expect(out.result.restoresStarted).toBe(0);
    expect(out.result.judged.map((j: any) => j.reason.split(':').slice(0, 2).join(':'))).toEqual([
      'restore-refused: KMSKeyNotAccessibleFault', 'restore-refused: KMSKeyNotAccessibleFault', 'restore-refused: KMSKeyNotAccessibleFault',
    ]);
    expect(out.emf.find((d) => d.RestoreFailed !== undefined && d.SourceDatabase === undefined)?.RestoreFailed).toBe(3);
  });

  test('drills rotate: with one database per drill, three drills restore the three databases, least recently drilled first', async () => {
    const w = await world();
    const config = w.config({ databasesPerDrill: 1 }, false);
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      await w.run(config, DRILL_START);
      const passes = await sweepUntilDone(w, config);
      order.push(...judgedIn(passes).map((j: any) => j.database.database));
    }
    expect([...order].sort()).toEqual(['billing', 'ledger', 'orders']);
    // The fourth drill goes back to the one drilled longest ago.
    await w.run(config, DRILL_START);
    const passes = await sweepUntilDone(w, config);
    expect(judgedIn(passes).map((j: any) => j.database.database)).toEqual([order[0]]);
  });

  test('a retried start adds nothing to its run; never more drills in flight than maxConcurrentRestores, the rest held back and reported', async () => {
    const w = await world();
    const config = w.config({ maxConcurrentRestores: 2, databasesPerDrill: 2 }, false);
    const monday = { ...DRILL_START, run: '2026-11-30T03:00:00Z' };
    const out = await w.run(config, monday);
    expect(out.result).toMatchObject({ restoresStarted: 2, heldBack: 0 });
    // Lambda retries the same event: the run has its two.
    const retried = await w.run(config, monday);
    expect(retried.result).toMatchObject({ restoresStarted: 0, inFlight: 2, heldBack: 0 });
    // The next week's drill, with both still in flight: the third database waits.
    const next = await w.run(config, { ...DRILL_START, run: '2026-12-07T03:00:00Z' });
    expect(next.result).toMatchObject({ restoresStarted: 0, inFlight: 2, heldBack: 1 });
    expect(next.logs.some((l) => l.event === 'restores-held-back')).toBe(true);
  });
});

