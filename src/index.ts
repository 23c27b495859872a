export * from './shipper/shipper';
