/**
 * The next release's version, for projen's `bump` (its `nextVersionCommand`).
 *
 * bump runs this with `LATEST_TAG` (the newest release tag, empty before the
 * first release) and `SUGGESTED_BUMP` (what the commit messages suggest). It
 * prints either an explicit version, `major`/`minor`/`patch`, or nothing (let
 * the commit messages decide):
 *
 * - `RELEASE_AS` set (e.g. `RELEASE_AS=0.2.0` or `RELEASE_AS=minor`): exactly that.
 * - no release tag yet: `0.1.0`, the first release, whatever the commits say.
 * - otherwise nothing: the commits decide (conventional commits: `feat` is a
 *   minor bump, anything else a patch; `majorVersion: 0` keeps it below 1.0).
 */

/** What `nextVersion` reads from bump's environment. */
export interface NextVersionInput {
  readonly latestTag?: string;
  readonly releaseAs?: string;
}

export const FIRST_RELEASE = '0.1.0';

const EXPLICIT = /^(major|minor|patch|\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?)$/;

function explicitRequest(releaseAs: string | undefined): string | undefined {
  const value = releaseAs?.trim();
  if (!value) return undefined;
  if (!EXPLICIT.test(value)) {
    throw new Error(`RELEASE_AS must be major, minor, patch or a version like 0.2.0, not "${value}"`);
  }
  return value;
}

function isFirstRelease(latestTag: string | undefined): boolean {
  return !latestTag?.trim();
}

/** The line bump reads: an explicit version, a bump type, or '' (the commits decide). */
export function nextVersion(input: NextVersionInput): string {
  const requested = explicitRequest(input.releaseAs);
  if (requested) return requested;
  if (isFirstRelease(input.latestTag)) return FIRST_RELEASE;
  return '';
}

if (require.main === module) {
  process.stdout.write(nextVersion({ latestTag: process.env.LATEST_TAG, releaseAs: process.env.RELEASE_AS }));
}
