/**
 * Starts and stops the AWS emulator (moto server) for the integration tests, on
 * 127.0.0.1 on a free port, from the project-local venv that
 * `npx projen emulator:install` creates. Nothing here talks to real AWS: every
 * client made by these helpers, and every handler they run, points at loopback.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const VENV_PYTHON = path.join(PROJECT_ROOT, '.venv', 'bin', 'python');
const SERVER = path.join(__dirname, 'server.py');

export const REGION = 'eu-west-1';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface Emulator {
  readonly endpoint: string;
  /** Credentials that moto maps to the given account (via STS AssumeRole). */
  credentialsFor(account: string): Promise<Credentials>;
  /** Client settings for the given account (and region, by default REGION): endpoint, region and credentials. */
  clientConfig(account: string, region?: string): Promise<{ endpoint: string; region: string; credentials: Credentials }>;
  /**
   * Takes Regions down: every request to them, of any service, is refused
   * with 503 ServiceUnavailable (outages.py) until the next call. No Region
   * is down at the start; `setRegionOutage([])` ends every outage.
   */
  setRegionOutage(regions: readonly string[]): void;
  /**
   * Sets RDS's clock (clock.py): what RDS makes from now on (DB instances,
   * snapshots, copies) is stamped as if it were `date` now, and the clock
   * advances from there; `undefined` brings back the real time, as at the
   * start. Every other service keeps the real time. The handlers' own clock
   * is set apart, with `invokeBundled`'s `clock`.
   */
  setClock(date: Date | undefined): void;
  /** Clears all state. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(endpoint: string, proc: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`moto server exited with ${proc.exitCode}:\n${output()}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto server did not come up within 30s:\n${output()}`);
}

export interface EmulatorOptions {
  /** New snapshot copies read as `creating` for this many describe calls (the creating-phase patch). @default 0 */
  readonly copyPendingDescribes?: number;
  /** Restored DB instances and clusters read as `creating` for this many describe calls (the restore-creating-phase patch). @default 0 */
  readonly restorePendingDescribes?: number;
  /** Snapshots taken with CreateDBSnapshot or CreateDBClusterSnapshot read as `creating` for this many describe calls (the taken-snapshot-creating-phase patch). @default 0 */
  readonly snapshotPendingDescribes?: number;
  /** Fidelity patches to leave off, to show the gap each one closes. @default none */
  readonly patchesOff?: string[];
  /** The manual snapshot quota of every account, per kind (moto's MOTO_RDS_SNAPSHOT_LIMIT). @default 1000 */
  readonly manualSnapshotLimit?: number;
  /**
   * A file to which the emulator appends every call the bundled handlers make,
   * one JSON line each (recorder.py): what the authorization tests evaluate.
   * @default no recording
   */
  readonly recordCallsTo?: string;
  /**
   * Report where a copy came from (SourceRegion, SourceDBSnapshotIdentifier,
   * SourceDBClusterSnapshotArn) to its owner only, not to the accounts it is
   * shared with: RDS documents neither. @default false
   */
  readonly hideCopySourceFromShared?: boolean;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  if (!fs.existsSync(VENV_PYTHON)) {
    throw new Error(`the AWS emulator is not installed (${path.relative(PROJECT_ROOT, VENV_PYTHON)} is missing): run "npx projen emulator:install"`);
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const controls = fs.mkdtempSync(path.join(os.tmpdir(), 'failsafe-emulator-'));
  const outageFile = path.join(controls, 'regions-down');
  const clockFile = path.join(controls, 'clock-offset-ms');
  let log = '';
  const proc = spawn(VENV_PYTHON, [SERVER, '-H', '127.0.0.1', '-p', String(port)], {
    env: {
      PATH: process.env.PATH ?? '',
      MOTO_ALLOW_NONEXISTENT_REGION: 'false',
      FAILSAFE_EMULATOR_COPY_PENDING_DESCRIBES: String(options.copyPendingDescribes ?? 0),
      FAILSAFE_EMULATOR_RESTORE_PENDING_DESCRIBES: String(options.restorePendingDescribes ?? 0),
      FAILSAFE_EMULATOR_SNAPSHOT_PENDING_DESCRIBES: String(options.snapshotPendingDescribes ?? 0),
      FAILSAFE_EMULATOR_PATCHES_OFF: (options.patchesOff ?? []).join(','),
      ...(options.manualSnapshotLimit !== undefined ? { MOTO_RDS_SNAPSHOT_LIMIT: String(options.manualSnapshotLimit) } : {}),
      ...(options.recordCallsTo ? { FAILSAFE_EMULATOR_RECORD: options.recordCallsTo } : {}),
      FAILSAFE_EMULATOR_OUTAGE_FILE: outageFile,
      FAILSAFE_EMULATOR_CLOCK_FILE: clockFile,
      ...(options.hideCopySourceFromShared ? { FAILSAFE_EMULATOR_SHARED_COPY_SOURCE: 'hidden' } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d) => { log = (log + d).slice(-20_000); });
  proc.stderr!.on('data', (d) => { log = (log + d).slice(-20_000); });
  await waitUntilUp(endpoint, proc, () => log);

  const base: Credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const cache = new Map<string, Credentials>();
  const credentialsFor = async (account: string): Promise<Credentials> => {
    const hit = cache.get(account);
    if (hit) return hit;
    const sts = new STSClient({ endpoint, region: REGION, credentials: base });
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/emulator`, RoleSessionName: 'emulator' }));
    const c = out.Credentials!;
    const creds = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    cache.set(account, creds);
    return creds;
  };

  return {
    endpoint,
    credentialsFor,
    clientConfig: async (account, region = REGION) => ({ endpoint, region, credentials: await credentialsFor(account) }),
    setRegionOutage(regions) {
      fs.writeFileSync(outageFile, regions.map((r) => `${r}\n`).join(''));
    },
    setClock(date) {
      if (date !== undefined && Number.isNaN(date.getTime())) throw new Error('setClock: invalid date');
      // The offset from the real time: both processes read the same system clock.
      fs.writeFileSync(clockFile, date === undefined ? '' : String(date.getTime() - Date.now()));
    },
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset failed: ${res.status}`);
      cache.clear();
    },
    async stop() {
      fs.rmSync(controls, { recursive: true, force: true });
      if (proc.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 5_000).unref();
      });
    },
  };
}
