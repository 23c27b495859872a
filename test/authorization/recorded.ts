/**
 * The calls the handlers made in the emulator (test/emulator/recorder.py), as
 * the authorization requests AWS makes of them: one per resource the call is
 * authorized on, with the context keys AWS sets, and the KMS requests RDS and
 * SNS make with the caller's permissions (forward access sessions).
 */
import * as fs from 'node:fs';
import { AuthzRequest } from './evaluate';

export interface KeyFacts {
  readonly id: string;
  readonly manager: 'AWS' | 'CUSTOMER' | 'unknown';
}

export interface SnapshotFacts {
  readonly arn: string;
  readonly exists: boolean;
  readonly tags?: Record<string, string>;
  readonly key?: KeyFacts | null;
  readonly sharedWith?: string[];
}

export interface RecordedCall {
  readonly caller: string;
  readonly account: string;
  readonly region: string;
  readonly service: string;
  readonly action: string;
  readonly params: any;
  readonly snapshots?: Record<string, SnapshotFacts>;
}

export function readRecording(file: string): RecordedCall[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

/** Where the world around the calls is bound: the caller's role, and what the placeholder of an AWS managed key stands for. */
export interface CallBindings {
  /** The role of the handler that made the call, by handler and account. */
  roleOf(caller: string, account: string): string;
  /** The ARN of a key as the policies know it (moto names the AWS managed key aws/rds with a placeholder). */
  keyArn(key: KeyFacts, account: string, region: string): string;
  /** The KMS key of an SNS topic, if it is encrypted. */
  topicKeyOf(topicArn: string): string | undefined;
}

const tagContext = (prefix: string, tags: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [`${prefix}/${k}`, v]));

/** Tags a request sets, as aws:RequestTag/* and aws:TagKeys. */
export function requestTagContext(tags: Record<string, string>): Record<string, string | string[]> {
  if (Object.keys(tags).length === 0) return {};
  return { ...tagContext('aws:RequestTag', tags), 'aws:TagKeys': Object.keys(tags) };
}

/** The request tags of a recorded call. */
const requestTags = (params: { tags?: Array<{ key: string; value: string }> }) =>
  requestTagContext(Object.fromEntries((params.tags ?? []).map((t) => [t.key, t.value])));

const resourceTags = (s: SnapshotFacts | undefined) => tagContext('aws:ResourceTag', s?.tags);

/** The requests RDS makes of KMS with the caller's permissions when it creates a resource under a key, or reads one. */
function rdsKeyRequests(principal: string, keyArn: string, region: string, account: string, why: string): AuthzRequest[] {
  // RDS User Guide, "AWS KMS key management": "To create an RDS resource using
  // a customer managed key, a user must have permissions to call the following
  // operations on the customer managed key: kms:CreateGrant, kms:DescribeKey".
  // RDS makes them for the caller (forward access sessions): kms:ViaService
  // and kms:CallerAccount are set, and the grant is for an AWS resource.
  const via = { 'kms:ViaService': `rds.${region}.amazonaws.com`, 'kms:CallerAccount': account };
  return [
    { why: `${why}: RDS describes the key`, principal, action: 'kms:DescribeKey', resource: keyArn, context: via },
    { why: `${why}: RDS creates a grant on the key`, principal, action: 'kms:CreateGrant', resource: keyArn, context: { ...via, 'kms:GrantIsForAWSResource': 'true' } },
  ];
}

function rdsRequests(c: RecordedCall, principal: string, b: CallBindings): AuthzRequest[] {
  const why = `${c.caller} ${c.action}`;
  const s = c.snapshots ?? {};
  const on = (resource: string, context: Record<string, string | string[]> = {}, extra: Partial<AuthzRequest> = {}): AuthzRequest => ({
    why: `${why} on ${resource}`, principal, action: `rds:${c.action}`, resource, context, ...extra,
  });
  const shared = (f: SnapshotFacts) => (f.arn.split(':')[4] !== c.account ? { sharedWith: f.sharedWith ?? [] } : {});
  switch (c.action) {
    case 'CopyDBSnapshot':
    case 'CopyDBClusterSnapshot': {
      const cluster = c.action === 'CopyDBClusterSnapshot';
      const source = s[cluster ? 'source_db_cluster_snapshot_identifier' : 'source_db_snapshot_identifier'];
      const target = s[cluster ? 'target_db_cluster_snapshot_identifier' : 'target_db_snapshot_identifier'];
      const tags = requestTags(c.params);
      const out = [
        // The copy is authorized on the snapshot it reads and on the one it creates.
        on(source.arn, { ...tags, ...resourceTags(source) }, shared(source)),
        on(target.arn, tags),
        // Tags given on creation are authorized as rds:AddTagsToResource on the
        // new snapshot (Service Authorization Reference, Amazon RDS: the
        // condition key rds:TagsFromRequest of AddTagsToResource).
        { why: `${why}: tags on creation`, principal, action: 'rds:AddTagsToResource', resource: target.arn, context: tags },
      ];
      if (source.key) {
        const [, , , sourceRegion, sourceAccount] = source.arn.split(':');
        const key = b.keyArn(source.key, sourceAccount, sourceRegion);
        // Which Region's RDS uses the source key of a copy across Regions is not
        // documented. It is the source's: RDS copies snapshots encrypted with
        // the AWS managed key aws/rds across Regions, and AWS writes that key's
        // policy to allow its use through RDS in its own Region only
        // (kms:ViaService rds.<its Region>.amazonaws.com).
        out.push(...rdsKeyRequests(principal, key, sourceRegion, c.account, `${why}: RDS in ${sourceRegion} reads the source under its key`));
      }
      if (c.params.kms_key_id) out.push(...rdsKeyRequests(principal, c.params.kms_key_id, c.region, c.account, `${why}: encrypts the copy under KmsKeyId`));
      return out;
    }
    case 'DeleteDBSnapshot':
    case 'ModifyDBSnapshotAttribute':
    case 'DeleteDBClusterSnapshot':
    case 'ModifyDBClusterSnapshotAttribute': {
      const f = s.db_snapshot_identifier ?? s.db_cluster_snapshot_identifier;
      return [on(f.arn, resourceTags(f))];
    }
    case 'AddTagsToResource': {
      const f = s.resource_name;
      return [on(f.arn, { ...requestTags(c.params), ...resourceTags(f) })];
    }
    case 'DescribeDBSnapshots':
    case 'DescribeDBClusterSnapshots': {
      const f = s.db_snapshot_identifier ?? s.db_cluster_snapshot_identifier;
      return [f ? on(f.arn, resourceTags(f), shared(f)) : on('*')];
    }
    case 'DescribeDBInstances':
    case 'DescribeDBClusters':
    case 'DescribeOptionGroups':
    case 'DescribeAccountAttributes':
      return [on('*')];
    default:
      throw new Error(`${why}: an RDS call the authorization model does not know`);
  }
}

function snsRequests(c: RecordedCall, principal: string, b: CallBindings): AuthzRequest[] {
  if (c.action !== 'Publish') throw new Error(`${c.caller} ${c.action}: an SNS call the authorization model does not know`);
  const topic = c.params.TopicArn;
  const out: AuthzRequest[] = [{ why: `${c.caller} publishes on ${topic}`, principal, action: 'sns:Publish', resource: topic }];
  const key = b.topicKeyOf(topic);
  // SNS Developer Guide, "Key management": "The publisher must have the
  // kms:GenerateDataKey and kms:Decrypt permissions for the AWS KMS key."
  const via = { 'kms:ViaService': `sns.${c.region}.amazonaws.com`, 'kms:CallerAccount': c.account };
  if (key) {
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      out.push({ why: `${c.caller} publishes on an encrypted topic: SNS calls ${action}`, principal, action, resource: key, context: via });
    }
  }
  return out;
}

/** Every authorization request of the recorded calls, each distinct request once. */
export function requestsOfCalls(calls: readonly RecordedCall[], b: CallBindings): AuthzRequest[] {
  const out = new Map<string, AuthzRequest>();
  for (const c of calls) {
    const principal = b.roleOf(c.caller, c.account);
    const requests = c.service === 'rds' ? rdsRequests(c, principal, b) : c.service === 'sns' ? snsRequests(c, principal, b) : undefined;
    if (!requests) throw new Error(`${c.caller} called ${c.service}, which the authorization model does not know`);
    for (const r of requests) {
      const key = JSON.stringify([r.principal, r.action, r.resource, r.context, r.sharedWith]);
      if (!out.has(key)) out.set(key, r);
    }
  }
  return [...out.values()];
}
