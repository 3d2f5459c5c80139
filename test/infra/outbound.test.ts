import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { OUTBOUND_SOURCE } from '../../shared/contract/config.js';
import { getAtt, ROOT, roleOf, synth, type Synthesized } from './support.js';

/** Contract §4, outbound integrity: only refund-gate's publisher may put events with source refund-gate on the bus. */
describe('outbound integrity: the bus reserves source refund-gate to the publisher', () => {
  let s: Synthesized;
  let publisherRole: string;
  beforeAll(() => {
    s = synth({ eventBusName: 'orders' });
    publisherRole = roleOf(s.template, s.id(s.stack.refundGate.publisherFunction));
  });

  it('denies events:PutEvents with source refund-gate on the bus to every principal but the publisher role (a set operator: the key is multivalued)', () => {
    const policies = Object.values(s.template.findResources('AWS::Events::EventBusPolicy')).filter((p) => p['Properties']['StatementId'].startsWith('refund-gate-source-guard'));
    expect(policies.map((p) => p['Properties'])).toEqual([
      {
        EventBusName: 'orders',
        StatementId: 'refund-gate-source-guard-RefundGate',
        Statement: {
          Sid: 'RefundGateSourceOnlyFromPublisher',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'events:PutEvents',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':event-bus/orders']] },
          Condition: {
            'ForAnyValue:StringEquals': { 'events:source': OUTBOUND_SOURCE },
            ArnNotEquals: { 'aws:PrincipalArn': getAtt(publisherRole, 'Arn') },
          },
        },
      },
    ]);
  });

  it('names the bus the publisher publishes to, and the bus the rules are on', () => {
    const [policy] = Object.values(s.template.findResources('AWS::Events::EventBusPolicy')).filter((p) => p['Properties']['StatementId'].startsWith('refund-gate-source-guard'));
    const env = s.template.toJSON()['Resources'][s.id(s.stack.refundGate.publisherFunction)]['Properties']['Environment']['Variables'];
    expect(env['EVENT_BUS_NAME']).toEqual(policy!['Properties']['Statement']['Resource']);
    s.template.hasResourceProperties('AWS::Events::Rule', { EventBusName: policy!['Properties']['EventBusName'] });
  });

  it('exports the publisher role ARN, the one exception consumers and bus owners need', () => {
    expect(s.template.toJSON()['Outputs']['PublisherRoleArn']).toMatchObject({ Value: getAtt(publisherRole, 'Arn') });
  });

  it('guards a bus given by ARN (same account and region) and the default bus alike', () => {
    const arn = 'arn:aws:events:us-east-1:111122223333:event-bus/orders';
    const byArn = synth({ eventBusArn: arn });
    byArn.template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      EventBusName: 'orders',
      Statement: { Effect: 'Deny', Resource: arn, Condition: { 'ForAnyValue:StringEquals': { 'events:source': OUTBOUND_SOURCE } } },
    });
    synth().template.hasResourceProperties('AWS::Events::EventBusPolicy', { EventBusName: 'default', Statement: { Effect: 'Deny' } });
  });

  it('can be turned off when the bus policy is managed elsewhere (the producer guards are governed by producers)', () => {
    const t = synth({ eventBusName: 'orders', protectOutboundSource: false, producers: 'unbound' });
    const ids = Object.values(t.template.findResources('AWS::Events::EventBusPolicy')).map((p) => p['Properties']['StatementId']);
    // Waived and unguarded: only the decision path's own guard (ReviewDecided and its source) remains.
    expect(ids).toEqual(['refund-gate-dt-ReviewDecided-RefundGate', 'refund-gate-src0-RefundGate']);
    expect(t.stack.refundGate.outboundSourceGuard).toBeUndefined();
  });

  it('is documented for consumers (match source and account) and for buses whose policy is managed elsewhere', () => {
    const doc = readFileSync(new URL('docs/operators/deploy.md', ROOT), 'utf8');
    expect(doc).toMatch(/"source": \["refund-gate"\],\s*"account": \["\d{12}"\]/);
    expect(doc).toContain('### When the bus\'s policy is managed elsewhere');
    expect(doc).toContain('protectOutboundSource=false');
  });
});
