/**
 * The configuration each construct writes into its function's environment
 * (SHIPPER_CONFIG, VAULT_CONFIG), and how the handlers read it. This module
 * imports no AWS SDK: the constructs load it at synth time, where the SDK is
 * not a dependency.
 */
import { isWholeNumberAtLeast, readConfig } from './config-reader';
import { REGION } from './naming';
import { DAILY_MS, MIN_RECOVERY_POINT_INTERVAL_MS } from './recovery-points';
import { ShipperPlanConfig } from './shipper-plan';
import { SourceTopic } from './source-pairs';
import { VaultPlanConfig } from './vault-plan';

/** Retention below a day is refused at synth, and again when a handler reads its configuration. */
export const MIN_RETENTION_MS = 86_400_000;


/** Checks the copy budget both handlers take (see budget.ts). */
function checkBudget(c: Record<string, any>, fail: (what: string) => never): void {
  if (!isWholeNumberAtLeast(c.maxCopiesInFlight, 1)) fail('maxCopiesInFlight must be a whole number of at least 1');
  for (const n of ['maxClusterCopiesInFlight', 'manualSnapshotQuota']) {
    if (c[n] !== undefined && !isWholeNumberAtLeast(c[n], 1)) fail(`${n} must be a whole number of at least 1`);
  }
  if (c.manualSnapshotHeadroom !== undefined && !isWholeNumberAtLeast(c.manualSnapshotHeadroom, 0)) fail('manualSnapshotHeadroom must be a whole number of at least 0');
}

export const SHIPPER_CONFIG_VERSION = 1;

export interface ShipperConfig extends ShipperPlanConfig {
  readonly version: typeof SHIPPER_CONFIG_VERSION;
  readonly vaultAccount: string;
  readonly shippingKeyArn: string;
  readonly topicArn: string;
  /**
   * The Region of the databases, when it is not the function's: the shipper
   * reads them and their automated snapshots there, and copies the snapshots
   * across Regions into its own.
   * @default - the function's Region
   */
  readonly sourceRegion?: string;
  /**
   * A selected database whose newest shipped recovery point is older than
   * this, or that has none, counts as behind (the DatabasesBehind metric).
   * @default 26 hours
   */
  readonly behindAfterMs?: number;
  /**
   * Sweeps in the first this many milliseconds of a UTC day publish the
   * manifest (manifest.ts).
   * @default - no manifest
   */
  readonly manifestWindowMs?: number;
}

/** Reads the configuration the construct wrote into the function's environment. */
export function parseShipperConfig(raw: string | undefined): ShipperConfig {
  const { c, fail } = readConfig('SHIPPER_CONFIG', 'RdsSnapshotShipper', raw, SHIPPER_CONFIG_VERSION);
  if (typeof c.ownerId !== 'string' || c.ownerId === '') fail('ownerId must be a non-empty string');
  if (typeof c.vaultAccount !== 'string' || !/^\d{12}$/.test(c.vaultAccount)) fail('vaultAccount must be a 12-digit account id');
  if (typeof c.shippingKeyArn !== 'string' || !c.shippingKeyArn.startsWith('arn:')) fail('shippingKeyArn must be an ARN');
  if (typeof c.topicArn !== 'string' || !c.topicArn.startsWith('arn:')) fail('topicArn must be an ARN');
  if (c.sourceRegion !== undefined && !(typeof c.sourceRegion === 'string' && REGION.test(c.sourceRegion))) fail('sourceRegion must be a Region name');
  if (!isWholeNumberAtLeast(c.retentionMs, 1)) fail('retentionMs must be a whole number of at least 1');
  checkBudget(c, fail);
  if (c.retentionMs < MIN_RETENTION_MS) fail('retentionMs must be at least one day');
  if (c.behindAfterMs !== undefined && !isWholeNumberAtLeast(c.behindAfterMs, 1)) fail('behindAfterMs must be a whole number of at least 1');
  if (c.manifestWindowMs !== undefined && !isWholeNumberAtLeast(c.manifestWindowMs, 1)) fail('manifestWindowMs must be a whole number of at least 1');
  if (c.recoveryPoints !== undefined) {
    const { intervalMs, offsetMs } = c.recoveryPoints ?? {};
    if (!(isWholeNumberAtLeast(intervalMs, MIN_RECOVERY_POINT_INTERVAL_MS) && intervalMs < DAILY_MS && intervalMs % 60_000 === 0)) {
      fail('recoveryPoints.intervalMs must be a whole number of minutes from one hour to less than a day');
    }
    if (offsetMs !== undefined && !(isWholeNumberAtLeast(offsetMs, 0) && offsetMs < intervalMs)) fail('recoveryPoints.offsetMs must be a whole number from 0 to less than the interval');
    if (c.sourceRegion !== undefined) fail('recoveryPoints cannot be combined with sourceRegion: the shipper takes its own snapshots only of databases in its own Region');
  }
  const sel = c.selection ?? {};
  const strings = (v: unknown) => v === undefined || (Array.isArray(v) && v.every((i: unknown) => typeof i === 'string'));
  if (!strings(sel.identifiers)) fail('selection.identifiers must be a list of strings');
  if (!strings(sel.clusterIdentifiers)) fail('selection.clusterIdentifiers must be a list of strings');
  if (sel.tag !== undefined && !(typeof sel.tag?.key === 'string' && typeof sel.tag?.value === 'string')) fail('selection.tag must have a string key and value');
  if (!sel.identifiers?.length && !sel.clusterIdentifiers?.length && !sel.tag) fail('selection names no database and no tag');
  return c as ShipperConfig;
}

export const VAULT_CONFIG_VERSION = 1;
const TOPIC_ARN = /^arn:[a-z-]+:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/;

/** A source topic, and the Regions of the databases shipped on it (source-pairs.ts). */
export type VaultSource = SourceTopic;

export interface VaultConfig extends VaultPlanConfig {
  readonly version: typeof VAULT_CONFIG_VERSION;
  readonly vaultKeyArn: string;
  readonly sources: readonly VaultSource[];
  /**
   * A database whose newest copy is older than this no longer counts towards
   * its source's OldestRecoveryPointAge: it is taken as retired.
   * @default retentionMs
   */
  readonly retireAfterMs?: number;
  /**
   * A database in a source's manifest whose newest vault copy is older than
   * this, or that has none, counts as behind (DatabasesBehind).
   * @default 26 hours
   */
  readonly behindAfterMs?: number;
}

export function parseVaultConfig(raw: string | undefined): VaultConfig {
  const { c, fail } = readConfig('VAULT_CONFIG', 'RdsSnapshotVault', raw, VAULT_CONFIG_VERSION);
  if (typeof c.ownerId !== 'string' || c.ownerId === '') fail('ownerId must be a non-empty string');
  if (typeof c.vaultKeyArn !== 'string' || !c.vaultKeyArn.startsWith('arn:')) fail('vaultKeyArn must be an ARN');
  if (!Array.isArray(c.sources) || c.sources.length === 0) fail('sources must be a non-empty list');
  for (const s of c.sources) {
    if (typeof s?.topicArn !== 'string' || !TOPIC_ARN.test(s.topicArn)) fail(`source topic ${JSON.stringify(s?.topicArn)} is not an SNS topic ARN`);
    if (s.behindAfterMs !== undefined && !isWholeNumberAtLeast(s.behindAfterMs, 1)) fail(`behindAfterMs of source ${s.topicArn} must be a whole number of at least 1`);
    const regions = s.databaseRegions;
    if (regions !== undefined && !(Array.isArray(regions) && regions.length > 0 && regions.every((r: unknown) => typeof r === 'string' && REGION.test(r)))) {
      fail(`databaseRegions of source ${s.topicArn} must be a non-empty list of Region names`);
    }
  }
  if (!Array.isArray(c.sourceAccounts) || !c.sourceAccounts.every((a: unknown) => typeof a === 'string' && /^\d{12}$/.test(a))) fail('sourceAccounts must be 12-digit account ids');
  for (const n of ['retentionMs', 'minimumCopies']) {
    if (!isWholeNumberAtLeast(c[n], 1)) fail(`${n} must be a whole number of at least 1`);
  }
  checkBudget(c, fail);
  for (const n of ['hourlyCopies', 'weeklyCopies', 'monthlyCopies']) {
    if (c[n] !== undefined && !isWholeNumberAtLeast(c[n], 0)) fail(`${n} must be a whole number of at least 0`);
  }
  if (c.copyClustersAcrossRegions !== undefined && typeof c.copyClustersAcrossRegions !== 'boolean') fail('copyClustersAcrossRegions must be a boolean');
  for (const n of ['maxSnapshotsPerSource', 'maxLineagesPerSource']) {
    if (c[n] !== undefined && !isWholeNumberAtLeast(c[n], 1)) fail(`${n} must be a whole number of at least 1`);
  }
  if (c.minimumAgeMs !== undefined && !(isWholeNumberAtLeast(c.minimumAgeMs, 1) && c.minimumAgeMs >= MIN_RETENTION_MS)) {
    fail('minimumAgeMs must be a whole number of at least one day');
  }
  // The handler re-checks what the construct checked at synth: the environment
  // can be edited after deployment, and these two guard against data loss.
  if (c.retentionMs < MIN_RETENTION_MS) fail('retentionMs must be at least one day');
  if (c.retireAfterMs !== undefined && !(isWholeNumberAtLeast(c.retireAfterMs, 1) && c.retireAfterMs >= MIN_RETENTION_MS)) {
    fail('retireAfterMs must be a whole number of at least one day');
  }
  if (c.behindAfterMs !== undefined && !isWholeNumberAtLeast(c.behindAfterMs, 1)) fail('behindAfterMs must be a whole number of at least 1');
  return c as VaultConfig;
}
