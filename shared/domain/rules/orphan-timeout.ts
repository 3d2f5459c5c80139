import { raise } from '../effects.js';
import { reviewIdFor } from '../identity.js';
import { REASON } from '../reasons.js';
import { reviewById, sortedReceipts } from '../state.js';
import { addMs, toEpochMs } from '../time.js';
import { due, type Rule } from './rule.js';

/** R6: a receipt whose return is still unknown `orphanTimeout` after `receivedAt` raises RECEIPT_FOR_UNKNOWN_RETURN once. */
export const orphanTimeout: Rule = {
  contract: 'R6',
  name: 'receipt for an unknown return',
  pending(state, settings) {
    if (state.authorization !== null) return [];
    return sortedReceipts(state)
      .filter((receipt) => !reviewById(state, reviewIdFor.orphan(state.returnId, receipt.receiptId)))
      .map((receipt) => {
        const orphanAt = addMs(receipt.receivedAt, settings.orphanTimeoutMs);
        return due(toEpochMs(orphanAt), () => [
          raise(state, {
            reviewId: reviewIdFor.orphan(state.returnId, receipt.receiptId),
            reason: REASON.RECEIPT_FOR_UNKNOWN_RETURN,
            raisedAt: orphanAt,
            receiptId: receipt.receiptId,
            employeeId: receipt.employeeId,
            warehouseId: receipt.warehouseId,
            evidence: { receivedAt: receipt.receivedAt, orphanTimeoutMs: settings.orphanTimeoutMs, stationId: receipt.stationId },
          }),
        ]);
      });
  },
};
