import { beforeAll, describe, expect, it } from 'vitest';
import { OUTBOUND_SOURCE, resolveSettings } from '../../shared/contract/config.js';
import { ACCOUNT, ALLOW_ALL, decide, REGION, resolver, type Decision, type Request } from './policy-sim.js';
import { PRODUCER_ROLES, roleOf, synth, type Synthesized } from './support.js';

/**
 * Contract §6 as a matrix: principals × actions on the synthesized bus,
 * table, review topic and archive policies, each evaluated by an IAM
 * simulator that is not ours. Every principal is given an administrator's
 * identity policy (Allow *): what is refused is refused by the resource
 * policy itself, whatever IAM grants in the account.
 */
const BUS = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/orders`;
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/Administrator`;
const ANALYSTS = 'arn:aws:iam::444455556666:role/analysts';
const SOURCES: Readonly<Record<string, string>> = resolveSettings({}).sources;
const ok: Decision = 'Allowed';
const no: Decision = 'ExplicitlyDenied';

type Row = readonly [who: string, principal: string, request: Omit<Request, 'principal'>, expected: Decision];
const put = (entries: ReadonlyArray<readonly [source: string, detailType: string]>): Omit<Request, 'principal'> => ({
  action: 'events:PutEvents',
  resource: BUS,
  context: { 'events:source': entries.map(([s]) => s), 'events:detail-type': entries.map(([, d]) => d) },
});
const own = (detailType: string) => put([[SOURCES[detailType]!, detailType]]);

async function evaluate(policy: unknown, rows: readonly Row[]): Promise<{ got: string[]; want: string[] }> {
  const got: string[] = [];
  const want: string[] = [];
  for (const [who, principal, request, expected] of rows) {
    const line = `${who}: ${request.action} ${JSON.stringify(request.context ?? request.resource.split(':').at(-1))}`;
    got.push(`${line} → ${await decide(policy, { principal, ...request }, ALLOW_ALL)}`);
    want.push(`${line} → ${expected}`);
  }
  return { got, want };
}

describe('contract §6: who may say what, evaluated by an independent IAM simulator', () => {
  let s: Synthesized;
  let resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  let resolve: (v: unknown) => unknown;
  const role = (fn: keyof Synthesized['stack']['refundGate']) => {
    const id = roleOf(s.template, s.id(s.stack.refundGate[fn] as never));
    return `arn:aws:iam::${ACCOUNT}:role/${id}`;
  };
  const policyOf = (type: string, match: (props: Record<string, unknown>) => boolean, field = 'PolicyDocument') => {
    const found = Object.values(resources).filter((r) => r.Type === type && match(r.Properties));
    expect(found, type).toHaveLength(1);
    const value = found[0]!.Properties[field] as Record<string, unknown>;
    return resolve(field === 'ResourcePolicy' ? value['PolicyDocument'] : value);
  };

  beforeAll(() => {
    s = synth({
      eventBusArn: BUS,
      analystRoleArns: [ANALYSTS],
      carrierWebhooks: { facilities: { warehouses: [{ warehouseId: 'WH-1', addresses: [{ postalCode: '30336', city: 'Atlanta' }] }] } },
    });
    resources = s.template.toJSON()['Resources'];
    resolve = resolver(resources);
  });

  it('the bus: each inbound detail-type and its source only from its bound producers; refund-gate only from the publisher; other teams unaffected', async () => {
    const statements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Events::EventBusPolicy')
      .map((r) => resolve(r.Properties['Statement']));
    const policy = { Version: '2012-10-17', Statement: statements };
    const [publisher, decision, webhook] = [role('publisherFunction'), role('decisionFunction'), `arn:aws:iam::${ACCOUNT}:role/${roleOf(s.template, s.id(s.stack.refundGate.carrierWebhooks!.function))}`];
    const rows: Row[] = [];
    const bound = Object.entries(PRODUCER_ROLES) as Array<[string, string]>;
    for (const [detailType, producer] of bound) {
      const other = bound.find(([d]) => d !== detailType)![1];
      rows.push(
        [`${detailType} producer`, producer, own(detailType), ok],
        [`another producer`, other, own(detailType), no],
        ['administrator', ADMIN, own(detailType), no],
        ['administrator, another source', ADMIN, put([['evil.source', detailType]]), no],
        ['administrator, its source, another detail-type', ADMIN, put([[SOURCES[detailType]!, 'Whatever']]), no],
        ['administrator, in a batch with an event of its own', ADMIN, put([['other.team', 'OrderShipped'], [SOURCES[detailType]!, detailType]]), no],
        ['the publisher', publisher, own(detailType), no],
        ['the decision function', decision, own(detailType), no],
      );
    }
    rows.push(
      ['the carrier webhook', webhook, own('CarrierScan'), ok],
      ['the carrier webhook', webhook, own('WarehouseReceipt'), no],
      ['the decision function', decision, own('ReviewDecided'), ok],
      ['administrator', ADMIN, own('ReviewDecided'), no],
      ['a producer', PRODUCER_ROLES.WarehouseReceipt, own('ReviewDecided'), no],
      ['the publisher', publisher, put([[OUTBOUND_SOURCE, 'RefundReleased']]), ok],
      ['administrator', ADMIN, put([[OUTBOUND_SOURCE, 'RefundReleased']]), no],
      ['a producer', PRODUCER_ROLES.CarrierScan, put([[OUTBOUND_SOURCE, 'RefundReleased']]), no],
      ['the decision function', decision, put([[OUTBOUND_SOURCE, 'RefundReleased']]), no],
      ['another team (their own events flow)', ADMIN, put([['other.team', 'OrderShipped']]), ok],
      ['another team, a batch of their own', ADMIN, put([['other.team', 'OrderShipped'], ['other.team', 'OrderPacked']]), ok],
    );
    const { got, want } = await evaluate(policy, rows);
    expect(got).toEqual(want);
  });

  it('the table: only refund-gate\'s writers change items, whatever their identity allows; reads stay open, analysts\' role included', async () => {
    const policy = policyOf('AWS::DynamoDB::Table', () => true, 'ResourcePolicy');
    const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/RefundGateTable`;
    const rows: Row[] = [];
    const writes = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:PartiQLUpdate', 'dynamodb:PartiQLInsert'];
    for (const action of writes) {
      rows.push(['administrator', ADMIN, { action, resource: table }, no], ['the publisher', role('publisherFunction'), { action, resource: table }, no]);
    }
    rows.push(
      ['the decision function', role('decisionFunction'), { action: 'dynamodb:PutItem', resource: table }, no],
      ['the archiver', role('archiverFunction'), { action: 'dynamodb:UpdateItem', resource: table }, no],
      ['a producer', PRODUCER_ROLES.WarehouseReceipt, { action: 'dynamodb:PutItem', resource: table }, no],
      ['the ingest function', role('ingestFunction'), { action: 'dynamodb:PutItem', resource: table }, ok],
      ['the sweeper', role('sweeperFunction'), { action: 'dynamodb:UpdateItem', resource: table }, ok],
      ['the insider detector', role('insiderFunction'), { action: 'dynamodb:PutItem', resource: table }, ok],
      ['administrator', ADMIN, { action: 'dynamodb:GetItem', resource: table }, ok],
      ['the analysts (another account)', ANALYSTS, { action: 'dynamodb:Query', resource: table }, ok],
      ['the analysts (another account)', ANALYSTS, { action: 'dynamodb:PutItem', resource: table }, no],
    );
    const { got, want } = await evaluate(policy, rows);
    expect(got).toEqual(want);
  });

  it('the review topic: only the publisher publishes reviews and clearances', async () => {
    const policy = policyOf('AWS::SNS::TopicPolicy', (p) => JSON.stringify(p['Topics']).includes('RefundGateReviewTopic'));
    const topic = `arn:aws:sns:${REGION}:${ACCOUNT}:RefundGateReviewTopic`;
    const publish = { action: 'sns:Publish', resource: topic, context: { 'aws:SecureTransport': 'true' } };
    const { got, want } = await evaluate(policy, [
      ['the publisher', role('publisherFunction'), publish, ok],
      ['administrator', ADMIN, publish, no],
      ['the decision function', role('decisionFunction'), publish, no],
      ['a producer', PRODUCER_ROLES.CarrierScan, publish, no],
      ['the ingest function', role('ingestFunction'), publish, no],
    ]);
    expect(got).toEqual(want);
  });

  it('the evidence archive: only the archiver adds objects; reads stay open; the lock is COMPLIANCE for two years', async () => {
    const policy = policyOf('AWS::S3::BucketPolicy', (p) => JSON.stringify(p['Bucket']).includes('RefundGateEvidenceArchiveBucket'));
    const object = 'arn:aws:s3:::refundgateevidencearchivebucket/returns/2026-01-01/1-2.jsonl.gz';
    const tls = { 'aws:SecureTransport': 'true' };
    const { got, want } = await evaluate(policy, [
      ['the archiver', role('archiverFunction'), { action: 's3:PutObject', resource: object, context: tls }, ok],
      ['administrator', ADMIN, { action: 's3:PutObject', resource: object, context: tls }, no],
      ['the publisher', role('publisherFunction'), { action: 's3:PutObject', resource: object, context: tls }, no],
      ['the decision function', role('decisionFunction'), { action: 's3:PutObject', resource: object, context: tls }, no],
      ['administrator', ADMIN, { action: 's3:GetObject', resource: object, context: tls }, ok],
    ]);
    expect(got).toEqual(want);
    expect(resources['RefundGateEvidenceArchiveBucket']!.Properties['ObjectLockConfiguration']).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 730 } },
    });
  });
});

describe('the simulator tells the operators apart (the v1.1 guard it caught)', () => {
  const guard = (operator: string) => ({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'events:PutEvents',
        Resource: BUS,
        Condition: { [operator]: { 'events:source': OUTBOUND_SOURCE }, ArnNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/publisher` } },
      },
    ],
  });
  const forged = { principal: ADMIN, ...put([[OUTBOUND_SOURCE, 'RefundReleased']]) };

  it('StringEquals on the multivalued events:source never matches a PutEvents request: RefundReleased stayed forgeable', async () => {
    expect(await decide(guard('StringEquals'), forged)).toBe(ok);
  });

  it('ForAnyValue:StringEquals matches it, and refuses the forgery', async () => {
    expect(await decide(guard('ForAnyValue:StringEquals'), forged)).toBe(no);
  });
});
