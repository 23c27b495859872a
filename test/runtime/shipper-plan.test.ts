import { automated, config, copyOf, DAY, instance, NOW, OWNER, state } from './fixtures';
import { shippingCopyIdentifier } from '../../src/runtime/naming';
import { planShipper, ShipperAction } from '../../src/runtime/shipper-plan';
import { TagKeys } from '../../src/runtime/tags';

const types = (actions: readonly ShipperAction[]) => actions.map((a) => `${a.type}:${'snapshot' in a ? a.snapshot.identifier : a.targetIdentifier}`);
const codes = (plan: ReturnType<typeof planShipper>) => plan.findings.map((f) => f.code);

describe('planShipper: copying', () => {
  test('copies the newest available automated snapshot, with ownership and provenance tags', () => {
    const old = automated('orders', 2);
    const newest = automated('orders', 1);
    const creating = automated('orders', 0, { status: 'creating' });
    const plan = planShipper(config(), state({ automatedSnapshots: [old, newest, creating] }));
    expect(plan.actions).toEqual([
      {
        type: 'copy',
        encrypt: true,
        database: 'orders',
        source: newest,
        targetIdentifier: 'failsafe-orders-20261119-120000',
        tags: {
          [TagKeys.OWNER]: OWNER,
          [TagKeys.SOURCE_DATABASE]: 'orders',
          [TagKeys.SOURCE_SNAPSHOT]: newest.identifier,
          [TagKeys.SOURCE_TIME]: '2026-11-19T12:00:00.000Z',
        },
      },
    ]);
    expect(plan.selected).toEqual(['orders']);
  });

  test('a rerun after the copy started plans no second copy (copy in progress)', () => {
    const snap = automated('orders', 0);
    const copy = copyOf(snap, shippingCopyIdentifier('orders', snap.createTime!), { status: 'creating' });
    const plan = planShipper(config(), state({ automatedSnapshots: [snap], manualSnapshots: [copy] }));
    expect(plan.actions).toEqual([]);
    expect(codes(plan)).toEqual(['copy-in-progress']);
  });

  test('a finished copy is shared and announced once, then left alone', () => {
    const snap = automated('orders', 0);
    const name = shippingCopyIdentifier('orders', snap.createTime!);
    const done = copyOf(snap, name);
    expect(types(planShipper(config(), state({ automatedSnapshots: [snap], manualSnapshots: [done] })).actions)).toEqual([`share-and-announce:${name}`]);
    const announced = copyOf(snap, name, { announced: true });
    const idle = planShipper(config(), state({ automatedSnapshots: [snap], manualSnapshots: [announced] }));
    expect(idle.actions).toEqual([]);
    expect(idle.findings).toEqual([expect.objectContaining({ level: 'info', code: 'already-copied', database: 'orders', snapshot: name })]);
    expect(idle.shipped).toEqual([{ database: 'orders', time: snap.createTime }]);
  });

  test('a lost event changes nothing: a sweep finds the unshipped snapshot from state alone', () => {
    // Day 1 was shipped; the event for day 2 never arrived.
    const day1 = automated('orders', 1);
    const day2 = automated('orders', 0);
    const shipped = copyOf(day1, shippingCopyIdentifier('orders', day1.createTime!), { announced: true });
    const plan = planShipper(config(), state({ automatedSnapshots: [day1, day2], manualSnapshots: [shipped] }));
    expect(types(plan.actions)).toEqual(['copy:failsafe-orders-20261120-120000']);
  });

  test('the shipping copy is made whatever the source encryption', () => {
    for (const extra of [{ encrypted: false }, { encrypted: true, kmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/aws-rds' }, { encrypted: true, kmsKeyId: 'arn:aws:kms:eu-west-1:111111111111:key/cmk' }]) {
      const plan = planShipper(config(), state({ automatedSnapshots: [automated('orders', 0, extra)] }));
      expect(types(plan.actions)).toEqual(['copy:failsafe-orders-20261120-120000']);
    }
  });

  test('a failed copy is deleted so a later pass can copy again', () => {
    const snap = automated('orders', 0);
    const failed = copyOf(snap, shippingCopyIdentifier('orders', snap.createTime!), { status: 'failed' });
    const plan = planShipper(config(), state({ automatedSnapshots: [snap], manualSnapshots: [failed] }));
    expect(types(plan.actions)).toEqual([`delete:${failed.identifier}`]);
    expect(codes(plan)).toEqual(['copy-failed']);
  });

  test('a failed copy is deleted outside invariant 3: within the retention, with no newer shared copy', () => {
    const snap = automated('orders', 0);
    const failed = copyOf(snap, shippingCopyIdentifier('orders', snap.createTime!), { status: 'failed' });
    const plan = planShipper(config({ retentionMs: 30 * DAY }), state({ automatedSnapshots: [snap], manualSnapshots: [failed] }));
    expect(plan.actions).toEqual([expect.objectContaining({ type: 'delete', cause: 'failed', snapshot: failed })]);
  });

  test('a manual snapshot with the copy name that the shipper does not own is reported and left alone', () => {
    const snap = automated('orders', 0);
    const foreign = copyOf(snap, shippingCopyIdentifier('orders', snap.createTime!), { tags: { [TagKeys.OWNER]: 'someone-else' } });
    const plan = planShipper(config(), state({ automatedSnapshots: [snap], manualSnapshots: [foreign] }));
    expect(plan.actions).toEqual([]);
    expect(codes(plan)).toEqual(['name-conflict']);
  });

  test('copies in flight are bounded', () => {
    const dbs = ['a1', 'a2', 'a3', 'a4'];
    const plan = planShipper(
      config({ selection: { identifiers: dbs }, maxCopiesInFlight: 2 }),
      state({ instances: dbs.map((d) => instance(d)), automatedSnapshots: dbs.map((d) => automated(d, 0)) }),
    );
    expect(plan.actions.filter((a) => a.type === 'copy')).toHaveLength(2);
    expect(codes(plan)).toEqual(['copy-deferred-in-flight-limit', 'copy-deferred-in-flight-limit']);
  });

  test('copies already in progress count against the in-flight limit', () => {
    const snapA = automated('a1', 0);
    const inProgress = copyOf(snapA, shippingCopyIdentifier('a1', snapA.createTime!), { status: 'creating' });
    const plan = planShipper(
      config({ selection: { identifiers: ['a1', 'a2'] }, maxCopiesInFlight: 1 }),
      state({ instances: [instance('a1'), instance('a2')], automatedSnapshots: [snapA, automated('a2', 0)], manualSnapshots: [inProgress] }),
    );
    expect(plan.actions.filter((a) => a.type === 'copy')).toEqual([]);
    expect(codes(plan)).toContain('copy-deferred-in-flight-limit');
    // a2 waits: the copy in flight hands its slot to it when it finishes.
    expect(plan.actions).toEqual([{ type: 'set-successors', database: 'a1', snapshot: inProgress, successors: 'a2' }]);
  });

  test('no copy starts at the manual snapshot quota', () => {
    const others = Array.from({ length: 5 }, (_, i) => ({ ...automated('other', i), type: 'manual', identifier: `manual-${i}`, tags: {} }));
    const plan = planShipper(config({ manualSnapshotQuota: 5 }), state({ automatedSnapshots: [automated('orders', 0)], manualSnapshots: others }));
    expect(plan.actions).toEqual([]);
    expect(codes(plan)).toEqual(['copy-deferred-snapshot-quota']);
  });
});

describe('planShipper: selection and reports', () => {
  test('a missing database is reported and does not stop the others', () => {
    const plan = planShipper(
      config({ selection: { identifiers: ['gone', 'orders'] } }),
      state({ automatedSnapshots: [automated('orders', 0)] }),
    );
    expect(codes(plan)).toEqual(['database-not-found']);
    expect(plan.findings[0]).toMatchObject({ level: 'error', database: 'gone' });
    expect(types(plan.actions)).toEqual(['copy:failsafe-orders-20261120-120000']);
  });

  test('a database with automated backups turned off is reported', () => {
    const plan = planShipper(config(), state({ instances: [instance('orders', { backupRetentionPeriod: 0 })] }));
    expect(codes(plan)).toEqual(['automated-backups-disabled']);
    expect(plan.findings[0].level).toBe('error');
  });

  test('a database without an automated snapshot yet is reported as info', () => {
    const plan = planShipper(config(), state());
    expect(plan.findings).toEqual([expect.objectContaining({ level: 'info', code: 'no-automated-snapshot' })]);
  });

  test('the tag selector finds databases at run time and skips cluster members', () => {
    const tagged = { dr: 'failsafe' };
    const plan = planShipper(
      config({ selection: { tag: { key: 'dr', value: 'failsafe' } } }),
      state({
        instances: [instance('orders', { tags: tagged }), instance('users'), instance('aurora-1', { tags: tagged, clusterIdentifier: 'aurora' })],
        automatedSnapshots: [automated('orders', 0), automated('users', 0)],
      }),
    );
    expect(plan.selected).toEqual(['orders']);
    expect(types(plan.actions)).toEqual(['copy:failsafe-orders-20261120-120000']);
    expect(codes(plan)).toEqual(['cluster-member']);
  });

  test('a tag that matches nothing is reported', () => {
    const plan = planShipper(config({ selection: { tag: { key: 'dr', value: 'failsafe' } } }), state());
    expect(codes(plan)).toEqual(['no-database-selected']);
  });

  test('an invalid identifier in the configuration is reported', () => {
    const plan = planShipper(config({ selection: { identifiers: ['bad--id', 'orders'] } }), state({ automatedSnapshots: [automated('orders', 0)] }));
    expect(codes(plan)).toEqual(['invalid-database-identifier']);
    expect(plan.actions).toHaveLength(1);
  });

  test('identifiers match case-insensitively, as RDS stores them in lower case', () => {
    const plan = planShipper(config({ selection: { identifiers: ['Orders'] } }), state({ automatedSnapshots: [automated('orders', 0)] }));
    expect(types(plan.actions)).toEqual(['copy:failsafe-orders-20261120-120000']);
  });
});

describe('planShipper: unshareable snapshots', () => {
  const oracle = (optionGroupName: string) => automated('orders', 0, { engine: 'oracle-ee', optionGroupName });

  test('TDE snapshots are reported and not copied', () => {
    const plan = planShipper(config(), state({
      automatedSnapshots: [oracle('og-tde')],
      optionGroups: new Map([['og-tde', { name: 'og-tde', permanentOrPersistent: ['TDE'] }]]),
    }));
    expect(plan.actions).toEqual([]);
    expect(plan.findings).toEqual([expect.objectContaining({ level: 'error', code: 'cannot-share-tde' })]);
  });

  test('SQL Server TDE is recognised', () => {
    const plan = planShipper(config(), state({
      automatedSnapshots: [automated('orders', 0, { engine: 'sqlserver-se', optionGroupName: 'og' })],
      optionGroups: new Map([['og', { name: 'og', permanentOrPersistent: ['TRANSPARENT_DATA_ENCRYPTION'] }]]),
    }));
    expect(codes(plan)).toEqual(['cannot-share-tde']);
  });

  test('permanent or persistent options are reported and not copied', () => {
    const plan = planShipper(config(), state({
      automatedSnapshots: [automated('orders', 0, { engine: 'sqlserver-ee', optionGroupName: 'og' })],
      optionGroups: new Map([['og', { name: 'og', permanentOrPersistent: ['SQLSERVER_AUDIT'] }]]),
    }));
    expect(codes(plan)).toEqual(['cannot-share-option-group']);
    expect(plan.actions).toEqual([]);
  });

  test('Oracle Timezone and OLS do not prevent sharing', () => {
    const plan = planShipper(config(), state({
      automatedSnapshots: [oracle('og-tz')],
      optionGroups: new Map([['og-tz', { name: 'og-tz', permanentOrPersistent: ['Timezone', 'OLS'] }]]),
    }));
    expect(types(plan.actions)).toEqual(['copy:failsafe-orders-20261120-120000']);
  });

  test('an option group that could not be read blocks the copy and is reported', () => {
    const plan = planShipper(config(), state({ automatedSnapshots: [oracle('og-missing')] }));
    expect(codes(plan)).toEqual(['option-group-unknown']);
    expect(plan.actions).toEqual([]);
  });

  test('default option groups and other engines are never checked', () => {
    const plan = planShipper(config(), state({ automatedSnapshots: [oracle('default:oracle-ee-19')] }));
    expect(types(plan.actions)).toEqual(['copy:failsafe-orders-20261120-120000']);
  });
});

describe('planShipper: retention (invariant 3)', () => {
  const days = [5, 4, 3, 2, 1, 0].map((d) => automated('orders', d));
  const shipped = (d: (typeof days)[number], announced = true) => copyOf(d, shippingCopyIdentifier('orders', d.createTime!), { announced });

  test('deletes shared copies past the retention when a newer shared copy exists', () => {
    const copies = days.map((d) => shipped(d));
    const plan = planShipper(config(), state({ automatedSnapshots: days, manualSnapshots: copies }));
    // retention 2 days: the copies from 5, 4 and 3 days ago go; 2 days ago is exactly at the retention, kept.
    expect(types(plan.actions).sort()).toEqual([
      `delete:${copies[0].identifier}`,
      `delete:${copies[1].identifier}`,
      `delete:${copies[2].identifier}`,
    ].sort());
  });

  test('the reason of a deletion states the copy\'s age, the real retention and the real count of newer shared copies', () => {
    const copies = days.map((d) => shipped(d));
    const plan = planShipper(config({ retentionMs: 2 * DAY }), state({ automatedSnapshots: days, manualSnapshots: copies }));
    const reasons = new Map(plan.actions.map((a) => [a.type === 'delete' ? a.snapshot.identifier : '', a.type === 'delete' ? a.reason : '']));
    // 5 days old: 5 newer shared copies (4, 3, 2, 1, 0 days); 3 days old: 3 newer ones.
    expect(reasons.get(copies[0].identifier)).toBe('120h old, older than the retention (48h), and 5 newer shared copies exist');
    expect(reasons.get(copies[2].identifier)).toBe('72h old, older than the retention (48h), and 3 newer shared copies exist');
    // Only shared (announced, available) copies count as newer ones.
    const unshared = copies.map((c, i) => (i >= 2 ? copyOf(days[i], c.identifier, { announced: false }) : c));
    const one = planShipper(config({ retentionMs: 3 * DAY + 3_600_000 }), state({ automatedSnapshots: days, manualSnapshots: unshared }));
    expect(one.actions.filter((a) => a.type === 'delete').map((a) => (a.type === 'delete' ? a.reason : ''))).toEqual([
      '120h old, older than the retention (73h), and 1 newer shared copy exists',
    ]);
  });

  test('keeps the newest shared copy however old it is', () => {
    const old = automated('orders', 30);
    const copy = shipped(old);
    const plan = planShipper(config(), state({ instances: [instance('orders', { backupRetentionPeriod: 0 })], automatedSnapshots: [], manualSnapshots: [copy] }));
    expect(plan.actions).toEqual([]);
    expect(codes(plan)).toContain('kept-newest-shared-copy');
  });

  test('a newer copy that is not yet shared does not allow deleting the old one', () => {
    const old = automated('orders', 10);
    const fresh = automated('orders', 0);
    const plan = planShipper(config(), state({
      automatedSnapshots: [fresh],
      manualSnapshots: [shipped(old), copyOf(fresh, shippingCopyIdentifier('orders', fresh.createTime!), { status: 'creating' })],
    }));
    expect(plan.actions).toEqual([]);
  });

  test('copies of a database that no longer exists keep their newest shared copy', () => {
    const a = automated('gone', 9);
    const b = automated('gone', 8);
    const plan = planShipper(config(), state({
      manualSnapshots: [
        copyOf(a, shippingCopyIdentifier('gone', a.createTime!), { announced: true }),
        copyOf(b, shippingCopyIdentifier('gone', b.createTime!), { announced: true }),
      ],
    }));
    expect(types(plan.actions)).toEqual([`delete:${shippingCopyIdentifier('gone', a.createTime!)}`]);
  });

  test('never deletes a snapshot it does not own (invariant 1)', () => {
    const foreign = days.map((d, i) => copyOf(d, `manual-${i}`, { announced: true, tags: { [TagKeys.OWNER]: 'other-shipper' } }));
    const untagged = days.map((d, i) => ({ ...copyOf(d, `human-${i}`), tags: {} }));
    const plan = planShipper(config(), state({ automatedSnapshots: days, manualSnapshots: [...foreign, ...untagged] }));
    expect(plan.actions.filter((a) => a.type !== 'copy')).toEqual([]);
  });

  test('the source time comes from the tag, falling back to the creation time', () => {
    const old = automated('orders', 10);
    const fresh = automated('orders', 0);
    const oldCopy = shipped(old);
    const noTag = { ...oldCopy, tags: { ...oldCopy.tags, [TagKeys.SOURCE_TIME]: 'garbage' } };
    const plan = planShipper(config(), state({ automatedSnapshots: [fresh], manualSnapshots: [noTag, shipped(fresh)] }));
    expect(types(plan.actions)).toEqual([`delete:${oldCopy.identifier}`]);
  });

  test('an idle account with everything shipped plans nothing', () => {
    const latest = days.slice(-3);
    const plan = planShipper(config(), state({ automatedSnapshots: days, manualSnapshots: latest.map((d) => shipped(d)) }));
    expect(plan.actions).toEqual([]);
    expect(plan.findings.map((f) => f.code)).toEqual(['already-copied']); // the newest one, and nothing to do
    expect(NOW.getTime() - latest[0].createTime!.getTime()).toBe(2 * DAY);
  });
});
