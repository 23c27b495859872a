/**
 * The handler bundles stay lean: minified, with the AWS SDK left to the Lambda
 * runtime and Powertools bundled. `npx projen measure:bundles` gives the
 * figures; this test holds them to a budget.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
/**
 * 71 KiB (shipper) and 86 KiB (vault) today, much of it Powertools; the vault
 * grew by 12 KiB with lineages, verification, tiered retention and per-source
 * budgets. Unminified they would be about twice that.
 */
const BUDGET_KIB = 96;

describe.each(['shipper/shipper.lambda', 'vault/vault.lambda'])('%s bundle', (bundle) => {
  const file = path.join(ROOT, 'assets', bundle, 'index.js');
  const code = fs.readFileSync(file, 'utf8');

  test(`is at most ${BUDGET_KIB} KiB`, () => {
    expect(fs.statSync(file).size / 1024).toBeLessThanOrEqual(BUDGET_KIB);
  });

  test('is minified, with a source map', () => {
    // Minified output has few, long lines.
    expect(code.split('\n').length).toBeLessThan(50);
    expect(fs.existsSync(`${file}.map`)).toBe(true);
  });

  test('leaves the AWS SDK to the runtime and bundles Powertools', () => {
    expect(code).toMatch(/require\("@aws-sdk\/client-rds"\)/);
    expect(code).not.toMatch(/require\("@aws-lambda-powertools\//);
    expect(code).toContain('CloudWatchMetrics'); // the EMF writer is inside
  });
});
