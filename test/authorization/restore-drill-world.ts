/**
 * A restore drill beside its vault, run against the emulator: Live
 * (111111111111) ships `orders` (a customer managed key), `billing` (the AWS
 * managed key aws/rds) and the Aurora cluster `ledger`; the vault in Failsafe
 * (222222222222) copies them; then an `RdsRestoreDrill` with a validation
 * function restores each newest vault copy (the cluster with its writer),
 * turns on the managed master password, has it validated (`billing` fails on
 * purpose), records each verdict on the vault copy, and deletes what it
 * restored. The stacks are synthesized from the constructs and bound to what
 * the emulator created; every handler runs with the configuration its
 * construct synthesized.
 */
import { DescribeDBClustersCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { App, Stack, aws_iam as iam, aws_kms as kms, aws_lambda as lambda, aws_rds as rds } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ReceivedValidation } from './recorded';
import { buildWorld, failsafeKeyIn, guideKeyIn, OTHER, otherKeyIn, shipperStack, vaultStack, World } from './world';
import { RdsRestoreDrill, RdsSnapshotShipper, RdsSnapshotVault } from '../../src';
import { Emulator, REGION } from '../emulator/emulator';
import { createFailsafeAccount, FailsafeAccount, runVault } from '../emulator/failsafe';
import { invokeBundled } from '../emulator/invoke';
import { createLiveAccount } from '../emulator/live';
import { startValidator } from '../emulator/validator';
import { createDrillNetwork, DRILL_START, DrillNetwork, SWEEP } from '../restore-drill/harness';

export const LIVE = '111111111111';
export const FAILSAFE = '222222222222';
const DAY_MS = 86_400_000;
const SCHEDULED = { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'detail': {} };
/** The database whose validation fails on purpose: its verdict is recorded all the same. */
const FAILS_VALIDATION = 'billing';

/** What the emulator created for the constructs' resources, and the databases' own key. */
export interface RestoreDrillResources {
  readonly topicArn: string;
  readonly shippingKeyArn: string;
  readonly sourceKeyArn: string;
  readonly vaultKeyArn: string;
  readonly network: DrillNetwork;
}

const PLACEHOLDERS: RestoreDrillResources = {
  topicArn: `arn:aws:sns:${REGION}:${LIVE}:rds-failsafe-shipper`,
  shippingKeyArn: `arn:aws:kms:${REGION}:${LIVE}:key/shipping`,
  sourceKeyArn: `arn:aws:kms:${REGION}:${LIVE}:key/database`,
  vaultKeyArn: `arn:aws:kms:${REGION}:${FAILSAFE}:key/vault`,
  network: { subnetGroupName: 'restore-drills', securityGroupId: 'sg-0123456789abcdef0', vpcId: 'vpc-0123456789abcdef0' },
};

export interface RestoreDrillStacks {
  readonly live: Stack;
  readonly failsafe: Stack;
  readonly shipper: RdsSnapshotShipper;
  readonly vault: RdsSnapshotVault;
  readonly drill: RdsRestoreDrill;
  /** The drill's validation function, whose role the drill lets read the secrets of its restores. */
  readonly validation: lambda.Function;
  readonly databaseKey: kms.IKey;
}

/**
 * A validation function of the Failsafe stack. Its role is its own, without
 * the AWS managed policy Lambda would attach, which the authorization model
 * does not hold: what the drill grants it is what is evaluated.
 */
function validationFunction(scope: Construct): lambda.Function {
  const role = new iam.Role(scope, 'ValidationRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  return new lambda.Function(scope, 'Validation', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ passed: true });'),
    role,
  });
}

export function restoreDrillStacks(resources: RestoreDrillResources = PLACEHOLDERS): RestoreDrillStacks {
  const app = new App();
  const live = new Stack(app, 'Live', { env: { account: LIVE, region: REGION } });
  const instances = ['orders', 'billing'].map((id) => rds.DatabaseInstance.fromDatabaseInstanceAttributes(live, `Db-${id}`, {
    instanceIdentifier: id, instanceEndpointAddress: 'x', port: 5432, securityGroups: [],
  }));
  const databaseKey = kms.Key.fromKeyArn(live, 'DatabaseKey', resources.sourceKeyArn);
  const shipper = new RdsSnapshotShipper(live, 'Shipper', {
    vaultAccount: FAILSAFE,
    instances,
    clusters: [rds.DatabaseCluster.fromDatabaseClusterAttributes(live, 'Cluster-ledger', { clusterIdentifier: 'ledger' })],
    sourceKeys: [databaseKey],
  });
  const failsafe = new Stack(app, 'Failsafe', { env: { account: FAILSAFE, region: REGION } });
  const vault = new RdsSnapshotVault(failsafe, 'Vault', { sources: [{ topicArn: resources.topicArn }] });
  const validation = validationFunction(failsafe);
  const drill = new RdsRestoreDrill(failsafe, 'RestoreDrill', { vault, validation });
  return { live, failsafe, shipper, vault, drill, validation, databaseKey };
}

/** The accounts of the restore drill, with the vault's SCP on Failsafe. */
export function restoreDrillWorld(resources: RestoreDrillResources = PLACEHOLDERS): { world: World; stacks: RestoreDrillStacks } {
  const stacks = restoreDrillStacks(resources);
  const world = buildWorld({
    stacks: [
      shipperStack(stacks.live, stacks.shipper, resources),
      vaultStack(stacks.failsafe, stacks.vault, resources.vaultKeyArn, { drill: stacks.drill, network: resources.network }),
    ],
    customerKeys: [resources.sourceKeyArn, failsafeKeyIn(FAILSAFE, REGION)],
    outsiders: [OTHER],
    guideKeys: [guideKeyIn(LIVE, REGION), otherKeyIn(REGION)].map((arn) => ({ arn, sharedWith: FAILSAFE })),
    scpOf: stacks.vault,
  });
  return { world, stacks };
}

export interface RestoreDrillRun {
  readonly resources: RestoreDrillResources;
  /** Each database's verdict, as the drill judged it. */
  readonly verdicts: Readonly<Record<string, boolean>>;
  /** What the stand-in Lambda endpoint received. */
  readonly validations: readonly ReceivedValidation[];
  /** DB instances and clusters named drill-* left at the end. */
  readonly left: readonly string[];
}

/** The deployed function whose environment holds `variable` (SHIPPER_CONFIG, VAULT_CONFIG or DRILL_CONFIG): its configuration and timeout. */
function deployedFunction(world: World, variable: string): { config: any; timeoutMs: number } {
  for (const d of world.deployments) {
    for (const r of Object.values(d.resources)) {
      const value = r.Type === 'AWS::Lambda::Function' ? r.Properties?.Environment?.Variables?.[variable] : undefined;
      if (value) return { config: JSON.parse(value), timeoutMs: (r.Properties.Timeout ?? 3) * 1000 };
    }
  }
  throw new Error(`no function has ${variable}`);
}

/** Drill-* instances and clusters of the account. */
async function drillsLeft(failsafe: FailsafeAccount): Promise<string[]> {
  return [
    ...((await failsafe.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).map((i) => i.DBInstanceIdentifier!),
    ...((await failsafe.rds.send(new DescribeDBClustersCommand({}))).DBClusters ?? []).map((c) => c.DBClusterIdentifier!),
  ].filter((id) => id.startsWith('drill-'));
}

/**
 * The shipper ships day-old snapshots of the three databases, the vault
 * copies them, then the drill starts and sweeps until each restore is
 * judged and deleted. Each handler runs with the configuration its construct
 * synthesized.
 */
export async function runRestoreDrillWorld(emulator: Emulator): Promise<RestoreDrillRun> {
  const live = await createLiveAccount(emulator, LIVE);
  const yesterday = new Date(Date.now() - DAY_MS);
  await live.createDatabase('orders', 'cmk', yesterday);
  await live.createDatabase('billing', 'aws/rds', yesterday);
  await live.createCluster('ledger', 'cmk', { firstSnapshotAt: yesterday });
  const failsafe = await createFailsafeAccount(emulator, FAILSAFE);
  const network = await createDrillNetwork(emulator, FAILSAFE);
  const resources: RestoreDrillResources = {
    topicArn: live.topicArn, shippingKeyArn: live.shippingKeyArn, sourceKeyArn: live.sourceKeyArn, vaultKeyArn: failsafe.vaultKeyArn, network,
  };
  const { world } = restoreDrillWorld(resources);
  for (let pass = 0; pass < 3; pass++) {
    const out = await invokeBundled('shipper/shipper.lambda', SCHEDULED, {
      endpoint: emulator.endpoint,
      credentials: await emulator.credentialsFor(LIVE),
      environment: { SHIPPER_CONFIG: JSON.stringify(deployedFunction(world, 'SHIPPER_CONFIG').config) },
    });
    if (out.error) throw new Error(`the shipper failed: ${out.error}`);
  }
  const vaultConfig = deployedFunction(world, 'VAULT_CONFIG').config;
  for (let sweep = 0; sweep < 3; sweep++) {
    const out = await runVault(emulator, failsafe, vaultConfig);
    if (out.error) throw new Error(`the vault failed: ${out.error}`);
  }
  const drill = deployedFunction(world, 'DRILL_CONFIG');
  const validator = await startValidator();
  try {
    validator.set(drill.config.validationFunction, (request) => (request.database.database === FAILS_VALIDATION
      ? { passed: false, reason: `table ${FAILS_VALIDATION} has 0 rows` }
      : { passed: true }));
    const verdicts: Record<string, boolean> = {};
    // As harness.ts runs it, but with the function's own timeout: the drill validates only when the
    // time left covers the validation's timeout (5 minutes by default), which the function's timeout exceeds.
    const run = async (event: unknown) => {
      const out = await invokeBundled('drill/drill.lambda', event, {
        endpoint: emulator.endpoint,
        credentials: await emulator.credentialsFor(FAILSAFE),
        environment: { DRILL_CONFIG: JSON.stringify(drill.config), AWS_ENDPOINT_URL_LAMBDA: validator.endpoint },
        timeoutMs: drill.timeoutMs,
      });
      if (out.error) throw new Error(`the restore drill failed: ${out.error}`);
      for (const j of out.result.judged) verdicts[j.database.database] = j.passed;
    };
    await run(DRILL_START);
    for (let sweep = 0; sweep < 12 && (sweep === 0 || (await drillsLeft(failsafe)).length > 0); sweep++) await run(SWEEP);
    const validations = validator.calls.map((c) => ({ functionName: c.functionName, request: c.request }));
    return { resources, verdicts, validations, left: await drillsLeft(failsafe) };
  } finally {
    await validator.stop();
  }
}
