import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerKey } from '../../shared/store/keys.js';
import type { ReturnState } from '../../shared/domain/types.js';
import { freshTable, type TestTable } from '../support/dynamo.js';
import { envelope, honestReturn, T } from '../support/envelopes.js';
import { harness } from '../support/runtime.js';
import { outboxOfItem, stateOfItem } from '../../shared/store/item-codec.js';

let table: TestTable;
beforeAll(async () => {
  table = await freshTable('pipeline');
});
afterAll(async () => {
  await table.drop();
});

const stateOf = async (h: ReturnType<typeof harness>, returnId: string) => stateOfItem(await h.item(returnId)) ?? undefined;
/** The scanIds a return holds, whether the state keeps scans in a record or a list. */
const scanIdsOf = (state: ReturnState | undefined): string[] => {
  const scans = (state?.scans ?? {}) as unknown;
  return Array.isArray(scans) ? scans.map((s: { scanId: string }) => s.scanId) : Object.keys(scans as object);
};
const ledgerEntry = async (detailType: string, id: string) =>
  (await table.doc.send(new GetCommand({ TableName: table.tableName, Key: ledgerKey(detailType, id), ConsistentRead: true }))).Item;

describe('pipeline on DynamoDB Local', () => {
  it('releases an honest return once, whatever the arrival order', async () => {
    // Prepare
    const h = harness(table);
    const story = honestReturn('r-honest');
    // Act: refund and receipt first, scans before the authorization.
    const results = [];
    for (const e of [story.refund, story.receipt, story.delivered, story.inTransit, story.authorized]) results.push(await h.send(e));
    // Assess
    const effects = results.flatMap((r) => (r.status === 'processed' ? r.outcome.effects : []));
    expect(effects.map((e) => e.type)).toEqual(['RefundReleased']);
    expect(effects[0]).toMatchObject({ refundId: 'rf-r-honest', basis: 'EVIDENCE_MATCHED', scanId: 's-r-honest-2', receiptId: 'rc-r-honest' });
    expect((await stateOf(h, 'r-honest'))?.status).toBe('RELEASED');
  });

  it('applies a scan that arrived before the ReturnAuthorized when the authorization arrives', async () => {
    const h = harness(table);
    const story = honestReturn('r-early-scan');
    await h.send(story.delivered);
    expect(await h.item('r-early-scan')).toBeUndefined();
    await h.send(story.authorized);
    const state = await stateOf(h, 'r-early-scan');
    expect(scanIdsOf(state)).toEqual(['s-r-early-scan-2']);
  });

  it('makes a redelivered event a no-op: no write, no effect', async () => {
    const h = harness(table);
    const story = honestReturn('r-dup');
    for (const e of [story.authorized, story.delivered, story.receipt, story.refund]) await h.send(e);
    const before = await h.item('r-dup');
    // A producer retry: same detail, new envelope id and time.
    const again = await h.send({ ...story.refund, id: 'another-envelope-id', time: '2026-11-03T00:00:00Z' });
    expect(again).toMatchObject({ status: 'processed', outcome: { writes: 0, effects: [] } });
    expect(await h.send({ ...story.authorized, id: 'auth-retry' })).toMatchObject({ status: 'processed', outcome: { writes: 0 } });
    expect((await h.item('r-dup'))?.['version']).toBe(before?.['version']);
  });

  it('makes a redelivered scan cost reads only, even a DELIVERED one', async () => {
    const h = harness(table);
    const story = honestReturn('r-dup-scan');
    for (const e of [story.authorized, story.inTransit, story.delivered]) await h.send(e);
    const before = await h.item('r-dup-scan');
    expect(await h.send({ ...story.inTransit, id: 'retry-1' })).toMatchObject({ status: 'processed', outcome: { writes: 0 } });
    expect(await h.send({ ...story.delivered, id: 'retry-2' })).toMatchObject({ status: 'processed', outcome: { writes: 0, effects: [] } });
    expect(await h.item('r-dup-scan')).toEqual(before);
  });

  it('rejects a conflicting duplicate (same receiptId, other detail) and leaves the state unchanged', async () => {
    const h = harness(table);
    const story = honestReturn('r-conflict');
    for (const e of [story.authorized, story.delivered, story.receipt]) await h.send(e);
    const before = await h.item('r-conflict');
    const forged = { ...story.receipt, detail: { ...story.receipt.detail, employeeId: 'emp-99' } };
    const result = await h.send(forged);
    expect(result).toMatchObject({ status: 'rejected', rejection: { errorType: 'ConflictingDuplicateError', field: 'detail.receiptId' } });
    expect(await h.item('r-conflict')).toEqual(before);
  });

  it('rejects a conflicting duplicate scan on the parcel item', async () => {
    const h = harness(table);
    const story = honestReturn('r-scan-conflict');
    await h.send(story.delivered);
    const moved = { ...story.delivered, detail: { ...story.delivered.detail, facilityId: 'ELSEWHERE' } };
    expect(await h.send(moved)).toMatchObject({ status: 'rejected', rejection: { errorType: 'ConflictingDuplicateError', field: 'detail.scanId' } });
  });

  it('20 concurrent deliveries of interleaved events for one return release exactly once', async () => {
    // Prepare: every event of the story four times, shuffled, all in flight at once.
    const h = harness(table);
    const story = honestReturn('r-race');
    const events = [story.authorized, story.inTransit, story.delivered, story.receipt, story.refund];
    const deliveries = Array.from({ length: 20 }, (_, i) => events[(i * 3) % events.length]!);
    // Act
    const results = await Promise.all(deliveries.map((e) => h.send(e)));
    // Assess
    const effects = results.flatMap((r) => (r.status === 'processed' ? r.outcome.effects : []));
    expect(effects.filter((e) => e.type === 'RefundReleased')).toHaveLength(1);
    expect(results.every((r) => r.status === 'processed')).toBe(true);
    const state = await stateOf(h, 'r-race');
    expect(state?.status).toBe('RELEASED');
    // Each fact claimed once in the ledger; the authorization's claim is on the return item.
    for (const [type, id] of [['CarrierScan', 's-r-race-1'], ['CarrierScan', 's-r-race-2'], ['WarehouseReceipt', 'rc-r-race'], ['RefundRequested', 'rf-r-race']] as const) {
      expect(await ledgerEntry(type, id), `${type} ${id}`).toMatchObject({ kind: 'id', fingerprint: expect.stringMatching(/^v1:/) });
    }
    expect((await h.item('r-race'))?.['authorizationPrint']).toMatch(/^v1:/);
  });

  it('raises RECEIPT_FOR_UNKNOWN_RETURN once the orphan timeout passes, via the sweeper', async () => {
    const h = harness(table, { orphanTimeout: 'PT2H' });
    const receipt = envelope('WarehouseReceipt', {
      receiptId: 'rc-orphan',
      returnId: 'r-never-authorized',
      warehouseId: 'WH-1',
      employeeId: 'emp-3',
      receivedAt: T('10:00'),
    });
    await h.send(receipt);
    expect((await h.pipeline.tick(T('11:59'))).effects).toEqual([]);
    const fired = await h.pipeline.tick(T('12:00'));
    expect(fired.effects).toEqual([
      expect.objectContaining({ type: 'ReviewRaised', reason: 'RECEIPT_FOR_UNKNOWN_RETURN', raisedAt: '2026-11-02T12:00:00.000Z' }),
    ]);
    // Once: the timer is gone from the index.
    expect((await h.pipeline.tick(T('23:00'))).effects).toEqual([]);
    expect((await h.item('r-never-authorized'))?.['dueAt']).toBeUndefined();
  });

  it('keeps a phantom receipt under review and writes the review to the outbox', async () => {
    const h = harness(table);
    const story = honestReturn('r-phantom');
    for (const e of [story.authorized, story.receipt, story.refund]) await h.send(e);
    const item = await h.item('r-phantom');
    expect(stateOfItem(item)?.status).toBe('AUTHORIZED');
    const outbox = outboxOfItem(item);
    // The last write (the refund request) decided nothing new: its outbox is empty.
    expect(outbox).toEqual([]);
    const review = Object.values(stateOfItem(item)!.reviews);
    expect(review.map((r) => [r.reason, r.status])).toEqual([['RECEIPT_WITHOUT_INBOUND_SCAN', 'OPEN']]);
  });

  it('fans a DELIVERED scan out to every return of the parcel, including one authorized later', async () => {
    const h = harness(table);
    const a = honestReturn('r-shared-a', { tracking: 'SHARED-1' });
    const b = honestReturn('r-shared-b', { tracking: 'SHARED-1' });
    await h.send(a.authorized);
    await h.send(a.delivered);
    await h.send(b.authorized);
    expect(scanIdsOf(await stateOf(h, 'r-shared-a'))).toEqual(['s-r-shared-a-2']);
    expect(scanIdsOf(await stateOf(h, 'r-shared-b'))).toEqual(['s-r-shared-a-2']);
  });
  it('rejects a conflicting ReturnAuthorized before it can link the return to another parcel', async () => {
    const h = harness(table);
    const story = honestReturn('r-auth-conflict', { tracking: 'REAL-TRK' });
    await h.send(story.authorized);
    const other = { ...story.authorized, detail: { ...story.authorized.detail, trackingNumber: 'OTHER-TRK' } };
    expect(await h.send(other)).toMatchObject({ status: 'rejected', rejection: { field: 'detail.returnId' } });
    // A DELIVERED scan of the other parcel reaches no return.
    const foreign = envelope('CarrierScan', { scanId: 's-foreign', carrier: 'UPS', trackingNumber: 'OTHER-TRK', status: 'DELIVERED', facilityId: 'WH-1', scannedAt: T('10:00') });
    expect(await h.send(foreign)).toMatchObject({ status: 'processed', outcome: { returnIds: [], effects: [], writes: 2 } });
    expect(scanIdsOf(await stateOf(h, 'r-auth-conflict'))).toEqual([]);
  });
});
