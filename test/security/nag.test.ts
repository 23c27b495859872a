/**
 * cdk-nag on both constructs with two rule packs: AwsSolutions and NIST 800-53
 * rev 5. No finding may be left unsuppressed; each suppression is recorded on
 * one resource with its reason.
 */
import { App, Aspects, Stack, aws_rds as rds, aws_sns as sns } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, NagPack, NIST80053R5Checks } from 'cdk-nag';
import { RdsSnapshotShipper, RdsSnapshotVault } from '../../src';

/** Both constructs with their defaults, and (monitored) with an alarm topic, a dashboard and a DB cluster. */
function stacks(pack: () => NagPack, monitored = false) {
  const app = new App();
  const live = new Stack(app, 'Live', { env: { account: '111111111111', region: 'eu-west-1' } });
  const db = rds.DatabaseInstance.fromDatabaseInstanceAttributes(live, 'Db', { instanceIdentifier: 'orders', instanceEndpointAddress: 'x', port: 5432, securityGroups: [] });
  const monitoring = (stack: Stack) => (monitored
    ? { alarmTopic: sns.Topic.fromTopicArn(stack, 'Pager', `arn:aws:sns:eu-west-1:${stack.account}:pager`), dashboard: true }
    : {});
  // The monitored variant ships a DB cluster too, so the cluster statements are checked as well.
  const clusters = monitored ? [rds.DatabaseCluster.fromDatabaseClusterAttributes(live, 'Ledger', { clusterIdentifier: 'ledger' })] : [];
  new RdsSnapshotShipper(live, 'Shipper', { vaultAccount: '222222222222', instances: [db], clusters, sourceKeys: [], ...monitoring(live) });
  const failsafe = new Stack(app, 'Failsafe', { env: { account: '222222222222', region: 'eu-west-1' } });
  new RdsSnapshotVault(failsafe, 'Vault', { sources: [{ topicArn: 'arn:aws:sns:eu-west-1:111111111111:rds-failsafe-shipper' }], ...monitoring(failsafe) });
  for (const s of [live, failsafe]) Aspects.of(s).add(pack());
  return [live, failsafe];
}

describe.each([
  ['AwsSolutions', () => new AwsSolutionsChecks({ verbose: true }), /^AwsSolutions-/],
  ['NIST 800-53 rev 5', () => new NIST80053R5Checks({ verbose: true }), /^NIST\.800\.53\.R5-/],
] as const)('cdk-nag %s', (_name, pack, prefix) => {
  const [live, failsafe] = stacks(pack);
  const [monitoredLive, monitoredFailsafe] = stacks(pack, true);

  test.each([
    ['shipper', live], ['vault', failsafe], ['shipper with a cluster, alarm topic and dashboard', monitoredLive], ['vault with alarm topic and dashboard', monitoredFailsafe],
  ] as const)('%s: no unsuppressed finding', (_construct, stack) => {
    const a = Annotations.fromStack(stack);
    const findings = [...a.findError('*', Match.anyValue()), ...a.findWarning('*', Match.anyValue())];
    expect(findings.map((f) => `${f.id}: ${String(f.entry.data).split('\n')[0]}`)).toEqual([]);
  });

  test.each([['shipper', live], ['vault', failsafe]] as const)('%s: each suppression of this pack is on one resource, with a reason', (_construct, stack) => {
    const resources = Object.values<any>(Template.fromStack(stack).toJSON().Resources);
    const suppressions = resources.flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []).filter((s: any) => prefix.test(s.id));
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) expect(s.reason.length).toBeGreaterThan(60);
  });
});
