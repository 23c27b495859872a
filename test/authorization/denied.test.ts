/**
 * The deny matrix: what an attacker in Live, a bug in a handler, or an
 * administrator of the Failsafe account without break-glass would do, each
 * evaluated against the synthesized policies of both accounts. Each must be
 * denied, and each control (the nearest allowed request) allowed.
 */
import { DeniedCase, deniedCases, restoreDrillCases, takingCases } from './denied';
import { drillWorld } from './drill-world';
import { expectations, unmet, worldsOf } from './matrix';
import { restoreDrillWorld } from './restore-drill-world';
import { World } from './world';
import { DRILL_DEFAULTS } from '../drill/defaults';

function matrix(world: World, cases: readonly DeniedCase[]) {
  test.each(cases.map((c) => [`${c.request.why}${c.underScp ? ' (under the SCP)' : ''}`, c] as const))('denied: %s', async (_why, c) => {
    expect(await unmet(worldsOf(world.policies), expectations([], [c]))).toEqual([]);
  });
}

describe.each([
  ['a shipper of DB instances, a second one every 4 hours, and their vault, and its restore drill', false],
  ['a shipper of DB instances and clusters, a second one every 4 hours, and their vault, and its restore drill', true],
])('%s', (_name, withClusters) => {
  const { world, stacks } = drillWorld(withClusters, undefined, true);
  const sub = DRILL_DEFAULTS.subDaily!.database;
  matrix(world, [
    ...deniedCases(world, stacks),
    ...deniedCases(world, { shipper: stacks.subDailyShipper, vault: stacks.vault, database: sub }),
    ...takingCases(world, stacks.subDailyShipper, sub, { shipper: stacks.shipper, database: Object.keys(DRILL_DEFAULTS.databases)[0] }),
    ...restoreDrillCases(world, stacks),
  ]);
});

describe('a vault and its restore drill, with a validation function', () => {
  const { world, stacks } = restoreDrillWorld();
  matrix(world, [...deniedCases(world, stacks), ...restoreDrillCases(world, stacks)]);
});
