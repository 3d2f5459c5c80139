import { readFileSync } from 'node:fs';
import { App, Duration, RemovalPolicy, Stack, type CfnResource } from 'aws-cdk-lib';
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
    // Not at process exit (CDK_OUTDIR is set, cdk-outdir.ts): a test synthesizes what it checks.
    autoSynth: false,
    context: { ...cdkJsonContext(), ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...options.context },
  });
}

/** One producer role per operator-bound detail-type, in the test account. */
export const PRODUCER_ROLES = {
  ReturnAuthorized: 'arn:aws:iam::111122223333:role/oms-events',
  CarrierScan: 'arn:aws:iam::111122223333:role/carrier-events',
  WarehouseReceipt: 'arn:aws:iam::111122223333:role/wms-events',
  RefundRequested: 'arn:aws:iam::111122223333:role/payments-events',
} as const;
export const PRODUCERS = Object.fromEntries(Object.entries(PRODUCER_ROLES).map(([detailType, arn]) => [detailType, [arn]]));

/**
 * What every synthesized stack is given unless a test says otherwise: the
 * producer bindings above and the explicit alarm waiver (contract §6 makes
 * both required). A test of the requirement itself passes `undefined`.
 */
export const TRUST_DEFAULTS: Pick<RefundGateStackProps, 'producers' | 'alarmTopicArn'> = { producers: PRODUCERS, alarmTopicArn: 'none' };

/** {@link TRUST_DEFAULTS} for the RefundGate construct itself. */
export const CONSTRUCT_TRUST = { producers: PRODUCERS, alarmAction: 'none' } as const;

/** The same as `-c` context values, for `cdk synth` subprocesses. */
export const TRUST_CONTEXT_ARGS = ['-c', `producers=${JSON.stringify(PRODUCERS)}`, '-c', 'alarmTopicArn=none'];

export interface Synthesized {
  readonly stack: RefundGateStack;
  readonly template: Template;
  /** The logical id CloudFormation will see for a construct (its default child). */
  id(construct: IConstruct): string;
}

/**
 * Synthesize a RefundGateStack. A bus given by ARN must be in the stack's
 * account and region, so unless `env` is given the stack takes the ARN's.
 * Results are memoized per props within a test file (synthesis is the slow part).
 */
export function synth(props: RefundGateStackProps = {}, options: { bundle?: boolean } = {}): Synthesized {
  const key = options.bundle ? undefined : JSON.stringify(props, (_k, v: unknown) => (typeof v === 'object' && v !== null && v.constructor?.name === 'Duration' ? String(v) : v));
  const cached = key === undefined ? undefined : memo.get(key);
  if (cached) return cached;
  const app = newApp(options);
  const stack = new RefundGateStack(app, 'RefundGate', { ...TRUST_DEFAULTS, ...envOf(props.eventBusArn), ...props });
  const result: Synthesized = { stack, template: Template.fromStack(stack), id: (c) => logicalIdOf(c) };
  if (key !== undefined) memo.set(key, result);
  return result;
}
const memo = new Map<string, Synthesized>();

/** The `env` a stack needs for a bus given by ARN: that ARN's account and region. */
export function envOf(eventBusArn: string | undefined): { env?: { account: string; region: string } } {
  const m = eventBusArn === undefined ? null : /^arn:[^:]+:events:([^:]+):(\d{12}):/.exec(eventBusArn);
  return m ? { env: { account: m[2]!, region: m[1]! } } : {};
}

/**
 * The deployment variants every template-wide check (cdk-nag, cfn-lint) runs
 * on: the defaults, a named bus, and every optional wiring at once.
 */
export const VARIANTS: Record<string, RefundGateStackProps> = {
  'the defaults': {},
  'a named bus': { eventBusName: 'orders' },
  'a bus by ARN, an existing topic and key, an alarm topic, custom sources, a fixed review ceiling, no reservations': {
    eventBusArn: 'arn:aws:events:us-east-1:111122223333:event-bus/orders',
    reviewTopicArn: 'arn:aws:sns:us-east-1:111122223333:reviews',
    reviewTopicKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    alarmTopicArn: 'arn:aws:sns:us-east-1:111122223333:on-call',
    settings: { sources: { WarehouseReceipt: 'acme.wms' } },
    reviewsPerHourThreshold: 25,
    sweeperReservedConcurrency: 0,
    ingestReservedConcurrency: 50,
    removalPolicy: RemovalPolicy.DESTROY,
    deletionProtection: false,
    carrierWebhooks: {
      facilities: { warehouses: [{ warehouseId: 'WH-1', addresses: [{ postalCode: '30336', city: 'Atlanta' }] }] },
      allowTestMode: false,
      previousSecretWindow: Duration.hours(12),
      upsSilence: Duration.hours(24),
    },
    analystRoleArns: ['arn:aws:iam::444455556666:role/analysts'],
  },
  'the bus policy managed elsewhere, producers waived': { eventBusName: 'orders', protectOutboundSource: false, producers: 'unbound' },
};

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

/** A spawnSync of a command that is not installed: not on PATH, or a version manager's shim answering 127 (command not found). */
export const notInstalled = (run: { error?: Error; status: number | null }): boolean =>
  (run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' || run.status === 127;
