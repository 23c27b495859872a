/**
 * The vault's side of the manifest (manifest.ts): a manifest from a source is
 * validated like an announcement, then judged against every copy the vault
 * holds. The verdict is published as DatabasesBehind per source; it copies
 * and deletes nothing.
 */
import { gatherWithinBudget } from './actions';
import { VaultConfig } from './config';
import { databaseRegionOf, manifestVerdict, ManifestVerdict } from './manifest';
import { ManifestMessage, parseManifest, Rejection } from './schema';
import { listDbClusterSnapshots, listDbSnapshots } from './snapshots';
import { shipsDatabasesOf, sourcePairsOf } from './source-pairs';
import { DEFAULT_BEHIND_AFTER_MS } from './staleness';
import { CLOCK_SKEW_MS, isSourceTopic, reject, sourceRejection, VaultDeps } from './vault-pass';
import { heldRecoveryPoints } from './vault-plan';

/** A manifest that passed, and the configured topic it came on. */
export type ManifestValidation = { readonly ok: true; readonly manifest: ManifestMessage; readonly topicArn: string } | Rejection;

/** Checks a manifest against the allowlist and the schema, as an announcement is checked. Makes no AWS call. */
export function validateManifest(config: VaultConfig, topicArn: unknown, body: unknown, now: Date): ManifestValidation {
  if (!isSourceTopic(config, topicArn)) return reject('unknown-topic', `manifest came from topic ${JSON.stringify(topicArn)}, which is not a configured source`);
  if (typeof body !== 'string') return reject('malformed', 'message body is not a string');
  const parsed = parseManifest(body);
  if (!parsed.ok) return parsed;
  const m = parsed.manifest;
  const wrongSource = sourceRejection(config, topicArn, m.sourceAccount, m.sourceRegion);
  if (wrongSource) return wrongSource;
  const region = databaseRegionOf(m);
  if (!shipsDatabasesOf(sourcePairsOf(config.sources), m.sourceAccount, m.sourceRegion, region)) {
    return reject('undeclared-region', `manifest lists databases in ${region}, which no source topic of ${m.sourceAccount} in ${m.sourceRegion} declares (the databaseRegions of its source)`);
  }
  if (Date.parse(m.publishedAt) > now.getTime() + CLOCK_SKEW_MS) return reject('future-time', `manifest time ${m.publishedAt} is in the future`);
  const late = m.databases.find((d) => d.newestRecoveryPoint !== undefined && Date.parse(d.newestRecoveryPoint) > now.getTime() + CLOCK_SKEW_MS);
  if (late) return reject('future-time', `recovery point ${late.newestRecoveryPoint} of ${late.identifier} is in the future`);
  return { ...parsed, topicArn: topicArn as string };
}

/** The verdict on one manifest part, and how long listing took. */
export interface ManifestPassSummary {
  readonly verdict: ManifestVerdict;
  readonly listingMs: number;
}

/**
 * How old a database's newest copy may be before it counts as behind: the
 * limit the manifest's topic declares (its shipper's recovery point
 * interval), else the vault's. Each shipper publishes its manifest on its own
 * topic, so a daily shipper's databases are judged by a day, and those of a
 * 4-hourly one, on another topic of the same account, by 4 hours.
 */
export function behindAfterOf(config: VaultConfig, topicArn: string): number {
  return config.sources.find((s) => s.topicArn === topicArn)?.behindAfterMs ?? config.behindAfterMs ?? DEFAULT_BEHIND_AFTER_MS;
}

/**
 * Lists every copy the vault holds (as a sweep does, in pages of 100) and
 * judges the manifest against their recovery points: a listed database with
 * no copy from its source, or none newer than `behindAfterMs`, is behind.
 */
export async function runManifestPass(
  deps: VaultDeps, config: VaultConfig, manifest: ManifestMessage, topicArn: string,
): Promise<ManifestPassSummary> {
  const gathered = await gatherWithinBudget(deps, 'listing the vault for the manifest', Promise.all([
    listDbSnapshots(deps.rds, 'manual'), listDbClusterSnapshots(deps.rds, 'manual'),
  ]));
  const now = deps.now();
  const points = heldRecoveryPoints(config.ownerId, gathered.value.flat());
  const verdict = manifestVerdict(manifest, points, now, behindAfterOf(config, topicArn), deps.epoch);
  const { behind } = verdict;
  if (behind.oldest) {
    deps.log.log('warn', `${behind.databases.length} of the ${verdict.listed} databases in the manifest of ${verdict.account} ${verdict.region} `
      + `are missing from the vault or too old there; the furthest behind is ${behind.oldest.database}`, {
      event: 'databases-behind',
      source: `${verdict.account}/${verdict.region}`,
      count: behind.databases.length,
      databases: behind.databases.slice(0, 50),
      oldest: behind.oldest.database,
      oldestRecoveryPoint: behind.oldest.time?.toISOString() ?? 'none in the vault',
    });
  } else {
    deps.log.log('info', `all ${verdict.listed} databases in the manifest are in the vault, none older than the limit`, {
      event: 'manifest-checked', source: `${verdict.account}/${verdict.region}`, databases: verdict.listed,
    });
  }
  return { verdict, listingMs: gathered.ms };
}
