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

/**
 * The whole account: every DB instance, their automated and manual snapshots,
 * and (when the selection can name one) the DB clusters and theirs.
 */
export async function gatherAccount(deps: GatherDeps, config: ShipperConfig): Promise<Gathered> {
  const { rds, log } = deps;
  const databases = deps.databasesRds ?? rds;
  // DB clusters are read only when the selection can name one: a shipper of
  // instances makes no more calls than it did before clusters were supported.
  const withClusters = (config.selection.clusterIdentifiers?.length ?? 0) > 0 || config.selection.tag !== undefined;
  const none = Promise.resolve([] as never[]);
  const gathered = await gatherWithinBudget(deps, 'listing the account', Promise.all([
    listInstances(databases),
    listDbSnapshots(databases, 'automated'),
    listDbSnapshots(rds, 'manual'),
    withClusters ? listClusters(databases) : none,
    withClusters ? listDbClusterSnapshots(databases, 'automated') : none,
    withClusters ? listDbClusterSnapshots(rds, 'manual') : none,
    readAccountQuotas(rds, log),
  ]));
  const [instances, automatedSnapshots, manualSnapshots, clusters, automatedClusterSnapshots, manualClusterSnapshots, quotas] = gathered.value;
  return {
    listingMs: gathered.ms,
    state: {
      instances: [...instances, ...clusters],
      automatedSnapshots: [...automatedSnapshots, ...automatedClusterSnapshots],
      manualSnapshots: [...manualSnapshots, ...manualClusterSnapshots],
      optionGroups: await readOptionGroups(databases, automatedSnapshots, log),
      quotas,
    },
  };
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
  const databases = deps.databasesRds ?? rds;
  const list = focus.kind === 'cluster' ? listDbClusterSnapshots : listDbSnapshots;
  const gathered = await gatherWithinBudget(deps, `reading ${focus.database}`, Promise.all([
    describeDatabase(databases, focus.kind, focus.database),
    list(databases, 'automated', focus.database),
    list(rds, 'manual', focus.database),
    readAccountQuotas(rds, log),
  ]));
  const [instances, automatedSnapshots, manualSnapshots, quotas] = gathered.value;
  return {
    listingMs: gathered.ms,
    state: {
      instances,
      automatedSnapshots,
      manualSnapshots,
      optionGroups: await readOptionGroups(databases, automatedSnapshots, log),
      quotas,
      partial: true,
    },
  };
}
