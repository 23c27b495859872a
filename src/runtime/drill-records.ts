/**
 * What a restore drill writes down, and how it names what it restores. Pure:
 * no AWS SDK.
 *
 * - A database is known by its kind, source account, database Region and
 *   identifier: `instance:111111111111:eu-west-1:orders`.
 * - Each drill leaves a record on the vault copy it restored, in the tag
 *   `cdk-rds-failsafe:restore-drill`: `2026-11-30T03:12:40.000Z passed 412`
 *   (when it was judged, the verdict, and the restore's seconds), or
 *   `2026-11-30T03:12:40.000Z failed`. The records are the drill's memory:
 *   the least recently drilled databases go first, and the newest passed
 *   record of a database is its last successful restore.
 */
import { createHash } from 'node:crypto';
import { DbKind } from './budget';

export interface DrilledDatabase {
  readonly kind: DbKind;
  readonly account: string;
  readonly region: string;
  /** The source database's identifier. */
  readonly database: string;
}

export function databaseKey(d: DrilledDatabase): string {
  return `${d.kind}:${d.account}:${d.region}:${d.database}`;
}

export function parseDatabaseKey(key: string): DrilledDatabase | undefined {
  const m = /^(instance|cluster):(\d{12}):([a-z0-9-]+):([A-Za-z][A-Za-z0-9-]*)$/.exec(key);
  return m ? { kind: m[1] as DbKind, account: m[2], region: m[3], database: m[4] } : undefined;
}

export interface DrillRecord {
  /** When the drill was judged. */
  readonly at: Date;
  readonly passed: boolean;
  /** The restore's duration, from the start until available (passed drills). */
  readonly restoreSeconds?: number;
}

export function formatDrillRecord(r: DrillRecord): string {
  return r.passed ? `${r.at.toISOString()} passed ${Math.round(r.restoreSeconds ?? 0)}` : `${r.at.toISOString()} failed`;
}

/** A record as `formatDrillRecord` writes it, or undefined for anything else. */
export function parseDrillRecord(value: string | undefined): DrillRecord | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (passed (\d+)|failed)$/.exec(value ?? '');
  if (!m) return undefined;
  const at = new Date(m[1]);
  if (Number.isNaN(at.getTime())) return undefined;
  return m[3] !== undefined ? { at, passed: true, restoreSeconds: Number(m[3]) } : { at, passed: false };
}

/** The start of every DB instance and cluster identifier a drill restores. */
export const DRILL_RESOURCE_PREFIX = 'drill-';

const hex = (text: string, length: number) => createHash('sha256').update(text).digest('hex').slice(0, length);

/**
 * The prefix of everything one drill restores: `drill-<6 hex digits of its
 * owner id>-`. IAM scopes each of the drill's permissions to it, so that no
 * drill can act on another's restores, or on a database someone named
 * `drill-...`, even by tagging it first.
 */
export function drillPrefix(ownerId: string): string {
  return `${DRILL_RESOURCE_PREFIX}${hex(ownerId, 6)}-`;
}

/**
 * The identifier of the instance or cluster a drill restores for a database:
 * `<drill prefix><database>-<hash>`, the hash over the database's key so that
 * two databases of one name in two accounts or Regions never share it. One
 * drill per database at a time, so a retried start finds
 * `DBInstanceAlreadyExists` and counts it as done. At most 54 characters: a
 * cluster's writer adds `-w`, within RDS's 63.
 */
export function drillIdentifier(ownerId: string, d: DrilledDatabase): string {
  const name = d.database.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').slice(0, 34).replace(/-+$/, '');
  return `${drillPrefix(ownerId)}${name}-${hex(databaseKey(d), 6)}`;
}

/** The writer instance a drill adds to a restored cluster, which RDS restores without instances. */
export function writerIdentifier(clusterIdentifier: string): string {
  return `${clusterIdentifier}-w`;
}

/**
 * The smallest practical DB instance class per engine, when the props name
 * none. From the RDS User Guide's "Supported DB engines for DB instance
 * classes", the SQL Server class table, and the Aurora User Guide's "Aurora
 * DB instance classes": db.t4g.micro runs MySQL 8.0.25 and later, every
 * MariaDB 10.4 and later, and PostgreSQL 12.7 and later; Oracle and SQL
 * Server Express and Web start at db.t3.small; SQL Server Standard and
 * Enterprise at db.t3.xlarge; Aurora MySQL 3 and Aurora PostgreSQL at
 * db.t4g.medium. The drill checks nothing more: RDS refuses a class it does
 * not offer, and the drill fails with that reason.
 */
export const SMALLEST_INSTANCE_CLASS: Readonly<Record<string, string>> = {
  'mysql': 'db.t4g.micro',
  'mariadb': 'db.t4g.micro',
  'postgres': 'db.t4g.micro',
  'oracle-ee': 'db.t3.small',
  'oracle-ee-cdb': 'db.t3.small',
  'oracle-se2': 'db.t3.small',
  'oracle-se2-cdb': 'db.t3.small',
  'sqlserver-ex': 'db.t3.small',
  'sqlserver-web': 'db.t3.small',
  'sqlserver-se': 'db.t3.xlarge',
  'sqlserver-ee': 'db.t3.xlarge',
  'aurora-mysql': 'db.t4g.medium',
  'aurora-postgresql': 'db.t4g.medium',
};

/** For an engine not in the table (Db2, a new engine): a class every engine of RDS's T family runs. */
export const FALLBACK_INSTANCE_CLASS = 'db.t3.medium';

export function instanceClassFor(engine: string, overrides: Readonly<Record<string, string>> = {}): string {
  return overrides[engine] ?? SMALLEST_INSTANCE_CLASS[engine] ?? FALLBACK_INSTANCE_CLASS;
}

/**
 * A reason as a tag value can hold it: RDS tag values take letters, digits,
 * spaces and `_ . : / = + - @`, up to 256 characters.
 */
export function tagSafe(text: string, max = 200): string {
  const safe = text.replace(/[^\p{L}\p{N} _.:/=+\-@]/gu, ' ').replace(/\s+/g, ' ').trim();
  return safe.length > max ? `${safe.slice(0, max - 3)}...` : safe;
}
