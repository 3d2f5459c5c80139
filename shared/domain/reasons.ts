/** Review reason codes (contract §3), the vocabulary of every alert refund-gate raises. */
export const REASON = {
  RECEIPT_AT_OTHER_WAREHOUSE: 'RECEIPT_AT_OTHER_WAREHOUSE',
  CONDITION_MISMATCH: 'CONDITION_MISMATCH',
  PARCEL_EVIDENCE_REUSED: 'PARCEL_EVIDENCE_REUSED',
  INBOUND_SCAN_AT_OTHER_FACILITY: 'INBOUND_SCAN_AT_OTHER_FACILITY',
  RECEIPT_BEFORE_INBOUND_SCAN: 'RECEIPT_BEFORE_INBOUND_SCAN',
  RECEIPT_WITHOUT_INBOUND_SCAN: 'RECEIPT_WITHOUT_INBOUND_SCAN',
  WEIGHT_MISMATCH: 'WEIGHT_MISMATCH',
  REFUND_EXCEEDS_AUTHORIZED: 'REFUND_EXCEEDS_AUTHORIZED',
  SECOND_REFUND_REQUEST: 'SECOND_REFUND_REQUEST',
  SELF_REVIEW_ATTEMPT: 'SELF_REVIEW_ATTEMPT',
  HOLD_EXPIRED: 'HOLD_EXPIRED',
  RECEIPT_FOR_UNKNOWN_RETURN: 'RECEIPT_FOR_UNKNOWN_RETURN',
  EMPLOYEE_RECEIPT_ANOMALY: 'EMPLOYEE_RECEIPT_ANOMALY',
  RECEIPT_BY_FLAGGED_EMPLOYEE: 'RECEIPT_BY_FLAGGED_EMPLOYEE',
} as const;
export type Reason = (typeof REASON)[keyof typeof REASON];
export const REASONS = Object.values(REASON) as Reason[];

/** R3's reasons in precedence order: the first that applies is the reason. */
export type ReceiptReason =
  | typeof REASON.RECEIPT_AT_OTHER_WAREHOUSE
  | typeof REASON.CONDITION_MISMATCH
  | typeof REASON.PARCEL_EVIDENCE_REUSED
  | typeof REASON.INBOUND_SCAN_AT_OTHER_FACILITY
  | typeof REASON.RECEIPT_BEFORE_INBOUND_SCAN
  | typeof REASON.RECEIPT_WITHOUT_INBOUND_SCAN
  | typeof REASON.WEIGHT_MISMATCH;

/** R3's receipt reasons, in precedence order (v1.2: PARCEL_EVIDENCE_REUSED after CONDITION_MISMATCH). */
export const RECEIPT_REVIEW_REASONS: readonly ReceiptReason[] = [
  REASON.RECEIPT_AT_OTHER_WAREHOUSE,
  REASON.CONDITION_MISMATCH,
  REASON.PARCEL_EVIDENCE_REUSED,
  REASON.INBOUND_SCAN_AT_OTHER_FACILITY,
  REASON.RECEIPT_BEFORE_INBOUND_SCAN,
  REASON.RECEIPT_WITHOUT_INBOUND_SCAN,
  REASON.WEIGHT_MISMATCH,
];

export function isReceiptReason(reason: Reason): reason is ReceiptReason {
  return (RECEIPT_REVIEW_REASONS as readonly Reason[]).includes(reason);
}

/**
 * R3 reasons that point at the receiving employee rather than the parcel (R7
 * counts these; v1.2 adds PARCEL_EVIDENCE_REUSED: a clerk receiving boxes
 * whose delivery belongs to someone else is the ring's accomplice). Not CONDITION_MISMATCH (an employee who reports
 * an empty box is doing the job right), not WEIGHT_MISMATCH (the scale, the
 * carrier or the catalogue may be wrong) and not RECEIPT_FOR_UNKNOWN_RETURN.
 */
export const INSIDER_REASONS: ReadonlySet<Reason> = new Set<Reason>([
  REASON.RECEIPT_AT_OTHER_WAREHOUSE,
  REASON.PARCEL_EVIDENCE_REUSED,
  REASON.INBOUND_SCAN_AT_OTHER_FACILITY,
  REASON.RECEIPT_BEFORE_INBOUND_SCAN,
  REASON.RECEIPT_WITHOUT_INBOUND_SCAN,
]);

export const SEVERITY = { HIGH: 'HIGH', MEDIUM: 'MEDIUM', LOW: 'LOW' } as const;
export type Severity = (typeof SEVERITY)[keyof typeof SEVERITY];

export function severityOf(reason: Reason): Severity {
  switch (reason) {
    case REASON.EMPLOYEE_RECEIPT_ANOMALY:
    case REASON.RECEIPT_BY_FLAGGED_EMPLOYEE:
    case REASON.SELF_REVIEW_ATTEMPT:
    case REASON.PARCEL_EVIDENCE_REUSED:
      return SEVERITY.HIGH;
    case REASON.HOLD_EXPIRED:
      return SEVERITY.LOW;
    default:
      return SEVERITY.MEDIUM;
  }
}
