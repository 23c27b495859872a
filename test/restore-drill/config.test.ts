/** The drill's configuration as its handler reads it: what the construct writes passes, anything else is refused with the variable named. */
import { parseDrillConfig } from '../../src/runtime/drill-config';

const GOOD = {
  version: 1,
  ownerId: 'drill-x',
  vaultOwnerId: 'vault-x',
  vaultKeyArn: 'arn:aws:kms:eu-west-1:222222222222:key/k',
  subnetGroupName: 'restores',
  securityGroupIds: ['sg-1'],
  databasesPerDrill: 5,
  maxConcurrentRestores: 5,
  maxLifetimeMs: 21_600_000,
  maxAgeMs: 1_209_600_000,
  censusWindowMs: 300_000,
  validates: false,
};

test('what the construct writes is read as it is', () => {
  expect(parseDrillConfig(JSON.stringify(GOOD))).toEqual(GOOD);
  const validating = { ...GOOD, validates: true, validationFunction: 'arn:aws:lambda:eu-west-1:222222222222:function:f', validationTimeoutMs: 60_000 };
  expect(parseDrillConfig(JSON.stringify(validating))).toEqual(validating);
});

test.each([
  ['missing', undefined, /^DRILL_CONFIG is not set; the function must be deployed by the RdsRestoreDrill construct$/],
  ['not JSON', '{', /^DRILL_CONFIG is not valid JSON: /],
  ['a future version', JSON.stringify({ ...GOOD, version: 2 }), /^DRILL_CONFIG: unsupported version 2$/],
  ['no owner', JSON.stringify({ ...GOOD, ownerId: '' }), /^DRILL_CONFIG: ownerId must be a non-empty string$/],
  ['a cap of 0', JSON.stringify({ ...GOOD, maxConcurrentRestores: 0 }), /^DRILL_CONFIG: maxConcurrentRestores must be a whole number of at least 1$/],
  ['validates without a function', JSON.stringify({ ...GOOD, validates: true }), /validates must be true exactly when validationFunction is set/],
  ['a bad class', JSON.stringify({ ...GOOD, instanceClasses: { postgres: 't4g.micro' } }), /instanceClasses must map engines to DB instance classes/],
])('refuses %s', (_name, raw, message) => {
  expect(() => parseDrillConfig(raw)).toThrow(message);
});
