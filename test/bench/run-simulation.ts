/**
 * Runs the discrete-event simulation (./simulation.ts) at the design's scales
 * and prints a table:
 *
 *   npx ts-node --project tsconfig.dev.json test/bench/run-simulation.ts [out.json] [--jobs=2] [--only=name,name]
 *
 * Scenarios run in child processes, `--jobs` at a time (default: 2, or the
 * number of CPUs if lower). The results are written as JSON to the first
 * argument (default bench/simulation.json).
 *
 * - n100, n1000: 100 and 1,000 DB instances (with 20 and 200 Aurora
 *   clusters), 7 measured days, hourly sweeps, today's handlers (the
 *   default): RDS events read only their own database, and a finished copy
 *   hands its slot on to its successors, in both accounts.
 * - n100-sweep15, n1000-sweep15: the same with sweeps every 15 minutes in
 *   both accounts. Each runs when its hourly run misses 24 hours for some
 *   snapshot, or would breach the 26-hour recovery point alarm, or when
 *   asked for with --only.
 * - n1000-full-reconcile: the earlier handlers (every shipper event and the
 *   vault's RDS-EVENT-0197 a full reconcile, no hand-off), hourly sweeps,
 *   for comparison. --no-full skips it (it takes minutes).
 * - n1000-no-hand-off: today's handlers with the hand-off switched off
 *   (only with --only).
 * - A steady-state planner benchmark: one planVault sweep over a vault that
 *   holds 31 days of copies of 1,200 databases.
 * - The RPO table (rpo-n100-1h ... rpo-n1000-daily): recovery points every
 *   hour, every 4 hours, and daily (the automated snapshots only), at 100
 *   and 1,000 DB instances (no clusters), 4 days, sweeps every 15 minutes in
 *   both accounts (the constructs' default; the shipper refuses a sweep rarer
 *   than half the interval), the default budgets (20 copies in flight). Per
 *   row: snapshots taken and copies made per day, and the RPO achieved: the
 *   age of each database's newest recovery point in the vault and as shipped
 *   by Live, every 15 minutes after the first day, p50/p99/max. --only=rpo
 *   runs only these; --no-rpo skips them.
 * - The shareable-keys table (shareable-n100-4h-none, shareable-n100-4h-all):
 *   100 DB instances, a recovery point every 4 hours, as rpo-n100-4h (whose
 *   result the default run reuses for "none"), with the shipper's
 *   `shareableKeyArns` holding no database's key, or every database's: the
 *   snapshots it takes are then shared as they are, with no copy in Live.
 *   Per simulated day: copies made and copy-hours in Live and in the vault,
 *   and the GB each holds at the end under STORAGE_MODEL (simulation.ts).
 *   --only=shareable runs only these; --no-shareable skips them.
 */
import { ChildProcess, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  benchmarkPlanners,
  HOUR,
  PlannerBenchmark,
  SHIPPER_TRIGGERS_FULL_RECONCILE,
  simulate,
  SimulationOptions,
  SimulationResult,
  StalenessStats,
  STORAGE_MODEL,
  VAULT_TRIGGERS_FULL_RECONCILE,
} from './simulation';

interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly options: SimulationOptions;
}

const FULL_RECONCILE = { shipperTriggers: SHIPPER_TRIGGERS_FULL_RECONCILE, vaultTriggers: VAULT_TRIGGERS_FULL_RECONCILE } as const;
const SWEEP15 = { shipperSweepMinutes: 15, vaultSweepMinutes: 15 } as const;

const SCENARIOS: Readonly<Record<string, Scenario>> = {
  'n100': { name: 'n100', description: '100 instances + 20 clusters, hourly sweeps, today\'s handlers (per-database events, hand-off)', options: { instances: 100 } },
  'n100-sweep15': { name: 'n100-sweep15', description: '100 + 20, sweeps every 15 minutes in both accounts (the constructs\' default), today\'s handlers', options: { instances: 100, ...SWEEP15 } },
  'n1000': { name: 'n1000', description: '1,000 instances + 200 clusters, hourly sweeps, today\'s handlers (per-database events, hand-off)', options: { instances: 1000 } },
  'n1000-sweep15': { name: 'n1000-sweep15', description: '1,000 + 200, sweeps every 15 minutes in both accounts (the constructs\' default), today\'s handlers', options: { instances: 1000, ...SWEEP15 } },
  'n1000-no-hand-off': { name: 'n1000-no-hand-off', description: '1,000 + 200, hourly sweeps, today\'s handlers without the hand-off', options: { instances: 1000, successors: false } },
  'n1000-full-reconcile': {
    name: 'n1000-full-reconcile',
    description: '1,000 + 200, hourly sweeps, the earlier handlers: every shipper event and the vault\'s RDS-EVENT-0197 a full reconcile, no hand-off',
    options: { instances: 1000, ...FULL_RECONCILE },
  },
};

/** The RPO table's runs: N DB instances × a recovery point interval (none: daily), 4 days, 15-minute sweeps. */
const RPO_SIZES = [100, 1000] as const;
const RPO_INTERVALS: ReadonlyArray<readonly [string, number | undefined]> = [['1h', 1], ['4h', 4], ['daily', undefined]];
const RPO_SCENARIOS: Readonly<Record<string, Scenario>> = Object.fromEntries(RPO_SIZES.flatMap((n) => RPO_INTERVALS.map(([label, hours]) => {
  const name = `rpo-n${n}-${label}`;
  const every = hours === undefined ? 'the daily automated snapshots only' : `a recovery point every ${label}`;
  const options: SimulationOptions = {
    instances: n, clusters: 0, days: 4, tailHours: 0, ...SWEEP15, ...(hours === undefined ? {} : { recoveryPoints: { intervalMs: hours * HOUR } }),
  };
  return [name, { name, description: `${n} instances, ${every}, 15-minute sweeps, 4 days`, options }];
})));

/** The shareable-keys table's runs: rpo-n100-4h with no database's key shareable, and with every database's. */
const SHAREABLE_SCENARIOS: Readonly<Record<string, Scenario>> = Object.fromEntries((['none', 'all'] as const).map((keys) => {
  const name = `shareable-n100-4h-${keys}`;
  const options: SimulationOptions = { ...RPO_SCENARIOS['rpo-n100-4h'].options, ...(keys === 'all' ? { shareableShare: 1 } : {}) };
  return [name, { name, description: `100 instances, a recovery point every 4h, ${keys === 'all' ? 'every' : 'no'} database's key shareable`, options }];
}));

/** Whether some database's snapshot took more than 24 hours (or never arrived). */
const misses24h = (r: SimulationResult) => r.daysOver24h.length > 0 || r.latency.all.never > 0
  || r.staleness.samplesWithSomeBehind > 0 || r.shipperStaleness.samplesWithSomeBehind > 0;

// --- Child mode: run one scenario and send its result to the parent ----------

if (process.argv[2] === '--scenario') {
  const scenario = SCENARIOS[process.argv[3]] ?? RPO_SCENARIOS[process.argv[3]] ?? SHAREABLE_SCENARIOS[process.argv[3]];
  const result = simulate(scenario.options);
  // The RPO runs' takes (one record per CreateDBSnapshot, up to 100,000) are left out of what the parent gets and writes.
  const withoutTakes = RPO_SCENARIOS[scenario.name] !== undefined || SHAREABLE_SCENARIOS[scenario.name] !== undefined;
  const sent = withoutTakes ? { ...result, recoveryPoints: { ...result.recoveryPoints, takes: [] } } : result;
  process.send!({ name: scenario.name, result: sent }, () => process.exit(0));
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

// --- Parent mode ------------------------------------------------------------

function runInChild(name: string): Promise<SimulationResult> {
  const tsNode = require.resolve('ts-node/dist/bin');
  const project = path.resolve(__dirname, '..', '..', 'tsconfig.dev.json');
  return new Promise((resolve, reject) => {
    // The parent has type-checked this file already: the children only transpile. Under ts-node,
    // the parent's execArgv names ts-node's own entry point: the children must not inherit it.
    const child: ChildProcess = fork(tsNode, ['--transpile-only', '--project', project, __filename, '--scenario', name], { stdio: 'inherit', execArgv: [] });
    let result: SimulationResult | undefined;
    child.on('message', (m: { name: string; result: SimulationResult }) => {
      result = m.result;
    });
    child.on('error', reject);
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`scenario ${name} ended with code ${code} and no result`))));
  });
}

/** Runs scenarios, `jobs` at a time, and reports each as it ends. */
async function runAll(names: readonly string[], jobs: number, done: (name: string, r: SimulationResult) => void): Promise<void> {
  const queue = [...names];
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const started = Date.now();
      console.error(`[run-simulation] ${name}: started`);
      const r = await runInChild(name);
      console.error(`[run-simulation] ${name}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      done(name, r);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
}

const fmt = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '-' : x.toFixed(digits));
const hours = (minutes: number | null) => (minutes === null ? '-' : (minutes / 60).toFixed(2));

function table(rows: readonly string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r, j) => {
    const line = r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    return j === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

/** Days with some database behind / the most behind at once / how many were ever behind. */
function behind(s: StalenessStats): string {
  return `${s.daysWithSomeBehind.length}/${s.maxBehindAtOnce}/${s.databasesEverBehind}`;
}

function summaryTable(results: ReadonlyArray<[string, SimulationResult]>): string {
  const rows = [[
    'scenario', 'dbs', 'sweep min', 'snapshots', 'p50 h', 'p99 h', 'max h', 'max db', 'clusters max h', 'never', 'in flight',
    'days >24h', 'never shipped', 'stale max h', 'stale db', `vault >${results[0]?.[1].staleness.behindAfterHours ?? '-'}h: days/max dbs/dbs`,
    'shipper stale max h', 'shipper behind: days/max dbs/dbs', 'wall s',
  ]];
  for (const [name, r] of results) {
    const o = r.options as { shipperSweepMinutes: number; vaultSweepMinutes: number };
    rows.push([
      name,
      `${r.databases.instances}+${r.databases.clusters}`,
      `${o.shipperSweepMinutes}/${o.vaultSweepMinutes}`,
      String(r.latency.all.snapshots),
      hours(r.latency.all.p50Minutes),
      hours(r.latency.all.p99Minutes),
      hours(r.latency.all.maxMinutes),
      r.latency.all.maxDatabase ?? '-',
      hours(r.latency.cluster.maxMinutes),
      String(r.latency.all.never),
      String(r.latency.all.stillInFlight),
      r.daysOver24h.length === 0 ? 'none' : r.daysOver24h.join(','),
      String(r.neverShipped.length),
      fmt(r.staleness.maxHours, 2),
      r.staleness.database ?? '-',
      behind(r.staleness),
      fmt(r.shipperStaleness.maxHours, 2),
      behind(r.shipperStaleness),
      fmt(r.wallTimeMs / 1000, 0),
    ]);
  }
  return table(rows);
}

/** A total over the whole simulated time, per simulated day. */
function dailyAverage(counts: Record<string, number>, r: SimulationResult): number {
  return Object.values(counts).reduce((a, b) => a + b, 0) / (r.simulatedHours / 24);
}

function countsTable(results: ReadonlyArray<[string, SimulationResult]>): string {
  const rows = [[
    'scenario', 'shipper passes (sweep/0091/0169/0197/succ)', 'vault passes (sweep/ann/0197/succ)', 'planner ms mean s/v',
    'planner s total s/v', 'describe calls/day s/v', 'ship copies i/c', 'ship refused i/c', 'vault copies i/c', 'vault refused i/c',
    'vault started by ann/sweep/0197/succ', 'ship started by sweep/0091/0169/0197/succ',
  ]];
  for (const [name, r] of results) {
    const p = r.passes;
    const c = r.copies;
    const t = c.shipperStartedByTrigger;
    rows.push([
      name,
      `${p.shipper.sweep}/${p.shipper['event-0091']}/${p.shipper['event-0169']}/${p.shipper['event-0197']}/${p.shipper.successor}`,
      `${p.vault.sweep}/${p.vault.announcement}/${p.vault['event-0197']}/${p.vault.successor}`,
      `${fmt(r.plannerMs.shipper.mean, 2)}/${fmt(r.plannerMs.vault.mean, 2)}`,
      `${fmt(r.plannerMs.shipper.total / 1000, 0)}/${fmt(r.plannerMs.vault.total / 1000, 0)}`,
      `${fmt(dailyAverage(r.describeCalls.shipper, r), 0)}/${fmt(dailyAverage(r.describeCalls.vault, r), 0)}`,
      `${c.shipper.instance.started}/${c.shipper.cluster.started}`,
      `${c.shipper.instance.refused}/${c.shipper.cluster.refused}`,
      `${c.vault.instance.started}/${c.vault.cluster.started}`,
      `${c.vault.instance.refused}/${c.vault.cluster.refused}`,
      `${c.vaultStartedByTrigger.announcement}/${c.vaultStartedByTrigger.sweep}/${c.vaultStartedByTrigger['event-0197']}/${c.vaultStartedByTrigger.successor}`,
      `${t.sweep}/${t['event-0091']}/${t['event-0169']}/${t['event-0197']}/${t.successor}`,
    ]);
  }
  return table(rows);
}

/** The adapters' hand-off after RDS-EVENT-0197: slots handed on, successors tried, and what took each slot. */
function handOffTable(results: ReadonlyArray<[string, SimulationResult]>): string {
  const rows = [['scenario', 'account', 'slots handed on', 'tries', 'started', 'already there', 'refused', 'unused', 'source gone', 'set-successors actions']];
  for (const [name, r] of results) {
    for (const side of ['shipper', 'vault'] as const) {
      const h = r.handOffs[side];
      rows.push([
        name, side, String(h.slotsHandedOn), String(h.tries), String(h.started), String(h.alreadyThere), String(h.deferred), String(h.unused),
        String(h.sourceMissing), String(r.actions[side]['set-successors'] ?? 0),
      ]);
    }
  }
  return table(rows);
}

/** Per simulated day: a count over the whole run, as a daily average. */
const perDay = (n: number, r: SimulationResult) => fmt(n / (r.simulatedHours / 24), 0);

/** The RPO achieved, per run: snapshots taken and copies made per day, and the age of the newest recovery point in the vault and as shipped. */
function rpoTable(results: ReadonlyArray<[string, SimulationResult]>): string {
  const rows = [[
    'N', 'interval', 'snapshots taken/day', 'ship copies/day', 'vault copies/day',
    'vault RPO p50 h', 'p99 h', 'max h', 'shipped RPO p50 h', 'p99 h', 'max h', 'never in vault', 'wall s',
  ]];
  for (const [, r] of results) {
    const s = r.recoveryPoints.snapshots;
    const c = r.copies;
    const interval = r.recoveryPoints.schedule ? `${r.recoveryPoints.schedule.intervalMs / HOUR} h` : 'daily';
    rows.push([
      String(r.databases.instances + r.databases.clusters),
      interval,
      perDay(s.instance.taken + s.cluster.taken, r),
      perDay(c.shipper.instance.started + c.shipper.cluster.started, r),
      perDay(c.vault.instance.started + c.vault.cluster.started, r),
      fmt(r.rpo.vault.p50Hours, 2),
      fmt(r.rpo.vault.p99Hours, 2),
      fmt(r.rpo.vault.maxHours, 2),
      fmt(r.rpo.shipped.p50Hours, 2),
      fmt(r.rpo.shipped.p99Hours, 2),
      fmt(r.rpo.shipped.maxHours, 2),
      String(r.neverShipped.length),
      fmt(r.wallTimeMs / 1000, 0),
    ]);
  }
  return table(rows);
}

/** Shareable keys or not: copies and copy-hours per simulated day in Live and in the vault, and what each holds at the end. */
function shareableTable(results: ReadonlyArray<[string, SimulationResult]>): string {
  const rows = [[
    'keys shareable', 'Live copies/day', 'of taken', 'Live copy-h/day', 'vault copies/day', 'of shared as is', 'full', 'vault copy-h/day',
    'Live GB held', 'of taken', 'vault GB held', 'vault RPO p99 h', 'shipped RPO p99 h', 'never in vault', 'wall s',
  ]];
  for (const [name, r] of results) {
    const c = r.copyCost;
    rows.push([
      name.endsWith('-all') ? 'all' : 'none',
      perDay(c.live.copies, r),
      perDay(c.live.copiesOfTaken, r),
      perDay(c.live.copyHours, r),
      perDay(c.vault.copies, r),
      perDay(c.vault.copiesOfShared, r),
      perDay(c.vault.fullCopies, r),
      perDay(c.vault.copyHours, r),
      fmt(c.live.heldGb, 0),
      fmt(c.live.takenHeldGb, 0),
      fmt(c.vault.heldGb, 0),
      fmt(r.rpo.vault.p99Hours, 2),
      fmt(r.rpo.shipped.p99Hours, 2),
      String(r.neverShipped.length),
      fmt(r.wallTimeMs / 1000, 0),
    ]);
  }
  return table(rows);
}

function perDayTable(name: string, r: SimulationResult): string {
  const rows = [['day', 'snapshots', 'arrived', 'p50 h', 'p99 h', 'max h', 'max db', '>24h', 'never']];
  for (const d of r.perDay) {
    rows.push([String(d.day), String(d.snapshots), String(d.arrived), hours(d.p50Minutes), hours(d.p99Minutes), hours(d.maxMinutes), d.maxDatabase ?? '-', String(d.over24h), String(d.never)]);
  }
  const cluster = r.latency.cluster;
  const instance = r.latency.instance;
  return `${name}: per measured day (instances p50/p99/max ${hours(instance.p50Minutes)}/${hours(instance.p99Minutes)}/${hours(instance.maxMinutes)} h; `
    + `clusters ${hours(cluster.p50Minutes)}/${hours(cluster.p99Minutes)}/${hours(cluster.maxMinutes)} h)\n${table(rows)}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const out = args.find((a) => !a.startsWith('--')) ?? path.join('bench', 'simulation.json');
  const jobs = Number(args.find((a) => a.startsWith('--jobs='))?.slice('--jobs='.length) ?? Math.min(2, os.cpus().length));
  const asked = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  // `rpo` names the whole RPO table, `shareable` the shareable-keys table.
  const only = asked?.flatMap((name) => (name === 'rpo' ? Object.keys(RPO_SCENARIOS) : name === 'shareable' ? Object.keys(SHAREABLE_SCENARIOS) : [name]));
  for (const name of only ?? []) {
    if (!SCENARIOS[name] && !RPO_SCENARIOS[name] && !SHAREABLE_SCENARIOS[name]) {
      const known = [...Object.keys(SCENARIOS), 'rpo', ...Object.keys(RPO_SCENARIOS), 'shareable', ...Object.keys(SHAREABLE_SCENARIOS)];
      throw new Error(`unknown scenario ${name}; known: ${known.join(', ')}`);
    }
  }
  const onlyRpo = only !== undefined && only.every((name) => RPO_SCENARIOS[name] || SHAREABLE_SCENARIOS[name]);

  // Under ts-node, require('./simulation') finds simulation.json before simulation.ts.
  if (path.resolve(out) === path.join(__dirname, 'simulation.json')) {
    throw new Error(`${out} would shadow ./simulation.ts for require(); write the results elsewhere`);
  }

  const started = Date.now();
  const results = new Map<string, SimulationResult>();
  const first = only?.filter((name) => SCENARIOS[name]) ?? ['n1000', 'n100', ...(args.includes('--no-full') ? [] : ['n1000-full-reconcile'])];
  await runAll(first, jobs, (name, r) => results.set(name, r));
  // The 15-minute variants run only where hourly sweeps missed 24 hours or the alarm's 26.
  const followUps = only ? [] : ['n100', 'n1000'].filter((n) => misses24h(results.get(n)!)).map((n) => `${n}-sweep15`);
  await runAll(followUps, jobs, (name, r) => results.set(name, r));
  const rpoNames = only?.filter((name) => RPO_SCENARIOS[name]) ?? (args.includes('--no-rpo') ? [] : Object.keys(RPO_SCENARIOS));
  const rpoResults = new Map<string, SimulationResult>();
  await runAll(rpoNames, jobs, (name, r) => rpoResults.set(name, r));
  // "none" is rpo-n100-4h under another name: its result is reused when that ran.
  const shareableResults = new Map<string, SimulationResult>();
  const reused = rpoResults.get('rpo-n100-4h');
  if (reused && !only?.includes('shareable-n100-4h-none') && !args.includes('--no-shareable')) shareableResults.set('shareable-n100-4h-none', reused);
  const shareableNames = (only?.filter((name) => SHAREABLE_SCENARIOS[name]) ?? (args.includes('--no-shareable') ? [] : Object.keys(SHAREABLE_SCENARIOS)))
    .filter((name) => !shareableResults.has(name));
  await runAll(shareableNames, jobs, (name, r) => shareableResults.set(name, r));

  let benchmark: PlannerBenchmark | undefined;
  if (!onlyRpo) {
    console.error('[run-simulation] steady-state planner benchmark');
    benchmark = benchmarkPlanners({ instances: 1000, heldDays: 31, repeats: 5 });
  }

  const ordered = Object.keys(SCENARIOS).filter((n) => results.has(n)).map((n) => [n, results.get(n)!] as [string, SimulationResult]);
  if (!onlyRpo) {
    console.log(`Simulation: ${ordered[0]?.[1].options.days ?? '-'} measured days + ${ordered[0]?.[1].options.tailHours ?? '-'} h tail, `
      + `event loss ${ordered[0]?.[1].options.eventLossRate ?? '-'}, copies median ${ordered[0]?.[1].options.copyMedianMinutes ?? '-'} min\n`);
    for (const [name] of ordered) console.log(`  ${name}: ${SCENARIOS[name].description}`);
    console.log(`\nLatency (automated snapshot taken -> vault copy available) and staleness\n${summaryTable(ordered)}\n`);
    console.log(`Passes, planner calls and copies\n${countsTable(ordered)}\n`);
    console.log(`Hand-off after RDS-EVENT-0197\n${handOffTable(ordered)}\n`);
    for (const [name, r] of ordered) if (r.databases.instances >= 1000) console.log(`${perDayTable(name, r)}\n`);
  }
  if (benchmark) {
    console.log(`Steady-state planner benchmark (${benchmark.instances}+${benchmark.clusters} databases, vault holding ${benchmark.vaultSnapshots} copies, `
      + `${benchmark.shared} shared): planVault sweep ${benchmark.planVaultSweepMs} ms, planVault announcement ${benchmark.planVaultAnnouncementMs} ms, `
      + `planShipper ${benchmark.planShipperMs} ms per call`);
  }
  const rpoOrdered = Object.keys(RPO_SCENARIOS).filter((n) => rpoResults.has(n)).map((n) => [n, rpoResults.get(n)!] as [string, SimulationResult]);
  if (rpoOrdered.length > 0) {
    const o = rpoOrdered[0][1].options as {
      days: number;
      shipperSweepMinutes: number;
      vaultSweepMinutes: number;
      sampleMinutes: number;
      copyMedianMinutes: number;
      snapshotMedianMinutes: number;
      shipper: { maxCopiesInFlight: number };
    };
    console.log(`${benchmark ? '\n' : ''}RPO: the age of each database's newest recovery point in the vault (its newest available vault copy's source time) `
      + `and as shipped (announced) by Live, every ${o.sampleMinutes} min after the first day; ${o.days} days, DB instances only, `
      + `sweeps every ${o.shipperSweepMinutes}/${o.vaultSweepMinutes} min, ${o.shipper.maxCopiesInFlight} copies in flight, `
      + `copies median ${o.copyMedianMinutes} min, snapshots median ${o.snapshotMedianMinutes} min\n${rpoTable(rpoOrdered)}`);
  }
  const shareableOrdered = Object.keys(SHAREABLE_SCENARIOS).filter((n) => shareableResults.has(n))
    .map((n) => [n, shareableResults.get(n)!] as [string, SimulationResult]);
  if (shareableOrdered.length > 0) {
    const m = STORAGE_MODEL;
    console.log(`${rpoOrdered.length > 0 || benchmark ? '\n' : ''}Shareable keys: 100 DB instances, a recovery point every 4 h, ${shareableOrdered[0][1].options.days} days, sweeps every 15/15 min; `
      + `per simulated day, GB held at the end of the run (= GB-days per day). Size model: every database ${m.databaseGb} GB, `
      + `${m.changedGbPerHour * 4} GB changed per 4 hours; a Live copy is incremental when a previous Live copy of the database is available; `
      + 'a vault copy of a shipper copy is always full; a vault copy of a snapshot shared as it is is incremental when the vault holds '
      + 'an older copy of the database (ASSUMPTION); a snapshot taken and held in Live stores the changes since the database\'s previous snapshot\n'
      + `${shareableTable(shareableOrdered)}`);
  }
  console.log(`Total wall time ${((Date.now() - started) / 1000).toFixed(0)} s`);

  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify({
    generatedAt: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    scenarios: ordered.map(([name, result]) => ({ name, description: SCENARIOS[name].description, result })),
    plannerBenchmark: benchmark ?? null,
    // Each RPO run's recoveryPoints.takes is left out (empty here): it runs to 100,000 records.
    rpo: rpoOrdered.map(([name, result]) => ({ name, description: RPO_SCENARIOS[name].description, result })),
    shareable: shareableOrdered.map(([name, result]) => ({ name, description: SHAREABLE_SCENARIOS[name].description, result })),
  }, null, 2)}\n`);
  console.log(`Results written to ${out}`);
}
