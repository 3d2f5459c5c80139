import { effectIdFor, reviewIdFor } from './identity.js';
import { INSIDER_REASONS, REASON, severityOf, type Reason } from './reasons.js';
import { addMs, toEpochMs, toIso } from './time.js';
import type { Money, ReviewRaised } from './types.js';

/**
 * R7, the insider pattern, as pure functions. The stream consumer keeps, per
 * employee, the receipts currently under an R3 review for an insider reason
 * (1, 3, 4, 5); cleared reviews are removed. This module decides whether they
 * form an anomaly and builds the one alert.
 */
export interface SuspectReceipt {
  readonly receiptId: string;
  readonly returnId: string;
  readonly employeeId: string;
  readonly warehouseId?: string | undefined;
  readonly stationId?: string | undefined;
  readonly receivedAt: string;
  readonly reviewId: string;
  readonly reason: Reason;
  readonly refund?: Money | undefined;
}

export interface InsiderSettings {
  readonly threshold: number;
  readonly windowMs: number;
  readonly flagForMs: number;
}

export interface Anomaly {
  readonly employeeId: string;
  /** receivedAt of the receipt that crossed the threshold. */
  readonly raisedAt: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  /** Every suspect receipt in the window, earliest first. */
  readonly receipts: readonly SuspectReceipt[];
}

export function isInsiderReason(reason: Reason): boolean {
  return INSIDER_REASONS.has(reason);
}

const byTime = (a: SuspectReceipt, b: SuspectReceipt) =>
  toEpochMs(a.receivedAt) - toEpochMs(b.receivedAt) || (a.receiptId < b.receiptId ? -1 : a.receiptId > b.receiptId ? 1 : 0);

/**
 * The earliest window of length `windowMs` holding `threshold` suspect
 * receipts, or null. Anchoring windows at each receipt and taking the
 * threshold-th receipt as the crossing point makes the result independent of
 * the order in which the receipts were processed.
 */
export function detectAnomaly(receipts: readonly SuspectReceipt[], settings: InsiderSettings): Anomaly | null {
  const sorted = [...new Map(receipts.map((r) => [r.receiptId, r])).values()].sort(byTime);
  for (let i = 0; i + settings.threshold - 1 < sorted.length; i++) {
    const start = toEpochMs(sorted[i]!.receivedAt);
    const crossing = sorted[i + settings.threshold - 1]!;
    if (toEpochMs(crossing.receivedAt) - start > settings.windowMs) continue;
    const endMs = start + settings.windowMs;
    const inWindow = sorted.filter((r) => toEpochMs(r.receivedAt) >= start && toEpochMs(r.receivedAt) <= endMs);
    return {
      employeeId: crossing.employeeId,
      raisedAt: toIso(toEpochMs(crossing.receivedAt)),
      windowStart: toIso(start),
      windowEnd: addMs(sorted[i]!.receivedAt, settings.windowMs),
      receipts: inWindow,
    };
  }
  return null;
}

export const anomalyReviewId = (employeeId: string, raisedAt: string): string => reviewIdFor.employeeAnomaly(employeeId, raisedAt);

/** The one EMPLOYEE_RECEIPT_ANOMALY review (HIGH) for an anomaly. */
export function anomalyReview(anomaly: Anomaly, settings: InsiderSettings): ReviewRaised {
  const reviewId = anomalyReviewId(anomaly.employeeId, anomaly.raisedAt);
  const atStake = new Map<string, number>();
  for (const r of anomaly.receipts) {
    if (r.refund) atStake.set(r.refund.currency, (atStake.get(r.refund.currency) ?? 0) + r.refund.amount);
  }
  const warehouses = [...new Set(anomaly.receipts.map((r) => r.warehouseId).filter((w): w is string => !!w))].sort();
  const value = [...atStake.entries()].map(([currency, amount]) => ({ amount, currency }));
  return {
    type: 'ReviewRaised',
    effectId: effectIdFor.raised(reviewId),
    reviewId,
    reason: REASON.EMPLOYEE_RECEIPT_ANOMALY,
    severity: severityOf(REASON.EMPLOYEE_RECEIPT_ANOMALY),
    raisedAt: anomaly.raisedAt,
    employeeId: anomaly.employeeId,
    warehouseId: warehouses.length === 1 ? warehouses[0] : undefined,
    refund: value.length === 1 ? value[0] : undefined,
    evidence: {
      threshold: settings.threshold,
      windowStart: anomaly.windowStart,
      windowEnd: anomaly.windowEnd,
      flaggedUntil: addMs(anomaly.raisedAt, settings.flagForMs),
      receiptCount: anomaly.receipts.length,
      returnIds: anomaly.receipts.map((r) => r.returnId),
      receipts: anomaly.receipts.map((r) => ({
        receiptId: r.receiptId,
        returnId: r.returnId,
        warehouseId: r.warehouseId,
        stationId: r.stationId,
        receivedAt: r.receivedAt,
        reason: r.reason,
        reviewId: r.reviewId,
        refund: r.refund,
      })),
      warehouses,
      stations: [...new Set(anomaly.receipts.map((r) => r.stationId).filter((s): s is string => !!s))].sort(),
      refundAtStake: value,
    },
  };
}

/** v1.2: a SELF_REVIEW_ATTEMPT flags the reviewer (one person with the receipt's employee) from its raisedAt, the decision's decidedAt. */
export function isSelfReviewFlag(effect: ReviewRaised): boolean {
  return effect.reason === REASON.SELF_REVIEW_ATTEMPT && !!effect.employeeId;
}

/** The suspect receipt a ReviewRaised effect describes, if it is an R3 insider-reason review. */
export function suspectFromReview(effect: ReviewRaised): SuspectReceipt | null {
  if (!isInsiderReason(effect.reason) || !effect.employeeId || !effect.receiptId || !effect.returnId) return null;
  const receivedAt = effect.evidence['receivedAt'];
  if (typeof receivedAt !== 'string') return null;
  const stationId = effect.evidence['stationId'];
  return {
    receiptId: effect.receiptId,
    returnId: effect.returnId,
    employeeId: effect.employeeId,
    warehouseId: effect.warehouseId,
    stationId: typeof stationId === 'string' ? stationId : undefined,
    receivedAt,
    reviewId: effect.reviewId,
    reason: effect.reason,
    refund: effect.refund,
  };
}
