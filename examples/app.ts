/**
 * The example two-account app: a Live stack whose three databases and Aurora
 * cluster are shipped daily, and a fourth every 4 hours by a second shipper,
 * to a vault in a Failsafe stack, in another account; and
 * the same for a vault in another Region: a LiveDr stack in the Live
 * account's disaster recovery Region ships two of the databases and the
 * cluster out of their Region, to a vault in a FailsafeDr stack there.
 * `npx projen demo` synthesizes it into cdk.out.
 */
import { App, Duration, Stack, StackProps, aws_rds as rds, aws_sns as sns } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { RdsRestoreDrill, RdsSnapshotShipper, RdsSnapshotVault, SnapshotSource } from '../src';

export const LIVE_ACCOUNT = '111111111111';
export const FAILSAFE_ACCOUNT = '222222222222';
export const REGION = 'eu-west-1';
/** The databases of the example: one unencrypted, one with aws/rds, one with a CMK. */
export const DATABASES = ['orders', 'users', 'payments'] as const;
/** The Aurora cluster of the example. */
export const CLUSTERS = ['ledger'] as const;
/** The database that needs an RPO of hours: a recovery point every 4 hours, by a shipper of its own. */
export const SUB_DAILY_DATABASE = 'sessions';
export const SUB_DAILY_TOPIC = 'rds-failsafe-shipper-4h';
/** The Region the DR stacks ship into, and the databases they ship there. */
export const DR_REGION = 'eu-central-1';
export const DR_DATABASES = ['orders', 'users'] as const;

export class LiveStack extends Stack {
  public readonly shipper: RdsSnapshotShipper;
  /** The shipper of the database that needs an RPO of hours. */
  public readonly fourHourly: RdsSnapshotShipper;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    const instances = DATABASES.map((name) =>
      rds.DatabaseInstance.fromDatabaseInstanceAttributes(this, name, {
        instanceIdentifier: name,
        instanceEndpointAddress: `${name}.example.internal`,
        port: 5432,
        securityGroups: [],
      }),
    );
    const clusters = CLUSTERS.map((name) => rds.DatabaseCluster.fromDatabaseClusterAttributes(this, name, { clusterIdentifier: name }));
    this.shipper = new RdsSnapshotShipper(this, 'Shipper', {
      vaultAccount: FAILSAFE_ACCOUNT,
      instances,
      clusters,
      retention: Duration.days(2),
      // Alarms are on by default; this is who hears of them, and where to look.
      alarmTopic: new sns.Topic(this, 'Alarms', { enforceSSL: true }),
      dashboard: true,
    });
    // A recovery point every 4 hours, at 00:30, 04:30, ... UTC, on a topic of its own.
    this.fourHourly = new RdsSnapshotShipper(this, 'FourHourly', {
      vaultAccount: FAILSAFE_ACCOUNT,
      instances: [rds.DatabaseInstance.fromDatabaseInstanceAttributes(this, SUB_DAILY_DATABASE, {
        instanceIdentifier: SUB_DAILY_DATABASE, instanceEndpointAddress: `${SUB_DAILY_DATABASE}.example.internal`, port: 5432, securityGroups: [],
      })],
      recoveryPointInterval: Duration.hours(4),
      recoveryPointOffset: Duration.minutes(30),
      topicName: SUB_DAILY_TOPIC,
    });
  }
}

export interface FailsafeStackProps extends StackProps {
  /** The shippers whose snapshots the vault keeps: `shipper.asSnapshotSource()` in one app, or topic ARNs. */
  readonly sources: SnapshotSource[];
}

export class FailsafeStack extends Stack {
  public readonly vault: RdsSnapshotVault;
  /** Weekly restore drills of the vault's copies, into an isolated VPC. */
  public readonly restoreDrill: RdsRestoreDrill;

  constructor(scope: Construct, id: string, props: FailsafeStackProps) {
    super(scope, id, props);
    const alarmTopic = new sns.Topic(this, 'Alarms', { enforceSSL: true });
    this.vault = new RdsSnapshotVault(this, 'Vault', {
      sources: props.sources,
      retention: Duration.days(31),
      minimumCopies: 3,
      alarmTopic,
      dashboard: true,
    });
    this.restoreDrill = new RdsRestoreDrill(this, 'RestoreDrill', { vault: this.vault, databasesPerDrill: 4, alarmTopic });
  }
}

/**
 * The Live account in the DR Region: a shipper that copies the databases'
 * snapshots out of their Region (`sourceRegion`) into this one.
 */
export class LiveDrStack extends Stack {
  public readonly shipper: RdsSnapshotShipper;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    // Databases of another Region are named by their identifiers: a stack can refer to no resource of another Region.
    const instances = DR_DATABASES.map((name) => rds.DatabaseInstance.fromDatabaseInstanceAttributes(this, name, {
      instanceIdentifier: name, instanceEndpointAddress: `${name}.example.internal`, port: 5432, securityGroups: [],
    }));
    const clusters = CLUSTERS.map((name) => rds.DatabaseCluster.fromDatabaseClusterAttributes(this, name, { clusterIdentifier: name }));
    this.shipper = new RdsSnapshotShipper(this, 'Shipper', {
      vaultAccount: FAILSAFE_ACCOUNT,
      sourceRegion: REGION,
      instances,
      clusters,
      alarmTopic: new sns.Topic(this, 'Alarms', { enforceSSL: true }),
    });
  }
}

export interface ExampleApp {
  readonly app: App;
  readonly live: LiveStack;
  readonly failsafe: FailsafeStack;
  readonly liveDr: LiveDrStack;
  readonly failsafeDr: FailsafeStack;
}

export function buildApp(outdir = 'cdk.out'): ExampleApp {
  const app = new App({ outdir });
  const live = new LiveStack(app, 'Live', { env: { account: LIVE_ACCOUNT, region: REGION } });
  // Both stacks are in this app: each shipper gives the vault its source (its topic's ARN, its databases' Region and its
  // recovery point interval, which brings the vault an hourly tier), and the Live stacks deploy first.
  const failsafe = new FailsafeStack(app, 'Failsafe', {
    env: { account: FAILSAFE_ACCOUNT, region: REGION },
    sources: [live.shipper.asSnapshotSource(), live.fourHourly.asSnapshotSource()],
  });
  // A vault in the DR Region too: it survives the loss of the databases' Region as well as of the Live account.
  const liveDr = new LiveDrStack(app, 'LiveDr', { env: { account: LIVE_ACCOUNT, region: DR_REGION } });
  // The shipper announces in the DR Region; its databases are in REGION. In an app of its own, the vault would be given
  // the same source as `{ topicArn: 'arn:aws:sns:eu-central-1:111111111111:rds-failsafe-shipper', databaseRegions: ['eu-west-1'] }`.
  const failsafeDr = new FailsafeStack(app, 'FailsafeDr', {
    env: { account: FAILSAFE_ACCOUNT, region: DR_REGION },
    sources: [liveDr.shipper.asSnapshotSource()],
  });
  return { app, live, failsafe, liveDr, failsafeDr };
}

if (require.main === module) {
  buildApp().app.synth();
}
