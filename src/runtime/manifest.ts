/**
 * The manifest (see schema.ts): how the shipper tells the vault which
 * databases it should hold, and how the vault judges what it holds against
 * it. Pure; shared by both handlers.
 *
 * The manifest is a claim of the Live account like any other: it can add
 * databases to watch, never remove a copy. A manifest that leaves a database
 * out only stops the vault from alarming on it by name; its copies are still
 * kept, and its recovery point still counts in the source's alarm.
 */
import { DbKind } from './budget';
import { RecoveryPoint } from './metric-names';
import { ManifestEntry, ManifestMessage, MANIFEST_SCHEMA, MANIFEST_VERSION, MAX_MANIFEST_BYTES } from './schema';
import { Behind, databasesBehind } from './staleness';

const DAY_MS = 86_400_000;
/** The most bytes one entry takes: a 63-character identifier, a cluster, a recovery point. */
export const MAX_ENTRY_BYTES = 160;

/**
 * Whether a sweep at `now` publishes the manifest: the sweeps in the first
 * `windowMs` of each UTC day do. With a window of one and a half sweep
 * intervals, that is one or two manifests a day.
 */
export function manifestDue(now: Date, windowMs: number): boolean {
  return now.getTime() % DAY_MS < windowMs;
}

/**
 * The manifest of the selected databases, in as many parts as SNS's message
 * size needs. `source` is the topic's account and Region; `databaseRegion`,
 * the databases' Region when the shipper copies them out of it.
 */
export function buildManifest(
  source: { readonly account: string; readonly region: string; readonly databaseRegion?: string },
  now: Date,
  selected: ReadonlyArray<{ readonly kind: DbKind; readonly identifier: string }>,
  newestShipped: ReadonlyMap<string, Date>,
): ManifestMessage[] {
  const entries: ManifestEntry[] = selected.map((d) => {
    const t = newestShipped.get(d.identifier);
    return { kind: d.kind, identifier: d.identifier, ...(t ? { newestRecoveryPoint: t.toISOString() } : {}) };
  });
  const part = (databases: ManifestEntry[], i: number, n: number): ManifestMessage => ({
    schema: MANIFEST_SCHEMA,
    version: MANIFEST_VERSION,
    sourceAccount: source.account,
    sourceRegion: source.region,
    ...(source.databaseRegion !== undefined && source.databaseRegion !== source.region ? { sourceDatabaseRegion: source.databaseRegion } : {}),
    publishedAt: now.toISOString(),
    part: i,
    parts: n,
    databases,
  });
  const perPart = Math.floor((MAX_MANIFEST_BYTES - 1024) / MAX_ENTRY_BYTES);
  const chunks: ManifestEntry[][] = [];
  for (let i = 0; i < entries.length; i += perPart) chunks.push(entries.slice(i, i + perPart));
  if (chunks.length === 0) chunks.push([]);
  return chunks.map((c, i) => part(c, i + 1, chunks.length));
}

/**
 * What the vault finds of one manifest part: how many databases it lists, and
 * which are missing or too old in the vault. `region` is the databases' Region.
 */
export interface ManifestVerdict {
  readonly account: string;
  readonly region: string;
  readonly listed: number;
  readonly behind: Behind;
}

/** The Region of the databases a manifest lists. */
export const databaseRegionOf = (m: ManifestMessage): string => m.sourceDatabaseRegion ?? m.sourceRegion;

/**
 * Judges a manifest part against the vault's recovery points: a listed
 * database is behind when the vault holds only copies of it (from that
 * account and its Region) older than `maxAgeMs`, or none once `maxAgeMs` has
 * passed since the vault's `epoch` (expected-since.ts). Only the vault's own
 * epoch gives that grace: nothing in the manifest, which Live writes, does.
 */
export function manifestVerdict(m: ManifestMessage, points: readonly RecoveryPoint[], now: Date, maxAgeMs: number, epoch?: Date): ManifestVerdict {
  const region = databaseRegionOf(m);
  const newest = new Map(points.filter((p) => p.account === m.sourceAccount && p.region === region).map((p) => [p.database, p.time]));
  const listed = [...new Set(m.databases.map((d) => d.identifier.toLowerCase()))];
  return { account: m.sourceAccount, region, listed: listed.length, behind: databasesBehind(listed, newest, now, maxAgeMs, () => epoch) };
}
