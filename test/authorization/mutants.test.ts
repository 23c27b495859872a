/**
 * The mutation test (matrices.integ.test.ts) evaluates a mutant only on the
 * requests whose action a pattern of the changed statement may match
 * (matrix.ts, `touches`). That skip is sound only if `mayMatchAction` matches
 * every action the evaluator matches: here the evaluator itself says, for each
 * Action pattern of the constructs' policies and each action of the matrices,
 * whether a statement with that pattern alone applies.
 */
import { deniedCases, restoreDrillCases } from './denied';
import { drillWorld } from './drill-world';
import { evaluate } from './evaluate';
import { mayMatchAction, mutants, touches, worldsOf } from './matrix';
import { Policy } from './policies';
import { serviceRequests } from './services';

const PRINCIPAL = 'arn:aws:iam::111111111111:role/probe';

/** Whether the evaluator applies a statement whose only Action is `pattern` to a request of `action`. */
async function evaluatorMatches(pattern: string, action: string): Promise<boolean> {
  const policy: Policy = {
    kind: 'identity', attachedTo: PRINCIPAL, name: 'probe', fromConstructs: false, statements: [{ Effect: 'Allow', Action: pattern, Resource: '*' }],
  };
  const outcome = await evaluate([policy], { why: `${pattern} on ${action}`, principal: PRINCIPAL, action, resource: '*' });
  return outcome.decision === 'Allowed';
}

const { world, stacks } = drillWorld(true);
const list = mutants(worldsOf(world.policies));
const patterns = [...new Set(list.flatMap((m) => m.actions ?? []))];
const actions = [...new Set([
  ...world.deployments.flatMap(serviceRequests),
  ...[...deniedCases(world, stacks), ...restoreDrillCases(world, stacks)].flatMap((c) => [c.request, ...c.control ? [c.control] : []]),
].map((r) => r.action))];

test('the world has Action patterns and actions to compare, and some mutants touch every request', () => {
  expect(patterns.length).toBeGreaterThan(30);
  expect(actions.length).toBeGreaterThan(30);
  expect(patterns.some((p) => typeof p === 'string' && /[*?]/.test(p))).toBe(true);
  // A statement removed whole from a policy of one statement, or with NotAction, touches every request.
  expect(list.every((m) => m.actions === undefined || m.policy.statements.length > 0)).toBe(true);
});

test('the evaluator matches an action with the action itself, and not with another service\'s (so that it can tell)', async () => {
  for (const action of actions) {
    expect(await evaluatorMatches(action, action)).toBe(true);
    expect(await evaluatorMatches(action.startsWith('sqs:') ? 'sns:*' : 'sqs:*', action)).toBe(false);
  }
});

test('every pattern the skip says cannot match an action, the evaluator does not match with it either', async () => {
  const wrong: string[] = [];
  for (const pattern of patterns) {
    for (const action of actions) {
      if (typeof pattern !== 'string' || mayMatchAction(pattern, action)) continue;
      if (await evaluatorMatches(pattern, action)) wrong.push(`${pattern} matches ${action}`);
    }
  }
  expect(wrong).toEqual([]);
});

test('mayMatchAction: case-insensitive wildcards over the whole action, and anything it cannot read matches', () => {
  expect(mayMatchAction('rds:Copy*', 'rds:CopyDBSnapshot')).toBe(true);
  expect(mayMatchAction('RDS:copydbsnapshot', 'rds:CopyDBSnapshot')).toBe(true);
  expect(mayMatchAction('kms:GenerateDataKey?', 'kms:GenerateDataKey')).toBe(false);
  expect(mayMatchAction('*', 'sts:AssumeRole')).toBe(true);
  expect(mayMatchAction('rds:Copy*', 'rds:CreateDBSnapshot')).toBe(false);
  expect(mayMatchAction('rds:Describe.*', 'rds:DescribeDBSnapshots')).toBe(false);
  expect(mayMatchAction({ 'Fn::Join': [] }, 'rds:CopyDBSnapshot')).toBe(true);
  expect(mayMatchAction('rds:Copy\\u002a', 'rds:CopyDBSnapshot')).toBe(true);
  const [m] = list.filter((x) => x.actions !== undefined);
  expect(touches({ ...m, actions: undefined }, 'sts:AssumeRole')).toBe(true);
  expect(touches({ ...m, actions: ['rds:Copy*'] }, 'sts:AssumeRole')).toBe(false);
});
