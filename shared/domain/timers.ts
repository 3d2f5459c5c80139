import { reviewIdFor } from './decider.js';
import { assessReceipt } from './matching.js';
import { toEpochMs, toIso } from './time.js';
import type { DeciderSettings, ReturnState } from './types.js';

/**
 * The earliest instant at which the passage of time alone would make the
 * decider act (a Tick then produces events), or null if nothing is pending:
 * - before authorization, each receipt's orphan timeout (R6);
 * - after it, each unmatched receipt's grace deadline (R3);
 * - the refund's maxHold while it is neither released nor denied (R6).
 * The store indexes this so the sweeper finds due returns without a Scan.
 */
export function nextDueAt(state: ReturnState, settings: Pick<DeciderSettings, 'skewMs'>): string | null {
  const due: number[] = [];
  const auth = state.authorization;
  const scans = Object.values(state.scans);
  for (const { receipt, assessAt, orphanAt } of Object.values(state.receipts)) {
    if (auth === null) {
      if (!state.reviews[reviewIdFor.orphan(state.returnId, receipt.receiptId)]) due.push(toEpochMs(orphanAt));
    } else if (
      !state.reviews[reviewIdFor.receipt(state.returnId, receipt.receiptId)] &&
      !assessReceipt(auth, receipt, scans, settings.skewMs).matched
    ) {
      due.push(toEpochMs(assessAt));
    }
  }
  const refund = state.refund;
  if (refund && state.release === null && state.denial === null && !state.reviews[reviewIdFor.hold(state.returnId)]) {
    due.push(toEpochMs(refund.holdExpiresAt));
  }
  return due.length === 0 ? null : toIso(Math.min(...due));
}
