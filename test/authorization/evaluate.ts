/**
 * One authorization request, evaluated as AWS evaluates it: identity policies,
 * the resource's policy, SCPs, same-account and cross-account rules, and every
 * condition operator, by @cloud-copilot/iam-simulate.
 */
import { createHash } from 'node:crypto';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Policy } from './policies';

export interface AuthzRequest {
  /** What the request is, in words: the call and who makes it. */
  readonly why: string;
  /** A role ARN, or a service principal such as `sns.amazonaws.com`. */
  readonly principal: string;
  readonly action: string;
  /** An ARN, or `*` for calls that name no resource. */
  readonly resource: string;
  /** Context keys beyond the principal's own (which are set here). */
  readonly context?: Readonly<Record<string, string | string[]>>;
  /**
   * An RDS snapshot of another account is reached through its `restore`
   * attribute, which RDS checks in place of a resource policy: the accounts
   * the snapshot was shared with when the call was made.
   */
  readonly sharedWith?: readonly string[];
}

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

export interface Outcome {
  readonly decision: Decision;
  /** Context keys the request set that do not apply to its action: a mistake in the request. */
  readonly ignoredContextKeys: readonly string[];
}

const FULL_AWS_ACCESS = { name: 'FullAWSAccess', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };
const SNAPSHOT_READS = ['rds:CopyDBSnapshot', 'rds:CopyDBClusterSnapshot', 'rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots'];

export const isServicePrincipal = (principal: string) => principal.endsWith('.amazonaws.com');
export const accountOf = (arn: string): string | undefined => (arn.startsWith('arn:') ? arn.split(':')[4] || undefined : undefined);

/**
 * Secrets Manager's own condition key on a secret's tags,
 * secretsmanager:ResourceTag/<key>, tests what aws:ResourceTag/<key> tests
 * (Secrets Manager User Guide, "Condition keys"). The simulator's data name
 * it only as the literal secretsmanager:ResourceTag/tag-key, and it cannot
 * evaluate it otherwise: it is evaluated as aws:ResourceTag/<key>.
 */
function asSimulated(statement: any): any {
  if (!statement.Condition) return statement;
  const rename = (key: string) => key.replace(/^secretsmanager:ResourceTag\//i, 'aws:ResourceTag/');
  const condition = Object.fromEntries(Object.entries<Record<string, unknown>>(statement.Condition)
    .map(([operator, keys]) => [operator, Object.fromEntries(Object.entries(keys).map(([k, v]) => [rename(k), v]))]));
  return { ...statement, Condition: condition };
}

const doc = (statements: readonly any[]) => ({ Version: '2012-10-17', Statement: statements.map(asSimulated) });

/** The share of a snapshot with other accounts, as the resource policy it amounts to. */
function shareAsPolicy(r: AuthzRequest): any[] {
  return (r.sharedWith ?? []).map((account) => ({
    Sid: 'SharedByTheRestoreAttribute', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: SNAPSHOT_READS, Resource: r.resource,
  }));
}

export async function evaluate(policies: readonly Policy[], r: AuthzRequest): Promise<Outcome> {
  const service = isServicePrincipal(r.principal);
  const principalAccount = service ? undefined : accountOf(r.principal);
  const resourceAccount = accountOf(r.resource) ?? principalAccount ?? '000000000000';
  const identity = service ? [] : policies.filter((p) => p.kind === 'identity' && p.attachedTo === r.principal);
  const scps = service ? [] : policies.filter((p) => p.kind === 'scp' && p.attachedTo === principalAccount);
  const resourceStatements = [
    ...policies.filter((p) => p.kind === 'resource' && p.attachedTo === r.resource).flatMap((p) => p.statements),
    ...shareAsPolicy(r),
  ];
  const context: Record<string, string | string[]> = {
    'aws:SecureTransport': 'true',
    ...(service ? {} : { 'aws:PrincipalArn': r.principal, 'aws:PrincipalAccount': principalAccount! }),
    ...r.context,
  };
  const simulation = {
    request: { principal: r.principal, action: r.action, resource: { resource: r.resource, accountId: resourceAccount }, contextVariables: context },
    identityPolicies: identity.map((p, i) => ({ name: `${p.name}#${i}`, policy: doc(p.statements) })),
    serviceControlPolicies: scps.length > 0
      ? [{ orgIdentifier: principalAccount!, policies: [FULL_AWS_ACCESS, ...scps.map((p) => ({ name: p.name, policy: doc(p.statements) }))] }]
      : [],
    resourceControlPolicies: [],
    ...(resourceStatements.length > 0 ? { resourcePolicy: doc(resourceStatements) } : {}),
  };
  // The simulator's outcome is a function of its input alone: the same input, from another matrix, test or world, is evaluated
  // once. The key tells an undefined value from an absent one, which JSON would not.
  const key = createHash('sha256').update(JSON.stringify(simulation, (_k, v) => (v === undefined ? '\u0000undefined' : v))).digest('base64');
  let outcome = outcomes.get(key);
  counts.evaluated++;
  if (!outcome) {
    counts.simulated++;
    outcome = simulate(simulation).then(
      (o) => o,
      (e: Error) => { outcomes.delete(key); throw e; },
    );
    outcomes.set(key, outcome);
  }
  const o = await outcome;
  if (o.errors) throw new Error(`${r.why}: the evaluator could not run: ${o.errors}`);
  return { decision: o.decision, ignoredContextKeys: [...o.ignoredContextKeys] };
}

interface Simulated extends Outcome {
  /** The evaluator's errors, if it could not run. */
  readonly errors?: string;
}

/** The outcomes of the simulations run so far, by the SHA-256 of their input: a test file evaluates the same request against the same policies many times. */
const outcomes = new Map<string, Promise<Simulated>>();
const counts = { evaluated: 0, simulated: 0 };

/** How many requests were evaluated so far, and how many of them the simulator ran (the others were known). */
export const evaluationCounts = (): Readonly<typeof counts> => ({ ...counts });

async function simulate(simulation: Parameters<typeof runSimulation>[0]): Promise<Simulated> {
  const result: any = await runSimulation(simulation, {});
  if (result.errors) return { decision: 'ImplicitlyDenied', ignoredContextKeys: [], errors: JSON.stringify(result.errors) };
  const single = result.resultType === 'single' ? result.result : undefined;
  return { decision: result.overallResult, ignoredContextKeys: [...single?.ignoredContextKeys ?? []] };
}
