/**
 * Every policy of a deployed template, attached where AWS attaches it:
 * identity policies to their role, key, topic and queue policies, function
 * permissions and role trust policies to their resource.
 */
import { arnOfRef, Deployment } from './cloudformation';

export interface Policy {
  readonly kind: 'identity' | 'resource' | 'scp';
  /** The role ARN (identity), the resource ARN (resource) or the account id (scp). */
  readonly attachedTo: string;
  /** Where the policy comes from: a logical id, or what it stands for. */
  readonly name: string;
  readonly statements: readonly any[];
  /** Made by the constructs (and so mutated by the mutation test), or part of the world around them. */
  readonly fromConstructs: boolean;
}

const ACCOUNT_ID = /^\d{12}$/;

/** A Lambda permission as the statement Lambda adds to the function's resource policy. */
function permissionStatement(id: string, p: any): any {
  const principal = ACCOUNT_ID.test(p.Principal) || String(p.Principal).startsWith('arn:') ? { AWS: p.Principal } : { Service: p.Principal };
  const condition: Record<string, Record<string, string>> = {};
  if (p.SourceArn) condition.ArnLike = { 'AWS:SourceArn': p.SourceArn };
  if (p.SourceAccount) condition.StringEquals = { 'AWS:SourceAccount': p.SourceAccount };
  return { Sid: id, Effect: 'Allow', Principal: principal, Action: p.Action, Resource: 'FUNCTION', ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}) };
}

export function policiesOf(d: Deployment): Policy[] {
  const out: Policy[] = [];
  const add = (kind: Policy['kind'], attachedTo: string, name: string, document: any) => {
    out.push({ kind, attachedTo, name, statements: [document.Statement].flat(), fromConstructs: true });
  };
  const permissions = new Map<string, any[]>();
  for (const [id, r] of Object.entries(d.resources)) {
    const p = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::IAM::Policy':
        for (const role of p.Roles ?? []) add('identity', arnOfRef(d, role), id, p.PolicyDocument);
        break;
      case 'AWS::IAM::Role':
        if (p.ManagedPolicyArns?.length) throw new Error(`${id} has managed policies, which are not modelled`);
        for (const inline of p.Policies ?? []) add('identity', d.physical[id].arn!, `${id}/${inline.PolicyName}`, inline.PolicyDocument);
        add('resource', d.physical[id].arn!, `${id} (trust)`, p.AssumeRolePolicyDocument);
        break;
      case 'AWS::KMS::Key': add('resource', d.physical[id].arn!, id, p.KeyPolicy); break;
      case 'AWS::SNS::TopicPolicy': for (const t of p.Topics) add('resource', t, id, p.PolicyDocument); break;
      case 'AWS::SQS::QueuePolicy': for (const q of p.Queues) add('resource', arnOfRef(d, q), id, p.PolicyDocument); break;
      case 'AWS::Lambda::Permission': {
        const fn = arnOfRef(d, p.FunctionName);
        permissions.set(fn, [...permissions.get(fn) ?? [], { ...permissionStatement(id, p), Resource: fn }]);
        break;
      }
      default: break;
    }
  }
  for (const [fn, statements] of permissions) add('resource', fn, `${fn} (permissions)`, { Statement: statements });
  return out;
}
