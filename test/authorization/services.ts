/**
 * The requests AWS services make for the constructs, which the emulator never
 * shows: Lambda assuming the role, writing logs, reading the announcement
 * queue and sending to the dead-letter queue; EventBridge invoking the
 * functions and dead-lettering what it cannot deliver; the Failsafe account
 * subscribing to a Live topic, and SNS delivering to the queue. Each is read
 * from the deployed templates, so that each resource the constructs wire up
 * is exercised.
 */
import { arnOfRef, Deployment } from './cloudformation';
import { AuthzRequest } from './evaluate';

/** The role that deploys the stacks of an account (CloudFormation's execution role): an administrator. */
export const deployerOf = (account: string) => `arn:aws:iam::${account}:role/cdk-hnb659fds-cfn-exec-role-${account}`;

function lambdaRequests(d: Deployment, fn: any): AuthzRequest[] {
  const role = fn.Role;
  const out: AuthzRequest[] = [
    // Lambda Developer Guide, "Lambda execution role": the trust policy lets the Lambda service assume it.
    { why: 'Lambda assumes the function\'s execution role', principal: 'lambda.amazonaws.com', action: 'sts:AssumeRole', resource: role },
  ];
  const logGroup = fn.LoggingConfig?.LogGroup;
  if (logGroup) {
    const group = `arn:aws:logs:${d.region}:${d.account}:log-group:${logGroup}`;
    out.push(
      { why: 'Lambda creates the function\'s log stream', principal: role, action: 'logs:CreateLogStream', resource: `${group}:log-stream:2026/11/29/[$LATEST]0123456789abcdef` },
      { why: 'Lambda writes the function\'s logs', principal: role, action: 'logs:PutLogEvents', resource: `${group}:log-stream:2026/11/29/[$LATEST]0123456789abcdef` },
    );
  }
  // Lambda Developer Guide, "Asynchronous invocation": for an SQS dead-letter
  // queue, the execution role needs sqs:SendMessage.
  const dlq = fn.DeadLetterConfig?.TargetArn;
  if (dlq) out.push({ why: 'Lambda dead-letters a failed asynchronous event', principal: role, action: 'sqs:SendMessage', resource: dlq });
  return out;
}

/** Lambda Developer Guide, "Using Lambda with Amazon SQS": the execution role reads and deletes the queue's messages. */
function eventSourceRequests(d: Deployment, mapping: any, functions: Record<string, any>): AuthzRequest[] {
  const named = (id: string) => d.physical[id].ref === mapping.FunctionName || d.physical[id].arn === mapping.FunctionName;
  const fn = Object.entries(functions).find(([id]) => named(id))?.[1];
  if (!fn) throw new Error(`the event source mapping of ${mapping.FunctionName} names no function of the template`);
  return ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'].map((action) => ({
    why: `Lambda's event source mapping calls ${action} on the announcement queue`, principal: fn.Role, action, resource: mapping.EventSourceArn,
  }));
}

function ruleRequests(d: Deployment, id: string, rule: any): AuthzRequest[] {
  const ruleArn = d.physical[id].arn!;
  const source = { 'aws:SourceArn': ruleArn, 'aws:SourceAccount': d.account };
  return (rule.Targets ?? []).flatMap((t: any) => [
    // Lambda Developer Guide: EventBridge's permission to invoke comes from the function's resource-based policy.
    { why: `EventBridge rule ${id} invokes its target`, principal: 'events.amazonaws.com', action: 'lambda:InvokeFunction', resource: t.Arn, context: source },
    // EventBridge User Guide, "Using dead-letter queues": the queue's policy lets events.amazonaws.com send, for the rule.
    ...(t.DeadLetterConfig?.Arn
      ? [{ why: `EventBridge rule ${id} dead-letters an event it could not deliver`, principal: 'events.amazonaws.com', action: 'sqs:SendMessage', resource: t.DeadLetterConfig.Arn, context: source }]
      : []),
  ]);
}

/** A subscription made by the stack of another account than the topic's: the subscribe call, and SNS's deliveries. */
function subscriptionRequests(d: Deployment, id: string, s: any): AuthzRequest[] {
  const topic: string = s.TopicArn;
  const [, , , topicRegion, topicAccount] = topic.split(':');
  // SNS Developer Guide, "Sending Amazon SNS messages to an Amazon SQS queue in
  // a different account": the topic owner lets the queue owner's account call
  // Subscribe; the queue's policy lets SNS send, for the topic.
  const requests: AuthzRequest[] = [
    {
      why: `the ${d.account} stack subscribes ${s.Protocol} ${s.Endpoint} to ${topic} (${id})`,
      principal: deployerOf(d.account),
      action: 'sns:Subscribe',
      resource: topic,
      context: { 'sns:Protocol': s.Protocol, 'sns:Endpoint': s.Endpoint },
    },
    ...(s.Protocol === 'sqs'
      ? [{
        why: `SNS delivers ${topic} to the queue (${id})`,
        principal: 'sns.amazonaws.com',
        action: 'sqs:SendMessage',
        resource: s.Endpoint,
        context: { 'aws:SourceArn': topic, 'aws:SourceAccount': topicAccount },
      }]
      : []),
  ];
  return requests.map((r) => ({ ...r, why: `${r.why}${topicRegion !== d.region ? ' across regions' : ''}` }));
}

export function serviceRequests(d: Deployment): AuthzRequest[] {
  const functions = Object.fromEntries(Object.entries(d.resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function').map(([id, r]) => [id, r.Properties]));
  const out: AuthzRequest[] = [];
  for (const [id, r] of Object.entries(d.resources)) {
    if (r.Type === 'AWS::Lambda::Function') out.push(...lambdaRequests(d, r.Properties));
    if (r.Type === 'AWS::Lambda::EventSourceMapping') out.push(...eventSourceRequests(d, r.Properties, functions));
    if (r.Type === 'AWS::Events::Rule') out.push(...ruleRequests(d, id, r.Properties));
    if (r.Type === 'AWS::SNS::Subscription') out.push(...subscriptionRequests(d, id, r.Properties));
  }
  return out.map((r) => (r.resource.startsWith('arn:') ? r : { ...r, resource: arnOfRef(d, r.resource) }));
}
