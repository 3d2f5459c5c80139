import { liftedFor } from '../alert-decision.js';
import { raise } from '../effects.js';
import { reviewIdFor } from '../identity.js';
import { samePerson } from '../people.js';
import { REASON } from '../reasons.js';
import { maxIso, toEpochMs } from '../time.js';
import type { EmployeeFlag, ReturnEvent, ReturnState, WarehouseReceipt } from '../types.js';

/**
 * R7 (the return's side): a receipt by an employee flagged for an anomaly,
 * received within the flag (both edges inclusive: flaggedAt ≤ receivedAt ≤
 * raisedAt + flagFor) and processed after the alert, is held with
 * RECEIPT_BY_FLAGGED_EMPLOYEE, matched or not; only a reviewer releases it.
 * The flag itself comes from the insider detector (shared/domain/insider.ts);
 * a RELEASE answering the alert lifts it from its decidedAt (v1.2).
 */
export function onReceiptByFlaggedEmployee(state: ReturnState, receipt: WarehouseReceipt, flag: EmployeeFlag | null | undefined): ReturnEvent[] {
  if (!flag || !samePerson(flag.employeeId, receipt.employeeId)) return [];
  const receivedMs = toEpochMs(receipt.receivedAt);
  if (receivedMs < toEpochMs(flag.flaggedAt) || receivedMs > toEpochMs(flag.flaggedUntil)) return [];
  // v1.2: an alert answered RELEASE (the employee cleared) holds only receipts received before the decision.
  if (liftedFor(flag.liftedAt, receipt.receivedAt)) return [];
  return [
    raise(state, {
      reviewId: reviewIdFor.flagged(state.returnId, receipt.receiptId),
      reason: REASON.RECEIPT_BY_FLAGGED_EMPLOYEE,
      raisedAt: maxIso(receipt.receivedAt, flag.flaggedAt),
      receiptId: receipt.receiptId,
      employeeId: receipt.employeeId,
      warehouseId: receipt.warehouseId,
      evidence: {
        anomalyReviewId: flag.anomalyReviewId,
        flaggedAt: flag.flaggedAt,
        flaggedUntil: flag.flaggedUntil,
        receivedAt: receipt.receivedAt,
        stationId: receipt.stationId,
      },
    }),
  ];
}
