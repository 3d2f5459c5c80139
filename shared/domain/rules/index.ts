import { holdExpired } from './hold-expired.js';
import { lateAuthorization } from './late-authorization.js';
import { lateEvidence } from './late-evidence.js';
import { orphanTimeout } from './orphan-timeout.js';
import { sharedParcel } from './parcel-evidence.js';
import { receiptReview } from './receipt-review.js';
import { refundExceeds } from './refund-exceeds.js';
import { releaseOrDeny } from './release-or-deny.js';
import type { Rule } from './rule.js';

export type { Pending, Rule } from './rule.js';
export { NOW } from './rule.js';
export { exceedsAuthorized } from './refund-exceeds.js';
export { isSelfReview, onDecision, whyIgnored, whyUnknownReview } from './decision.js';
export { onRefundRequest } from './second-refund.js';
export { onReceiptByFlaggedEmployee } from './flagged-employee.js';

/**
 * The standing rules, in the order `settle` tries them. Order matters only
 * when several are due at once: reviews are raised and cleared before the
 * money moves (a review raised at the same instant holds the refund), and
 * HOLD_EXPIRED comes last (a refund released at maxHold is not "expired").
 */
export const STANDING_RULES: readonly Rule[] = [
  orphanTimeout,
  lateAuthorization,
  receiptReview,
  sharedParcel,
  refundExceeds,
  lateEvidence,
  releaseOrDeny,
  holdExpired,
];
