import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTuple } from '../../shared/domain/ids.js';
import { employeeFlagKey, ledgerKey, parcelKey, returnIdOfKey, returnKey, suspectKey, suspectRange, timerShardOf } from '../../shared/store/keys.js';

const id = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
  fc.constantFrom('#', '\\', '\\#', 'a#b', 'RETURN#x', '__proto__', 'constructor', ' ', '😀'),
);

describe('keys', () => {
  it('a return key decodes back to its returnId; no other item key does', () => {
    fc.assert(
      fc.property(id, id, id, (a, b, c) => {
        expect(returnIdOfKey(returnKey(a).pk)).toBe(a);
        for (const other of [parcelKey(a, b).pk, ledgerKey('ReturnAuthorized', a).pk, employeeFlagKey(a).pk, suspectKey(a, '2026-11-02T10:00:00Z', c).pk]) {
          expect(returnIdOfKey(other)).toBeUndefined();
        }
      }),
      { seed: 1, numRuns: 500 },
    );
  });

  it('parcel keys are equal exactly when carrier and tracking number are equal trimmed and case-insensitively', () => {
    fc.assert(
      fc.property(id, id, id, id, (c1, t1, c2, t2) => {
        const same = c1.trim().toLowerCase() === c2.trim().toLowerCase() && t1.trim().toLowerCase() === t2.trim().toLowerCase();
        expect(parcelKey(c1, t1).pk === parcelKey(c2, t2).pk).toBe(same);
      }),
      { seed: 2, numRuns: 2000 },
    );
    expect(parcelKey(' UPS ', '1Z#9').pk).toBe(parcelKey('ups', '1z#9').pk);
    expect(parcelKey('UPS#1', 'Z').pk).not.toBe(parcelKey('UPS', '1#Z').pk);
  });

  it('ledger keys are distinct per (detail-type, id), and decode to their parts', () => {
    fc.assert(
      fc.property(fc.constantFrom('CarrierScan', 'WarehouseReceipt'), id, fc.constantFrom('CarrierScan', 'WarehouseReceipt'), id, (t1, a, t2, b) => {
        expect(ledgerKey(t1, a).pk === ledgerKey(t2, b).pk).toBe(t1 === t2 && a === b);
        expect(decodeTuple(ledgerKey(t1, a).pk)).toEqual(['ID', t1, a]);
      }),
      { seed: 3, numRuns: 1000 },
    );
  });

  it('suspect keys sort by receivedAt instant and fall inside the range of their instant, whatever the receiptId', () => {
    fc.assert(
      fc.property(id, fc.integer({ min: 0, max: 10_000 }), (receiptId, minutes) => {
        const at = new Date(Date.UTC(2026, 10, 2) + minutes * 60_000).toISOString();
        const { sk } = suspectKey('e', at, receiptId);
        const inside = suspectRange(at, at);
        expect(sk >= inside.from && sk <= inside.to).toBe(true);
        const later = suspectRange(new Date(Date.parse(at) + 1).toISOString(), '2027-01-01T00:00:00Z');
        expect(sk >= later.from).toBe(false);
        const earlier = suspectRange('2026-01-01T00:00:00Z', new Date(Date.parse(at) - 1).toISOString());
        expect(sk <= earlier.to).toBe(false);
      }),
      { seed: 4, numRuns: 1000 },
    );
  });

  it('timer shards are T#0…T#7 and stable per returnId', () => {
    expect(timerShardOf('r-1')).toBe(timerShardOf('r-1'));
    expect(timerShardOf('__proto__')).toMatch(/^T#[0-7]$/);
  });
});
