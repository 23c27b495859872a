/**
 * Measures API calls per pass, and Lambda cost, of the bundled handlers at
 * 10, 100 and 1,000 DB instances (with N/5 Aurora clusters), each against a
 * fresh emulator (./api-calls.ts), prints tables and writes JSON:
 *
 *   npx projen bundle
 *   npx ts-node --project tsconfig.dev.json test/bench/run-api-calls.ts [out.json] [--sizes=10,100]
 *
 * The sizes come from --sizes, else from BENCH_SIZES (e.g. BENCH_SIZES=10,100
 * for a quick run in CI), else 10,100,1000. BENCH_SEED_CONCURRENCY sets how
 * many requests build the accounts at once (default 1: more races the
 * emulator's quota patch, see api-calls.ts). The JSON goes to the
 * first argument (default bench/api-calls.json) and is rewritten after each
 * size.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiCallsResult, COST_FORMULA, measureApiCalls, Measurement } from './api-calls';

function sizesFrom(args: readonly string[]): number[] {
  const flag = args.find((a) => a.startsWith('--sizes='))?.slice('--sizes='.length);
  const raw = flag ?? process.env.BENCH_SIZES ?? '10,100,1000';
  const sizes = raw.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 5)) throw new Error(`sizes must be whole numbers of at least 5: ${raw}`);
  return sizes;
}

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows].map((r) => r.map((c) => String(c)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(cells[0]), `|${widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

/** Per operation (lists split by type): the calls the emulator saw and those AWS would make. */
function callsTable(m: Measurement): string {
  const rows: (string | number)[][] = [];
  const listed = new Set<string>();
  for (const op of new Set(m.lists.map((l) => l.operation))) {
    const lists = m.lists.filter((l) => l.operation === op);
    listed.add(op);
    lists.forEach((l, i) => rows.push([l.label, i === 0 ? (m.emulatorCalls[op] ?? 0) : '〃', l.items, l.awsPages]));
  }
  for (const [op, n] of Object.entries(m.emulatorCalls)) if (!listed.has(op)) rows.push([op.replace(/^rds:/, ''), n, '', m.awsCalls[op]]);
  rows.push(['total', m.totals.emulator, '', m.totals.aws]);
  return table(['call', 'emulator', 'items', 'AWS (pages of 100)'], rows);
}

function summaryTable(results: readonly ApiCallsResult[]): string {
  const rows: (string | number)[][] = [];
  for (const r of results) {
    for (const m of r.measurements) {
      rows.push([
        `N=${r.n} ${m.name}`,
        m.totals.emulator,
        m.totals.aws,
        `${m.totals.awsSnapshotListCalls} + ${m.totals.awsDatabaseListCalls}`,
        m.totals.otherReads,
        m.totals.writes,
        m.durationMs,
        m.listingMs,
        m.wallMs,
        m.memory ? `${m.memory.maxRssMiB} / ${m.memory.peakHeapUsedMiB}` : 'n/a',
        m.cpu ? `${m.cpu.handlerCpuMs ?? '?'} / ${m.cpu.processCpuMs}` : 'n/a',
        m.awsEstimateMs,
      ]);
    }
  }
  return table(['pass', 'calls (emulator)', 'calls (AWS)', 'AWS lists: snapshots + DBs', 'other reads', 'writes',
    'durationMs', 'listingMs', 'wall ms', 'RSS / heap MiB', 'CPU ms pass / process', 'AWS est. ms'], rows);
}

function costTable(results: readonly ApiCallsResult[]): string {
  const rows: (string | number)[][] = [];
  for (const r of results) {
    const cases = [
      ['brief', 'emulator', r.cost.brief.emulatorMeasured], ['brief', 'AWS est.', r.cost.brief.awsEstimated],
      ['current code', 'emulator', r.cost.currentCode.emulatorMeasured], ['current code', 'AWS est.', r.cost.currentCode.awsEstimated],
    ] as const;
    for (const [model, basis, c] of cases) {
      rows.push([
        `N=${r.n} (${r.databases} DBs), ${model}, ${basis}`,
        c.shipper.passesPerDay, c.shipper.gbSecondsPerDay, c.shipper.gbSecondsPerDayPer100Databases,
        c.vault.passesPerDay, c.vault.gbSecondsPerDay, c.vault.gbSecondsPerDayPer100Databases,
        (c.shipper.usdPerMonthPer100Databases + c.vault.usdPerMonthPer100Databases).toFixed(4),
      ]);
    }
  }
  return table(['size, model, basis', 'shipper passes/day', 'shipper GB-s/day', 'per 100 DBs', 'vault passes/day', 'vault GB-s/day', 'per 100 DBs',
    'USD/month per 100 DBs (both, arm64)'], rows);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const outFile = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join('bench', 'api-calls.json'));
  const sizes = sizesFrom(args);
  const seedConcurrency = process.env.BENCH_SEED_CONCURRENCY ? Number(process.env.BENCH_SEED_CONCURRENCY) : undefined;
  const results: ApiCallsResult[] = [];
  const git = (...a: string[]) => {
    try {
      return execFileSync('git', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'unknown';
    }
  };
  // What was measured: the bundles in assets/, built from this commit (and, if listed, uncommitted changes to src/).
  const source = {
    commit: git('rev-parse', 'HEAD'),
    uncommittedInSrc: git('status', '--porcelain', '--', 'src').split('\n').filter((l) => l !== ''),
    bundles: Object.fromEntries(['shipper/shipper.lambda', 'vault/vault.lambda'].map((b) => {
      const file = path.join('assets', b, 'index.js');
      return [b, fs.existsSync(file) ? fs.statSync(file).mtime.toISOString() : 'missing'];
    })),
  };
  const write = () => {
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, JSON.stringify({ generatedAt: new Date().toISOString(), node: process.version, source, costFormula: COST_FORMULA, results }, null, 2) + '\n');
  };
  for (const n of sizes) {
    const started = Date.now();
    console.log(`\n=== N = ${n} DB instances, ${Math.floor(n / 5)} Aurora clusters ===`);
    const r = await measureApiCalls(n, { seedConcurrency, progress: (line) => console.log(`  ${line}`) });
    results.push(r);
    write();
    console.log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s; phases (s): ${JSON.stringify(r.timings)}`);
    console.log(`  emulator call latency ${r.assumptions.emulatorCallMs} ms; shipper passes to ship everything: ${r.shipperPasses.length}`);
    for (const m of r.measurements) {
      console.log(`\n  ${m.name} (N=${n}): ${JSON.stringify(m.outcome)}`);
      console.log(callsTable(m).replace(/^/gm, '  '));
    }
    console.log('\n  bounds:');
    for (const b of r.bounds) console.log(`  ${b.holds ? 'HOLDS ' : 'BROKEN'} ${b.name}: ${b.detail}`);
    if (r.warnings.length > 0) {
      console.log('\n  warnings:');
      for (const w of r.warnings) console.log(`  - ${w}`);
    }
  }
  console.log('\n=== Calls and durations per pass ===');
  console.log(summaryTable(results));
  console.log('\n=== Lambda GB-seconds per day ===');
  console.log(COST_FORMULA);
  console.log(costTable(results));
  console.log(`\nwritten to ${path.relative(process.cwd(), outFile)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
