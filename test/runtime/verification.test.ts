import { LIVE, REGION } from './fixtures';
import { DbSnapshot } from '../../src/runtime/shipper-plan';
import { copiesPerLineage, sourceRefusalOf, sourceRoomsOf, takeRoom } from '../../src/runtime/source-budget';
import { ShippedSnapshot } from '../../src/runtime/vault-plan';
import { MAX_CLAIMED_AGE_AT_SHARING_MS, verifyShared } from '../../src/runtime/verification';

const DAY = 86_400_000;
const TIME = new Date('2026-11-20T03:00:00Z');
const ARN = `arn:aws:rds:${REGION}:${LIVE}:snapshot:failsafe-orders-20261120-030000`;
const claim: ShippedSnapshot = { arn: ARN, account: LIVE, region: REGION, identifier: 'failsafe-orders-20261120-030000', database: 'orders', time: TIME };
const meta = (extra: Partial<DbSnapshot> = {}): DbSnapshot => ({
  identifier: ARN,
  arn: ARN,
  dbIdentifier: 'orders',
  type: 'shared',
  status: 'available',
  encrypted: true,
  engine: 'postgres',
  tags: {},
  resourceId: 'db-ORDERS',
  originalCreateTime: TIME,
  createTime: new Date(TIME.getTime() + 3_600_000),
  ...extra,
});

describe('verifyShared: what Live claims, against what RDS says', () => {
  test('a shipper copy RDS bears out passes, with RDS\'s resource id, status and encryption', () => {
    expect(verifyShared({ snapshot: claim, engine: 'postgres', resourceId: 'db-ORDERS' }, meta({ status: 'copying', encrypted: false }))).toEqual({
      ok: true, snapshot: { ...claim, resourceId: 'db-ORDERS', status: 'copying', encrypted: false, kind: 'instance' },
    });
  });

  test.each([
    ['a snapshot RDS does not show the vault', undefined, {}, 'not-shared'],
    ['no resource id', meta({ resourceId: undefined }), {}, 'no-resource-id'],
    ['a snapshot of another database named for this one', meta({ dbIdentifier: 'junk' }), {}, 'database-mismatch'],
    ['another resource id than announced', meta(), { resourceId: 'db-OTHER' }, 'resource-id-mismatch'],
    ['another engine than announced', meta(), { engine: 'mysql' }, 'engine-mismatch'],
    ['a name that claims another time than RDS took the original', meta({ originalCreateTime: new Date(TIME.getTime() - DAY) }), {}, 'time-mismatch'],
    ['a cluster snapshot that claims a time after RDS made it', meta({ originalCreateTime: undefined, createTime: new Date(TIME.getTime() - 3_600_000) }), {}, 'time-mismatch'],
    ['a cluster snapshot that claims to be far older than RDS made it: a recent one passed off as old, to take a weekly or monthly slot',
      meta({ originalCreateTime: undefined, createTime: new Date(TIME.getTime() + MAX_CLAIMED_AGE_AT_SHARING_MS + 1) }), {}, 'time-mismatch'],
  ])('refuses %s', (_name, described, claims, code) => {
    const out = verifyShared({ snapshot: claim, ...claims }, described);
    expect(out.ok ? undefined : out.code).toBe(code);
  });
});

describe('verifyShared: a snapshot the shipper took and shared as it is', () => {
  const SLOT = new Date('2026-11-20T04:00:00Z');
  const takenArn = `arn:aws:rds:${REGION}:${LIVE}:snapshot:failsafe-orders-20261120-0400`;
  const takenClaim: ShippedSnapshot = { ...claim, arn: takenArn, identifier: 'failsafe-orders-20261120-0400', time: SLOT };
  const took = (at: Date) => meta({ identifier: takenArn, arn: takenArn, originalCreateTime: at, createTime: at });

  test('passes when RDS took it in the day after its interval started, with RDS\'s time as the recovery point', () => {
    const at = new Date(SLOT.getTime() + 7 * 60_000 + 31_000);
    expect(verifyShared({ snapshot: takenClaim }, took(at))).toMatchObject({ ok: true, snapshot: { time: at } });
  });

  test.each([
    ['before its interval', new Date(SLOT.getTime() - 3_600_000)],
    ['a day or more after its interval started', new Date(SLOT.getTime() + DAY)],
  ])('is refused when RDS took it %s: a name cannot make a snapshot pass for another interval', (_name, at) => {
    const out = verifyShared({ snapshot: takenClaim }, took(at));
    expect(out.ok ? undefined : [out.code, out.reason]).toEqual(['time-mismatch', expect.stringMatching(/named for the interval that starts at 2026-11-20T04:00:00.000Z/)]);
  });
});

describe('verifyShared: the database\'s Region', () => {
  const DR = 'eu-central-1';
  const drArn = `arn:aws:rds:${DR}:${LIVE}:snapshot:failsafe-orders-20261120-030000-euw1`;
  const across: ShippedSnapshot = { ...claim, arn: drArn, region: DR, identifier: 'failsafe-orders-20261120-030000-euw1' };
  const verify = (snapshot: ShippedSnapshot, described: DbSnapshot, databaseRegion?: string) =>
    verifyShared({ snapshot, ...(databaseRegion ? { databaseRegion } : {}) }, { ...described, arn: snapshot.arn, identifier: snapshot.arn });
  const regionOf = (out: ReturnType<typeof verifyShared>) => (out.ok ? out.snapshot.databaseRegion ?? out.snapshot.region : out.code);

  test.each<[string, ShippedSnapshot, Partial<DbSnapshot>, string | undefined, string]>([
    ['a copy within its Region, as RDS says', claim, { originRegion: REGION }, undefined, REGION],
    ['a copy within its Region, RDS saying nothing', claim, {}, undefined, REGION],
    ['a copy across Regions, as RDS says', across, { originRegion: REGION }, undefined, REGION],
    ['a copy across Regions, RDS saying nothing, claimed', across, {}, REGION, REGION],
    ['a copy across Regions, RDS saying nothing, nothing claimed: its name claims what nothing bears out', across, {}, undefined, 'region-mismatch'],
    ['a copy across Regions that RDS says came from elsewhere', across, { originRegion: 'us-east-1' }, REGION, 'region-mismatch'],
    ['a copy within its Region named as a copy across Regions', across, { originRegion: DR }, undefined, 'region-mismatch'],
    ['a copy across Regions named as a copy within its Region', claim, { originRegion: 'us-east-1' }, undefined, 'region-mismatch'],
    ['a Region from RDS that is no Region name', across, { originRegion: 'Ireland' }, undefined, 'region-mismatch'],
  ])('%s', (_name, snapshot, described, claimed, expected) => {
    expect(regionOf(verify(snapshot, meta(described), claimed))).toBe(expected);
  });
});

describe('per-source budgets', () => {
  const policy = { retentionMs: 31 * DAY, minimumCopies: 3 };

  test('a lineage may hold a copy a day for the retention, one in progress, the minimum copies again, and its weekly and monthly ones', () => {
    expect(copiesPerLineage(policy)).toBe(31 + 1 + 3);
    expect(copiesPerLineage({ ...policy, minimumAgeMs: 40 * DAY, weeklyCopies: 12, monthlyCopies: 12 })).toBe(40 + 1 + 3 + 12 + 12);
  });

  test('with an hourly tier, also every copy of the minimum age at up to one an hour, and one per hour of the tier', () => {
    expect(copiesPerLineage({ ...policy, minimumAgeMs: DAY, hourlyCopies: 24 })).toBe(31 + 1 + 3 + 24 + 24);
  });

  test('by default each source gets an equal share of the room, and as many lineages as that share keeps', () => {
    const rooms = sourceRoomsOf(policy, [LIVE, '333333333333'], 90, []);
    expect(rooms.get(LIVE)).toMatchObject({ maxSnapshots: 45, maxLineages: 1 });
    const wide = sourceRoomsOf(policy, [LIVE], 3500, []);
    expect(wide.get(LIVE)).toMatchObject({ maxSnapshots: 3500, maxLineages: 100 });
  });

  test('a source over its budget is refused; another source is not; a known lineage still fits where a new one does not', () => {
    const held = [
      ...Array.from({ length: 4 }, () => ({ lineage: `${LIVE}/${REGION}/db-A` })),
      { lineage: `${LIVE}/${REGION}/db-B` },
    ];
    const rooms = sourceRoomsOf({ ...policy, maxSnapshotsPerSource: 6, maxLineagesPerSource: 2 }, [LIVE, '333333333333'], 1000, held);
    const live = rooms.get(LIVE)!;
    expect(sourceRefusalOf(live, `${LIVE}/${REGION}/db-C`)).toBe('source-lineages');
    expect(sourceRefusalOf(live, `${LIVE}/${REGION}/db-A`)).toBeUndefined();
    takeRoom(live, `${LIVE}/${REGION}/db-A`);
    expect(sourceRefusalOf(live, `${LIVE}/${REGION}/db-A`)).toBe('source-snapshots');
    expect(sourceRefusalOf(rooms.get('333333333333')!, `333333333333/${REGION}/db-X`)).toBeUndefined();
  });
});
