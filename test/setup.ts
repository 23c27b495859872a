/**
 * Jest setup: template snapshots must be stable across builds, so asset hashes
 * (which change whenever a handler bundle changes) are replaced by a placeholder.
 */
const ASSET_HASH = /[a-f0-9]{64}(\.zip)?/;

expect.addSnapshotSerializer({
  test: (val: unknown) => typeof val === 'string' && ASSET_HASH.test(val),
  serialize: (val: string) => JSON.stringify(val.replace(new RegExp(ASSET_HASH, 'g'), 'ASSET-HASH$1')),
});

// Handlers run in the test process write through Powertools, which then uses
// the global console (see test/helpers/console-capture.ts). Bundles run in a
// child process by the emulator tests get only the environment Lambda gives.
process.env.POWERTOOLS_DEV = 'true';
// Powertools turns metrics off in dev mode; the tests read them.
process.env.POWERTOOLS_METRICS_DISABLED = 'false';
