import { raise } from '../effects.js';
import { reviewIdFor } from '../identity.js';
import { assessReceipt, sharedSince } from '../matching.js';
import { REASON } from '../reasons.js';
import { finalDecision, isUndecided, openReviews, peersOf, reviewById, sortedReceipts } from '../state.js';
import { maxIso } from '../time.js';
import { receiptEvidence } from './receipt-evidence.js';
import { NOW, due, type Rule } from './rule.js';

/**
 * R3 (v1.2), a parcel that becomes shared later: a receipt of a return not
 * yet decided whose R3 review was already cleared (late evidence had matched
 * it) and that has no open review gets a second, PARCEL_EVIDENCE_REUSED
 * review at once. Receipts never reviewed are the R3 rule's (their first
 * assessment now finds the parcel shared); reviews still open keep their
 * reason and are no longer cleared by R4 (the assessment never matches a
 * shared parcel). A released or denied return is never reopened.
 */
export const sharedParcel: Rule = {
  contract: 'R3',
  name: 'parcel shared after its receipt was matched',
  pending(state, settings) {
    const auth = state.authorization;
    if (auth === null || !isUndecided(state) || finalDecision(state) || peersOf(state).length === 0) return [];
    const open = new Set(openReviews(state).map((r) => r.receiptId));
    return sortedReceipts(state).flatMap((receipt) => {
      const first = reviewById(state, reviewIdFor.receipt(state.returnId, receipt.receiptId));
      const reviewId = reviewIdFor.parcelReused(state.returnId, receipt.receiptId);
      if (!first || open.has(receipt.receiptId) || reviewById(state, reviewId)) return [];
      const assessment = assessReceipt(auth, receipt, state.scans, settings, peersOf(state));
      if (assessment.matched || !assessment.sharedWith) return [];
      const since = sharedSince(auth, assessment.sharedWith) ?? auth.authorizedAt;
      return [
        due(NOW, () => [
          raise(state, {
            reviewId,
            reason: REASON.PARCEL_EVIDENCE_REUSED,
            raisedAt: maxIso(receipt.receivedAt, since),
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
