/**
 * A vault with two sources in two accounts and two Regions, run against the
 * emulator: Live A (111111111111) in eu-west-1 ships `orders` (a customer
 * managed key), Live B (333333333333) in us-east-1 ships `billing` (the AWS
 * managed key aws/rds) and the Aurora cluster `invoices`, and the vault in
 * eu-west-1 copies them all, B's across Regions in one step (the cluster
 * with `copyClustersAcrossRegions`). The stacks are synthesized from the
 * constructs and bound to what the emulator created.
 */
import { App, Stack, aws_kms as kms, aws_rds as rds } from 'aws-cdk-lib';
import { buildWorld, guideKeyIn, OTHER, otherKeyIn, shipperStack, vaultStack, World } from './world';
import { RdsSnapshotShipper, RdsSnapshotVault } from '../../src';
import { Emulator } from '../emulator/emulator';
import { createFailsafeAccount, queueEvent, runVault } from '../emulator/failsafe';
import { invokeBundled } from '../emulator/invoke';
import { createLiveAccount, Encryption, LiveAccount } from '../emulator/live';

const DAY_MS = 86_400_000;
export const VAULT_ACCOUNT = '222222222222';
export const VAULT_REGION = 'eu-west-1';

export interface Source {
  readonly account: string;
  readonly region: string;
  readonly database: string;
  readonly encryption: Encryption;
  /** An Aurora cluster it ships too, under the same encryption. */
  readonly cluster?: string;
}

export const SOURCES: readonly Source[] = [
  { account: '111111111111', region: 'eu-west-1', database: 'orders', encryption: 'cmk' },
  { account: '333333333333', region: 'us-east-1', database: 'billing', encryption: 'aws/rds', cluster: 'invoices' },
];

export interface SourceResources {
  readonly topicArn: string;
  readonly shippingKeyArn: string;
  readonly sourceKeyArn: string;
}

export interface TwoSourceResources {
  readonly sources: readonly SourceResources[];
  readonly vaultKeyArn: string;
}

export interface TwoSourceStacks {
  readonly lives: ReadonlyArray<{ readonly stack: Stack; readonly shipper: RdsSnapshotShipper; readonly databaseKey?: kms.IKey }>;
  readonly failsafe: Stack;
  readonly vault: RdsSnapshotVault;
}

const placeholder = (s: Source): SourceResources => ({
  topicArn: `arn:aws:sns:${s.region}:${s.account}:rds-failsafe-shipper`,
  shippingKeyArn: `arn:aws:kms:${s.region}:${s.account}:key/shipping`,
  sourceKeyArn: `arn:aws:kms:${s.region}:${s.account}:key/database`,
});

export function twoSourceStacks(resources?: TwoSourceResources): TwoSourceStacks {
  const app = new App();
  const lives = SOURCES.map((s, i) => {
    const r = resources?.sources[i] ?? placeholder(s);
    const stack = new Stack(app, `Live${i}`, { env: { account: s.account, region: s.region } });
    const databaseKey = s.encryption === 'cmk' ? kms.Key.fromKeyArn(stack, 'DatabaseKey', r.sourceKeyArn) : undefined;
    const shipper = new RdsSnapshotShipper(stack, 'Shipper', {
      vaultAccount: VAULT_ACCOUNT,
      instances: [rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Db', { instanceIdentifier: s.database, instanceEndpointAddress: 'x', port: 5432, securityGroups: [] })],
      clusters: s.cluster ? [rds.DatabaseCluster.fromDatabaseClusterAttributes(stack, 'Cluster', { clusterIdentifier: s.cluster })] : [],
      sourceKeys: databaseKey ? [databaseKey] : [],
    });
    return { stack, shipper, databaseKey };
  });
  const failsafe = new Stack(app, 'Failsafe', { env: { account: VAULT_ACCOUNT, region: VAULT_REGION } });
  const vault = new RdsSnapshotVault(failsafe, 'Vault', {
    sources: SOURCES.map((s, i) => ({ topicArn: (resources?.sources[i] ?? placeholder(s)).topicArn })),
    copyClustersAcrossRegions: true,
  });
  return { lives, failsafe, vault };
}

/** The world of the two sources and the vault, with the vault's SCP on Failsafe. */
export function twoSourceWorld(resources: TwoSourceResources): { world: World; stacks: TwoSourceStacks } {
  const stacks = twoSourceStacks(resources);
  const world = buildWorld({
    stacks: [
      ...stacks.lives.map(({ stack, shipper }, i) => shipperStack(stack, shipper, resources.sources[i])),
      vaultStack(stacks.failsafe, stacks.vault, resources.vaultKeyArn),
    ],
    customerKeys: resources.sources.filter((_, i) => SOURCES[i].encryption === 'cmk').map((r) => r.sourceKeyArn),
    outsiders: [OTHER],
    guideKeys: SOURCES.flatMap((s) => [guideKeyIn(s.account, s.region), otherKeyIn(s.region)]).map((arn) => ({ arn, sharedWith: VAULT_ACCOUNT })),
    scpOf: stacks.vault,
  });
  return { world, stacks };
}

export interface TwoSourceRun {
  readonly resources: TwoSourceResources;
  /** The vault's copies at the end, by name. */
  readonly vaultCopies: readonly string[];
  /** The vault's cluster copies at the end, by ARN. */
  readonly vaultClusterCopies: readonly string[];
}

/** The handler configuration a deployed function gets (SHIPPER_CONFIG or VAULT_CONFIG), as deployed. */
function deployedConfig(world: World, variable: string, account: string): any {
  for (const d of world.deployments.filter((x) => x.account === account)) {
    for (const r of Object.values(d.resources)) {
      const value = r.Type === 'AWS::Lambda::Function' ? r.Properties?.Environment?.Variables?.[variable] : undefined;
      if (value) return JSON.parse(value);
    }
  }
  throw new Error(`no function of account ${account} has ${variable}`);
}

/**
 * Each source ships a day-old snapshot, and the vault takes the
 * announcements, then sweeps twice. Source B's account also shares a
 * shipper-named snapshot from source A's Region, which the vault must leave. Every handler runs with the configuration
 * its construct synthesized, bound to the emulator's keys and topics.
 */
export async function runTwoSources(emulator: Emulator): Promise<TwoSourceRun> {
  const yesterday = new Date(Date.now() - DAY_MS);
  const lives: LiveAccount[] = [];
  for (const s of SOURCES) {
    const live = await createLiveAccount(emulator, s.account, 'rds-failsafe-shipper', s.region);
    await live.createDatabase(s.database, s.encryption, yesterday);
    if (s.cluster) await live.createCluster(s.cluster, s.encryption, { firstSnapshotAt: yesterday });
    lives.push(live);
  }
  // Source B's account also shares a shipper-named snapshot from source A's Region, which is not one of
  // its sources: the vault must not take it (its IAM policy would not let it copy it on AWS).
  const [a, b] = SOURCES;
  const stray = await createLiveAccount(emulator, b.account, 'not-a-source', a.region);
  await stray.createDatabase('stray', 'none', yesterday);
  await stray.createShippedSnapshot('stray', new Date(yesterday.getTime() + 3_600_000), VAULT_ACCOUNT);
  const failsafe = await createFailsafeAccount(emulator, VAULT_ACCOUNT);
  const resources: TwoSourceResources = {
    sources: lives.map((l) => ({ topicArn: l.topicArn, shippingKeyArn: l.shippingKeyArn, sourceKeyArn: l.sourceKeyArn })),
    vaultKeyArn: failsafe.vaultKeyArn,
  };
  const { world } = twoSourceWorld(resources);
  const announced: string[][] = [];
  for (const [i, s] of SOURCES.entries()) {
    const config = deployedConfig(world, 'SHIPPER_CONFIG', s.account);
    for (let pass = 0; pass < 3; pass++) {
      const out = await invokeBundled('shipper/shipper.lambda', { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'detail': {} }, {
        endpoint: emulator.endpoint,
        credentials: await emulator.credentialsFor(s.account),
        region: s.region,
        environment: { SHIPPER_CONFIG: JSON.stringify(config) },
      });
      if (out.error) throw new Error(`the shipper of ${s.account} in ${s.region} failed: ${out.error}`);
    }
    announced.push(await lives[i].takeAnnouncements());
  }
  const vaultConfig = deployedConfig(world, 'VAULT_CONFIG', VAULT_ACCOUNT);
  for (const [i, messages] of announced.entries()) {
    if (messages.length === 0) throw new Error(`the shipper of ${SOURCES[i].account} announced nothing`);
    const out = await runVault(emulator, failsafe, vaultConfig, queueEvent(lives[i].topicArn, messages));
    if (out.error) throw new Error(`the vault failed on the announcements of ${SOURCES[i].account}: ${out.error}`);
  }
  for (let sweep = 0; sweep < 2; sweep++) {
    const out = await runVault(emulator, failsafe, vaultConfig);
    if (out.error) throw new Error(`the vault's sweep failed: ${out.error}`);
  }
  return {
    resources,
    vaultCopies: (await failsafe.manualSnapshots()).map((x) => x.DBSnapshotIdentifier!),
    vaultClusterCopies: (await failsafe.manualClusterSnapshots()).map((x) => x.DBClusterSnapshotArn!),
  };
}
