/**
 * The two matrices, and the mutation test over them. The allow matrix holds
 * requests that must be allowed; the deny matrix holds cases that must be
 * denied, each with its control. A world is evaluated with the vault's SCP
 * on the Failsafe account and without it.
 */
import { DeniedCase } from './denied';
import { accountOf, AuthzRequest, evaluate, isServicePrincipal } from './evaluate';
import { Policy } from './policies';

export interface Worlds {
  /** The policies without the vault's SCP. */
  readonly plain: readonly Policy[];
  /** The same, with the vault's SCP attached to the Failsafe account. */
  readonly scp: readonly Policy[];
}

export interface Expectation {
  readonly request: AuthzRequest;
  readonly allowed: boolean;
  readonly underScp: boolean;
  /** Policies beyond the world's that the request is evaluated with (DeniedCase.alsoAttached). */
  readonly alsoAttached?: readonly Policy[];
}

/** Every expectation of the matrices: the allowed requests, in both worlds, and each denied case with its controls. */
export function expectations(allowed: readonly AuthzRequest[], denied: readonly DeniedCase[]): Expectation[] {
  return [
    ...allowed.flatMap((request) => [false, true].map((underScp) => ({ request, allowed: true, underScp }))),
    ...denied.flatMap((c) => {
      const extra = c.alsoAttached ? { alsoAttached: c.alsoAttached } : {};
      return [
        { request: c.request, allowed: false, underScp: c.underScp ?? false, ...extra },
        ...(c.control ? [{ request: c.control, allowed: true, underScp: c.underScp ?? false, ...extra }] : []),
        ...(c.controlWithoutScp ? [{ request: c.request, allowed: true, underScp: false, ...extra }] : []),
      ];
    }),
  ];
}

/** The expectations that do not hold, each in words. */
export async function unmet(worlds: Worlds, all: readonly Expectation[]): Promise<string[]> {
  const out: string[] = [];
  for (const e of all) {
    const outcome = await evaluate([...e.underScp ? worlds.scp : worlds.plain, ...e.alsoAttached ?? []], e.request);
    const ok = e.allowed ? outcome.decision === 'Allowed' : outcome.decision !== 'Allowed';
    const where = e.underScp ? ' (under the SCP)' : '';
    if (!ok) out.push(`${e.allowed ? 'denied' : 'ALLOWED'}${where}: ${e.request.why} [${e.request.principal} ${e.request.action} ${e.request.resource}]`);
    else if (outcome.ignoredContextKeys.length > 0) out.push(`context keys that do not apply: ${outcome.ignoredContextKeys.join(', ')}: ${e.request.why}`);
  }
  return out;
}

/** Whether a policy takes part in the evaluation of a request. */
function bears(p: Policy, r: AuthzRequest): boolean {
  if (p.kind === 'resource') return p.attachedTo === r.resource;
  if (isServicePrincipal(r.principal)) return false;
  return p.kind === 'identity' ? p.attachedTo === r.principal : p.attachedTo === accountOf(r.principal);
}

export interface Mutant {
  /** The statement removed, or the condition removed from it. */
  readonly name: string;
  readonly worlds: Worlds;
  /** The policy changed. */
  readonly policy: Policy;
  /**
   * The Action patterns of the statement removed or changed, when the only
   * requests whose decision the change can alter are those of an action one
   * of them matches (see `touches`); undefined when any request may change.
   */
  readonly actions?: readonly unknown[];
}

/**
 * Whether an Action pattern of a policy may match an action. IAM matches the
 * service prefix and the action name case-insensitively, with `*` and `?` as
 * wildcards; this matches the whole `service:action` string the same way, so
 * it matches every action IAM matches and maybe more (a wildcard in the
 * service prefix), never fewer (mutants.test.ts checks it against the
 * evaluator). A pattern that is not a string is taken to match.
 */
export function mayMatchAction(pattern: unknown, action: string): boolean {
  // The evaluator reads escapes (\u002a) in a pattern: one with a backslash is taken to match.
  if (typeof pattern !== 'string' || pattern.includes('\\')) return true;
  const glob = pattern.toLowerCase().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${glob}$`).test(action.toLowerCase());
}

/**
 * Whether the mutant's change can alter the decision on a request of this
 * action. A statement takes part in the decision on a request only if it
 * applies to the request's action: IAM (and the simulator, whose
 * policy-resource expansion of wildcard resources also reads only the Allow
 * statements that match the action) skips a statement none of whose Action
 * patterns match, whatever its Effect, Resource, Principal or Condition, so
 * an Allow statement then allows nothing and a Deny statement denies
 * nothing. Removing such a statement, or a condition from it (which leaves
 * its Action as it was), therefore leaves every policy's applicable
 * statements, and so the decision, as they were. The context keys the
 * simulator ignores depend on the request only. A NotAction statement applies
 * to every action it does not list, and a policy left with no statement may
 * be read differently from one with a statement that does not apply: their
 * mutants touch every request (`actions` undefined).
 */
export function touches(m: Mutant, action: string): boolean {
  return m.actions === undefined || m.actions.some((pattern) => mayMatchAction(pattern, action));
}

/** Each statement of the constructs' policies removed, and each condition of each statement, one at a time. */
export function mutants(worlds: Worlds): Mutant[] {
  const out: Mutant[] = [];
  const replace = (list: readonly Policy[], from: Policy, to: Policy) => list.map((p) => (p === from ? to : p));
  const targets = worlds.scp.filter((p) => p.fromConstructs);
  for (const policy of targets) {
    policy.statements.forEach((statement, i) => {
      const label = `${policy.name}: ${statement.Sid ?? `statement ${i}`} (${[statement.Action].flat().join(', ')})`;
      const variants: Array<[string, any[]]> = [[`removed ${label}`, policy.statements.filter((_, j) => j !== i)]];
      for (const [operator, keys] of Object.entries<Record<string, unknown>>(statement.Condition ?? {})) {
        for (const key of Object.keys(keys)) {
          const { [key]: _dropped, ...rest } = keys;
          const condition = { ...statement.Condition, [operator]: rest };
          if (Object.keys(rest).length === 0) delete condition[operator];
          const changed = { ...statement, Condition: condition };
          if (Object.keys(condition).length === 0) delete changed.Condition;
          variants.push([`removed ${operator} ${key} from ${label}`, policy.statements.map((s, j) => (j === i ? changed : s))]);
        }
      }
      // NotAction, or no Action at all (which the simulator refuses): every request may change.
      const actions = statement.NotAction === undefined && statement.Action !== undefined ? [statement.Action].flat() : undefined;
      for (const [name, statements] of variants) {
        const mutated: Policy = { ...policy, statements };
        out.push({
          name,
          policy: mutated,
          ...(actions && statements.length > 0 ? { actions } : {}),
          worlds: {
            plain: worlds.plain.includes(policy) ? replace(worlds.plain, policy, mutated) : worlds.plain,
            scp: replace(worlds.scp, policy, mutated),
          },
        });
      }
    });
  }
  return out;
}

/**
 * Whether any expectation that the mutated policy bears on stops holding.
 * The expectations must all hold without the mutation (the caller checks it
 * with `unmet`): then one on a request the change does not touch (`touches`)
 * holds with it too, and only the others are evaluated. Skipping can only
 * turn a mutant that would be caught into one that escapes, never the
 * reverse: were `touches` wrong, the test would fail, not pass.
 */
export async function caught(m: Mutant, all: readonly Expectation[]): Promise<boolean> {
  const relevant = all.filter((e) => bears(m.policy, e.request) && touches(m, e.request.action));
  return (await unmet(m.worlds, relevant)).length > 0;
}

/** The worlds of policies of a world built with the vault's SCP. */
export function worldsOf(policies: readonly Policy[]): Worlds {
  if (!policies.some((p) => p.kind === 'scp')) throw new Error('build the world with the vault\'s SCP (scpOf)');
  return { scp: policies, plain: policies.filter((p) => p.kind !== 'scp') };
}
