/*
 * Security and failure handling as deployed: assertions on the synthesized
 * RefundGateStack (aws-cdk-lib/assertions). Cross-cutting properties only;
 * the exact per-role permission lists live in test/infra/iam.test.ts.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_NAMES, STREAM_CONSUMER, type FunctionName } from '../../infra/refund-gate.js';
import { DEFAULT_SOURCES, OUTBOUND_SOURCE } from '../../shared/contract/config.js';
import { DETAIL_TYPES } from '../../shared/contract/inbound.js';
import { honestReturn } from '../support/envelopes.js';
import { getAtt, permissionsOf, ref, roleOf, synth, type Permission, type Synthesized } from '../infra/support.js';

const BUS_ARN = 'arn:aws:events:us-east-1:111122223333:event-bus/orders';

/** Actions that change state somewhere: what "write another function's resources" would need. */
const WRITE = /^(dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems|PartiQLInsert|PartiQLUpdate|PartiQLDelete)|sqs:SendMessage|sns:Publish|events:PutEvents|logs:(CreateLogStream|PutLogEvents)|lambda:.*|s3:Put.*|kms:(Encrypt|GenerateDataKey.*))$/;

/**
 * EventBridge matching for the patterns refund-gate synthesizes: each key an
 * array of exact values. Anything richer fails the test rather than being
 * matched wrongly.
 */
function matches(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, allowed]) => {
    if (!Array.isArray(allowed) || !allowed.every((v) => typeof v === 'string')) throw new Error(`pattern key ${key} is not an exact-match list`);
    return allowed.includes(event[key] as string);
  });
}

// One synthesis for the file (CDK synthesis is the slow part).
let s: Synthesized;
beforeAll(() => {
  s = synth({ eventBusArn: BUS_ARN });
});

describe('synthesized RefundGateStack: who may write and publish', () => {
  let roles: Record<FunctionName, string>;
  let writes: Record<FunctionName, Permission[]>;
  beforeAll(() => {
    roles = Object.fromEntries(FUNCTION_NAMES.map((n) => [n, roleOf(s.template, s.id(s.stack.refundGate[`${n}Function`]))])) as Record<FunctionName, string>;
    writes = Object.fromEntries(FUNCTION_NAMES.map((n) => [n, permissionsOf(s.template, roles[n]).filter((p) => WRITE.test(p.action))])) as Record<FunctionName, Permission[]>;
  });

  it('each function writes only its own resources: the table (not the publisher), its own queues, its own log group', () => {
    const rg = s.stack.refundGate;
    const arn = (c: Parameters<Synthesized['id']>[0]) => JSON.stringify(getAtt(s.id(c), 'Arn'));
    // Failed stream batches are written whole to the failure bucket, as objects Lambda names.
    const failureObjects = (g: typeof rg) => JSON.stringify({ 'Fn::Join': ['', [getAtt(s.id(g.streamFailureBucket), 'Arn'), '/*']] });
    const own: Record<FunctionName, string[]> = {
      ingest: [arn(rg.table), arn(rg.rejectedQueue), arn(rg.ingestFailureQueue), JSON.stringify(getAtt('RefundGateIngestLogs', 'Arn'))],
      publisher: [JSON.stringify(ref(s.id(rg.reviewTopic as never))), JSON.stringify(BUS_ARN), failureObjects(rg), JSON.stringify(getAtt('RefundGatePublisherLogs', 'Arn'))],
      sweeper: [arn(rg.table), arn(rg.sweepFailureQueue), JSON.stringify(getAtt('RefundGateSweeperLogs', 'Arn'))],
      insider: [arn(rg.table), failureObjects(rg), JSON.stringify(getAtt('RefundGateInsiderLogs', 'Arn'))],
    };
    for (const name of FUNCTION_NAMES) {
      expect(writes[name].length, name).toBeGreaterThan(0);
      for (const p of writes[name]) expect(own[name], `${name}: ${p.action} on ${p.resource}`).toContain(p.resource);
    }
  });

  it('no function role has a DynamoDB write on anything but the table, and the publisher has none at all', () => {
    const table = JSON.stringify(getAtt(s.id(s.stack.refundGate.table), 'Arn'));
    for (const name of FUNCTION_NAMES) {
      for (const p of writes[name].filter((w) => w.action.startsWith('dynamodb:'))) expect(p.resource, `${name} ${p.action}`).toBe(table);
    }
    expect(writes.publisher.filter((p) => p.action.startsWith('dynamodb:'))).toEqual([]);
  });

  it('only the publisher may publish: sns:Publish and events:PutEvents appear in no other IAM policy of the stack', () => {
    const publishers = new Set<string>();
    for (const roleId of Object.keys(s.template.findResources('AWS::IAM::Role'))) {
      if (permissionsOf(s.template, roleId).some((p) => p.action === 'sns:Publish' || p.action === 'events:PutEvents')) publishers.add(roleId);
    }
    // v1.2 (contract §6): the decision function is the only other one, and it may put ReviewDecided only.
    const decision = roleOf(s.template, s.id(s.stack.refundGate.decisionFunction));
    expect([...publishers].sort()).toEqual([roles.publisher, decision].sort());
    const decisionPuts = permissionsOf(s.template, decision).filter((p) => p.action === 'sns:Publish' || p.action === 'events:PutEvents');
    expect(decisionPuts.map((p) => p.action)).toEqual(['events:PutEvents']);
    expect(JSON.stringify(decisionPuts[0]!.condition)).toContain('ReviewDecided');
    expect(JSON.stringify(decisionPuts[0]!.condition)).not.toContain('RefundReleased');
    // The topic's resource policy only denies (non-TLS, every publisher but refund-gate's); it grants publishing to nobody.
    for (const policy of Object.values(s.template.findResources('AWS::SNS::TopicPolicy'))) {
      const statements = policy['Properties']['PolicyDocument']['Statement'] as { Effect: string }[];
      expect(statements.filter((st) => st.Effect === 'Allow')).toEqual([]);
    }
  });

  it('the bus grant is limited to the refund-gate source (and its two detail-types)', () => {
    const putEvents = permissionsOf(s.template, roles.publisher).filter((p) => p.action === 'events:PutEvents');
    expect(putEvents).toHaveLength(1);
    expect(putEvents[0]!.resource).toBe(JSON.stringify(BUS_ARN));
    // events:source is multivalued for PutEvents (one value per entry): every entry must carry refund-gate's source.
    expect(putEvents[0]!.condition).toMatchObject({ 'ForAllValues:StringEquals': { 'events:source': [OUTBOUND_SOURCE] } });
  });

  it('no function may invoke another function or assume another role', () => {
    for (const name of FUNCTION_NAMES) {
      const actions = permissionsOf(s.template, roles[name]).map((p) => p.action);
      expect(actions.filter((a) => a.startsWith('lambda:') || a === 'sts:AssumeRole' || a.startsWith('iam:')), name).toEqual([]);
    }
  });
});

describe('synthesized RefundGateStack: forged sources and failure destinations', () => {
  const inboundPatterns = (t: Synthesized) =>
    Object.values(t.template.findResources('AWS::Events::Rule'))
      .map((r) => r['Properties'] as { EventPattern?: Record<string, unknown> })
      .filter((p) => p.EventPattern !== undefined)
      .map((p) => p.EventPattern!);

  it('the WarehouseReceipt rule matches only source retail.warehouse; a forged receipt matches no rule at all', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectEquals({ source: ['retail.warehouse'], 'detail-type': ['WarehouseReceipt'] }),
    });
    const genuine = honestReturn('r-rule').receipt as Record<string, unknown>;
    for (const source of ['retail.returns', 'retail.carrier', 'refund-gate', 'retail.warehouse ', 'RETAIL.WAREHOUSE', 'retail']) {
      expect(inboundPatterns(s).filter((p) => matches(p, { ...genuine, source })), source).toEqual([]);
    }
    expect(inboundPatterns(s).filter((p) => matches(p, genuine))).toHaveLength(1);
  });

  it('every inbound rule names exactly one source, the configured one for its detail-type (configured sources: test/infra/routing.test.ts)', () => {
    const patterns = inboundPatterns(s);
    expect(patterns).toHaveLength(DETAIL_TYPES.length);
    for (const p of patterns) {
      const detailType = (p['detail-type'] as string[])[0] as (typeof DETAIL_TYPES)[number];
      const { detail, ...envelope } = p;
      expect(envelope).toEqual({ source: [DEFAULT_SOURCES[detailType]], 'detail-type': [detailType] });
      // Only CarrierScan has a detail filter, and it only drops valid statuses no rule reads (a missing one still reaches ingest).
      if (detailType === 'CarrierScan') {
        expect(detail).toEqual({ $or: [{ status: [{ 'anything-but': expect.arrayContaining(['IN_TRANSIT']) }] }, { status: [{ exists: false }] }] });
        expect(JSON.stringify(detail)).not.toContain('DELIVERED"');
      } else expect(detail).toBeUndefined();
    }
  });

  it('both stream consumers report batch item failures, bisect, retry a bounded number of times, then park on the on-failure bucket', () => {
    const onFailure = getAtt(s.id(s.stack.refundGate.streamFailureBucket), 'Arn');
    for (const fn of [s.stack.refundGate.publisherFunction, s.stack.refundGate.insiderFunction]) {
      s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: ref(s.id(fn)),
        EventSourceArn: getAtt(s.id(s.stack.refundGate.table), 'StreamArn'),
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: STREAM_CONSUMER.retryAttempts,
        DestinationConfig: { OnFailure: { Destination: onFailure } },
      });
    }
    // The stream model the fault tests run (support.ts streamEsm) uses these same settings.
    expect(STREAM_CONSUMER).toMatchObject({ bisectBatchOnError: true, reportBatchItemFailures: true });
    expect(STREAM_CONSUMER.retryAttempts).toBeGreaterThan(0);
  });

  it('an ingest invocation that throws (StoreThrottledError, TooManyConflictsError) is retried by Lambda and then parked, never dropped', () => {
    const parked = getAtt(s.id(s.stack.refundGate.ingestFailureQueue), 'Arn');
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(s.id(s.stack.refundGate.ingestFunction)),
      MaximumRetryAttempts: Match.anyValue(),
      DestinationConfig: { OnFailure: { Destination: parked } },
    });
    for (const detailType of Object.keys(s.stack.refundGate.inboundRules)) {
      s.template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectLike({ 'detail-type': [detailType] }),
        Targets: [Match.objectLike({ DeadLetterConfig: { Arn: parked } })],
      });
    }
  });
});
