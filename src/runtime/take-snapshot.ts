/**
 * Takes the shipper's own snapshots of its databases (recovery-points.ts): the
 * adapter over `CreateDBSnapshot` and `CreateDBClusterSnapshot`.
 */
import { CreateDBClusterSnapshotCommand, CreateDBSnapshotCommand, RDSClient } from '@aws-sdk/client-rds';
import { isRdsError } from './actions';
import { DbKind } from './budget';

/** A snapshot to take. */
export interface TakeRequest {
  readonly kind: DbKind;
  readonly database: string;
  readonly identifier: string;
  readonly tags: { Key: string; Value: string }[];
}

/**
 * What became of a request: `taken`; `exists`, taken by a concurrent pass of
 * the same interval (the name is the interval's); `busy`, refused because the
 * database is not available, or RDS is taking another snapshot of it or
 * backing it up (a later pass takes it); `deferred`, not tried, since the
 * manual snapshot quota refused an earlier one in this pass.
 */
export type TakeOutcome = 'taken' | 'exists' | 'busy' | 'deferred';

/**
 * Takes snapshots for one pass. RDS takes one snapshot of a database at a
 * time, and only of an available one (RDS API Reference, CreateDBSnapshot:
 * "The source DB instance must be in the available or storage-optimization
 * state"; Aurora User Guide, "Creating a DB cluster snapshot": "Your DB
 * cluster must be in the available state"): it answers
 * `InvalidDBInstanceState` or `InvalidDBClusterStateFault`, which is no
 * failure. `SnapshotQuotaExceeded` is thrown, since the quota needs an
 * operator, and no further snapshot of that kind is tried in this pass.
 */
export class SnapshotTaker {
  private readonly stopped = new Set<DbKind>();

  constructor(private readonly rds: RDSClient) {}

  public async take(r: TakeRequest): Promise<TakeOutcome> {
    if (this.stopped.has(r.kind)) return 'deferred';
    try {
      if (r.kind === 'cluster') {
        await this.rds.send(new CreateDBClusterSnapshotCommand({
          DBClusterIdentifier: r.database, DBClusterSnapshotIdentifier: r.identifier, Tags: r.tags,
        }));
      } else {
        await this.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: r.database, DBSnapshotIdentifier: r.identifier, Tags: r.tags }));
      }
      return 'taken';
    } catch (e) {
      if (isRdsError(e, 'DBSnapshotAlreadyExists') || isRdsError(e, 'DBClusterSnapshotAlreadyExists')) return 'exists';
      if (isRdsError(e, 'InvalidDBInstanceState') || isRdsError(e, 'InvalidDBClusterState') || isRdsError(e, 'InvalidDBClusterStateFault')) return 'busy';
      if (isRdsError(e, 'SnapshotQuotaExceeded')) this.stopped.add(r.kind);
      throw e;
    }
  }
}
