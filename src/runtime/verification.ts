/**
 * What the Live account says about a snapshot is a claim; RDS's own metadata
 * of the shared snapshot is the fact. Before the vault copies a shared
 * snapshot, the claims (the shipper's name for it, and an announcement's
 * fields) are checked against what `DescribeDBSnapshots` or
 * `DescribeDBClusterSnapshots` report for it. Pure.
 */
import { parseShippedName, REGION, regionCode } from './naming';
import { DbSnapshot } from './shipper-plan';
import { shipsDatabasesOf, SourcePair } from './source-pairs';
import { ShippedSnapshot } from './vault-plan';

/** Why a shared snapshot is refused: the `Reason` dimension of the SnapshotsRefused metric. */
export type VerificationCode =
  | 'not-shared'
  | 'no-resource-id'
  | 'database-mismatch'
  | 'resource-id-mismatch'
  | 'engine-mismatch'
  | 'time-mismatch'
  | 'region-mismatch'
  | 'undeclared-region';

export type Verification =
  | { readonly ok: true; readonly snapshot: ShippedSnapshot }
  | { readonly ok: false; readonly code: VerificationCode; readonly reason: string };

/** What is claimed about a shared snapshot: from its name, and from an announcement when there is one. */
export interface Claim {
  readonly snapshot: ShippedSnapshot;
  /** The announced engine. */
  readonly engine?: string;
  /** The announced resource id of the source database. */
  readonly resourceId?: string;
  /**
   * The claimed Region of the source database, when it is not the snapshot's:
   * an announcement's, or the declared Region whose code ends the name.
   */
  readonly databaseRegion?: string;
}

/**
 * How much older than the shared snapshot's creation a recovery point may
 * claim to be, where RDS does not report the original snapshot's time (DB
 * cluster snapshots). The shipper copies the newest automated snapshot, which
 * is at most a day old; this leaves room for a shipper that was held up for
 * days, and for the drill, which ships a week of recovery points in minutes.
 * A claim older than this would let a recent snapshot pass for an old one,
 * and take the place of a real copy in a monthly tier.
 */
export const MAX_CLAIMED_AGE_AT_SHARING_MS = 7 * 86_400_000;

/** How far in the future, or after RDS's own time, a claimed time may lie: clock skew. */
export const CLOCK_SKEW_MS = 15 * 60_000;

/**
 * How long after the start of its interval a snapshot the shipper took may
 * have been taken: a day, the longest interval. Its name claims only the
 * interval (naming.ts); RDS's own time is the recovery point.
 */
export const MAX_TAKEN_AFTER_SLOT_MS = 86_400_000;

const refuse = (code: VerificationCode, reason: string): Verification => ({ ok: false, code, reason });

/**
 * A snapshot the shipper took and shared as it is: its name claims the start
 * of the interval it was taken in, so RDS's time must lie in the day after
 * that (and not before it, bar clock skew).
 */
function takenTimeRefusal(slot: Date, meta: DbSnapshot): string | undefined {
  const taken = rdsTimeOf(meta);
  if (taken === undefined) return 'RDS reports no creation time for it';
  const after = taken.getTime() - slot.getTime();
  if (after >= -CLOCK_SKEW_MS && after < MAX_TAKEN_AFTER_SLOT_MS) return undefined;
  return `it is named for the interval that starts at ${slot.toISOString()}, but RDS took it at ${taken.toISOString()}`;
}

/** When RDS took the snapshot: the original's time, which a copy keeps, else its own. */
function rdsTimeOf(meta: DbSnapshot): Date | undefined {
  return meta.originalCreateTime ?? meta.createTime;
}

/** The claimed recovery point against RDS's times for the shared snapshot. */
function timeRefusal(claimed: Date, meta: DbSnapshot): string | undefined {
  const claim = claimed.getTime();
  if (meta.originalCreateTime) {
    // The shipper names its copy after the original snapshot's time, to the second.
    const original = meta.originalCreateTime.getTime();
    return Math.floor(original / 1000) === Math.floor(claim / 1000)
      ? undefined
      : `it claims the recovery point ${claimed.toISOString()}, but RDS took the original snapshot at ${meta.originalCreateTime.toISOString()}`;
  }
  if (!meta.createTime) return 'RDS reports no creation time for it';
  const created = meta.createTime.getTime();
  if (claim > created + CLOCK_SKEW_MS) return `it claims the recovery point ${claimed.toISOString()}, after RDS made it (${meta.createTime.toISOString()})`;
  if (created - claim > MAX_CLAIMED_AGE_AT_SHARING_MS) {
    return `it claims the recovery point ${claimed.toISOString()}, more than ${MAX_CLAIMED_AGE_AT_SHARING_MS / 86_400_000} days before RDS made it (${meta.createTime.toISOString()})`;
  }
  return undefined;
}

/**
 * The database's Region: where RDS says the shipped copy was copied from
 * (`originRegion`), else the claimed one (an announcement's, or the declared
 * Region the name's code stands for), else the snapshot's own Region; or a
 * refusal when a claim, or the Region code that ends the name of a copy made
 * across Regions, says otherwise.
 */
function verifiedDatabaseRegion(claim: Claim, meta: DbSnapshot): { readonly region: string } | { readonly refusal: string } {
  const s = claim.snapshot;
  const region = meta.originRegion ?? claim.databaseRegion ?? s.region;
  const source = meta.originRegion !== undefined ? `RDS copied it from ${region}` : `RDS does not say where it was copied from, and nothing claims another Region than ${region}`;
  if (!REGION.test(region)) return { refusal: `${s.arn}: RDS reports ${JSON.stringify(region)} as the Region it was copied from, which is not a Region name` };
  if (claim.databaseRegion !== undefined && claim.databaseRegion !== region) {
    return { refusal: `${s.arn} is claimed to be a snapshot of a database in ${claim.databaseRegion}, but ${source}` };
  }
  const named = parseShippedName(s.identifier)?.regionCode;
  const expected = region === s.region ? undefined : regionCode(region);
  if (named !== expected) {
    return { refusal: `${s.arn} is named for ${named === undefined ? 'a database in its own Region' : `the Region code ${named}`}, but ${source}` };
  }
  return { region };
}

/**
 * Checks a claim against the shared snapshot's metadata. What passes is the
 * shipped snapshot as RDS describes it: its resource id, status and
 * encryption are RDS's, not the claim's.
 */
export function verifyShared(claim: Claim, meta: DbSnapshot | undefined): Verification {
  const s = claim.snapshot;
  if (!meta) return refuse('not-shared', `${s.arn} is not shared with the vault account, or does not exist`);
  if (!meta.resourceId) return refuse('no-resource-id', `RDS reports no resource id for ${s.arn}, so its lineage cannot be told`);
  if (meta.dbIdentifier.toLowerCase() !== s.database.toLowerCase()) {
    return refuse('database-mismatch', `${s.arn} is named for database ${s.database}, but RDS took it of ${meta.dbIdentifier}`);
  }
  if (claim.resourceId !== undefined && claim.resourceId !== meta.resourceId) {
    return refuse('resource-id-mismatch', `${s.arn} was announced as a snapshot of resource ${claim.resourceId}, but RDS took it of ${meta.resourceId}`);
  }
  if (claim.engine !== undefined && claim.engine !== meta.engine) {
    return refuse('engine-mismatch', `${s.arn} was announced with engine ${claim.engine}, but RDS reports ${meta.engine}`);
  }
  // A snapshot the shipper took is named for its interval: RDS's time is the recovery point.
  const taken = parseShippedName(s.identifier)?.taken === true;
  const time = taken ? takenTimeRefusal(s.time, meta) : timeRefusal(s.time, meta);
  if (time) return refuse('time-mismatch', `${s.arn}: ${time}`);
  const where = verifiedDatabaseRegion(claim, meta);
  if ('refusal' in where) return refuse('region-mismatch', where.refusal);
  const { databaseRegion: _announced, ...rest } = s;
  return {
    ok: true,
    snapshot: {
      ...rest,
      ...(taken ? { time: rdsTimeOf(meta)! } : {}),
      resourceId: meta.resourceId,
      status: meta.status,
      encrypted: meta.encrypted,
      kind: meta.kind ?? 'instance',
      ...(where.region !== s.region ? { databaseRegion: where.region } : {}),
    },
  };
}

/**
 * A verified snapshot, if its source ships databases of its Region: the
 * topics of its account and Region declare that Region (`databaseRegions`).
 * The vault's alarms watch only the Regions declared, so a database of
 * another Region would be held unwatched; it is refused instead, loudly.
 */
export function fromDeclaredRegion(pairs: readonly SourcePair[], v: Verification): Verification {
  if (!v.ok) return v;
  const s = v.snapshot;
  const region = s.databaseRegion ?? s.region;
  if (shipsDatabasesOf(pairs, s.account, s.region, region)) return v;
  return refuse('undeclared-region', `${s.arn} is a snapshot of a database in ${region}, which no source topic of ${s.account} in ${s.region} declares `
    + '(the databaseRegions of its source)');
}
