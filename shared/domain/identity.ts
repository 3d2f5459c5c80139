import { decodeTuple, encodeTuple } from './ids.js';

/**
 * The one place that names reviews and effects (contract §4: stable across
 * redeliveries; §1: distinct facts never share a reviewId or an effectId).
 *
 * Every id is an {@link encodeTuple} of a constant tag and the domain ids it
 * derives from, so it is injective whatever the ids contain (`#`, `\`, `/`,
 * spaces, emoji, `__proto__` …) and different kinds never collide.
 */
const REVIEW_TAG = {
  receipt: 'rv-receipt',
  orphan: 'rv-orphan',
  flagged: 'rv-flagged',
  exceeds: 'rv-refund-exceeds',
  secondRefund: 'rv-second-refund',
  hold: 'rv-hold-expired',
  selfReview: 'rv-self-review',
  parcelReused: 'rv-parcel-reused',
  employeeAnomaly: 'rv-employee-anomaly',
  alertSelfReview: 'rv-alert-self-review',
} as const;

/** Tags of reviews raised for one return: the returnId is the tuple's second part. */
const RETURN_REVIEW_TAGS: ReadonlySet<string> = new Set([
  REVIEW_TAG.receipt,
  REVIEW_TAG.orphan,
  REVIEW_TAG.flagged,
  REVIEW_TAG.exceeds,
  REVIEW_TAG.secondRefund,
  REVIEW_TAG.hold,
  REVIEW_TAG.selfReview,
  REVIEW_TAG.parcelReused,
]);

export const reviewIdFor = {
  /** R3: the one review of a receipt that is not matched. */
  receipt: (returnId: string, receiptId: string) => encodeTuple(REVIEW_TAG.receipt, returnId, receiptId),
  /** R6: a receipt whose return is still unknown after orphanTimeout. */
  orphan: (returnId: string, receiptId: string) => encodeTuple(REVIEW_TAG.orphan, returnId, receiptId),
  /** R7: a receipt by a flagged employee. */
  flagged: (returnId: string, receiptId: string) => encodeTuple(REVIEW_TAG.flagged, returnId, receiptId),
  exceeds: (returnId: string, refundId: string) => encodeTuple(REVIEW_TAG.exceeds, returnId, refundId),
  secondRefund: (returnId: string, refundId: string) => encodeTuple(REVIEW_TAG.secondRefund, returnId, refundId),
  hold: (returnId: string) => encodeTuple(REVIEW_TAG.hold, returnId),
  selfReview: (returnId: string, decisionId: string) => encodeTuple(REVIEW_TAG.selfReview, returnId, decisionId),
  /** R3 v1.2: a receipt matched (its first review cleared) whose parcel became shared later. */
  parcelReused: (returnId: string, receiptId: string) => encodeTuple(REVIEW_TAG.parcelReused, returnId, receiptId),
  /** R7: the one anomaly review of an employee, named by the receipt time that crossed the threshold. */
  employeeAnomaly: (employeeId: string, raisedAt: string) => encodeTuple(REVIEW_TAG.employeeAnomaly, employeeId, raisedAt),
  /** R7 v1.2: the employee named by an alert tried to answer it (no return). */
  alertSelfReview: (alertReviewId: string, decisionId: string) => encodeTuple(REVIEW_TAG.alertSelfReview, alertReviewId, decisionId),
} as const;

export const effectIdFor = {
  raised: (reviewId: string) => encodeTuple('fx-raised', reviewId),
  cleared: (reviewId: string) => encodeTuple('fx-cleared', reviewId),
  released: (returnId: string, refundId: string) => encodeTuple('fx-released', returnId, refundId),
  denied: (returnId: string, refundId: string) => encodeTuple('fx-denied', returnId, refundId),
  decisionIgnored: (returnId: string, decisionId: string) => encodeTuple('fx-decision-ignored', returnId, decisionId),
  /** v1.2: a decision that gave no returnId and changed nothing. */
  decisionIgnoredWithoutReturn: (decisionId: string) => encodeTuple('fx-decision-ignored-no-return', decisionId),
} as const;

/**
 * Whose review an id names, read back from the id itself: `{ returnId }` for a
 * return's review, `{ employeeId }` for an R7 anomaly, null for a string that
 * no review id encodes to. Used by R5 to tell "unknown" from "of another return".
 */
export function ownerOfReview(
  reviewId: string,
): { readonly returnId: string } | { readonly employeeId: string; readonly raisedAt: string } | null {
  let parts: string[];
  try {
    parts = decodeTuple(reviewId);
  } catch {
    return null;
  }
  const [tag, owner] = parts;
  if (owner === undefined) return null;
  if (tag === REVIEW_TAG.employeeAnomaly && parts.length === 3) return { employeeId: owner, raisedAt: parts[2]! };
  if (tag !== undefined && RETURN_REVIEW_TAGS.has(tag) && parts.length === (tag === REVIEW_TAG.hold ? 2 : 3)) return { returnId: owner };
  return null;
}
