/**
 * Least privilege, proven: every IAM statement of both constructs is checked
 * against this explicit allowlist. A statement that is not listed, or that
 * differs from its entry in actions, scope or conditions, fails the test.
 */
import { App, Stack, aws_rds as rds } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RdsSnapshotShipper, RdsSnapshotVault } from '../../src';
import { TagKeys } from '../../src/runtime/tags';

const OWNER_RESOURCE_TAG = `aws:ResourceTag/${TagKeys.OWNER}`;
const OWNER_REQUEST_TAG = `aws:RequestTag/${TagKeys.OWNER}`;

interface Entry {
  /** How to recognise the statement: its Sid, or its actions when CDK wrote it without one. */
  readonly sid?: string;
  readonly actions: string[];
  /** The resources it may name, as patterns over the resolved JSON of each resource. */
  readonly resources: RegExp[] | 'unscoped';
  /** Why a statement is unscoped: AWS cannot scope these actions. */
  readonly why?: string;
  /** The condition keys that must be present. */
  readonly conditionKeys?: string[];
  /** Deny statements guard the allows; everything else is Allow. */
  readonly effect?: 'Deny';
}

const LOGS: Entry = {
  sid: 'WriteOwnLogs',
  actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  resources: [/^\{"Fn::GetAtt":\["[A-Za-z]+LogGroup[A-F0-9]{8}","Arn"\]\}$/, /LogGroup[A-F0-9]{8}","Arn"\]\},":log-stream:\*"/],
};
const DLQ: Entry = { actions: ['sqs:SendMessage'], resources: [/DeadLetterQueue[A-F0-9]{8}","Arn"/] };
/** The snapshots named `<prefix>-*`: instance snapshots, and cluster snapshots too if `clusters`. */
const OWN = (prefix: string, clusters: boolean): RegExp[] => [
  new RegExp(`:snapshot:${prefix}-\\*"`), ...(clusters ? [new RegExp(`:cluster-snapshot:${prefix}-\\*"`)] : []),
];
const NO_CLAIMING = (prefix: string, clusters = false): Entry => ({
  sid: 'NeverRetagAnotherOwnersSnapshot', effect: 'Deny', actions: ['rds:AddTagsToResource'], resources: OWN(prefix, clusters), conditionKeys: [OWNER_RESOURCE_TAG],
});

const SHIPPER: Entry[] = [
  LOGS,
  DLQ,
  {
    sid: 'ReadState',
    actions: ['rds:DescribeDBInstances', 'rds:DescribeDBSnapshots', 'rds:DescribeOptionGroups', 'rds:DescribeAccountAttributes'],
    resources: 'unscoped',
    why: 'paginated list calls over all instances, snapshots and option groups; RDS authorizes listing only on *',
  },
  { sid: 'CopyAutomatedSnapshotsAsOwnedCopies', actions: ['rds:CopyDBSnapshot'], resources: [/:snapshot:rds:orders-\*"/, /:snapshot:failsafe-\*"/], conditionKeys: [OWNER_REQUEST_TAG] },
  { sid: 'TagCopiesOnCreation', actions: ['rds:AddTagsToResource'], resources: [/:snapshot:failsafe-\*"/], conditionKeys: [OWNER_REQUEST_TAG, 'aws:TagKeys'] },
  NO_CLAIMING('failsafe'),
  { sid: 'MarkOwnCopiesAnnouncedAndTheirSuccessors', actions: ['rds:AddTagsToResource'], resources: [/:snapshot:failsafe-\*"/], conditionKeys: [OWNER_RESOURCE_TAG, 'aws:TagKeys'] },
  { sid: 'ShareAndDeleteOwnCopiesOnly', actions: ['rds:ModifyDBSnapshotAttribute', 'rds:DeleteDBSnapshot'], resources: [/:snapshot:failsafe-\*"/], conditionKeys: [OWNER_RESOURCE_TAG] },
  // The shipping key and the topic key name the role in their key policies for their use; reading the shipping key's
  // CreationDate (the shipper's epoch, key-epoch.ts) is kms:DescribeKey on that key alone, which reveals no data.
  { sid: 'PublishAnnouncements', actions: ['sns:Publish'], resources: [/^\{"Ref":"ShipperTopic[A-F0-9]{8}"\}$/] },
];

/** The shipper when it ships DB clusters too: the same statements, each extended to cluster snapshots. */
const SHIPPER_WITH_CLUSTERS: Entry[] = [
  LOGS,
  DLQ,
  {
    sid: 'ReadState',
    actions: ['rds:DescribeDBInstances', 'rds:DescribeDBSnapshots', 'rds:DescribeOptionGroups', 'rds:DescribeAccountAttributes', 'rds:DescribeDBClusters', 'rds:DescribeDBClusterSnapshots'],
    resources: 'unscoped',
    why: 'paginated list calls over all instances, clusters, their snapshots and option groups; RDS authorizes listing only on *',
  },
  { sid: 'CopyAutomatedSnapshotsAsOwnedCopies', actions: ['rds:CopyDBSnapshot'], resources: [/:snapshot:rds:orders-\*"/, /:snapshot:failsafe-\*"/], conditionKeys: [OWNER_REQUEST_TAG] },
  {
    sid: 'CopyAutomatedClusterSnapshotsAsOwnedCopies',
    actions: ['rds:CopyDBClusterSnapshot'],
    resources: [/:cluster-snapshot:rds:ledger-\*"/, /:cluster-snapshot:failsafe-\*"/],
    conditionKeys: [OWNER_REQUEST_TAG],
  },
  { sid: 'TagCopiesOnCreation', actions: ['rds:AddTagsToResource'], resources: OWN('failsafe', true), conditionKeys: [OWNER_REQUEST_TAG, 'aws:TagKeys'] },
  NO_CLAIMING('failsafe', true),
  { sid: 'MarkOwnCopiesAnnouncedAndTheirSuccessors', actions: ['rds:AddTagsToResource'], resources: OWN('failsafe', true), conditionKeys: [OWNER_RESOURCE_TAG, 'aws:TagKeys'] },
  {
    sid: 'ShareAndDeleteOwnCopiesOnly',
    actions: ['rds:ModifyDBSnapshotAttribute', 'rds:DeleteDBSnapshot', 'rds:ModifyDBClusterSnapshotAttribute', 'rds:DeleteDBClusterSnapshot'],
    resources: OWN('failsafe', true),
    conditionKeys: [OWNER_RESOURCE_TAG],
  },
  // The shipping key and the topic key name the role in their key policies for their use; reading the shipping key's
  // CreationDate (the shipper's epoch, key-epoch.ts) is kms:DescribeKey on that key alone, which reveals no data.
  { sid: 'PublishAnnouncements', actions: ['sns:Publish'], resources: [/^\{"Ref":"ShipperTopic[A-F0-9]{8}"\}$/] },
];

const VAULT: Entry[] = [
  LOGS,
  DLQ,
  // The event source mapping reads the announcement queue, and that queue only (CDK's SqsEventSource grant).
  {
    actions: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
    resources: [/AnnouncementQueue[A-F0-9]{8}","Arn"/],
  },
  {
    sid: 'ReadState',
    actions: ['rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots', 'rds:DescribeAccountAttributes'],
    resources: 'unscoped',
    why: 'paginated list calls over the shared and manual snapshots of instances and clusters; RDS authorizes listing only on *',
  },
  { sid: 'CopyShippedSnapshotsAsOwnedCopies', actions: ['rds:CopyDBSnapshot'], resources: [/:rds:eu-west-1:111111111111:snapshot:failsafe-\*"/, /:rds:eu-west-1:222222222222:snapshot:vault-\*"/], conditionKeys: [OWNER_REQUEST_TAG] },
  {
    sid: 'CopyShippedClusterSnapshotsAsOwnedCopies',
    actions: ['rds:CopyDBClusterSnapshot'],
    resources: [/:rds:eu-west-1:111111111111:cluster-snapshot:failsafe-\*"/, /:rds:eu-west-1:222222222222:cluster-snapshot:vault-\*"/],
    conditionKeys: [OWNER_REQUEST_TAG],
  },
  { sid: 'TagCopiesOnCreation', actions: ['rds:AddTagsToResource'], resources: OWN('vault', true), conditionKeys: [OWNER_REQUEST_TAG, 'aws:TagKeys'] },
  NO_CLAIMING('vault', true),
  { sid: 'RecordOwnCopiesCompletedAndTheirSuccessors', actions: ['rds:AddTagsToResource'], resources: OWN('vault', true), conditionKeys: [OWNER_RESOURCE_TAG, 'aws:TagKeys'] },
  { sid: 'DeleteOwnCopiesOnly', actions: ['rds:DeleteDBSnapshot', 'rds:DeleteDBClusterSnapshot'], resources: OWN('vault', true), conditionKeys: [OWNER_RESOURCE_TAG] },
  // The vault key names the role in its key policy for its use; reading its CreationDate (the vault's epoch, key-epoch.ts)
  // is kms:DescribeKey on that key alone. The source accounts' keys, as the RDS User Guide gives.
  {
    sid: 'SourceUseOfTheKeyThroughRds',
    actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:RetireGrant'],
    resources: [/:kms:eu-west-1:111111111111:key\/\*"/],
    conditionKeys: ['kms:ViaService'],
  },
  {
    sid: 'SourceAttachmentOfPersistentResourcesThroughRds',
    actions: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
    resources: [/:kms:eu-west-1:111111111111:key\/\*"/],
    conditionKeys: ['kms:ViaService', 'kms:GrantIsForAWSResource'],
  },
];

/** Actions that change or reveal data, which must be scoped and, for RDS, conditioned on ownership. */
const DESTRUCTIVE_OR_SHARING = new Set(['rds:DeleteDBSnapshot', 'rds:ModifyDBSnapshotAttribute', 'rds:DeleteDBClusterSnapshot', 'rds:ModifyDBClusterSnapshotAttribute']);
const MUTATING = /^(rds:(Copy|Delete|Modify|AddTags|Restore|Create)|kms:(CreateGrant|Encrypt|Decrypt|ReEncrypt|GenerateDataKey)|sns:Publish|sqs:SendMessage|logs:(Create|Put))/;

function statementsOf(stack: Stack): any[] {
  return Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

function stacks() {
  const app = new App();
  const live = new Stack(app, 'Live', { env: { account: '111111111111', region: 'eu-west-1' } });
  const db = rds.DatabaseInstance.fromDatabaseInstanceAttributes(live, 'Db', {
    instanceIdentifier: 'orders', instanceEndpointAddress: 'x', port: 5432, securityGroups: [],
  });
  new RdsSnapshotShipper(live, 'Shipper', { vaultAccount: '222222222222', instances: [db] });
  const liveWithClusters = new Stack(app, 'LiveWithClusters', { env: { account: '111111111111', region: 'eu-west-1' } });
  const db2 = rds.DatabaseInstance.fromDatabaseInstanceAttributes(liveWithClusters, 'Db', {
    instanceIdentifier: 'orders', instanceEndpointAddress: 'x', port: 5432, securityGroups: [],
  });
  const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(liveWithClusters, 'Ledger', { clusterIdentifier: 'ledger' });
  new RdsSnapshotShipper(liveWithClusters, 'Shipper', { vaultAccount: '222222222222', instances: [db2], clusters: [cluster] });
  const failsafe = new Stack(app, 'Failsafe', { env: { account: '222222222222', region: 'eu-west-1' } });
  new RdsSnapshotVault(failsafe, 'Vault', { sources: [{ topicArn: 'arn:aws:sns:eu-west-1:111111111111:rds-failsafe-shipper' }] });
  return { live, liveWithClusters, failsafe };
}

describe.each([
  ['shipper', 'live', SHIPPER], ['shipper of instances and clusters', 'liveWithClusters', SHIPPER_WITH_CLUSTERS], ['vault', 'failsafe', VAULT],
] as const)('%s IAM statements', (_name, which, allowlist) => {
  const statements = statementsOf(stacks()[which]);
  type Keyed = { Sid?: string; sid?: string; Action?: unknown; actions?: string[] };
  const key = (s: Keyed) => s.Sid ?? s.sid ?? JSON.stringify([s.Action ?? s.actions].flat());

  test('every statement is on the allowlist, and every allowlist entry is there', () => {
    expect(statements.map((s) => key(s)).sort()).toEqual(allowlist.map((e) => key(e)).sort());
  });

  test.each(allowlist.map((e) => [key(e), e] as const))('%s: actions, scope and conditions match the allowlist', (_k, entry) => {
    const s = statements.find((x) => key(x) === key(entry));
    expect(s).toBeDefined();
    expect(s.Effect).toBe(entry.effect ?? 'Allow');
    expect([s.Action].flat()).toEqual(entry.actions);
    if (entry.resources === 'unscoped') {
      expect(s.Resource).toBe('*');
      expect(entry.why).toBeDefined();
      expect([s.Action].flat().every((a: string) => /^rds:Describe/.test(a))).toBe(true);
    } else {
      const resources = [s.Resource].flat().map((r) => JSON.stringify(r));
      expect(resources).toHaveLength(entry.resources.length);
      for (const pattern of entry.resources) expect(resources.some((r) => pattern.test(r))).toBe(true);
    }
    const conditionKeys = Object.values<Record<string, unknown>>(s.Condition ?? {}).flatMap((c) => Object.keys(c));
    for (const k of entry.conditionKeys ?? []) expect(conditionKeys).toContain(k);
  });

  test('destructive and sharing actions are scoped and conditioned on the ownership tag; nothing mutating is unscoped', () => {
    for (const s of statements) {
      const actions: string[] = [s.Action].flat();
      expect(actions).not.toContain('kms:*');
      expect(actions).not.toContain('iam:PassRole');
      // The RDS User Guide's policy for a shared encrypted snapshot names kms:ReEncrypt* and kms:GenerateDataKey*.
      expect(actions.some((a) => a.endsWith('*') && MUTATING.test(a.replace(/\*$/, '')) && !/^kms:(GenerateDataKey|ReEncrypt)/.test(a))).toBe(false);
      if (actions.some((a) => MUTATING.test(a))) expect(s.Resource).not.toBe('*');
      if (s.Effect === 'Deny') continue;
      if (actions.some((a) => DESTRUCTIVE_OR_SHARING.has(a))) {
        expect(JSON.stringify(s.Resource)).not.toMatch(/:(cluster-)?snapshot:\*"/);
        expect(s.Condition?.StringEquals?.[OWNER_RESOURCE_TAG]).toMatch(/^(shipper|vault)-/);
      }
    }
  });
});
