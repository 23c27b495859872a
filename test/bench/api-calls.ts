/**
 * API calls per pass, and Lambda cost, of the bundled handlers (assets/, run
 * exactly as shipped with `invokeBundled`) at N DB instances and N/5 Aurora
 * clusters, against a fresh emulator (moto server) per N. Nothing here talks
 * to real AWS.
 *
 * For one N, `measureApiCalls` builds:
 * - a Live account with N DB instances (postgres) and N/5 Aurora clusters,
 *   each with 7 daily automated snapshots (the default 7-day retention), and
 *   a shipper config that selects all of them by identifier;
 * - a Failsafe account whose vault holds 31 days of copies of every database,
 *   named and tagged as the vault names and tags its own copies, plus what
 *   the shipper shared.
 *
 * It measures the shipper's first pass and an idle pass, and the vault's
 * announcements (a fresh copy and a duplicate delivery) and an idle sweep.
 * For each it reports the calls the emulator saw, and the calls AWS would
 * make with pages of 100: moto answers DescribeDBSnapshots,
 * DescribeDBClusterSnapshots and DescribeDBClusters in one page whatever
 * their size, so every list call is recounted as ceil(items / 100), at least
 * 1, from the items the account holds (counted from the emulator before the
 * pass and checked against what was seeded).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeAccountAttributesCommand,
  paginateDescribeDBClusters,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBInstances,
  paginateDescribeDBSnapshots,
  RDSClient,
} from '@aws-sdk/client-rds';
import { shippingCopyIdentifier } from '../../src/runtime/naming';
import { TagKeys } from '../../src/runtime/tags';
import { vaultCopyIdentifier } from '../../src/runtime/vault-plan';
import { Emulator, REGION, startEmulator } from '../emulator/emulator';
import { createFailsafeAccount, FailsafeAccount, snsEvent } from '../emulator/failsafe';
import { BundledHandler, invokeBundled, Invocation } from '../emulator/invoke';
import { createLiveAccount, LiveAccount } from '../emulator/live';

export const LIVE_ACCOUNT = '111111111111';
export const FAILSAFE_ACCOUNT = '222222222222';
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Daily automated snapshots per database: RDS's default backup retention of 7 days. */
export const AUTOMATED_SNAPSHOTS_PER_DATABASE = 7;
/** Days of copies the vault holds per database. */
export const VAULT_DAYS = 31;
/** The page size the handlers ask for, and the most RDS returns. */
export const PAGE_SIZE = 100;
/** The functions' default memory (src/capacity.ts). */
export const DEFAULT_MEMORY_MIB = 1024;
/** Memory at which Lambda gives one full vCPU (Lambda Developer Guide, "Configuring Lambda function memory"). */
export const FULL_VCPU_MEMORY_MIB = 1769;
/** The assumed latency of one RDS call in AWS, for the estimate next to the emulator's figures. */
export const DEFAULT_AWS_CALL_MS = 150;
/** Lambda's price per GB-second on arm64 (the constructs' architecture), first tier, us-east-1 list price. */
export const ARM64_PRICE_PER_GB_SECOND = 0.0000133334;
/** The handlers' timeout by default (src/capacity.ts): what `getRemainingTimeInMillis` starts from. */
const DEFAULT_TIMEOUT_MS = 600_000;
const SHIPPER_OWNER = 'shipper-bench';
const VAULT_OWNER = 'vault-bench';

const instanceId = (i: number) => `db-${String(i + 1).padStart(4, '0')}`;
const clusterId = (i: number) => `cl-${String(i + 1).padStart(4, '0')}`;

// ---------------------------------------------------------------------------
// Page arithmetic
// ---------------------------------------------------------------------------

/** Calls a paginated list makes in AWS: one per page of `pageSize`, and one for an empty list. */
export function awsPages(items: number, pageSize: number = PAGE_SIZE): number {
  return Math.max(1, Math.ceil(items / pageSize));
}

/** The paginated list operations the handlers use. DescribeAccountAttributes is a single read, not a list. */
export const LIST_OPERATIONS: readonly string[] = [
  'rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots',
];
/** Of those, the ones moto pages (DescribeDBInstances, with MaxRecords); it answers the others in one page whatever their size. */
export const EMULATOR_PAGED_OPERATIONS: readonly string[] = ['rds:DescribeDBInstances'];

/** A call that changes state in an account. */
export function isWrite(operation: string): boolean {
  return /^[a-z@0-9-]+:(Copy|Create|Modify|AddTags|RemoveTags|Delete|Publish|Restore|Start|Stop)/.test(operation);
}

/** One list a handler makes in a pass. */
export interface ListCall {
  /** The SDK operation, as the handler counts it (`rds:DescribeDBSnapshots`). */
  readonly operation: string;
  /** The list, with its filter: `DescribeDBSnapshots SnapshotType=manual`. */
  readonly label: string;
  /** Whether it lists snapshots (DB or DB cluster snapshots), as opposed to DB instances or clusters. */
  readonly snapshots: boolean;
  /**
   * Lists in one group run one after another in the handler; groups run in
   * parallel (`Promise.all`). Used for the time estimate.
   */
  readonly group: string;
  /** Items in the account when the pass ran, counted from the emulator. */
  readonly items: number;
  /** Items the bench seeded or expected there (a cross-check of `items`). */
  readonly expectedItems: number;
  /** Calls AWS makes for it: ceil(items / 100), at least 1. */
  readonly awsPages: number;
}

export interface MemoryUse {
  /** Peak resident set size of the handler's process (`process.resourceUsage().maxRSS`). */
  readonly maxRssMiB: number;
  /** Peak V8 heap used, sampled every 20 ms and at exit. */
  readonly peakHeapUsedMiB: number;
}

export interface CpuUse {
  /** CPU time (user + system) of the handler's whole process: Node.js start, bundle and SDK import, the pass. */
  readonly processCpuMs: number;
  /** CPU time from the handler's first log line ("pass started") to the process's exit: the pass's own. */
  readonly handlerCpuMs?: number;
}

/** One measured pass. */
export interface Measurement {
  readonly name: string;
  readonly handler: 'shipper' | 'vault';
  /** Calls the emulator answered, per operation, as the handler counted them. */
  readonly emulatorCalls: Readonly<Record<string, number>>;
  readonly lists: readonly ListCall[];
  /** Per operation, the calls AWS would make: list calls recounted in pages of 100, other calls as counted. */
  readonly awsCalls: Readonly<Record<string, number>>;
  readonly totals: {
    readonly emulator: number;
    readonly aws: number;
    /** Paginated list calls in AWS, all of them. */
    readonly awsListCalls: number;
    /** Of those, the calls that list snapshots. */
    readonly awsSnapshotListCalls: number;
    /** Of those, the calls that list DB instances and DB clusters. */
    readonly awsDatabaseListCalls: number;
    /** Snapshots the pass lists (the items of its snapshot lists). */
    readonly snapshotsListed: number;
    /** DB instances and DB clusters the pass lists. */
    readonly databasesListed: number;
    /** Non-list reads (DescribeAccountAttributes, DescribeOptionGroups). */
    readonly otherReads: number;
    readonly writes: number;
  };
  /**
   * Whether the emulator's own count of each list operation is what the lists
   * imply (one call per list; per page for the operations moto pages). A
   * mismatch means the list model above is wrong for this pass.
   */
  readonly emulatorListCheck: { readonly ok: boolean; readonly expected: Readonly<Record<string, number>> };
  /** The handler's own figures. */
  readonly durationMs: number;
  readonly listingMs: number;
  /** From spawning the handler's process to its exit: Node.js start, bundle and SDK import, the pass. */
  readonly wallMs: number;
  readonly memory?: MemoryUse;
  readonly cpu?: CpuUse;
  /** The CPU time the estimate used, and where it came from. */
  readonly estimateCpu: { readonly ms: number; readonly basis: 'handler process, first log line to exit' | 'post-listing time less emulator latency' };
  /** The estimate of the pass's duration in AWS (see `estimateAwsMs`). */
  readonly awsEstimateMs: number;
  /** What the pass did (from its result). */
  readonly outcome: Readonly<Record<string, unknown>>;
  /** Durations of repeated runs of the same pass (idle passes only), the first included. */
  readonly repeatDurationsMs?: readonly number[];
}

export interface EstimateAssumptions {
  /** Latency of one RDS or SNS call in AWS. */
  readonly callMs: number;
  /** Latency of one small call to the emulator, measured from the bench: the cost of a day's extra calls in the emulator-measured cost. */
  readonly emulatorCallMs: number;
  /** How much slower CPU work runs in Lambda than here (1,769 MiB / memory: a share of one vCPU). */
  readonly cpuScale: number;
}

/** Calls a pass makes after listing (every call but the lists and the quota read), one after another. */
function postListingCalls(emulatorCalls: Readonly<Record<string, number>>): number {
  return Object.entries(emulatorCalls)
    .filter(([op]) => !LIST_OPERATIONS.includes(op) && op !== 'rds:DescribeAccountAttributes')
    .reduce((n, [, c]) => n + c, 0);
}

/**
 * The handler's CPU time when the process's own could not be measured: its
 * post-listing time, less the emulator's latency for the calls it made then.
 * This leaves out the CPU for parsing pages during the listing.
 */
export function postListingCpuMs(
  emulatorCalls: Readonly<Record<string, number>>, durationMs: number, listingMs: number, emulatorCallMs: number,
): number {
  return Math.max(0, durationMs - listingMs - postListingCalls(emulatorCalls) * emulatorCallMs);
}

/**
 * The pass's duration in AWS: the listing as the longest chain of pages
 * (groups run in parallel, pages of a group one after another), each page
 * `callMs`; then every other call one after another, each `callMs`; then the
 * handler's CPU time (`cpuMs`: measured in its process from its first log
 * line to its exit, so parsing the pages is in it), scaled by `cpuScale`,
 * as if none of it overlapped a wait: an upper bound for that part.
 */
export function estimateAwsMs(
  lists: readonly ListCall[], emulatorCalls: Readonly<Record<string, number>>, cpuMs: number, a: EstimateAssumptions,
): number {
  const groups = new Map<string, number>();
  for (const l of lists) groups.set(l.group, (groups.get(l.group) ?? 0) + l.awsPages);
  const quotaReads = emulatorCalls['rds:DescribeAccountAttributes'] ?? 0;
  if (quotaReads > 0) groups.set('quotas', quotaReads); // read in parallel with the lists
  const listingChain = Math.max(0, ...groups.values());
  return Math.round(listingChain * a.callMs + postListingCalls(emulatorCalls) * a.callMs + cpuMs * a.cpuScale);
}

function measurementOf(
  name: string,
  handler: 'shipper' | 'vault',
  run: HandlerRun,
  lists: readonly ListCall[],
  listingMs: number,
  outcome: Record<string, unknown>,
  assumptions: EstimateAssumptions,
): Measurement {
  const emulatorCalls = run.invocation.result.apiCalls as Record<string, number>;
  const awsCalls: Record<string, number> = {};
  const expected: Record<string, number> = {};
  for (const l of lists) {
    awsCalls[l.operation] = (awsCalls[l.operation] ?? 0) + l.awsPages;
    expected[l.operation] = (expected[l.operation] ?? 0) + (EMULATOR_PAGED_OPERATIONS.includes(l.operation) ? l.awsPages : 1);
  }
  for (const [op, n] of Object.entries(emulatorCalls)) if (!LIST_OPERATIONS.includes(op)) awsCalls[op] = n;
  const listOps = new Set([...Object.keys(expected), ...Object.keys(emulatorCalls).filter((op) => LIST_OPERATIONS.includes(op))]);
  const ok = [...listOps].every((op) => (emulatorCalls[op] ?? 0) === (expected[op] ?? 0));
  const sum = (r: Record<string, number>, f: (op: string) => boolean = () => true) =>
    Object.entries(r).filter(([op]) => f(op)).reduce((n, [, c]) => n + c, 0);
  const durationMs = Number(run.invocation.result.durationMs);
  const estimateCpu = run.cpu?.handlerCpuMs !== undefined
    ? { ms: run.cpu.handlerCpuMs, basis: 'handler process, first log line to exit' as const }
    : { ms: postListingCpuMs(emulatorCalls, durationMs, listingMs, assumptions.emulatorCallMs), basis: 'post-listing time less emulator latency' as const };
  return {
    name,
    handler,
    emulatorCalls,
    lists,
    awsCalls,
    totals: {
      emulator: sum(emulatorCalls),
      aws: sum(awsCalls),
      awsListCalls: lists.reduce((n, l) => n + l.awsPages, 0),
      awsSnapshotListCalls: lists.filter((l) => l.snapshots).reduce((n, l) => n + l.awsPages, 0),
      awsDatabaseListCalls: lists.filter((l) => !l.snapshots).reduce((n, l) => n + l.awsPages, 0),
      snapshotsListed: lists.filter((l) => l.snapshots).reduce((n, l) => n + l.items, 0),
      databasesListed: lists.filter((l) => !l.snapshots).reduce((n, l) => n + l.items, 0),
      otherReads: sum(emulatorCalls, (op) => !LIST_OPERATIONS.includes(op) && !isWrite(op)),
      writes: sum(emulatorCalls, isWrite),
    },
    emulatorListCheck: { ok, expected },
    durationMs,
    listingMs,
    wallMs: run.wallMs,
    ...(run.memory ? { memory: run.memory } : {}),
    ...(run.cpu ? { cpu: run.cpu } : {}),
    estimateCpu,
    awsEstimateMs: estimateAwsMs(lists, emulatorCalls, estimateCpu.ms, assumptions),
    outcome,
  };
}

// ---------------------------------------------------------------------------
// Lambda cost
// ---------------------------------------------------------------------------

export interface CostInputs {
  readonly instances: number;
  readonly clusters: number;
  /** A shipper sweep: a full reconcile, idle. */
  readonly shipperSweepMs: number;
  /** A vault sweep, idle. */
  readonly vaultSweepMs: number;
  /** A vault announcement that starts its copy. */
  readonly vaultAnnouncementMs: number;
  /** Per-database event passes (the current code): the shipper's RDS-EVENT-0091 (instance, starts a copy). */
  readonly shipperInstanceSnapshotEventMs: number;
  /** The shipper's RDS-EVENT-0169 (cluster, starts a copy). */
  readonly shipperClusterSnapshotEventMs: number;
  /** The shipper's RDS-EVENT-0197 (its copy finished: shares, announces, tags). */
  readonly shipperCopyFinishedEventMs: number;
  /** The vault's RDS-EVENT-0197 (its copy finished: records it). */
  readonly vaultCopyFinishedEventMs: number;
  /** One extra call (a write a day's work adds to a pass that was measured idle). */
  readonly callMs: number;
  readonly memoryMiB: number;
  /** Sweeps a day in the current-code model. @default 96 (every 15 minutes, the constructs' default) */
  readonly sweepsPerDay?: number;
}

/** Passes of one kind a day. */
export interface PassesOfKind {
  readonly pass: string;
  readonly perDay: number;
  readonly ms: number;
}

export interface CostOfHandler {
  readonly passes: readonly PassesOfKind[];
  readonly passesPerDay: number;
  /** Calls the day's work adds to passes measured idle. */
  readonly extraCallsPerDay: number;
  readonly secondsPerDay: number;
  readonly gbSecondsPerDay: number;
  readonly gbSecondsPerDayPer100Databases: number;
  readonly usdPerMonthPer100Databases: number;
}

export interface Cost {
  readonly model: string;
  readonly databases: number;
  readonly shipper: CostOfHandler;
  readonly vault: CostOfHandler;
}

export const COST_FORMULA = [
  'D = instances + clusters; M = memory in GiB (1,024 MiB = 1); t_x = the duration of a pass of kind x; t_call = one call.',
  'Model "brief" (hourly sweeps; every event pass a full reconcile, as the brief assumed):',
  '  shipper GB-s/day = M x ((24 + D + instances) x t_sweep + 5 x D x t_call) / 1000',
  '    (24 sweeps, D RDS-EVENT-0091/0169, one RDS-EVENT-0197 per instance copy; the day adds 5 calls per database to passes',
  '    measured idle: copy, share, publish, tag, delete of the expired copy)',
  '  vault GB-s/day = M x ((24 + instances) x t_sweep + D x t_announcement + 2 x D x t_call) / 1000',
  '    (24 sweeps and one sweep per RDS-EVENT-0197 of a vault instance copy; D announcements that copy;',
  '    2 calls per database added to sweeps: record the completed copy, delete the expired one)',
  'Model "current code" (sweeps every 15 minutes, the constructs\' default; an RDS event wakes a pass over its database alone):',
  '  shipper GB-s/day = M x (96 x t_sweep + instances x t_0091 + clusters x t_0169 + instances x t_0197 + (D + 3 x clusters) x t_call) / 1000',
  '    (the event passes measured include their writes; added: the delete of each expired copy, and the share, publish and tag',
  '    of each cluster copy, which has no copy event and is shared by a sweep)',
  '  vault GB-s/day = M x (96 x t_sweep + D x t_announcement + instances x t_vault0197 + (D + clusters) x t_call) / 1000',
  '    (added: the delete of each expired copy, and the record of each cluster copy, done by a sweep)',
  'Per 100 databases: GB-s/day x 100 / D. USD/month = GB-s/day x 30 x the arm64 price per GB-s (requests and INIT not counted).',
].join('\n');

function costOfHandler(passes: readonly PassesOfKind[], extraCalls: number, i: CostInputs): CostOfHandler {
  const databases = i.instances + i.clusters;
  const ms = passes.reduce((n, p) => n + p.perDay * p.ms, 0) + extraCalls * i.callMs;
  const gbs = (ms / 1000) * (i.memoryMiB / 1024);
  const per100 = (gbs * 100) / databases;
  return {
    passes,
    passesPerDay: passes.reduce((n, p) => n + p.perDay, 0),
    extraCallsPerDay: extraCalls,
    secondsPerDay: round(ms / 1000, 1),
    gbSecondsPerDay: round(gbs, 1),
    gbSecondsPerDayPer100Databases: round(per100, 2),
    usdPerMonthPer100Databases: round(per100 * 30 * ARM64_PRICE_PER_GB_SECOND, 4),
  };
}

/** GB-seconds a day in the brief's model (see `COST_FORMULA`). */
export function briefCost(i: CostInputs): Cost {
  const databases = i.instances + i.clusters;
  return {
    model: 'brief',
    databases,
    shipper: costOfHandler([{ pass: 'full pass (24 sweeps and every event)', perDay: 24 + databases + i.instances, ms: i.shipperSweepMs }], 5 * databases, i),
    vault: costOfHandler([
      { pass: 'sweep (24 and every RDS-EVENT-0197)', perDay: 24 + i.instances, ms: i.vaultSweepMs },
      { pass: 'announcement', perDay: databases, ms: i.vaultAnnouncementMs },
    ], 2 * databases, i),
  };
}

/** GB-seconds a day as the current code runs (see `COST_FORMULA`). */
export function currentCodeCost(i: CostInputs): Cost {
  const databases = i.instances + i.clusters;
  const sweeps = i.sweepsPerDay ?? 96;
  return {
    model: 'current code',
    databases,
    shipper: costOfHandler([
      { pass: 'sweep', perDay: sweeps, ms: i.shipperSweepMs },
      { pass: 'RDS-EVENT-0091, one database', perDay: i.instances, ms: i.shipperInstanceSnapshotEventMs },
      { pass: 'RDS-EVENT-0169, one database', perDay: i.clusters, ms: i.shipperClusterSnapshotEventMs },
      { pass: 'RDS-EVENT-0197, one database', perDay: i.instances, ms: i.shipperCopyFinishedEventMs },
    ], databases + 3 * i.clusters, i),
    vault: costOfHandler([
      { pass: 'sweep', perDay: sweeps, ms: i.vaultSweepMs },
      { pass: 'announcement', perDay: databases, ms: i.vaultAnnouncementMs },
      { pass: 'RDS-EVENT-0197, one database', perDay: i.instances, ms: i.vaultCopyFinishedEventMs },
    ], databases + i.clusters, i),
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

// ---------------------------------------------------------------------------
// Running the bundled handlers
// ---------------------------------------------------------------------------

/**
 * Preloaded into the handler's process (NODE_OPTIONS=--require): at exit it
 * writes one JSON line with the process's peak memory and its CPU time, in
 * all and since the first line the handler wrote to stdout (its "pass
 * started" log line, once the bundle is loaded), which `invokeBundled`
 * collects with the handler's logs. The handler's code is not changed.
 */
const PROCESS_PROBE = `
let peakHeap = 0;
let cpuAtFirstLine;
const sample = () => { const h = process.memoryUsage().heapUsed; if (h > peakHeap) peakHeap = h; };
setInterval(sample, 20).unref();
const write = process.stdout.write;
process.stdout.write = function (...args) {
  if (cpuAtFirstLine === undefined) cpuAtFirstLine = process.cpuUsage();
  return write.apply(this, args);
};
process.on('exit', () => {
  sample();
  const cpu = process.cpuUsage();
  const since = cpuAtFirstLine && process.cpuUsage(cpuAtFirstLine);
  process.stderr.write('\\n' + JSON.stringify({ benchProbe: {
    maxRssKiB: process.resourceUsage().maxRSS,
    peakHeapUsedBytes: peakHeap,
    processCpuMicros: cpu.user + cpu.system,
    handlerCpuMicros: since ? since.user + since.system : null,
  } }) + '\\n');
});
`;

let probePath: string | undefined;
function processProbe(): string {
  if (!probePath) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-rds-failsafe-bench-'));
    probePath = path.join(dir, 'process-probe.js');
    fs.writeFileSync(probePath, PROCESS_PROBE);
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return probePath;
}

interface HandlerRun {
  readonly invocation: Invocation & { readonly result: any };
  readonly wallMs: number;
  readonly memory?: MemoryUse;
  readonly cpu?: CpuUse;
}

async function runHandler(
  emulator: Emulator, handler: BundledHandler, account: string, environment: Record<string, string>, event: unknown,
): Promise<HandlerRun> {
  const started = performance.now();
  const invocation = await invokeBundled(handler, event, {
    endpoint: emulator.endpoint,
    credentials: await emulator.credentialsFor(account),
    environment: { ...environment, NODE_OPTIONS: `--require ${processProbe()}` },
    timeoutMs: DEFAULT_TIMEOUT_MS,
  });
  const wallMs = Math.round(performance.now() - started);
  if (invocation.error !== undefined || invocation.result === undefined) {
    const errors = invocation.logs.filter((l) => l?.level === 'ERROR').slice(0, 5);
    throw new Error(`${handler} failed: ${invocation.error}\n${JSON.stringify(errors, null, 1)}`);
  }
  const probe = invocation.logs.find((l) => l && typeof l === 'object' && 'benchProbe' in l)?.benchProbe;
  const memory = probe ? { maxRssMiB: round(probe.maxRssKiB / 1024, 1), peakHeapUsedMiB: round(probe.peakHeapUsedBytes / 1048576, 1) } : undefined;
  const handlerMicros: number | null | undefined = probe?.handlerCpuMicros;
  const handlerCpu = handlerMicros !== null && handlerMicros !== undefined ? { handlerCpuMs: Math.round(handlerMicros / 1000) } : {};
  const cpu = probe ? { processCpuMs: Math.round(probe.processCpuMicros / 1000), ...handlerCpu } : undefined;
  return { invocation: invocation as HandlerRun['invocation'], wallMs, memory, cpu };
}

// ---------------------------------------------------------------------------
// Counting what the accounts hold (the bench's own calls, not the handlers')
// ---------------------------------------------------------------------------

type SnapshotType = 'automated' | 'manual' | 'shared';

async function countDbSnapshots(rds: RDSClient, type: SnapshotType, dbIdentifier?: string): Promise<number> {
  let n = 0;
  const input = {
    ...(type === 'shared' ? { SnapshotType: 'shared', IncludeShared: true } : { SnapshotType: type }),
    ...(dbIdentifier ? { DBInstanceIdentifier: dbIdentifier } : {}),
  };
  for await (const page of paginateDescribeDBSnapshots({ client: rds, pageSize: PAGE_SIZE }, input)) n += page.DBSnapshots?.length ?? 0;
  return n;
}

async function countClusterSnapshots(rds: RDSClient, type: SnapshotType, clusterIdentifier?: string): Promise<number> {
  let n = 0;
  const input = {
    ...(type === 'shared' ? { SnapshotType: 'shared', IncludeShared: true } : { SnapshotType: type }),
    ...(clusterIdentifier ? { DBClusterIdentifier: clusterIdentifier } : {}),
  };
  for await (const page of paginateDescribeDBClusterSnapshots({ client: rds, pageSize: PAGE_SIZE }, input)) n += page.DBClusterSnapshots?.length ?? 0;
  return n;
}

async function countInstances(rds: RDSClient, identifier?: string): Promise<number> {
  let n = 0;
  const input = identifier ? { DBInstanceIdentifier: identifier } : {};
  for await (const page of paginateDescribeDBInstances({ client: rds, pageSize: PAGE_SIZE }, input)) n += page.DBInstances?.length ?? 0;
  return n;
}

async function countClusters(rds: RDSClient, identifier?: string): Promise<number> {
  let n = 0;
  const input = identifier ? { DBClusterIdentifier: identifier } : {};
  for await (const page of paginateDescribeDBClusters({ client: rds, pageSize: PAGE_SIZE }, input)) n += page.DBClusters?.length ?? 0;
  return n;
}

/** An RDS snapshot event as EventBridge delivers it to Lambda. */
function rdsEvent(eventId: string, sourceIdentifier: string, detailType = 'RDS DB Snapshot Event') {
  return {
    'version': '0',
    'source': 'aws.rds',
    'detail-type': detailType,
    'region': REGION,
    'time': new Date().toISOString(),
    'detail': { EventCategories: ['notification'], SourceType: detailType.includes('Cluster') ? 'CLUSTER_SNAPSHOT' : 'SNAPSHOT', SourceIdentifier: sourceIdentifier, EventID: eventId },
  };
}

function list(operation: string, label: string, snapshots: boolean, group: string, items: number, expectedItems: number): ListCall {
  return { operation, label, snapshots, group, items, expectedItems, awsPages: awsPages(items) };
}

/** What a shipper pass lists (src/runtime/shipper-pass.ts: each list on its own, all in parallel), with the account's items. */
interface LiveItems {
  readonly instances: number;
  readonly clusters: number;
  readonly automated: number;
  readonly manual: number;
  readonly clusterAutomated: number;
  readonly clusterManual: number;
}

async function shipperLists(live: LiveAccount, expected: LiveItems) {
  const rds = live.rds;
  const [instances, clusters, automated, manual, clusterAutomated, clusterManual] = await Promise.all([
    countInstances(rds), countClusters(rds), countDbSnapshots(rds, 'automated'), countDbSnapshots(rds, 'manual'),
    countClusterSnapshots(rds, 'automated'), countClusterSnapshots(rds, 'manual'),
  ]);
  return [
    list('rds:DescribeDBInstances', 'DescribeDBInstances', false, 'instances', instances, expected.instances),
    list('rds:DescribeDBClusters', 'DescribeDBClusters', false, 'clusters', clusters, expected.clusters),
    list('rds:DescribeDBSnapshots', 'DescribeDBSnapshots SnapshotType=automated', true, 'automated', automated, expected.automated),
    list('rds:DescribeDBSnapshots', 'DescribeDBSnapshots SnapshotType=manual', true, 'manual', manual, expected.manual),
    list('rds:DescribeDBClusterSnapshots', 'DescribeDBClusterSnapshots SnapshotType=automated', true, 'cluster-automated', clusterAutomated, expected.clusterAutomated),
    list('rds:DescribeDBClusterSnapshots', 'DescribeDBClusterSnapshots SnapshotType=manual', true, 'cluster-manual', clusterManual, expected.clusterManual),
  ];
}

/**
 * What a vault sweep lists (src/runtime/vault-pass.ts): the shared DB
 * snapshots then the shared DB cluster snapshots, in parallel with the manual
 * DB snapshots then the manual DB cluster snapshots.
 */
interface VaultItems {
  readonly shared: number;
  readonly sharedClusters: number;
  readonly manual: number;
  readonly manualClusters: number;
}

async function vaultSweepLists(failsafe: FailsafeAccount, expected: VaultItems) {
  const rds = failsafe.rds;
  const [shared, sharedClusters, manual, manualClusters] = await Promise.all([
    countDbSnapshots(rds, 'shared'), countClusterSnapshots(rds, 'shared'), countDbSnapshots(rds, 'manual'), countClusterSnapshots(rds, 'manual'),
  ]);
  return [
    list('rds:DescribeDBSnapshots', 'DescribeDBSnapshots SnapshotType=shared IncludeShared', true, 'shared', shared, expected.shared),
    list('rds:DescribeDBClusterSnapshots', 'DescribeDBClusterSnapshots SnapshotType=shared IncludeShared', true, 'shared', sharedClusters, expected.sharedClusters),
    list('rds:DescribeDBSnapshots', 'DescribeDBSnapshots SnapshotType=manual', true, 'manual', manual, expected.manual),
    list('rds:DescribeDBClusterSnapshots', 'DescribeDBClusterSnapshots SnapshotType=manual', true, 'manual', manualClusters, expected.manualClusters),
  ];
}

/** What an announcement lists: the manual snapshots of the announced database, of its kind. */
async function announcementLists(failsafe: FailsafeAccount, kind: 'instance' | 'cluster', database: string, expected: number) {
  if (kind === 'cluster') {
    const n = await countClusterSnapshots(failsafe.rds, 'manual', database);
    return [list('rds:DescribeDBClusterSnapshots', `DescribeDBClusterSnapshots SnapshotType=manual DBClusterIdentifier=${database}`, true, 'manual', n, expected)];
  }
  const n = await countDbSnapshots(failsafe.rds, 'manual', database);
  return [list('rds:DescribeDBSnapshots', `DescribeDBSnapshots SnapshotType=manual DBInstanceIdentifier=${database}`, true, 'manual', n, expected)];
}

// ---------------------------------------------------------------------------
// Building the accounts
// ---------------------------------------------------------------------------

/** Runs `fn` over the items, at most `concurrency` at a time. */
export async function inParallel<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** The median of a list of numbers. */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export interface ApiCallsOptions {
  /**
   * Requests in flight at once while building the accounts and seeding the
   * vault. Above 1 the emulator fails: its account-quotas patch counts an
   * account's manual snapshots by iterating moto's snapshot dict, which a
   * concurrent CreateDBSnapshot mutates ("RuntimeError: OrderedDict mutated
   * during iteration", HTTP 500), and the SDK's retry of a create that was
   * in fact done then fails with AlreadyExists. Parallel requests gain little
   * anyway: moto serves them on one Python interpreter.
   * @default 1
   */
  readonly seedConcurrency?: number;
  /** Idle passes run (and their durations' median used for cost). @default 3 */
  readonly idleRepeats?: number;
  readonly awsCallMs?: number;
  readonly memoryMiB?: number;
  /** Progress lines. @default none */
  readonly progress?: (line: string) => void;
}

export interface PassRecord {
  readonly pass: number;
  readonly copiesStarted: number;
  readonly shared: number;
  readonly announced: number;
  readonly durationMs: number;
  readonly listingMs: number;
  readonly apiCalls: Readonly<Record<string, number>>;
}

export interface Bound {
  readonly name: string;
  readonly holds: boolean;
  readonly detail: string;
}

export interface ApiCallsResult {
  readonly n: number;
  readonly instances: number;
  readonly clusters: number;
  readonly databases: number;
  /** Wall time of each phase, in seconds. */
  readonly timings: Readonly<Record<string, number>>;
  readonly seeded: Readonly<Record<string, number>>;
  readonly assumptions: EstimateAssumptions & { readonly memoryMiB: number };
  readonly shipperPasses: readonly PassRecord[];
  readonly measurements: readonly Measurement[];
  readonly bounds: readonly Bound[];
  readonly cost: {
    readonly inputs: { readonly emulatorMeasured: CostInputs; readonly awsEstimated: CostInputs };
    readonly brief: { readonly emulatorMeasured: Cost; readonly awsEstimated: Cost };
    readonly currentCode: { readonly emulatorMeasured: Cost; readonly awsEstimated: Cost };
  };
  /** Anything that did not look as expected. */
  readonly warnings: readonly string[];
}

/** The latency of a small call to the emulator, from this process: the median of `n`. */
async function emulatorLatency(rds: RDSClient, n = 30): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await rds.send(new DescribeAccountAttributesCommand({}));
    times.push(performance.now() - t);
  }
  return round(median(times), 2);
}

/**
 * Builds a fresh emulator, Live and Failsafe accounts for N DB instances and
 * N/5 clusters, and measures the bundled handlers' passes.
 */
export async function measureApiCalls(n: number, options: ApiCallsOptions = {}): Promise<ApiCallsResult> {
  if (!Number.isInteger(n) || n < 5 || n > 9999) throw new Error(`N must be a whole number from 5 to 9,999 (N/5 clusters): ${n}`);
  const progress = options.progress ?? (() => undefined);
  const concurrency = Math.max(1, options.seedConcurrency ?? 1);
  const idleRepeats = Math.max(1, options.idleRepeats ?? 3);
  const memoryMiB = options.memoryMiB ?? DEFAULT_MEMORY_MIB;
  const instances = Array.from({ length: n }, (_, i) => instanceId(i));
  const clusters = Array.from({ length: Math.floor(n / 5) }, (_, i) => clusterId(i));
  const databases = instances.length + clusters.length;
  const timings: Record<string, number> = {};
  const warnings: string[] = [];
  const clock = () => {
    const t = performance.now();
    return () => round((performance.now() - t) / 1000, 1);
  };
  const whole = clock();

  const emulator = await startEmulator({ manualSnapshotLimit: 200_000 });
  try {
    // ------------------------------------------------------------------ Live
    let t = clock();
    const live = await createLiveAccount(emulator, LIVE_ACCOUNT);
    // Recovery points on the hour, daily, the newest an hour ago: times[0] is the newest.
    const newest = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
    const times = Array.from({ length: VAULT_DAYS }, (_, d) => new Date(newest - d * DAY));
    const automatedTimes = times.slice(0, AUTOMATED_SNAPSHOTS_PER_DATABASE);
    const oldestAutomated = automatedTimes[automatedTimes.length - 1];
    await inParallel(instances, concurrency, async (id) => {
      await live.createDatabase(id, 'cmk', oldestAutomated);
      for (const time of automatedTimes.slice(0, -1)) await live.createAutomatedSnapshot(id, time);
    });
    await inParallel(clusters, concurrency, async (id) => {
      await live.createCluster(id, 'cmk', { firstSnapshotAt: oldestAutomated });
      for (const time of automatedTimes.slice(0, -1)) await live.createAutomatedClusterSnapshot(id, time);
    });
    // moto takes an automated DB snapshot of each Aurora member instance when it
    // is created; RDS keeps an Aurora database's backups in the cluster's
    // snapshots only. Those are removed, so that Live holds what RDS would.
    const memberSnapshots = (await live.automatedSnapshots()).filter((s) => clusters.some((c) => s.DBInstanceIdentifier === `${c}-writer`));
    let memberSnapshotsLeft = 0;
    for (const s of memberSnapshots) {
      try {
        await live.rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: s.DBSnapshotIdentifier! }));
      } catch {
        memberSnapshotsLeft += 1;
      }
    }
    if (memberSnapshotsLeft > 0) warnings.push(`${memberSnapshotsLeft} automated DB snapshots of Aurora member instances (a moto artefact) could not be removed`);
    timings.liveSetupSeconds = t();
    progress(`N=${n}: Live built in ${timings.liveSetupSeconds} s (${instances.length} instances, ${clusters.length} clusters, ${AUTOMATED_SNAPSHOTS_PER_DATABASE} automated snapshots each)`);

    const emulatorCallMs = await emulatorLatency(live.rds);
    const assumptions: EstimateAssumptions = {
      callMs: options.awsCallMs ?? DEFAULT_AWS_CALL_MS,
      emulatorCallMs,
      cpuScale: round(FULL_VCPU_MEMORY_MIB / memoryMiB, 3),
    };

    // ------------------------------------------------------------- Shipper
    const shipperConfig = {
      version: 1,
      ownerId: SHIPPER_OWNER,
      vaultAccount: FAILSAFE_ACCOUNT,
      shippingKeyArn: live.shippingKeyArn,
      topicArn: live.topicArn,
      retentionMs: 2 * DAY,
      maxCopiesInFlight: 20,
      selection: { identifiers: instances, clusterIdentifiers: clusters },
    };
    const shipperEnv = { SHIPPER_CONFIG: JSON.stringify(shipperConfig) };
    const scheduled = { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'detail': {} };
    const runShipper = (event: unknown = scheduled) => runHandler(emulator, 'shipper/shipper.lambda', LIVE_ACCOUNT, shipperEnv, event);
    const expectedLive = (shipped: boolean) => ({
      instances: instances.length + clusters.length, // each cluster has one member instance, which DescribeDBInstances lists
      clusters: clusters.length,
      automated: instances.length * AUTOMATED_SNAPSHOTS_PER_DATABASE,
      manual: shipped ? instances.length : 0,
      clusterAutomated: clusters.length * AUTOMATED_SNAPSHOTS_PER_DATABASE,
      clusterManual: shipped ? clusters.length : 0,
    });
    const shipperOutcome = (r: any) => ({
      scope: r.scope,
      selected: r.selected,
      copiesStarted: r.copiesStarted,
      shared: r.shared,
      announced: r.announced,
      deleted: r.deleted,
      deferred: r.deferred,
      failures: r.failures,
      findings: r.findings,
      behind: r.behind?.databases?.length,
    });

    t = clock();
    const measurements: Measurement[] = [];
    const firstLists = await shipperLists(live, expectedLive(false));
    const passes: PassRecord[] = [];
    const maxPasses = Math.ceil(instances.length / 20) + Math.ceil(clusters.length / 5) + 10;
    let idleRun: HandlerRun | undefined;
    for (let i = 0; i < maxPasses; i++) {
      const run = await runShipper();
      const r = run.invocation.result;
      const { copiesStarted, shared, announced, durationMs, listingMs, apiCalls } = r;
      passes.push({ pass: i + 1, copiesStarted, shared, announced, durationMs, listingMs, apiCalls });
      if (r.failures > 0) warnings.push(`shipper pass ${i + 1}: ${r.failures} failures`);
      if (i === 0) measurements.push(measurementOf('shipper first sweep', 'shipper', run, firstLists, r.listingMs, shipperOutcome(r), assumptions));
      if (r.copiesStarted === 0 && r.announced === 0 && r.shared === 0) {
        idleRun = run;
        break;
      }
      if (i % 10 === 9) progress(`N=${n}: shipper pass ${i + 1}: ${r.copiesStarted} copies started, ${r.announced} announced, ${r.durationMs} ms`);
    }
    if (!idleRun) throw new Error(`the shipper did not reach an idle pass within ${maxPasses} passes`);
    timings.shippingSeconds = t();
    progress(`N=${n}: shipped in ${passes.length} passes, ${timings.shippingSeconds} s`);

    // The idle pass changed nothing (checked below), so the account it listed is the account now.
    const idleLists = await shipperLists(live, expectedLive(true));
    const idleDurations = [idleRun.invocation.result.durationMs as number];
    for (let i = 1; i < idleRepeats; i++) {
      const again = await runShipper();
      const r = again.invocation.result;
      if (r.copiesStarted !== 0 || r.announced !== 0 || r.shared !== 0) warnings.push(`shipper idle repeat ${i} was not idle`);
      idleDurations.push(r.durationMs);
    }
    const shipperIdle = {
      ...measurementOf('shipper idle sweep', 'shipper', idleRun, idleLists, idleRun.invocation.result.listingMs, shipperOutcome(idleRun.invocation.result), assumptions),
      repeatDurationsMs: idleDurations,
    };
    measurements.push(shipperIdle);

    const announcements = await live.takeAnnouncements();
    if (announcements.length !== databases) warnings.push(`the shipper announced ${announcements.length} snapshots, expected ${databases}`);
    const messages = announcements.map((m) => ({ body: m, parsed: JSON.parse(m) }));
    const shippedArn = new Map(messages.map((m) => [`${m.parsed.kind}/${m.parsed.sourceDatabaseIdentifier}`, m.parsed.snapshotArn as string]));

    // ---------------------------------------------------------- Failsafe
    t = clock();
    const failsafe = await createFailsafeAccount(emulator, FAILSAFE_ACCOUNT);
    const rds = failsafe.rds;
    await inParallel(instances, concurrency, async (id) => {
      await rds.send(new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        Engine: 'postgres',
        DBInstanceClass: 'db.t4g.micro',
        AllocatedStorage: 20,
        MasterUsername: 'admin_user',
        MasterUserPassword: 'not-a-real-password-1',
        StorageEncrypted: true,
        KmsKeyId: failsafe.vaultKeyArn,
      }));
    });
    await inParallel(clusters, concurrency, async (id) => {
      await rds.send(new CreateDBClusterCommand({
        DBClusterIdentifier: id,
        Engine: 'aurora-postgresql',
        EngineVersion: '16.4',
        MasterUsername: 'admin_user',
        MasterUserPassword: 'not-a-real-password-1',
        StorageEncrypted: true,
        KmsKeyId: failsafe.vaultKeyArn,
      }));
    });
    timings.failsafeDatabasesSeconds = t();

    // The announcements measured below: the first instance and the first cluster.
    const announcedInstance = instances[0];
    const announcedCluster = clusters[0];
    const messageOf = (kind: string, db: string) => {
      const m = messages.find((x) => x.parsed.kind === kind && x.parsed.sourceDatabaseIdentifier === db);
      if (!m) throw new Error(`no announcement of ${kind} ${db}`);
      return m.body;
    };

    // 31 days of vault copies per database, as the vault names and tags them
    // (vault-plan.ts, allocateVaultCopy), recorded as completed. The newest is
    // the copy of what the shipper shared; the announced databases' newest
    // copies are left out, so that their announcements copy.
    t = clock();
    const arnFor = (kind: 'instance' | 'cluster', db: string, time: Date) => {
      const shipped = shippedArn.get(`${kind}/${db}`);
      if (!shipped) throw new Error(`the shipper announced no copy of ${kind} ${db}`);
      const arn = shipped.replace(/[^:]*$/, shippingCopyIdentifier(db, time));
      if (time.getTime() === times[0].getTime() && arn !== shipped) throw new Error(`the shipped copy of ${db} is ${shipped}, not ${arn}: the seeded times are off`);
      return arn;
    };
    const seededAt = new Date().toISOString();
    const tagsFor = (db: string, arn: string, time: Date) => [
      { Key: TagKeys.OWNER, Value: VAULT_OWNER },
      { Key: TagKeys.SOURCE_ACCOUNT, Value: LIVE_ACCOUNT },
      { Key: TagKeys.SOURCE_REGION, Value: REGION },
      { Key: TagKeys.SOURCE_DATABASE, Value: db },
      { Key: TagKeys.SOURCE_SNAPSHOT, Value: arn },
      { Key: TagKeys.SOURCE_TIME, Value: time.toISOString() },
      { Key: TagKeys.COMPLETED, Value: seededAt },
    ];
    type Seed = { kind: 'instance' | 'cluster'; db: string; time: Date };
    const seeds: Seed[] = [];
    for (const [kind, ids, skip] of [['instance', instances, announcedInstance], ['cluster', clusters, announcedCluster]] as const) {
      for (const db of ids) {
        for (const time of times) if (!(db === skip && time === times[0])) seeds.push({ kind, db, time });
      }
    }
    let seededCount = 0;
    const seedOne = async ({ kind, db, time }: Seed) => {
      const arn = arnFor(kind, db, time);
      const identifier = vaultCopyIdentifier(arn);
      if (kind === 'cluster') {
        const Tags = tagsFor(db, arn, time);
        await rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: db, DBClusterSnapshotIdentifier: identifier, Tags }));
      } else {
        await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: db, DBSnapshotIdentifier: identifier, Tags: tagsFor(db, arn, time) }));
      }
      seededCount += 1;
      if (seededCount % 5000 === 0) progress(`N=${n}: seeded ${seededCount} of ${seeds.length} vault copies`);
    };
    await inParallel(seeds, concurrency, seedOne);
    timings.vaultSeedSeconds = t();
    timings.vaultSeedPerSecond = round(seeds.length / timings.vaultSeedSeconds, 0);
    progress(`N=${n}: seeded ${seeds.length} vault copies in ${timings.vaultSeedSeconds} s (${timings.vaultSeedPerSecond}/s, ${concurrency} at a time)`);

    // ------------------------------------------------------------- Vault
    t = clock();
    const vaultConfig = {
      version: 1,
      ownerId: VAULT_OWNER,
      vaultKeyArn: failsafe.vaultKeyArn,
      sources: [{ topicArn: live.topicArn }],
      sourceAccounts: [LIVE_ACCOUNT],
      retentionMs: VAULT_DAYS * DAY,
      minimumCopies: 3,
      maxCopiesInFlight: 20,
    };
    const vaultEnv = { VAULT_CONFIG: JSON.stringify(vaultConfig) };
    const runVault = (event: unknown) => runHandler(emulator, 'vault/vault.lambda', FAILSAFE_ACCOUNT, vaultEnv, event);
    const vaultOutcome = (r: any) => {
      const s = r.summaries?.[0] ?? {};
      return {
        trigger: r.trigger,
        accepted: r.accepted,
        rejected: r.rejected,
        copiesStarted: s.copiesStarted,
        copiesAlreadyThere: s.copiesAlreadyThere,
        copiesCompleted: s.copiesCompleted,
        deleted: s.deleted,
        deferred: s.deferred,
        failures: s.failures,
        findings: s.findings,
        recoveryPoints: s.recoveryPoints?.length,
      };
    };
    const announce = async (name: string, kind: 'instance' | 'cluster', db: string, expectedCopies: number) => {
      const lists = await announcementLists(failsafe, kind, db, expectedCopies);
      const run = await runVault(snsEvent(live.topicArn, messageOf(kind, db)));
      const r = run.invocation.result;
      if (r.accepted !== 1) warnings.push(`${name}: the announcement was not accepted (${JSON.stringify(r.rejectedByReason)})`);
      measurements.push(measurementOf(name, 'vault', run, lists, r.summaries?.[0]?.listingMs ?? 0, vaultOutcome(r), assumptions));
      return r;
    };
    const freshInstance = await announce('vault announcement, instance, copies', 'instance', announcedInstance, VAULT_DAYS - 1);
    if (freshInstance.summaries?.[0]?.copiesStarted !== 1) warnings.push('the instance announcement did not start its copy');
    const freshCluster = await announce('vault announcement, cluster, copies', 'cluster', announcedCluster, VAULT_DAYS - 1);
    if (freshCluster.summaries?.[0]?.copiesStarted !== 1) warnings.push('the cluster announcement did not start its copy');
    const duplicate = await announce('vault announcement, instance, duplicate', 'instance', announcedInstance, VAULT_DAYS);
    if (duplicate.summaries?.[0]?.copiesStarted !== 0) warnings.push('the duplicate announcement started a copy');

    // RDS-EVENT-0197 for the vault copy the instance announcement made: a pass over that database alone.
    const vaultCopy = vaultCopyIdentifier(arnFor('instance', announcedInstance, times[0]));
    const vaultEventLists = [
      list('rds:DescribeDBSnapshots', `DescribeDBSnapshots SnapshotType=manual DBInstanceIdentifier=${announcedInstance}`, true, 'manual',
        await countDbSnapshots(rds, 'manual', announcedInstance), VAULT_DAYS),
    ];
    const vaultEvent = await runVault(rdsEvent('RDS-EVENT-0197', vaultCopy));
    const ve = vaultEvent.invocation.result;
    if (ve.trigger !== 'rds-event') warnings.push(`the vault took RDS-EVENT-0197 for ${vaultCopy} as a ${String(ve.trigger)}`);
    measurements.push(measurementOf('vault RDS-EVENT-0197, one database', 'vault', vaultEvent, vaultEventLists, ve.summaries?.[0]?.listingMs ?? 0, vaultOutcome(ve), assumptions));

    const expectedVault: VaultItems = {
      shared: instances.length, sharedClusters: clusters.length, manual: instances.length * VAULT_DAYS, manualClusters: clusters.length * VAULT_DAYS,
    };
    // The first sweep records as completed the copies the announcements made that no event recorded (the cluster's).
    const recordingLists = await vaultSweepLists(failsafe, expectedVault);
    const recording = await runVault({ 'source': 'aws.events', 'detail-type': 'Scheduled Event' });
    const rr = recording.invocation.result;
    measurements.push(measurementOf('vault sweep, records copies', 'vault', recording, recordingLists, rr.summaries[0].listingMs, vaultOutcome(rr), assumptions));
    // Then the vault is idle.
    const sweepLists = await vaultSweepLists(failsafe, expectedVault);
    let sweepRun: HandlerRun | undefined;
    const sweepDurations: number[] = [];
    for (let i = 0; i < idleRepeats; i++) {
      const run = await runVault({ 'source': 'aws.events', 'detail-type': 'Scheduled Event' });
      sweepDurations.push(run.invocation.result.durationMs);
      sweepRun ??= run;
    }
    const sr = sweepRun!.invocation.result;
    const already = sr.summaries[0].findings?.['already-copied'] ?? 0;
    if (already !== databases) warnings.push(`the idle sweep found ${already} shared snapshots already copied, expected ${databases}`);
    measurements.push({
      ...measurementOf('vault idle sweep', 'vault', sweepRun!, sweepLists, sr.summaries[0].listingMs, vaultOutcome(sr), assumptions),
      repeatDurationsMs: sweepDurations,
    });
    timings.vaultPassesSeconds = t();

    // ---------------------------------------- Shipper passes woken by RDS events
    // Last, so that what they ship does not disturb the vault's measurements: a
    // new automated snapshot of one instance and of one cluster, half an hour
    // after the newest, and the events RDS sends for them and for the copy.
    t = clock();
    const eventInstance = instances[Math.min(1, instances.length - 1)];
    const eventCluster = clusters[Math.min(1, clusters.length - 1)];
    const newer = new Date(times[0].getTime() + HOUR / 2);
    const shipperEventLists = async (kind: 'instance' | 'cluster', db: string, automated: number, manual: number) => {
      const [databasesNow, automatedNow, manualNow] = kind === 'cluster'
        ? [(await countClusters(live.rds, db)), await countClusterSnapshots(live.rds, 'automated', db), await countClusterSnapshots(live.rds, 'manual', db)]
        : [(await countInstances(live.rds, db)), await countDbSnapshots(live.rds, 'automated', db), await countDbSnapshots(live.rds, 'manual', db)];
      const [describe, snapshots] = kind === 'cluster'
        ? ['DescribeDBClusters', 'DescribeDBClusterSnapshots'] : ['DescribeDBInstances', 'DescribeDBSnapshots'];
      const filter = kind === 'cluster' ? 'DBClusterIdentifier' : 'DBInstanceIdentifier';
      return [
        list(`rds:${describe}`, `${describe} ${filter}=${db}`, false, 'database', databasesNow, 1),
        list(`rds:${snapshots}`, `${snapshots} SnapshotType=automated ${filter}=${db}`, true, 'automated', automatedNow, automated),
        list(`rds:${snapshots}`, `${snapshots} SnapshotType=manual ${filter}=${db}`, true, 'manual', manualNow, manual),
      ];
    };
    const shipperEvent = async (name: string, lists: ListCall[], event: unknown) => {
      const run = await runShipper(event);
      const r = run.invocation.result;
      if (!String(r.scope ?? '').startsWith('database')) warnings.push(`${name}: the pass read ${String(r.scope)}, not one database`);
      measurements.push(measurementOf(name, 'shipper', run, lists, r.listingMs, shipperOutcome(r), assumptions));
      return r;
    };
    const automatedInstance = await live.createAutomatedSnapshot(eventInstance, newer);
    const e0091 = await shipperEvent('shipper RDS-EVENT-0091, one database',
      await shipperEventLists('instance', eventInstance, AUTOMATED_SNAPSHOTS_PER_DATABASE + 1, 1),
      rdsEvent('RDS-EVENT-0091', automatedInstance.DBSnapshotIdentifier!));
    if (e0091.copiesStarted !== 1) warnings.push(`RDS-EVENT-0091 started ${e0091.copiesStarted} copies, not 1`);
    const e0197 = await shipperEvent('shipper RDS-EVENT-0197, one database',
      await shipperEventLists('instance', eventInstance, AUTOMATED_SNAPSHOTS_PER_DATABASE + 1, 2),
      rdsEvent('RDS-EVENT-0197', shippingCopyIdentifier(eventInstance, newer)));
    if (e0197.announced !== 1) warnings.push(`RDS-EVENT-0197 announced ${e0197.announced} copies, not 1`);
    const automatedCluster = await live.createAutomatedClusterSnapshot(eventCluster, newer);
    const e0169 = await shipperEvent('shipper RDS-EVENT-0169, one database',
      await shipperEventLists('cluster', eventCluster, AUTOMATED_SNAPSHOTS_PER_DATABASE + 1, 1),
      rdsEvent('RDS-EVENT-0169', automatedCluster.DBClusterSnapshotIdentifier!, 'RDS DB Cluster Snapshot Event'));
    if (e0169.copiesStarted !== 1) warnings.push(`RDS-EVENT-0169 started ${e0169.copiesStarted} copies, not 1`);
    timings.shipperEventsSeconds = t();

    // ------------------------------------------------------------ Checks
    for (const m of measurements) {
      if (!m.emulatorListCheck.ok) warnings.push(`${m.name}: the emulator's list calls ${JSON.stringify(m.emulatorCalls)} differ from the lists modelled ${JSON.stringify(m.emulatorListCheck.expected)}`);
      for (const l of m.lists) {
        if (l.items !== l.expectedItems) warnings.push(`${m.name}: ${l.label} lists ${l.items} items, ${l.expectedItems} expected`);
      }
    }
    const shipperSelected = shipperIdle.outcome.selected;
    if (shipperSelected !== databases) warnings.push(`the shipper selected ${String(shipperSelected)} databases, expected ${databases}`);

    const bounds: Bound[] = [];
    const idleBound = (m: Measurement, includeDatabases: boolean) => {
      const snapshots = m.totals.snapshotsListed + (includeDatabases ? m.totals.databasesListed : 0);
      const limit = awsPages(snapshots) + 5;
      const calls = includeDatabases ? m.totals.awsListCalls : m.totals.awsSnapshotListCalls;
      const holds = calls <= limit && m.totals.writes === 0;
      const what = includeDatabases ? 'snapshots + DB instances + DB clusters listed' : 'snapshots listed';
      return {
        name: `${m.name}: list calls <= ceil(${what} / 100) + 5, and no write`,
        holds,
        detail: `${calls} list calls (AWS pages), bound ceil(${snapshots} / 100) + 5 = ${limit}; writes ${m.totals.writes}`
          + (m.handler === 'shipper' && !includeDatabases ? `; the DB instance and cluster lists add ${m.totals.awsDatabaseListCalls} more` : '')
          + `; DescribeAccountAttributes ${m.awsCalls['rds:DescribeAccountAttributes'] ?? 0} more (a read, not a list)`,
      };
    };
    bounds.push(idleBound(shipperIdle, false), idleBound(shipperIdle, true));
    const vaultIdle = measurements.find((m) => m.name === 'vault idle sweep')!;
    bounds.push(idleBound(vaultIdle, false));
    for (const m of measurements.filter((x) => x.name.startsWith('vault announcement'))) {
      const rdsCalls = Object.entries(m.awsCalls).filter(([op]) => op.startsWith('rds')).reduce((a, [, c]) => a + c, 0);
      bounds.push({
        name: `${m.name}: at most 5 RDS calls`,
        holds: rdsCalls <= 5,
        detail: `${rdsCalls} RDS calls (AWS pages) with ${m.lists[0].items} copies of the database in a vault of ${vaultIdle.totals.snapshotsListed} snapshots: ${JSON.stringify(m.awsCalls)}`,
      });
    }

    // -------------------------------------------------------------- Cost
    const measured = (name: string) => measurements.find((m) => m.name === name)!;
    const emulatorInputs: CostInputs = {
      instances: instances.length,
      clusters: clusters.length,
      memoryMiB,
      shipperSweepMs: median(idleDurations),
      vaultSweepMs: median(sweepDurations),
      vaultAnnouncementMs: median([freshInstance.durationMs, freshCluster.durationMs]),
      shipperInstanceSnapshotEventMs: measured('shipper RDS-EVENT-0091, one database').durationMs,
      shipperClusterSnapshotEventMs: measured('shipper RDS-EVENT-0169, one database').durationMs,
      shipperCopyFinishedEventMs: measured('shipper RDS-EVENT-0197, one database').durationMs,
      vaultCopyFinishedEventMs: measured('vault RDS-EVENT-0197, one database').durationMs,
      callMs: emulatorCallMs,
    };
    const aws = (name: string) => measured(name).awsEstimateMs;
    const awsInputs: CostInputs = {
      ...emulatorInputs,
      shipperSweepMs: aws('shipper idle sweep'),
      vaultSweepMs: aws('vault idle sweep'),
      vaultAnnouncementMs: median([aws('vault announcement, instance, copies'), aws('vault announcement, cluster, copies')]),
      shipperInstanceSnapshotEventMs: aws('shipper RDS-EVENT-0091, one database'),
      shipperClusterSnapshotEventMs: aws('shipper RDS-EVENT-0169, one database'),
      shipperCopyFinishedEventMs: aws('shipper RDS-EVENT-0197, one database'),
      vaultCopyFinishedEventMs: aws('vault RDS-EVENT-0197, one database'),
      callMs: assumptions.callMs,
    };
    const cost = {
      inputs: { emulatorMeasured: emulatorInputs, awsEstimated: awsInputs },
      brief: { emulatorMeasured: briefCost(emulatorInputs), awsEstimated: briefCost(awsInputs) },
      currentCode: { emulatorMeasured: currentCodeCost(emulatorInputs), awsEstimated: currentCodeCost(awsInputs) },
    };

    timings.totalSeconds = whole();
    return {
      n,
      instances: instances.length,
      clusters: clusters.length,
      databases,
      timings,
      seeded: {
        liveAutomatedSnapshots: databases * AUTOMATED_SNAPSHOTS_PER_DATABASE,
        vaultCopies: seeds.length,
        vaultCopiesMadeByAnnouncements: 2,
        memberSnapshotsRemoved: memberSnapshots.length - memberSnapshotsLeft,
      },
      assumptions: { ...assumptions, memoryMiB },
      shipperPasses: passes,
      measurements,
      bounds,
      cost,
      warnings,
    };
  } finally {
    await emulator.stop();
  }
}
