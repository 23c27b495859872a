/**
 * Lineages: the vault groups its copies by where they truly come from, not by
 * what they are called. A lineage is the source account, the Region and the
 * database's immutable resource id (`DbiResourceId` for a DB instance,
 * `DbClusterResourceId` for a DB cluster), which RDS sets on every snapshot
 * and keeps on every copy of it. Nobody can choose or reuse a resource id: a
 * database recreated under the same name gets a new one. Pure.
 */
import { DbSnapshot } from './shipper-plan';
import { TagKeys } from './tags';

/** Where a copy or a shipped snapshot comes from. */
export interface LineageSource {
  readonly account: string;
  readonly region: string;
  /** The database's resource id, as RDS reports it on the snapshot; absent only in emulators and old fixtures. */
  readonly resourceId?: string;
  /** The database's name: the lineage of a snapshot without a resource id. */
  readonly database: string;
}

/** The key of a lineage. A snapshot without a resource id falls back to a lineage per name. */
export function lineageKeyOf(s: LineageSource): string {
  return `${s.account}/${s.region}/${s.resourceId ?? `name:${s.database.toLowerCase()}`}`;
}

/**
 * The lineage of one of the vault's copies: the source account and region the
 * vault tagged it with when it made it from a verified ARN, and the resource
 * id RDS reports on the copy itself. Undefined for a copy without provenance.
 */
export function lineageOfCopy(copy: DbSnapshot): string | undefined {
  const account = copy.tags[TagKeys.SOURCE_ACCOUNT];
  const region = copy.tags[TagKeys.SOURCE_REGION];
  const database = copy.tags[TagKeys.SOURCE_DATABASE];
  if (!account || !region || !database) return undefined;
  return lineageKeyOf({ account, region, database, resourceId: copy.resourceId });
}

/** The source account of a lineage key. */
export const accountOfLineage = (lineage: string): string => lineage.split('/')[0];

/** The source database a copy of the vault's was made from, by name, or undefined for a copy without provenance. */
export function sourceKeyOfCopy(copy: DbSnapshot): string | undefined {
  const account = copy.tags[TagKeys.SOURCE_ACCOUNT];
  const region = copy.tags[TagKeys.SOURCE_REGION];
  const database = copy.tags[TagKeys.SOURCE_DATABASE];
  if (!account || !region || !database) return undefined;
  return sourceKeyOf(account, region, database);
}

/**
 * For each database name, the lineages held under it that have a resource id.
 * A copy of a known name from a resource id not among them starts a new
 * lineage: the database was recreated, or someone ships junk under its name.
 */
export function lineagesByName(copies: readonly DbSnapshot[]): Map<string, Set<string>> {
  const byName = new Map<string, Set<string>>();
  for (const copy of copies) {
    const lineage = lineageOfCopy(copy);
    const name = sourceKeyOfCopy(copy);
    if (!lineage || !name || copy.resourceId === undefined) continue;
    byName.set(name, (byName.get(name) ?? new Set()).add(lineage));
  }
  return byName;
}

/** The key that groups copies of one source database by name, within its source account and Region. */
export const sourceKeyOf = (account: string, region: string, database: string): string => `${account}/${region}/${database.toLowerCase()}`;
