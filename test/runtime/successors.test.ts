/** Successors: how a sweep deals the waiting databases out to the copies in flight, and how a finished copy hands its slot on. */
import { automated, config, copyOf, instance, state } from './fixtures';
import { shippingCopyIdentifier } from '../../src/runtime/naming';
import { planShipper } from '../../src/runtime/shipper-plan';
import { decodeSuccessors, dealSuccessors, encodeSuccessors, MAX_SUCCESSORS_CHARS, parseShippedRef, shippedRef } from '../../src/runtime/successors';
import { TagKeys } from '../../src/runtime/tags';
import { planVault, ShippedSnapshot } from '../../src/runtime/vault-plan';

describe('successor lists', () => {
  test('are dealt out in turn, stalest first, each database to one copy only', () => {
    expect(dealSuccessors(['a', 'b', 'c', 'd', 'e'], ['x', 'y'])).toEqual(new Map([['x', 'a c e'], ['y', 'b d']]));
    expect(dealSuccessors([], ['x'])).toEqual(new Map([['x', '']]));
  });

  test('keep as many names as fit in a tag value, and read back', () => {
    const names = Array.from({ length: 40 }, (_, i) => `database-${String(i).padStart(3, '0')}`);
    const value = encodeSuccessors(names);
    expect(value.length).toBeLessThanOrEqual(MAX_SUCCESSORS_CHARS);
    expect(decodeSuccessors(value)).toEqual(names.slice(0, decodeSuccessors(value).length));
    expect(decodeSuccessors(value).length).toBe(19); // 19 names of 12 characters and 18 spaces: 246
    expect(decodeSuccessors(undefined)).toEqual([]);
    expect(decodeSuccessors('')).toEqual([]);
  });
});

describe('planShipper: successors', () => {
  const dbs = ['a', 'b', 'c', 'd', 'e', 'f'];
  const base = { instances: dbs.map((d) => instance(d)), automatedSnapshots: dbs.map((d) => automated(d, 0)) };
  const cfg = config({ maxCopiesInFlight: 3, selection: { identifiers: dbs } });
  const creating = (db: string, successors?: string) => {
    const source = automated(db, 0);
    return copyOf(source, shippingCopyIdentifier(db, source.createTime!), { status: 'creating', tags: successors === undefined ? {} : { [TagKeys.SUCCESSORS]: successors } });
  };

  test('a sweep deals the databases left waiting to the copies in flight and to those it starts', () => {
    const plan = planShipper(cfg, state({ ...base, manualSnapshots: [creating('a')] }));
    const copies = plan.actions.flatMap((a) => (a.type === 'copy' ? [[a.database, a.tags[TagKeys.SUCCESSORS]]] : []));
    const handedOn = plan.actions.flatMap((a) => (a.type === 'set-successors' ? [[a.snapshot.identifier, a.successors]] : []));
    // a is in flight; b and c start; d, e and f wait, dealt out to a's copy and the two new ones.
    expect(copies).toEqual([['b', 'e'], ['c', 'f']]);
    expect(handedOn).toEqual([[creating('a').identifier, 'd']]);
  });

  test('an unchanged list is not written again, and a list no longer needed is cleared', () => {
    const inFlight = ['a', 'b', 'c'].map((d, i) => creating(d, ['d', 'e', 'f'][i]));
    const same = planShipper(cfg, state({ ...base, manualSnapshots: inFlight }));
    expect(same.actions).toEqual([]);
    const nobodyWaits = planShipper(config({ maxCopiesInFlight: 3, selection: { identifiers: ['a', 'b', 'c'] } }), state({ ...base, manualSnapshots: inFlight }));
    expect(nobodyWaits.actions.map((a) => a.type === 'set-successors' && a.successors)).toEqual(['', '', '']);
  });

  test('a pass that takes over a finished copy\'s slot passes on what it inherited; cluster copies carry no list', () => {
    const taking = planShipper(config({ selection: { identifiers: ['d'] } }), state({
      instances: [instance('d')], automatedSnapshots: [automated('d', 0)], partial: true, inheritedSuccessors: 'e f',
    }));
    expect(taking.actions.map((a) => a.type === 'copy' && a.tags[TagKeys.SUCCESSORS])).toEqual(['e f']);
    const plain = planShipper(config({ selection: { identifiers: ['d'] } }), state({ instances: [instance('d')], automatedSnapshots: [automated('d', 0)], partial: true }));
    expect(plain.actions.map((a) => a.type === 'copy' && a.tags[TagKeys.SUCCESSORS])).toEqual([undefined]);
  });
});

describe('planVault: successors', () => {
  const LIVE_ACCOUNT = '111111111111';
  const shippedOf = (db: string): ShippedSnapshot => {
    const identifier = shippingCopyIdentifier(db, automated(db, 0).createTime!);
    return { arn: `arn:aws:rds:eu-west-1:${LIVE_ACCOUNT}:snapshot:${identifier}`, account: LIVE_ACCOUNT, region: 'eu-west-1', identifier, database: db, time: automated(db, 0).createTime!, status: 'available' };
  };
  const vaultConfig = { ownerId: 'vault-test', sourceAccounts: [LIVE_ACCOUNT], retentionMs: 31 * 86_400_000, minimumCopies: 3, maxCopiesInFlight: 2, maxLineagesPerSource: 100 };

  test('a sweep deals the shipped snapshots left waiting, as account:region:name, to the copies it starts', () => {
    const shipped = ['a', 'b', 'c', 'd', 'e'].map(shippedOf);
    const plan = planVault(vaultConfig, { now: automated('a', 0).createTime!, shipped, manualSnapshots: [] });
    const copies = plan.actions.flatMap((a) => (a.type === 'copy' ? [a.tags[TagKeys.SUCCESSORS]] : []));
    expect(copies).toEqual([
      `${shippedRef(shipped[2])} ${shippedRef(shipped[4])}`,
      shippedRef(shipped[3]),
    ]);
    expect(parseShippedRef(shippedRef(shipped[2]))).toEqual({ account: LIVE_ACCOUNT, region: 'eu-west-1', identifier: shipped[2].identifier });
  });
});
