import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS_WITHOUT_RESOURCE_SCOPE, FUNCTION_NAMES, type FunctionName } from '../../infra/refund-gate.js';
import { OUTBOUND_SOURCE } from '../../shared/contract/config.js';
import { DUE_TIMERS_INDEX, OPEN_REVIEWS_INDEX } from '../../shared/store/table.js';
import { getAtt, permissionsOf, ref, roleOf, sortedPermissions, synth, type Synthesized } from './support.js';

const BUS_ARN = 'arn:aws:events:us-east-1:111122223333:event-bus/orders';
const ALLOWED_TRAILING_WILDCARDS = ['dynamodb:ListStreams', 's3:PutObject', 'iam:ListRoleTags', 'iam:ListUserTags'] as const;

describe('least-privilege IAM', () => {
  let s: Synthesized;
  const roleOfFn = (name: FunctionName) => roleOf(s.template, s.id(s.stack.refundGate[`${name}Function`]));
  const perms = (name: FunctionName) => sortedPermissions(permissionsOf(s.template, roleOfFn(name)));
  const on = (actions: string[], resource: unknown) => actions.map((a) => `${a} on ${JSON.stringify(resource)}`);

  const logsOf = (name: string) => on(['logs:CreateLogStream', 'logs:PutLogEvents'], getAtt(`RefundGate${name}Logs`, 'Arn'));
  const table = getAtt('RefundGateTable', 'Arn');
  // ListStreams names this table's streams, not "*" (the CDK's own stream grant would use "*").
  const streamRead = [
    ...on(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], getAtt('RefundGateTable', 'StreamArn')),
    ...on(['dynamodb:ListStreams'], { 'Fn::Join': ['', [table, '/stream/*']] }),
  ];
  // The failure bucket: put objects and list, nothing else (no read, no delete).
  const failureBucket = [
    ...on(['s3:PutObject'], { 'Fn::Join': ['', [getAtt('RefundGateStreamFailureBucket', 'Arn'), '/*']] }),
    ...on(['s3:ListBucket'], getAtt('RefundGateStreamFailureBucket', 'Arn')),
  ];
  const sendTo = (queue: string) => on(['sqs:SendMessage'], getAtt(`RefundGate${queue}`, 'Arn'));

  beforeAll(() => {
    s = synth({ eventBusArn: BUS_ARN });
  });

  it('ingest: reads and writes the table items, sends rejected and failed events to their queues, nothing else', () => {
    expect(perms('ingest')).toEqual(
      [
        ...on(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], table),
        ...sendTo('RejectedQueue'),
        ...sendTo('IngestFailureQueue'),
        ...logsOf('Ingest'),
      ].sort(),
    );
  });

  it('publisher: reads the stream, publishes to the topic and, as refund-gate only, to the bus', () => {
    // Multivalued keys (one value per entry): every entry must be refund-gate's.
    const putEvents = `events:PutEvents on ${JSON.stringify(BUS_ARN)} if ${JSON.stringify({
      'ForAllValues:StringEquals': { 'events:source': [OUTBOUND_SOURCE], 'events:detail-type': ['RefundReleased', 'RefundDenied'] },
    })}`;
    expect(perms('publisher')).toEqual(
      [...streamRead, ...on(['sns:Publish'], ref('RefundGateReviewTopic')), putEvents, ...failureBucket, ...logsOf('Publisher')].sort(),
    );
  });

  it('sweeper: loads and saves returns, queries only the due-timers index and (for the dashboard levels) the open-reviews index', () => {
    expect(perms('sweeper')).toEqual(
      [
        ...on(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], table),
        ...on(['dynamodb:Query'], { 'Fn::Join': ['', [table, `/index/${DUE_TIMERS_INDEX.name}`]] }),
        ...on(['dynamodb:Query'], { 'Fn::Join': ['', [table, `/index/${OPEN_REVIEWS_INDEX.name}`]] }),
        ...sendTo('SweepFailureQueue'),
        ...logsOf('Sweeper'),
      ].sort(),
    );
  });

  it('insider: reads the stream and reads/writes employee items', () => {
    expect(perms('insider')).toEqual(
      [
        ...streamRead,
        ...on(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], table),
        ...failureBucket,
        ...logsOf('Insider'),
      ].sort(),
    );
  });

  it('decision: reads the return and the open-review index, puts only ReviewDecided with its source, reads IAM tags', () => {
    const decisionRole = roleOf(s.template, s.id(s.stack.refundGate.decisionFunction));
    const iamArn = (kind: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, `:${kind}/*`]] });
    expect(sortedPermissions(permissionsOf(s.template, decisionRole))).toEqual(
      [
        ...on(['dynamodb:GetItem'], table),
        ...on(['dynamodb:Query'], { 'Fn::Join': ['', [table, `/index/${OPEN_REVIEWS_INDEX.name}`]] }),
        `events:PutEvents on ${JSON.stringify(BUS_ARN)} if ${JSON.stringify({ 'ForAllValues:StringEquals': { 'events:source': ['retail.review'], 'events:detail-type': ['ReviewDecided'] } })}`,
        ...on(['iam:ListRoleTags'], iamArn('role')),
        ...on(['iam:ListUserTags'], iamArn('user')),
        ...logsOf('Decision'),
      ].sort(),
    );
  });

  it('has no wildcard action and no "*" resource anywhere (tracing is off, ListStreams is scoped)', () => {
    expect(ACTIONS_WITHOUT_RESOURCE_SCOPE).toEqual([]);
    for (const roleId of Object.keys(s.template.findResources('AWS::IAM::Role'))) {
      for (const p of permissionsOf(s.template, roleId)) {
        expect(p.action, roleId).not.toContain('*');
        expect(p.resource, `${p.action} on ${p.resource}`).not.toBe(JSON.stringify('*'));
        // A trailing wildcard only where the exact name cannot be known: stream labels, objects Lambda names.
        if (p.resource.includes('*')) expect([...ALLOWED_TRAILING_WILDCARDS], `${p.action} on ${p.resource}`).toContain(p.action);
      }
    }
  });

  it('gives each function its own role, trusted by Lambda only, with no managed policy (no AWSLambdaBasicExecutionRole)', () => {
    const roles = FUNCTION_NAMES.map(roleOfFn);
    expect(new Set(roles).size).toBe(FUNCTION_NAMES.length);
    for (const role of roles) {
      const resource = s.template.toJSON()['Resources'][role];
      expect(resource['Properties']['ManagedPolicyArns']).toBeUndefined();
      expect(resource['Properties']['AssumeRolePolicyDocument']).toEqual({
        Version: '2012-10-17',
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
      });
    }
  });

  it('restricts PutEvents to the source refund-gate so the publisher cannot forge a producer event', () => {
    s.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [ref(roleOfFn('publisher'))],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'events:PutEvents', Condition: { 'ForAllValues:StringEquals': Match.objectLike({ 'events:source': [OUTBOUND_SOURCE] }) } }),
        ]),
      },
    });
  });

  it('grants the key of an existing review topic to the publisher, and nothing on keys otherwise', () => {
    const keyArn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const t = synth({ eventBusArn: BUS_ARN, reviewTopicArn: 'arn:aws:sns:us-east-1:111122223333:reviews', reviewTopicKeyArn: keyArn });
    const publisher = sortedPermissions(permissionsOf(t.template, roleOf(t.template, t.id(t.stack.refundGate.publisherFunction))));
    expect(publisher).toEqual(expect.arrayContaining(on(['kms:Decrypt', 'kms:GenerateDataKey'], keyArn)));
    expect(publisher).toContain(`sns:Publish on ${JSON.stringify('arn:aws:sns:us-east-1:111122223333:reviews')}`);
    expect(perms('publisher').filter((p) => p.startsWith('kms:'))).toEqual([]);
  });

  // Every DynamoDB command each production handler sends is checked against its role in iam-commands.test.ts.
});
