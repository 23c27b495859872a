/**
 * The stacks of the drill across Regions (test/drill/regions.ts), synthesized
 * from the constructs: in the Live account, a shipper in the DR Region that
 * copies its databases out of their Region (`sourceRegion`); in the Failsafe
 * account, the vault in the DR Region, whose source declares the databases'
 * Region (`databaseRegions`). Bound to what the emulator created for them.
 */
import { App, Stack, aws_kms as kms, aws_rds as rds } from 'aws-cdk-lib';
import { buildWorld, guideKeyIn, OTHER, otherKeyIn, shipperStack, vaultStack, World } from './world';
import { RdsSnapshotShipper, RdsSnapshotVault } from '../../src';
import { REGION_DRILL_DEFAULTS } from '../drill/defaults';
import { RegionDrillReport } from '../drill/regions';

export type RegionDrillResources = RegionDrillReport['resources'];

const o = REGION_DRILL_DEFAULTS;
const PLACEHOLDERS: RegionDrillResources = {
  topicArn: `arn:aws:sns:${o.drRegion}:${o.liveAccount}:rds-failsafe-shipper`,
  shippingKeyArn: `arn:aws:kms:${o.drRegion}:${o.liveAccount}:key/shipping`,
  sourceKeyArn: `arn:aws:kms:${o.homeRegion}:${o.liveAccount}:key/database`,
  vaultKeyArn: `arn:aws:kms:${o.drRegion}:${o.failsafeAccount}:key/vault`,
};

export interface RegionStacks {
  readonly live: Stack;
  readonly failsafe: Stack;
  readonly shipper: RdsSnapshotShipper;
  readonly vault: RdsSnapshotVault;
  /** The customer managed key of the `cmk` databases, in their Region, given to the shipper as a source key. */
  readonly databaseKey: kms.IKey;
}

export function regionStacks(resources: RegionDrillResources = PLACEHOLDERS): RegionStacks {
  const app = new App();
  const live = new Stack(app, 'LiveDr', { env: { account: o.liveAccount, region: o.drRegion } });
  const instances = Object.keys(o.databases).map((id) => rds.DatabaseInstance.fromDatabaseInstanceAttributes(live, `Db-${id}`, {
    instanceIdentifier: id, instanceEndpointAddress: 'x', port: 5432, securityGroups: [],
  }));
  const clusters = Object.keys(o.clusters).map((id) => rds.DatabaseCluster.fromDatabaseClusterAttributes(live, `Cluster-${id}`, { clusterIdentifier: id }));
  const databaseKey = kms.Key.fromKeyArn(live, 'DatabaseKey', resources.sourceKeyArn);
  const shipper = new RdsSnapshotShipper(live, 'Shipper', {
    vaultAccount: o.failsafeAccount,
    sourceRegion: o.homeRegion,
    instances,
    clusters,
    sourceKeys: [databaseKey],
  });
  const failsafe = new Stack(app, 'FailsafeDr', { env: { account: o.failsafeAccount, region: o.drRegion } });
  const vault = new RdsSnapshotVault(failsafe, 'Vault', { sources: [{ topicArn: resources.topicArn, databaseRegions: [shipper.databaseRegion] }] });
  return { live, failsafe, shipper, vault, databaseKey };
}

/** The accounts of the drill across Regions, with the vault's SCP on Failsafe. */
export function regionWorld(resources: RegionDrillResources): { world: World; stacks: RegionStacks } {
  const stacks = regionStacks(resources);
  const world = buildWorld({
    stacks: [shipperStack(stacks.live, stacks.shipper, resources), vaultStack(stacks.failsafe, stacks.vault, resources.vaultKeyArn)],
    customerKeys: [resources.sourceKeyArn],
    outsiders: [OTHER],
    guideKeys: [guideKeyIn(o.liveAccount, o.drRegion), otherKeyIn(o.drRegion), otherKeyIn(o.homeRegion)]
      .map((arn) => ({ arn, sharedWith: o.failsafeAccount })),
    scpOf: stacks.vault,
    databaseRegions: [{ account: o.liveAccount, region: o.homeRegion }],
  });
  return { world, stacks };
}
