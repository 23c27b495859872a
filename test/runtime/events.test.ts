/** What an RDS event tells a pass: the database it is about, for copies within a Region and across Regions. */
import { shipperFocusOf, vaultFocusOf } from '../../src/runtime/events';

const rdsEvent = (EventID: string, SourceIdentifier: string) => ({ 'source': 'aws.rds', 'detail-type': 'RDS DB Snapshot Event', 'detail': { EventID, SourceIdentifier } });

describe('shipperFocusOf', () => {
  test.each([
    ['a new automated snapshot', 'RDS-EVENT-0091', 'rds:orders-2026-11-20-03-00', 'instance'],
    ['a new automated cluster snapshot', 'RDS-EVENT-0169', 'rds:ledger-2026-11-20-03-00', 'cluster'],
    ['a copy finished within the Region', 'RDS-EVENT-0197', 'failsafe-orders-20261120-030000', 'instance'],
    ['a copy finished across Regions', 'RDS-EVENT-0060', 'failsafe-orders-20261120-030000-euw1', 'instance'],
    ['a snapshot the shipper took', 'RDS-EVENT-0042', 'failsafe-orders-20261120-0400', 'instance'],
    ['a cluster snapshot the shipper took', 'RDS-EVENT-0075', 'failsafe-ledger-20261120-0400', 'cluster'],
  ])('%s is about its database', (_name, id, snapshot, kind) => {
    expect(shipperFocusOf(rdsEvent(id, snapshot))).toEqual({ kind, database: snapshot.includes('ledger') ? 'ledger' : 'orders', eventId: id, snapshot });
  });

  test.each([
    ['a copy across Regions started', 'RDS-EVENT-0059', 'failsafe-orders-20261120-030000-euw1'],
    ['a finished copy that is not a shipper copy', 'RDS-EVENT-0060', 'manual-orders'],
    ['a manual snapshot that is a shipper copy, not one it took', 'RDS-EVENT-0042', 'failsafe-orders-20261120-030000'],
    ['a manual snapshot someone else took', 'RDS-EVENT-0042', 'before-upgrade'],
  ])('%s wakes a sweep', (_name, id, snapshot) => {
    expect(shipperFocusOf(rdsEvent(id, snapshot))).toBeUndefined();
  });
});

describe('vaultFocusOf', () => {
  test('a finished vault copy of a shipper copy made across Regions is about its database', () => {
    const snapshot = 'vault-111111111111-eu-central-1-failsafe-orders-20261120-030000-euw1';
    expect(vaultFocusOf(rdsEvent('RDS-EVENT-0197', snapshot))).toEqual({ kind: 'instance', database: 'orders', eventId: 'RDS-EVENT-0197', snapshot });
  });

  test('a vault copy of a source in another Region, made across Regions, finishes with RDS-EVENT-0060', () => {
    const snapshot = 'vault-333333333333-us-east-1-failsafe-billing-20261120-030000';
    expect(vaultFocusOf(rdsEvent('RDS-EVENT-0060', snapshot))).toEqual({ kind: 'instance', database: 'billing', eventId: 'RDS-EVENT-0060', snapshot });
    expect(vaultFocusOf(rdsEvent('RDS-EVENT-0059', snapshot))).toBeUndefined();
  });
});
