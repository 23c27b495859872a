/**
 * The configuration the RdsRestoreDrill construct writes into its function's
 * environment (DRILL_CONFIG), and how the handler reads it. No AWS SDK: the
 * construct loads this module at synth time.
 */
import { isWholeNumberAtLeast, readConfig } from './config-reader';
import { DrillPlanConfig } from './drill-plan';

export const DRILL_CONFIG_VERSION = 1;

/** The input of the rule that starts a drill on the drill's schedule. */
export const DRILL_START_INPUT = { 'cdk-rds-failsafe': 'restore-drill-start' } as const;

export interface DrillConfig extends DrillPlanConfig {
  readonly version: typeof DRILL_CONFIG_VERSION;
  /** The vault's owner id: only copies that carry it are restored. */
  readonly vaultOwnerId: string;
  /** The vault key, which encrypts what the drill restores. */
  readonly vaultKeyArn: string;
  /** The DB subnet group the restores go into. */
  readonly subnetGroupName: string;
  /** The security groups of the restores. */
  readonly securityGroupIds: readonly string[];
  /** The validation function's ARN, if any. */
  readonly validationFunction?: string;
  /** How long the drill waits for the validation function's answer. */
  readonly validationTimeoutMs?: number;
  /** A database with no passed drill within this counts in DatabasesWithoutRecentRestore. */
  readonly maxAgeMs: number;
  /** Sweeps in the first this many milliseconds of a UTC hour also take the census of the vault's copies. */
  readonly censusWindowMs: number;
}

export function parseDrillConfig(raw: string | undefined): DrillConfig {
  const { c, fail } = readConfig('DRILL_CONFIG', 'RdsRestoreDrill', raw, DRILL_CONFIG_VERSION);
  for (const n of ['ownerId', 'vaultOwnerId', 'subnetGroupName']) {
    if (typeof c[n] !== 'string' || c[n] === '') fail(`${n} must be a non-empty string`);
  }
  if (typeof c.vaultKeyArn !== 'string' || !c.vaultKeyArn.startsWith('arn:')) fail('vaultKeyArn must be an ARN');
  if (!Array.isArray(c.securityGroupIds) || !c.securityGroupIds.every((g: unknown) => typeof g === 'string')) fail('securityGroupIds must be a list of strings');
  for (const n of ['databasesPerDrill', 'maxConcurrentRestores', 'maxLifetimeMs', 'maxAgeMs', 'censusWindowMs']) {
    if (!isWholeNumberAtLeast(c[n], 1)) fail(`${n} must be a whole number of at least 1`);
  }
  if (typeof c.validates !== 'boolean' || c.validates !== (c.validationFunction !== undefined)) fail('validates must be true exactly when validationFunction is set');
  if (c.validationFunction !== undefined && !(typeof c.validationFunction === 'string' && c.validationFunction.startsWith('arn:'))) fail('validationFunction must be an ARN');
  if (c.validationFunction !== undefined && !isWholeNumberAtLeast(c.validationTimeoutMs, 1000)) fail('validationTimeoutMs must be a whole number of at least 1000');
  const classes = c.instanceClasses;
  if (classes !== undefined && !(typeof classes === 'object' && classes !== null && Object.values(classes).every((v) => typeof v === 'string' && v.startsWith('db.')))) {
    fail('instanceClasses must map engines to DB instance classes');
  }
  return c as DrillConfig;
}
