import { readFileSync } from 'node:fs';
import { App, Stack, type CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { RefundGateStack, type RefundGateStackProps } from '../../infra/refund-gate-stack.js';

export const ROOT = new URL('../../', import.meta.url);

/** cdk.json's context (feature flags included), so a test synthesizes what `cdk deploy` would. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(new URL('cdk.json', ROOT), 'utf8')) as { context: Record<string, unknown> }).context;
}

/**
 * An app with cdk.json's flags. Unless `bundle` is set, asset bundling is
 * skipped through `aws:cdk:bundling-stacks` (the context key the CDK CLI sets
 * to the stacks it deploys, so that the others are not bundled): every
 * resource and property is identical, only the asset's hash and contents are
 * placeholders. Real esbuild bundling is covered by app.test.ts.
 */
export function newApp(options: { bundle?: boolean; context?: Record<string, unknown> } = {}): App {
  return new App({
    context: { ...cdkJsonContext(), ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...options.context },
  });
}

export interface Synthesized {
  readonly stack: RefundGateStack;
  readonly template: Template;
  /** The logical id CloudFormation will see for a construct (its default child). */
  id(construct: IConstruct): string;
}

/**
 * Synthesizes the stack, once per distinct plain-data props in this test file
 * (a synth costs about a second; tests only read the result). Props holding
 * objects other than plain data (constructs, Durations) are never cached.
 */
export function synth(props: RefundGateStackProps = {}, options: { bundle?: boolean } = {}): Synthesized {
  const key = plainKey({ props, options });
  const cached = key === undefined ? undefined : synthesized.get(key);
  if (cached) return cached;
  const app = newApp(options);
  const stack = new RefundGateStack(app, 'RefundGate', props);
  const result: Synthesized = { stack, template: Template.fromStack(stack), id: (c) => logicalIdOf(c) };
  if (key !== undefined) synthesized.set(key, result);
  return result;
}

const synthesized = new Map<string, Synthesized>();

function plainKey(value: unknown): string | undefined {
  const plain = (v: unknown): boolean =>
    v === undefined || v === null || ['string', 'number', 'boolean'].includes(typeof v) ||
    (Array.isArray(v) && v.every(plain)) ||
    (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && Object.values(v as object).every(plain));
  return plain(value) ? JSON.stringify(value) : undefined;
}

/** Resolves `logicalId` rather than calling `Stack.getLogicalId`, which ignores `overrideLogicalId`. */
export function logicalIdOf(construct: IConstruct): string {
  const resource = (construct.node.defaultChild ?? construct) as CfnResource;
  return Stack.of(construct).resolve(resource.logicalId) as string;
}

export const getAtt = (logicalId: string, attribute: string) => ({ 'Fn::GetAtt': [logicalId, attribute] });
export const ref = (logicalId: string) => ({ Ref: logicalId });

/** One action allowed on one resource, as an IAM policy of the role grants it. */
export interface Permission {
  readonly action: string;
  /** The resource as CloudFormation JSON (`"*"`, a `Fn::GetAtt`, a `Fn::Join`…), stringified for comparison. */
  readonly resource: string;
  readonly condition?: unknown;
}

/**
 * Every (action, resource) pair the role's policies allow, flattened, so
 * assertions do not depend on how `@aws-cdk/aws-iam:minimizePolicies`
 * merged the statements.
 */
export function permissionsOf(template: Template, roleLogicalId: string): Permission[] {
  const out: Permission[] = [];
  const policies = template.findResources('AWS::IAM::Policy');
  for (const policy of Object.values(policies)) {
    const props = policy['Properties'] as { Roles: unknown[]; PolicyDocument: { Statement: Array<Record<string, unknown>> } };
    if (!props.Roles.some((r) => JSON.stringify(r) === JSON.stringify(ref(roleLogicalId)))) continue;
    for (const statement of props.PolicyDocument.Statement) {
      if (statement['Effect'] !== 'Allow') continue;
      for (const action of [statement['Action']].flat() as string[]) {
        for (const resource of [statement['Resource']].flat()) {
          out.push({ action, resource: JSON.stringify(resource), ...(statement['Condition'] ? { condition: statement['Condition'] } : {}) });
        }
      }
    }
  }
  return out;
}

/** The role logical id of a function resource, from its `Role` property. */
export function roleOf(template: Template, functionLogicalId: string): string {
  const fn = template.toJSON()['Resources'][functionLogicalId] as { Properties: { Role: { 'Fn::GetAtt': [string, string] } } };
  return fn.Properties.Role['Fn::GetAtt'][0];
}

export function sortedPermissions(permissions: readonly Permission[]): string[] {
  return permissions.map((p) => `${p.action} on ${p.resource}${p.condition ? ` if ${JSON.stringify(p.condition)}` : ''}`).sort();
}
