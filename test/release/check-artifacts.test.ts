/**
 * The release checker (check_artifacts.py, run by `release:dry-run` and, as
 * `release:verify`, before every publish) passes a complete set of artifacts
 * and fails each broken one with a message that names the problem. The
 * artifacts are small fixtures written by fixture.py, not a build.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const HERE = __dirname;

function python(args: string[]): { status: number | null; out: string } {
  const result = spawnSync('python3', args, { encoding: 'utf8' });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

function fixture(breakage: string, options: string[] = []): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-check-'));
  const made = python([path.join(HERE, 'fixture.py'), dir, breakage, ...options]);
  if (made.status !== 0) throw new Error(`fixture.py ${breakage} failed: ${made.out}`);
  return dir;
}

function check(dir: string, ...args: string[]) {
  return python([path.join(HERE, 'check_artifacts.py'), '--root', dir, ...args]);
}

const breakages: Record<string, string> = JSON.parse(python([path.join(HERE, 'fixture.py'), '--list']).out);

test('complete artifacts pass, and the table names each artifact and its registry', () => {
  const result = check(fixture('none'));
  expect(result.out).toContain('release check: passed');
  expect(result.status).toBe(0);
  for (const destination of ['npm (registry.npmjs.org)', 'PyPI (pypi.org)', 'Maven Central (Central Portal)', 'github.com/demo/demo-lib-go (git tag demolib/vX.Y.Z)']) {
    expect(result.out).toContain(destination);
  }
});

const broken = Object.entries(breakages).filter(([name]) => name !== 'none');

test('every breakage the fixture knows is tested', () => {
  expect(broken.length).toBeGreaterThanOrEqual(20);
});

test.each(broken)('%s fails the check', (name, message) => {
  const result = check(fixture(name));
  expect(result.status).toBe(1);
  expect(result.out).toContain(`FAIL ${message.replace(/\{v\}/g, '0.0.0')}`);
});

describe('--release: the gate before publishing', () => {
  test('fails when bump has not run (no dist/version.txt)', () => {
    const result = check(fixture('none'), '--release');
    expect(result.status).toBe(1);
    expect(result.out).toContain('FAIL release: dist/version.txt holds None; run `npx projen release` first');
  });

  test('fails when the artifacts were built at another version than the one bump wrote', () => {
    const result = check(fixture('none', ['--release-version', '0.1.0']), '--release');
    expect(result.status).toBe(1);
    expect(result.out).toContain("FAIL npm: version is '0.0.0', expected '0.1.0'");
    expect(result.out).toContain("FAIL go: dist/go/demolib/version holds '0.0.0', expected '0.1.0'");
  });

  test('fails on 0.0.0, the version of an unreleased build', () => {
    const result = check(fixture('none', ['--release-version', '0.0.0']), '--release');
    expect(result.status).toBe(1);
    expect(result.out).toContain("FAIL release: dist/version.txt holds '0.0.0'");
  });

  test('passes when every artifact carries the released version', () => {
    const result = check(fixture('none', ['--version', '0.1.0', '--release-version', '0.1.0']), '--release');
    expect(result.out).toContain('release check: passed');
    expect(result.status).toBe(0);
  });
});
