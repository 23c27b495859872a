/**
 * cdk-nag on both constructs with two rule packs: AwsSolutions and NIST 800-53
 * rev 5. No finding may be left unsuppressed; each suppression is recorded on
 * one resource with its reason. The suppressions must hold however the app
 * renders its ARNs: under the feature flags of a fresh `cdk init` app
 * (partition literals), under none, and in environment-agnostic stacks.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { App, Aspects, Duration, Stack, aws_iam as iam, aws_kms as kms, aws_lambda as lambda, aws_rds as rds, aws_sns as sns } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks, NagPack, NIST80053R5Checks } from 'cdk-nag';
import { Construct } from 'constructs';
import { RdsRestoreDrill, RdsSnapshotShipper, RdsSnapshotVault } from '../../src';

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

/**
 * The context a new app gets: `cdk init` writes aws-cdk-lib's recommended
 * flags into cdk.json (the CDK CLI copies the library's
 * recommended-feature-flags.json into its init templates). Read from the
 * pinned aws-cdk-lib, not copied by hand, so that it follows upgrades.
 */
const FRESH_APP_CONTEXT: Record<string, unknown> = JSON.parse(fs.readFileSync(require.resolve('aws-cdk-lib/recommended-feature-flags.json'), 'utf8'));

describe('the feature flags of a fresh cdk init app', () => {
  test('are the flags aws-cdk-lib recommends, and turn partition literals on', () => {
    expect(FRESH_APP_CONTEXT).toEqual(cxapi.CURRENTLY_RECOMMENDED_FLAGS);
    // The flag that broke the suppressions: if it ever left the set, these tests would lose their point.
    expect(FRESH_APP_CONTEXT[cxapi.ENABLE_PARTITION_LITERALS]).toBe(true);
    expect(Object.keys(FRESH_APP_CONTEXT).length).toBeGreaterThan(50);
  });
});

const LIVE = '111111111111';
const FAILSAFE = '222222222222';
const FLAG_SETS = [['a fresh cdk init app', FRESH_APP_CONTEXT], ['no feature flags', {}]] as const;

/**
 * What a user builds: three shippers (instances and clusters with source keys,
 * an alarm topic and a dashboard; a tag selector with recovery points every 4
 * hours and shareable keys, without an alarm topic; one in a DR Region that
 * copies across Regions), a vault of their three sources with a drill that
 * validates with the user's function, and restore grants to a role of the
 * app and to an imported role. The library's constructs are recorded, with
 * the policies its grants write into, to tell their findings from the user's.
 */
function realisticApp(context: Record<string, unknown>, o: { agnostic?: boolean } = {}) {
  const app = new App({ context });
  const env = (account: string) => (o.agnostic ? undefined : { account, region: 'eu-west-1' });
  const live = new Stack(app, 'Live', { env: env(LIVE) });
  const orders = rds.DatabaseInstance.fromDatabaseInstanceAttributes(live, 'Orders', { instanceIdentifier: 'orders', instanceEndpointAddress: 'x', port: 5432, securityGroups: [] });
  const ledger = rds.DatabaseCluster.fromDatabaseClusterAttributes(live, 'Ledger', { clusterIdentifier: 'ledger' });
  const ordersKey = kms.Key.fromKeyArn(live, 'OrdersKey', `arn:aws:kms:eu-west-1:${LIVE}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
  const sessionsKey = new kms.Key(live, 'SessionsKey', { enableKeyRotation: true });
  const pager = sns.Topic.fromTopicArn(live, 'Pager', `arn:aws:sns:eu-west-1:${LIVE}:pager`);
  const library: Construct[] = [
    new RdsSnapshotShipper(live, 'Shipper', { vaultAccount: FAILSAFE, instances: [orders], clusters: [ledger], sourceKeys: [ordersKey], alarmTopic: pager, dashboard: true }),
    new RdsSnapshotShipper(live, 'FourHourly', {
      vaultAccount: FAILSAFE,
      selectByTag: { key: 'dr', value: 'failsafe' },
      recoveryPointInterval: Duration.hours(4),
      recoveryPointOffset: Duration.minutes(30),
      shareableKeys: [sessionsKey],
      topicName: 'rds-failsafe-shipper-4h',
    }),
  ];
  // A shipper with sourceRegion needs a stack with a Region, agnostic or not.
  const liveDr = new Stack(app, 'LiveDr', { env: { account: LIVE, region: 'eu-central-1' } });
  library.push(new RdsSnapshotShipper(liveDr, 'Shipper', {
    vaultAccount: FAILSAFE,
    sourceRegion: 'eu-west-1',
    instances: [rds.DatabaseInstance.fromDatabaseInstanceAttributes(liveDr, 'Orders', { instanceIdentifier: 'orders', instanceEndpointAddress: 'x', port: 5432, securityGroups: [] })],
  }));

  const failsafe = new Stack(app, 'Failsafe', { env: env(FAILSAFE) });
  const vault = new RdsSnapshotVault(failsafe, 'Vault', {
    sources: [
      { topicArn: `arn:aws:sns:eu-west-1:${LIVE}:rds-failsafe-shipper` },
      { topicArn: `arn:aws:sns:eu-west-1:${LIVE}:rds-failsafe-shipper-4h`, recoveryPointInterval: Duration.hours(4) },
      { topicArn: `arn:aws:sns:eu-central-1:${LIVE}:rds-failsafe-shipper`, databaseRegions: ['eu-west-1'] },
    ],
    hourlyCopies: 24,
    alarmTopic: sns.Topic.fromTopicArn(failsafe, 'Pager', `arn:aws:sns:eu-west-1:${FAILSAFE}:pager`),
    dashboard: true,
  });
  const countRows = new lambda.Function(failsafe, 'CountRows', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({ passed: true })') });
  library.push(vault, new RdsRestoreDrill(failsafe, 'RestoreDrill', { vault, validation: countRows }));
  const recovery = new iam.Role(failsafe, 'Recovery', { assumedBy: new iam.AccountRootPrincipal() });
  const imported = iam.Role.fromRoleArn(failsafe, 'Operators', `arn:aws:iam::${FAILSAFE}:role/operators`);
  vault.grantRestore(recovery);
  vault.grantRestore(imported);
  // grantRestore writes into no policy of the user's: its statements are in a managed policy of the vault's, attached to them.
  if (recovery.node.tryFindChild('DefaultPolicy') || imported.node.children.some((c) => c instanceof iam.Policy)) {
    throw new Error('grantRestore wrote into a policy of the grantee');
  }
  // The policy the drill's grant to the validation function writes into: the user's own.
  const grantees = [countRows.role!.node.findChild('DefaultPolicy')];
  for (const s of [live, liveDr, failsafe]) {
    Aspects.of(s).add(new AwsSolutionsChecks({ verbose: true }));
    Aspects.of(s).add(new NIST80053R5Checks({ verbose: true }));
  }
  return { stacks: [live, liveDr, failsafe], library, grantees };
}

/** Every unsuppressed cdk-nag error and warning of a stack: `<path>: <rule>[<finding>]`. */
function nagFindings(stack: Stack) {
  const a = Annotations.fromStack(stack);
  return [...a.findError('*', Match.anyValue()), ...a.findWarning('*', Match.anyValue())]
    .map((f) => ({ path: f.id, rule: String(f.entry.data).split(':')[0] }))
    .filter((f) => /^(AwsSolutions|NIST\.800\.53\.R5)-/.test(f.rule));
}

describe.each([
  ...FLAG_SETS.map(([name, context]) => [name, context, false] as const),
  ['a fresh cdk init app, environment-agnostic stacks', FRESH_APP_CONTEXT, true] as const,
])('cdk-nag AwsSolutions and NIST 800-53 rev 5 under %s', (_name, context, agnostic) => {
  const { stacks: all, library, grantees } = realisticApp(context, { agnostic });
  const under = (paths: string[], path: string) => paths.some((p) => path === p || path.startsWith(`${p}/`));
  const libraryPaths = library.map((c) => `/${c.node.path}`);
  const granteePaths = grantees.map((c) => `/${c.node.path}`);

  test.each(all.map((s) => [s.stackName, s] as const))('%s: no unsuppressed finding on the library\'s resources', (_stack, stack) => {
    const findings = nagFindings(stack);
    expect(findings.filter((f) => under(libraryPaths, f.path))).toEqual([]);
    // On the policies the grants write into, only NIST's inline-policy rule, which is about the user's own policy.
    expect(findings.filter((f) => under(granteePaths, f.path) && f.rule !== 'NIST.800.53.R5-IAMNoInlinePolicy')).toEqual([]);
  });

  test('the validation function keeps its inline-policy finding: the library suppresses nothing of the user\'s but its own wildcards', () => {
    const failsafe = all[2];
    const found = nagFindings(failsafe).filter((f) => under(granteePaths, f.path)).map((f) => `${f.path} ${f.rule}`);
    expect(found.sort()).toEqual(grantees.map((g) => `/${g.node.path}/Resource NIST.800.53.R5-IAMNoInlinePolicy`).sort());
  });

  test('the rendered ARNs are the ones the flags make: literal partitions in a fresh app with an environment, tokens otherwise', () => {
    const template = JSON.stringify(Template.fromStack(all[2]).toJSON());
    const literal = context === FRESH_APP_CONTEXT && !agnostic;
    expect(template.includes(`"arn:aws:rds:eu-west-1:${FAILSAFE}:snapshot:vault-*"`)).toBe(literal);
    expect(template.includes('{"Ref":"AWS::Partition"},":rds:')).toBe(!literal);
  });
});

test('a fresh cdk init app with both rule packs synthesizes the README\'s constructs without a nag error or warning', () => {
  // As `cdk init app --language typescript` writes it, with cdk-nag added as its README says.
  const app = new App({ context: FRESH_APP_CONTEXT });
  Aspects.of(app).add(new AwsSolutionsChecks());
  Aspects.of(app).add(new NIST80053R5Checks());
  const live = new Stack(app, 'LiveStack', { env: { account: LIVE, region: 'eu-west-1' } });
  const ordersDb = rds.DatabaseInstance.fromDatabaseInstanceAttributes(live, 'OrdersDb', { instanceIdentifier: 'orders', instanceEndpointAddress: 'orders.example.internal', port: 5432, securityGroups: [] });
  const ledgerCluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(live, 'LedgerCluster', { clusterIdentifier: 'ledger' });
  new RdsSnapshotShipper(live, 'Shipper', { vaultAccount: FAILSAFE, instances: [ordersDb], clusters: [ledgerCluster] });
  const failsafe = new Stack(app, 'FailsafeStack', { env: { account: FAILSAFE, region: 'eu-west-1' } });
  const vault = new RdsSnapshotVault(failsafe, 'Vault', {
    sources: [{ topicArn: `arn:aws:sns:eu-west-1:${LIVE}:rds-failsafe-shipper` }],
    retention: Duration.days(31),
    minimumCopies: 3,
  });
  new RdsRestoreDrill(failsafe, 'RestoreDrill', { vault });
  // The README's recovery runbook: a role that may restore, made in the app.
  vault.grantRestore(new iam.Role(failsafe, 'Recovery', { assumedBy: new iam.AccountRootPrincipal() }));

  const assembly = app.synth();
  const messages = assembly.stacks.flatMap((s) => s.messages);
  expect(messages.filter((m) => m.level === 'error').map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`)).toEqual([]);
  expect(messages.filter((m) => m.level === 'warning' && /^(AwsSolutions|NIST)/.test(String(m.entry.data)))).toEqual([]);
  // The checks did run: both packs reported on each stack, and the library's suppressions were applied; the ARNs are rendered with literal partitions.
  const reports = fs.readdirSync(assembly.directory).filter((f) => f.endsWith('-NagReport.csv')).sort();
  expect(reports).toEqual(['AwsSolutions-FailsafeStack-NagReport.csv', 'AwsSolutions-LiveStack-NagReport.csv',
    'NIST.800.53.R5-FailsafeStack-NagReport.csv', 'NIST.800.53.R5-LiveStack-NagReport.csv']);
  for (const report of reports) expect(fs.readFileSync(join(assembly.directory, report), 'utf8')).toContain('Suppressed');
  expect(JSON.stringify(assembly.getStackByName('FailsafeStack').template)).toContain(`arn:aws:rds:eu-west-1:${FAILSAFE}:snapshot:vault-*`);
});
