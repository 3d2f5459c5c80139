import type { Reason } from '../../shared/domain/reasons.js';
import { whyText } from '../../shared/domain/review-queue.js';

/**
 * Words for a loss-prevention manager: each reason as a short phrase (the
 * code is printed beside it). Times are cli/time-text.ts's.
 */
const PHRASES: Readonly<Record<Reason, string>> = {
  RECEIPT_AT_OTHER_WAREHOUSE: 'received at another warehouse',
  CONDITION_MISMATCH: 'clerk reported wrong item or empty box',
  PARCEL_EVIDENCE_REUSED: "the delivery is not this return's",
  INBOUND_SCAN_AT_OTHER_FACILITY: 'carrier delivered it somewhere else',
  RECEIPT_BEFORE_INBOUND_SCAN: 'received before the carrier delivered',
  RECEIPT_WITHOUT_INBOUND_SCAN: 'received, but never delivered',
  REFUND_EXCEEDS_AUTHORIZED: 'refund asked exceeds the authorized one',
  SECOND_REFUND_REQUEST: 'second refund for one return',
  SELF_REVIEW_ATTEMPT: 'the receiving clerk tried to decide it',
  HOLD_EXPIRED: 'held longer than the maximum hold',
  RECEIPT_FOR_UNKNOWN_RETURN: 'receipt for a return never authorized',
  EMPLOYEE_RECEIPT_ANOMALY: 'insider alert on an employee',
  RECEIPT_BY_FLAGGED_EMPLOYEE: 'received by an employee under alert',
  WEIGHT_MISMATCH: 'the weights disagree',
};

/** A reason in a few words; a reason this build does not know falls back to its sentence (or code). */
export function reasonWords(reason: string): string {
  return Object.hasOwn(PHRASES, reason) ? PHRASES[reason as Reason] : whyText(reason);
}

/** The sentence the review tools show for a reason. */
export const reasonSentence = whyText;
