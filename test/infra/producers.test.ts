import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { stackFromContext } from '../../infra/context.js';
import { RefundGatePropsError } from '../../infra/constructs/errors.js';
import { checkProducerBindings, guardStatementId } from '../../infra/constructs/producers.js';
import { RefundGateStack, type RefundGateStackProps } from '../../infra/refund-gate-stack.js';
import { cdkJsonContext, newApp, PRODUCER_ROLES, PRODUCERS, synth, TRUST_DEFAULTS, type Synthesized } from './support.js';

const build = (props: RefundGateStackProps) => () => new RefundGateStack(newApp(), 'Trust', { ...TRUST_DEFAULTS, eventBusName: 'orders', ...props });
const read = (context: Record<string, unknown>) => stackFromContext(new App({ autoSynth: false, context: { ...cdkJsonContext(), ...context } }).node);

describe('producer bindings are required, or waived explicitly', () => {
  it('stops without bindings, in one line that names producers and the waiver', () => {
    expect(build({ producers: undefined })).toThrow(RefundGatePropsError);
    expect(build({ producers: undefined })).toThrow(/^producers: required: .*-c producers=unbound \(docs\/operators\/deploy\.md#producer-bindings\)$/);
  });

  it('refuses an ARN that is not a role or user, a session ARN, a wildcard, an empty list, a missing detail-type, and ReviewDecided', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...PRODUCERS, CarrierScan: ['arn:aws:sts::111122223333:assumed-role/carrier/session'] }, /^producers\.CarrierScan: not an IAM role or user ARN/],
      [{ ...PRODUCERS, CarrierScan: ['*'] }, /^producers\.CarrierScan: not an IAM role or user ARN: "\*"/],
      [{ ...PRODUCERS, CarrierScan: [] }, /^producers\.CarrierScan: expected a non-empty list/],
      [{ ...PRODUCERS, CarrierScan: 'arn:aws:iam::111122223333:role/x' }, /^producers\.CarrierScan: expected a non-empty list/],
      [{ ReturnAuthorized: PRODUCERS['ReturnAuthorized'] }, /^producers: no producer bound for CarrierScan, WarehouseReceipt, RefundRequested/],
      [{ ...PRODUCERS, ReviewDecided: ['arn:aws:iam::111122223333:role/x'] }, /^producers\.ReviewDecided: only refund-gate's decision function/],
      [{ ...PRODUCERS, OrderShipped: ['arn:aws:iam::111122223333:role/x'] }, /^producers\.OrderShipped: not an inbound detail-type/],
      [['arn:aws:iam::111122223333:role/x'], /^producers: expected \{/],
    ];
    for (const [value, message] of cases) expect(() => checkProducerBindings(value), JSON.stringify(value)).toThrow(message);
  });

  it('lets CarrierScan go unbound by the operator when the webhook endpoint binds its own role', () => {
    const { CarrierScan: _, ...rest } = PRODUCERS;
    expect(() => checkProducerBindings(rest)).toThrow(/no producer bound for CarrierScan/);
    expect(checkProducerBindings(rest, ['CarrierScan'])).toEqual(rest);
  });

  it('reads -c producers as JSON, as the waiver, or as a file path (a wrong one named)', () => {
    expect(read({ producers: JSON.stringify(PRODUCERS) }).props.producers).toEqual(PRODUCERS);
    expect(read({ producers: 'unbound' }).props.producers).toBe('unbound');
    expect(() => read({ producers: '{not json' })).toThrow(/^context producers: expected a JSON object/);
    expect(() => read({ producers: '/nonexistent/producers.json' })).toThrow(/^context producers: expected "unbound", a JSON object or the path of a JSON file; cannot read/);
  });

  it('requires alarmTopicArn or its explicit waiver (none)', () => {
    expect(build({ alarmTopicArn: undefined })).toThrow(/^alarmTopicArn: required: .* or none to waive paging explicitly/);
    expect(build({ alarmTopicArn: 'nobody' })).toThrow(/^alarmTopicArn: not a valid ARN/);
  });

  it('keeps statement ids unique and at most 64 characters for long stack names', () => {
    const a = guardStatementId('dt-WarehouseReceipt', `RefundGate-${'x'.repeat(60)}-a`);
    const b = guardStatementId('dt-WarehouseReceipt', `RefundGate-${'x'.repeat(60)}-b`);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).not.toBe(b);
  });
});

describe('the bus policy a bound deployment gets', () => {
  let s: Synthesized;
  let policies: Array<{ Properties: Record<string, unknown>; DependsOn?: string[] }>;
  beforeAll(() => {
    s = synth({ eventBusName: 'orders' });
    policies = Object.values(s.template.findResources('AWS::Events::EventBusPolicy')) as never;
  });

  it('has one statement per inbound detail-type and one per configured source, each a ForAnyValue deny with the bound principals excepted', () => {
    const ids = policies.map((p) => p.Properties['StatementId']).sort();
    expect(ids).toEqual(
      [
        'refund-gate-source-guard-RefundGate',
        ...['ReturnAuthorized', 'CarrierScan', 'WarehouseReceipt', 'RefundRequested', 'ReviewDecided'].map((d) => `refund-gate-dt-${d}-RefundGate`),
        ...[0, 1, 2, 3, 4].map((i) => `refund-gate-src${i}-RefundGate`),
      ].sort(),
    );
    const warehouse = policies.find((p) => p.Properties['StatementId'] === 'refund-gate-dt-WarehouseReceipt-RefundGate')!;
    expect(warehouse.Properties['Statement']).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'events:PutEvents',
      Condition: { 'ForAnyValue:StringEquals': { 'events:detail-type': 'WarehouseReceipt' }, ArnNotEquals: { 'aws:PrincipalArn': PRODUCER_ROLES.WarehouseReceipt } },
    });
  });

  it('creates the statements one after another (concurrent PutPermission calls on one bus can lose a statement)', () => {
    const chained = policies.filter((p) => (p.DependsOn ?? []).length === 1);
    expect(chained).toHaveLength(policies.length - 1);
  });

  it('states the bindings and the alarm routing in outputs, and the waivers in words', () => {
    const outputs = s.template.toJSON()['Outputs'];
    expect(outputs['ProducerBindings']['Value']).toContain('WarehouseReceipt: 1 principal(s)');
    expect(outputs['AlarmNotifications']['Value']).toBe('NONE (waived): alarms notify nobody');
    const waived = synth({ eventBusName: 'orders', producers: 'unbound', alarmTopicArn: 'arn:aws:sns:us-east-1:111122223333:on-call' }).template.toJSON()['Outputs'];
    expect(waived['ProducerBindings']['Value']).toMatch(/^UNBOUND \(waived\)/);
    expect(waived['AlarmNotifications']['Value']).toBe('arn:aws:sns:us-east-1:111122223333:on-call');
  });
});
