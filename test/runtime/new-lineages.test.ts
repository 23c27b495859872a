/**
 * New lineages: a sweep with an hourly tier lists new lineages among its
 * successors only within the source's lineage budget, and a successor pass
 * starts one; an announcement still leaves it to the sweep.
 */
import * as fc from 'fast-check';
import { DAY, LIVE, NOW, REGION } from './fixtures';
import { handsOnNewLineages, LineagePromises, mayStartNewLineage, promiseLineage } from '../../src/runtime/new-lineages';
import { SourceRoom } from '../../src/runtime/source-budget';
import { decodeSuccessors, parseShippedRef } from '../../src/runtime/successors';
import { TagKeys } from '../../src/runtime/tags';
import { planVault, ShippedSnapshot, VaultPlanConfig, vaultCopyIdentifier } from '../../src/runtime/vault-plan';

const HOUR = 3_600_000;
const DAILY = { retentionMs: 31 * DAY, minimumCopies: 3 };
const HOURLY = { ...DAILY, hourlyCopies: 24, minimumAgeMs: DAY };

const roomOf = (held: readonly string[], maxLineages: number): SourceRoom => ({
  account: LIVE, snapshots: held.length, maxSnapshots: 1000, lineages: new Set(held), maxLineages, refused: 0,
});

describe('promiseLineage', () => {
  test('with an hourly tier: a held lineage is always listed, a new one while the budget has room, and once', () => {
    const room = roomOf(['held'], 3);
    const promises: LineagePromises = new Map();
    const listed = ['held', 'new-1', 'new-1', 'new-2', 'new-3', 'held'].map((l) => promiseLineage(HOURLY, promises, room, l));
    expect(listed).toEqual([true, true, true, true, false, true]);
    expect(promises.get(LIVE)).toEqual(new Set(['new-1', 'new-2']));
    // The promises are not lineages held: the room itself is unchanged.
    expect(room.lineages).toEqual(new Set(['held']));
  });

  test('without an hourly tier nothing is promised, and everything waiting is listed as before', () => {
    const promises: LineagePromises = new Map();
    expect(['a', 'b', 'c'].map((l) => promiseLineage(DAILY, promises, roomOf([], 1), l))).toEqual([true, true, true]);
    expect(promises.size).toBe(0);
  });

  test('the lineages held and promised never pass the budget, whatever waits (property-based)', () => {
    const lineage = fc.constantFrom('l0', 'l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7');
    fc.assert(fc.property(fc.uniqueArray(lineage, { maxLength: 8 }), fc.array(lineage, { maxLength: 30 }), fc.integer({ min: 1, max: 8 }),
      (held, waiting, maxLineages) => {
        const room = roomOf(held, Math.max(maxLineages, held.length));
        const promises: LineagePromises = new Map();
        for (const l of waiting) {
          const listed = promiseLineage(HOURLY, promises, room, l);
          if (held.includes(l)) expect(listed).toBe(true);
        }
        const promised = promises.get(LIVE) ?? new Set();
        expect(held.length + promised.size).toBeLessThanOrEqual(room.maxLineages);
        for (const l of promised) expect(held).not.toContain(l);
        // Nothing promised is refused later: a new lineage is refused only when the budget is full.
        const refused = [...new Set(waiting)].filter((l) => !held.includes(l) && !promised.has(l));
        if (refused.length > 0) expect(held.length + promised.size).toBe(room.maxLineages);
      }));
  });

  test('only a successor pass, with an hourly tier, may start a new lineage', () => {
    expect(handsOnNewLineages(HOURLY)).toBe(true);
    expect(handsOnNewLineages(DAILY)).toBe(false);
    expect(mayStartNewLineage(HOURLY, { successor: true })).toBe(true);
    expect(mayStartNewLineage(HOURLY, {})).toBe(false);
    expect(mayStartNewLineage(DAILY, { successor: true })).toBe(false);
  });
});

describe('planVault: new lineages handed on', () => {
  const config = (extra: Partial<VaultPlanConfig> = {}): VaultPlanConfig => ({
    ownerId: 'vault-test', sourceAccounts: [LIVE], maxCopiesInFlight: 1, manualSnapshotQuota: 1000, maxLineagesPerSource: 100, ...HOURLY, ...extra,
  });
  /** A snapshot shipped `hoursAgo` of database `db`, whose resource id is `db-<db>`. */
  const shipped = (db: string, hoursAgo = 1): ShippedSnapshot => {
    const time = new Date(NOW.getTime() - hoursAgo * HOUR);
    const identifier = `failsafe-${db}-${time.toISOString().replace(/[-:]/g, '').slice(0, 15).replace('T', '-')}`;
    return { arn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:${identifier}`, account: LIVE, region: REGION, identifier, database: db, time, status: 'available', resourceId: `db-${db}` };
  };
  const copies = (plan: ReturnType<typeof planVault>) => plan.actions.flatMap((a) => (a.type === 'copy' ? [a.source.database] : []));
  const codes = (plan: ReturnType<typeof planVault>) => plan.findings.map((f) => f.code);

  test('a successor pass starts a lineage the vault holds nothing of; an announcement leaves it to the sweep', () => {
    const state = { now: NOW, shipped: [shipped('orders')], manualSnapshots: [], partial: true };
    expect(copies(planVault(config(), { ...state, successor: true }))).toEqual(['orders']);
    const announced = planVault(config(), state);
    expect(copies(announced)).toEqual([]);
    expect(codes(announced)).toEqual(['new-lineage-waits-for-sweep']);
    // Without an hourly tier the successor leaves it to the sweep too, as before.
    const daily = planVault(config({ hourlyCopies: undefined, minimumAgeMs: undefined }), { ...state, successor: true });
    expect(copies(daily)).toEqual([]);
    expect(codes(daily)).toEqual(['new-lineage-waits-for-sweep']);
  });

  test('a sweep lists the new lineages left waiting, stalest first, as far as the source\'s lineage budget goes', () => {
    // One lineage held (users), one copy slot: the sweep starts one new lineage and may promise two more of 4.
    const held = shipped('users', 30);
    const heldCopy = {
      identifier: vaultCopyIdentifier(held.arn),
      arn: '',
      dbIdentifier: 'users',
      type: 'manual',
      status: 'available',
      createTime: held.time,
      encrypted: true,
      engine: 'postgres',
      resourceId: 'db-users',
      tags: {
        [TagKeys.OWNER]: 'vault-test',
        [TagKeys.SOURCE_ACCOUNT]: LIVE,
        [TagKeys.SOURCE_REGION]: REGION,
        [TagKeys.SOURCE_DATABASE]: 'users',
        [TagKeys.SOURCE_SNAPSHOT]: held.arn,
        [TagKeys.SOURCE_TIME]: held.time.toISOString(),
        [TagKeys.COMPLETED]: held.time.toISOString(),
      },
    };
    const waiting = ['a', 'b', 'c', 'd', 'e'].map((db, i) => shipped(db, 10 - i));
    const state = { now: NOW, shipped: [...waiting, shipped('users', 2)], manualSnapshots: [heldCopy] };
    const listedIn = (plan: ReturnType<typeof planVault>) => plan.actions.flatMap((a) => (a.type === 'copy' ? decodeSuccessors(a.tags[TagKeys.SUCCESSORS]) : []))
      .map((ref) => parseShippedRef(ref)!.identifier.split('-')[1]);
    const hourly = planVault(config({ maxLineagesPerSource: 4 }), state);
    expect(copies(hourly)).toEqual(['a']);
    // b and c take the room left (users, a, b, c); d and e wait for a sweep; users holds its lineage, so it is listed.
    expect(listedIn(hourly)).toEqual(['b', 'c', 'users']);
    // Without an hourly tier the list is as before: everything left waiting (a successor pass then leaves new lineages to the sweep).
    const daily = planVault(config({ maxLineagesPerSource: 4, hourlyCopies: undefined, minimumAgeMs: undefined }), state);
    expect(listedIn(daily)).toEqual(['b', 'c', 'd', 'e', 'users']);
  });
});
