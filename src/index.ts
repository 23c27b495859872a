export { RdsSnapshotShipper, RdsSnapshotShipperProps, DatabaseTagSelector } from './shipper/shipper';
