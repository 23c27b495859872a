/** The README must not drift from the files it shows. */
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

test('the architecture diagram in the README is docs/architecture.mmd', () => {
  const block = /```mermaid\n([\s\S]*?)```/.exec(readme);
  expect(block).not.toBeNull();
  expect(block![1].trim()).toBe(fs.readFileSync(path.join(root, 'docs', 'architecture.mmd'), 'utf8').trim());
  expect(readme).toContain('](./docs/architecture.png)');
  expect(fs.statSync(path.join(root, 'docs', 'architecture.png')).size).toBeGreaterThan(10_000);
});

test('the Quick start gives the demo and the test command, and CI runs the test command', () => {
  const quick = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme);
  const commands = quick![1].trim().split('\n');
  expect(commands).toEqual(['npm ci && npx projen demo', 'npm ci && npx projen build']);
  expect(fs.readFileSync(path.join(root, '.ci', 'run'), 'utf8')).toContain(commands[1]);
});

test('the README names every folder under test/ where it says where the tests live', () => {
  const where = /Tests live in `test\/`:([\s\S]*?)\n\n/.exec(readme)![1];
  const named = new Set([...where.matchAll(/`([a-z-]+)\/`/g)].map((m) => m[1]));
  const folders = fs.readdirSync(path.join(root, 'test'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  expect(folders.length).toBeGreaterThan(10);
  expect(folders.filter((f) => !named.has(f))).toEqual([]);
  expect([...named].filter((f) => !folders.includes(f))).toEqual([]);
});
