/**
 * The example two-account app: a Live stack whose three databases and Aurora
 * cluster are shipped to a vault in a Failsafe stack, in another account. `npx projen demo`
 * synthesizes it into cdk.out.
 */
import { App, Duration, Stack, StackProps, aws_rds as rds, aws_sns as sns } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { RdsSnapshotShipper, RdsSnapshotVault } from '../src';

export const LIVE_ACCOUNT = '111111111111';
export const FAILSAFE_ACCOUNT = '222222222222';
export const REGION = 'eu-west-1';
/** The databases of the example: one unencrypted, one with aws/rds, one with a CMK. */
export const DATABASES = ['orders', 'users', 'payments'] as const;
/** The Aurora cluster of the example. */
export const CLUSTERS = ['ledger'] as const;

export class LiveStack extends Stack {
  public readonly shipper: RdsSnapshotShipper;

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
  }
}

export interface FailsafeStackProps extends StackProps {
  /** The ARN of the Live shipper's topic. */
  readonly shipperTopicArn: string;
}

export class FailsafeStack extends Stack {
  public readonly vault: RdsSnapshotVault;

  constructor(scope: Construct, id: string, props: FailsafeStackProps) {
    super(scope, id, props);
    this.vault = new RdsSnapshotVault(this, 'Vault', {
      sources: [{ topicArn: props.shipperTopicArn }],
      retention: Duration.days(31),
      minimumCopies: 3,
      alarmTopic: new sns.Topic(this, 'Alarms', { enforceSSL: true }),
      dashboard: true,
    });
  }
}

export function buildApp(outdir = 'cdk.out'): { app: App; live: LiveStack; failsafe: FailsafeStack } {
  const app = new App({ outdir });
  const live = new LiveStack(app, 'Live', { env: { account: LIVE_ACCOUNT, region: REGION } });
  // The shipper's topic has a stable name, so the vault can be given its ARN.
  const failsafe = new FailsafeStack(app, 'Failsafe', {
    env: { account: FAILSAFE_ACCOUNT, region: REGION },
    shipperTopicArn: `arn:aws:sns:${REGION}:${LIVE_ACCOUNT}:rds-failsafe-shipper`,
  });
  return { app, live, failsafe };
}

if (require.main === module) {
  buildApp().app.synth();
}
