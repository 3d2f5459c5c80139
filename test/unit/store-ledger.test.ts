/*
 * The id ledger's DynamoDB request, pinned (the way Powertools pins its
 * idempotency persistence layer): one conditional PutItem per claim, ALL_OLD
 * on refusal, and the refusal's item decides redelivery or conflict.
 * DynamoDB Local runs the same requests in test/reliability/identity.test.ts.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictingDuplicateError } from '../../shared/app/errors.js';
import type { FactClaim } from '../../shared/app/ports.js';
import { StoreThrottledError } from '../../shared/store/errors.js';
import { RefundGateStore } from '../../shared/store/store.js';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddb = mockClient(doc);
const store = new RefundGateStore(doc, 'refund-gate', { retentionDays: 400 });

const claim: FactClaim = {
  detailType: 'WarehouseReceipt',
  idField: 'receiptId',
  id: 'rc#1\\__proto__',
  fingerprint: 'v1:abc',
  now: '2026-11-02T10:05:00.000Z',
};
const refused = (item?: Record<string, unknown>) =>
  Object.assign(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }), item ? { Item: marshall(item) } : {});

beforeEach(() => {
  ddb.reset();
});

describe('RefundGateStore.claim', () => {
  it('claims a new id with one conditional PutItem of a small item keyed by (ID, detail-type, id)', async () => {
    // Prepare
    ddb.on(PutCommand).resolves({});
    // Act
    const outcome = await store.claim(claim);
    // Assess
    expect(outcome).toBe('claimed');
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 1);
    expect(ddb).toReceiveCommandWith(PutCommand, {
      TableName: 'refund-gate',
      Item: {
        pk: 'ID#WarehouseReceipt#rc\\#1\\\\__proto__',
        sk: 'ID',
        kind: 'id',
        fingerprint: 'v1:abc',
        expiresAtEpochSec: Date.parse('2026-11-02T10:05:00.000Z') / 1000 + 400 * 86_400,
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('a refusal whose stored fingerprint is the same is a redelivery (processing goes on)', async () => {
    ddb.on(PutCommand).rejects(refused({ pk: 'x', sk: 'ID', fingerprint: 'v1:abc' }));
    await expect(store.claim(claim)).resolves.toBe('seen');
  });

  it('a refusal with another fingerprint is a ConflictingDuplicateError naming the id field', async () => {
    ddb.on(PutCommand).rejects(refused({ pk: 'x', sk: 'ID', fingerprint: 'v1:other' }));
    const error = await store.claim(claim).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictingDuplicateError);
    expect(error).toMatchObject({ field: 'detail.receiptId', detailType: 'WarehouseReceipt', id: claim.id });
  });

  it('a refusal without the old item (never expected) is treated as a conflict, not as a redelivery', async () => {
    ddb.on(PutCommand).rejects(refused());
    await expect(store.claim(claim)).rejects.toBeInstanceOf(ConflictingDuplicateError);
  });

  it('throttling becomes StoreThrottledError (the platform retries the event)', async () => {
    ddb.on(PutCommand).rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(store.claim(claim)).rejects.toBeInstanceOf(StoreThrottledError);
  });
});
