/**
 * The planners with DB clusters: each difference Aurora has from DB instances,
 * as the planners handle it.
 */
import { automated, config, copyOf, DAY, instance, LIVE, NOW, REGION, state } from './fixtures';
import { shippingCopyIdentifier } from '../../src/runtime/naming';
import { DbInstance, DbSnapshot, planShipper } from '../../src/runtime/shipper-plan';
import { TagKeys } from '../../src/runtime/tags';
import { planVault, ShippedSnapshot, vaultCopyIdentifier } from '../../src/runtime/vault-plan';

const cluster = (identifier: string, extra: Partial<DbInstance> = {}): DbInstance =>
  instance(identifier, { kind: 'cluster', arn: `arn:aws:rds:${REGION}:${LIVE}:cluster:${identifier}`, engine: 'aurora-postgresql', ...extra });
const clusterSnapshot = (db: string, daysAgo: number, extra: Partial<DbSnapshot> = {}): DbSnapshot => {
  const s = automated(db, daysAgo, { kind: 'cluster', engine: 'aurora-postgresql', encrypted: true, ...extra });
  return { ...s, arn: s.arn.replace(':snapshot:', ':cluster-snapshot:') };
};
const clusters = (ids: string[]) => config({ selection: { clusterIdentifiers: ids } });

describe('planShipper with DB clusters', () => {
  test('an encrypted cluster snapshot is copied under the shipping key, as a cluster copy', () => {
    const snap = clusterSnapshot('ledger', 0);
    const plan = planShipper(clusters(['ledger']), state({ instances: [cluster('ledger')], automatedSnapshots: [snap] }));
    expect(plan.actions).toEqual([expect.objectContaining({ type: 'copy', encrypt: true, source: snap, targetIdentifier: 'failsafe-ledger-20261120-120000' })]);
    expect(plan.selected).toEqual(['ledger']);
  });

  test('an unencrypted cluster snapshot is copied without a key, and reported: RDS cannot encrypt it by copying', () => {
    const snap = clusterSnapshot('plain', 0, { encrypted: false });
    const plan = planShipper(clusters(['plain']), state({ instances: [cluster('plain')], automatedSnapshots: [snap] }));
    expect(plan.actions).toEqual([expect.objectContaining({ type: 'copy', encrypt: false })]);
    expect(plan.findings).toEqual([expect.objectContaining({ level: 'warn', code: 'cluster-unencrypted', database: 'plain' })]);
    // An unencrypted instance snapshot is encrypted by its copy, as before.
    const instancePlan = planShipper(config(), state({ automatedSnapshots: [automated('orders', 0, { encrypted: false })] }));
    expect(instancePlan.actions).toEqual([expect.objectContaining({ type: 'copy', encrypt: true })]);
  });

  test('a Multi-AZ DB cluster is reported and not shipped: RDS cannot copy its snapshots', () => {
    const plan = planShipper(clusters(['maz']), state({ instances: [cluster('maz', { engine: 'postgres' })], automatedSnapshots: [clusterSnapshot('maz', 0)] }));
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toEqual([expect.objectContaining({ level: 'error', code: 'cannot-copy-multi-az-cluster', database: 'maz' })]);
  });

  test('a Neptune or DocumentDB cluster found by a tag is reported as not an RDS database', () => {
    const graph = cluster('graph', { engine: 'neptune', tags: { dr: 'yes' } });
    const plan = planShipper(config({ selection: { tag: { key: 'dr', value: 'yes' } } }), state({ instances: [graph] }));
    expect(plan.findings.map((f) => f.code)).toEqual(['unsupported-engine']);
  });

  test('a member instance of a cluster is never shipped as an instance; its cluster is', () => {
    const member = instance('ledger-writer', { clusterIdentifier: 'ledger', tags: { dr: 'yes' } });
    const plan = planShipper(config({ selection: { tag: { key: 'dr', value: 'yes' } } }), state({
      instances: [member, cluster('ledger', { tags: { dr: 'yes' } })],
      automatedSnapshots: [clusterSnapshot('ledger', 0)],
    }));
    expect(plan.selected).toEqual(['ledger']);
    expect(plan.findings).toEqual([expect.objectContaining({ code: 'cluster-member', database: 'ledger-writer' })]);
    expect(plan.actions.map((a) => a.type === 'copy' && a.source.kind)).toEqual(['cluster']);
  });

  test('a cluster with automated backups off (not possible for Aurora, but reported if seen) is not shipped', () => {
    const plan = planShipper(clusters(['ledger']), state({ instances: [cluster('ledger', { backupRetentionPeriod: 0 })] }));
    expect(plan.findings.map((f) => f.code)).toEqual(['automated-backups-disabled']);
  });

  test('an instance and a cluster of the same name are two databases, in separate snapshot namespaces', () => {
    const plan = planShipper(config({ selection: { identifiers: ['orders'], clusterIdentifiers: ['orders'] } }), state({
      instances: [instance('orders'), cluster('orders')],
      automatedSnapshots: [automated('orders', 0), clusterSnapshot('orders', 0)],
    }));
    expect(plan.actions.map((a) => a.type === 'copy' && `${a.source.kind ?? 'instance'}:${a.targetIdentifier}`)).toEqual([
      'instance:failsafe-orders-20261120-120000', 'cluster:failsafe-orders-20261120-120000',
    ]);
  });

  test('instances and clusters have budgets apart: copies in flight (20 and 5 at most) and snapshot quotas', () => {
    const both = config({ maxCopiesInFlight: 1, maxClusterCopiesInFlight: 1, selection: { identifiers: ['orders', 'users'], clusterIdentifiers: ['ledger', 'audit'] } });
    const s = state({
      instances: [instance('orders'), instance('users'), cluster('ledger'), cluster('audit')],
      automatedSnapshots: [automated('orders', 0), automated('users', 0), clusterSnapshot('ledger', 0), clusterSnapshot('audit', 0)],
    });
    const limited = planShipper(both, s);
    // One copy of each kind: the instance copy does not use the cluster budget.
    expect(limited.actions.map((a) => a.type === 'copy' && `${a.source.kind ?? 'instance'}:${a.database}`)).toEqual(['instance:orders', 'cluster:audit']);
    expect(limited.findings.map((f) => f.code)).toEqual(['copy-deferred-in-flight-limit', 'copy-deferred-in-flight-limit']);
    // AWS's limits cap what the props ask for: 20 DB snapshot copies, 5 DB cluster snapshot copies.
    const many = Array.from({ length: 30 }, (_, i) => `c${i}`);
    const wide = planShipper(config({ maxCopiesInFlight: 20, maxClusterCopiesInFlight: 50, selection: { clusterIdentifiers: many } }),
      state({ instances: many.map((c) => cluster(c)), automatedSnapshots: many.map((c) => clusterSnapshot(c, 0)) }));
    expect(wide.actions).toHaveLength(5);
    // A full instance quota does not hold back a cluster copy.
    const fullOfInstances = Array.from({ length: 5 }, (_, i) => ({ ...automated('x', 0), identifier: `manual-${i}`, type: 'manual' }));
    const quota = planShipper(config({ manualSnapshotQuota: 5, selection: { identifiers: ['orders'], clusterIdentifiers: ['ledger'] } }),
      { ...s, manualSnapshots: fullOfInstances });
    expect(quota.actions.map((a) => a.type === 'copy' && a.source.kind)).toEqual(['cluster']);
    expect(quota.findings.map((f) => f.code)).toEqual(['copy-deferred-snapshot-quota']);
  });

  test('a cluster copy in progress counts against the cluster budget only', () => {
    const inFlight = { ...copyOf(clusterSnapshot('ledger', 1), shippingCopyIdentifier('ledger', clusterSnapshot('ledger', 1).createTime!), { status: 'creating' }), kind: 'cluster' as const };
    const plan = planShipper(config({ maxCopiesInFlight: 1, maxClusterCopiesInFlight: 1, selection: { identifiers: ['orders'], clusterIdentifiers: ['ledger', 'audit'] } }), state({
      instances: [instance('orders'), cluster('ledger'), cluster('audit')],
      automatedSnapshots: [automated('orders', 0), clusterSnapshot('ledger', 1), clusterSnapshot('audit', 0)],
      manualSnapshots: [inFlight],
    }));
    expect(plan.actions.map((a) => a.type === 'copy' && a.database)).toEqual(['orders']);
    expect(plan.findings.map((f) => f.code)).toEqual(['copy-deferred-in-flight-limit', 'copy-in-progress']);
  });

  test('a shipper across Regions ends its copies\' names with the Region code: a 33-character cluster of eu-west-1 is shipped, a 34-character one is reported', () => {
    const fits = `l${'o'.repeat(31)}g`;
    const long = `l${'o'.repeat(32)}g`;
    const across = { ...clusters([fits, long]), sourceRegion: 'eu-west-1' };
    const plan = planShipper(across, state({
      instances: [cluster(fits), cluster(long)], automatedSnapshots: [clusterSnapshot(fits, 0), clusterSnapshot(long, 0)],
    }));
    const copy = plan.actions.find((a) => a.type === 'copy');
    expect(copy).toMatchObject({ database: fits, targetIdentifier: expect.stringMatching(/-euw1$/) });
    expect(copy?.type === 'copy' && copy.targetIdentifier).toHaveLength(63);
    expect(plan.findings).toEqual([
      expect.objectContaining({ level: 'error', code: 'cluster-name-too-long', database: long, message: expect.stringMatching(/at most 33 characters/) }),
    ]);
  });

  test('a cluster name too long for its copies\' names (over 38 characters) is reported and not shipped', () => {
    const long = `l${'o'.repeat(37)}g`;
    const plan = planShipper(clusters([long]), state({ instances: [cluster(long)], automatedSnapshots: [clusterSnapshot(long, 0)] }));
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toEqual([expect.objectContaining({ level: 'error', code: 'cluster-name-too-long', database: long })]);
  });

  test('a cluster that does not exist is reported as a DB cluster; nothing selected is reported once', () => {
    const plan = planShipper(clusters(['ghost']), state({ instances: [instance('orders')] }));
    expect(plan.findings.map((f) => [f.code, f.message.split(' was')[0]])).toEqual([
      ['database-not-found', 'DB cluster ghost'],
      ['no-database-selected', expect.any(String)],
    ]);
  });

  test('retention trims old cluster copies like instance copies, keeping the newest shared one', () => {
    const days = [3, 2, 0].map((d) => clusterSnapshot('ledger', d));
    const copies = days.map((d) => ({ ...copyOf(d, shippingCopyIdentifier('ledger', d.createTime!), { announced: true }), kind: 'cluster' as const }));
    const plan = planShipper(clusters(['ledger']), state({ instances: [cluster('ledger')], automatedSnapshots: days, manualSnapshots: copies }));
    expect(plan.actions.map((a) => `${a.type}:${a.type === 'delete' ? a.snapshot.identifier : ''}`)).toEqual([`delete:${copies[0].identifier}`]);
    expect(plan.actions[0].type === 'delete' && plan.actions[0].snapshot.kind).toBe('cluster');
  });
});

describe('planVault with DB cluster snapshots', () => {
  const shipped = (db: string, daysAgo: number, extra: Partial<ShippedSnapshot> = {}): ShippedSnapshot => {
    const time = new Date(NOW.getTime() - daysAgo * DAY);
    const identifier = `failsafe-${db}-${time.toISOString().replace(/[-:]/g, '').slice(0, 15).replace('T', '-')}`;
    return { arn: `arn:aws:rds:${REGION}:${LIVE}:cluster-snapshot:${identifier}`, account: LIVE, region: REGION, identifier, database: db, time, kind: 'cluster', encrypted: true, ...extra };
  };
  const vaultConfig = { ownerId: 'vault-test', sourceAccounts: [LIVE], retentionMs: 31 * DAY, minimumCopies: 3, maxCopiesInFlight: 10, manualSnapshotQuota: 100 };
  const vaultCopy = (s: ShippedSnapshot): DbSnapshot => ({
    kind: 'cluster',
    identifier: vaultCopyIdentifier(s.arn),
    arn: `arn:aws:rds:${REGION}:222222222222:cluster-snapshot:${vaultCopyIdentifier(s.arn)}`,
    dbIdentifier: s.database,
    type: 'manual',
    status: 'available',
    createTime: s.time,
    encrypted: true,
    engine: 'aurora-postgresql',
    tags: {
      [TagKeys.OWNER]: 'vault-test',
      [TagKeys.SOURCE_ACCOUNT]: LIVE,
      [TagKeys.SOURCE_REGION]: REGION,
      [TagKeys.SOURCE_DATABASE]: s.database,
      [TagKeys.SOURCE_SNAPSHOT]: s.arn,
      [TagKeys.SOURCE_TIME]: s.time.toISOString(),
      [TagKeys.COMPLETED]: s.time.toISOString(),
    },
  });

  test('a shared cluster snapshot is copied under the vault key; an unencrypted one without a key, and reported', () => {
    const plan = planVault(vaultConfig, { now: NOW, region: REGION, shipped: [shipped('ledger', 0), shipped('plain', 0, { encrypted: false })], manualSnapshots: [] });
    expect(plan.actions.map((a) => a.type === 'copy' && [a.source.database, a.encrypt])).toEqual([['ledger', true], ['plain', false]]);
    expect(plan.findings.map((f) => f.code)).toEqual(['cluster-unencrypted']);
  });

  test('a cluster snapshot shared from another region is reported and not copied: RDS copies those only within their region', () => {
    const plan = planVault(vaultConfig, { now: NOW, region: 'eu-central-1', shipped: [shipped('ledger', 0)], manualSnapshots: [] });
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toEqual([expect.objectContaining({ level: 'error', code: 'cluster-cross-region' })]);
  });

  test('with copyClustersAcrossRegions, a cluster snapshot shared from another region is copied under the vault key, in one step', () => {
    const plan = planVault({ ...vaultConfig, copyClustersAcrossRegions: true }, { now: NOW, region: 'eu-central-1', shipped: [shipped('ledger', 0)], manualSnapshots: [] });
    expect(plan.actions.map((a) => a.type === 'copy' && [a.source.database, a.source.region, a.encrypt])).toEqual([['ledger', REGION, true]]);
    expect(plan.findings).toEqual([]);
  });

  test('an instance and a cluster of the same name are retained apart: one kind\'s copies never count for the other\'s minimumCopies', () => {
    // Three new cluster copies of "orders" and three old instance copies of "orders".
    const clusterCopies = [3, 2, 1].map((d) => vaultCopy(shipped('orders', d)));
    const instanceCopies = [60, 50, 40].map((d) => {
      const c = vaultCopy(shipped('orders', d, { kind: 'instance' }));
      const arn = c.tags[TagKeys.SOURCE_SNAPSHOT].replace(':cluster-snapshot:', ':snapshot:');
      return { ...c, kind: 'instance' as const, identifier: vaultCopyIdentifier(arn), tags: { ...c.tags, [TagKeys.SOURCE_SNAPSHOT]: arn } };
    });
    const plan = planVault(vaultConfig, { now: NOW, region: REGION, shipped: [], manualSnapshots: [...clusterCopies, ...instanceCopies] });
    // The instance copies are the newest three of their own kind: all are kept, however old.
    expect(plan.actions).toEqual([]);
    expect(plan.findings.filter((f) => f.code === 'kept-minimum-copies')).toHaveLength(3);
  });

  test('retention over cluster copies keeps the newest minimumCopies and deletes only the vault\'s own', () => {
    // Newest first: 1, 2 and 35 days old are kept (35 as the third newest), 40, 50 and 60 are deleted.
    const history = [60, 50, 40, 35, 2, 1].map((d) => vaultCopy(shipped('ledger', d)));
    const foreign = { ...vaultCopy(shipped('ledger', 90)), identifier: 'vault-foreign', tags: { [TagKeys.OWNER]: 'someone-else' } };
    const plan = planVault(vaultConfig, { now: NOW, region: REGION, shipped: [], manualSnapshots: [...history, foreign] });
    expect(plan.actions.map((a) => a.type === 'delete' && [a.snapshot.identifier, a.snapshot.kind])).toEqual(
      [history[2], history[1], history[0]].map((c) => [c.identifier, 'cluster']),
    );
    expect(plan.recoveryPoints).toEqual([{ account: LIVE, region: REGION, database: 'ledger', time: shipped('ledger', 1).time }]);
  });
});
