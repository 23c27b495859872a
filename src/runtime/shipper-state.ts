/**
 * What the shipper reads before it plans. A sweep lists the whole account in
 * pages of 100. A pass woken by an RDS event about one database reads only
 * that database: a handful of calls, whatever the size of the account.
 *
 * A shipper that copies across Regions reads its databases, their automated
 * snapshots and their option groups in their own Region (`databases`), and its
 * copies and the manual snapshot quota in its own (`rds`), where the copies
 * are made.
 */
import {
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeOptionGroupsCommand,
  DBCluster,
  DBInstance,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  RDSClient,
} from '@aws-sdk/client-rds';
import { gatherWithinBudget, PassDeps } from './actions';
import { errorCode } from './aws';
import { DbKind } from './budget';
import { ShipperConfig } from './config';
import { EventFocus } from './events';
import { describeError, Logger } from './log';
import { readAccountQuotas } from './quotas';
import { DbInstance, DbSnapshot, isDefaultOptionGroup, mayHaveUnshareableOptions, OptionGroup, ShipperState } from './shipper-plan';
import { listDbClusterSnapshots, listDbSnapshots } from './snapshots';
import { toTagMap } from './tags';

function toCluster(c: DBCluster): DbInstance {
  return {
    kind: 'cluster',
    identifier: c.DBClusterIdentifier ?? '',
    arn: c.DBClusterArn ?? '',
    engine: c.Engine ?? '',
    status: c.Status ?? '',
    backupRetentionPeriod: c.BackupRetentionPeriod ?? 0,
    ...(c.KmsKeyId ? { kmsKeyId: c.KmsKeyId } : {}),
    ...(c.ClusterCreateTime ? { createdAt: new Date(c.ClusterCreateTime) } : {}),
    tags: toTagMap(c.TagList),
  };
}

function toInstance(i: DBInstance): DbInstance {
  return {
    identifier: i.DBInstanceIdentifier ?? '',
    arn: i.DBInstanceArn ?? '',
    engine: i.Engine ?? '',
    status: i.DBInstanceStatus ?? '',
    backupRetentionPeriod: i.BackupRetentionPeriod ?? 0,
    clusterIdentifier: i.DBClusterIdentifier,
    ...(i.KmsKeyId ? { kmsKeyId: i.KmsKeyId } : {}),
    ...(i.InstanceCreateTime ? { createdAt: new Date(i.InstanceCreateTime) } : {}),
    tags: toTagMap(i.TagList),
  };
}

/** The DB clusters (Aurora) of the account, in pages of 100. */
async function listClusters(rds: RDSClient): Promise<DbInstance[]> {
  const out: DbInstance[] = [];
  for await (const page of paginateDescribeDBClusters({ client: rds, pageSize: 100 }, {})) out.push(...(page.DBClusters ?? []).map(toCluster));
  return out;
}

async function listInstances(rds: RDSClient): Promise<DbInstance[]> {
  const out: DbInstance[] = [];
  for await (const page of paginateDescribeDBInstances({ client: rds, pageSize: 100 }, {})) out.push(...(page.DBInstances ?? []).map(toInstance));
  return out;
}

/** One database, or none if it does not exist. */
async function describeDatabase(rds: RDSClient, kind: DbKind, identifier: string): Promise<DbInstance[]> {
  try {
    if (kind === 'cluster') return ((await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }))).DBClusters ?? []).map(toCluster);
    return ((await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }))).DBInstances ?? []).map(toInstance);
  } catch (e) {
    if (e instanceof DBInstanceNotFoundFault || e instanceof DBClusterNotFoundFault) return [];
    throw e;
  }
}

/**
 * Reads the option groups that can stop a snapshot from being shared: only the
 * non-default groups of Oracle and SQL Server snapshots, one call per distinct
 * group. A group that cannot be read is left out, and the planner reports it.
 */
async function readOptionGroups(rds: RDSClient, snapshots: readonly DbSnapshot[], log: Logger): Promise<Map<string, OptionGroup>> {
  const names = new Set(
    snapshots.filter((s) => mayHaveUnshareableOptions(s.engine) && !isDefaultOptionGroup(s.optionGroupName)).map((s) => s.optionGroupName!),
  );
  const out = new Map<string, OptionGroup>();
  for (const name of names) {
    try {
      const res = await rds.send(new DescribeOptionGroupsCommand({ OptionGroupName: name }));
      const group = res.OptionGroupsList?.[0];
      if (!group) continue;
      out.set(name, {
        name,
        permanentOrPersistent: (group.Options ?? []).filter((o) => o.Permanent || o.Persistent).map((o) => o.OptionName ?? ''),
      });
    } catch (e) {
      log.log('error', 'could not read option group', { optionGroup: name, ...describeError(e) });
    }
  }
  return out;
}

/** What gathering needs: the shipper's own RDS client, and one in its databases' Region when that is another. */
export interface GatherDeps extends PassDeps {
  /**
   * RDS in the databases' Region, when the shipper copies across Regions.
   * @default - `rds`
   */
  readonly databasesRds?: RDSClient;
}

/** The planner's state, and how long listing took. */
export interface Gathered {
  readonly state: Omit<ShipperState, 'now'>;
  readonly listingMs: number;
}

/** The databases, and their automated snapshots, as read in their Region. */
interface DatabasesRead {
  readonly instances: DbInstance[];
  readonly automatedSnapshots: DbSnapshot[];
  /** Why the databases' Region could not be read, for a shipper that copies out of another Region. */
  readonly unreachable?: string;
}

/**
 * Reads the databases in their Region. A shipper that copies out of another
 * Region goes on without them when that Region cannot be read (an outage):
 * its own copies, in its own Region, are still shared, announced and
 * trimmed, and the planner reports the databases' Region unreachable. A
 * shipper within its Region has nothing to go on with: the error is thrown.
 */
async function readDatabases(deps: GatherDeps, read: (rds: RDSClient) => Promise<[DbInstance[], DbSnapshot[]]>): Promise<DatabasesRead> {
  const across = deps.databasesRds;
  if (!across) {
    const [instances, automatedSnapshots] = await read(deps.rds);
    return { instances, automatedSnapshots };
  }
  try {
    const [instances, automatedSnapshots] = await read(across);
    return { instances, automatedSnapshots };
  } catch (e) {
    const region = await across.config.region();
    deps.log.log('error', `the databases' Region ${region} cannot be read; the pass goes on with the copies in this Region`, {
      event: 'databases-unreachable', region, errorCode: errorCode(e), ...describeError(e),
    });
    return { instances: [], automatedSnapshots: [], unreachable: `${region}: ${errorCode(e) ?? describeError(e).errorMessage}` };
  }
}

/**
 * The whole account: every DB instance, their automated and manual snapshots,
 * and (when the selection can name one) the DB clusters and theirs.
 */
export async function gatherAccount(deps: GatherDeps, config: ShipperConfig): Promise<Gathered> {
  const { rds, log } = deps;
  // DB clusters are read only when the selection can name one: a shipper of
  // instances makes no more calls than it did before clusters were supported.
  const withClusters = (config.selection.clusterIdentifiers?.length ?? 0) > 0 || config.selection.tag !== undefined;
  const none = Promise.resolve([] as never[]);
  const gathered = await gatherWithinBudget(deps, 'listing the account', Promise.all([
    readDatabases(deps, async (databases) => {
      const [instances, automated, clusters, automatedClusters] = await Promise.all([
        listInstances(databases),
        listDbSnapshots(databases, 'automated'),
        withClusters ? listClusters(databases) : none,
        withClusters ? listDbClusterSnapshots(databases, 'automated') : none,
      ]);
      return [[...instances, ...clusters], [...automated, ...automatedClusters]];
    }),
    listDbSnapshots(rds, 'manual'),
    withClusters ? listDbClusterSnapshots(rds, 'manual') : none,
    readAccountQuotas(rds, log),
  ]));
  const [databases, manualSnapshots, manualClusterSnapshots, quotas] = gathered.value;
  return { listingMs: gathered.ms, state: await stateOf(deps, databases, [...manualSnapshots, ...manualClusterSnapshots], quotas) };
}

/**
 * One database: itself, its automated snapshots and its manual snapshots (a
 * copy keeps its database's identifier, so these hold the shipper's copies of
 * it), and the account's quotas. Four calls, or five for a non-default option
 * group. The copies in flight of the whole account are unknown: RDS enforces
 * that limit.
 */
export async function gatherDatabase(deps: GatherDeps, focus: EventFocus): Promise<Gathered> {
  const { rds, log } = deps;
  const list = focus.kind === 'cluster' ? listDbClusterSnapshots : listDbSnapshots;
  const gathered = await gatherWithinBudget(deps, `reading ${focus.database}`, Promise.all([
    readDatabases(deps, (databases) => Promise.all([describeDatabase(databases, focus.kind, focus.database), list(databases, 'automated', focus.database)])),
    list(rds, 'manual', focus.database),
    readAccountQuotas(rds, log),
  ]));
  const [databases, manualSnapshots, quotas] = gathered.value;
  return { listingMs: gathered.ms, state: { ...await stateOf(deps, databases, manualSnapshots, quotas), partial: true } };
}

/** The planner's state from what was read; the option groups are read in the databases' Region, when it could be read. */
async function stateOf(
  deps: GatherDeps, databases: DatabasesRead, manualSnapshots: DbSnapshot[], quotas: ShipperState['quotas'],
): Promise<Omit<ShipperState, 'now'>> {
  return {
    instances: databases.instances,
    automatedSnapshots: databases.automatedSnapshots,
    manualSnapshots,
    optionGroups: await readOptionGroups(deps.databasesRds ?? deps.rds, databases.automatedSnapshots, deps.log),
    quotas,
    ...(databases.unreachable ? { databasesUnreachable: databases.unreachable } : {}),
  };
}
