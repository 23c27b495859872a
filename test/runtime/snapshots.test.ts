/** How RDS's descriptions become the handlers' snapshots: where a copy came from. */
import { toClusterSnapshot, toSnapshot } from '../../src/runtime/snapshots';

describe('where a copy came from', () => {
  test('a DB snapshot says it in SourceRegion', () => {
    expect(toSnapshot({ DBSnapshotIdentifier: 'c', SourceRegion: 'eu-west-1' }).originRegion).toBe('eu-west-1');
    expect(toSnapshot({ DBSnapshotIdentifier: 'c' })).not.toHaveProperty('originRegion');
  });

  test('a DB cluster snapshot says it in the Region of SourceDBClusterSnapshotArn', () => {
    const arn = 'arn:aws:rds:eu-west-1:111111111111:cluster-snapshot:rds:ledger-2026-11-20-03-00';
    expect(toClusterSnapshot({ DBClusterSnapshotIdentifier: 'c', SourceDBClusterSnapshotArn: arn }).originRegion).toBe('eu-west-1');
    expect(toClusterSnapshot({ DBClusterSnapshotIdentifier: 'c' })).not.toHaveProperty('originRegion');
    expect(toClusterSnapshot({ DBClusterSnapshotIdentifier: 'c', SourceDBClusterSnapshotArn: 'ledger' })).not.toHaveProperty('originRegion');
  });
});
