/**
 * The stacks of the drill (test/drill), synthesized from the constructs: the
 * shipper of the drill's databases in Live, with or without its Aurora
 * cluster, and beside it the second shipper of its sub-daily database, which
 * takes a snapshot of it every 4 hours (test/drill/sub-daily.ts), and the
 * vault in Failsafe with both shippers' topics as sources, beside the restore
 * drill of its last phase (test/drill/restore-phase.ts), bound to what the
 * emulator created for them.
 */
import { App, Duration, Stack, aws_kms as kms, aws_lambda as lambda, aws_rds as rds } from 'aws-cdk-lib';
import { buildWorld, failsafeKeyIn, guideKeyIn, OTHER, otherKeyIn, shipperStack, vaultStack, World } from './world';
import { RdsRestoreDrill, RdsSnapshotShipper, RdsSnapshotVault } from '../../src';
import { DRILL_DEFAULTS } from '../drill/defaults';
import { DrillReport, SUB_DAILY_VAULT_LINEAGES } from '../drill/drill';
import { VALIDATOR } from '../drill/restore-phase';
import { REGION } from '../emulator/emulator';

export type DrillResources = DrillReport['resources'];

/** A shipping key of the Live account from outside the stack, whose policy follows the RDS User Guide's example. */
export const GUIDE_KEY = guideKeyIn(DRILL_DEFAULTS.liveAccount, REGION);

const PLACEHOLDERS: DrillResources = {
  topicArn: `arn:aws:sns:${REGION}:${DRILL_DEFAULTS.liveAccount}:rds-failsafe-shipper`,
  shippingKeyArn: `arn:aws:kms:${REGION}:${DRILL_DEFAULTS.liveAccount}:key/shipping`,
  sourceKeyArn: `arn:aws:kms:${REGION}:${DRILL_DEFAULTS.liveAccount}:key/database`,
  vaultKeyArn: `arn:aws:kms:${REGION}:${DRILL_DEFAULTS.failsafeAccount}:key/vault`,
  subDaily: {
    topicArn: `arn:aws:sns:${REGION}:${DRILL_DEFAULTS.liveAccount}:${DRILL_DEFAULTS.subDaily!.topicName}`,
    shippingKeyArn: `arn:aws:kms:${REGION}:${DRILL_DEFAULTS.liveAccount}:key/shipping-4h`,
  },
};

/**
 * The validation function of the restore phase, as restore-phase.ts names it
 * for its stand-in Lambda endpoint; and the network createDrillNetwork makes
 * (test/restore-drill/harness.ts): its subnet group name is fixed, its
 * security group's id does not bear on IAM.
 */
export const RESTORE_PHASE_VALIDATION = VALIDATOR(DRILL_DEFAULTS.failsafeAccount);
const RESTORE_PHASE_NETWORK = { subnetGroupName: 'restore-drills', securityGroupId: 'sg-restore-drills' };

export interface DrillStacks {
  readonly live: Stack;
  readonly failsafe: Stack;
  readonly shipper: RdsSnapshotShipper;
  /** The second shipper, of the sub-daily database: a recovery point every 4 hours, its own topic. */
  readonly subDailyShipper: RdsSnapshotShipper;
  readonly vault: RdsSnapshotVault;
  /** The restore drill of the drill's last phase, with the phase's validation function. */
  readonly drill: RdsRestoreDrill;
  readonly validation: lambda.IFunction;
  /** The customer managed key of the `cmk` databases, given to the shipper as a source key. */
  readonly databaseKey: kms.IKey;
}

export function drillStacks(withClusters: boolean, resources: DrillResources = PLACEHOLDERS): DrillStacks {
  const o = DRILL_DEFAULTS;
  const app = new App();
  const live = new Stack(app, 'Live', { env: { account: o.liveAccount, region: REGION } });
  const instances = [...Object.keys(o.databases), o.behindDatabase].map((id) => rds.DatabaseInstance.fromDatabaseInstanceAttributes(live, `Db-${id}`, {
    instanceIdentifier: id, instanceEndpointAddress: 'x', port: 5432, securityGroups: [],
  }));
  const clusters = withClusters ? Object.keys(o.clusters).map((id) => rds.DatabaseCluster.fromDatabaseClusterAttributes(live, `Cluster-${id}`, { clusterIdentifier: id })) : [];
  const databaseKey = kms.Key.fromKeyArn(live, 'DatabaseKey', resources.sourceKeyArn);
  const shipper = new RdsSnapshotShipper(live, 'Shipper', {
    vaultAccount: o.failsafeAccount,
    instances,
    clusters,
    sourceKeys: [databaseKey],
  });
  // As a user deploys a second shipper for the databases that need a tighter recovery point than a day.
  const sub = o.subDaily!;
  const subDailyShipper = new RdsSnapshotShipper(live, 'SubDailyShipper', {
    vaultAccount: o.failsafeAccount,
    instances: [rds.DatabaseInstance.fromDatabaseInstanceAttributes(live, `Db-${sub.database}`, {
      instanceIdentifier: sub.database, instanceEndpointAddress: 'x', port: 5432, securityGroups: [],
    })],
    recoveryPointInterval: Duration.hours(sub.intervalHours),
    topicName: sub.topicName,
  });
  const failsafe = new Stack(app, 'Failsafe', { env: { account: o.failsafeAccount, region: REGION } });
  const vault = new RdsSnapshotVault(failsafe, 'Vault', {
    sources: [{ topicArn: resources.topicArn }, { topicArn: resources.subDaily!.topicArn, recoveryPointInterval: Duration.hours(sub.intervalHours) }],
    hourlyCopies: sub.vaultHourlyCopies,
    maxLineagesPerSource: SUB_DAILY_VAULT_LINEAGES,
  });
  const validation = lambda.Function.fromFunctionArn(failsafe, 'Validation', RESTORE_PHASE_VALIDATION);
  const drill = new RdsRestoreDrill(failsafe, 'RestoreDrill', { vault, validation });
  return { live, failsafe, shipper, subDailyShipper, vault, drill, validation, databaseKey };
}

/** The drill's accounts, with the vault's SCP on Failsafe or without. */
export function drillWorld(withClusters: boolean, resources: DrillResources = PLACEHOLDERS, withScp = true): { world: World; stacks: DrillStacks } {
  const stacks = drillStacks(withClusters, resources);
  const world = buildWorld({
    stacks: [
      // Both shippers are in the Live stack: their keys and topics are bound together.
      {
        stack: stacks.live,
        bindings: {
          ...shipperStack(stacks.live, stacks.shipper, resources).bindings,
          ...shipperStack(stacks.live, stacks.subDailyShipper, resources.subDaily!).bindings,
        },
      },
      vaultStack(stacks.failsafe, stacks.vault, resources.vaultKeyArn, { drill: stacks.drill, network: RESTORE_PHASE_NETWORK }),
    ],
    customerKeys: [resources.sourceKeyArn, failsafeKeyIn(DRILL_DEFAULTS.failsafeAccount, REGION)],
    outsiders: [OTHER],
    guideKeys: [GUIDE_KEY, otherKeyIn(REGION)].map((arn) => ({ arn, sharedWith: DRILL_DEFAULTS.failsafeAccount })),
    scpOf: withScp ? stacks.vault : undefined,
  });
  return { world, stacks };
}
