import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SOURCES } from '../../shared/contract/config.js';
import { DETAIL_TYPES } from '../../shared/contract/inbound.js';
import { eventPatternOf, routesFor } from '../../shared/routing.js';
import { getAtt, synth, type Synthesized } from './support.js';

describe('inbound rules on the existing bus', () => {
  let s: Synthesized;
  beforeAll(() => {
    // Prepare
    s = synth({ eventBusName: 'orders' });
  });

  it('creates one rule per route of the shared routing table, on the given bus, with exactly the local bus pattern', () => {
    // Assess
    for (const route of routesFor(DEFAULT_SOURCES)) {
      s.template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: 'orders',
        EventPattern: Match.objectEquals(eventPatternOf(route)),
      });
    }
  });

  it('matches nothing but the five configured (source, detail-type) pairs', () => {
    const patterns = Object.values(s.template.findResources('AWS::Events::Rule', { Properties: { EventBusName: 'orders' } })).map(
      (r) => r['Properties']['EventPattern'],
    );
    expect(patterns).toEqual(expect.arrayContaining(routesFor(DEFAULT_SOURCES).map(eventPatternOf)));
    expect(patterns.map((p) => `${p.source}|${p['detail-type']}`).sort()).toEqual(
      DETAIL_TYPES.map((t) => `${DEFAULT_SOURCES[t]}|${t}`).sort(),
    );
  });

  it('targets the ingest function with a retry policy and the ingest dead-letter queue', () => {
    const ingest = s.id(s.stack.refundGate.ingestFunction);
    const dlq = s.id(s.stack.refundGate.ingestFailureQueue);
    for (const detailType of DETAIL_TYPES) {
      s.template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { 'detail-type': [detailType] },
        Targets: [
          {
            Arn: getAtt(ingest, 'Arn'),
            DeadLetterConfig: { Arn: getAtt(dlq, 'Arn') },
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 24 * 3600 },
          },
        ],
      });
    }
  });

  it('lets EventBridge dead-letter into the ingest failure queue only on behalf of the five rules', () => {
    const dlq = s.id(s.stack.refundGate.ingestFailureQueue);
    const ruleArns = Object.values(s.stack.refundGate.inboundRules).map((r) => getAtt(s.id(r), 'Arn'));
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlq }],
      PolicyDocument: {
        Statement: Match.arrayWith(
          ruleArns.map((arn) =>
            Match.objectLike({
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': arn } },
            }),
          ),
        ),
      },
    });
  });

  it('lets the ingest function invoke only from its rules (one permission per rule, scoped by SourceArn)', () => {
    const ingest = s.id(s.stack.refundGate.ingestFunction);
    for (const rule of Object.values(s.stack.refundGate.inboundRules)) {
      s.template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: getAtt(ingest, 'Arn'),
        Principal: 'events.amazonaws.com',
        SourceArn: getAtt(s.id(rule), 'Arn'),
      });
    }
  });

  it('retries a failed ingest invocation twice, then sends it to the same failure queue (Lambda on-failure destination)', () => {
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: s.id(s.stack.refundGate.ingestFunction) },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: getAtt(s.id(s.stack.refundGate.ingestFailureQueue), 'Arn') } },
    });
  });

  it('runs the sweeper every minute with its own dead-letter queue and on-failure destination, without retrying a stale tick', () => {
    const sweeper = s.id(s.stack.refundGate.sweeperFunction);
    const dlq = getAtt(s.id(s.stack.refundGate.sweepFailureQueue), 'Arn');
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [{ Arn: getAtt(sweeper, 'Arn'), DeadLetterConfig: { Arn: dlq }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 } }],
    });
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: sweeper },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
      DestinationConfig: { OnFailure: { Destination: dlq } },
    });
  });
});

describe('configured sources', () => {
  it('moves the WarehouseReceipt rule to the configured source and stops matching the default one', () => {
    // Prepare / Act
    const s = synth({ settings: { sources: { WarehouseReceipt: 'acme.wms' } } });
    // Assess
    s.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'default',
      EventPattern: Match.objectEquals({ source: ['acme.wms'], 'detail-type': ['WarehouseReceipt'] }),
    });
    const sources = Object.values(s.template.findResources('AWS::Events::Rule')).flatMap((r) => r['Properties']['EventPattern']?.source ?? []);
    expect(sources).not.toContain('retail.warehouse');
    expect(sources).toContain('retail.carrier');
  });

  it('imports a bus given by ARN: rules on that bus, PutEvents on that ARN', () => {
    const arn = 'arn:aws:events:eu-west-1:111122223333:event-bus/orders';
    const s = synth({ eventBusArn: arn });
    s.template.hasResourceProperties('AWS::Events::Rule', { EventBusName: 'orders', EventPattern: { 'detail-type': ['CarrierScan'] } });
    s.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'events:PutEvents', Resource: arn })]) },
    });
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: arn }) },
    });
  });
});
