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
      for (const [name, statements] of variants) {
        const mutated: Policy = { ...policy, statements };
        out.push({
          name,
          policy: mutated,
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

/** Whether any expectation that the mutated policy bears on stops holding. */
export async function caught(m: Mutant, all: readonly Expectation[]): Promise<boolean> {
  const relevant = all.filter((e) => bears(m.policy, e.request));
  return (await unmet(m.worlds, relevant)).length > 0;
}

/** The worlds of policies of a world built with the vault's SCP. */
export function worldsOf(policies: readonly Policy[]): Worlds {
  if (!policies.some((p) => p.kind === 'scp')) throw new Error('build the world with the vault\'s SCP (scpOf)');
  return { scp: policies, plain: policies.filter((p) => p.kind !== 'scp') };
}
