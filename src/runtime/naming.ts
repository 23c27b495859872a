/**
 * Deterministic snapshot names. A name is derived only from the source database
 * and the source snapshot's creation time, so every rerun, duplicate event or
 * concurrent pass computes the same name, and RDS's `DBSnapshotAlreadyExists`
 * means "already done".
 *
 * RDS snapshot identifiers: 1 to 255 letters, digits or hyphens; the first is a
 * letter; no two consecutive hyphens; no trailing hyphen.
 */

/** Prefix of every snapshot the shipper creates. IAM scopes its permissions to it. */
export const SHIPPER_SNAPSHOT_PREFIX = 'failsafe-';

/**
 * The longest DB cluster identifier whose shipper copy name fits: a DB cluster
 * snapshot identifier has at most 63 characters (RDS API Reference,
 * CopyDBClusterSnapshot, TargetDBClusterSnapshotIdentifier), and
 * `failsafe-<cluster>-<yyyymmdd-hhmmss>` adds 25.
 */
export const MAX_CLUSTER_IDENTIFIER_LENGTH = 63 - SHIPPER_SNAPSHOT_PREFIX.length - '-yyyymmdd-hhmmss'.length;

/** A Region name, for example `eu-west-1` or `us-gov-west-1`. */
export const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d+$/;

/** The compass words of Region names, as Region codes abbreviate them. */
const COMPASS: Readonly<Record<string, string>> = {
  north: 'n', south: 's', east: 'e', west: 'w', central: 'c', northeast: 'ne', northwest: 'nw', southeast: 'se', southwest: 'sw',
};

/**
 * A Region's short code: `eu-west-1` is `euw1`, `ap-southeast-2` is `apse2`,
 * `us-gov-west-1` is `usgovw1`. A shipper that copies across Regions ends its
 * copies' names with its databases' Region's code, so that two shippers of
 * databases of the same name in two Regions never make copies of the same
 * name in the Region they ship into.
 */
export function regionCode(region: string): string {
  if (!REGION.test(region)) throw new Error(`not a Region name: ${JSON.stringify(region)}`);
  return region.split('-').map((part) => COMPASS[part] ?? part).join('');
}

/**
 * The longest DB cluster identifier whose shipper copy name fits, for a
 * shipper of databases in `homeRegion` that copies them across Regions:
 * `failsafe-<cluster>-<yyyymmdd-hhmmss>-<code>` (see `regionCode`).
 */
export function maxClusterIdentifierLength(homeRegion?: string): number {
  return MAX_CLUSTER_IDENTIFIER_LENGTH - (homeRegion === undefined ? 0 : 1 + regionCode(homeRegion).length);
}

const DB_IDENTIFIER = /^[a-zA-Z][a-zA-Z0-9]*(-[a-zA-Z0-9]+)*$/;

export function isValidDbIdentifier(id: string): boolean {
  return id.length >= 1 && id.length <= 63 && DB_IDENTIFIER.test(id);
}

/** `2026-11-28T05:05:06.123Z` becomes `20261128-050506`. */
export function compactTimestamp(time: Date): string {
  if (Number.isNaN(time.getTime())) throw new Error('compactTimestamp: invalid date');
  const iso = time.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/**
 * The identifier of the shipper's copy of a database's automated snapshot:
 * `failsafe-<database>-<yyyymmdd-hhmmss>`, and for a copy across Regions, of
 * a database in `homeRegion`, `failsafe-<database>-<yyyymmdd-hhmmss>-<code>`.
 */
export function shippingCopyIdentifier(dbIdentifier: string, sourceSnapshotTime: Date, homeRegion?: string): string {
  if (!isValidDbIdentifier(dbIdentifier)) {
    throw new Error(`not a valid RDS DB identifier: ${JSON.stringify(dbIdentifier)}`);
  }
  const region = homeRegion === undefined ? '' : `-${regionCode(homeRegion)}`;
  return `${SHIPPER_SNAPSHOT_PREFIX}${dbIdentifier.toLowerCase()}-${compactTimestamp(sourceSnapshotTime)}${region}`;
}

/**
 * The identifier of a snapshot the shipper takes itself, of a database, for
 * the interval that starts at `slotStart` (recovery-points.ts):
 * `failsafe-<database>-<yyyymmdd-hhmm>`. Every pass of the same interval
 * computes the same name, so that RDS's `DBSnapshotAlreadyExists` means
 * "already taken", and two passes never take two. Its time has four digits,
 * a copy's six: the two can never have the same name.
 */
export function recoveryPointIdentifier(dbIdentifier: string, slotStart: Date): string {
  if (!isValidDbIdentifier(dbIdentifier)) {
    throw new Error(`not a valid RDS DB identifier: ${JSON.stringify(dbIdentifier)}`);
  }
  return `${SHIPPER_SNAPSHOT_PREFIX}${dbIdentifier.toLowerCase()}-${compactTimestamp(slotStart).slice(0, 13)}`;
}

const SHIPPED_NAME = /^failsafe-([a-z][a-z0-9-]*)-(\d{8})-(\d{6}|\d{4})(?:-([a-z][a-z0-9]*\d))?$/;

/** What a shipper copy's name says. */
export interface ShippedName {
  readonly database: string;
  readonly time: Date;
  /** The code of the database's Region (`regionCode`), in the name of a copy made across Regions only. */
  readonly regionCode?: string;
  /**
   * Whether the name is that of a snapshot the shipper took itself
   * (`recoveryPointIdentifier`): its time is the start of the interval it was
   * taken for, to the minute, not the recovery point to the second.
   */
  readonly taken?: boolean;
}

/**
 * Reads database, time and, for a copy across Regions, the code of the
 * database's Region from a shipper copy's name
 * (`failsafe-<database>-<yyyymmdd>-<hhmmss>[-<code>]`), or from the name of a
 * snapshot the shipper took (`failsafe-<database>-<yyyymmdd>-<hhmm>`), or
 * undefined if it is neither.
 */
export function parseShippedName(identifier: string): ShippedName | undefined {
  const m = SHIPPED_NAME.exec(identifier.toLowerCase());
  if (!m) return undefined;
  const [, database, d, hms, code] = m;
  if (!isValidDbIdentifier(database)) return undefined;
  const taken = hms.length === 4;
  const t = taken ? `${hms}00` : hms;
  const time = new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}Z`);
  if (Number.isNaN(time.getTime()) || compactTimestamp(time) !== `${d}-${t}`) return undefined;
  return { database, time, ...(code === undefined ? {} : { regionCode: code }), ...(taken ? { taken } : {}) };
}

/**
 * The database an automated snapshot belongs to, from its identifier
 * (`rds:<database>-<yyyy-mm-dd-hh-mm>`), or undefined if it is not one.
 */
export function parseAutomatedName(identifier: string): string | undefined {
  const m = /^rds:([a-z][a-z0-9-]*)-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}$/.exec(identifier.toLowerCase());
  return m && isValidDbIdentifier(m[1]) ? m[1] : undefined;
}
