/**
 * What `npm pack` ships: the bundled handlers (users never bundle at synth),
 * and nothing of the development tree (venvs, smoke-test environments, cdk.out).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

test('the npm package ships the bundled handlers and nothing of the development tree', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: path.resolve(__dirname, '..', '..'), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const [pack] = JSON.parse(out);
  const files: string[] = pack.files.map((f: { path: string }) => f.path);
  expect(files).toEqual(expect.arrayContaining(['assets/shipper/shipper.lambda/index.js', 'assets/vault/vault.lambda/index.js', 'README.md', 'LICENSE', 'API.md']));
  const strays = files.filter((f) => /^(\.venv|\.smoke|cdk\.out|test|examples|src|rosetta|\.ci)\//.test(f));
  expect(strays).toEqual([]);
  expect(pack.size).toBeLessThan(2 * 1024 * 1024);
});
