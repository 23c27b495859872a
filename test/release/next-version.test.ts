/**
 * The next release's version, as bump asks projenrc/next-version.ts for it.
 */
import { FIRST_RELEASE, nextVersion } from '../../projenrc/next-version';

test('the first release is 0.1.0 whatever the commits say', () => {
  expect(nextVersion({})).toBe('0.1.0');
  expect(nextVersion({ latestTag: '' })).toBe(FIRST_RELEASE);
});

test('after the first release the commits decide (nothing printed)', () => {
  expect(nextVersion({ latestTag: 'v0.1.0' })).toBe('');
});

test('RELEASE_AS forces a version or a bump type', () => {
  expect(nextVersion({ latestTag: 'v0.1.0', releaseAs: '0.3.0' })).toBe('0.3.0');
  expect(nextVersion({ latestTag: 'v0.1.0', releaseAs: 'minor' })).toBe('minor');
  expect(nextVersion({ releaseAs: ' patch ' })).toBe('patch');
});

test('RELEASE_AS refuses anything else', () => {
  expect(() => nextVersion({ releaseAs: 'v0.3' })).toThrow('RELEASE_AS must be major, minor, patch or a version like 0.2.0, not "v0.3"');
});
