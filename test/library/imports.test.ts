/**
 * The library is loaded at synth time by TypeScript, Python and Java users,
 * who do not have the AWS SDK: only the bundled handlers may use it. This
 * walks the import graph from src/index.ts and fails if any module reachable
 * from it imports the SDK (or anything else that is not a dependency).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.resolve(__dirname, '..', '..', 'src');
const IMPORT = /^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'/gm;

function reachable(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const source = fs.readFileSync(file, 'utf8');
    const specs = [...source.matchAll(IMPORT)].map((m) => m[1]);
    seen.set(file, specs);
    for (const spec of specs) {
      if (spec.startsWith('.')) visit(`${path.resolve(path.dirname(file), spec)}.ts`);
    }
  };
  visit(entry);
  return seen;
}

test('nothing reachable from the library entry point imports a non-dependency', () => {
  const graph = reachable(path.join(SRC, 'index.ts'));
  const offending: string[] = [];
  for (const [file, specs] of graph) {
    for (const spec of specs) {
      if (spec.startsWith('.') || spec === 'constructs' || spec === 'aws-cdk-lib' || spec.startsWith('aws-cdk-lib/') || spec.startsWith('node:') || spec === 'path') continue;
      offending.push(`${path.relative(SRC, file)} imports ${spec}`);
    }
  }
  expect(offending).toEqual([]);
  // The walk does reach the runtime modules the constructs use.
  expect([...graph.keys()].map((f) => path.relative(SRC, f))).toEqual(expect.arrayContaining(['runtime/config.ts', 'runtime/tags.ts', 'shipper/shipper-function.ts']));
});

test('the handlers do use the SDK, so the walk would see it if a construct imported them', () => {
  const graph = reachable(path.join(SRC, 'shipper', 'shipper.lambda.ts'));
  const specs = [...graph.values()].flat();
  expect(specs).toContain('@aws-sdk/client-rds');
});
