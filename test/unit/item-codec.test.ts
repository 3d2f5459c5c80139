import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { itemSizeBytes } from '../../bench/meter.js';
import { ItemCodecError, outboxOfItem, packBody, readableItem, stateOfItem, unpackBody } from '../../shared/store/item-codec.js';
import type { Effect, ReturnState } from '../../shared/domain/types.js';

/** A released return with realistic (UUID) ids: the largest item of the honest path. */
function releasedState(id: string): { state: ReturnState; outbox: Effect[] } {
  const release = {
    type: 'RefundReleased',
    effectId: `fx-released#${id}#${id}-rf`,
    returnId: id,
    refundId: `${id}-rf`,
    receiptId: `${id}-rc`,
    scanId: `${id}-s5`,
    amount: { amount: 9919, currency: 'USD' },
    basis: 'EVIDENCE_MATCHED',
    releasedAt: '2026-11-02T21:31:00.000Z',
  };
  const state = {
    returnId: id,
    status: 'RELEASED',
    authorization: { returnId: id, orderId: `${id}-order`, customerId: `${id}-customer`, warehouseId: 'WH-2', carrier: 'UPS', trackingNumber: '1Z999AA10123456784', authorizedAt: '2026-11-02T06:01:00Z', refund: { amount: 9919, currency: 'USD' } },
    scans: [{ scanId: `${id}-s5`, carrier: 'UPS', trackingNumber: '1Z999AA10123456784', status: 'DELIVERED', facilityId: 'WH-2', scannedAt: '2026-11-02T21:01:00Z' }],
    receipts: [{ receiptId: `${id}-rc`, returnId: id, warehouseId: 'WH-2', employeeId: 'emp-000123', stationId: 'dock-1', condition: 'AS_EXPECTED', receivedAt: '2026-11-02T21:11:00Z' }],
    refunds: [{ refundId: `${id}-rf`, returnId: id, amount: { amount: 9919, currency: 'USD' }, requestedAt: '2026-11-02T21:31:00Z' }],
    reviews: [],
    decisions: [],
    release,
  } as unknown as ReturnState;
  return { state, outbox: [release as unknown as Effect] };
}

describe('return item codec', () => {
  const id = '6f1c2b7e-93a4-4f7e-8b0a-2d5c9e1f4a37';
  const { state, outbox } = releasedState(id);

  it('round-trips state and outbox through the SDK (bytes) and through a Lambda stream event (base64)', () => {
    const body = packBody(state, outbox);
    expect(unpackBody(body)).toEqual({ state, outbox });
    expect(unpackBody(Buffer.from(body).toString('base64'))).toEqual({ state, outbox });
    const item = unmarshall(marshall({ pk: 'p', kind: 'return', body }));
    expect(stateOfItem(item)).toEqual(state);
    expect(outboxOfItem(item)).toEqual(outbox);
  });

  it('keeps the released return under 1 KB (1 WRU) with UUID ids, where plain attributes are over it', () => {
    const common = { pk: `RETURN#${id}`, sk: 'RETURN', kind: 'return', version: 4, status: 'RELEASED', expiresAtEpochSec: 1_790_000_000, authorizationPrint: `v1:${'a'.repeat(64)}`, fx: true };
    const plain = itemSizeBytes({ ...common, state, outbox });
    const packed = itemSizeBytes({ ...common, body: packBody(state, outbox) });
    expect(plain).toBeGreaterThan(1024);
    expect(packed).toBeLessThanOrEqual(1024);
  });

  it('reads items written before the codec (plain state and outbox) and items without a state', () => {
    expect(stateOfItem({ kind: 'return', state, outbox })).toEqual(state);
    expect(outboxOfItem({ kind: 'employee', outbox })).toEqual(outbox);
    expect(stateOfItem({ kind: 'parcel' })).toBeNull();
    expect(stateOfItem(undefined)).toBeNull();
    expect(outboxOfItem({ kind: 'id' })).toEqual([]);
  });

  it('shows the archive and people plain JSON in place of the body', () => {
    const readable = readableItem({ pk: 'p', body: packBody(state, outbox) });
    expect(readable).toEqual({ pk: 'p', state, outbox });
    expect(readableItem({ pk: 'p', state })).toEqual({ pk: 'p', state });
  });

  it('refuses bytes it did not write, with a typed error', () => {
    expect(() => unpackBody(new Uint8Array([1, 2, 3]))).toThrow(ItemCodecError);
    expect(() => unpackBody(42)).toThrow(ItemCodecError);
    expect(() => unpackBody(packBody(state, outbox).subarray(0, 20))).toThrow(ItemCodecError);
  });
});
