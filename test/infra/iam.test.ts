import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS_WITHOUT_RESOURCE_SCOPE, FUNCTION_NAMES, type FunctionName } from '../../infra/refund-gate.js';
import { OUTBOUND_SOURCE } from '../../shared/contract/config.js';
import { DUE_TIMERS_INDEX } from '../../shared/store/table.js';
import { getAtt, permissionsOf, ref, roleOf, sortedPermissions, synth, type Synthesized } from './support.js';

const BUS_ARN = 'arn:aws:events:us-east-1:111122223333:event-bus/orders';

describe('least-privilege IAM', () => {
  let s: Synthesized;
  const roleOfFn = (name: FunctionName) => roleOf(s.template, s.id(s.stack.refundGate[`${name}Function`]));
  const perms = (name: FunctionName) => sortedPermissions(permissionsOf(s.template, roleOfFn(name)));
  const on = (actions: string[], resource: unknown) => actions.map((a) => `${a} on ${JSON.stringify(resource)}`);
  const tracing = on(['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], '*');
  const logsOf = (name: string) => on(['logs:CreateLogStream', 'logs:PutLogEvents'], getAtt(`RefundGate${name}Logs`, 'Arn'));
  const table = getAtt('RefundGateTable', 'Arn');
  const streamRead = [...on(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], getAtt('RefundGateTable', 'StreamArn')), ...on(['dynamodb:ListStreams'], '*')];
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
        ...tracing,
      ].sort(),
    );
  });

  it('publisher: reads the stream, publishes to the topic and, as refund-gate only, to the bus', () => {
    const putEvents = `events:PutEvents on ${JSON.stringify(BUS_ARN)} if ${JSON.stringify({
      StringEquals: { 'events:source': [OUTBOUND_SOURCE], 'events:detail-type': ['RefundReleased', 'RefundDenied'] },
    })}`;
    expect(perms('publisher')).toEqual(
      [...streamRead, ...on(['sns:Publish'], ref('RefundGateReviewTopic')), putEvents, ...sendTo('StreamFailureQueue'), ...logsOf('Publisher'), ...tracing].sort(),
    );
  });

  it('sweeper: loads and saves returns, queries only the due-timers index', () => {
    expect(perms('sweeper')).toEqual(
      [
        ...on(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], table),
        ...on(['dynamodb:Query'], { 'Fn::Join': ['', [table, `/index/${DUE_TIMERS_INDEX.name}`]] }),
        ...sendTo('SweepFailureQueue'),
        ...logsOf('Sweeper'),
        ...tracing,
      ].sort(),
    );
  });

  it('insider: reads the stream and reads/writes employee items', () => {
    expect(perms('insider')).toEqual(
      [
        ...streamRead,
        ...on(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], table),
        ...sendTo('StreamFailureQueue'),
        ...logsOf('Insider'),
        ...tracing,
      ].sort(),
    );
  });

  it('has no wildcard action anywhere, and "*" as a resource only for actions IAM cannot scope', () => {
    for (const roleId of Object.keys(s.template.findResources('AWS::IAM::Role'))) {
      for (const p of permissionsOf(s.template, roleId)) {
        expect(p.action, roleId).not.toContain('*');
        if (p.resource.includes('*')) expect(ACTIONS_WITHOUT_RESOURCE_SCOPE, `${p.action} on ${p.resource}`).toContain(p.action);
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
          Match.objectLike({ Action: 'events:PutEvents', Condition: { StringEquals: Match.objectLike({ 'events:source': [OUTBOUND_SOURCE] }) } }),
        ]),
      },
    });
  });
  // Every DynamoDB command each production handler sends is checked against its role in iam-commands.test.ts.
});
