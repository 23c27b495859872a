/**
 * "Every line about a snapshot carries `snapshotCorrelationId`" (README, Logs):
 * every finding code of the shipper's planner that names a snapshot is reached
 * here, and each such finding must carry the ARN it is followed by.
 */
import { automated, config, copyOf, instance, LIVE, NOW, OWNER, REGION, state } from './fixtures';
import { recoveryPointIdentifier, shippingCopyIdentifier } from '../../src/runtime/naming';
import { slotStart } from '../../src/runtime/recovery-points';
import { DbSnapshot, Finding, FindingCode, planShipper } from '../../src/runtime/shipper-plan';
import { TagKeys } from '../../src/runtime/tags';

const HOUR = 3_600_000;
const FOUR_HOURS = { intervalMs: 4 * HOUR };
const SLOT = new Date(slotStart(NOW.getTime(), FOUR_HOURS));
const SHIPPER_REGION = 'eu-central-1';

function taken(db: string, slot: Date, status = 'available'): DbSnapshot {
  const identifier = recoveryPointIdentifier(db, slot);
  return {
    identifier,
    arn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:${identifier}`,
    dbIdentifier: db,
    type: 'manual',
    status,
    createTime: new Date(slot.getTime() + 5 * 60_000),
    encrypted: true,
    kmsKeyId: `arn:aws:kms:${REGION}:${LIVE}:key/database`,
    engine: 'postgres',
    tags: { [TagKeys.OWNER]: OWNER, [TagKeys.SOURCE_DATABASE]: db, [TagKeys.RECOVERY_POINT]: slot.toISOString() },
  };
}

const oracle = (group: string) => automated('orders', 0, { engine: 'oracle-ee', optionGroupName: group });
const snap = automated('orders', 0);
const copyName = shippingCopyIdentifier('orders', snap.createTime!);
const dbs = ['a1', 'a2'];
const previous = taken('orders', new Date(SLOT.getTime() - 4 * HOUR));

/** Scenarios reaching every finding code that names a snapshot. */
const scenarios: Array<[string, ReturnType<typeof planShipper>]> = [
  ['option group unknown', planShipper(config(), state({ automatedSnapshots: [oracle('og-missing')] }))],
  ['TDE', planShipper(config(), state({ automatedSnapshots: [oracle('og')], optionGroups: new Map([['og', { name: 'og', permanentOrPersistent: ['TDE'] }]]) }))],
  ['permanent option', planShipper(config(), state({
    automatedSnapshots: [automated('orders', 0, { engine: 'sqlserver-ee', optionGroupName: 'og' })],
    optionGroups: new Map([['og', { name: 'og', permanentOrPersistent: ['SQLSERVER_AUDIT'] }]]),
  }))],
  ['name conflict', planShipper(config(), state({ automatedSnapshots: [snap], manualSnapshots: [copyOf(snap, copyName, { tags: { [TagKeys.OWNER]: 'someone-else' } })] }))],
  ['copy in progress', planShipper(config(), state({ automatedSnapshots: [snap], manualSnapshots: [copyOf(snap, copyName, { status: 'creating' })] }))],
  ['copy failed', planShipper(config(), state({ automatedSnapshots: [snap], manualSnapshots: [copyOf(snap, copyName, { status: 'failed' })] }))],
  ['already copied', planShipper(config(), state({ automatedSnapshots: [snap], manualSnapshots: [copyOf(snap, copyName, { announced: true })] }))],
  ['kept newest', planShipper(config(), state({
    instances: [instance('orders', { backupRetentionPeriod: 0 })],
    manualSnapshots: [copyOf(automated('orders', 30), shippingCopyIdentifier('orders', automated('orders', 30).createTime!), { announced: true })],
  }))],
  ['in-flight limit, copies in another Region', planShipper(
    config({ selection: { identifiers: dbs }, maxCopiesInFlight: 1, copyRegion: SHIPPER_REGION }),
    state({ instances: dbs.map((d) => instance(d)), automatedSnapshots: dbs.map((d) => automated(d, 0)) }),
  )],
  ['snapshot quota', planShipper(config({ manualSnapshotQuota: 5 }), state({
    automatedSnapshots: [snap],
    manualSnapshots: Array.from({ length: 5 }, (_, i) => ({ ...automated('other', i), type: 'manual', identifier: `manual-${i}`, tags: {} })),
  }))],
  ['unencrypted cluster', planShipper(config({ selection: { clusterIdentifiers: ['plain'] } }), state({
    instances: [instance('plain', { kind: 'cluster', arn: `arn:aws:rds:${REGION}:${LIVE}:cluster:plain`, engine: 'aurora-postgresql' })],
    automatedSnapshots: [(() => {
      const s = automated('plain', 0, { kind: 'cluster', engine: 'aurora-postgresql', encrypted: false });
      return { ...s, arn: s.arn.replace(':snapshot:', ':cluster-snapshot:') };
    })()],
  }))],
  ['copy waits for previous', planShipper(config(), state({
    automatedSnapshots: [automated('orders', 1), snap],
    manualSnapshots: [copyOf(automated('orders', 1), shippingCopyIdentifier('orders', automated('orders', 1).createTime!), { status: 'creating' })],
  }))],
  ['recovery point waits for previous', planShipper(config({ recoveryPoints: FOUR_HOURS }), state({
    manualSnapshots: [previous, copyOf(previous, shippingCopyIdentifier('orders', previous.createTime!), { status: 'creating' })],
  }))],
  ['recovery point failed', planShipper(config({ recoveryPoints: FOUR_HOURS }), state({ manualSnapshots: [taken('orders', SLOT, 'failed')] }))],
  ['newer point shipped', planShipper(config({ recoveryPoints: FOUR_HOURS, shareableKeyArns: [`arn:aws:kms:${REGION}:${LIVE}:key/database`] }), state({
    automatedSnapshots: [automated('orders', 0.5)],
    manualSnapshots: [{ ...taken('orders', SLOT), tags: { ...taken('orders', SLOT).tags, [TagKeys.ANNOUNCED]: NOW.toISOString() } }],
  }))],
];

/** The codes of findings about one snapshot. Findings about a database, a pass or a Region (no snapshot) are not listed. */
const SNAPSHOT_CODES: readonly FindingCode[] = [
  'option-group-unknown', 'cannot-share-tde', 'cannot-share-option-group', 'name-conflict', 'copy-in-progress', 'copy-failed',
  'already-copied', 'kept-newest-shared-copy', 'copy-deferred-in-flight-limit', 'copy-deferred-snapshot-quota', 'cluster-unencrypted',
  'copy-waits-for-previous', 'recovery-point-waits-for-previous', 'recovery-point-failed', 'newer-point-shipped',
];

const findings: Finding[] = scenarios.flatMap(([, plan]) => plan.findings);

test('the scenarios reach every finding code about a snapshot', () => {
  const reached = new Set(findings.map((f) => f.code));
  expect(SNAPSHOT_CODES.filter((c) => !reached.has(c))).toEqual([]);
});

test.each(SNAPSHOT_CODES)('every %s finding names its snapshot and carries snapshotCorrelationId, an RDS snapshot ARN', (code) => {
  const of = findings.filter((f) => f.code === code);
  expect(of.length).toBeGreaterThan(0);
  for (const f of of) {
    expect({ code, snapshot: typeof f.snapshot }).toEqual({ code, snapshot: 'string' });
    expect({ code, id: f.snapshotCorrelationId }).toEqual({ code, id: expect.stringMatching(/^arn:aws:rds:[a-z0-9-]+:\d{12}:(cluster-)?snapshot:/) });
  }
});

test('every finding that names a snapshot carries snapshotCorrelationId, whatever its code', () => {
  const missing = findings.filter((f) => f.snapshot !== undefined && !f.snapshotCorrelationId).map((f) => f.code);
  expect(missing).toEqual([]);
});

test('a deferred copy carries the ARN its copy will have, in the Region the shipper copies into', () => {
  const deferred = findings.find((f) => f.code === 'copy-deferred-in-flight-limit')!;
  const id = shippingCopyIdentifier(deferred.database!, NOW);
  expect(deferred.snapshotCorrelationId).toBe(`arn:aws:rds:${SHIPPER_REGION}:${LIVE}:snapshot:${id}`);
  const quota = findings.find((f) => f.code === 'copy-deferred-snapshot-quota')!;
  expect(quota.snapshotCorrelationId).toBe(`arn:aws:rds:${REGION}:${LIVE}:snapshot:${copyName}`);
  const cluster = findings.find((f) => f.code === 'cluster-unencrypted')!;
  expect(cluster.snapshotCorrelationId).toBe(`arn:aws:rds:${REGION}:${LIVE}:cluster-snapshot:${shippingCopyIdentifier('plain', NOW)}`);
});
