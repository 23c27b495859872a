import { DrillOptions } from './drill';

/** The emulator of the drill: snapshot copies and restores read as creating for two describes before they are available. */
export const DRILL_EMULATOR: EmulatorOptions = { copyPendingDescribes: 2, restorePendingDescribes: 2 };
import { RegionDrillOptions } from './regions';
import { EmulatorOptions } from '../emulator/emulator';

/**
 * The drill the tests and the demo run: three DB instances and an Aurora
 * cluster shipped daily over six simulated days, and a fourth DB instance
 * shipped every 4 simulated hours by a second shipper.
 */
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
  restoreDrill: { failValidationOf: 'users' },
  subDaily: {
    database: 'sessions', encryption: 'aws/rds', intervalHours: 4, shipperOwnerId: 'shipper-drill-4h', topicName: 'rds-failsafe-shipper-4h', vaultHourlyCopies: 3,
  },
};

/**
 * The drill across Regions the tests and the demo run: two DB instances and an
 * Aurora cluster in eu-west-1, shipped into eu-central-1, where the vault is,
 * for three days, with one announcement lost; then eu-west-1 is down for two.
 * Retention is compressed to fit: the vault keeps 2 days and 2 copies.
 */
export const REGION_DRILL_DEFAULTS: RegionDrillOptions = {
  liveAccount: '111111111111',
  failsafeAccount: '222222222222',
  homeRegion: 'eu-west-1',
  drRegion: 'eu-central-1',
  databases: { orders: 'cmk', users: 'aws/rds' },
  clusters: { ledger: 'cmk' },
  days: 5,
  outageFromDay: 4,
  shipperOwnerId: 'shipper-drill-dr',
  vaultOwnerId: 'vault-drill-dr',
  shipperRetentionDays: 2,
  vaultRetentionDays: 2,
  minimumCopies: 2,
  lostOn: { day: 2, database: 'users' },
};
