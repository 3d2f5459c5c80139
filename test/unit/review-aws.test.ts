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
import { ReviewToolError } from '../../cli/commands/errors.js';
import { openReviewIndexOf } from '../../shared/domain/review-queue.js';
import { resolveSettings } from '../../shared/contract/config.js';
import { createDecider } from '../../shared/domain/decider.js';
import type { ReturnCommand, ReturnState } from '../../shared/domain/types.js';
import { employeeFlagKey, returnKey } from '../../shared/store/keys.js';
import { OPEN_REVIEWS_INDEX, REVIEW_SHARDS } from '../../shared/store/table.js';
import { authorize, decideReview, recordReceipt, requestRefund, reviewDecided, RETURN_ID } from '../support/facts.js';
import { Logger } from '@aws-lambda-powertools/logger';
import { createDecisionHandler } from '../../functions/decision/app.js';
import { REVIEWER_TAG } from '../../shared/app/reviewer-identity.js';
import type { ReviewDecidedDetail } from '../../shared/contract/inbound.js';
import { ReviewReader } from '../../shared/store/reviews.js';
import { lambdaContext } from '../support/lambda.js';

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

const clientsOf = (): AwsClients => ({ dynamo: new DynamoDBClient({ region: 'us-east-1' }), eventBridge: new EventBridgeClient({ region: 'us-east-1' }), sts: new STSClient({ region: 'us-east-1' }) });

function backend(waitSeconds = 0): AwsBackend {
  const clients: AwsClients = clientsOf();
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

describe('decide in AWS: through the decision endpoint, signed with the caller\'s credentials', () => {
  const URL_ = 'https://abc123xyz.lambda-url.us-east-1.on.aws/';
  const JANE = 'arn:aws:sts::123456789012:assumed-role/LossPreventionReviewer/jane';
  const credentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session-token' });
  const logger = new Logger({ logLevel: 'ERROR' });

  /** Lambda's side of the URL: it authenticates the caller (here: takes it as given), then invokes the real handler. */
  function endpoint(options: { caller?: string; tags?: Record<string, string> } = {}) {
    const requests: Array<{ headers: Record<string, string>; body: Record<string, unknown> }> = [];
    const details: ReviewDecidedDetail[] = [];
    const handler = createDecisionHandler({
      logger,
      tags: { tagsOf: async (identity) => Object.entries(options.tags ?? { LossPreventionReviewer: 'emp-jane' }).filter(([name]) => name === identity.name).map(([, Value]) => ({ Key: REVIEWER_TAG, Value })) },
      reader: new ReviewReader(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'refund-gate'),
      put: async (detail) => {
        details.push(detail);
        return 'ev-1';
      },
      now: () => NOW,
      waitMs: 0,
      pollMs: 0,
    });
    const fetchFake = (async (_url: string, init: { headers: Record<string, string>; body: string }) => {
      requests.push({ headers: init.headers, body: JSON.parse(init.body) });
      const event = {
        body: init.body,
        isBase64Encoded: false,
        requestContext: { accountId: '123456789012', http: { method: 'POST' }, authorizer: { iam: { userArn: options.caller ?? JANE } } },
      };
      const out = (await handler(event as never, lambdaContext('decision'))) as { statusCode: number; body: string };
      return new Response(out.body, { status: out.statusCode });
    }) as unknown as typeof fetch;
    return { fetch: fetchFake, requests, details };
  }
  const aws = (seam: { fetch: typeof fetch }) =>
    new AwsBackend({ tableName: 'refund-gate', region: 'us-east-1', bus: BUS, settings, waitSeconds: 0, pollMs: 0 }, { ...clientsOf(), decisionCall: { credentials, fetch: seam.fetch } }, () => NOW);

  it('signs the call (SigV4, service lambda, the URL\'s region, the session token), sends no reviewer, and the function decides as the caller\'s tag', async () => {
    const decidedState = (decisionId: string) => stateAfter([decideReview(reviewDecided({ decisionId, reviewerId: 'emp-jane', decidedAt: new Date(NOW).toISOString() }))], held);
    const seam = endpoint();
    dynamo.on(GetCommand).callsFake(() => (seam.details.length === 0 ? returnItem(held) : returnItem(decidedState(seam.details[0]!.decisionId))));
    const result = await decide(aws(seam), { reviewId: PHANTOM, givenReturnId: RETURN_ID, decision: 'RELEASE', note: 'found it', decisionUrl: URL_ });
    const { headers, body } = seam.requests[0]!;
    expect(headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/lambda\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
    expect(headers['x-amz-security-token']).toBe('session-token');
    expect(body).toEqual({ reviewId: PHANTOM, returnId: RETURN_ID, decision: 'RELEASE', note: 'found it' });
    expect(seam.details[0]).toMatchObject({ reviewerId: 'emp-jane', reviewId: PHANTOM, returnId: RETURN_ID, decision: 'RELEASE', note: 'found it' });
    expect(result).toMatchObject({ reviewerId: 'emp-jane', eventId: 'ev-1', outcome: { kind: 'RELEASED', amount: { amount: 4_999, currency: 'EUR' } } });
  });

  it('is refused for a caller without the tag, an IAM Identity Center role, or another account: nothing is put', async () => {
    for (const caller of [
      'arn:aws:sts::123456789012:assumed-role/SomeoneElse/mallory',
      'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Reviewers_0123456789abcdef/jane',
      'arn:aws:sts::999999999999:assumed-role/LossPreventionReviewer/jane',
      'arn:aws:iam::123456789012:root',
    ]) {
      const seam = endpoint({ caller });
      dynamo.on(GetCommand).resolves(returnItem(held));
      await expect(decide(aws(seam), { reviewId: PHANTOM, givenReturnId: RETURN_ID, decision: 'RELEASE', decisionUrl: URL_ }), caller).rejects.toThrow(/refused \(HTTP 403\)/);
      expect(seam.details, caller).toEqual([]);
    }
  });

  it('refuses --reviewer and --at in AWS, and a missing or non-Lambda URL, before calling anything', async () => {
    const seam = endpoint();
    await expect(decide(aws(seam), { reviewId: PHANTOM, givenReturnId: RETURN_ID, decision: 'DENY', reviewerId: 'someone.else', decisionUrl: URL_ })).rejects.toThrow(/--reviewer is for local runs only/);
    await expect(decide(aws(seam), { reviewId: PHANTOM, givenReturnId: RETURN_ID, decision: 'DENY' })).rejects.toThrow(/needs --decision-url/);
    await expect(decide(aws(seam), { reviewId: PHANTOM, givenReturnId: RETURN_ID, decision: 'DENY', decisionUrl: 'https://example.com/' })).rejects.toThrow(/expected a Lambda Function URL/);
    expect(seam.requests).toEqual([]);
  });

  it('lets the function find the review\'s return when --return is not given (the reviewer reads no table)', async () => {
    const entry = openReviewIndexOf(held)!;
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':shard': 'R#3' } })
      .resolves({ Items: [{ ...returnKey(RETURN_ID), kind: 'return', reviewShard: 'R#3', openSince: entry.openSince, reviewQueue: entry.queue }] });
    dynamo.on(GetCommand).resolves(returnItem(held));
    const seam = endpoint();
    const result = await decide(aws(seam), { reviewId: PHANTOM, decision: 'RELEASE', decisionUrl: URL_ });
    expect(seam.requests[0]!.body).toEqual({ reviewId: PHANTOM, decision: 'RELEASE' });
    expect(result.returnId).toBe(RETURN_ID);
    expect(result.outcome).toEqual({ kind: 'PENDING' });
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
