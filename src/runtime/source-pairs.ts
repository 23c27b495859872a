/**
 * Where the vault takes snapshots from: the account and Region of each source
 * topic, as pairs. The vault's IAM policy grants copies from exactly these
 * pairs (vault.ts), and its handler lists and takes shares from exactly these:
 * a source account's share in another source's Region is not from a source.
 *
 * A pair ships the databases of its own Region, and of the Regions its
 * shippers copy out of (their `sourceRegion`) as the vault's configuration
 * declares them (`databaseRegions`). A database is known by its account and
 * its own Region: the vault's per-source alarms and metrics are per account
 * and database Region (`databaseSourcesOf`).
 */
import { parseArnAccount } from './aws';

/** A source as the vault's configuration gives it. */
export interface SourceTopic {
  readonly topicArn: string;
  /**
   * The Regions of the databases shipped on this topic.
   * @default - the topic's own Region
   */
  readonly databaseRegions?: readonly string[];
  /**
   * A database of this source whose newest vault copy is older than this
   * counts as behind: its shipper's recovery point interval, and a margin.
   * @default - the vault's behindAfterMs
   */
  readonly behindAfterMs?: number;
}

export interface SourcePair {
  readonly account: string;
  readonly region: string;
  /** The Regions of the databases this pair ships, each once, sorted. */
  readonly databaseRegions: readonly string[];
}

/** An account and the Region of its databases: what the vault's per-source alarms watch. */
export interface DatabaseSource {
  readonly account: string;
  readonly region: string;
}

/** The pairs of the source topics, each once, in the order first given, with the database Regions of all their topics. */
export function sourcePairsOf(sources: readonly SourceTopic[]): SourcePair[] {
  const pairs = new Map<string, { account: string; region: string; databaseRegions: Set<string> }>();
  for (const s of sources) {
    const { account, region } = parseArnAccount(s.topicArn);
    const key = `${account}/${region}`;
    const pair = pairs.get(key) ?? { account, region, databaseRegions: new Set<string>() };
    for (const r of s.databaseRegions ?? [region]) pair.databaseRegions.add(r);
    pairs.set(key, pair);
  }
  return [...pairs.values()].map((p) => ({ ...p, databaseRegions: [...p.databaseRegions].sort() }));
}

export function isSourcePair(pairs: readonly SourcePair[], account: string, region: string): boolean {
  return pairs.some((p) => p.account === account && p.region === region);
}

/** Whether the pair of `account` and `region` ships databases of `databaseRegion`. */
export function shipsDatabasesOf(pairs: readonly SourcePair[], account: string, region: string, databaseRegion: string): boolean {
  return pairs.some((p) => p.account === account && p.region === region && p.databaseRegions.includes(databaseRegion));
}

/** Every account and database Region the pairs ship, each once, in the order first given. */
export function databaseSourcesOf(pairs: readonly SourcePair[]): DatabaseSource[] {
  const out = new Map<string, DatabaseSource>();
  for (const p of pairs) {
    for (const region of p.databaseRegions) {
      if (!out.has(`${p.account}/${region}`)) out.set(`${p.account}/${region}`, { account: p.account, region });
    }
  }
  return [...out.values()];
}
