/**
 * How the restore drill takes an RDS error. Pure: no AWS SDK.
 *
 * A drill exists to find recovery points that cannot be restored, so an
 * error about the snapshot or the restore itself (a key RDS cannot use, an
 * engine version or instance class it does not offer, a parameter it refuses)
 * is a verdict: the drill of that database fails, with the error as its
 * reason. An error about the account or the moment (a quota, no capacity,
 * a missing grant, throttling, a resource in a state that passes) says
 * nothing about the recovery point: it is a failure of the action, counted in
 * Failures, and the next pass or drill tries again.
 */
import { baseCode } from './actions';

const ACCOUNT_OR_MOMENT: ReadonlySet<string> = new Set([
  // Quotas and capacity (RDS API Reference, the Errors of RestoreDBInstanceFromDBSnapshot and RestoreDBClusterFromSnapshot).
  'InstanceQuotaExceeded', 'DBClusterQuotaExceeded', 'StorageQuotaExceeded', 'InsufficientDBInstanceCapacity',
  'InsufficientDBClusterCapacity', 'InsufficientStorageClusterCapacity',
  // The drill's own configuration: its grants and its network.
  'AccessDenied', 'DBSubnetGroupNotFound', 'InvalidSubnet', 'InvalidVPCNetworkState', 'DBSubnetGroupDoesNotCoverEnoughAZs',
  // The moment: throttling, a state that passes, RDS unavailable.
  'Throttling', 'RequestLimitExceeded', 'InvalidDBInstanceState', 'InvalidDBClusterState', 'ServiceUnavailable', 'InternalFailure',
]);

export type DrillErrorKind = 'verdict' | 'retry';

export function drillErrorKind(code: string | undefined): DrillErrorKind {
  const base = baseCode(code);
  return base === undefined || ACCOUNT_OR_MOMENT.has(base) ? 'retry' : 'verdict';
}
