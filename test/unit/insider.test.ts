import { describe, expect, it } from 'vitest';
import { anomalyReview, detectAnomaly, suspectFromReview, type SuspectReceipt } from '../../shared/domain/insider.js';
import { reviewIdFor } from '../../shared/domain/identity.js';

const HOUR = 3_600_000;
const settings = { threshold: 3, windowMs: 24 * HOUR, flagForMs: 7 * 24 * HOUR };
const at = (h: number) => new Date(Date.UTC(2026, 10, 2, 0) + h * HOUR).toISOString();
const suspect = (id: string, h: number, extra: Partial<SuspectReceipt> = {}): SuspectReceipt => ({
  receiptId: `rc-${id}`,
  returnId: `r-${id}`,
  employeeId: 'emp-1',
  warehouseId: 'WH-1',
  stationId: 'dock-1',
  receivedAt: at(h),
  reviewId: `rv-${id}`,
  reason: 'RECEIPT_WITHOUT_INBOUND_SCAN',
  refund: { amount: 1000, currency: 'USD' },
  ...extra,
});

describe('R7 detectAnomaly', () => {
  it('needs threshold suspects inside one window', () => {
    expect(detectAnomaly([suspect('a', 0), suspect('b', 10)], settings)).toBeNull();
    expect(detectAnomaly([suspect('a', 0), suspect('b', 10), suspect('c', 25)], settings)).toBeNull();
    expect(detectAnomaly([suspect('a', 0), suspect('b', 10), suspect('c', 24)], settings)).toMatchObject({ raisedAt: at(24) });
  });

  it('takes the threshold-th receipt of the earliest window as raisedAt, whatever the input order', () => {
    const receipts = [suspect('d', 30), suspect('b', 5), suspect('a', 1), suspect('c', 6)];
    const forward = detectAnomaly(receipts, settings);
    const backward = detectAnomaly([...receipts].reverse(), settings);
    expect(forward?.raisedAt).toBe(at(6));
    expect(backward).toEqual(forward);
    expect(forward?.receipts.map((r) => r.receiptId)).toEqual(['rc-a', 'rc-b', 'rc-c']);
  });

  it('counts a receipt once even if it is listed twice (redelivery)', () => {
    expect(detectAnomaly([suspect('a', 0), suspect('a', 0), suspect('b', 1)], settings)).toBeNull();
  });

  it('builds one HIGH review listing returns, warehouses, stations and the money at stake', () => {
    const anomaly = detectAnomaly(
      [suspect('a', 0), suspect('b', 1, { warehouseId: 'WH-2', stationId: 'dock-4' }), suspect('c', 2, { refund: { amount: 500, currency: 'USD' } })],
      settings,
    )!;
    const review = anomalyReview(anomaly, settings);
    expect(review).toMatchObject({
      reason: 'EMPLOYEE_RECEIPT_ANOMALY',
      severity: 'HIGH',
      employeeId: 'emp-1',
      raisedAt: at(2),
      refund: { amount: 2500, currency: 'USD' },
      reviewId: reviewIdFor.employeeAnomaly('emp-1', at(2)),
    });
    expect(review.evidence).toMatchObject({
      returnIds: ['r-a', 'r-b', 'r-c'],
      warehouses: ['WH-1', 'WH-2'],
      stations: ['dock-1', 'dock-4'],
      refundAtStake: [{ amount: 2500, currency: 'USD' }],
      flaggedUntil: at(2 + 7 * 24),
    });
    expect(review.warehouseId).toBeUndefined();
  });
});

describe('R7 v1.1 edges and reasons', () => {
  it('counts receipts together when the last minus the first is exactly the window, not one millisecond more', () => {
    // Prepare
    const edge = [suspect('a', 0), suspect('b', 12), suspect('c', 24)];
    const past = [suspect('a', 0), suspect('b', 12), suspect('c', 24, { receivedAt: new Date(Date.parse(at(24)) + 1).toISOString() })];
    // Act / Assess
    expect(detectAnomaly(edge, settings)).toMatchObject({ raisedAt: at(24) });
    expect(detectAnomaly(past, settings)).toBeNull();
  });

  it.each([
    ['RECEIPT_FOR_UNKNOWN_RETURN', null],
    ['WEIGHT_MISMATCH', null],
    ['CONDITION_MISMATCH', null],
    ['RECEIPT_WITHOUT_INBOUND_SCAN', 'rc-x'],
    ['RECEIPT_AT_OTHER_WAREHOUSE', 'rc-x'],
    ['INBOUND_SCAN_AT_OTHER_FACILITY', 'rc-x'],
    ['RECEIPT_BEFORE_INBOUND_SCAN', 'rc-x'],
  ] as const)('a receipt review for %s counts toward R7: %s', (reason, counted) => {
    // Prepare: the review as the decider publishes it.
    const review = {
      type: 'ReviewRaised' as const,
      effectId: 'e',
      reviewId: 'rv',
      reason,
      severity: 'MEDIUM' as const,
      raisedAt: at(1),
      returnId: 'r-x',
      receiptId: 'rc-x',
      employeeId: 'emp-1',
      evidence: { receivedAt: at(1) },
    };
    // Act / Assess
    expect(suspectFromReview(review)?.receiptId ?? null).toBe(counted);
  });
});
