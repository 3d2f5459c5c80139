/*
 * R8 through `refund-gate replay` as a user runs it (a subprocess with its
 * own DynamoDB Local): a domain id of every detail-type reused with another
 * detail is a `rejected` line naming the id field, whatever return or parcel
 * it points at; it changes nothing and does not move the clock (§5), and ids
 * full of separators, spaces and emoji never stop the run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, T } from '../support/envelopes.js';
import { replayShared } from '../support/cli.js';


function replay(file: string): Promise<{ code: number | null; stderr: string; lines: Record<string, any>[] }> {
  return replayShared([file]);
}

// Two returns whose ids a joined key would confuse, with separators, spaces and emoji.
const A = { returnId: 'RMA#1/a', tracking: '1Z 9#1', receiptId: 'RCV:1 📦', refundId: 'RFD\\1', scanId: 'SCN#1', decisionId: 'DEC/1' };
const B = { returnId: 'RMA#1', tracking: '1Z 9', receiptId: 'RCV:2', refundId: 'RFD\\2' };
const auth = (returnId: string, trackingNumber: string) =>
  envelope('ReturnAuthorized', { returnId, orderId: `o-${returnId}`, customerId: 'c', warehouseId: 'WH-1', carrier: 'UPS', trackingNumber, refund: { amount: 5000, currency: 'USD' }, authorizedAt: T('08:00') });
const scanA = envelope('CarrierScan', { scanId: A.scanId, carrier: 'UPS', trackingNumber: A.tracking, status: 'DELIVERED', facilityId: 'WH-1', scannedAt: T('10:00') });
const receiptA = envelope('WarehouseReceipt', { receiptId: A.receiptId, returnId: A.returnId, warehouseId: 'WH-1', employeeId: 'emp-1', receivedAt: T('10:05') });
const refundA = envelope('RefundRequested', { refundId: A.refundId, returnId: A.returnId, amount: { amount: 5000, currency: 'USD' }, requestedAt: T('10:30') });
const refundB = envelope('RefundRequested', { refundId: B.refundId, returnId: B.returnId, amount: { amount: 5000, currency: 'USD' }, requestedAt: T('10:40') });
const decisionA = envelope('ReviewDecided', { decisionId: A.decisionId, reviewId: 'no-such-review', returnId: A.returnId, reviewerId: 'rev-1', decision: 'DENY', decidedAt: T('11:00') });
// Far in the future: had a rejected line moved the clock, B's 14-day hold would expire at the next sweep.
const LATER = '2026-12-31T00:00:00Z';

const INPUT = [
  /* 1 */ auth(A.returnId, A.tracking),
  /* 2 */ auth(B.returnId, B.tracking),
  /* 3 */ scanA,
  /* 4 */ receiptA,
  /* 5 */ refundA,
  /* 6 */ refundB,
  /* 7 */ decisionA,
  // Reused ids, each pointing at B or B's parcel, each later than anything applied.
  /* 8 */ auth(A.returnId, B.tracking),
  /* 9 */ { ...scanA, detail: { ...scanA.detail, trackingNumber: B.tracking, scannedAt: LATER } },
  /* 10 */ { ...receiptA, detail: { ...receiptA.detail, returnId: B.returnId, receivedAt: LATER } },
  /* 11 */ { ...refundA, detail: { ...refundA.detail, returnId: B.returnId, requestedAt: LATER } },
  /* 12 */ { ...decisionA, detail: { ...decisionA.detail, returnId: B.returnId, decision: 'RELEASE', decidedAt: LATER } },
  // Redeliveries (new envelope, same detail) are not conflicts and print nothing.
  /* 13 */ { ...receiptA, id: 'producer-retry' },
  /* 14 */ { ...scanA, id: 'producer-retry-2', time: LATER },
  // A valid event after the rejections: the clock is still the day's, so B's hold has not expired.
  /* 15 */ envelope('CarrierScan', { scanId: 'SCN#2', carrier: 'UPS', trackingNumber: B.tracking, status: 'IN_TRANSIT', scannedAt: T('12:00') }),
];

describe('refund-gate replay: reused ids are rejected lines', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-identity-'));
  let run: Awaited<ReturnType<typeof replay>>;

  beforeAll(async () => {
    const file = join(dir, 'reused.jsonl');
    writeFileSync(file, `${INPUT.map((e) => JSON.stringify(e)).join('\n')}\n`);
    run = await replay(file);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('releases A once, on its own evidence, and prints one rejected line per reused id, naming the id field', () => {
    expect(run.code).toBe(0);
    const released = run.lines.filter((l) => l['channel'] === 'eventbridge');
    expect(released).toEqual([
      expect.objectContaining({ detailType: 'RefundReleased', detail: expect.objectContaining({ returnId: A.returnId, refundId: A.refundId, scanId: A.scanId, receiptId: A.receiptId }) }),
    ]);
    const rejected = run.lines.filter((l) => l['channel'] === 'rejected');
    expect(rejected.map((l) => [l['line'], String(l['error']).split(':')[0]])).toEqual([
      [8, 'detail.returnId'],
      [9, 'detail.scanId'],
      [10, 'detail.receiptId'],
      [11, 'detail.refundId'],
      [12, 'detail.decisionId'],
    ]);
    for (const line of rejected) expect(line['error']).toMatch(/conflicting duplicate/);
    // The rejected line says which id, quoted as JSON so any character stays on one line.
    expect(rejected[2]!['error']).toContain(JSON.stringify(A.receiptId));
  });

  it('changes nothing for B and does not move the clock: no review, no release, no expired hold', () => {
    const forB = run.lines.filter((l) => l['channel'] !== 'rejected' && JSON.stringify(l).includes(JSON.stringify(B.returnId)));
    expect(forB).toEqual([]);
    expect(run.lines.filter((l) => l['channel'] === 'sns' && l['message']['reason'] === 'HOLD_EXPIRED')).toEqual([]);
    expect(run.lines.filter((l) => l['channel'] === 'sns' && l['message']['type'] === 'ReviewRequested')).toEqual([]);
  });
});

// JavaScript property names as ids: ordinary ids (contract §1), never keys of an object with a prototype.
// Holds once the decider's state keeps no id as a property name (the domain side of #12): until then a
// scanId `constructor` or receiptId `__proto__` in the state's maps cannot be marshalled and stops the run.
const JS = { returnId: '__proto__', scanId: 'constructor', receiptId: 'toString', refundId: 'hasOwnProperty', carrier: 'valueOf', tracking: '__proto__', employeeId: 'constructor', warehouseId: '__proto__' };
const JS_INPUT = [
  envelope('ReturnAuthorized', { returnId: JS.returnId, orderId: 'prototype', customerId: '__defineGetter__', warehouseId: JS.warehouseId, carrier: JS.carrier, trackingNumber: JS.tracking, refund: { amount: 700, currency: 'USD' }, authorizedAt: T('08:00') }),
  envelope('CarrierScan', { scanId: JS.scanId, carrier: JS.carrier, trackingNumber: JS.tracking, status: 'DELIVERED', facilityId: JS.warehouseId, scannedAt: T('10:00') }),
  envelope('WarehouseReceipt', { receiptId: JS.receiptId, returnId: JS.returnId, warehouseId: JS.warehouseId, employeeId: JS.employeeId, receivedAt: T('10:05') }),
  envelope('RefundRequested', { refundId: JS.refundId, returnId: JS.returnId, amount: { amount: 700, currency: 'USD' }, requestedAt: T('10:30') }),
  // A phantom receipt on a return named `constructor`, by `__proto__`: one review.
  envelope('ReturnAuthorized', { returnId: 'constructor', orderId: 'o', customerId: 'c', warehouseId: JS.warehouseId, carrier: 'UPS', trackingNumber: 'toString', refund: { amount: 900, currency: 'USD' }, authorizedAt: T('08:00') }),
  envelope('WarehouseReceipt', { receiptId: '__proto__', returnId: 'constructor', warehouseId: JS.warehouseId, employeeId: '__proto__', receivedAt: T('10:05') }),
];

describe('refund-gate replay: JavaScript property names are ordinary ids', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'rg-identity-js-'));
  let run: Awaited<ReturnType<typeof replay>>;

  beforeAll(async () => {
    const file = join(dir, 'js-names.jsonl');
    writeFileSync(file, `${JS_INPUT.map((e) => JSON.stringify(e)).join('\n')}\n`);
    run = await replay(file);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('releases the honest return and raises the phantom receipt review, with every id intact and nothing rejected', () => {
    expect(run.code).toBe(0);
    expect(run.lines.filter((l) => l['channel'] === 'rejected')).toEqual([]);
    expect(run.lines.filter((l) => l['channel'] === 'eventbridge')).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ returnId: JS.returnId, refundId: JS.refundId, scanId: JS.scanId, receiptId: JS.receiptId }) }),
    ]);
    expect(run.lines.filter((l) => l['channel'] === 'sns').map((l) => [l['message']['returnId'], l['message']['receiptId'], l['message']['reason']])).toEqual([
      ['constructor', '__proto__', 'RECEIPT_WITHOUT_INBOUND_SCAN'],
    ]);
  });
});
