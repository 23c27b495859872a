/**
 * A synthesized template as CloudFormation would deploy it: every intrinsic
 * function resolved to the physical names and ARNs the resources get, so that
 * its policies can be evaluated as AWS evaluates them. Physical ids are made
 * up from logical ids unless the caller binds them (for example to the KMS key
 * the emulator created for the same resource).
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

export interface Deployment {
  readonly account: string;
  readonly region: string;
  /** The template, with every intrinsic resolved. */
  readonly resources: Record<string, { Type: string; Properties?: any }>;
  /** The physical id (`Ref`) and attributes of each resource. */
  readonly physical: Record<string, PhysicalResource>;
  /** Resolves a value of the stack (such as a policy document the constructs return) as deployed. */
  resolve(value: unknown): any;
}

export interface PhysicalResource {
  readonly ref: string;
  readonly arn?: string;
}

/** Physical values to use for resources whose logical id starts with the key. */
export type Bindings = Record<string, Partial<PhysicalResource>>;

const PARTITION = 'aws';

/** What CloudFormation would name a resource that has no name of its own. */
function madeUp(type: string, id: string, props: any, account: string, region: string): PhysicalResource {
  const name = id.toLowerCase();
  switch (type) {
    case 'AWS::IAM::Role': return { ref: id, arn: `arn:${PARTITION}:iam::${account}:role/${id}` };
    case 'AWS::KMS::Key': return { ref: name, arn: `arn:${PARTITION}:kms:${region}:${account}:key/${name}` };
    case 'AWS::SNS::Topic': {
      const arn = `arn:${PARTITION}:sns:${region}:${account}:${props?.TopicName ?? id}`;
      return { ref: arn, arn };
    }
    case 'AWS::SQS::Queue': return { ref: `https://sqs.${region}.amazonaws.com/${account}/${id}`, arn: `arn:${PARTITION}:sqs:${region}:${account}:${id}` };
    case 'AWS::Lambda::Function': return { ref: id, arn: `arn:${PARTITION}:lambda:${region}:${account}:function:${id}` };
    case 'AWS::Logs::LogGroup': return { ref: id, arn: `arn:${PARTITION}:logs:${region}:${account}:log-group:${id}:*` };
    case 'AWS::Events::Rule': return { ref: id, arn: `arn:${PARTITION}:events:${region}:${account}:rule/${id}` };
    default: return { ref: id };
  }
}

export function deploy(stack: Stack, bindings: Bindings = {}): Deployment {
  const { account, region } = stack;
  const template = Template.fromStack(stack).toJSON();
  const physical: Record<string, PhysicalResource> = {};
  for (const [id, r] of Object.entries<any>(template.Resources)) {
    const bound = Object.entries(bindings).find(([prefix]) => id.startsWith(prefix))?.[1] ?? {};
    physical[id] = { ...madeUp(r.Type, id, r.Properties, account, region), ...bound };
  }
  const pseudo: Record<string, string> = {
    'AWS::Partition': PARTITION, 'AWS::Region': region, 'AWS::AccountId': account, 'AWS::URLSuffix': 'amazonaws.com', 'AWS::StackName': stack.stackName,
  };
  const ref = (name: string): string => {
    if (name in pseudo) return pseudo[name];
    if (!physical[name]) throw new Error(`Ref to an unknown resource ${name}`);
    return physical[name].ref;
  };
  const getAtt = (id: string, attr: string): string => {
    const p = physical[id];
    if (!p) throw new Error(`Fn::GetAtt of an unknown resource ${id}`);
    if (attr === 'Arn' || attr === 'TopicArn') {
      if (!p.arn) throw new Error(`no ARN is known for ${id}`);
      return p.arn;
    }
    if (attr === 'QueueName') return p.arn!.split(':').pop()!;
    // A security group of a VPC: its Ref and its GroupId are both the group's id.
    if (attr === 'GroupId') return p.ref;
    throw new Error(`Fn::GetAtt ${id}.${attr} is not modelled`);
  };
  const resolve = (v: any): any => {
    if (Array.isArray(v)) return v.map(resolve);
    if (v === null || typeof v !== 'object') return v;
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const [k] = keys;
      const arg = v[k];
      if (k === 'Ref') return ref(arg);
      if (k === 'Fn::GetAtt') return getAtt(arg[0], arg[1]);
      if (k === 'Fn::Join') return resolve(arg[1]).join(arg[0]);
      if (k === 'Fn::Select') return resolve(arg[1])[Number(arg[0])];
      if (k === 'Fn::Split') return resolve(arg[1]).split(arg[0]);
      if (k === 'Fn::Sub') {
        return String(arg).replace(/\$\{([^}]+)\}/g, (_m, name: string) => (name.includes('.') ? getAtt(name.split('.')[0], name.split('.')[1]) : ref(name)));
      }
      if (k.startsWith('Fn::')) throw new Error(`${k} is not modelled`);
    }
    return Object.fromEntries(keys.map((key) => [key, resolve(v[key])]));
  };
  const resources: Deployment['resources'] = {};
  for (const [id, r] of Object.entries<any>(template.Resources)) resources[id] = { Type: r.Type, Properties: resolve(r.Properties) };
  return { account, region, resources, physical, resolve: (v) => resolve(stack.resolve(v)) };
}

/** The ARN of the resource whose physical id (`Ref`) or ARN is `ref`: how templates name queues, roles and functions. */
export function arnOfRef(d: Deployment, ref: string): string {
  const found = Object.values(d.physical).find((p) => p.ref === ref || p.arn === ref);
  if (!found?.arn) throw new Error(`no resource has the physical id ${ref}`);
  return found.arn;
}

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
export function logicalId(d: Deployment, type: string, prefix: string): string {
  const ids = Object.keys(d.resources).filter((id) => d.resources[id].Type === type && id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${ids.length}: ${ids.join(', ')}`);
  return ids[0];
}

/** The ARN of the one resource of `type` whose id starts with `prefix`. */
export function arnOf(d: Deployment, type: string, prefix: string): string {
  const p = d.physical[logicalId(d, type, prefix)];
  if (!p.arn) throw new Error(`no ARN is known for ${prefix}`);
  return p.arn;
}
