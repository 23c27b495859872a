#!/usr/bin/env node
/**
 * Measures each handler bundle in assets/: its size, and its cold-start import
 * time (loading the bundle and the AWS SDK clients it requires, in a fresh
 * Node.js process, as Lambda does on a cold start). Prints the median of N runs.
 *
 *   node test/perf/measure-bundles.js [runs]
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const runs = Number(process.argv[2] ?? 15);
const bundles = ['shipper/shipper.lambda', 'vault/vault.lambda'];
const probe = `const t = process.hrtime.bigint(); require(process.argv[1]); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;

for (const b of bundles) {
  const file = path.join(root, 'assets', b, 'index.js');
  const size = fs.statSync(file).size;
  const times = [];
  for (let i = 0; i < runs; i++) {
    times.push(Number(execFileSync(process.execPath, ['-e', probe, file], { env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })));
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`${b}: ${(size / 1024).toFixed(1)} KiB, cold import median ${median.toFixed(1)} ms (min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)}, ${runs} runs, node ${process.version})`);
}
