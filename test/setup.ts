/**
 * Jest setup: template snapshots must be stable across builds, so asset hashes
 * (which change whenever a handler bundle changes) are replaced by a placeholder.
 */
const ASSET_HASH = /[a-f0-9]{64}(\.zip)?/;

expect.addSnapshotSerializer({
  test: (val: unknown) => typeof val === 'string' && ASSET_HASH.test(val),
  serialize: (val: string) => JSON.stringify(val.replace(new RegExp(ASSET_HASH, 'g'), 'ASSET-HASH$1')),
});
