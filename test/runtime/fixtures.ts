/** Builders for planner state, shared by the runtime unit tests. */
import { ShipperConfig } from '../../src/runtime/config';
import { DbInstance, DbSnapshot, ShipperPlanConfig, ShipperState } from '../../src/runtime/shipper-plan';
import { TagKeys } from '../../src/runtime/tags';

export const REGION = 'eu-west-1';
export const LIVE = '111111111111';
export const VAULT = '222222222222';
export const OWNER = 'shipper-test';
export const DAY = 86_400_000;
export const NOW = new Date('2026-11-20T12:00:00.000Z');

export function instance(identifier: string, extra: Partial<DbInstance> = {}): DbInstance {
  return {
    identifier,
    arn: `arn:aws:rds:${REGION}:${LIVE}:db:${identifier}`,
    engine: 'postgres',
    status: 'available',
    backupRetentionPeriod: 7,
    tags: {},
    ...extra,
  };
}

/** An automated snapshot taken `daysAgo` before NOW. */
export function automated(db: string, daysAgo: number, extra: Partial<DbSnapshot> = {}): DbSnapshot {
  const createTime = new Date(NOW.getTime() - daysAgo * DAY);
  const stamp = createTime.toISOString().slice(0, 16).replace(/[-T:]/g, '-');
  const identifier = `rds:${db}-${stamp}`;
  return {
    identifier,
    arn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:${identifier}`,
    dbIdentifier: db,
    type: 'automated',
    status: 'available',
    createTime,
    encrypted: false,
    engine: 'postgres',
    engineVersion: '16.4',
    tags: {},
    ...extra,
  };
}

/** A shipping copy of `source`, owned by OWNER unless tags say otherwise. */
export interface CopyOptions {
  readonly status?: string;
  readonly announced?: boolean;
  readonly tags?: Record<string, string>;
}

export function copyOf(source: DbSnapshot, identifier: string, opts: CopyOptions = {}): DbSnapshot {
  return {
    ...source,
    identifier,
    arn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:${identifier}`,
    type: 'manual',
    status: opts.status ?? 'available',
    encrypted: true,
    kmsKeyId: `arn:aws:kms:${REGION}:${LIVE}:key/shipping`,
    tags: {
      [TagKeys.OWNER]: OWNER,
      [TagKeys.SOURCE_DATABASE]: source.dbIdentifier,
      [TagKeys.SOURCE_SNAPSHOT]: source.identifier,
      [TagKeys.SOURCE_TIME]: source.createTime!.toISOString(),
      ...(opts.announced ? { [TagKeys.ANNOUNCED]: NOW.toISOString() } : {}),
      ...opts.tags,
    },
  };
}

export function config(extra: Partial<ShipperPlanConfig> = {}): ShipperPlanConfig {
  return {
    ownerId: OWNER,
    selection: { identifiers: ['orders'] },
    retentionMs: 2 * DAY,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
    ...extra,
  };
}

export function state(extra: Partial<ShipperState> = {}): ShipperState {
  return {
    now: NOW,
    instances: [instance('orders')],
    automatedSnapshots: [],
    manualSnapshots: [],
    optionGroups: new Map(),
    ...extra,
  };
}

/** The configuration a shipper pass with mocked AWS is given: the selection, and anything else to change. */
export function shipperPassConfig(selection: ShipperConfig['selection'], extra: Partial<ShipperConfig> = {}): ShipperConfig {
  return {
    version: 1,
    ownerId: OWNER,
    vaultAccount: VAULT,
    shippingKeyArn: `arn:aws:kms:${REGION}:${LIVE}:key/shipping`,
    topicArn: `arn:aws:sns:${REGION}:${LIVE}:rds-failsafe-shipper`,
    retentionMs: 2 * DAY,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
    selection,
    ...extra,
  };
}
