export * from './shipper/shipper';
export * from './vault/vault';
export * from './monitoring';
export * from './capacity';
export * from './drill/drill';
