/**
 * The restore drill in the emulator: its network in the Failsafe account (an
 * isolated VPC, two subnets, a DB subnet group and a security group, as the
 * construct makes them), its configuration, and passes of the bundled drill
 * handler, whose validation calls go to the stand-in Lambda endpoint.
 */
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateDBSubnetGroupCommand, RDSClient } from '@aws-sdk/client-rds';
import { DrillConfig, DRILL_START_INPUT } from '../../src/runtime/drill-config';
import { Emulator, REGION } from '../emulator/emulator';
import { invokeBundled, Invocation } from '../emulator/invoke';

/** The event of the drill's schedule rule. */
export const DRILL_START = DRILL_START_INPUT;
export const SWEEP = { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'detail': {} };

export interface DrillNetwork {
  readonly subnetGroupName: string;
  readonly securityGroupId: string;
  readonly vpcId: string;
}

/** The drill's network: a VPC with no internet gateway, two subnets in two AZs, a DB subnet group over them, a security group. */
export async function createDrillNetwork(emulator: Emulator, account: string, region = REGION): Promise<DrillNetwork> {
  const cfg = await emulator.clientConfig(account, region);
  const ec2 = new EC2Client(cfg);
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }))).Vpc!.VpcId!;
  const subnets = [];
  for (const [i, az] of ['a', 'b'].entries()) {
    subnets.push((await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.42.${i}.0/24`, AvailabilityZone: `${region}${az}` }))).Subnet!.SubnetId!);
  }
  const securityGroupId = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'restore-drills', Description: 'restore drills' }))).GroupId!;
  const subnetGroupName = 'restore-drills';
  await new RDSClient(cfg).send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: subnetGroupName, DBSubnetGroupDescription: 'restore drills', SubnetIds: subnets }));
  return { subnetGroupName, securityGroupId, vpcId };
}

export interface DrillConfigInput {
  readonly ownerId: string;
  readonly vaultOwnerId: string;
  readonly vaultKeyArn: string;
  readonly network: DrillNetwork;
  /** The validation function's ARN; none by default. */
  readonly validationFunction?: string;
}

/** The configuration the construct would write, with the construct's defaults. */
export function drillConfig(i: DrillConfigInput, overrides: Partial<DrillConfig> = {}): DrillConfig {
  return {
    version: 1,
    ownerId: i.ownerId,
    vaultOwnerId: i.vaultOwnerId,
    vaultKeyArn: i.vaultKeyArn,
    subnetGroupName: i.network.subnetGroupName,
    securityGroupIds: [i.network.securityGroupId],
    databasesPerDrill: 5,
    maxConcurrentRestores: 5,
    maxLifetimeMs: 6 * 3_600_000,
    maxAgeMs: 14 * 86_400_000,
    // The construct's census window is its sweep interval (5 minutes); here a
    // sweep takes no census unless a test asks for one, so that what a pass
    // does never depends on the minute of the hour the test runs in.
    censusWindowMs: 1,
    validates: i.validationFunction !== undefined,
    ...(i.validationFunction ? { validationFunction: i.validationFunction, validationTimeoutMs: 5_000 } : {}),
    ...overrides,
  };
}

export interface DrillRun {
  readonly emulator: Emulator;
  readonly account: string;
  readonly region?: string;
  /** The stand-in Lambda endpoint for validation calls. */
  readonly lambdaEndpoint?: string;
}

/** One pass of the bundled drill handler. */
export async function runRestoreDrill(r: DrillRun, config: DrillConfig, event: unknown = SWEEP): Promise<Invocation> {
  return invokeBundled('drill/drill.lambda', event, {
    endpoint: r.emulator.endpoint,
    credentials: await r.emulator.credentialsFor(r.account),
    environment: { DRILL_CONFIG: JSON.stringify(config), ...(r.lambdaEndpoint ? { AWS_ENDPOINT_URL_LAMBDA: r.lambdaEndpoint } : {}) },
    region: r.region,
  });
}
