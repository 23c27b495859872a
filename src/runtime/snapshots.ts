/** Bulk, paginated reads of DB instance and DB cluster snapshots, shared by both handlers. */
import {
  DBClusterSnapshot as SdkClusterSnapshot,
  DBSnapshot as SdkSnapshot,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBSnapshots,
  RDSClient,
} from '@aws-sdk/client-rds';
import { DbSnapshot } from './shipper-plan';
import { toTagMap } from './tags';

export function toSnapshot(s: SdkSnapshot): DbSnapshot {
  return {
    kind: 'instance',
    identifier: s.DBSnapshotIdentifier ?? '',
    arn: s.DBSnapshotArn ?? '',
    dbIdentifier: s.DBInstanceIdentifier ?? '',
    type: s.SnapshotType ?? '',
    status: s.Status ?? 'unknown',
    createTime: s.SnapshotCreateTime,
    encrypted: s.Encrypted === true,
    kmsKeyId: s.KmsKeyId,
    engine: s.Engine ?? '',
    engineVersion: s.EngineVersion,
    optionGroupName: s.OptionGroupName,
    tags: toTagMap(s.TagList),
    resourceId: s.DbiResourceId,
    originalCreateTime: s.OriginalSnapshotCreateTime,
    ...(s.SourceRegion ? { originRegion: s.SourceRegion } : {}),
  };
}

/**
 * Lists the snapshots of one type in pages of 100: the cost of a pass grows
 * with the number of snapshots / 100, never with one call per database.
 * `shared` lists the snapshots other accounts share with this one. With
 * `dbIdentifier`, only the snapshots of that database: a copy keeps the
 * identifier of the database it came from, so this finds the copies of one
 * source at a cost that does not grow with everything else the account holds.
 */
export async function listDbSnapshots(rds: RDSClient, snapshotType: 'automated' | 'manual' | 'shared', dbIdentifier?: string): Promise<DbSnapshot[]> {
  const out: DbSnapshot[] = [];
  const input = {
    ...(snapshotType === 'shared' ? { SnapshotType: 'shared', IncludeShared: true } : { SnapshotType: snapshotType }),
    ...(dbIdentifier ? { DBInstanceIdentifier: dbIdentifier } : {}),
  };
  for await (const page of paginateDescribeDBSnapshots({ client: rds, pageSize: 100 }, input)) {
    for (const s of page.DBSnapshots ?? []) out.push(toSnapshot(s));
  }
  return out;
}

export function toClusterSnapshot(s: SdkClusterSnapshot): DbSnapshot {
  return {
    kind: 'cluster',
    identifier: s.DBClusterSnapshotIdentifier ?? '',
    arn: s.DBClusterSnapshotArn ?? '',
    dbIdentifier: s.DBClusterIdentifier ?? '',
    type: s.SnapshotType ?? '',
    status: s.Status ?? 'unknown',
    createTime: s.SnapshotCreateTime,
    encrypted: s.StorageEncrypted === true,
    kmsKeyId: s.KmsKeyId,
    engine: s.Engine ?? '',
    engineVersion: s.EngineVersion,
    tags: toTagMap(s.TagList),
    resourceId: s.DbClusterResourceId,
    ...(s.SourceDBClusterSnapshotArn?.startsWith('arn:') ? { originRegion: s.SourceDBClusterSnapshotArn.split(':')[3] ?? '' } : {}),
  };
}

/** The same for DB cluster snapshots (Aurora), which have their own API family. */
export async function listDbClusterSnapshots(rds: RDSClient, snapshotType: 'automated' | 'manual' | 'shared', dbIdentifier?: string): Promise<DbSnapshot[]> {
  const out: DbSnapshot[] = [];
  const input = {
    ...(snapshotType === 'shared' ? { SnapshotType: 'shared', IncludeShared: true } : { SnapshotType: snapshotType }),
    ...(dbIdentifier ? { DBClusterIdentifier: dbIdentifier } : {}),
  };
  for await (const page of paginateDescribeDBClusterSnapshots({ client: rds, pageSize: 100 }, input)) {
    for (const s of page.DBClusterSnapshots ?? []) out.push(toClusterSnapshot(s));
  }
  return out;
}
