/**
 * The configuration a construct writes for its handler (SHIPPER_CONFIG,
 * VAULT_CONFIG), read back from the synthesized template: tokens (ARNs of
 * resources in the stack) become the string "<token>".
 */
import { Template } from 'aws-cdk-lib/assertions';

function joined(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map((part) => (typeof part === 'string' ? part : '<token>')).join(join[0]);
  throw new Error(`not a string or Fn::Join: ${JSON.stringify(value)}`);
}

export function handlerConfig(template: Template, variable: 'SHIPPER_CONFIG' | 'VAULT_CONFIG'): Record<string, any> {
  const fns = Object.values<any>(template.findResources('AWS::Lambda::Function')).filter((f) => f.Properties.Environment?.Variables?.[variable]);
  if (fns.length !== 1) throw new Error(`expected one function with ${variable}, found ${fns.length}`);
  return JSON.parse(joined(fns[0].Properties.Environment.Variables[variable]));
}

/** The function that carries `variable`, as synthesized. */
export function handlerFunction(template: Template, variable: 'SHIPPER_CONFIG' | 'VAULT_CONFIG'): any {
  return Object.values<any>(template.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.[variable]);
}
