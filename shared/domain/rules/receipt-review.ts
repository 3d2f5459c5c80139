import { raise } from '../effects.js';
import { reviewIdFor } from '../identity.js';
import { assessReceipt, sharedSince } from '../matching.js';
import { peersOf, reviewById, sortedReceipts } from '../state.js';
import { addMs, maxIso, toEpochMs } from '../time.js';
import { receiptEvidence } from './receipt-evidence.js';
import { due, type Rule } from './rule.js';

/**
 * R3: a receipt of an authorized return that is not matched at
 * `receivedAt + grace` raises one review, with the first reason that applies
 * (WEIGHT_MISMATCH last). The reason is fixed when the review is raised. A
 * receipt that was matched and whose parcel became shared later (v1.2) is
 * raised as soon as that is known, never before the sharing.
 */
export const receiptReview: Rule = {
  contract: 'R3',
  name: 'unmatched receipt',
  pending(state, settings) {
    const auth = state.authorization;
    if (auth === null) return [];
    return sortedReceipts(state).flatMap((receipt) => {
      const reviewId = reviewIdFor.receipt(state.returnId, receipt.receiptId);
      if (reviewById(state, reviewId)) return [];
      const assessment = assessReceipt(auth, receipt, state.scans, settings, peersOf(state));
      if (assessment.matched) return [];
      const since = assessment.sharedWith ? sharedSince(auth, assessment.sharedWith) : null;
      const assessAt = maxIso(addMs(receipt.receivedAt, settings.graceMs), ...(since ? [since] : []));
      return [
        due(toEpochMs(assessAt), () => [
          raise(state, {
            reviewId,
            reason: assessment.reason,
            raisedAt: assessAt,
            receiptId: receipt.receiptId,
            employeeId: receipt.employeeId,
            warehouseId: receipt.warehouseId,
            evidence: receiptEvidence(state, auth, receipt, assessment, settings),
          }),
        ]),
      ];
    });
  },
};
