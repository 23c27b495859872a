/**
 * Injected faults, with aws-sdk-client-mock. Every fault is isolated to its own
 * database or snapshot, logged with its code (and the missing grant, where it is
 * one), retried by the next pass, and never causes a deletion. (The emulator
 * shows the KMS and state faults end to end: see the drill's disabled vault key
 * and the creating-phase patch.)
 */
import {
  CopyDBSnapshotCommand,
  DBSnapshot,
  DeleteDBSnapshotCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { ShipperConfig, VaultConfig } from '../../src/runtime/config';
import { MetricDatum, shipperMetrics, vaultMetrics } from '../../src/runtime/metric-names';
import { parseShippedName } from '../../src/runtime/naming';
import { runShipperPass } from '../../src/runtime/shipper-pass';
import { TagKeys } from '../../src/runtime/tags';
import { runVaultPass } from '../../src/runtime/vault-pass';
import { createLogger } from '../helpers/memory-logger';

const REGION = 'eu-west-1';
const LIVE = '111111111111';
const FAILSAFE = '222222222222';
const DAY = 86_400_000;
const NOW = new Date('2026-11-20T12:00:00Z');

const rdsMock = mockClient(RDSClient);
const snsMock = mockClient(SNSClient);
let lines: any[] = [];
const log = createLogger({}, (l) => lines.push(JSON.parse(l)));
const failuresLogged = () => lines.filter((l) => l.event === 'action-failed');
const fault = (name: string, message = name) => Object.assign(new Error(message), { name, $metadata: {} });
/** The value of one pass-wide metric the handler publishes for a pass with this outcome. */
const metric = (data: MetricDatum[], name: string) => data.find((d) => d.name === name && !d.dimensions)?.value;
const shipperMetric = (summary: Parameters<typeof shipperMetrics>[0], name: string) => metric(shipperMetrics(summary, NOW, 0), name);
const vaultMetric = (summary: any, name: string) =>
  metric(vaultMetrics({ accepted: 0, rejectedByReason: {}, ...summary }, { sources: [], retireAfterMs: DAY }, NOW, 0), name);

const FAULTS: Array<[string, Error, RegExp | undefined]> = [
  ['throttling that outlasts the SDK retries', fault('ThrottlingException', 'Rate exceeded'), undefined],
  ['a 5xx that outlasts the SDK retries', fault('InternalFailure', 'We encountered an internal error'), undefined],
  ['service unavailable', fault('ServiceUnavailable'), undefined],
  ['SnapshotQuotaExceeded', fault('SnapshotQuotaExceeded'), /snapshot quota/],
  ['KMSKeyNotAccessibleFault', fault('KMSKeyNotAccessibleFault'), /needs kms:CreateGrant and kms:DescribeKey/],
  ['access denied', fault('AccessDenied', 'User is not authorized to perform: rds:CopyDBSnapshot'), /needs rds:CopyDBSnapshot .* request tag cdk-rds-failsafe:owner=/],
  ['InvalidDBSnapshotState', fault('InvalidDBSnapshotStateFault'), /a later pass retries/],
];

beforeEach(() => {
  rdsMock.reset();
  // No DB clusters, unless a test says otherwise.
  rdsMock.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
  rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
  snsMock.reset();
  lines = [];
});

describe('shipper', () => {
  const config: ShipperConfig = {
    version: 1,
    ownerId: 'shipper-test',
    vaultAccount: FAILSAFE,
    shippingKeyArn: `arn:aws:kms:${REGION}:${LIVE}:key/shipping`,
    topicArn: `arn:aws:sns:${REGION}:${LIVE}:rds-failsafe-shipper`,
    retentionMs: 2 * DAY,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
    selection: { identifiers: ['alpha', 'beta'] },
  };
  const t = new Date(NOW.getTime() - 3_600_000);
  const automated = (db: string): DBSnapshot => ({
    DBSnapshotIdentifier: `rds:${db}-x`,
    DBSnapshotArn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:rds:${db}-x`,
    DBInstanceIdentifier: db,
    SnapshotType: 'automated',
    Status: 'available',
    SnapshotCreateTime: t,
    Engine: 'postgres',
    TagList: [],
  });
  /** An old, shared copy of beta that retention would delete once a newer shared copy exists. */
  const oldBeta: DBSnapshot = {
    DBSnapshotIdentifier: 'failsafe-beta-20261101-120000',
    DBSnapshotArn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:failsafe-beta-20261101-120000`,
    DBInstanceIdentifier: 'beta',
    SnapshotType: 'manual',
    Status: 'available',
    SnapshotCreateTime: new Date('2026-11-01T12:00:00Z'),
    Engine: 'postgres',
    Encrypted: true,
    TagList: [{ Key: TagKeys.OWNER, Value: 'shipper-test' }, { Key: TagKeys.SOURCE_DATABASE, Value: 'beta' }, { Key: TagKeys.SOURCE_TIME, Value: '2026-11-01T12:00:00.000Z' }, { Key: TagKeys.ANNOUNCED, Value: 'x' }],
  };
  let manual: DBSnapshot[];
  function account() {
    manual = [oldBeta];
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: ['alpha', 'beta'].map((d) => ({ DBInstanceIdentifier: d, Engine: 'postgres', BackupRetentionPeriod: 7, TagList: [] })) });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'automated' }).resolves({ DBSnapshots: [automated('alpha'), automated('beta')] });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).callsFake(async () => ({ DBSnapshots: manual }));
    rdsMock.on(DeleteDBSnapshotCommand).resolves({});
    rdsMock.on(ModifyDBSnapshotAttributeCommand).resolves({});
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
  }
  const pass = (remaining: () => number = () => 600_000) => runShipperPass(
    { rds: new RDSClient({ region: REGION }), sns: new SNSClient({ region: REGION }), now: () => NOW, remainingMs: remaining, log }, config);
  const copyOk = (input: any) => {
    manual.push({ DBSnapshotIdentifier: input.TargetDBSnapshotIdentifier, DBInstanceIdentifier: input.TargetDBSnapshotIdentifier.split('-')[1], Status: 'creating', TagList: input.Tags });
    return {};
  };

  test.each(FAULTS)('%s on one copy: the other database ships, nothing is deleted, the next pass retries', async (_name, error, hint) => {
    account();
    rdsMock.on(CopyDBSnapshotCommand).callsFake(async (input) => {
      if (input.TargetDBSnapshotIdentifier.startsWith('failsafe-beta')) throw error;
      return copyOk(input);
    });
    const first = await pass();
    expect(first).toMatchObject({ copiesStarted: 1, failures: 1, deleted: 0 });
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
    const [failure] = failuresLogged();
    expect(failure).toMatchObject({ level: 'error', action: 'copy', database: 'beta', errorCode: error.name });
    if (hint) expect(failure.hint).toMatch(hint);
    // ...and counted: the failures alarm fires on it.
    expect(shipperMetric(first, 'CopiesFailed')).toBe(1);
    expect(shipperMetric(first, 'Failures')).toBe(1);

    rdsMock.on(CopyDBSnapshotCommand).callsFake(async (input) => copyOk(input));
    const second = await pass();
    expect(second).toMatchObject({ copiesStarted: 1, failures: 0 });
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });

  test.each(FAULTS.filter(([n]) => n !== 'SnapshotQuotaExceeded'))('%s while sharing: not announced, not deleted, retried', async (_name, error) => {
    account();
    manual.push({ ...oldBeta, DBSnapshotIdentifier: 'failsafe-beta-20261120-110000', SnapshotCreateTime: t, TagList: oldBeta.TagList!.filter((x) => x.Key !== TagKeys.ANNOUNCED) });
    rdsMock.on(CopyDBSnapshotCommand).callsFake(async (input) => copyOk(input));
    rdsMock.on(ModifyDBSnapshotAttributeCommand).rejects(error);
    const result = await pass();
    expect(result).toMatchObject({ announced: 0, deleted: 0, failures: 1 });
    expect(failuresLogged()).toEqual([expect.objectContaining({ action: 'share-and-announce', errorCode: error.name })]);
    expect(shipperMetric(result, 'Failures')).toBe(1);
    expect(shipperMetric(result, 'Announcements')).toBe(0);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });

  test('a concurrent run that made the copy first: counted as done, nothing fails', async () => {
    account();
    rdsMock.on(CopyDBSnapshotCommand).rejects(fault('DBSnapshotAlreadyExistsFault'));
    const result = await pass();
    expect(result).toMatchObject({ copiesStarted: 0, copiesAlreadyThere: 2, failures: 0, deleted: 0 });
    expect(lines.filter((l) => l.event === 'copy-skipped')).toHaveLength(2);
    expect(shipperMetric(result, 'Failures')).toBe(0);
  });

  test('a Lambda timeout halfway through a pass: the rest waits, and the next pass finishes it', async () => {
    account();
    rdsMock.on(CopyDBSnapshotCommand).callsFake(async (input) => copyOk(input));
    let checks = 0;
    // The listing reads the time left once, then the first action; the second action finds too little.
    const first = await pass(() => (checks++ < 2 ? 600_000 : 1_000));
    expect(first).toMatchObject({ copiesStarted: 1, deferred: 1, failures: 0, deleted: 0 });
    expect(lines).toContainEqual(expect.objectContaining({ event: 'deferred', action: 'copy', database: 'beta' }));
    expect(shipperMetric(first, 'ActionsDeferred')).toBe(1);
    const second = await pass();
    expect(second).toMatchObject({ copiesStarted: 1, deferred: 0 });
  });

  test('a failing delete (retention) is isolated and retried, and deletes nothing else', async () => {
    account();
    const newer = {
      ...oldBeta,
      DBSnapshotIdentifier: 'failsafe-beta-20261120-110000',
      SnapshotCreateTime: t,
      TagList: [...oldBeta.TagList!.filter((x) => x.Key !== TagKeys.SOURCE_TIME), { Key: TagKeys.SOURCE_TIME, Value: t.toISOString() }],
    };
    manual.push(newer);
    rdsMock.on(CopyDBSnapshotCommand).callsFake(async (input) => copyOk(input));
    rdsMock.on(DeleteDBSnapshotCommand).rejects(fault('InvalidDBSnapshotStateFault'));
    const result = await pass();
    expect(result).toMatchObject({ deleted: 0, failures: 1 });
    expect(failuresLogged()).toEqual([expect.objectContaining({ action: 'delete', errorCode: 'InvalidDBSnapshotStateFault' })]);
    expect(shipperMetric(result, 'Failures')).toBe(1);
    expect(shipperMetric(result, 'SnapshotsExpired')).toBe(0);
    expect(rdsMock.commandCalls(DeleteDBSnapshotCommand).map((c) => c.args[0].input.DBSnapshotIdentifier)).toEqual([oldBeta.DBSnapshotIdentifier]);
  });
});

describe('vault', () => {
  const config: VaultConfig = {
    version: 1,
    ownerId: 'vault-test',
    vaultKeyArn: `arn:aws:kms:${REGION}:${FAILSAFE}:key/vault`,
    sources: [{ topicArn: `arn:aws:sns:${REGION}:${LIVE}:t` }],
    sourceAccounts: [LIVE],
    retentionMs: 31 * DAY,
    minimumCopies: 3,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
  };
  const shared = (name: string): DBSnapshot => ({
    DBSnapshotIdentifier: name,
    DBSnapshotArn: `arn:aws:rds:${REGION}:${LIVE}:snapshot:${name}`,
    DBInstanceIdentifier: name.split('-')[1],
    DbiResourceId: `db-${name.split('-')[1].toUpperCase()}`,
    SnapshotType: 'shared',
    Status: 'available',
    Engine: 'postgres',
    OriginalSnapshotCreateTime: parseShippedName(name)!.time,
    TagList: [],
  });
  const A = shared('failsafe-alpha-20261120-110000');
  const B = shared('failsafe-beta-20261120-110000');
  let manual: DBSnapshot[];
  const deps = (remaining: () => number = () => 600_000) => ({
    rds: new RDSClient({ region: REGION }), now: () => NOW, remainingMs: remaining, log, region: REGION,
  });
  const sweep = (remaining?: () => number) => runVaultPass(deps(remaining), config);
  const copyOk = (input: any) => {
    manual.push({ DBSnapshotIdentifier: input.TargetDBSnapshotIdentifier, Status: 'creating', TagList: input.Tags });
    return {};
  };
  function account() {
    manual = [];
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'shared', IncludeShared: true }).resolves({ DBSnapshots: [A, B] });
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'manual' }).callsFake(async () => ({ DBSnapshots: manual }));
  }

  test.each(FAULTS.map(([n, e, h]) => [n, e, n === 'access denied' ? /the vault role needs rds:CopyDBSnapshot/ : h] as const))(
    '%s on one copy: the other is copied, nothing is deleted, the next sweep retries', async (_name, error, hint) => {
      account();
      rdsMock.on(CopyDBSnapshotCommand).callsFake(async (input) => {
        if (input.SourceDBSnapshotIdentifier === B.DBSnapshotArn) throw error;
        return copyOk(input);
      });
      const first = await sweep();
      expect(first).toMatchObject({ copiesStarted: 1, failures: 1, deleted: 0 });
      expect(failuresLogged()).toEqual([expect.objectContaining({ level: 'error', action: 'copy', errorCode: error.name })]);
      if (hint) expect(failuresLogged()[0].hint).toMatch(hint);
      expect(vaultMetric(first, 'CopiesFailed')).toBe(1);
      expect(vaultMetric(first, 'Failures')).toBe(1);
      rdsMock.on(CopyDBSnapshotCommand).callsFake(async (input) => copyOk(input));
      expect(await sweep()).toMatchObject({ copiesStarted: 1, failures: 0, deleted: 0 });
      expect(rdsMock.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
    });

  test('announcements out of order: each recovery point is copied once, whatever the order', async () => {
    account();
    rdsMock.on(CopyDBSnapshotCommand).callsFake(async (input) => copyOk(input));
    const announced = (s: DBSnapshot, time: string) => ({ arn: s.DBSnapshotArn!, account: LIVE, region: REGION, identifier: s.DBSnapshotIdentifier!, database: 'alpha', time: new Date(time) });
    const newer = { ...A, DBSnapshotIdentifier: 'failsafe-alpha-20261120-110000', DBSnapshotArn: A.DBSnapshotArn };
    const older = shared('failsafe-alpha-20261119-110000');
    rdsMock.on(DescribeDBSnapshotsCommand, { SnapshotType: 'shared', IncludeShared: true }).resolves({ DBSnapshots: [A, B, older] });
    // The vault holds an earlier copy of alpha: an announcement copies only into a lineage it holds.
    manual.push({
      DBSnapshotIdentifier: 'vault-alpha-earlier',
      DbiResourceId: A.DbiResourceId,
      Status: 'available',
      SnapshotCreateTime: new Date('2026-11-18T11:00:00Z'),
      TagList: [
        { Key: TagKeys.OWNER, Value: config.ownerId }, { Key: TagKeys.SOURCE_ACCOUNT, Value: LIVE }, { Key: TagKeys.SOURCE_REGION, Value: REGION },
        { Key: TagKeys.SOURCE_DATABASE, Value: 'alpha' }, { Key: TagKeys.SOURCE_TIME, Value: '2026-11-18T11:00:00Z' }, { Key: TagKeys.COMPLETED, Value: '2026-11-18T12:00:00Z' },
      ],
    });
    await runVaultPass(deps(), config, { kind: 'announcement', snapshot: announced(newer, '2026-11-20T11:00:00Z') });
    await runVaultPass(deps(), config, { kind: 'announcement', snapshot: announced(older, '2026-11-19T11:00:00Z') });
    await runVaultPass(deps(), config, { kind: 'announcement', snapshot: announced(newer, '2026-11-20T11:00:00Z') });
    expect(rdsMock.commandCalls(CopyDBSnapshotCommand).map((c) => c.args[0].input.TargetDBSnapshotIdentifier)).toEqual([
      `vault-${LIVE}-${REGION}-failsafe-alpha-20261120-110000`,
      `vault-${LIVE}-${REGION}-failsafe-alpha-20261119-110000`,
    ]);
  });

  test('a Lambda timeout halfway through a sweep: the rest waits for the next sweep', async () => {
    account();
    rdsMock.on(CopyDBSnapshotCommand).callsFake(async (input) => copyOk(input));
    let checks = 0;
    // The listing reads the time left once, then the first action; the second action finds too little.
    const first = await sweep(() => (checks++ < 2 ? 600_000 : 1_000));
    expect(first).toMatchObject({ copiesStarted: 1, deferred: 1, failures: 0 });
    expect(lines).toContainEqual(expect.objectContaining({ event: 'deferred', action: 'copy' }));
    expect(vaultMetric(first, 'ActionsDeferred')).toBe(1);
    expect(await sweep()).toMatchObject({ copiesStarted: 1, deferred: 0 });
  });
});
