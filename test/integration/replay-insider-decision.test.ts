/*
 * R7 v1.2 through `refund-gate replay`, as a subprocess (the real CLI,
 * handlers, store, stream consumers and outbox on DynamoDB Local): an
 * insider alert is answered by a ReviewDecided without returnId.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reviewIdFor } from '../../shared/domain/identity.js';
import { replayShared } from '../support/cli.js';

type Line = Record<string, any>;
const dir = mkdtempSync(join(tmpdir(), 'rg-alert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SOURCES: Record<string, string> = {
  ReturnAuthorized: 'retail.returns',
  CarrierScan: 'retail.carrier',
  WarehouseReceipt: 'retail.warehouse',
  RefundRequested: 'retail.refunds',
  ReviewDecided: 'retail.review',
};
let seq = 0;
const line = (detailType: string, detail: Record<string, unknown>) =>
  JSON.stringify({ version: '0', id: `ev-${++seq}`, 'detail-type': detailType, source: SOURCES[detailType], account: '1', time: '2026-11-02T00:00:00Z', region: 'us-east-1', resources: [], detail });
const at = (hhmm: string) => `2026-11-02T${hhmm}:00Z`;

/** Authorized, never scanned, received by `employeeId` and requested: a phantom return. */
function phantom(returnId: string, employeeId: string, hhmm: string): string[] {
  return [
    line('ReturnAuthorized', { returnId, orderId: `o-${returnId}`, customerId: `c-${returnId}`, warehouseId: 'WH-1', carrier: 'UPS', trackingNumber: `T-${returnId}`, refund: { amount: 40_000, currency: 'USD' }, authorizedAt: at('08:00') }),
    line('WarehouseReceipt', { receiptId: `rc-${returnId}`, returnId, warehouseId: 'WH-1', employeeId, receivedAt: at(hhmm) }),
  ];
}

/** A delivered, received and requested return: released unless its employee is flagged. */
function honest(returnId: string, employeeId: string, hhmm: string): string[] {
  return [
    line('ReturnAuthorized', { returnId, orderId: `o-${returnId}`, customerId: `c-${returnId}`, warehouseId: 'WH-1', carrier: 'UPS', trackingNumber: `T-${returnId}`, refund: { amount: 2_500, currency: 'USD' }, authorizedAt: at('08:00') }),
    line('CarrierScan', { scanId: `s-${returnId}`, carrier: 'UPS', trackingNumber: `T-${returnId}`, status: 'DELIVERED', facilityId: 'WH-1', scannedAt: at('08:30') }),
    line('WarehouseReceipt', { receiptId: `rc-${returnId}`, returnId, warehouseId: 'WH-1', employeeId, receivedAt: at(hhmm) }),
    line('RefundRequested', { refundId: `rf-${returnId}`, returnId, amount: { amount: 2_500, currency: 'USD' }, requestedAt: at(hhmm) }),
  ];
}

function replay(lines: readonly string[]): Promise<{ code: number | null; lines: Line[] }> {
  const file = join(dir, `run-${++seq}.jsonl`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return replayShared([file]);
}

const outline = (l: Line): string =>
  l['channel'] === 'eventbridge'
    ? `${l['detailType']} ${l['detail']['returnId']}`
    : l['channel'] === 'sns'
      ? [l['message']['type'], l['message']['returnId'] ?? '-', l['message']['reason'] ?? l['message']['why'], l['message']['cause']].filter(Boolean).join(' ')
      : `rejected ${l['line']}: ${l['error']}`;

const ALERT = reviewIdFor.employeeAnomaly('emp-ring', '2026-11-02T09:02:00.000Z');
const decision = (decisionId: string, o: Record<string, unknown> = {}) =>
  line('ReviewDecided', { decisionId, reviewId: ALERT, reviewerId: 'lead-1', decision: 'RELEASE', decidedAt: at('12:00'), ...o });

describe('answering an insider alert through refund-gate replay', { timeout: 120_000 }, () => {
  it('RELEASE without returnId: the self-review is refused, the alert is cleared (no returnId), the flag lifts from decidedAt, a second answer is ignored', async () => {
    const alert = [...phantom('p-1', 'emp-ring', '09:00'), ...phantom('p-2', 'emp-ring', '09:01'), ...phantom('p-3', 'emp-ring', '09:02')];
    const { code, lines } = await replay([
      ...alert,
      decision('d-self', { reviewerId: 'EMP-RING ' }),
      ...honest('h-held', 'emp-ring', '10:00'),
      decision('d-clear'),
      decision('d-clear'),
      ...honest('h-before', 'emp-ring', '11:59'),
      ...honest('h-after', 'emp-ring', '12:30'),
      decision('d-late', { decision: 'DENY' }),
      decision('d-return', { returnId: 'p-1' }),
      decision('d-no-return', { reviewId: reviewIdFor.receipt('p-1', 'rc-p-1'), decidedAt: at('12:40') }),
    ]);
    expect(code).toBe(0);
    expect(lines.map(outline)).toEqual([
      'ReviewRequested p-1 RECEIPT_WITHOUT_INBOUND_SCAN',
      'ReviewRequested p-2 RECEIPT_WITHOUT_INBOUND_SCAN',
      'ReviewRequested p-3 RECEIPT_WITHOUT_INBOUND_SCAN',
      'ReviewRequested - EMPLOYEE_RECEIPT_ANOMALY',
      'ReviewRequested - SELF_REVIEW_ATTEMPT',
      'ReviewRequested h-held RECEIPT_BY_FLAGGED_EMPLOYEE',
      'ReviewCleared - EMPLOYEE_RECEIPT_ANOMALY DECIDED',
      'ReviewRequested h-before RECEIPT_BY_FLAGGED_EMPLOYEE',
      'RefundReleased h-after',
      'DecisionIgnored - REVIEW_NOT_OPEN',
      'DecisionIgnored p-1 REVIEW_OF_OTHER_RETURN',
      'DecisionIgnored - REVIEW_OF_OTHER_RETURN',
    ]);
    const cleared = lines[6]!;
    expect(cleared['message']).toMatchObject({ reviewId: ALERT, clearedAt: '2026-11-02T12:00:00.000Z', decisionId: 'd-clear' });
    expect(cleared['message']).not.toHaveProperty('returnId');
    expect(lines[4]!['message']).not.toHaveProperty('returnId');
  });

  it('DENY without returnId closes the alert and keeps the flag: a receipt after the decision is still held', async () => {
    const { code, lines } = await replay([
      ...phantom('q-1', 'emp-ring', '09:00'),
      ...phantom('q-2', 'emp-ring', '09:01'),
      ...phantom('q-3', 'emp-ring', '09:02'),
      decision('d-deny', { decision: 'DENY' }),
      ...honest('q-after', 'emp-ring', '12:30'),
    ]);
    expect(code).toBe(0);
    expect(lines.map(outline).slice(3)).toEqual([
      'ReviewRequested - EMPLOYEE_RECEIPT_ANOMALY',
      'ReviewCleared - EMPLOYEE_RECEIPT_ANOMALY DECIDED',
      'ReviewRequested q-after RECEIPT_BY_FLAGGED_EMPLOYEE',
    ]);
  });
});
