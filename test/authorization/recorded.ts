/**
 * The calls the handlers made in the emulator (test/emulator/recorder.py), as
 * the authorization requests AWS makes of them: one per resource the call is
 * authorized on, with the context keys AWS sets, and the KMS and Secrets
 * Manager requests RDS and SNS make with the caller's permissions (forward
 * access sessions).
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
  /** The AWS managed key aws/secretsmanager of an account and Region. */
  secretsManagerKeyOf(account: string, region: string): string;
}

const tagContext = (prefix: string, tags: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [`${prefix}/${k}`, v]));

/** Tags a request sets, as aws:RequestTag/* and aws:TagKeys. */
export function requestTagContext(tags: Record<string, string>): Record<string, string | string[]> {
  if (Object.keys(tags).length === 0) return {};
  return { ...tagContext('aws:RequestTag', tags), 'aws:TagKeys': Object.keys(tags) };
}

/** The tags a recorded call gives. */
const tagsOf = (params: { tags?: Array<{ key: string; value: string }> }): Record<string, string> =>
  Object.fromEntries((params.tags ?? []).map((t) => [t.key, t.value]));

/** The request tags of a recorded call. */
const requestTags = (params: { tags?: Array<{ key: string; value: string }> }) => requestTagContext(tagsOf(params));

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

/** What RDS knows of a resource when a call arrives: its tags, and a snapshot's key. */
interface Known {
  readonly tags: Record<string, string>;
  readonly key?: KeyFacts | null;
}

/**
 * The RDS resources of the recorded calls, as they stood at each call. The
 * recorder gives a snapshot as it was before each call that names it by a
 * parameter it reads, and that wins. DB instances and clusters, and a
 * snapshot named by a parameter it does not read (the SnapshotIdentifier of
 * RestoreDBClusterFromSnapshot), are followed here from the recorded calls
 * that created, tagged and deleted them: what the handlers did not create in
 * the recording is unknown, and a call on it an error of the model.
 */
class RdsState {
  private readonly known = new Map<string, Known>();

  /** The snapshots the recorder saw before the call. */
  public see(c: RecordedCall): void {
    for (const [param, f] of Object.entries(c.snapshots ?? {})) {
      // The recorder looks a resource_name up as a snapshot: for a DB instance or cluster it finds none.
      if (!f.exists || (param === 'resource_name' && f.arn !== c.params.resource_name)) continue;
      this.known.set(f.arn, { tags: { ...f.tags }, key: f.key });
    }
  }

  public of(arn: string, why: string): Known {
    const k = this.known.get(arn);
    if (!k) throw new Error(`${why}: no recorded call created ${arn}, so what IAM sees of it is unknown`);
    return k;
  }

  public create(arn: string, tags: Record<string, string>, key?: KeyFacts | null): void {
    this.known.set(arn, { tags: { ...tags }, key });
  }

  public tag(arn: string, tags: Record<string, string>): void {
    const k = this.known.get(arn);
    if (k) this.known.set(arn, { ...k, tags: { ...k.tags, ...tags } });
  }

  public remove(arn: string): void {
    this.known.delete(arn);
  }
}

/** The ARN of an RDS resource a call names by identifier or ARN, in the caller's account and Region. */
const rdsArn = (c: RecordedCall, kind: string, name: string) => (name.startsWith('arn:') ? name : `arn:aws:rds:${c.region}:${c.account}:${kind}:${name}`);

/** RDS's own name of a secret it manages (rds!db-<UUID>, rds!cluster-<UUID>), with the restore's identifier for the UUID. */
const managedSecretArn = (c: RecordedCall, kind: 'db' | 'cluster', identifier: string) =>
  `arn:aws:secretsmanager:${c.region}:${c.account}:secret:rds!${kind}-${identifier}`;

/**
 * The requests of turning on a managed master user password: RDS creates the
 * secret in Secrets Manager with the caller's permissions (RDS User Guide,
 * "Permissions required for Secrets Manager integration": "kms:DescribeKey,
 * secretsmanager:CreateSecret, secretsmanager:TagResource"), under the AWS
 * managed key aws/secretsmanager unless told another.
 */
function managedSecretRequests(c: RecordedCall, principal: string, b: CallBindings, kind: 'db' | 'cluster', identifier: string, why: string): AuthzRequest[] {
  const secret = managedSecretArn(c, kind, identifier);
  const via = { 'kms:ViaService': `rds.${c.region}.amazonaws.com`, 'kms:CallerAccount': c.account };
  return [
    { why: `${why}: RDS creates the secret of the master user password`, principal, action: 'secretsmanager:CreateSecret', resource: secret },
    { why: `${why}: RDS tags the secret with the ${kind === 'db' ? 'instance' : 'cluster'}`, principal, action: 'secretsmanager:TagResource', resource: secret },
    {
      why: `${why}: RDS describes the aws/secretsmanager key`,
      principal,
      action: 'kms:DescribeKey',
      resource: b.secretsManagerKeyOf(c.account, c.region),
      context: { ...via, 'kms:ResourceAliases': ['alias/aws/secretsmanager'] },
    },
  ];
}

function rdsRequests(c: RecordedCall, principal: string, b: CallBindings, state: RdsState): AuthzRequest[] {
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
    case 'CreateDBSnapshot':
    case 'CreateDBClusterSnapshot': {
      // Service Authorization Reference, Amazon RDS: CreateDBSnapshot is authorized on the DB instance (db) and the new
      // snapshot (snapshot), CreateDBClusterSnapshot on the cluster and the new cluster-snapshot, each with the request's
      // tags; tags given on creation are authorized as rds:AddTagsToResource on the new snapshot, as for a copy. RDS takes
      // the snapshot under the database's own key, with the grant it holds for the database: the model asks no KMS
      // permission of the caller (the RDS User Guide documents none for taking a snapshot).
      const cluster = c.action === 'CreateDBClusterSnapshot';
      const database = rdsArn(c, cluster ? 'cluster' : 'db', c.params[cluster ? 'db_cluster_identifier' : 'db_instance_identifier']);
      const target = s[cluster ? 'db_cluster_snapshot_identifier' : 'db_snapshot_identifier'];
      const tags = requestTags(c.params);
      return [
        on(database, tags),
        on(target.arn, tags),
        { why: `${why}: tags on creation`, principal, action: 'rds:AddTagsToResource', resource: target.arn, context: tags },
      ];
    }
    case 'DeleteDBSnapshot':
    case 'ModifyDBSnapshotAttribute':
    case 'DeleteDBClusterSnapshot':
    case 'ModifyDBClusterSnapshotAttribute': {
      const f = s.db_snapshot_identifier ?? s.db_cluster_snapshot_identifier;
      return [on(f.arn, resourceTags(f))];
    }
    case 'AddTagsToResource': {
      const arn: string = c.params.resource_name;
      const f = s.resource_name;
      // A snapshot as the recorder saw it; a DB instance or cluster as followed.
      const current = f?.arn === arn ? f.tags : state.of(arn, why).tags;
      return [on(arn, { ...requestTags(c.params), ...tagContext('aws:ResourceTag', current) })];
    }
    case 'RestoreDBInstanceFromDBSnapshot':
    case 'RestoreDBClusterFromSnapshot':
      return restoreRequests(c, principal, b, state, on);
    case 'CreateDBInstance': {
      const tags = requestTags(c.params);
      const request = { ...tags, ...instanceSettings(c.params) };
      const db = rdsArn(c, 'db', c.params.db_instance_identifier);
      // An instance added to a cluster is authorized on the cluster too (Service Authorization Reference: CreateDBInstance, cluster).
      const cluster = c.params.db_cluster_identifier ? rdsArn(c, 'cluster', c.params.db_cluster_identifier) : undefined;
      return [
        on(db, request),
        ...(cluster ? [on(cluster, { ...request, ...tagContext('aws:ResourceTag', state.of(cluster, why).tags) })] : []),
        { why: `${why}: tags on creation`, principal, action: 'rds:AddTagsToResource', resource: db, context: tags },
        ...(c.params.manage_master_user_password ? managedSecretRequests(c, principal, b, 'db', c.params.db_instance_identifier, why) : []),
      ];
    }
    case 'ModifyDBInstance':
    case 'ModifyDBCluster': {
      const kind = c.action === 'ModifyDBCluster' ? 'cluster' : 'db';
      const identifier: string = c.params[kind === 'db' ? 'db_instance_identifier' : 'db_cluster_identifier'];
      // Other settings are authorized on more resources (the groups they name): the model knows only what the drill changes.
      const unknown = Object.keys(c.params).filter((k) => !['db_instance_identifier', 'db_cluster_identifier', 'apply_immediately', 'manage_master_user_password'].includes(k));
      if (unknown.length > 0) throw new Error(`${why}: a modification of ${unknown.join(', ')}, which the authorization model does not know`);
      const manage = c.params.manage_master_user_password;
      const arn = rdsArn(c, kind, identifier);
      return [
        on(arn, { ...tagContext('aws:ResourceTag', state.of(arn, why).tags), ...(manage === undefined ? {} : { 'rds:ManageMasterUserPassword': String(manage) }) }),
        ...(manage ? managedSecretRequests(c, principal, b, kind, identifier, why) : []),
      ];
    }
    case 'DeleteDBInstance': {
      // A final snapshot also needs rds:CreateDBSnapshot (since August 2024): not modelled, as no handler takes one.
      if (!c.params.skip_final_snapshot) throw new Error(`${why}: a deletion with a final snapshot, which the authorization model does not know`);
      const arn = rdsArn(c, 'db', c.params.db_instance_identifier);
      return [on(arn, tagContext('aws:ResourceTag', state.of(arn, why).tags))];
    }
    case 'DeleteDBCluster': {
      if (!c.params.skip_final_snapshot) throw new Error(`${why}: a deletion with a final snapshot, which the authorization model does not know`);
      const arn = rdsArn(c, 'cluster', c.params.db_cluster_identifier);
      // The Service Authorization Reference lists DeleteDBCluster on a
      // cluster-snapshot too, as required: the final snapshot. Which ARN AWS
      // checks when the call skips it and names none is not documented; the
      // model assumes the cluster's own identifier, as a policy can only
      // anticipate that (the drill's DeleteOwnDrillClustersWithoutFinalSnapshot).
      return [
        on(arn, tagContext('aws:ResourceTag', state.of(arn, why).tags)),
        { ...on(rdsArn(c, 'cluster-snapshot', c.params.db_cluster_identifier)), why: `${why}: the final snapshot it skips (assumed named as the cluster)` },
      ];
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

/**
 * The settings of a new DB instance that IAM can condition on, where the call
 * sets them: rds:PubliclyAccessible and rds:ManageMasterUserPassword
 * (RestoreDBInstanceFromDBSnapshot and CreateDBInstance; a cluster restore
 * has neither key).
 */
const instanceSettings = (params: any): Record<string, string> => ({
  ...(params.publicly_accessible === undefined ? {} : { 'rds:PubliclyAccessible': String(params.publicly_accessible) }),
  ...(params.manage_master_user_password === undefined ? {} : { 'rds:ManageMasterUserPassword': String(params.manage_master_user_password) }),
});

/** A request of the call being turned into requests, on a resource. */
type On = (resource: string, context?: Record<string, string | string[]>) => AuthzRequest;

/**
 * A restore, authorized (Service Authorization Reference, Amazon RDS) on the
 * snapshot it reads and on what it creates and uses: RestoreDBInstanceFromDBSnapshot
 * on the new instance (db), its option group (og), parameter group (pg) and
 * subnet group (subgrp); RestoreDBClusterFromSnapshot on the new cluster,
 * its cluster parameter group (cluster-pg), option group and subnet group.
 */
function restoreRequests(c: RecordedCall, principal: string, b: CallBindings, state: RdsState, on: On): AuthzRequest[] {
  const why = `${c.caller} ${c.action}`;
  const cluster = c.action === 'RestoreDBClusterFromSnapshot';
  const target = cluster ? rdsArn(c, 'cluster', c.params.db_cluster_identifier) : rdsArn(c, 'db', c.params.db_instance_identifier);
  // The recorder reads DBSnapshotIdentifier, not the cluster restore's SnapshotIdentifier: that copy was followed from the vault's calls.
  const fact = c.snapshots?.db_snapshot_identifier;
  const snapshotArn = cluster ? rdsArn(c, 'cluster-snapshot', c.params.snapshot_identifier) : fact!.arn;
  const snapshot: Known = !cluster && fact?.exists ? { tags: fact.tags ?? {}, key: fact.key } : state.of(snapshotArn, why);
  const tags = requestTags(c.params);
  const request = { ...tags, ...(cluster ? {} : instanceSettings(c.params)) };
  // RDS picks the default option and parameter groups of the snapshot's engine
  // and major version, which the call does not name; the subnet group is the
  // one it names.
  const groups = cluster ? ['cluster-pg:default', 'og:default'] : ['og:default', 'pg:default'];
  const out: AuthzRequest[] = [
    on(target, request),
    on(snapshotArn, { ...request, ...tagContext('aws:ResourceTag', snapshot.tags) }),
    ...[...groups, `subgrp:${c.params.db_subnet_group_name ?? 'default'}`].map((g) => on(rdsArn(c, g.split(':')[0], g.split(':')[1]), request)),
    { why: `${why}: tags on creation`, principal, action: 'rds:AddTagsToResource', resource: target, context: tags },
  ];
  // An instance restore keeps the snapshot's key; a cluster restore names one, or keeps it too.
  if (snapshot.key) out.push(...rdsKeyRequests(principal, b.keyArn(snapshot.key, c.account, c.region), c.region, c.account, `${why}: RDS reads the snapshot under its key`));
  if (c.params.kms_key_id) out.push(...rdsKeyRequests(principal, c.params.kms_key_id, c.region, c.account, `${why}: encrypts the restore under KmsKeyId`));
  if (c.params.manage_master_user_password) {
    out.push(...managedSecretRequests(c, principal, b, cluster ? 'cluster' : 'db', cluster ? c.params.db_cluster_identifier : c.params.db_instance_identifier, why));
  }
  return out;
}

/** What the recorded calls did to what IAM sees next: resources created, tagged and deleted. */
function follow(c: RecordedCall, state: RdsState): void {
  const p = c.params;
  const key = p.kms_key_id ? { id: p.kms_key_id, manager: 'unknown' as const } : undefined;
  switch (c.action) {
    case 'CopyDBSnapshot':
    case 'CopyDBClusterSnapshot': {
      const cluster = c.action === 'CopyDBClusterSnapshot';
      const source = c.snapshots?.[cluster ? 'source_db_cluster_snapshot_identifier' : 'source_db_snapshot_identifier'];
      const target = c.snapshots?.[cluster ? 'target_db_cluster_snapshot_identifier' : 'target_db_snapshot_identifier'];
      if (target) state.create(target.arn, tagsOf(p), key ?? source?.key);
      return;
    }
    case 'CreateDBSnapshot': return state.create(rdsArn(c, 'snapshot', p.db_snapshot_identifier), tagsOf(p));
    case 'CreateDBClusterSnapshot': return state.create(rdsArn(c, 'cluster-snapshot', p.db_cluster_snapshot_identifier), tagsOf(p));
    case 'RestoreDBInstanceFromDBSnapshot': return state.create(rdsArn(c, 'db', p.db_instance_identifier), tagsOf(p));
    case 'RestoreDBClusterFromSnapshot': return state.create(rdsArn(c, 'cluster', p.db_cluster_identifier), tagsOf(p));
    case 'CreateDBInstance': return state.create(rdsArn(c, 'db', p.db_instance_identifier), tagsOf(p));
    case 'AddTagsToResource': return state.tag(p.resource_name, tagsOf(p));
    case 'DeleteDBInstance': return state.remove(rdsArn(c, 'db', p.db_instance_identifier));
    case 'DeleteDBCluster': return state.remove(rdsArn(c, 'cluster', p.db_cluster_identifier));
    case 'DeleteDBSnapshot': return state.remove(rdsArn(c, 'snapshot', p.db_snapshot_identifier));
    case 'DeleteDBClusterSnapshot': return state.remove(rdsArn(c, 'cluster-snapshot', p.db_cluster_snapshot_identifier));
    default: return;
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

/**
 * A handler reads the CreationDate of its own key, its epoch (key-epoch.ts):
 * DescribeKey, called by the role itself, not through RDS. moto's recorder
 * gives the JSON body of a KMS call as the one parameter name.
 */
function kmsRequests(c: RecordedCall, principal: string): AuthzRequest[] {
  if (c.action !== 'DescribeKey') throw new Error(`${c.caller} ${c.action}: a KMS call the authorization model does not know`);
  const body = Object.keys(c.params ?? {}).find((k) => k.startsWith('{'));
  const keyId: string | undefined = c.params?.KeyId ?? (body ? JSON.parse(body).KeyId : undefined);
  if (!keyId?.startsWith('arn:')) throw new Error(`${c.caller} DescribeKey names no key ARN: ${JSON.stringify(c.params)}`);
  return [{ why: `${c.caller} reads the CreationDate of ${keyId}, its epoch`, principal, action: 'kms:DescribeKey', resource: keyId, context: { 'kms:CallerAccount': c.account } }];
}

/** The drill's calls of its validation function. */
function lambdaRequests(c: RecordedCall, principal: string): AuthzRequest[] {
  if (c.action !== 'Invoke') throw new Error(`${c.caller} ${c.action}: a Lambda call the authorization model does not know`);
  const fn: string = c.params.FunctionName;
  const arn = fn.startsWith('arn:') ? fn : `arn:aws:lambda:${c.region}:${c.account}:function:${fn}`;
  return [{ why: `${c.caller} invokes ${arn}`, principal, action: 'lambda:InvokeFunction', resource: arn }];
}

/**
 * A validation function reads the secret it was given. Secrets Manager
 * decrypts it under aws/secretsmanager for the caller, which that key's
 * policy allows any principal of the account through Secrets Manager.
 */
function secretsManagerRequests(c: RecordedCall, principal: string, b: CallBindings): AuthzRequest[] {
  if (c.action !== 'GetSecretValue') throw new Error(`${c.caller} ${c.action}: a Secrets Manager call the authorization model does not know`);
  const secret: string = c.params.SecretId;
  const tags: Record<string, string> = c.params.ResourceTags ?? {};
  return [
    {
      why: `${c.caller} reads ${secret}`,
      principal,
      action: 'secretsmanager:GetSecretValue',
      resource: secret,
      // secretsmanager:ResourceTag/<key> is evaluated as aws:ResourceTag/<key> (evaluate.ts).
      context: tagContext('aws:ResourceTag', tags),
    },
    {
      why: `${c.caller} reads ${secret}: Secrets Manager decrypts it`,
      principal,
      action: 'kms:Decrypt',
      resource: b.secretsManagerKeyOf(c.account, c.region),
      context: { 'kms:ViaService': `secretsmanager.${c.region}.amazonaws.com`, 'kms:CallerAccount': c.account },
    },
  ];
}

/** What the stand-in Lambda endpoint (test/emulator/validator.ts) received: a validation request, to the function it named. */
export interface ReceivedValidation {
  readonly functionName: string;
  readonly request: { readonly restoredIdentifier: string; readonly snapshotArn: string; readonly secretArn: string };
}

/**
 * The validation calls of a restore drill, as calls: the stand-in Lambda
 * endpoint is not the emulator, whose recorder does not see them. Each is the
 * drill's Invoke of the function, and the function's read of the secret it
 * was given, which RDS tags with the ARN of its instance or cluster (RDS User
 * Guide, "Viewing the details about a secret for a DB instance").
 */
export function callsOfValidations(received: readonly ReceivedValidation[], account: string, region: string): RecordedCall[] {
  return received.flatMap((v) => {
    const cluster = v.request.snapshotArn.includes(':cluster-snapshot:');
    const restored = `arn:aws:rds:${region}:${account}:${cluster ? 'cluster' : 'db'}:${v.request.restoredIdentifier}`;
    const tags = { [cluster ? 'aws:rds:primaryDBClusterArn' : 'aws:rds:primaryDBInstanceArn']: restored, 'aws:secretsmanager:owningService': 'rds' };
    return [
      { caller: 'drill', account, region, service: 'lambda', action: 'Invoke', params: { FunctionName: v.functionName } },
      { caller: 'validation', account, region, service: 'secretsmanager', action: 'GetSecretValue', params: { SecretId: v.request.secretArn, ResourceTags: tags } },
    ];
  });
}

/** Every authorization request of the recorded calls, each distinct request once. */
export function requestsOfCalls(calls: readonly RecordedCall[], b: CallBindings): AuthzRequest[] {
  const out = new Map<string, AuthzRequest>();
  const state = new RdsState();
  for (const c of calls) {
    const principal = b.roleOf(c.caller, c.account);
    if (c.service === 'rds') state.see(c);
    const requests = c.service === 'rds' ? rdsRequests(c, principal, b, state)
      : c.service === 'sns' ? snsRequests(c, principal, b)
        : c.service === 'lambda' ? lambdaRequests(c, principal)
          : c.service === 'secretsmanager' ? secretsManagerRequests(c, principal, b)
            : c.service === 'kms' ? kmsRequests(c, principal) : undefined;
    if (!requests) throw new Error(`${c.caller} called ${c.service}, which the authorization model does not know`);
    if (c.service === 'rds') follow(c, state);
    for (const r of requests) {
      const key = JSON.stringify([r.principal, r.action, r.resource, r.context, r.sharedWith]);
      if (!out.has(key)) out.set(key, r);
    }
  }
  return [...out.values()];
}
