/**
 * What must be denied: each case is a request that an attacker, a bug or a
 * mistake would make, with the guard that denies it. Where the denial is
 * owed to one guard (a condition, the SCP), the case has a control: the
 * nearest request that is allowed, so that a case cannot pass because the
 * request was malformed.
 */
import { Stack, aws_kms as kms } from 'aws-cdk-lib';
import { DrillStacks } from './drill-world';
import { AuthzRequest } from './evaluate';
import { requestTagContext } from './recorded';
import { deployerOf } from './services';
import { adminOf, BREAK_GLASS, guideKeyIn, OTHER, otherKeyIn, World } from './world';
import { TagKeys } from '../../src/runtime/tags';

export interface DeniedCase {
  readonly request: AuthzRequest;
  /** The allowed request it differs from only by what the guard denies. */
  readonly control?: AuthzRequest;
  /** The case is evaluated with the vault's SCP on the Failsafe account, and its control too unless `controlWithoutScp`. */
  readonly underScp?: boolean;
  /** The control is the same request, allowed where the SCP is not attached. */
  readonly controlWithoutScp?: boolean;
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
    {
      request: r('the shipper describes the shipping key itself, not through RDS', shipperRole, 'kms:DescribeKey', shippingKey),
      control: r('the shipper has RDS describe the shipping key', shipperRole, 'kms:DescribeKey', shippingKey, liveVia),
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
    {
      request: r('the vault describes the vault key itself, not through RDS', vaultRole, 'kms:DescribeKey', vaultKey),
      control: r('the vault has RDS describe the vault key', vaultRole, 'kms:DescribeKey', vaultKey, vaultVia),
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
      request: r('a Failsafe administrator takes a grant on the shipping key that is not for an AWS resource', adminOf(FAILSAFE), 'kms:CreateGrant', shippingKey,
        { 'kms:GrantIsForAWSResource': 'false' }),
      control: r('a Failsafe administrator has a service take a grant on the shipping key', adminOf(FAILSAFE), 'kms:CreateGrant', shippingKey, { 'kms:GrantIsForAWSResource': 'true' }),
    },
  ];

  const admin = adminOf(FAILSAFE);
  // Each under the SCP has two controls: break-glass may, and without the SCP the administrator may.
  const underScp = (why: string, action: string, resource: string, context: AuthzRequest['context'] = {}): DeniedCase[] => [
    { underScp: true, request: r(`the Failsafe administrator ${why}`, admin, action, resource, context), control: r(`break-glass ${why}`, BREAK_GLASS, action, resource, context) },
    { underScp: true, request: r(`the Failsafe administrator ${why}`, admin, action, resource, context), controlWithoutScp: true },
  ];
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
