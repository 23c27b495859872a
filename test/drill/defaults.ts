import { DrillOptions } from './drill';

/** The drill the tests and the demo run: three DB instances and an Aurora cluster over six simulated days. */
export const DRILL_DEFAULTS: DrillOptions = {
  liveAccount: '111111111111',
  failsafeAccount: '222222222222',
  databases: { orders: 'none', users: 'aws/rds', payments: 'cmk' },
  clusters: { ledger: 'cmk' },
  days: 6,
  shipperOwnerId: 'shipper-drill',
  vaultOwnerId: 'vault-drill',
  shipperRetentionDays: 2,
  vaultRetentionDays: 3,
  minimumCopies: 2,
  failCopiesOnDay: 2,
  duplicateOn: { day: 4, database: 'users' },
  lostOn: { day: 5, database: 'orders' },
  behindDatabase: 'archive',
  junkOn: { day: 3, database: 'orders', from: 'payments' },
};
