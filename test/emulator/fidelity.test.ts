/**
 * Each fidelity patch of the emulator, proven: the behaviour RDS has with the
 * patch on, and the gap moto has with it off, so that the test would fail
 * without the fix.
 */
import { CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeAccountAttributesCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  StartDBClusterCommand,
  StartDBInstanceCommand,
  StopDBClusterCommand,
  StopDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { Emulator, EmulatorOptions, startEmulator } from './emulator';
import { createLiveAccount, listClusterSnapshots, listSnapshots } from './live';

const LIVE = '111111111111';
const FAILSAFE = '222222222222';

async function withEmulator<T>(options: EmulatorOptions, fn: (e: Emulator) => Promise<T>): Promise<T> {
  const emulator = await startEmulator(options);
  try {
    return await fn(emulator);
  } finally {
    await emulator.stop();
  }
}

/** A Live snapshot, shared with the Failsafe account or not, and a Failsafe RDS client. */
async function sharedSnapshot(emulator: Emulator, share: boolean) {
  const live = await createLiveAccount(emulator, LIVE);
  await live.createDatabase('orders', 'none');
  const snapshot = await live.createShippedSnapshot('orders', new Date('2026-11-20T12:00:00Z'), share ? FAILSAFE : undefined);
  return { arn: snapshot.DBSnapshotArn!, failsafe: new RDSClient(await emulator.clientConfig(FAILSAFE)) };
}

const copyInto = (rds: RDSClient, arn: string) => rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: arn, TargetDBSnapshotIdentifier: 'vault-copy' }));

describe('patch cross-account-snapshot-by-arn', () => {
  test('on: a snapshot shared with the account is copied by its ARN from the owner\'s account', async () => {
    await withEmulator({}, async (emulator) => {
      const { arn, failsafe } = await sharedSnapshot(emulator, true);
      const out = await copyInto(failsafe, arn);
      expect(out.DBSnapshot?.DBSnapshotArn).toBe(`arn:aws:rds:eu-west-1:${FAILSAFE}:snapshot:vault-copy`);
    });
  });

  test('on: a snapshot that is not shared with the account is refused', async () => {
    await withEmulator({}, async (emulator) => {
      const { arn, failsafe } = await sharedSnapshot(emulator, false);
      await expect(copyInto(failsafe, arn)).rejects.toMatchObject({ name: 'DBSnapshotNotFoundFault' });
    });
  });

  test('off (the gap): moto looks the ARN up in the copying account and cannot copy a shared snapshot', async () => {
    await withEmulator({ patchesOff: ['cross-account-snapshot-by-arn'] }, async (emulator) => {
      const { arn, failsafe } = await sharedSnapshot(emulator, true);
      await expect(copyInto(failsafe, arn)).rejects.toMatchObject({ name: 'DBSnapshotNotFoundFault' });
    });
  });
});

describe('patch creating-phase', () => {
  async function copyAndWatch(emulator: Emulator) {
    const live = await createLiveAccount(emulator, LIVE);
    await live.createDatabase('orders', 'none');
    const [automated] = await live.automatedSnapshots();
    await live.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: automated.DBSnapshotArn, TargetDBSnapshotIdentifier: 'copy-1' }));
    const status = async () => (await live.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'copy-1' }))).DBSnapshots![0].Status;
    return { live, status };
  }

  test('on: a new copy is creating for N describe calls, and cannot be shared or copied until available', async () => {
    await withEmulator({ copyPendingDescribes: 2 }, async (emulator) => {
      const { live, status } = await copyAndWatch(emulator);
      await expect(live.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: 'copy-1', AttributeName: 'restore', ValuesToAdd: [FAILSAFE] })))
        .rejects.toMatchObject({ name: 'InvalidDBSnapshotStateFault' });
      await expect(live.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: 'copy-1', TargetDBSnapshotIdentifier: 'copy-2' })))
        .rejects.toMatchObject({ name: 'InvalidDBSnapshotStateFault' });
      expect([await status(), await status(), await status()]).toEqual(['creating', 'creating', 'available']);
      await live.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: 'copy-1', AttributeName: 'restore', ValuesToAdd: [FAILSAFE] }));
    });
  });

  test('off (the gap): moto makes a copy available at once', async () => {
    await withEmulator({ copyPendingDescribes: 2, patchesOff: ['creating-phase'] }, async (emulator) => {
      const { status } = await copyAndWatch(emulator);
      expect(await status()).toBe('available');
    });
  });
});

describe('patch taken-snapshot-creating-phase', () => {
  /** orders, a DB instance, and ledger, an Aurora cluster with its member ledger-writer, and the calls that take and watch their snapshots. */
  async function databases(emulator: Emulator) {
    const live = await createLiveAccount(emulator, LIVE);
    await live.createDatabase('orders', 'none');
    await live.createCluster('ledger', 'none');
    const take = (id: string, instance = 'orders') => live.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: instance, DBSnapshotIdentifier: id }));
    const takeCluster = (id: string) => live.rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'ledger', DBClusterSnapshotIdentifier: id }));
    const status = async (id: string) => (await live.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))).DBSnapshots![0].Status;
    const clusterStatus = async (id: string) =>
      (await live.rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }))).DBClusterSnapshots![0].Status;
    return { live, take, takeCluster, status, clusterStatus };
  }
  const busy = (instance: string) => ({ name: 'InvalidDBInstanceStateFault', message: `Cannot create a snapshot because the database instance ${instance} is not currently in the available state.` });
  const BUSY_CLUSTER = { name: 'InvalidDBClusterStateFault', message: 'Cannot create a snapshot because the DB cluster ledger is not currently in the available state.' };
  const AT = new Date('2026-11-20T03:00:00Z');

  test('on: a snapshot taken is creating for N describe calls, cannot be copied or shared until available, and no second snapshot of its database is taken meanwhile', async () => {
    await withEmulator({ snapshotPendingDescribes: 2 }, async (emulator) => {
      const { live, take, takeCluster, status, clusterStatus } = await databases(emulator);
      expect((await take('taken-1')).DBSnapshot?.Status).toBe('creating');
      await expect(take('taken-2')).rejects.toMatchObject(busy('orders'));
      await expect(live.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: 'taken-1', TargetDBSnapshotIdentifier: 'copy-1' })))
        .rejects.toMatchObject({ name: 'InvalidDBSnapshotStateFault' });
      await expect(live.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: 'taken-1', AttributeName: 'restore', ValuesToAdd: [FAILSAFE] })))
        .rejects.toMatchObject({ name: 'InvalidDBSnapshotStateFault' });
      // The automated snapshots the tests ask for (automated-snapshots-on-demand) are not held up, nor held up by.
      await expect(live.createAutomatedSnapshot('orders', AT)).resolves.toMatchObject({ Status: 'available', SnapshotType: 'automated' });
      expect([await status('taken-1'), await status('taken-1'), await status('taken-1')]).toEqual(['creating', 'creating', 'available']);
      expect((await take('taken-2')).DBSnapshot?.Status).toBe('creating');
      await live.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: 'taken-1', TargetDBSnapshotIdentifier: 'copy-1' }));

      // The same for the cluster.
      expect((await takeCluster('ledger-1')).DBClusterSnapshot?.Status).toBe('creating');
      await expect(takeCluster('ledger-2')).rejects.toMatchObject(BUSY_CLUSTER);
      await expect(live.rds.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: 'ledger-1', TargetDBClusterSnapshotIdentifier: 'copy-1' })))
        .rejects.toMatchObject({ name: 'InvalidDBClusterSnapshotStateFault' });
      await expect(live.createAutomatedClusterSnapshot('ledger', AT)).resolves.toMatchObject({ Status: 'available', SnapshotType: 'automated' });
      expect([await clusterStatus('ledger-1'), await clusterStatus('ledger-1'), await clusterStatus('ledger-1')]).toEqual(['creating', 'creating', 'available']);
      expect((await takeCluster('ledger-2')).DBClusterSnapshot?.Status).toBe('creating');
    });
  });

  test('on, by default (N = 0): a snapshot taken is available at once; a database that is not available, or a member of a cluster, is still refused', async () => {
    await withEmulator({ restorePendingDescribes: 1 }, async (emulator) => {
      const { live, take, takeCluster } = await databases(emulator);
      expect([(await take('taken-1')).DBSnapshot?.Status, (await take('taken-2')).DBSnapshot?.Status]).toEqual(['available', 'available']);
      await live.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: 'orders' }));
      await expect(take('stopped')).rejects.toMatchObject(busy('orders'));
      await live.rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: 'orders' }));
      await expect(take('started')).resolves.toBeDefined();
      // A restore that is still creating (restore-creating-phase).
      await live.rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'drill-orders', DBSnapshotIdentifier: 'taken-1' }));
      await expect(take('restoring', 'drill-orders')).rejects.toMatchObject(busy('drill-orders'));
      await expect(take('member', 'ledger-writer')).rejects.toMatchObject({
        name: 'InvalidParameterValue',
        message: 'The specified instance is a member of a cluster and a snapshot cannot be created directly. Please use the CreateDBClusterSnapshot API instead.',
      });
      expect([(await takeCluster('ledger-1')).DBClusterSnapshot?.Status, (await takeCluster('ledger-2')).DBClusterSnapshot?.Status]).toEqual(['available', 'available']);
      await live.rds.send(new StopDBClusterCommand({ DBClusterIdentifier: 'ledger' }));
      await expect(takeCluster('stopped')).rejects.toMatchObject(BUSY_CLUSTER);
      await live.rds.send(new StartDBClusterCommand({ DBClusterIdentifier: 'ledger' }));
      await expect(takeCluster('started')).resolves.toBeDefined();
    });
  });

  test('off (the gap): moto makes a snapshot taken available at once, takes the next one at once, and takes one of a stopped database or of a cluster member', async () => {
    await withEmulator({ snapshotPendingDescribes: 2, patchesOff: ['taken-snapshot-creating-phase'] }, async (emulator) => {
      const { live, take, takeCluster } = await databases(emulator);
      expect([(await take('taken-1')).DBSnapshot?.Status, (await take('taken-2')).DBSnapshot?.Status]).toEqual(['available', 'available']);
      await live.rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: 'orders' }));
      await expect(take('stopped')).resolves.toBeDefined();
      await expect(take('member', 'ledger-writer')).resolves.toBeDefined();
      expect([(await takeCluster('ledger-1')).DBClusterSnapshot?.Status, (await takeCluster('ledger-2')).DBClusterSnapshot?.Status]).toEqual(['available', 'available']);
      await live.rds.send(new StopDBClusterCommand({ DBClusterIdentifier: 'ledger' }));
      await expect(takeCluster('stopped')).resolves.toBeDefined();
    });
  });
});

describe('patch disabled-keys-refused', () => {
  async function copyWithDisabledKey(emulator: Emulator) {
    const live = await createLiveAccount(emulator, LIVE);
    await live.createDatabase('orders', 'none');
    const [automated] = await live.automatedSnapshots();
    const kms = new KMSClient(await emulator.clientConfig(LIVE));
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
    const copy = () => live.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: automated.DBSnapshotArn, TargetDBSnapshotIdentifier: 'copy-1', KmsKeyId: key.Arn }));
    return { copy, enable: () => kms.send(new EnableKeyCommand({ KeyId: key.KeyId })) };
  }

  test('on: a copy with a disabled key is refused with KMSKeyNotAccessibleFault, and succeeds once the key is enabled', async () => {
    await withEmulator({}, async (emulator) => {
      const { copy, enable } = await copyWithDisabledKey(emulator);
      await expect(copy()).rejects.toMatchObject({ name: 'KMSKeyNotAccessibleFault', message: expect.stringMatching(/is not enabled/) });
      await enable();
      await expect(copy()).resolves.toBeDefined();
    });
  });

  test('off (the gap): moto copies with a disabled key', async () => {
    await withEmulator({ patchesOff: ['disabled-keys-refused'] }, async (emulator) => {
      const { copy } = await copyWithDisabledKey(emulator);
      await expect(copy()).resolves.toBeDefined();
    });
  });
});

describe('patch default-key-share-refused', () => {
  async function shareDefaultKeySnapshot(emulator: Emulator) {
    const live = await createLiveAccount(emulator, LIVE);
    await live.createDatabase('users', 'aws/rds');
    await live.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'users', DBSnapshotIdentifier: 'users-manual' }));
    return live.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: 'users-manual', AttributeName: 'restore', ValuesToAdd: [FAILSAFE] }));
  }

  test('on: sharing a snapshot encrypted with the default key is refused', async () => {
    await withEmulator({}, async (emulator) => {
      await expect(shareDefaultKeySnapshot(emulator)).rejects.toMatchObject({
        name: 'InvalidParameterValue',
        message: "You can't share a snapshot that has been encrypted using the default KMS key of the AWS account that shared the snapshot.",
      });
    });
  });

  test('off (the gap): moto shares it', async () => {
    await withEmulator({ patchesOff: ['default-key-share-refused'] }, async (emulator) => {
      await expect(shareDefaultKeySnapshot(emulator)).resolves.toBeDefined();
    });
  });
});

describe('patch automated-snapshots-on-demand', () => {
  test('on: a tagged CreateDBSnapshot takes an automated snapshot at the given time', async () => {
    await withEmulator({}, async (emulator) => {
      const live = await createLiveAccount(emulator, LIVE);
      await live.createDatabase('orders', 'none');
      const snapshot = await live.createAutomatedSnapshot('orders', new Date('2026-11-20T03:00:00Z'));
      expect(snapshot).toMatchObject({ DBSnapshotIdentifier: 'rds:orders-2026-11-20-03-00', SnapshotType: 'automated', SnapshotCreateTime: new Date('2026-11-20T03:00:00Z') });
      expect((await live.automatedSnapshots()).map((s) => s.DBSnapshotIdentifier)).toContain('rds:orders-2026-11-20-03-00');
      await live.createDatabase('users', 'none', new Date('2026-11-19T03:00:00Z'));
      const users = (await live.automatedSnapshots()).filter((s) => s.DBInstanceIdentifier === 'users');
      expect(users.map((s) => [s.DBSnapshotIdentifier, s.SnapshotCreateTime])).toEqual([['rds:users-2026-11-19-03-00', new Date('2026-11-19T03:00:00Z')]]);
    });
  });

  test('off (the gap): moto makes a manual snapshot, taken now', async () => {
    await withEmulator({ patchesOff: ['automated-snapshots-on-demand'] }, async (emulator) => {
      const live = await createLiveAccount(emulator, LIVE);
      await live.createDatabase('orders', 'none');
      const snapshot = await live.createAutomatedSnapshot('orders', new Date('2026-11-20T03:00:00Z'));
      expect(snapshot.SnapshotType).toBe('manual');
    });
  });
});

describe('the patches for DB cluster snapshots (Aurora)', () => {
  test('on: a cluster copy is creating first; default-key sharing is refused; automated cluster snapshots come on demand', async () => {
    await withEmulator({ copyPendingDescribes: 1 }, async (emulator) => {
      const live = await createLiveAccount(emulator, LIVE);
      await live.createCluster('ledger', 'aws/rds', { firstSnapshotAt: new Date('2026-11-19T03:00:00Z') });
      const at = new Date('2026-11-20T03:00:00Z');
      const automated = await live.createAutomatedClusterSnapshot('ledger', at);
      expect(automated).toMatchObject({ DBClusterSnapshotIdentifier: 'rds:ledger-2026-11-20-03-00', SnapshotType: 'automated', SnapshotCreateTime: at });
      expect((await live.automatedClusterSnapshots()).map((s) => s.DBClusterSnapshotIdentifier)).toEqual(['rds:ledger-2026-11-19-03-00', 'rds:ledger-2026-11-20-03-00']);

      // A copy under a customer managed key: creating first, shareable once available.
      const copy = (target: string, kmsKeyId?: string) => live.rds.send(new CopyDBClusterSnapshotCommand({
        SourceDBClusterSnapshotIdentifier: automated.DBClusterSnapshotArn, TargetDBClusterSnapshotIdentifier: target, KmsKeyId: kmsKeyId,
      }));
      const share = (id: string) => live.rds.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: id, AttributeName: 'restore', ValuesToAdd: [FAILSAFE] }));
      const status = async (id: string) =>
        (await live.rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }))).DBClusterSnapshots![0].Status;
      await copy('copy-cmk', live.shippingKeyArn);
      await expect(share('copy-cmk')).rejects.toMatchObject({ name: 'InvalidDBClusterSnapshotStateFault' });
      expect([await status('copy-cmk'), await status('copy-cmk')]).toEqual(['creating', 'available']);
      await expect(share('copy-cmk')).resolves.toBeDefined();
      // A copy under the default key is never shareable.
      await copy('copy-default');
      expect([await status('copy-default'), await status('copy-default')]).toEqual(['creating', 'available']);
      await expect(share('copy-default')).rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringMatching(/default KMS key/) });
    });
  });

  async function clusterCopies(emulator: Emulator) {
    const live = await createLiveAccount(emulator, LIVE);
    await live.createCluster('plain', 'none');
    const [automated] = await live.automatedClusterSnapshots();
    const encryptUnencrypted = live.rds.send(new CopyDBClusterSnapshotCommand({
      SourceDBClusterSnapshotIdentifier: automated.DBClusterSnapshotArn, TargetDBClusterSnapshotIdentifier: 'encrypted-copy', KmsKeyId: live.shippingKeyArn,
    }));
    return { live, encryptUnencrypted };
  }

  test('on (cluster-copy-encryption-rules): an unencrypted cluster snapshot cannot be encrypted by copying it', async () => {
    await withEmulator({}, async (emulator) => {
      const { encryptUnencrypted } = await clusterCopies(emulator);
      await expect(encryptUnencrypted).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    });
  });

  test('off (the gap): moto encrypts the copy', async () => {
    await withEmulator({ patchesOff: ['cluster-copy-encryption-rules'] }, async (emulator) => {
      const { encryptUnencrypted } = await clusterCopies(emulator);
      await expect(encryptUnencrypted).resolves.toMatchObject({ DBClusterSnapshot: { StorageEncrypted: true } });
    });
  });

  async function longClusterCopy(emulator: Emulator) {
    const live = await createLiveAccount(emulator, LIVE);
    await live.createCluster('ledger', 'none');
    const [automated] = await live.automatedClusterSnapshots();
    return live.rds.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: automated.DBClusterSnapshotArn, TargetDBClusterSnapshotIdentifier: `c${'x'.repeat(63)}` }));
  }

  test('on (cluster-snapshot-name-limit): a cluster snapshot identifier of more than 63 characters is refused', async () => {
    await withEmulator({}, async (emulator) => {
      await expect(longClusterCopy(emulator)).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    });
  });

  test('off (the gap): moto takes it', async () => {
    await withEmulator({ patchesOff: ['cluster-snapshot-name-limit'] }, async (emulator) => {
      await expect(longClusterCopy(emulator)).resolves.toBeDefined();
    });
  });

  test('on (cluster-copy-encryption-rules): an encrypted cluster snapshot shared from another account needs a KmsKeyId of the copying account', async () => {
    await withEmulator({}, async (emulator) => {
      const live = await createLiveAccount(emulator, LIVE);
      await live.createCluster('ledger', 'cmk');
      const [automated] = await live.automatedClusterSnapshots();
      await live.rds.send(new CopyDBClusterSnapshotCommand({
        SourceDBClusterSnapshotIdentifier: automated.DBClusterSnapshotArn, TargetDBClusterSnapshotIdentifier: 'failsafe-ledger-20261120-030000', KmsKeyId: live.shippingKeyArn,
      }));
      await live.rds.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: 'failsafe-ledger-20261120-030000', AttributeName: 'restore', ValuesToAdd: [FAILSAFE] }));
      const failsafe = new RDSClient(await emulator.clientConfig(FAILSAFE));
      const arn = `arn:aws:rds:eu-west-1:${LIVE}:cluster-snapshot:failsafe-ledger-20261120-030000`;
      await expect(failsafe.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: arn, TargetDBClusterSnapshotIdentifier: 'vault-copy' })))
        .rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    });
  });
});

describe('patch account-quotas', () => {
  const quotas = async (rds: RDSClient) => Object.fromEntries(((await rds.send(new DescribeAccountAttributesCommand({}))).AccountQuotas ?? [])
    .map((q) => [q.AccountQuotaName, { used: q.Used, max: q.Max }]));

  test('on: DescribeAccountAttributes reports the quota the emulator enforces, counting manual snapshots only', async () => {
    await withEmulator({ manualSnapshotLimit: 3 }, async (emulator) => {
      const live = await createLiveAccount(emulator, LIVE);
      await live.createDatabase('orders', 'none'); // takes an automated snapshot, which does not count
      expect(await quotas(live.rds)).toEqual({ ManualSnapshots: { used: 0, max: 3 }, ManualClusterSnapshots: { used: 0, max: 3 } });
      for (let i = 0; i < 3; i++) await live.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders', DBSnapshotIdentifier: `manual-${i}` }));
      expect((await quotas(live.rds)).ManualSnapshots).toEqual({ used: 3, max: 3 });
      await expect(live.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders', DBSnapshotIdentifier: 'one-too-many' })))
        .rejects.toMatchObject({ name: 'SnapshotQuotaExceededFault', message: 'Cannot create more than 3 manual snapshots' });
      // The cluster quota is apart.
      expect((await quotas(live.rds)).ManualClusterSnapshots).toEqual({ used: 0, max: 3 });
    });
  });

  test('off (the gap): moto has no DescribeAccountAttributes, and counts automated snapshots against its limit', async () => {
    await withEmulator({ manualSnapshotLimit: 2, patchesOff: ['account-quotas'] }, async (emulator) => {
      const live = await createLiveAccount(emulator, LIVE);
      await live.createDatabase('orders', 'none');
      await expect(quotas(live.rds)).rejects.toThrow();
      await live.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders', DBSnapshotIdentifier: 'manual-0' }));
      await expect(live.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders', DBSnapshotIdentifier: 'manual-1' })))
        .rejects.toMatchObject({ name: 'SnapshotQuotaExceededFault' });
    });
  });
});

describe('patch copies-in-flight-limit', () => {
  const copyMany = async (rds: RDSClient, source: string, n: number, prefix = 'copy') => {
    const outcomes: string[] = [];
    for (let i = 0; i < n; i++) {
      try {
        await rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: source, TargetDBSnapshotIdentifier: `${prefix}-${i}` }));
        outcomes.push('started');
      } catch (e) {
        outcomes.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
    }
    return outcomes;
  };

  test('on: at most 20 DB snapshot copies in progress; the 21st is refused with SnapshotQuotaExceeded, told apart by its message', async () => {
    await withEmulator({ copyPendingDescribes: 5 }, async (emulator) => {
      const live = await createLiveAccount(emulator, LIVE);
      await live.createDatabase('orders', 'none');
      const [automated] = await live.automatedSnapshots();
      const outcomes = await copyMany(live.rds, automated.DBSnapshotIdentifier!, 21);
      expect(outcomes.slice(0, 20).every((o) => o === 'started')).toBe(true);
      expect(outcomes[20]).toBe('SnapshotQuotaExceededFault: Cannot copy more than 20 DB snapshots at a time: 20 copy requests are in progress in this Region');
      // Once the copies have finished (five describes later), there is room again.
      for (let i = 0; i < 6; i++) await live.manualSnapshots();
      expect(await copyMany(live.rds, automated.DBSnapshotIdentifier!, 1, 'later')).toEqual(['started']);
    });
  });

  test('on: at most 5 DB cluster snapshot copies in progress, counted apart from DB snapshot copies', async () => {
    await withEmulator({ copyPendingDescribes: 5 }, async (emulator) => {
      const live = await createLiveAccount(emulator, LIVE);
      await live.createCluster('ledger', 'none');
      await live.createDatabase('orders', 'none');
      const [cluster] = await live.automatedClusterSnapshots();
      const [instance] = await live.automatedSnapshots();
      const outcomes: string[] = [];
      for (let i = 0; i < 6; i++) {
        outcomes.push(await live.rds.send(new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: cluster.DBClusterSnapshotIdentifier!, TargetDBClusterSnapshotIdentifier: `copy-${i}`,
        })).then(() => 'started', (e) => `${e.name}: ${e.message}`));
      }
      expect(outcomes.slice(0, 5).every((o) => o === 'started')).toBe(true);
      expect(outcomes[5]).toBe('SnapshotQuotaExceededFault: Cannot copy more than 5 DB cluster snapshots at a time: 5 copy requests are in progress in this Region');
      expect(await copyMany(live.rds, instance.DBSnapshotIdentifier!, 1)).toEqual(['started']);
    });
  });

  test('off (the gap): moto starts any number of copies', async () => {
    await withEmulator({ copyPendingDescribes: 5, patchesOff: ['copies-in-flight-limit'] }, async (emulator) => {
      const live = await createLiveAccount(emulator, LIVE);
      await live.createDatabase('orders', 'none');
      const [automated] = await live.automatedSnapshots();
      expect((await copyMany(live.rds, automated.DBSnapshotIdentifier!, 21)).every((o) => o === 'started')).toBe(true);
    });
  });
});

describe('patch unique-resource-ids', () => {
  const INSTANCE_ID = /^db-[A-Z0-9]{26}$/;
  const CLUSTER_ID = /^cluster-[A-Z0-9]{26}$/;
  const FIRST = new Date('2026-11-19T03:00:00Z');
  const AT = new Date('2026-11-20T03:00:00Z');
  const LATER = new Date('2026-11-21T03:00:00Z');

  /**
   * Two DB instances; an automated snapshot of orders copied as the shipper
   * does, shared, and copied by the vault by its ARN; then orders deleted and
   * created again. Returns the instances' DbiResourceIds and each snapshot's.
   */
  async function instanceStory(emulator: Emulator) {
    const live = await createLiveAccount(emulator, LIVE);
    const failsafe = new RDSClient(await emulator.clientConfig(FAILSAFE));
    const resourceId = async (id: string) =>
      (await live.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0].DbiResourceId;
    await live.createDatabase('orders', 'none', FIRST);
    await live.createDatabase('users', 'none', FIRST);
    const [orders, users] = [await resourceId('orders'), await resourceId('users')];
    const automated = await live.createAutomatedSnapshot('orders', AT);
    const shipped = (await live.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: automated.DBSnapshotArn, TargetDBSnapshotIdentifier: 'shipped-orders' }))).DBSnapshot!;
    await live.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: 'shipped-orders', AttributeName: 'restore', ValuesToAdd: [FAILSAFE] }));
    await copyInto(failsafe, shipped.DBSnapshotArn!);
    const before = Object.fromEntries((await live.automatedSnapshots()).map((s) => [s.DBSnapshotIdentifier, s.DbiResourceId]));
    await live.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'orders', SkipFinalSnapshot: true }));
    await live.createDatabase('orders', 'none', LATER);
    const recreated = await resourceId('orders');
    const after = [...await live.automatedSnapshots(), ...await live.manualSnapshots()];
    const [vaultCopy] = await listSnapshots(failsafe, 'manual');
    const snapshots = { ...before, ...Object.fromEntries(after.map((s) => [s.DBSnapshotIdentifier, s.DbiResourceId])), 'vault-copy': vaultCopy.DbiResourceId };
    return { orders, users, recreated, snapshots, vaultCopy };
  }

  /** The same for DB clusters: ledger's snapshot shipped and copied by the vault, then ledger deleted and created again. */
  async function clusterStory(emulator: Emulator) {
    const live = await createLiveAccount(emulator, LIVE);
    const failsafe = new RDSClient(await emulator.clientConfig(FAILSAFE));
    const resourceId = async (id: string) =>
      (await live.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters![0].DbClusterResourceId;
    await live.createCluster('ledger', 'none', { firstSnapshotAt: FIRST });
    await live.createCluster('billing', 'none', { firstSnapshotAt: FIRST });
    const [ledger, billing] = [await resourceId('ledger'), await resourceId('billing')];
    const automated = await live.createAutomatedClusterSnapshot('ledger', AT);
    await live.rds.send(new CopyDBClusterSnapshotCommand({ SourceDBClusterSnapshotIdentifier: automated.DBClusterSnapshotArn, TargetDBClusterSnapshotIdentifier: 'shipped-ledger' }));
    await live.rds.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: 'shipped-ledger', AttributeName: 'restore', ValuesToAdd: [FAILSAFE] }));
    await failsafe.send(new CopyDBClusterSnapshotCommand({
      SourceDBClusterSnapshotIdentifier: `arn:aws:rds:eu-west-1:${LIVE}:cluster-snapshot:shipped-ledger`, TargetDBClusterSnapshotIdentifier: 'vault-copy',
    }));
    const before = Object.fromEntries((await live.automatedClusterSnapshots()).map((s) => [s.DBClusterSnapshotIdentifier, s.DbClusterResourceId]));
    await live.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'ledger-writer', SkipFinalSnapshot: true }));
    await live.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'ledger', SkipFinalSnapshot: true }));
    await live.createCluster('ledger', 'none', { firstSnapshotAt: LATER });
    const recreated = await resourceId('ledger');
    const after = [...await live.automatedClusterSnapshots(), ...await live.manualClusterSnapshots()];
    const [vaultCopy] = await listClusterSnapshots(failsafe, 'manual');
    const snapshots = { ...before, ...Object.fromEntries(after.map((s) => [s.DBClusterSnapshotIdentifier, s.DbClusterResourceId])), 'vault-copy': vaultCopy.DbClusterResourceId };
    return { ledger, billing, recreated, snapshots };
  }

  test('on: each DB instance has its own DbiResourceId; its snapshots and their copies, across accounts too, carry it after it is deleted; an instance created again under its name gets a new one', async () => {
    await withEmulator({}, async (emulator) => {
      const { orders, users, recreated, snapshots, vaultCopy } = await instanceStory(emulator);
      for (const id of [orders, users, recreated]) expect(id).toMatch(INSTANCE_ID);
      expect(new Set([orders, users, recreated]).size).toBe(3);
      expect(snapshots).toEqual({
        'rds:orders-2026-11-19-03-00': orders,
        'rds:orders-2026-11-20-03-00': orders,
        'rds:users-2026-11-19-03-00': users,
        'shipped-orders': orders,
        'vault-copy': orders,
        'rds:orders-2026-11-21-03-00': recreated,
      });
      // moto's own behaviour, which the vault's check of a shared snapshot's recovery time relies on:
      // a copy keeps the original time, and has its own SnapshotCreateTime.
      expect(vaultCopy.OriginalSnapshotCreateTime).toEqual(AT);
      expect(vaultCopy.SnapshotCreateTime).not.toEqual(AT);
    });
  });

  test('on: the same for DB clusters and DbClusterResourceId', async () => {
    await withEmulator({}, async (emulator) => {
      const { ledger, billing, recreated, snapshots } = await clusterStory(emulator);
      for (const id of [ledger, billing, recreated]) expect(id).toMatch(CLUSTER_ID);
      expect(new Set([ledger, billing, recreated]).size).toBe(3);
      expect(snapshots).toEqual({
        'rds:ledger-2026-11-19-03-00': ledger,
        'rds:ledger-2026-11-20-03-00': ledger,
        'rds:billing-2026-11-19-03-00': billing,
        'shipped-ledger': ledger,
        'vault-copy': ledger,
        'rds:ledger-2026-11-21-03-00': recreated,
      });
    });
  });

  test('off (the gap): moto gives every DB instance, and so every DB snapshot, the same DbiResourceId, also an instance created again', async () => {
    await withEmulator({ patchesOff: ['unique-resource-ids'] }, async (emulator) => {
      const { orders, users, recreated, snapshots } = await instanceStory(emulator);
      expect(orders).toMatch(INSTANCE_ID);
      expect(Object.keys(snapshots)).toHaveLength(6);
      expect(new Set([orders, users, recreated, ...Object.values(snapshots)])).toEqual(new Set([orders]));
    });
  });

  test('off (the gap): moto gives DB clusters their own ids, but no DbClusterResourceId on any cluster snapshot', async () => {
    await withEmulator({ patchesOff: ['unique-resource-ids'] }, async (emulator) => {
      const { ledger, billing, recreated, snapshots } = await clusterStory(emulator);
      expect(new Set([ledger, billing, recreated]).size).toBe(3);
      expect(Object.keys(snapshots)).toEqual(expect.arrayContaining(['shipped-ledger', 'vault-copy', 'rds:ledger-2026-11-21-03-00']));
      expect(Object.values(snapshots).every((id) => id === undefined)).toBe(true);
    });
  });
});

describe('patch shared-snapshot-by-identifier', () => {
  /** Two snapshots shared with the Failsafe account; the vault asks RDS about the second, by its ARN. */
  async function describeSecond(emulator: Emulator) {
    const live = await createLiveAccount(emulator, LIVE);
    await live.createDatabase('orders', 'none');
    await live.createShippedSnapshot('orders', new Date('2026-11-19T12:00:00Z'), FAILSAFE);
    const second = await live.createShippedSnapshot('orders', new Date('2026-11-20T12:00:00Z'), FAILSAFE);
    const failsafe = new RDSClient(await emulator.clientConfig(FAILSAFE));
    const out = await failsafe.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: second.DBSnapshotArn, SnapshotType: 'shared', IncludeShared: true }));
    return { arn: second.DBSnapshotArn, found: (out.DBSnapshots ?? []).map((s) => s.DBSnapshotArn) };
  }

  test('on: a shared snapshot described by its ARN is that snapshot alone', async () => {
    await withEmulator({}, async (emulator) => {
      const { arn, found } = await describeSecond(emulator);
      expect(found).toEqual([arn]);
    });
  });

  test('off (the gap): moto answers with every shared snapshot, whatever the identifier', async () => {
    await withEmulator({ patchesOff: ['shared-snapshot-by-identifier'] }, async (emulator) => {
      const { arn, found } = await describeSecond(emulator);
      expect(found).toHaveLength(2);
      expect(found).toContain(arn);
    });
  });
});

describe('patch cross-region-copy-rules', () => {
  const HOME = 'eu-west-1';
  const DR = 'eu-central-1';

  /** An encrypted DB instance and an encrypted Aurora cluster in the home Region, a key in the DR Region, and RDS there. */
  async function twoRegions(emulator: Emulator) {
    const live = await createLiveAccount(emulator, LIVE, 'rds-failsafe-shipper', HOME);
    await live.createDatabase('orders', 'cmk');
    await live.createCluster('ledger', 'cmk');
    const [automated] = await live.automatedSnapshots();
    const [automatedCluster] = await live.automatedClusterSnapshots();
    const cfg = await emulator.clientConfig(LIVE, DR);
    const drKeyArn = (await new KMSClient(cfg).send(new CreateKeyCommand({ Description: 'shipping key in the DR Region' }))).KeyMetadata!.Arn!;
    const dr = new RDSClient(cfg);
    const copy = (kmsKeyId?: string) => dr.send(new CopyDBSnapshotCommand({
      SourceDBSnapshotIdentifier: automated.DBSnapshotArn, TargetDBSnapshotIdentifier: 'dr-copy', KmsKeyId: kmsKeyId,
    }));
    const copyCluster = (kmsKeyId?: string) => dr.send(new CopyDBClusterSnapshotCommand({
      SourceDBClusterSnapshotIdentifier: automatedCluster.DBClusterSnapshotArn, TargetDBClusterSnapshotIdentifier: 'dr-cluster-copy', KmsKeyId: kmsKeyId,
    }));
    return { live, dr, drKeyArn, automated, automatedCluster, copy, copyCluster };
  }

  test('on: a copy called in the DR Region takes the source by its ARN in the home Region, lands in the DR Region under its key, and says where it came from', async () => {
    await withEmulator({}, async (emulator) => {
      const { drKeyArn, automated, automatedCluster, copy, copyCluster } = await twoRegions(emulator);
      expect(automated.DBSnapshotArn).toMatch(/^arn:aws:rds:eu-west-1:/);
      expect((await copy(drKeyArn)).DBSnapshot).toMatchObject({
        DBSnapshotArn: `arn:aws:rds:${DR}:${LIVE}:snapshot:dr-copy`, KmsKeyId: drKeyArn, SourceRegion: HOME, SourceDBSnapshotIdentifier: automated.DBSnapshotArn,
      });
      expect((await copyCluster(drKeyArn)).DBClusterSnapshot).toMatchObject({
        DBClusterSnapshotArn: `arn:aws:rds:${DR}:${LIVE}:cluster-snapshot:dr-cluster-copy`, KmsKeyId: drKeyArn, SourceDBClusterSnapshotArn: automatedCluster.DBClusterSnapshotArn,
      });
    });
  });

  test('on: an encrypted snapshot is not copied into another Region without a key of that Region (InvalidParameterValue), nor under a key of the home Region (KMSKeyNotAccessibleFault)', async () => {
    await withEmulator({}, async (emulator) => {
      const { live, copy, copyCluster } = await twoRegions(emulator);
      await expect(copy()).rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringMatching(/Must specify new KMS key for cross region/) });
      await expect(copyCluster()).rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringMatching(/Must specify new KMS key for cross region/) });
      await expect(copy(live.shippingKeyArn)).rejects.toMatchObject({ name: 'KMSKeyNotAccessibleFault' });
      await expect(copyCluster(live.shippingKeyArn)).rejects.toMatchObject({ name: 'KMSKeyNotAccessibleFault' });
    });
  });

  test('off (the gap): moto copies an encrypted snapshot into another Region under the home Region\'s key, and does not say where a copy came from', async () => {
    await withEmulator({ patchesOff: ['cross-region-copy-rules'] }, async (emulator) => {
      const { live, dr, drKeyArn, automated, copy, copyCluster } = await twoRegions(emulator);
      // moto itself refuses a key of another Region: the patch does not have to.
      await expect(copy(live.shippingKeyArn)).rejects.toMatchObject({ name: 'KMSKeyNotAccessibleFault' });
      expect((await copy()).DBSnapshot!.KmsKeyId).toBe(live.sourceKeyArn);
      expect((await copyCluster()).DBClusterSnapshot!.KmsKeyId).toBe(live.sourceKeyArn);
      const withKey = await dr.send(new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: automated.DBSnapshotArn, TargetDBSnapshotIdentifier: 'dr-copy-2', KmsKeyId: drKeyArn,
      }));
      expect(withKey.DBSnapshot).toMatchObject({ DBSnapshotArn: `arn:aws:rds:${DR}:${LIVE}:snapshot:dr-copy-2`, KmsKeyId: drKeyArn });
      expect(withKey.DBSnapshot!.SourceRegion).toBeUndefined();
    });
  });
});

describe('where a copy came from, for the accounts it is shared with', () => {
  /** A copy across Regions in Live's DR Region, shared with Failsafe; what each account is told of where it came from. */
  async function sourceAsSeenBy(options: EmulatorOptions) {
    return withEmulator(options, async (emulator) => {
      const live = await createLiveAccount(emulator, LIVE, 'rds-failsafe-shipper', 'eu-west-1');
      await live.createDatabase('orders', 'none');
      const [automated] = await live.automatedSnapshots();
      const dr = new RDSClient(await emulator.clientConfig(LIVE, 'eu-central-1'));
      await dr.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: automated.DBSnapshotArn, TargetDBSnapshotIdentifier: 'failsafe-orders-copy' }));
      await dr.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: 'failsafe-orders-copy', AttributeName: 'restore', ValuesToAdd: [FAILSAFE] }));
      const owner = (await dr.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'failsafe-orders-copy' }))).DBSnapshots![0];
      const failsafe = new RDSClient(await emulator.clientConfig(FAILSAFE, 'eu-central-1'));
      const [shared] = (await failsafe.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'shared', IncludeShared: true }))).DBSnapshots!;
      return { owner: owner.SourceRegion, shared: shared.SourceRegion, sharedIdentifier: shared.SourceDBSnapshotIdentifier };
    });
  }

  test('by default every account is told (cross-region-copy-rules); with hideCopySourceFromShared, the owner only: RDS documents neither', async () => {
    expect(await sourceAsSeenBy({})).toEqual({ owner: 'eu-west-1', shared: 'eu-west-1', sharedIdentifier: expect.stringMatching(/^arn:aws:rds:eu-west-1:/) });
    expect(await sourceAsSeenBy({ hideCopySourceFromShared: true })).toEqual({ owner: 'eu-west-1', shared: undefined, sharedIdentifier: undefined });
  });
});

describe('region outages (a fault the tests inject, not a patch)', () => {
  test('a Region taken down refuses every call, of every service, with 503 until the outage ends; other Regions answer throughout', async () => {
    await withEmulator({}, async (emulator) => {
      const down = new RDSClient({ ...await emulator.clientConfig(LIVE, 'eu-west-1'), maxAttempts: 1 });
      const downKms = new KMSClient({ ...await emulator.clientConfig(LIVE, 'eu-west-1'), maxAttempts: 1 });
      const up = new RDSClient({ ...await emulator.clientConfig(LIVE, 'eu-central-1'), maxAttempts: 1 });
      await expect(down.send(new DescribeDBSnapshotsCommand({}))).resolves.toBeDefined();
      emulator.setRegionOutage(['eu-west-1']);
      await expect(down.send(new DescribeDBSnapshotsCommand({}))).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
      await expect(downKms.send(new CreateKeyCommand({}))).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
      await expect(up.send(new DescribeDBSnapshotsCommand({}))).resolves.toBeDefined();
      emulator.setRegionOutage([]);
      await expect(down.send(new DescribeDBSnapshotsCommand({}))).resolves.toBeDefined();
    });
  });
});

describe('the patches for restores', () => {
  /** A copy of an encrypted database under the shipping key, and its restore into a DB instance. */
  async function restoreOfCopy(emulator: Emulator) {
    const live = await createLiveAccount(emulator, LIVE);
    await live.createDatabase('orders', 'cmk');
    const [automated] = await live.automatedSnapshots();
    await live.rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: automated.DBSnapshotArn, TargetDBSnapshotIdentifier: 'copy-1', KmsKeyId: live.shippingKeyArn }));
    const restore = () => live.rds.send(new RestoreDBInstanceFromDBSnapshotCommand({
      DBInstanceIdentifier: 'drill-orders', DBSnapshotIdentifier: 'copy-1', DBInstanceClass: 'db.t4g.micro',
    }));
    const status = async () => (await live.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'drill-orders' }))).DBInstances![0].DBInstanceStatus;
    return { live, restore, status };
  }

  test('on (restore-creating-phase): a restored DB instance is creating for N describe calls, and cannot be modified until available', async () => {
    await withEmulator({ restorePendingDescribes: 2 }, async (emulator) => {
      const { live, restore, status } = await restoreOfCopy(emulator);
      expect((await restore()).DBInstance?.DBInstanceStatus).toBe('creating');
      await expect(live.rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'drill-orders', DeletionProtection: false, ApplyImmediately: true })))
        .rejects.toMatchObject({ name: 'InvalidDBInstanceStateFault' });
      expect([await status(), await status(), await status()]).toEqual(['creating', 'creating', 'available']);
    });
  });

  test('on (restore-creating-phase): a copy that is still creating cannot be restored', async () => {
    await withEmulator({ copyPendingDescribes: 5 }, async (emulator) => {
      const { restore } = await restoreOfCopy(emulator);
      await expect(restore()).rejects.toMatchObject({ name: 'InvalidDBSnapshotStateFault' });
    });
  });

  test('on (restore-creating-phase): a DB cluster restored from a snapshot is creating for N describe calls', async () => {
    await withEmulator({ restorePendingDescribes: 2 }, async (emulator) => {
      const live = await createLiveAccount(emulator, LIVE);
      await live.createCluster('ledger', 'cmk');
      const [automated] = await live.automatedClusterSnapshots();
      await live.rds.send(new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: 'drill-ledger', SnapshotIdentifier: automated.DBClusterSnapshotIdentifier, Engine: 'aurora-postgresql',
      }));
      const status = async () => (await live.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'drill-ledger' }))).DBClusters![0].Status;
      expect([await status(), await status(), await status()]).toEqual(['creating', 'creating', 'available']);
    });
  });

  test('off (the gap): moto makes a restored DB instance available at once, and restores a copy that is still creating', async () => {
    await withEmulator({ restorePendingDescribes: 2, copyPendingDescribes: 5, patchesOff: ['restore-creating-phase'] }, async (emulator) => {
      const { restore, status } = await restoreOfCopy(emulator);
      await expect(restore()).resolves.toBeDefined();
      expect(await status()).toBe('available');
    });
  });

  /** The restore of a copy whose key, the shipping key here, is disabled. */
  async function restoreWithKeyDisabled(emulator: Emulator) {
    const { live, restore } = await restoreOfCopy(emulator);
    await live.kms.send(new DisableKeyCommand({ KeyId: live.shippingKeyArn.split('/').pop() }));
    return restore();
  }

  test('on (restore-disabled-keys-refused): a snapshot whose key is disabled cannot be restored', async () => {
    await withEmulator({}, async (emulator) => {
      await expect(restoreWithKeyDisabled(emulator)).rejects.toMatchObject({ name: 'KMSKeyNotAccessibleFault' });
    });
  });

  test('off (the gap): moto restores it', async () => {
    await withEmulator({ patchesOff: ['restore-disabled-keys-refused'] }, async (emulator) => {
      await expect(restoreWithKeyDisabled(emulator)).resolves.toBeDefined();
    });
  });

  /** The restore, with false parameters, of a snapshot of a database that is protected, public and Multi-AZ. */
  async function restoreOfProtected(emulator: Emulator) {
    const live = await createLiveAccount(emulator, LIVE);
    await live.rds.send(new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'guarded',
      Engine: 'postgres',
      DBInstanceClass: 'db.t4g.micro',
      MasterUsername: 'admin',
      MasterUserPassword: 'password1',
      DeletionProtection: true,
      PubliclyAccessible: true,
      MultiAZ: true,
    }));
    await live.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'guarded', DBSnapshotIdentifier: 'guarded-1' }));
    const restored = (await live.rds.send(new RestoreDBInstanceFromDBSnapshotCommand({
      DBInstanceIdentifier: 'drill-guarded', DBSnapshotIdentifier: 'guarded-1', DeletionProtection: false, PubliclyAccessible: false, MultiAZ: false,
    }))).DBInstance!;
    const deleted = live.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'drill-guarded', SkipFinalSnapshot: true }));
    return { restored, deleted };
  }

  test('on (restore-false-parameters): a restore takes DeletionProtection, PubliclyAccessible and MultiAZ false as given, and can be deleted', async () => {
    await withEmulator({}, async (emulator) => {
      const { restored, deleted } = await restoreOfProtected(emulator);
      expect(restored).toMatchObject({ DeletionProtection: false, PubliclyAccessible: false, MultiAZ: false });
      await expect(deleted).resolves.toBeDefined();
    });
  });

  test('off (the gap): moto keeps the source\'s settings, and the restore cannot be deleted', async () => {
    await withEmulator({ patchesOff: ['restore-false-parameters'] }, async (emulator) => {
      const { restored, deleted } = await restoreOfProtected(emulator);
      expect(restored).toMatchObject({ DeletionProtection: true, PubliclyAccessible: true, MultiAZ: true });
      await expect(deleted).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    });
  });
});
