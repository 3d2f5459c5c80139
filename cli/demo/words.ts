import type { Reason } from '../../shared/domain/reasons.js';
import { whyText } from '../../shared/domain/review-queue.js';

/**
 * Words for a loss-prevention manager: each reason as a short phrase (the
 * code is printed beside it), and times as "2 Nov 02:23 UTC".
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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * "2 Nov 02:23 UTC"; the year is added when it is not `year` (a stale scan
 * from another year). Unparseable input is returned as it came.
 */
export function readableTime(iso: string, year?: number): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const d = new Date(ms);
  const hhmm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  const y = d.getUTCFullYear() === year ? '' : ` ${d.getUTCFullYear()}`;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}${y} ${hhmm} UTC`;
}
