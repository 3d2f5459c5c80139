import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsBackend, REVIEWER_FROM_FLAG_ENV, reviewerIdFromArn } from '../../cli/backends/aws.js';
import type { AwsClients } from '../../cli/backends/backend.js';
import { listReviews } from '../../cli/backends/reads.js';
import { decide } from '../../cli/commands/decide.js';
import { ReviewerIdentityError, ReviewToolError } from '../../cli/commands/errors.js';
import { openReviewIndexOf } from '../../shared/domain/review-queue.js';
import { resolveSettings } from '../../shared/contract/config.js';
import { createDecider } from '../../shared/domain/decider.js';
import type { ReturnCommand, ReturnState } from '../../shared/domain/types.js';
import { employeeFlagKey, returnKey } from '../../shared/store/keys.js';
import { OPEN_REVIEWS_INDEX, REVIEW_SHARDS } from '../../shared/store/table.js';
import { authorize, decideReview, recordReceipt, requestRefund, reviewDecided, RETURN_ID } from '../support/facts.js';

const settings = resolveSettings({});
const decider = createDecider(settings);
const stateAfter = (commands: readonly ReturnCommand[], from: ReturnState = decider.initialState(RETURN_ID)): ReturnState =>
  commands.reduce((state, command) => decider.decide(command, state).reduce(decider.evolve, state), from);

/** The receipt review's id as the domain names it (shared/domain/identity.ts). */
const PHANTOM = 'rv-receipt#r-1#rc-1';
const BUS = 'arn:aws:events:us-east-1:123456789012:event-bus/retail';
const NOW = Date.UTC(2026, 10, 3, 8, 30, 0);
const held = stateAfter([authorize(), requestRefund(), recordReceipt()]);

// The store speaks through the document client: mock it at that level (plain items, no marshalling).
const dynamo = mockClient(DynamoDBDocumentClient);
const eventBridge = mockClient(EventBridgeClient);
const sts = mockClient(STSClient);

function backend(waitSeconds = 0): AwsBackend {
  const clients: AwsClients = { dynamo: new DynamoDBClient({ region: 'us-east-1' }), eventBridge: new EventBridgeClient({ region: 'us-east-1' }), sts: new STSClient({ region: 'us-east-1' }) };
  return new AwsBackend({ tableName: 'refund-gate', region: 'us-east-1', bus: BUS, settings, waitSeconds, pollMs: 0 }, clients, () => NOW);
}

const returnItem = (state: ReturnState) => ({ Item: { ...returnKey(state.returnId), kind: 'return', state } });

beforeEach(() => {
  dynamo.reset();
  eventBridge.reset();
  sts.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:sts::123456789012:assumed-role/LossPreventionReviewer/jane.doe', Account: '123456789012' });
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'ev-1' }] });
});

afterEach(() => {
  delete process.env[REVIEWER_FROM_FLAG_ENV];
});

describe('reviewerIdFromArn', () => {
  it('takes the role session or user name, and refuses root', () => {
    expect(reviewerIdFromArn('arn:aws:sts::123456789012:assumed-role/Reviewer/jane')).toBe('jane');
    expect(reviewerIdFromArn('arn:aws:iam::123456789012:user/team/lp/bob')).toBe('bob');
    expect(reviewerIdFromArn('arn:aws:sts::123456789012:federated-user/carol')).toBe('carol');
    expect(() => reviewerIdFromArn('arn:aws:iam::123456789012:root')).toThrow(ReviewToolError);
  });
});

describe('decide in AWS', () => {
  it('puts a ReviewDecided on the bus with the review source, as the caller, then reads the release', async () => {
    // Read before (held), then after the pipeline processed it.
    const decidedState = (decisionId: string) =>
      stateAfter([decideReview(reviewDecided({ decisionId, reviewerId: 'jane.doe', decidedAt: new Date(NOW).toISOString() }))], held);
    let submitted: string | undefined;
    eventBridge.on(PutEventsCommand).callsFake((input) => {
      submitted = JSON.parse(input.Entries[0].Detail).decisionId;
      return { FailedEntryCount: 0, Entries: [{ EventId: 'ev-1' }] };
    });
    dynamo.on(GetCommand).callsFake(() => (submitted === undefined ? returnItem(held) : returnItem(decidedState(submitted))));

    const result = await decide(backend(), { reviewId: PHANTOM, givenReturnId: RETURN_ID, decision: 'RELEASE', note: 'found it' });

    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({ EventBusName: BUS, Source: 'retail.review', DetailType: 'ReviewDecided' });
    expect(JSON.parse(entry.Detail!)).toEqual({
      decisionId: submitted,
      reviewId: PHANTOM,
      returnId: RETURN_ID,
      reviewerId: 'jane.doe',
      decision: 'RELEASE',
      decidedAt: '2026-11-03T08:30:00.000Z',
      note: 'found it',
    });
    expect(submitted).toMatch(/^dec-[0-9a-f-]{36}$/);
    expect(result.outcome).toMatchObject({ kind: 'RELEASED', amount: { amount: 4_999, currency: 'EUR' } });
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 1);
  });

  it('refuses to pose as someone else, and puts nothing on the bus', async () => {
    dynamo.on(GetCommand).resolves(returnItem(held));
    await expect(decide(backend(), { reviewId: PHANTOM, givenReturnId: RETURN_ID, decision: 'DENY', reviewerId: 'someone.else' })).rejects.toThrow(ReviewerIdentityError);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('takes --reviewer only where the deployment allows it, without asking STS', async () => {
    process.env[REVIEWER_FROM_FLAG_ENV] = 'true';
    dynamo.on(GetCommand).resolves(returnItem(held));
    const result = await decide(backend(), { reviewId: PHANTOM, givenReturnId: RETURN_ID, decision: 'DENY', reviewerId: 'svc-queue' });
    expect(result.reviewerId).toBe('svc-queue');
    expect(sts).not.toHaveReceivedCommand(GetCallerIdentityCommand);
    // Nothing changed on the table within the wait: reported as not processed yet.
    expect(result.outcome).toEqual({ kind: 'PENDING' });
  });

  it('reports a refused PutEvents entry as an error', async () => {
    dynamo.on(GetCommand).resolves(returnItem(held));
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'not authorized' }] });
    await expect(decide(backend(), { reviewId: PHANTOM, givenReturnId: RETURN_ID, decision: 'RELEASE' })).rejects.toThrow(/AccessDeniedException/);
  });

  it('finds the return of an open review in the index when --return is not given', async () => {
    const entry = openReviewIndexOf(held)!;
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':shard': 'R#3' } })
      .resolves({ Items: [{ ...returnKey(RETURN_ID), kind: 'return', reviewShard: 'R#3', openSince: entry.openSince, reviewQueue: entry.queue }] });
    dynamo.on(GetCommand).resolves(returnItem(held));
    const result = await decide(backend(), { reviewId: PHANTOM, decision: 'RELEASE' });
    expect(result.returnId).toBe(RETURN_ID);
    expect(dynamo).not.toHaveReceivedCommand(ScanCommand);
  });
});

describe('the open review queue in AWS', () => {
  it('queries every shard of the sparse index, never scans, and lists oldest first', async () => {
    const entry = openReviewIndexOf(held)!;
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(QueryCommand, { ExpressionAttributeValues: { ':shard': 'R#5' } }).resolves({
      Items: [
        { ...employeeFlagKey('emp-7'), kind: 'employee-flag', reviewShard: 'R#5', openSince: '2026-11-01T20:00:00.000Z', reviewQueue: [
          { reviewId: 'rv-employee-anomaly#emp-7#2026-11-01T20:00:00.000Z', returnId: null, employeeId: 'emp-7', reason: 'EMPLOYEE_RECEIPT_ANOMALY', severity: 'HIGH', raisedAt: '2026-11-01T20:00:00.000Z', warehouseId: 'WH-1', atStake: null, status: 'OPEN', flaggedUntil: '2026-11-08T20:00:00.000Z' },
        ] },
        { ...returnKey(RETURN_ID), kind: 'return', reviewShard: 'R#5', openSince: entry.openSince, reviewQueue: entry.queue },
      ],
    });

    const open = await listReviews(backend(), { open: true });
    expect(open.map((e) => [e.reason, e.status])).toEqual([
      ['EMPLOYEE_RECEIPT_ANOMALY', 'OPEN'],
      ['RECEIPT_WITHOUT_INBOUND_SCAN', 'OPEN'],
    ]);
    expect(dynamo).toHaveReceivedCommandTimes(QueryCommand, REVIEW_SHARDS);
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, { IndexName: OPEN_REVIEWS_INDEX.name });
    expect(dynamo).not.toHaveReceivedCommand(ScanCommand);

    const high = await listReviews(backend(), { open: true, severity: 'HIGH', warehouse: 'WH-1' });
    expect(high.map((e) => e.reason)).toEqual(['EMPLOYEE_RECEIPT_ANOMALY']);
  });
});

describe('the R7 flags explain reads', () => {
  it('reads each employee flag at the key the detector writes it, once per employee', async () => {
    dynamo.on(GetCommand).resolves({});
    dynamo.on(GetCommand, { Key: employeeFlagKey('emp#7') }).resolves({
      Item: { ...employeeFlagKey('emp#7'), anomalyReviewId: 'rv-a', flaggedAt: '2026-11-01T20:00:00.000Z', flaggedUntil: '2026-11-08T20:00:00.000Z' },
    });
    const flags = await backend().reader.employeeFlags(['emp#7', 'emp-8', 'emp#7']);
    expect(flags).toEqual([{ employeeId: 'emp#7', anomalyReviewId: 'rv-a', flaggedAt: '2026-11-01T20:00:00.000Z', flaggedUntil: '2026-11-08T20:00:00.000Z' }]);
    expect(dynamo).toHaveReceivedCommandTimes(GetCommand, 2);
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, { Key: { pk: 'EMPLOYEE#emp\\#7', sk: 'FLAG' } });
  });
});
