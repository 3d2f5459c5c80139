/*
 * The return and parcel requests, pinned with aws-sdk-client-mock: keys from
 * shared/store/keys.ts, the version condition, ALL_OLD on conflicts, the
 * parcel meeting point as idempotent set additions.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { VersionConflictError } from '../../shared/app/errors.js';
import { initialState } from '../../shared/domain/decider.js';
import type { ReturnState } from '../../shared/domain/types.js';
import { OPEN_RETENTION_DAYS } from '../../shared/store/table.js';
import type { CarrierScan, ReturnAuthorization } from '../../shared/domain/types.js';
import { RefundGateStore } from '../../shared/store/store.js';
import { unpackBody } from '../../shared/store/item-codec.js';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddb = mockClient(doc);
const store = new RefundGateStore(doc, 'refund-gate', { retentionDays: 1 });
const NOW = '2026-11-02T10:00:00.000Z';
const TTL = Date.parse(NOW) / 1000 + 86_400;
/** Open returns (and parcel links waiting for their scan) stay OPEN_RETENTION_DAYS, never less than the retention. */
const OPEN_TTL = Date.parse(NOW) / 1000 + OPEN_RETENTION_DAYS * 86_400;

const auth: ReturnAuthorization = {
  returnId: 'r#1',
  orderId: 'o',
  customerId: 'c',
  warehouseId: 'WH-1',
  carrier: ' UPS ',
  trackingNumber: '1Z#9',
  refund: { amount: 100, currency: 'USD' },
  authorizedAt: NOW,
};
const scan: CarrierScan = { scanId: 's-1', carrier: 'ups', trackingNumber: '1z#9', status: 'DELIVERED', facilityId: 'WH-1', scannedAt: NOW };
const PARCEL = { pk: 'PARCEL#ups#1z\\#9', sk: 'PARCEL' };

beforeEach(() => {
  ddb.reset();
});

describe('returns', () => {
  it('loadReturn: one strongly consistent GetItem of (RETURN, returnId)', async () => {
    ddb.on(GetCommand).resolves({ Item: { state: initialState('r#1'), version: 3, authorizationPrint: 'v1:a' } });
    expect(await store.loadReturn('r#1')).toMatchObject({ version: 3, authorizationPrint: 'v1:a' });
    expect(ddb).toReceiveCommandWith(GetCommand, { TableName: 'refund-gate', Key: { pk: 'RETURN#r\\#1', sk: 'RETURN' }, ConsistentRead: true });
  });

  it('saveReturn, first write: the item must not exist; it carries the authorization fingerprint and the timer', async () => {
    ddb.on(PutCommand).resolves({});
    const state = initialState('r#1');
    expect(await store.saveReturn({ state, expectedVersion: 0, effects: [], dueAt: NOW, now: NOW, authorizationPrint: 'v1:a' })).toBe(1);
    expect(ddb).toReceiveCommandWith(PutCommand, {
      TableName: 'refund-gate',
      Item: {
        pk: 'RETURN#r\\#1',
        sk: 'RETURN',
        kind: 'return',
        version: 1,
        body: expect.any(Uint8Array),
        status: state.status,
        expiresAtEpochSec: OPEN_TTL,
        authorizationPrint: 'v1:a',
        timerShard: expect.stringMatching(/^T#[0-7]$/),
        dueAt: NOW,
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    // State and outbox travel compressed in one attribute, and come back whole.
    const written = ddb.commandCalls(PutCommand)[0]!.args[0].input.Item!;
    expect(unpackBody(written['body'])).toEqual({ state, outbox: [] });
  });

  it('saveReturn: a closed return expires retention after its last write; an open one (a review or a shipment may be pending) OPEN_RETENTION_DAYS; never before its next timer', async () => {
    ddb.on(PutCommand).resolves({});
    const later = '2026-11-20T00:00:00.000Z';
    const closed = { ...initialState('r-3'), status: 'RELEASED' } as unknown as ReturnState;
    await store.saveReturn({ state: initialState('r-1'), expectedVersion: 0, effects: [], dueAt: later, now: NOW, authorizationPrint: undefined });
    await store.saveReturn({ state: initialState('r-2'), expectedVersion: 0, effects: [], dueAt: null, now: NOW, authorizationPrint: undefined });
    await store.saveReturn({ state: closed, expectedVersion: 3, effects: [], dueAt: null, now: NOW, authorizationPrint: undefined });
    await store.saveReturn({ state: closed, expectedVersion: 4, effects: [], dueAt: later, now: NOW, authorizationPrint: undefined });
    const ttls = ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item!['expiresAtEpochSec']);
    expect(ttls).toEqual([Date.parse(later) / 1000 + OPEN_RETENTION_DAYS * 86_400, OPEN_TTL, TTL, Date.parse(later) / 1000 + 86_400]);
  });

  it('saveReturn, later writes: conditioned on the version read; a conflict carries the current return (ALL_OLD)', async () => {
    const current = { pk: 'RETURN#r\\#1', sk: 'RETURN', version: 5, state: initialState('r#1'), authorizationPrint: 'v1:other' };
    ddb.on(PutCommand).rejects(Object.assign(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }), { Item: marshall(current) }));
    const error = await store
      .saveReturn({ state: initialState('r#1'), expectedVersion: 4, effects: [], dueAt: null, now: NOW, authorizationPrint: undefined })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VersionConflictError);
    expect((error as VersionConflictError).current).toMatchObject({ version: 5, authorizationPrint: 'v1:other' });
    expect(ddb).toReceiveCommandWith(PutCommand, {
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': 4 },
    });
    const sent = ddb.commandCalls(PutCommand)[0]!.args[0].input.Item!;
    expect(sent).not.toHaveProperty('authorizationPrint');
    expect(sent).not.toHaveProperty('dueAt');
  });

  it('dueReturnIds: queries every timer shard of the sparse index and decodes returnIds from the keys', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':shard': 'T#3', ':now': NOW } }).resolves({ Items: [{ pk: 'RETURN#a\\#b', sk: 'RETURN' }, { pk: 'PARCEL#x#y', sk: 'PARCEL' }] });
    const ids: string[] = [];
    for await (const id of store.dueReturnIds(NOW)) ids.push(id);
    expect(ids).toEqual(['a#b']);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 8);
    expect(ddb).toReceiveCommandWith(QueryCommand, {
      IndexName: 'due-timers',
      KeyConditionExpression: '#shard = :shard AND #due <= :now',
      ExpressionAttributeNames: { '#shard': 'timerShard', '#due': 'dueAt' },
      ExpressionAttributeValues: { ':shard': 'T#0', ':now': NOW },
    });
  });
});

describe('earliestDueAt', () => {
  it('reads the first item of each timer shard and returns the earliest instant, compared as instants', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':shard': 'T#2' } }).resolves({ Items: [{ dueAt: '2026-11-02T12:00:00.000Z' }] });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':shard': 'T#6' } }).resolves({ Items: [{ dueAt: '2026-11-02T11:00:00.000Z' }] });
    expect(await store.earliestDueAt()).toBe('2026-11-02T11:00:00.000Z');
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 8);
    expect(ddb).toReceiveCommandWith(QueryCommand, { IndexName: 'due-timers', KeyConditionExpression: '#shard = :shard', ExpressionAttributeValues: { ':shard': 'T#7' }, Limit: 1 });
  });

  it('is undefined when no timer is pending', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    expect(await store.earliestDueAt()).toBeUndefined();
  });
});

describe('parcels', () => {
  it('linkReturn: adds the returnId and its link (v1.2) to the parcel of the folded carrier and tracking number and returns its scans, one per scanId, and its links', async () => {
    const respelled = { ...scan, scannedAt: '2026-11-02T11:00:00+01:00' };
    const link = JSON.stringify({ returnId: 'r#1', customerId: 'c', authorizedAt: NOW });
    ddb.on(UpdateCommand).resolves({ Attributes: { deliveredScans: new Set([JSON.stringify(scan), JSON.stringify(respelled)]), returnIds: new Set(['r#1']), links: new Set([link]) } });
    expect(await store.linkReturn(auth)).toEqual({ scans: [scan], peers: [{ returnId: 'r#1', customerId: 'c', authorizedAt: NOW }] });
    expect(ddb).toReceiveCommandWith(UpdateCommand, {
      Key: PARCEL,
      UpdateExpression: 'ADD #a0 :a0, #a1 :a1 SET #kind = :kind, #ttl = :ttl',
      // v1.2: the TTL only ever moves later.
      ConditionExpression: 'attribute_not_exists(#ttl) OR #ttl <= :ttl',
      ExpressionAttributeNames: { '#a0': 'returnIds', '#a1': 'links', '#kind': 'kind', '#ttl': 'expiresAtEpochSec' },
      // The link waits for the DELIVERED scan as long as an open return may, and a later return may still share the parcel.
      ExpressionAttributeValues: { ':a0': new Set(['r#1']), ':a1': new Set([link]), ':kind': 'parcel', ':ttl': OPEN_TTL },
      ReturnValues: 'ALL_NEW',
    });
  });

  it('recordDelivered: adds the scan to a string set (idempotent) and returns the linked returns; the TTL only moves later', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { returnIds: new Set(['r-b', 'r-a']) } });
    expect(await store.recordDelivered(scan)).toEqual(['r-a', 'r-b']);
    expect(ddb).toReceiveCommandWith(UpdateCommand, {
      Key: PARCEL,
      UpdateExpression: 'ADD #a0 :a0 SET #kind = :kind, #ttl = :ttl',
      ConditionExpression: 'attribute_not_exists(#ttl) OR #ttl <= :ttl',
      ExpressionAttributeNames: { '#a0': 'deliveredScans', '#kind': 'kind', '#ttl': 'expiresAtEpochSec' },
      ExpressionAttributeValues: { ':a0': new Set([JSON.stringify(scan)]), ':kind': 'parcel', ':ttl': OPEN_TTL },
      ReturnValues: 'ALL_NEW',
    });
  });

  it('recordDelivered of a scan older than the parcel: refused TTL, the scan is added without touching it', async () => {
    ddb.on(UpdateCommand).rejectsOnce(new ConditionalCheckFailedException({ message: 'refused', $metadata: {} })).resolves({ Attributes: { returnIds: new Set(['r-a']) } });
    expect(await store.recordDelivered(scan)).toEqual(['r-a']);
    const second = ddb.commandCalls(UpdateCommand)[1]!.args[0].input;
    expect(second).toMatchObject({ UpdateExpression: 'ADD #a0 :a0 SET #kind = :kind' });
    expect(second).not.toHaveProperty('ConditionExpression');
    expect(second.ExpressionAttributeValues).not.toHaveProperty(':ttl');
  });

  it('deliveredOn: a consistent read that finds the scan (no write needed) or not (a crash left it unwritten)', async () => {
    ddb.on(GetCommand).resolvesOnce({ Item: { deliveredScans: new Set([JSON.stringify(scan)]), returnIds: new Set(['r-1']) } }).resolvesOnce({ Item: { returnIds: new Set(['r-1']) } });
    expect(await store.deliveredOn(scan)).toEqual(['r-1']);
    expect(await store.deliveredOn(scan)).toBeUndefined();
    expect(ddb).toReceiveCommandWith(GetCommand, { Key: PARCEL, ConsistentRead: true });
  });
});
