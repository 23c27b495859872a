/**
 * The deny matrix: what an attacker in Live, a bug in a handler, or an
 * administrator of the Failsafe account without break-glass would do, each
 * evaluated against the synthesized policies of both accounts. Each must be
 * denied, and each control (the nearest allowed request) allowed.
 */
import { deniedCases } from './denied';
import { drillWorld } from './drill-world';
import { expectations, unmet, worldsOf } from './matrix';

describe.each([
  ['a shipper of DB instances and its vault', false],
  ['a shipper of DB instances and clusters and its vault', true],
])('%s', (_name, withClusters) => {
  const { world, stacks } = drillWorld(withClusters, undefined, true);
  const cases = deniedCases(world, stacks);

  test.each(cases.map((c) => [`${c.request.why}${c.underScp ? ' (under the SCP)' : ''}`, c] as const))('denied: %s', async (_why, c) => {
    expect(await unmet(worldsOf(world.policies), expectations([], [c]))).toEqual([]);
  });
});
