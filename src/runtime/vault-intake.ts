/**
 * What the vault takes in: the snapshots shared with it, each checked against
 * RDS's own metadata before it may be copied (verification.ts). Anything that
 * is not a verified shipper copy from a configured source is counted and
 * summed up in the log, one line per kind of refusal and pass, however many
 * there are: a flood of junk cannot flood the log.
 */
import { DescribeDBClusterSnapshotsCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { errorCode } from './aws';
import { VaultConfig } from './config';
import { describeError, Logger } from './log';
import { regionCode } from './naming';
import { parseSnapshotArn } from './schema';
import { DbSnapshot } from './shipper-plan';
import { listDbClusterSnapshots, listDbSnapshots, toClusterSnapshot, toSnapshot } from './snapshots';
import { isSourcePair, SourcePair, sourcePairsOf } from './source-pairs';
import { parseShippedName, ShippedSnapshot } from './vault-plan';
import { Claim, CLOCK_SKEW_MS, fromDeclaredRegion, verifyShared } from './verification';

export { CLOCK_SKEW_MS } from './verification';

/** Refusals of each code logged in full per pass; the rest are only counted. */
export const REFUSALS_LOGGED_PER_CODE = 5;

/** What a sweep took in from what is shared with the vault. */
export interface Intake {
  /** Verified shipper copies from configured sources. */
  readonly shipped: ShippedSnapshot[];
  /** Source regions that could not be listed. */
  readonly failedRegions: readonly string[];
  /** Shared snapshots from configured sources that failed verification, by reason code. */
  readonly refused: Readonly<Record<string, number>>;
  /** Shared snapshots from accounts that are not sources, by account. */
  readonly unlisted: Readonly<Record<string, number>>;
}

/** Counts refusals by code, logs the first few of each in full and the rest as one summary line. */
export class RefusalLog {
  readonly counts: Record<string, number> = {};
  constructor(private readonly log: Logger) {}

  refuse(code: string, reason: string, snapshot: string): void {
    this.counts[code] = (this.counts[code] ?? 0) + 1;
    if (this.counts[code] <= REFUSALS_LOGGED_PER_CODE) {
      this.log.log('error', `shared snapshot refused: ${reason}`, { event: 'snapshot-refused', code, snapshot, snapshotCorrelationId: snapshot });
    }
  }

  /** One line for all the refusals past the first few of each code. */
  summarize(): void {
    const unlogged = Object.fromEntries(Object.entries(this.counts).filter(([, n]) => n > REFUSALS_LOGGED_PER_CODE));
    if (Object.keys(unlogged).length === 0) return;
    this.log.log('error', `more shared snapshots were refused than are logged one by one; the counts by reason code are ${JSON.stringify(this.counts)}`, {
      event: 'snapshots-refused-summary', refused: this.counts,
    });
  }
}

/**
 * Lists what each source region shares with the vault; a region that cannot be
 * listed is logged and counted. Shared cluster snapshots are listed in the
 * vault's own Region only, unless the vault copies them across Regions.
 */
async function listSharedByRegion(
  rdsIn: (region: string) => RDSClient, clustersIn: (region: string) => boolean, pairs: readonly SourcePair[], log: Logger,
) {
  const regions = [...new Set(pairs.map((p) => p.region))].sort();
  const listRegion = async (region: string) => [
    ...await listDbSnapshots(rdsIn(region), 'shared'),
    ...(clustersIn(region) ? await listDbClusterSnapshots(rdsIn(region), 'shared') : []),
  ];
  const listed = await Promise.allSettled(regions.map(listRegion));
  const failedRegions: string[] = [];
  const shared = listed.flatMap((r, i) => {
    if (r.status === 'fulfilled') return r.value;
    failedRegions.push(regions[i]);
    log.log('error', `the snapshots shared from ${regions[i]} could not be listed; the sweep goes on with the other regions`, {
      event: 'region-failed', region: regions[i], errorCode: errorCode(r.reason), ...describeError(r.reason),
    });
    return [];
  });
  return { shared, failedRegions };
}

/**
 * The database Region a shipper copy's name claims: of the Regions its source
 * declares, the one whose code ends the name (naming.ts), if exactly one has
 * it. RDS's own record of where the copy came from is checked against it
 * (verification.ts); where RDS reports none, this is what the sweep has, as
 * an announcement has its `sourceDatabaseRegion`.
 */
export function regionClaimedByName(pairs: readonly SourcePair[], s: ShippedSnapshot): string | undefined {
  const code = parseShippedName(s.identifier)?.regionCode;
  if (code === undefined) return undefined;
  const declared = pairs.filter((p) => p.account === s.account && p.region === s.region).flatMap((p) => p.databaseRegions);
  const named = declared.filter((r) => regionCode(r) === code);
  return named.length === 1 ? named[0] : undefined;
}

/** The claim a shared snapshot's name makes: a shipper copy of a database, at a recovery point. */
export function claimOfName(s: DbSnapshot): ShippedSnapshot | undefined {
  const arn = parseSnapshotArn(s.arn);
  const name = arn ? parseShippedName(arn.identifier) : undefined;
  if (!arn || !name) return undefined;
  const { account, region, identifier, kind } = arn;
  return { arn: s.arn, account, region, identifier, database: name.database, time: name.time, kind };
}

/**
 * The sweep's intake: every snapshot shared with the vault, sorted into
 * verified shipper copies from configured sources, refusals, and shares from
 * accounts that are not sources. The last are never copied, and are logged
 * as one line per sweep.
 */
export async function takeInShared(
  rdsIn: (region: string) => RDSClient, vaultRegion: string, config: VaultConfig, log: Logger, now: Date,
): Promise<Intake> {
  const pairs = sourcePairsOf(config.sources);
  const clustersIn = (region: string) => config.copyClustersAcrossRegions === true || region === vaultRegion || vaultRegion === undefined;
  const { shared, failedRegions } = await listSharedByRegion(rdsIn, clustersIn, pairs, log);
  const refusals = new RefusalLog(log);
  const unlisted: Record<string, number> = {};
  const shipped: ShippedSnapshot[] = [];
  for (const s of shared) {
    const { account = 'unknown', region = 'unknown' } = parseSnapshotArn(s.arn) ?? {};
    if (!isSourcePair(pairs, account, region)) {
      // A source account sharing from a Region that is not its source's is named with that Region.
      const where = config.sourceAccounts.includes(account) ? `${account} in ${region}` : account;
      unlisted[where] = (unlisted[where] ?? 0) + 1;
      continue;
    }
    const claim = claimOfName(s);
    if (!claim) {
      refusals.refuse('not-a-shipper-copy', `${s.arn} is not named as a shipper copy (failsafe-<database>-<yyyymmdd>-<hhmmss>)`, s.arn);
      continue;
    }
    if (claim.time.getTime() > now.getTime() + CLOCK_SKEW_MS) {
      refusals.refuse('future-time', `${s.arn} is dated in the future by its name`, s.arn);
      continue;
    }
    const verified = fromDeclaredRegion(pairs, verifyShared({ snapshot: claim, databaseRegion: regionClaimedByName(pairs, claim) }, s));
    if (!verified.ok) refusals.refuse(verified.code, verified.reason, s.arn);
    else shipped.push(verified.snapshot);
  }
  refusals.summarize();
  const total = Object.values(unlisted).reduce((a, b) => a + b, 0);
  if (total > 0) {
    const top = Object.entries(unlisted).sort(([, a], [, b]) => b - a).slice(0, 20);
    log.log('warn', `${total} shared snapshots come from accounts, or Regions of them, that are not sources of this vault; they are not copied`, {
      event: 'shared-from-unlisted-accounts', total, accounts: new Set(Object.keys(unlisted).map((k) => k.split(' ')[0])).size, byAccount: Object.fromEntries(top),
    });
  }
  return { shipped, failedRegions, refused: refusals.counts, unlisted };
}

/**
 * RDS's own description of one shared snapshot, or undefined if it is not
 * shared with the vault account (one call). Only the snapshot with exactly
 * this ARN is taken from the answer.
 */
export async function describeShared(rds: RDSClient, arn: string): Promise<DbSnapshot | undefined> {
  const parsed = parseSnapshotArn(arn);
  try {
    const found = parsed?.kind === 'cluster'
      ? ((await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: arn, SnapshotType: 'shared', IncludeShared: true }))).DBClusterSnapshots ?? []).map(toClusterSnapshot)
      : ((await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: arn, SnapshotType: 'shared', IncludeShared: true }))).DBSnapshots ?? []).map(toSnapshot);
    return found.find((s) => s.arn === arn);
  } catch (e) {
    if (/NotFound/.test(errorCode(e) ?? '')) return undefined;
    throw e;
  }
}

/** Verifies an announced snapshot against RDS's description of it, and its database's Region against its source's. */
export async function verifyAnnounced(rds: RDSClient, claim: Claim, config: VaultConfig) {
  return fromDeclaredRegion(sourcePairsOf(config.sources), verifyShared(claim, await describeShared(rds, claim.snapshot.arn)));
}
