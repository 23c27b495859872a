/**
 * Where the vault takes snapshots from: the account and Region of each source
 * topic, as pairs. The vault's IAM policy grants copies from exactly these
 * pairs (vault.ts), and its handler lists and takes shares from exactly these:
 * a source account's share in another source's Region is not from a source.
 */
import { parseArnAccount } from './aws';

export interface SourcePair {
  readonly account: string;
  readonly region: string;
}

/** The pairs of the source topics, each once, in the order first given. */
export function sourcePairsOf(topicArns: readonly string[]): SourcePair[] {
  const pairs = new Map<string, SourcePair>();
  for (const arn of topicArns) {
    const { account, region } = parseArnAccount(arn);
    if (!pairs.has(`${account}/${region}`)) pairs.set(`${account}/${region}`, { account, region });
  }
  return [...pairs.values()];
}

export function isSourcePair(pairs: readonly SourcePair[], account: string, region: string): boolean {
  return pairs.some((p) => p.account === account && p.region === region);
}
