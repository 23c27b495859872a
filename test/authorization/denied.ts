/**
 * What must be denied: each case is a request that an attacker, a bug or a
 * mistake would make, with the guard that denies it. Where the denial is
 * owed to one guard (a condition, the SCP), the case has a control: the
 * nearest request that is allowed, so that a case cannot pass because the
 * request was malformed.
 */
import { Stack, aws_kms as kms, aws_lambda as lambda } from 'aws-cdk-lib';
import { DrillStacks } from './drill-world';
import { AuthzRequest } from './evaluate';
import { Policy } from './policies';
import { requestTagContext } from './recorded';
import { deployerOf } from './services';
import { adminOf, awsSecretsManagerKeyOf, BREAK_GLASS, failsafeKeyIn, guideKeyIn, OTHER, otherKeyIn, World } from './world';
import { RdsRestoreDrill, RdsSnapshotShipper, RdsSnapshotVault } from '../../src';
import { drillPrefix } from '../../src/runtime/drill-records';
import { DRILL_RECORD_TAG_KEYS, DrillTagKeys, TagKeys } from '../../src/runtime/tags';

export interface DeniedCase {
  readonly request: AuthzRequest;
  /** The allowed request it differs from only by what the guard denies. */
  readonly control?: AuthzRequest;
  /** The case is evaluated with the vault's SCP on the Failsafe account, and its control too unless `controlWithoutScp`. */
  readonly underScp?: boolean;
  /** The control is the same request, allowed where the SCP is not attached. */
  readonly controlWithoutScp?: boolean;
  /**
   * Policies that are not the constructs' but that a mistake could add (a
   * statement widening a role): the case and its control are evaluated with
   * them, so that a guard meant to hold whatever the role's own policy says
   * (the SCP) is shown to hold.
   */
  readonly alsoAttached?: readonly Policy[];
}

const OWNER = `aws:ResourceTag/${TagKeys.OWNER}`;
const snapshotArn = (region: string, account: string, name: string) => `arn:aws:rds:${region}:${account}:snapshot:${name}`;
const clusterSnapshotArn = (region: string, account: string, name: string) => `arn:aws:rds:${region}:${account}:cluster-snapshot:${name}`;
const viaRds = (account: string, region: string) => ({ 'kms:ViaService': `rds.${region}.amazonaws.com`, 'kms:CallerAccount': account });

/** The cases for a shipper (in its account and Region) and the vault (in its own). */
export type CaseStacks = Pick<DrillStacks, 'shipper' | 'vault'> & {
  readonly databaseKey?: kms.IKey;
  /** A database the shipper selects. @default 'orders' */
  readonly database?: string;
};

/** A request that the Failsafe administrator may not make under the SCP, with its two controls: break-glass may, and without the SCP the administrator may. */
function adminUnderScp(failsafe: string, why: string, action: string, resource: string, context: AuthzRequest['context'] = {}): DeniedCase[] {
  const request: AuthzRequest = { why: `the Failsafe administrator ${why}`, principal: adminOf(failsafe), action, resource, context };
  return [
    { underScp: true, request, control: { ...request, why: `break-glass ${why}`, principal: BREAK_GLASS } },
    { underScp: true, request, controlWithoutScp: true },
  ];
}

export function deniedCases(world: World, s: CaseStacks): DeniedCase[] {
  const { account: LIVE, region: LIVE_REGION } = Stack.of(s.shipper);
  const { account: FAILSAFE, region: VAULT_REGION } = Stack.of(s.vault);
  const liveSnapshot = (name: string) => snapshotArn(LIVE_REGION, LIVE, name);
  // The databases, and so their automated snapshots, are in the shipper's
  // source Region: its own, or another it copies out of (sourceRegion).
  const DATABASE_REGION = s.shipper.databaseRegion;
  const automatedSnapshot = (name: string) => snapshotArn(DATABASE_REGION, LIVE, name);
  // A shipping key of the source from outside its stack, whose key policy follows the RDS User Guide's example.
  const guideKey = guideKeyIn(LIVE, LIVE_REGION);
  const elsewhere = [LIVE_REGION, DATABASE_REGION].includes('us-west-2') ? 'ap-south-1' : 'us-west-2';
  const vaultSnapshot = (name: string) => snapshotArn(VAULT_REGION, FAILSAFE, name);
  const liveVia = viaRds(LIVE, LIVE_REGION);
  const vaultVia = viaRds(FAILSAFE, VAULT_REGION);
  const shipperRole: string = world.resolve(s.shipper, s.shipper.role.roleArn);
  const vaultRole: string = world.resolve(s.vault, s.vault.role.roleArn);
  const vaultKey: string = world.resolve(s.vault, s.vault.vaultKey.keyArn);
  const shippingKey: string = world.resolve(s.shipper, s.shipper.shippingKey.keyArn);
  const vaultFunction: string = world.resolve(s.vault, s.vault.reconcileFunction.functionArn);
  const topic: string = world.resolve(s.shipper, s.shipper.topic.topicArn);
  const queue: string = world.resolve(s.vault, s.vault.announcementQueue.queueArn);
  const vaultDlq: string = world.resolve(s.vault, s.vault.deadLetterQueue.queueArn);
  const shipperDlq: string = world.resolve(s.shipper, s.shipper.deadLetterQueue.queueArn);
  const shipperFunction: string = world.resolve(s.shipper, s.shipper.reconcileFunction.functionArn);
  const topicKey: string = world.resolve(s.shipper, s.shipper.topicKey!.keyArn);
  const databaseKey: string | undefined = s.databaseKey ? world.resolve(s.shipper, s.databaseKey.keyArn) : undefined;
  const shipperOwned = { [OWNER]: s.shipper.ownerId };
  const vaultOwned = { [OWNER]: s.vault.ownerId };
  const vaultCopy = vaultSnapshot(`vault-${LIVE}-${LIVE_REGION}-failsafe-orders-20261124-210941`);
  const vaultClusterCopy = clusterSnapshotArn(VAULT_REGION, FAILSAFE, 'vault-ledger-20261124-210941-4b5b2bb600');
  const shippedCopy = liveSnapshot('failsafe-orders-20261124-210941');
  const shipperCopyTags = { [TagKeys.OWNER]: s.shipper.ownerId, [TagKeys.SOURCE_DATABASE]: 'orders' };
  const vaultCopyTags = { [TagKeys.OWNER]: s.vault.ownerId, [TagKeys.SOURCE_ACCOUNT]: LIVE };
  type Context = AuthzRequest['context'];
  const r = (
    why: string, principal: string, action: string, resource: string, context: Context = {}, extra: Partial<AuthzRequest> = {},
  ): AuthzRequest => ({
    why, principal, action, resource, context, ...extra,
  });

  const live: DeniedCase[] = [adminOf(LIVE), shipperRole].flatMap((who) => [
    { request: r(`${who} deletes a vault copy`, who, 'rds:DeleteDBSnapshot', vaultCopy, vaultOwned) },
    { request: r(`${who} deletes a vault cluster copy`, who, 'rds:DeleteDBClusterSnapshot', vaultClusterCopy, vaultOwned) },
    { request: r(`${who} re-tags a vault copy`, who, 'rds:AddTagsToResource', vaultCopy, { ...vaultOwned, ...requestTagContext({ [TagKeys.OWNER]: 'attacker' }) }) },
    { request: r(`${who} removes a vault copy's tags`, who, 'rds:RemoveTagsFromResource', vaultCopy, { ...vaultOwned, 'aws:TagKeys': [TagKeys.OWNER] }) },
    { request: r(`${who} shares a vault copy`, who, 'rds:ModifyDBSnapshotAttribute', vaultCopy, vaultOwned) },
    { request: r(`${who} copies a vault copy out`, who, 'rds:CopyDBSnapshot', vaultCopy, vaultOwned) },
    ...['kms:Decrypt', 'kms:ReEncryptFrom', 'kms:DescribeKey'].map((action) => ({ request: r(`${who} uses the vault key (${action}) through RDS`, who, action, vaultKey, liveVia) })),
    { request: r(`${who} has RDS take a grant on the vault key`, who, 'kms:CreateGrant', vaultKey, { ...liveVia, 'kms:GrantIsForAWSResource': 'true' }) },
    { request: r(`${who} schedules the deletion of the vault key`, who, 'kms:ScheduleKeyDeletion', vaultKey) },
  ]);

  const databaseKeyCases = (key: string): DeniedCase[] => [
    ...[
      ['describes', 'kms:DescribeKey', {}],
      ['takes a grant on', 'kms:CreateGrant', { 'kms:GrantIsForAWSResource': 'true' }],
    ].map(([what, action, extra]) => ({
      request: r(`the shipper ${what} the databases' key itself, not through RDS`, shipperRole, action as string, key, extra as Record<string, string>),
      control: r(`the shipper has RDS use the databases' key (${action})`, shipperRole, action as string, key, { ...liveVia, ...extra as Record<string, string> }),
    })),
    {
      request: r('the shipper has RDS in a Region that is neither its own nor its databases\' take a grant on the databases\' key', shipperRole, 'kms:CreateGrant', key,
        { ...viaRds(LIVE, elsewhere), 'kms:GrantIsForAWSResource': 'true' }),
      control: r('the shipper has RDS in its databases\' Region take a grant on their key', shipperRole, 'kms:CreateGrant', key,
        { ...viaRds(LIVE, DATABASE_REGION), 'kms:GrantIsForAWSResource': 'true' }),
    },
    {
      request: r('the shipper takes a grant on the databases\' key through RDS, but not for an AWS resource', shipperRole, 'kms:CreateGrant', key,
        { ...liveVia, 'kms:GrantIsForAWSResource': 'false' }),
      control: r('the shipper has RDS take a grant on the databases\' key', shipperRole, 'kms:CreateGrant', key, { ...liveVia, 'kms:GrantIsForAWSResource': 'true' }),
    },
  ];

  const shipper: DeniedCase[] = [
    { request: r('the shipper deletes a snapshot outside its name prefix', shipperRole, 'rds:DeleteDBSnapshot', liveSnapshot('before-migration'), shipperOwned) },
    {
      request: r('the shipper deletes a snapshot named as its copy but with no owner tag', shipperRole, 'rds:DeleteDBSnapshot', liveSnapshot('failsafe-imported')),
      control: r('the shipper deletes its own copy', shipperRole, 'rds:DeleteDBSnapshot', liveSnapshot('failsafe-imported'), shipperOwned),
    },
    {
      request: r('the shipper deletes a copy of another shipper', shipperRole, 'rds:DeleteDBSnapshot', shippedCopy, { [OWNER]: 'shipper-other' }),
      control: r('the shipper deletes its own copy', shipperRole, 'rds:DeleteDBSnapshot', shippedCopy, shipperOwned),
    },
    { request: r('the shipper deletes an automated snapshot', shipperRole, 'rds:DeleteDBSnapshot', automatedSnapshot('rds:orders-2026-11-24-21-09')) },
    {
      request: r('the shipper shares a copy of another shipper', shipperRole, 'rds:ModifyDBSnapshotAttribute', shippedCopy, { [OWNER]: 'shipper-other' }),
      control: r('the shipper shares its own copy', shipperRole, 'rds:ModifyDBSnapshotAttribute', shippedCopy, shipperOwned),
    },
    {
      request: r('the shipper claims a copy of another shipper by tagging it as its own', shipperRole, 'rds:AddTagsToResource', shippedCopy, {
        [OWNER]: 'shipper-other', ...requestTagContext(shipperCopyTags),
      }),
      control: r('the shipper tags its new copy on creation', shipperRole, 'rds:AddTagsToResource', shippedCopy, requestTagContext(shipperCopyTags)),
    },
    {
      request: r('the shipper changes what its own copy says it is a copy of', shipperRole, 'rds:AddTagsToResource', shippedCopy, {
        ...shipperOwned, ...requestTagContext({ [TagKeys.SOURCE_DATABASE]: 'users' }),
      }),
      control: r('the shipper marks its own copy announced', shipperRole, 'rds:AddTagsToResource', shippedCopy, { ...shipperOwned, ...requestTagContext({ [TagKeys.ANNOUNCED]: 'now' }) }),
    },
    {
      request: r('the shipper marks a copy of another shipper announced', shipperRole, 'rds:AddTagsToResource', shippedCopy, {
        [OWNER]: 'shipper-other', ...requestTagContext({ [TagKeys.ANNOUNCED]: 'now' }),
      }),
      control: r('the shipper marks its own copy announced', shipperRole, 'rds:AddTagsToResource', shippedCopy, { ...shipperOwned, ...requestTagContext({ [TagKeys.ANNOUNCED]: 'now' }) }),
    },
    {
      request: r('the shipper copies without its owner tag', shipperRole, 'rds:CopyDBSnapshot', shippedCopy, requestTagContext({ [TagKeys.SOURCE_DATABASE]: 'orders' })),
      control: r('the shipper copies with its owner tag', shipperRole, 'rds:CopyDBSnapshot', shippedCopy, requestTagContext(shipperCopyTags)),
    },
    {
      request: r('the shipper copies a database that is not selected', shipperRole, 'rds:CopyDBSnapshot', automatedSnapshot('rds:secrets-2026-11-24-21-09'), requestTagContext(shipperCopyTags)),
      control: r('the shipper copies a selected database', shipperRole, 'rds:CopyDBSnapshot', automatedSnapshot(`rds:${s.database ?? 'orders'}-2026-11-24-21-09`), requestTagContext(shipperCopyTags)),
    },
    {
      request: r('the shipper copies a selected database\'s name from a Region that is not its databases\'', shipperRole, 'rds:CopyDBSnapshot',
        snapshotArn(elsewhere, LIVE, `rds:${s.database ?? 'orders'}-2026-11-24-21-09`), requestTagContext(shipperCopyTags)),
      control: r('the shipper copies a selected database', shipperRole, 'rds:CopyDBSnapshot', automatedSnapshot(`rds:${s.database ?? 'orders'}-2026-11-24-21-09`), requestTagContext(shipperCopyTags)),
    },
    {
      request: r('the shipper copies into a Region that is not its own', shipperRole, 'rds:CopyDBSnapshot', snapshotArn(elsewhere, LIVE, 'failsafe-orders-20261124-210941'),
        requestTagContext(shipperCopyTags)),
      control: r('the shipper copies with its owner tag', shipperRole, 'rds:CopyDBSnapshot', shippedCopy, requestTagContext(shipperCopyTags)),
    },
    {
      request: r('the shipper uses the shipping key itself, not through RDS', shipperRole, 'kms:CreateGrant', shippingKey, { 'kms:GrantIsForAWSResource': 'true' }),
      control: r('the shipper has RDS take a grant on the shipping key', shipperRole, 'kms:CreateGrant', shippingKey, { ...liveVia, 'kms:GrantIsForAWSResource': 'true' }),
    },
    {
      request: r('the shipper has RDS in another Region take a grant on the shipping key', shipperRole, 'kms:CreateGrant', shippingKey,
        { ...viaRds(LIVE, elsewhere), 'kms:GrantIsForAWSResource': 'true' }),
      control: r('the shipper has RDS take a grant on the shipping key', shipperRole, 'kms:CreateGrant', shippingKey, { ...liveVia, 'kms:GrantIsForAWSResource': 'true' }),
    },
    {
      request: r('the shipper takes a grant on the shipping key through RDS, but not for an AWS resource', shipperRole, 'kms:CreateGrant', shippingKey, { ...liveVia, 'kms:GrantIsForAWSResource': 'false' }),
      control: r('the shipper has RDS take a grant on the shipping key', shipperRole, 'kms:CreateGrant', shippingKey, { ...liveVia, 'kms:GrantIsForAWSResource': 'true' }),
    },
    {
      request: r('the shipper publishes over plain HTTP', shipperRole, 'sns:Publish', topic, { 'aws:SecureTransport': 'false' }),
      control: r('the shipper publishes over HTTPS', shipperRole, 'sns:Publish', topic),
    },
    // The shipper reads its shipping key's CreationDate itself (its epoch, key-epoch.ts), and no other key's.
    {
      request: r('the shipper describes the topic key itself, not through SNS', shipperRole, 'kms:DescribeKey', topicKey),
      control: r('the shipper describes the shipping key itself, for its epoch', shipperRole, 'kms:DescribeKey', shippingKey),
    },
    {
      request: r('the shipper decrypts with the topic key itself, not through SNS', shipperRole, 'kms:Decrypt', topicKey),
      control: r('SNS decrypts with the topic key for the shipper', shipperRole, 'kms:Decrypt', topicKey, { 'kms:ViaService': `sns.${LIVE_REGION}.amazonaws.com`, 'kms:CallerAccount': LIVE }),
    },
    {
      request: r('the shipper tags its new copy with a key that is not its own', shipperRole, 'rds:AddTagsToResource', shippedCopy, requestTagContext({ ...shipperCopyTags, team: 'x' })),
      control: r('the shipper tags its new copy on creation', shipperRole, 'rds:AddTagsToResource', shippedCopy, requestTagContext(shipperCopyTags)),
    },
    {
      request: r('the shipper marks a snapshot that no owner tag marks as announced', shipperRole, 'rds:AddTagsToResource', liveSnapshot('failsafe-imported'),
        requestTagContext({ [TagKeys.ANNOUNCED]: 'now' })),
      control: r('the shipper marks its own copy announced', shipperRole, 'rds:AddTagsToResource', shippedCopy, { ...shipperOwned, ...requestTagContext({ [TagKeys.ANNOUNCED]: 'now' }) }),
    },
    {
      request: r('the shipper copies a cluster snapshot without its owner tag', shipperRole, 'rds:CopyDBClusterSnapshot', clusterSnapshotArn(LIVE_REGION, LIVE, 'failsafe-ledger-20261124-210941'),
        requestTagContext({ [TagKeys.SOURCE_DATABASE]: 'ledger' })),
    },
    ...(databaseKey ? databaseKeyCases(databaseKey) : []),
    {
      request: r('the Live administrator decrypts with the shipping key', adminOf(LIVE), 'kms:Decrypt', shippingKey),
      control: r('the Live administrator administers the shipping key', adminOf(LIVE), 'kms:ScheduleKeyDeletion', shippingKey),
    },
    {
      request: r('the Live administrator encrypts with the topic key', adminOf(LIVE), 'kms:GenerateDataKey', topicKey),
      control: r('the Live administrator administers the topic key', adminOf(LIVE), 'kms:DisableKey', topicKey),
    },
  ];

  const vault: DeniedCase[] = [
    { request: r('the vault shares its own copy', vaultRole, 'rds:ModifyDBSnapshotAttribute', vaultCopy, vaultOwned) },
    { request: r('the vault shares its own cluster copy', vaultRole, 'rds:ModifyDBClusterSnapshotAttribute', vaultClusterCopy, vaultOwned) },
    { request: r('the vault deletes a snapshot outside its name prefix', vaultRole, 'rds:DeleteDBSnapshot', vaultSnapshot('audit-archive'), vaultOwned) },
    {
      request: r('the vault deletes a snapshot named as its copy but with no owner tag', vaultRole, 'rds:DeleteDBSnapshot', vaultSnapshot('vault-imported')),
      control: r('the vault deletes its own copy', vaultRole, 'rds:DeleteDBSnapshot', vaultSnapshot('vault-imported'), vaultOwned),
    },
    {
      request: r('the vault deletes a vault copy of another vault', vaultRole, 'rds:DeleteDBSnapshot', vaultCopy, { [OWNER]: 'vault-other' }),
      control: r('the vault deletes its own copy', vaultRole, 'rds:DeleteDBSnapshot', vaultCopy, vaultOwned),
    },
    {
      request: r('the vault changes what its own copy says it is a copy of', vaultRole, 'rds:AddTagsToResource', vaultCopy, {
        ...vaultOwned, ...requestTagContext({ [TagKeys.SOURCE_ACCOUNT]: OTHER }),
      }),
      control: r('the vault records its copy completed', vaultRole, 'rds:AddTagsToResource', vaultCopy, { ...vaultOwned, ...requestTagContext({ [TagKeys.COMPLETED]: 'now' }) }),
    },
    {
      request: r('the vault claims a copy of another vault', vaultRole, 'rds:AddTagsToResource', vaultCopy, { [OWNER]: 'vault-other', ...requestTagContext(vaultCopyTags) }),
      control: r('the vault tags its new copy on creation', vaultRole, 'rds:AddTagsToResource', vaultCopy, requestTagContext(vaultCopyTags)),
    },
    {
      request: r('the vault copies from an account that is not a source', vaultRole, 'rds:CopyDBSnapshot', snapshotArn(LIVE_REGION, OTHER, 'failsafe-orders-20261124-210941'), requestTagContext(vaultCopyTags), { sharedWith: [FAILSAFE] }),
      control: r('the vault copies from its source', vaultRole, 'rds:CopyDBSnapshot', shippedCopy, requestTagContext(vaultCopyTags), { sharedWith: [FAILSAFE] }),
    },
    {
      request: r('the vault copies from its source account in a region that is not a source', vaultRole, 'rds:CopyDBSnapshot',
        snapshotArn('ap-southeast-2', LIVE, 'failsafe-orders-20261124-210941'), requestTagContext(vaultCopyTags), { sharedWith: [FAILSAFE] }),
      control: r('the vault copies from its source', vaultRole, 'rds:CopyDBSnapshot', shippedCopy, requestTagContext(vaultCopyTags), { sharedWith: [FAILSAFE] }),
    },
    {
      request: r('the vault copies a snapshot that was not shared with it', vaultRole, 'rds:CopyDBSnapshot', shippedCopy, requestTagContext(vaultCopyTags), { sharedWith: [] }),
      control: r('the vault copies from its source', vaultRole, 'rds:CopyDBSnapshot', shippedCopy, requestTagContext(vaultCopyTags), { sharedWith: [FAILSAFE] }),
    },
    {
      request: r('the vault copies without its owner tag', vaultRole, 'rds:CopyDBSnapshot', vaultCopy, requestTagContext({ [TagKeys.SOURCE_ACCOUNT]: LIVE })),
      control: r('the vault copies with its owner tag', vaultRole, 'rds:CopyDBSnapshot', vaultCopy, requestTagContext(vaultCopyTags)),
    },
    {
      request: r('the vault uses the vault key itself, not through RDS', vaultRole, 'kms:CreateGrant', vaultKey, { 'kms:GrantIsForAWSResource': 'true' }),
      control: r('the vault has RDS take a grant on the vault key', vaultRole, 'kms:CreateGrant', vaultKey, { ...vaultVia, 'kms:GrantIsForAWSResource': 'true' }),
    },
    {
      request: r('the vault takes a grant on the vault key through RDS, but not for an AWS resource', vaultRole, 'kms:CreateGrant', vaultKey, { ...vaultVia, 'kms:GrantIsForAWSResource': 'false' }),
      control: r('the vault has RDS take a grant on the vault key', vaultRole, 'kms:CreateGrant', vaultKey, { ...vaultVia, 'kms:GrantIsForAWSResource': 'true' }),
    },
    // The vault reads its own key's CreationDate itself (its epoch, key-epoch.ts), and no source's key.
    {
      request: r('the vault describes its source\'s shipping key itself, not through RDS', vaultRole, 'kms:DescribeKey', shippingKey),
      control: r('the vault describes the vault key itself, for its epoch', vaultRole, 'kms:DescribeKey', vaultKey),
    },
    {
      request: r('the vault uses a shipping key of an account that is not a source', vaultRole, 'kms:CreateGrant', otherKeyIn(LIVE_REGION),
        { ...vaultVia, 'kms:GrantIsForAWSResource': 'true' }),
      control: r('the vault has RDS take a grant on its source\'s shipping key', vaultRole, 'kms:CreateGrant', shippingKey, { ...vaultVia, 'kms:GrantIsForAWSResource': 'true' }),
    },
    {
      request: r('the vault uses its source\'s shipping key itself, not through RDS', vaultRole, 'kms:CreateGrant', shippingKey, { 'kms:GrantIsForAWSResource': 'true' }),
      control: r('the vault has RDS take a grant on its source\'s shipping key', vaultRole, 'kms:CreateGrant', shippingKey, { ...vaultVia, 'kms:GrantIsForAWSResource': 'true' }),
    },
    {
      request: r('the vault takes a grant on its source\'s shipping key through RDS, but not for an AWS resource', vaultRole, 'kms:CreateGrant', shippingKey,
        { ...vaultVia, 'kms:GrantIsForAWSResource': 'false' }),
      control: r('the vault has RDS take a grant on its source\'s shipping key', vaultRole, 'kms:CreateGrant', shippingKey, { ...vaultVia, 'kms:GrantIsForAWSResource': 'true' }),
    },
    {
      request: r('the vault takes a grant, not for an AWS resource, on a shipping key whose policy allows any grant', vaultRole, 'kms:CreateGrant', guideKey,
        { ...vaultVia, 'kms:GrantIsForAWSResource': 'false' }),
      control: r('the vault has RDS take a grant on that key', vaultRole, 'kms:CreateGrant', guideKey, { ...vaultVia, 'kms:GrantIsForAWSResource': 'true' }),
    },
    {
      request: r('the vault decrypts with its source\'s shipping key itself, not through RDS', vaultRole, 'kms:Decrypt', shippingKey),
      control: r('the vault has RDS decrypt with its source\'s shipping key', vaultRole, 'kms:Decrypt', shippingKey, vaultVia),
    },
    // The shipping keys the constructs write allow the vault account only through RDS; a key whose policy follows
    // the RDS User Guide's example does not, and there the vault role's own policy is the guard.
    {
      request: r('the vault decrypts itself, not through RDS, with a shipping key whose policy follows the RDS User Guide', vaultRole, 'kms:Decrypt', guideKey),
      control: r('the vault has RDS decrypt with that key', vaultRole, 'kms:Decrypt', guideKey, vaultVia),
    },
    {
      request: r('the vault takes a grant itself, not through RDS, on a shipping key whose policy follows the RDS User Guide', vaultRole, 'kms:CreateGrant', guideKey,
        { 'kms:GrantIsForAWSResource': 'true' }),
      control: r('the vault has RDS take a grant on that key', vaultRole, 'kms:CreateGrant', guideKey, { ...vaultVia, 'kms:GrantIsForAWSResource': 'true' }),
    },
    {
      request: r('the vault tags its new copy with a key that is not its own', vaultRole, 'rds:AddTagsToResource', vaultCopy, requestTagContext({ ...vaultCopyTags, team: 'x' })),
      control: r('the vault tags its new copy on creation', vaultRole, 'rds:AddTagsToResource', vaultCopy, requestTagContext(vaultCopyTags)),
    },
    {
      request: r('the vault records a snapshot that no owner tag marks as completed', vaultRole, 'rds:AddTagsToResource', vaultSnapshot('vault-imported'),
        requestTagContext({ [TagKeys.COMPLETED]: 'now' })),
      control: r('the vault records its copy completed', vaultRole, 'rds:AddTagsToResource', vaultCopy, { ...vaultOwned, ...requestTagContext({ [TagKeys.COMPLETED]: 'now' }) }),
    },
    {
      request: r('the vault copies a cluster snapshot without its owner tag', vaultRole, 'rds:CopyDBClusterSnapshot', vaultClusterCopy, requestTagContext({ [TagKeys.SOURCE_ACCOUNT]: LIVE })),
      control: r('the vault copies a cluster snapshot with its owner tag', vaultRole, 'rds:CopyDBClusterSnapshot', vaultClusterCopy, requestTagContext(vaultCopyTags)),
    },
    {
      request: r('a Failsafe administrator has RDS take a grant on the shipping key that is not for an AWS resource', adminOf(FAILSAFE), 'kms:CreateGrant', shippingKey,
        { ...viaRds(FAILSAFE, LIVE_REGION), 'kms:GrantIsForAWSResource': 'false' }),
      control: r('a Failsafe administrator has RDS take a grant on the shipping key', adminOf(FAILSAFE), 'kms:CreateGrant', shippingKey,
        { ...viaRds(FAILSAFE, LIVE_REGION), 'kms:GrantIsForAWSResource': 'true' }),
    },
    {
      request: r('a Failsafe administrator has a service other than RDS take a grant on the shipping key', adminOf(FAILSAFE), 'kms:CreateGrant', shippingKey,
        { 'kms:ViaService': `ec2.${LIVE_REGION}.amazonaws.com`, 'kms:CallerAccount': FAILSAFE, 'kms:GrantIsForAWSResource': 'true' }),
      control: r('a Failsafe administrator has RDS take a grant on the shipping key', adminOf(FAILSAFE), 'kms:CreateGrant', shippingKey,
        { ...viaRds(FAILSAFE, LIVE_REGION), 'kms:GrantIsForAWSResource': 'true' }),
    },
    {
      request: r('a Failsafe administrator decrypts with the shipping key itself, not through RDS', adminOf(FAILSAFE), 'kms:Decrypt', shippingKey),
      control: r('a Failsafe administrator has RDS decrypt with the shipping key', adminOf(FAILSAFE), 'kms:Decrypt', shippingKey, viaRds(FAILSAFE, LIVE_REGION)),
    },
    {
      request: r('a Failsafe administrator re-encrypts with the shipping key itself, not through RDS', adminOf(FAILSAFE), 'kms:ReEncryptFrom', shippingKey),
      control: r('a Failsafe administrator has RDS in the vault\'s Region re-encrypt with the shipping key', adminOf(FAILSAFE), 'kms:ReEncryptFrom', shippingKey,
        viaRds(FAILSAFE, VAULT_REGION)),
    },
  ];

  const underScp = (why: string, action: string, resource: string, context: AuthzRequest['context'] = {}) => adminUnderScp(FAILSAFE, why, action, resource, context);
  const scp: DeniedCase[] = [
    ...underScp('deletes a vault copy', 'rds:DeleteDBSnapshot', vaultCopy, vaultOwned),
    ...underScp('deletes a vault cluster copy', 'rds:DeleteDBClusterSnapshot', vaultClusterCopy, vaultOwned),
    ...underScp('shares a vault copy', 'rds:ModifyDBSnapshotAttribute', vaultCopy, vaultOwned),
    ...underScp('re-tags a vault copy', 'rds:AddTagsToResource', vaultCopy, { ...vaultOwned, ...requestTagContext({ [TagKeys.OWNER]: 'someone' }) }),
    ...underScp('removes a vault copy\'s tags', 'rds:RemoveTagsFromResource', vaultCopy, { ...vaultOwned, 'aws:TagKeys': [TagKeys.OWNER] }),
    ...underScp('disables the vault key', 'kms:DisableKey', vaultKey),
    ...underScp('schedules the deletion of the vault key', 'kms:ScheduleKeyDeletion', vaultKey),
    ...underScp('replaces the vault key\'s policy', 'kms:PutKeyPolicy', vaultKey),
    ...underScp('changes the vault function\'s code', 'lambda:UpdateFunctionCode', vaultFunction),
    ...underScp('changes the vault function\'s environment', 'lambda:UpdateFunctionConfiguration', vaultFunction),
    ...underScp('passes the vault role', 'iam:PassRole', vaultRole, { 'iam:PassedToService': 'lambda.amazonaws.com' }),
    ...underScp('adds a policy to the vault role', 'iam:PutRolePolicy', vaultRole),
    // The SCP exempts the vault role from its deletion statement, so that retention goes on: the
    // control is the vault role deleting its own copy under the SCP.
    {
      underScp: true,
      request: r('the Failsafe administrator deletes a vault copy', adminOf(FAILSAFE), 'rds:DeleteDBSnapshot', vaultCopy, vaultOwned),
      control: r('the vault role deletes its own expired copy under the SCP', vaultRole, 'rds:DeleteDBSnapshot', vaultCopy, vaultOwned),
    },
    {
      underScp: true,
      request: r('the Failsafe administrator deletes a vault cluster copy', adminOf(FAILSAFE), 'rds:DeleteDBClusterSnapshot', vaultClusterCopy, vaultOwned),
      control: r('the vault role deletes its own expired cluster copy under the SCP', vaultRole, 'rds:DeleteDBClusterSnapshot', vaultClusterCopy, vaultOwned),
    },
  ];

  const deliveries: DeniedCase[] = [
    {
      request: r('an account that is not the vault\'s subscribes to the topic', deployerOf(OTHER), 'sns:Subscribe', topic,
        { 'sns:Protocol': 'sqs', 'sns:Endpoint': `arn:aws:sqs:${VAULT_REGION}:${OTHER}:listener` }),
      control: r('the vault account subscribes its queue to the topic', deployerOf(FAILSAFE), 'sns:Subscribe', topic, { 'sns:Protocol': 'sqs', 'sns:Endpoint': queue }),
    },
    {
      request: r('the vault account subscribes a queue of another account to the topic', deployerOf(FAILSAFE), 'sns:Subscribe', topic,
        { 'sns:Protocol': 'sqs', 'sns:Endpoint': `arn:aws:sqs:${VAULT_REGION}:${OTHER}:listener` }),
      control: r('the vault account subscribes its queue to the topic', deployerOf(FAILSAFE), 'sns:Subscribe', topic, { 'sns:Protocol': 'sqs', 'sns:Endpoint': queue }),
    },
    {
      request: r('the vault account subscribes an HTTPS endpoint to the topic', deployerOf(FAILSAFE), 'sns:Subscribe', topic,
        { 'sns:Protocol': 'https', 'sns:Endpoint': 'https://example.com/' }),
      control: r('the vault account subscribes its queue to the topic', deployerOf(FAILSAFE), 'sns:Subscribe', topic, { 'sns:Protocol': 'sqs', 'sns:Endpoint': queue }),
    },
    {
      request: r('SNS delivers another account\'s topic to the announcement queue', 'sns.amazonaws.com', 'sqs:SendMessage', queue,
        { 'aws:SourceArn': `arn:aws:sns:${LIVE_REGION}:${OTHER}:rds-failsafe-shipper`, 'aws:SourceAccount': OTHER }),
      control: r('SNS delivers the source topic to the announcement queue', 'sns.amazonaws.com', 'sqs:SendMessage', queue, { 'aws:SourceArn': topic, 'aws:SourceAccount': LIVE }),
    },
    {
      request: r('SNS delivers another topic of the source account to the announcement queue', 'sns.amazonaws.com', 'sqs:SendMessage', queue,
        { 'aws:SourceArn': `arn:aws:sns:${LIVE_REGION}:${LIVE}:other-topic`, 'aws:SourceAccount': LIVE }),
      control: r('SNS delivers the source topic to the announcement queue', 'sns.amazonaws.com', 'sqs:SendMessage', queue, { 'aws:SourceArn': topic, 'aws:SourceAccount': LIVE }),
    },
    {
      request: r('SNS from another account\'s topic invokes the vault function', 'sns.amazonaws.com', 'lambda:InvokeFunction', vaultFunction,
        { 'aws:SourceArn': `arn:aws:sns:${LIVE_REGION}:${OTHER}:rds-failsafe-shipper`, 'aws:SourceAccount': OTHER }),
    },
    {
      request: r('SNS from the source topic invokes the vault function directly, around the queue', 'sns.amazonaws.com', 'lambda:InvokeFunction', vaultFunction,
        { 'aws:SourceArn': topic, 'aws:SourceAccount': LIVE }),
    },
    {
      request: r('an EventBridge rule of another account invokes the vault function', 'events.amazonaws.com', 'lambda:InvokeFunction', vaultFunction,
        { 'aws:SourceArn': `arn:aws:events:${VAULT_REGION}:${OTHER}:rule/VaultSweep`, 'aws:SourceAccount': OTHER }),
    },
    {
      request: r('an EventBridge rule of another account dead-letters into the vault\'s queue', 'events.amazonaws.com', 'sqs:SendMessage', vaultDlq,
        { 'aws:SourceArn': `arn:aws:events:${VAULT_REGION}:${OTHER}:rule/Any`, 'aws:SourceAccount': OTHER }),
    },
    {
      request: r('an EventBridge rule of another account invokes the shipper function', 'events.amazonaws.com', 'lambda:InvokeFunction', shipperFunction,
        { 'aws:SourceArn': `arn:aws:events:${LIVE_REGION}:${OTHER}:rule/ShipperSweep`, 'aws:SourceAccount': OTHER }),
    },
    {
      request: r('an EventBridge rule of another account dead-letters into the shipper\'s queue', 'events.amazonaws.com', 'sqs:SendMessage', shipperDlq,
        { 'aws:SourceArn': `arn:aws:events:${LIVE_REGION}:${OTHER}:rule/Any`, 'aws:SourceAccount': OTHER }),
    },
    ...[[vaultRole, vaultDlq], [shipperRole, shipperDlq]].map(([role, dlq]) => ({
      request: r(`${role} sends to its dead-letter queue over plain HTTP`, role, 'sqs:SendMessage', dlq, { 'aws:SecureTransport': 'false' }),
      control: r(`${role} sends to its dead-letter queue`, role, 'sqs:SendMessage', dlq),
    })),
    {
      request: r('SNS delivers the source topic to the announcement queue over plain HTTP', 'sns.amazonaws.com', 'sqs:SendMessage', queue,
        { 'aws:SourceArn': topic, 'aws:SourceAccount': LIVE, 'aws:SecureTransport': 'false' }),
      control: r('SNS delivers the source topic to the announcement queue', 'sns.amazonaws.com', 'sqs:SendMessage', queue, { 'aws:SourceArn': topic, 'aws:SourceAccount': LIVE }),
    },
  ];
  return [...live, ...shipper, ...vault, ...scp, ...deliveries];
}

/**
 * The cases of a shipper that takes its own snapshots (`recoveryPointInterval`
 * below a day): it takes them only of the databases it selects, only under
 * its own name prefix, and only tagged as its own on creation; and a shipper
 * beside it that ships the daily automated snapshots takes none at all.
 */
export function takingCases(
  world: World, taker: RdsSnapshotShipper, database: string, daily: { readonly shipper: RdsSnapshotShipper; readonly database: string },
): DeniedCase[] {
  const { account, region } = Stack.of(taker);
  const role: string = world.resolve(taker, taker.role.roleArn);
  const dailyRole: string = world.resolve(daily.shipper, daily.shipper.role.roleArn);
  const db = (name: string) => `arn:aws:rds:${region}:${account}:db:${name}`;
  const tags = { [TagKeys.OWNER]: taker.ownerId, [TagKeys.SOURCE_DATABASE]: database, [TagKeys.RECOVERY_POINT]: '2026-11-24T20:00:00.000Z' };
  const own = snapshotArn(region, account, `failsafe-${database}-20261124-2000`);
  const take = (why: string, principal: string, resource: string, t: Record<string, string> = tags): AuthzRequest => ({
    why, principal, action: 'rds:CreateDBSnapshot', resource, context: requestTagContext(t),
  });
  const { [TagKeys.OWNER]: _owner, ...unowned } = tags;
  return [
    {
      request: take('the sub-daily shipper takes a snapshot without its owner tag', role, own, unowned),
      control: take('the sub-daily shipper takes its snapshot, tagged as its own', role, own),
    },
    {
      request: take('the sub-daily shipper takes a snapshot tagged as another shipper\'s', role, own, { ...tags, [TagKeys.OWNER]: 'shipper-other' }),
      control: take('the sub-daily shipper takes its snapshot, tagged as its own', role, own),
    },
    {
      request: take('the sub-daily shipper takes a snapshot of a database it does not select', role, db(daily.database)),
      control: take('the sub-daily shipper takes a snapshot of its database', role, db(database)),
    },
    {
      request: take('the sub-daily shipper takes a snapshot named outside its prefix', role, snapshotArn(region, account, 'before-upgrade')),
      control: take('the sub-daily shipper takes its snapshot, tagged as its own', role, own),
    },
    {
      request: take('the daily shipper, which takes no snapshot of its own, takes one of its database', dailyRole, db(daily.database),
        { ...tags, [TagKeys.OWNER]: daily.shipper.ownerId, [TagKeys.SOURCE_DATABASE]: daily.database }),
    },
  ];
}

/** A restore drill beside its vault, in the Failsafe account, and its validation function if it has one. */
export interface RestoreDrillCaseStacks {
  readonly drill: RdsRestoreDrill;
  readonly vault: RdsSnapshotVault;
  readonly validation?: lambda.IFunction;
}

/**
 * The cases of a restore drill: it deletes, modifies and advances only what
 * is named with its own prefix (drill-<6 hex digits>-) and carries its tag,
 * restores only the vault's copies and only, privately, into its prefix with
 * its tag, records on the vault's copies only its verdicts, and touches no
 * secret, key or function but those of its restores; its validation function
 * reads only the secrets of the drill's restores. Under the SCP, no one but
 * break-glass changes the drill's role or function or records verdicts in
 * its place, and the drill role could not do more to the vault's copies than
 * record verdicts even if its own policy were widened.
 */
export function restoreDrillCases(world: World, s: RestoreDrillCaseStacks): DeniedCase[] {
  const { account: FAILSAFE, region: REGION } = Stack.of(s.drill);
  const rdsArn = (kind: string, name: string) => `arn:aws:rds:${REGION}:${FAILSAFE}:${kind}:${name}`;
  const secretArn = (name: string) => `arn:aws:secretsmanager:${REGION}:${FAILSAFE}:secret:${name}`;
  const role: string = world.resolve(s.drill, s.drill.role.roleArn);
  const drillFunction: string = world.resolve(s.drill, s.drill.reconcileFunction.functionArn);
  const vaultFunction: string = world.resolve(s.vault, s.vault.reconcileFunction.functionArn);
  const subnetGroup: string = world.resolve(s.drill, s.drill.subnetGroup.subnetGroupName);
  const r = (why: string, principal: string, action: string, resource: string, context: AuthzRequest['context'] = {}): AuthzRequest => ({
    why, principal, action, resource, context,
  });
  const drill = (why: string, action: string, resource: string, context: AuthzRequest['context'] = {}) => r(`the drill ${why}`, role, action, resource, context);

  // What the drill restores is named with its prefix; another drill's with another.
  const prefix = drillPrefix(s.drill.ownerId);
  const anotherPrefix = drillPrefix('drill-another');
  const restored = rdsArn('db', `${prefix}orders-0a1b2c`);
  const restoredCluster = rdsArn('cluster', `${prefix}ledger-0a1b2c`);
  const writer = rdsArn('db', `${prefix}ledger-0a1b2c-w`);
  const anotherRestore = rdsArn('db', `${anotherPrefix}orders-0a1b2c`);
  const anotherCluster = rdsArn('cluster', `${anotherPrefix}ledger-0a1b2c`);
  const vaultCopy = rdsArn('snapshot', `vault-111111111111-${REGION}-failsafe-orders-20261124-210941`);
  const vaultClusterCopy = rdsArn('cluster-snapshot', 'vault-ledger-20261124-210941-4b5b2bb600');
  const vaultOwned = { [OWNER]: s.vault.ownerId };
  const DRILL = `aws:ResourceTag/${DrillTagKeys.OWNER}`;
  const mine = { [DRILL]: s.drill.ownerId };
  const anotherDrills = { [DRILL]: 'drill-another' };
  // What the drill tags a restore with on creation, by default as its own.
  const creation = (tags: Record<string, string> = { [DrillTagKeys.OWNER]: s.drill.ownerId }) => requestTagContext({
    ...tags, [DrillTagKeys.DATABASE]: `instance:111111111111:${REGION}:orders`, [DrillTagKeys.SNAPSHOT]: 'vault-orders', [DrillTagKeys.STARTED]: '2026-11-30T03:00:00.000Z',
  });
  const progress = requestTagContext({ [DrillTagKeys.AVAILABLE]: '2026-11-30T03:20:00.000Z' });
  const records = requestTagContext(Object.fromEntries(DRILL_RECORD_TAG_KEYS.map((k) => [k, '2026-11-30T03:30:00.000Z passed 1200'])));
  const record = (why: string, resource = vaultCopy, context: AuthzRequest['context'] = vaultOwned) =>
    drill(why, 'rds:AddTagsToResource', resource, { ...context, ...records });
  const manage = { 'rds:ManageMasterUserPassword': 'true' };
  const restore = (why: string, resource: string, context: AuthzRequest['context'], cluster = false) =>
    drill(why, cluster ? 'rds:RestoreDBClusterFromSnapshot' : 'rds:RestoreDBInstanceFromDBSnapshot', resource, context);
  // A DB instance is restored, or added to a cluster, with rds:PubliclyAccessible false; a cluster restore has no such key.
  const privately = { 'rds:PubliclyAccessible': 'false' };
  const restoreInto = (why: string, resource: string, context = creation(), cluster = false) =>
    restore(why, resource, { ...context, ...cluster ? {} : privately }, cluster);
  const restoreFrom = (why: string, snapshot: string, context: AuthzRequest['context'], cluster = false) =>
    restoreInto(why, snapshot, { ...creation(), ...context }, cluster);
  const addWriter = (why: string, resource: string, context: AuthzRequest['context']) => drill(why, 'rds:CreateDBInstance', resource, { ...context, ...privately });

  const vaultRole: string = world.resolve(s.vault, s.vault.role.roleArn);
  const deletions: DeniedCase[] = [
    ...([['rds:DeleteDBInstance', restored, anotherRestore, 'DB instance'], ['rds:DeleteDBCluster', restoredCluster, anotherCluster, 'DB cluster']] as const)
      .flatMap(([action, arn, another, what]) => [
        { request: drill(`deletes a ${what} named with its prefix but without its tag`, action, arn), control: drill(`deletes its own restored ${what}`, action, arn, mine) },
        { request: drill(`deletes a ${what} named with its prefix that carries another drill's tag`, action, arn, anotherDrills), control: drill(`deletes its own restored ${what}`, action, arn, mine) },
        { request: drill(`deletes a ${what} of another drill that carries its tag`, action, another, mine), control: drill(`deletes its own restored ${what}`, action, arn, mine) },
        { request: drill(`deletes a ${what} named drill-... by someone else, that carries its tag`, action, rdsArn(arn.split(':')[5], 'drill-audit'), mine) },
      ]),
    // The drill reads the vault's copies and records on them; deleting them is the vault's alone, with the SCP and without.
    ...([['rds:DeleteDBSnapshot', vaultCopy], ['rds:DeleteDBClusterSnapshot', vaultClusterCopy]] as const).flatMap(([action, arn]) => [false, true].map((underScp) => ({
      underScp,
      request: drill(`deletes a vault copy (${action})`, action, arn, vaultOwned),
      control: r(`the vault deletes its own copy (${action})`, vaultRole, action, arn, vaultOwned),
    }))),
  ];

  const restores: DeniedCase[] = [
    ...([['DB instance', 'db', restored, false], ['DB cluster', 'cluster', restoredCluster, true]] as const).flatMap(([what, kind, arn, cluster]) => [
      {
        request: restoreInto(`restores into a ${what} not named with its prefix`, rdsArn(kind, 'orders'), creation(), cluster),
        control: restoreInto(`restores into a ${what} named with its prefix`, arn, creation(), cluster),
      },
      {
        request: restoreInto(`restores into a ${what} named drill-... but not with its prefix`, rdsArn(kind, 'drill-orders-0a1b2c'), creation(), cluster),
        control: restoreInto(`restores into a ${what} named with its prefix`, arn, creation(), cluster),
      },
      {
        request: restoreInto(`restores a ${what} without its tag on creation`, arn, creation({}), cluster),
        control: restoreInto(`restores into a ${what} named with its prefix`, arn, creation(), cluster),
      },
      {
        request: restoreInto(`restores a ${what} with the tag of another drill`, arn, creation({ [DrillTagKeys.OWNER]: 'drill-another' }), cluster),
        control: restoreInto(`restores into a ${what} named with its prefix`, arn, creation(), cluster),
      },
    ]),
    {
      request: restore('restores a publicly accessible DB instance', restored, { ...creation(), 'rds:PubliclyAccessible': 'true' }),
      control: restoreInto('restores a private DB instance', restored),
    },
    {
      request: restore('restores a DB instance without saying it is private', restored, creation()),
      control: restoreInto('restores a private DB instance', restored),
    },
    {
      request: restoreInto('restores into a subnet group that is not its isolated one', rdsArn('subgrp', 'default')),
      control: restoreInto('restores into its subnet group', rdsArn('subgrp', subnetGroup)),
    },
    {
      request: restoreInto('restores a cluster into a subnet group that is not its isolated one', rdsArn('subgrp', 'default'), creation(), true),
      control: restoreInto('restores a cluster into its subnet group', rdsArn('subgrp', subnetGroup), creation(), true),
    },
    {
      request: restoreFrom('restores a vault-named snapshot that no owner tag marks as the vault\'s', rdsArn('snapshot', 'vault-imported'), {}),
      control: restoreFrom('restores a vault copy', vaultCopy, vaultOwned),
    },
    {
      request: restoreFrom('restores a copy of another vault', vaultCopy, { [OWNER]: 'vault-other' }),
      control: restoreFrom('restores a vault copy', vaultCopy, vaultOwned),
    },
    {
      request: restoreFrom('restores a snapshot outside the vault\'s prefix that carries the vault\'s tag', rdsArn('snapshot', 'before-migration'), vaultOwned),
      control: restoreFrom('restores a vault copy', vaultCopy, vaultOwned),
    },
    {
      request: restoreFrom('restores a cluster snapshot of another vault', vaultClusterCopy, { [OWNER]: 'vault-other' }, true),
      control: restoreFrom('restores a vault cluster copy', vaultClusterCopy, vaultOwned, true),
    },
    {
      request: addWriter('adds an instance to a DB cluster not named with its prefix', rdsArn('cluster', 'ledger'), creation()),
      control: addWriter('adds a writer to its restored cluster', restoredCluster, { ...mine, ...creation() }),
    },
    {
      request: addWriter('adds an instance to a cluster of another drill', anotherCluster, { ...anotherDrills, ...creation() }),
      control: addWriter('adds a writer to its restored cluster', restoredCluster, { ...mine, ...creation() }),
    },
    {
      request: addWriter('adds a writer without its tag on creation', writer, creation({})),
      control: addWriter('adds a writer with its tag on creation', writer, creation()),
    },
    {
      request: drill('adds a publicly accessible writer', 'rds:CreateDBInstance', writer, { ...creation(), 'rds:PubliclyAccessible': 'true' }),
      control: addWriter('adds a writer with its tag on creation', writer, creation()),
    },
  ];

  // The widened role of the SCP cases: a statement that a mistake in the stack could add, which only the SCP holds against.
  const widened: Policy = {
    kind: 'identity', attachedTo: role, name: 'rds:* on everything, added to the drill role by mistake', statements: [{ Effect: 'Allow', Action: 'rds:*', Resource: '*' }], fromConstructs: false,
  };
  const widenedUnderScp = (why: string, action: string, resource: string, context: AuthzRequest['context']): DeniedCase => ({
    underScp: true, controlWithoutScp: true, alsoAttached: [widened], request: drill(`${why}, its role widened to rds:*`, action, resource, context),
  });
  const notRecords = requestTagContext({ [TagKeys.OWNER]: 'drill-says-so' });
  const smuggled = { ...records, 'aws:TagKeys': [...DRILL_RECORD_TAG_KEYS, TagKeys.COMPLETED], [`aws:RequestTag/${TagKeys.COMPLETED}`]: 'now' };
  const tagging: DeniedCase[] = [
    ...[false, true].flatMap((underScp) => [
      { underScp, request: drill('re-tags a vault copy\'s owner', 'rds:AddTagsToResource', vaultCopy, { ...vaultOwned, ...notRecords }), control: record('records its verdict on a vault copy') },
      { underScp, request: drill('smuggles another key in with its records', 'rds:AddTagsToResource', vaultCopy, { ...vaultOwned, ...smuggled }), control: record('records its verdict on a vault copy') },
    ]),
    { request: record('records a verdict on a vault-named snapshot that no owner tag marks', rdsArn('snapshot', 'vault-imported'), {}), control: record('records its verdict on a vault copy') },
    { request: record('records a verdict on a copy of another vault', vaultCopy, { [OWNER]: 'vault-other' }), control: record('records its verdict on a vault copy') },
    { request: record('records a verdict on a snapshot outside the vault\'s prefix', rdsArn('snapshot', 'before-migration')), control: record('records its verdict on a vault copy') },
    widenedUnderScp('re-tags a vault copy\'s owner', 'rds:AddTagsToResource', vaultCopy, { ...vaultOwned, ...notRecords }),
    widenedUnderScp('smuggles another key in with its records', 'rds:AddTagsToResource', vaultClusterCopy, { ...vaultOwned, ...smuggled }),
    widenedUnderScp('removes a vault copy\'s records', 'rds:RemoveTagsFromResource', vaultCopy, { ...vaultOwned, 'aws:TagKeys': [TagKeys.RESTORE_DRILL] }),
    widenedUnderScp('deletes a vault copy', 'rds:DeleteDBSnapshot', vaultCopy, vaultOwned),
    widenedUnderScp('shares a vault cluster copy', 'rds:ModifyDBClusterSnapshotAttribute', vaultClusterCopy, vaultOwned),
    {
      request: drill('records progress on a restore of another drill', 'rds:AddTagsToResource', restored, { ...anotherDrills, ...progress }),
      control: drill('records progress on its own restore', 'rds:AddTagsToResource', restored, { ...mine, ...progress }),
    },
    {
      request: drill('records progress on a DB cluster without its tag', 'rds:AddTagsToResource', restoredCluster, progress),
      control: drill('records progress on its own restored cluster', 'rds:AddTagsToResource', restoredCluster, { ...mine, ...progress }),
    },
    {
      request: drill('changes what its own restore says it restored', 'rds:AddTagsToResource', restored, { ...mine, ...requestTagContext({ [DrillTagKeys.DATABASE]: 'instance:111111111111:eu-west-1:users' }) }),
      control: drill('records progress on its own restore', 'rds:AddTagsToResource', restored, { ...mine, ...progress }),
    },
    {
      request: drill('gives its own restore to another drill', 'rds:AddTagsToResource', restored, { ...mine, ...requestTagContext({ [DrillTagKeys.OWNER]: 'drill-another' }) }),
      control: drill('records progress on its own restore', 'rds:AddTagsToResource', restored, { ...mine, ...progress }),
    },
    {
      request: drill('tags its new restore with a key that is not the drill\'s', 'rds:AddTagsToResource', restored, creation({ [DrillTagKeys.OWNER]: s.drill.ownerId, team: 'x' })),
      control: drill('tags its new restore on creation', 'rds:AddTagsToResource', restored, creation()),
    },
    {
      request: drill('claims a restore of another drill by tagging it as its own', 'rds:AddTagsToResource', anotherRestore, { ...anotherDrills, ...creation() }),
      control: drill('tags its new restore on creation', 'rds:AddTagsToResource', restored, creation()),
    },
    {
      request: drill('claims a database someone named drill-... by tagging it as its own', 'rds:AddTagsToResource', rdsArn('db', 'drill-audit'), creation()),
      control: drill('tags its new restore on creation', 'rds:AddTagsToResource', restored, creation()),
    },
  ];

  const modifications: DeniedCase[] = [
    ...([['rds:ModifyDBInstance', restored], ['rds:ModifyDBCluster', restoredCluster]] as const).flatMap(([action, arn]) => [
      { request: drill(`modifies its own restore (${action}) without turning on the managed password`, action, arn, mine), control: drill('turns on its restore\'s managed password', action, arn, { ...mine, ...manage }) },
      {
        request: drill(`turns off its own restore's managed password (${action})`, action, arn, { ...mine, 'rds:ManageMasterUserPassword': 'false' }),
        control: drill('turns on its restore\'s managed password', action, arn, { ...mine, ...manage }),
      },
      { request: drill(`turns on the managed password of another drill's restore (${action})`, action, arn, { ...anotherDrills, ...manage }), control: drill('turns on its restore\'s managed password', action, arn, { ...mine, ...manage }) },
    ]),
    {
      request: drill('turns on the managed password of a database not named with its prefix, that carries its tag', 'rds:ModifyDBInstance', rdsArn('db', 'audit'), { ...mine, ...manage }),
      control: drill('turns on its restore\'s managed password', 'rds:ModifyDBInstance', restored, { ...mine, ...manage }),
    },
    {
      request: drill('turns on the managed password of another drill\'s restore, that carries its tag', 'rds:ModifyDBInstance', anotherRestore, { ...mine, ...manage }),
      control: drill('turns on its restore\'s managed password', 'rds:ModifyDBInstance', restored, { ...mine, ...manage }),
    },
  ];

  const ownSecret = secretArn('rds!db-0f7e9a4c-5b1d-4c2e-9f3a-6d8b7c1e2a40-AbCdEf');
  const clusterSecret = secretArn('rds!cluster-7c1e2a40-0f7e-4c2e-9f3a-5b1d6d8b9a4c-GhIjKl');
  const appSecret = secretArn('prod/orders-MnOpQr');
  const secretsKey = awsSecretsManagerKeyOf(FAILSAFE, REGION);
  const validationFunction: string | undefined = s.validation ? world.resolve(s.validation, s.validation.functionArn) : undefined;
  const validation: DeniedCase[] = validationFunction ? [
    ...['secretsmanager:CreateSecret', 'secretsmanager:TagResource'].map((action) => ({
      request: drill(`has ${action} on a secret that RDS does not manage`, action, appSecret),
      control: drill(`has RDS ${action} on the secret of its restore`, action, ownSecret),
    })),
    {
      request: drill('describes a key whose alias is not aws/secretsmanager', 'kms:DescribeKey', failsafeKeyIn(FAILSAFE, REGION), { 'kms:ResourceAliases': ['alias/audit'] }),
      control: drill('has RDS describe the aws/secretsmanager key', 'kms:DescribeKey', secretsKey, { 'kms:ResourceAliases': ['alias/aws/secretsmanager'] }),
    },
    {
      request: drill('invokes a function that is not its validation function', 'lambda:InvokeFunction', vaultFunction),
      control: drill('invokes its validation function', 'lambda:InvokeFunction', validationFunction),
    },
    { request: drill('reads the secret of its own restore', 'secretsmanager:GetSecretValue', ownSecret, { 'aws:ResourceTag/aws:rds:primaryDBInstanceArn': restored }) },
  ] : [];
  const validationRole: string | undefined = s.validation?.role ? world.resolve(s.validation, s.validation.role.roleArn) : undefined;
  const read = (why: string, secret: string, tags: Record<string, string>) =>
    r(`the validation function ${why}`, validationRole!, 'secretsmanager:GetSecretValue', secret, Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v])));
  const reads: DeniedCase[] = validationRole ? [
    {
      request: read('reads the secret of a DB instance that is not a drill\'s', ownSecret, { 'aws:rds:primaryDBInstanceArn': rdsArn('db', 'orders') }),
      control: read('reads the secret of a restore', ownSecret, { 'aws:rds:primaryDBInstanceArn': restored }),
    },
    {
      request: read('reads the secret of another drill\'s restore', ownSecret, { 'aws:rds:primaryDBInstanceArn': anotherRestore }),
      control: read('reads the secret of a restore', ownSecret, { 'aws:rds:primaryDBInstanceArn': restored }),
    },
    {
      request: read('reads the secret of a DB cluster of another drill', clusterSecret, { 'aws:rds:primaryDBClusterArn': anotherCluster }),
      control: read('reads the secret of a restored cluster', clusterSecret, { 'aws:rds:primaryDBClusterArn': restoredCluster }),
    },
    {
      request: read('reads the secret of a DB cluster that is not a drill\'s', clusterSecret, { 'aws:rds:primaryDBClusterArn': rdsArn('cluster', 'ledger') }),
      control: read('reads the secret of a restored cluster', clusterSecret, { 'aws:rds:primaryDBClusterArn': restoredCluster }),
    },
    {
      request: read('reads a secret that RDS does not manage, tagged as a restore\'s', appSecret, { 'aws:rds:primaryDBInstanceArn': restored }),
      control: read('reads the secret of a restore', ownSecret, { 'aws:rds:primaryDBInstanceArn': restored }),
    },
    {
      request: read('reads a secret of RDS\'s that names no DB instance or cluster', ownSecret, {}),
      control: read('reads the secret of a restore', ownSecret, { 'aws:rds:primaryDBInstanceArn': restored }),
    },
  ] : [];

  const scp: DeniedCase[] = [
    ...adminUnderScp(FAILSAFE, 'records a restore drill verdict on a vault copy', 'rds:AddTagsToResource', vaultCopy, { ...vaultOwned, ...records }),
    ...adminUnderScp(FAILSAFE, 'records a restore drill verdict on a vault cluster copy', 'rds:AddTagsToResource', vaultClusterCopy, { ...vaultOwned, ...records }),
    ...adminUnderScp(FAILSAFE, 'adds a policy to the drill role', 'iam:PutRolePolicy', role),
    ...adminUnderScp(FAILSAFE, 'attaches a managed policy to the drill role', 'iam:AttachRolePolicy', role),
    ...adminUnderScp(FAILSAFE, 'changes who may assume the drill role', 'iam:UpdateAssumeRolePolicy', role),
    ...adminUnderScp(FAILSAFE, 'passes the drill role', 'iam:PassRole', role, { 'iam:PassedToService': 'lambda.amazonaws.com' }),
    ...adminUnderScp(FAILSAFE, 'changes the drill function\'s code', 'lambda:UpdateFunctionCode', drillFunction),
    ...adminUnderScp(FAILSAFE, 'changes the drill function\'s configuration', 'lambda:UpdateFunctionConfiguration', drillFunction),
  ];
  // RDS uses the vault key for the drill's restores: through RDS only, and grants for AWS resources only.
  const vaultKey: string = world.resolve(s.vault, s.vault.vaultKey.keyArn);
  const via = viaRds(FAILSAFE, REGION);
  const grant = { 'kms:GrantIsForAWSResource': 'true' };
  const keys: DeniedCase[] = [
    { request: drill('describes the vault key itself, not through RDS', 'kms:DescribeKey', vaultKey), control: drill('has RDS describe the vault key', 'kms:DescribeKey', vaultKey, via) },
    { request: drill('takes a grant on the vault key itself, not through RDS', 'kms:CreateGrant', vaultKey, grant), control: drill('has RDS take a grant on the vault key', 'kms:CreateGrant', vaultKey, { ...via, ...grant }) },
    {
      request: drill('takes a grant on the vault key through RDS, but not for an AWS resource', 'kms:CreateGrant', vaultKey, { ...via, 'kms:GrantIsForAWSResource': 'false' }),
      control: drill('has RDS take a grant on the vault key', 'kms:CreateGrant', vaultKey, { ...via, ...grant }),
    },
    { request: drill('decrypts with the vault key', 'kms:Decrypt', vaultKey, via) },
  ];

  const dlq: string = world.resolve(s.drill, s.drill.deadLetterQueue.queueArn);
  const deliveries: DeniedCase[] = [
    {
      request: r('an EventBridge rule of another account invokes the drill function', 'events.amazonaws.com', 'lambda:InvokeFunction', drillFunction,
        { 'aws:SourceArn': `arn:aws:events:${REGION}:${OTHER}:rule/RestoreDrill`, 'aws:SourceAccount': OTHER }),
    },
    {
      request: r('an EventBridge rule of another account dead-letters into the drill\'s queue', 'events.amazonaws.com', 'sqs:SendMessage', dlq,
        { 'aws:SourceArn': `arn:aws:events:${REGION}:${OTHER}:rule/Any`, 'aws:SourceAccount': OTHER }),
    },
    {
      request: drill('sends to its dead-letter queue over plain HTTP', 'sqs:SendMessage', dlq, { 'aws:SecureTransport': 'false' }),
      control: drill('sends to its dead-letter queue', 'sqs:SendMessage', dlq),
    },
  ];
  return [...deletions, ...restores, ...tagging, ...modifications, ...validation, ...reads, ...keys, ...deliveries, ...scp];
}
