/*
 * R7's requests, pinned: one item per suspect receipt (no id is ever an
 * attribute name), a tombstone for a cleared one, a consistent range query
 * per employee, and the flag's condition.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SuspectReceipt } from '../../shared/domain/insider.js';
import type { ReviewRaised } from '../../shared/domain/types.js';
import { EmployeeStore } from '../../shared/store/employees.js';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddb = mockClient(doc);
const employees = new EmployeeStore(doc, 'refund-gate', { retentionDays: 1 });
const suspect: SuspectReceipt = {
  receiptId: '__proto__',
  returnId: 'r-1',
  employeeId: 'emp#7',
  receivedAt: '2026-11-02T05:05:00-05:00',
  reviewId: 'rv',
  reason: 'RECEIPT_WITHOUT_INBOUND_SCAN',
};
const SUSPECT_KEY = { pk: 'EMPLOYEE#emp\\#7', sk: 'SUSPECT#2026-11-02T10:05:00.000Z#__proto__' };
const TTL = Date.parse('2026-11-02T10:05:00Z') / 1000 + 86_400;

beforeEach(() => {
  ddb.reset();
  ddb.on(PutCommand).resolves({});
});

describe('EmployeeStore', () => {
  it('addSuspect puts one item keyed by (EMPLOYEE, id) / (SUSPECT, receivedAt in UTC, receiptId) with the receipt as a value', async () => {
    await employees.addSuspect(suspect);
    expect(ddb).toReceiveCommandWith(PutCommand, { Item: { ...SUSPECT_KEY, kind: 'employee-suspect', receipt: suspect, expiresAtEpochSec: TTL } });
  });

  it('removeSuspect overwrites the same key with a tombstone', async () => {
    await employees.removeSuspect('emp#7', suspect.receivedAt, '__proto__');
    expect(ddb).toReceiveCommandWith(PutCommand, { Item: { ...SUSPECT_KEY, kind: 'employee-suspect', cleared: true, expiresAtEpochSec: TTL } });
  });

  it('suspects: one consistent range query on the employee partition; tombstones and receipts outside [from, to] are dropped', async () => {
    const inside = { ...suspect, receiptId: 'in' };
    const outside = { ...suspect, receiptId: 'out', receivedAt: '2026-11-02T23:00:00Z' };
    ddb.on(QueryCommand).resolves({ Items: [{ kind: 'employee-suspect', receipt: inside }, { kind: 'employee-suspect', cleared: true }, { kind: 'employee-suspect', receipt: outside }] });
    expect(await employees.suspects('emp#7', '2026-11-02T10:00:00Z', '2026-11-02T12:00:00+01:00')).toEqual([inside]);
    expect(ddb).toReceiveCommandWith(QueryCommand, {
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': 'EMPLOYEE#emp\\#7', ':from': 'SUSPECT#2026-11-02T10:00:00.000Z', ':to': 'SUSPECT#2026-11-02T11:00:00.000Z$' },
      ConsistentRead: true,
    });
  });

  it('flagFor (the ingest path): one eventually consistent Query of the flag items (v1.2: R7 alert and self-review), honoured only inside their window', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        { kind: 'employee-flag', employeeId: 'emp#7', flaggedAt: '2026-11-02T10:00:00.000Z', flaggedUntil: '2026-11-03T10:00:00.000Z', anomalyReviewId: 'rv-1' },
        { kind: 'employee-self-review-flag', employeeId: 'emp#7', flaggedAt: '2026-11-05T10:00:00.000Z', flaggedUntil: '2026-11-06T10:00:00.000Z', anomalyReviewId: 'rv-self' },
      ],
    });
    expect(await employees.flagFor('emp#7', '2026-11-02T12:00:00Z')).toMatchObject({ anomalyReviewId: 'rv-1' });
    expect(await employees.flagFor('emp#7', '2026-11-05T12:00:00Z')).toMatchObject({ anomalyReviewId: 'rv-self' });
    expect(await employees.flagFor('emp#7', '2026-11-04T12:00:00Z')).toBeNull();
    expect(ddb).toReceiveCommandWith(QueryCommand, {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :flag)',
      ExpressionAttributeValues: { ':pk': 'EMPLOYEE#emp\\#7', ':flag': 'FLAG' },
      ConsistentRead: false,
    });
  });

  it('raiseSelfReviewFlag (v1.2): one PutItem beside the R7 flag, only ever extended', async () => {
    await employees.raiseSelfReviewFlag(' EMP#7 ', 'rv-self', '2026-11-02T10:00:00Z', 1000);
    expect(ddb).toReceiveCommandWith(PutCommand, {
      Item: expect.objectContaining({ pk: 'EMPLOYEE#emp\\#7', sk: 'FLAG#SELF_REVIEW', anomalyReviewId: 'rv-self', flaggedUntil: '2026-11-02T10:00:01.000Z' }),
      ConditionExpression: 'attribute_not_exists(#pk) OR #until < :until',
    });
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'newer', $metadata: {} }));
    await expect(employees.raiseSelfReviewFlag('emp#7', 'rv-old', '2026-11-01T10:00:00Z', 1000)).resolves.toBeUndefined();
  });

  it('raiseFlag: one conditional PutItem (absent or expired); a refusal means another detector raised it', async () => {
    const review = { reviewId: 'rv-emp', employeeId: 'emp#7', raisedAt: '2026-11-02T10:05:00.000Z', evidence: { returnIds: ['r#1'] } } as unknown as ReviewRaised;
    expect(await employees.raiseFlag(review, 1000)).toBe(true);
    expect(ddb).toReceiveCommandWith(PutCommand, {
      Item: expect.objectContaining({
        pk: 'EMPLOYEE#emp\\#7',
        sk: 'FLAG',
        anomalyReviewId: 'rv-emp',
        flaggedUntil: '2026-11-02T10:05:01.000Z',
        outbox: [review],
        // The anomaly stays in the open-reviews queue while the flag stands.
        reviewQueue: [expect.objectContaining({ reviewId: 'rv-emp', employeeId: 'emp#7', returnIds: ['r#1'], flaggedUntil: '2026-11-02T10:05:01.000Z' })],
      }),
      // v1.2: a flag lifted by a RELEASE at or before this raisedAt no longer stands either.
      ConditionExpression: 'attribute_not_exists(#pk) OR #until < :raisedAt OR #lifted <= :raisedAt',
      ExpressionAttributeNames: { '#pk': 'pk', '#until': 'flaggedUntil', '#lifted': 'liftedAt' },
      ExpressionAttributeValues: { ':raisedAt': '2026-11-02T10:05:00.000Z' },
    });
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    expect(await employees.raiseFlag(review, 1000)).toBe(false);
  });
});
