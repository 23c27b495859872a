/**
 * The restore drill's planner: each phase, and the properties the issue asks
 * for, over generated states: never more than the cap in flight, every
 * database drilled within the rotation bound, nothing deleted (or changed)
 * that the drill does not own, and nothing kept past its lifetime.
 */
import * as fc from 'fast-check';
import { advance, candidatesOf, Drill, DrillAction, DrillCandidate, DrillPlanConfig, own, planDrill, Restored } from '../../src/runtime/drill-plan';
import { databaseKey, DrilledDatabase, drillIdentifier, formatDrillRecord } from '../../src/runtime/drill-records';
import { DbSnapshot } from '../../src/runtime/shipper-plan';
import { DrillTagKeys, TagKeys } from '../../src/runtime/tags';

const OWNER = 'drill-test';
const NOW = new Date('2026-11-30T03:00:00Z');
const HOUR = 3_600_000;
const CONFIG: DrillPlanConfig = { ownerId: OWNER, databasesPerDrill: 2, maxConcurrentRestores: 3, maxLifetimeMs: 6 * HOUR, validates: true };

const db = (database: string, kind: 'instance' | 'cluster' = 'instance'): DrilledDatabase => ({ kind, account: '111111111111', region: 'eu-west-1', database });

function candidate(database: string, lastAttempt?: Date, kind: 'instance' | 'cluster' = 'instance'): DrillCandidate {
  const d = db(database, kind);
  return {
    database: d,
    key: databaseKey(d),
    copy: { kind, identifier: `vault-${database}-1`, arn: `arn:aws:rds:eu-west-1:222222222222:snapshot:vault-${database}-1`, dbIdentifier: database, type: 'manual', status: 'available', encrypted: true, engine: kind === 'cluster' ? 'aurora-postgresql' : 'postgres', tags: {} } as DbSnapshot,
    ...(lastAttempt ? { lastAttempt: { at: lastAttempt, passed: true, restoreSeconds: 60 } } : {}),
  };
}

function restored(database: string, o: Partial<Restored> & { started?: Date; available?: Date; verdict?: string; owner?: string } = {}): Restored {
  const d = db(database, o.kind ?? 'instance');
  const tags: Record<string, string> = {
    [DrillTagKeys.OWNER]: o.owner ?? OWNER,
    [DrillTagKeys.DATABASE]: databaseKey(d),
    [DrillTagKeys.SNAPSHOT]: `vault-${database}-1`,
    [DrillTagKeys.STARTED]: (o.started ?? new Date(NOW.getTime() - HOUR)).toISOString(),
    ...(o.available ? { [DrillTagKeys.AVAILABLE]: o.available.toISOString() } : {}),
    ...(o.verdict ? { [DrillTagKeys.VERDICT]: o.verdict } : {}),
  };
  const identifier = drillIdentifier(OWNER, d);
  return {
    kind: 'instance', identifier, arn: `arn:aws:rds:eu-west-1:222222222222:db:${identifier}`, status: 'creating', engine: 'postgres', tags, ...o,
  };
}

const types = (actions: readonly DrillAction[]) => actions.map((a) => a.type);
const drillOf = (...resources: Restored[]): Drill => own(OWNER, resources).drills[0];

describe('the phases of one drill', () => {
  test('restoring: nothing to do until RDS reports it available', () => {
    expect(advance(CONFIG, drillOf(restored('orders')), NOW)).toEqual([]);
  });

  test('available: the time is recorded and RDS is asked to manage the master password; then the validation runs', () => {
    const available = restored('orders', { status: 'available', endpoint: { address: 'x', port: 5432 } });
    expect(types(advance(CONFIG, drillOf(available), NOW))).toEqual(['mark-available', 'manage-password']);
    const withTime = restored('orders', { status: 'available', available: new Date(NOW.getTime() - 10 * 60_000) });
    expect(types(advance(CONFIG, drillOf(withTime), NOW))).toEqual(['manage-password']);
    const withSecret = { ...withTime, secretArn: 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:rds!db-1' };
    const [validate] = advance(CONFIG, drillOf(withSecret), NOW);
    // The restore took from the start (an hour ago) until it was first seen available (10 minutes ago): 50 minutes.
    expect(validate).toMatchObject({ type: 'validate', restoreSeconds: 50 * 60 });
  });

  test('without a validation function, an available restore passes at once', () => {
    const [judge] = advance({ ...CONFIG, validates: false }, drillOf(restored('orders', { status: 'available' })), NOW);
    expect(judge).toMatchObject({ type: 'judge', passed: true, restoreSeconds: 3600 });
  });

  test('a cluster gets one writer once available, and is judged once the writer is available too', () => {
    const cluster = restored('ledger', { kind: 'cluster', status: 'available', engine: 'aurora-postgresql', members: [] });
    expect(advance(CONFIG, drillOf(cluster), NOW)).toEqual([expect.objectContaining({ type: 'add-writer', identifier: `${cluster.identifier}-w`, instanceClass: 'db.t4g.medium' })]);
    const writer = { ...restored('ledger', { status: 'creating' }), identifier: `${cluster.identifier}-w`, clusterIdentifier: cluster.identifier };
    expect(advance(CONFIG, drillOf(cluster, writer), NOW)).toEqual([]);
    expect(types(advance(CONFIG, drillOf(cluster, { ...writer, status: 'available' }), NOW))).toEqual(['mark-available', 'manage-password']);
  });

  test('a judged drill is deleted: a cluster\'s writer first, then the cluster once it has no instance', () => {
    const cluster = restored('ledger', { kind: 'cluster', status: 'available', verdict: 'passed', members: ['w'] });
    const writer = { ...restored('ledger'), identifier: `${cluster.identifier}-w`, clusterIdentifier: cluster.identifier, status: 'available' };
    expect(advance(CONFIG, drillOf(cluster, writer), NOW)).toEqual([{ type: 'delete', resource: writer }]);
    expect(advance(CONFIG, drillOf(cluster, { ...writer, status: 'deleting' }), NOW)).toEqual([]);
    expect(advance(CONFIG, drillOf({ ...cluster, members: ['w'] }), NOW)).toEqual([]);
    expect(advance(CONFIG, drillOf({ ...cluster, members: [] }), NOW)).toEqual([{ type: 'delete', resource: { ...cluster, members: [] } }]);
    expect(advance(CONFIG, drillOf(restored('orders', { verdict: 'failed x', status: 'deleting' })), NOW)).toEqual([]);
  });

  test('a restore RDS failed, or one past its lifetime, is judged failed', () => {
    expect(advance(CONFIG, drillOf(restored('orders', { status: 'incompatible-restore' })), NOW))
      .toEqual([expect.objectContaining({ type: 'judge', passed: false, reason: 'restore-failed: RDS reports it incompatible-restore' })]);
    expect(advance(CONFIG, drillOf(restored('orders', { status: 'available', started: new Date(NOW.getTime() - 7 * HOUR) })), NOW))
      .toEqual([expect.objectContaining({ type: 'judge', passed: false, reason: 'lifetime-exceeded: not judged within 360 minutes' })]);
  });

  test('a drill without its start tag is bounded by RDS\'s creation time', () => {
    const r = restored('orders');
    const { [DrillTagKeys.STARTED]: _started, ...tags } = r.tags;
    expect(types(advance(CONFIG, drillOf({ ...r, tags, createdAt: new Date(NOW.getTime() - 7 * HOUR) }), NOW))).toEqual(['judge']);
  });
});

describe('the census and the rotation', () => {
  type CopyOptions = { status?: string; time?: string; record?: string; passedRecord?: string; owner?: string; kind?: 'instance' | 'cluster' };
  const copy = (database: string, o: CopyOptions = {}): DbSnapshot => ({
    kind: o.kind ?? 'instance',
    identifier: `vault-${database}-${o.time}`,
    arn: `arn:x:${database}:${o.time}`,
    dbIdentifier: database,
    type: 'manual',
    status: o.status ?? 'available',
    encrypted: true,
    engine: 'postgres',
    tags: {
      [TagKeys.OWNER]: o.owner ?? 'vault-test',
      [TagKeys.SOURCE_ACCOUNT]: '111111111111',
      [TagKeys.SOURCE_REGION]: 'eu-west-1',
      [TagKeys.SOURCE_DATABASE]: database,
      [TagKeys.SOURCE_TIME]: o.time ?? '2026-11-29T01:00:00Z',
      ...(o.record ? { [TagKeys.RESTORE_DRILL]: o.record } : {}),
      ...(o.passedRecord ? { [TagKeys.RESTORE_DRILL_PASSED]: o.passedRecord } : {}),
    },
  });

  test('each database\'s newest available copy, its newest record and its newest passed record; other owners\' snapshots do not count', () => {
    const passed = formatDrillRecord({ at: new Date('2026-11-16T03:30:00Z'), passed: true, restoreSeconds: 400 });
    const failed = formatDrillRecord({ at: new Date('2026-11-23T03:30:00Z'), passed: false });
    const [c, ...rest] = candidatesOf([
      copy('orders', { time: '2026-11-15T01:00:00Z', record: passed }),
      copy('orders', { time: '2026-11-22T01:00:00Z', record: failed }),
      copy('orders', { time: '2026-11-29T01:00:00Z' }),
      copy('orders', { time: '2026-11-30T01:00:00Z', status: 'creating' }),
      copy('stranger', { owner: 'vault-other' }),
    ], 'vault-test');
    expect(rest).toEqual([]);
    expect(c.copy.tags[TagKeys.SOURCE_TIME]).toBe('2026-11-29T01:00:00Z');
    expect(c.lastAttempt).toEqual({ at: new Date('2026-11-23T03:30:00Z'), passed: false });
    expect(c.lastSuccess).toEqual({ at: new Date('2026-11-16T03:30:00Z'), passed: true, restoreSeconds: 400 });
  });

  test('a drill that fails after one that passed, on the same copy, does not erase the last successful restore', () => {
    const passed = formatDrillRecord({ at: new Date('2026-11-23T03:30:00Z'), passed: true, restoreSeconds: 300 });
    const failed = formatDrillRecord({ at: new Date('2026-11-30T03:30:00Z'), passed: false });
    const [c] = candidatesOf([copy('orders', { record: failed, passedRecord: passed })], 'vault-test');
    expect(c.lastAttempt).toEqual({ at: new Date('2026-11-30T03:30:00Z'), passed: false });
    expect(c.lastSuccess).toEqual({ at: new Date('2026-11-23T03:30:00Z'), passed: true, restoreSeconds: 300 });
  });

  test('a database with no available copy is no candidate', () => {
    expect(candidatesOf([copy('orders', { status: 'creating' })], 'vault-test')).toEqual([]);
  });

  test('the least recently drilled go first, never drilled before all; a database with a drill in flight waits', () => {
    const candidates = [candidate('a', new Date('2026-11-23T03:00:00Z')), candidate('b'), candidate('c', new Date('2026-11-16T03:00:00Z')), candidate('d')];
    const plan = planDrill(CONFIG, [restored('b')], candidates, NOW, { run: 'run-1' });
    expect(plan.actions.filter((a) => a.type === 'restore').map((a) => (a as { candidate: DrillCandidate }).candidate.database.database)).toEqual(['d', 'c']);
  });

  test('a retried start of the same run restores no more: the run\'s restores in flight count against databasesPerDrill', () => {
    const config = { ...CONFIG, databasesPerDrill: 2, maxConcurrentRestores: 10 };
    const inFlight = ['a', 'b'].map((d) => restored(d, { tags: { ...restored(d).tags, [DrillTagKeys.RUN]: 'run-1' } }));
    const candidates = ['a', 'b', 'c', 'd'].map((d) => candidate(d));
    expect(planDrill(config, inFlight, candidates, NOW, { run: 'run-1' }).actions.filter((x) => x.type === 'restore')).toEqual([]);
    expect(planDrill(config, inFlight, candidates, NOW, { run: 'run-2' }).actions.filter((x) => x.type === 'restore')).toHaveLength(2);
  });

  test('a drill still there twice its lifetime after it started is overdue: its deletion is stuck', () => {
    const stuck = restored('orders', { status: 'deleting', verdict: 'passed', started: new Date(NOW.getTime() - 13 * HOUR) });
    const young = restored('users', { started: new Date(NOW.getTime() - HOUR) });
    expect(planDrill(CONFIG, [stuck, young], undefined, NOW).overdue.map((d) => d.root.identifier)).toEqual([stuck.identifier]);
  });

  test('a start tag later than RDS\'s creation time cannot extend a drill\'s lifetime', () => {
    const r = restored('orders', { started: new Date(NOW.getTime() + 48 * HOUR), createdAt: new Date(NOW.getTime() - 7 * HOUR) });
    expect(types(advance(CONFIG, drillOf(r), NOW))).toEqual(['judge']);
  });

  test('a sweep starts nothing', () => {
    expect(planDrill(CONFIG, [], [candidate('a')], NOW, undefined).actions).toEqual([]);
  });
});

// Generated states: resources of this drill and of others (other owners, no tag), in any status and age, and candidates.
const statusArb = fc.constantFrom('creating', 'available', 'modifying', 'deleting', 'failed', 'incompatible-restore', 'backing-up');
const names = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/), { minLength: 1, maxLength: 12 });
const resourceArb = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/),
  owner: fc.constantFrom(OWNER, OWNER, 'drill-other', 'vault-test', ''),
  status: statusArb,
  ageHours: fc.integer({ min: 0, max: 48 }),
  verdict: fc.option(fc.constantFrom('passed', 'failed x'), { nil: undefined }),
  kind: fc.constantFrom<'instance' | 'cluster'>('instance', 'cluster'),
  // An instance may be a cluster's writer: of a cluster in the state (drilled by this drill or not), or of one that is gone (an orphan).
  writerOf: fc.option(fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/), { nil: undefined }),
  members: fc.boolean(),
}).map((r): Restored => {
  const started = new Date(NOW.getTime() - r.ageHours * HOUR);
  const base = restored(r.name, { owner: r.owner, status: r.status, kind: r.kind, verdict: r.verdict, started });
  const tags = r.owner === '' ? Object.fromEntries(Object.entries(base.tags).filter(([k]) => k !== DrillTagKeys.OWNER)) : base.tags;
  if (r.kind === 'cluster') return { ...base, tags, members: r.members ? [`${base.identifier}-w`] : [] };
  if (!r.writerOf) return { ...base, tags };
  const cluster = drillIdentifier(OWNER, db(r.writerOf, 'cluster'));
  return { ...base, tags, identifier: `${cluster}-w`, clusterIdentifier: cluster };
});
const configArb = fc.record({
  ownerId: fc.constant(OWNER),
  databasesPerDrill: fc.integer({ min: 1, max: 6 }),
  maxConcurrentRestores: fc.integer({ min: 1, max: 6 }),
  maxLifetimeMs: fc.integer({ min: 1, max: 12 }).map((h) => h * HOUR),
  validates: fc.boolean(),
});

describe('properties of the plan', () => {
  test('nothing that the drill does not own is deleted or changed', () => {
    fc.assert(fc.property(configArb, fc.array(resourceArb, { maxLength: 12 }), names, (config, resources, dbs) => {
      const plan = planDrill(config, resources, dbs.map((d) => candidate(d)), NOW, { run: 'run-1' });
      for (const a of plan.actions) {
        const touched = a.type === 'delete' ? [a.resource] : a.type === 'restore' ? [] : [a.drill.root];
        for (const r of touched) expect(r.tags[DrillTagKeys.OWNER]).toBe(OWNER);
      }
    }), { numRuns: 500 });
  });

  test('never more drills in flight than the cap: restores start only into free slots, at most databasesPerDrill', () => {
    fc.assert(fc.property(configArb, fc.array(resourceArb, { maxLength: 12 }), names, (config, resources, dbs) => {
      const plan = planDrill(config, resources, dbs.map((d) => candidate(d)), NOW, { run: 'run-1' });
      const restores = plan.actions.filter((a) => a.type === 'restore').length;
      expect(restores).toBeLessThanOrEqual(Math.max(0, config.maxConcurrentRestores - plan.drills.length));
      expect(restores).toBeLessThanOrEqual(config.databasesPerDrill);
      expect(plan.drills.length + restores).toBeLessThanOrEqual(Math.max(config.maxConcurrentRestores, plan.drills.length));
    }), { numRuns: 500 });
  });

  test('every owned drill past its lifetime is judged or torn down in this pass, whatever its state', () => {
    fc.assert(fc.property(configArb, fc.array(resourceArb, { maxLength: 12 }), (config, resources) => {
      const plan = planDrill(config, resources, undefined, NOW, undefined);
      for (const d of plan.drills) {
        if (NOW.getTime() - d.started.getTime() <= config.maxLifetimeMs) continue;
        const mine = plan.actions.filter((a) => (a.type === 'delete' ? a.resource === d.root || a.resource === d.writer : a.type !== 'restore' && a.drill === d));
        const gone = d.root.status === 'deleting' || (d.writer?.status === 'deleting');
        const waitingForMembers = d.verdict !== undefined && d.root.kind === 'cluster' && (d.root.members ?? []).length > 0;
        if (!gone && !waitingForMembers) expect(types(mine).some((t) => t === 'judge' || t === 'delete')).toBe(true);
      }
    }), { numRuns: 500 });
  });

  test('rotation: with N databases and n per drill, each is drilled at least once in every ceil(N / n) drills', () => {
    fc.assert(fc.property(names, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 30 }), (dbs, n, drills) => {
      const config = { ...CONFIG, databasesPerDrill: n, maxConcurrentRestores: 40 };
      const last = new Map<string, number>(); // database → the drill that last restored it
      let candidates = dbs.map((d) => candidate(d));
      for (let k = 0; k < drills; k++) {
        const at = new Date(NOW.getTime() + k * 7 * 24 * HOUR);
        const plan = planDrill(config, [], candidates, at, { run: `run-${k}` });
        const started = plan.actions.flatMap((a) => (a.type === 'restore' ? [a.candidate.database.database] : []));
        for (const d of started) last.set(d, k);
        // Each drill is judged before the next: its record goes on the vault copy.
        const drilled = { at, passed: true, restoreSeconds: 60 };
        candidates = candidates.map((c) => (started.includes(c.database.database) ? { ...c, lastAttempt: drilled } : c));
        const bound = Math.ceil(dbs.length / n);
        if (k + 1 >= bound) {
          for (const d of dbs) expect(k - (last.get(d) ?? -Infinity)).toBeLessThan(bound);
        }
      }
    }), { numRuns: 300 });
  });
});
