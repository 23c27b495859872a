/** Bulk, paginated reads of DB snapshots, shared by both handlers. */
import { DBSnapshot as SdkSnapshot, paginateDescribeDBSnapshots, RDSClient } from '@aws-sdk/client-rds';
import { DbSnapshot } from './shipper-plan';
import { toTagMap } from './tags';

export function toSnapshot(s: SdkSnapshot): DbSnapshot {
  return {
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
  };
}

/**
 * Lists the snapshots of one type in pages of 100: the cost of a pass grows
 * with the number of snapshots / 100, never with one call per database.
 * `shared` lists the snapshots other accounts share with this one.
 */
export async function listDbSnapshots(rds: RDSClient, snapshotType: 'automated' | 'manual' | 'shared'): Promise<DbSnapshot[]> {
  const out: DbSnapshot[] = [];
  const input = snapshotType === 'shared' ? { SnapshotType: 'shared', IncludeShared: true } : { SnapshotType: snapshotType };
  for await (const page of paginateDescribeDBSnapshots({ client: rds, pageSize: 100 }, input)) {
    for (const s of page.DBSnapshots ?? []) out.push(toSnapshot(s));
  }
  return out;
}
