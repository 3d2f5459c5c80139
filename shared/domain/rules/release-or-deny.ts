import { effectIdFor } from '../identity.js';
import { assessReceipt } from '../matching.js';
import { finalDecision, isUndecided, openReviews, peersOf, refundOf, sortedReceipts } from '../state.js';
import { maxIso } from '../time.js';
import type { RefundReleased, ReturnEvent } from '../types.js';
import { exceedsAuthorized } from './refund-exceeds.js';
import { NOW, due, type Rule } from './rule.js';

/**
 * R1, R2, R5: the one refund (the first request) is released when the return
 * is authorized and has a matched receipt, the amount is within the
 * authorization and no review is open; or when a reviewer RELEASEs it
 * (authorization still required), never for more than the authorized refund
 * (v1.2). A DENY denies it, authorized or not.
 */
export const releaseOrDeny: Rule = {
  contract: 'R1',
  name: 'release or deny the refund',
  pending(state, settings) {
    const request = refundOf(state);
    if (!request || !isUndecided(state)) return [];
    const decision = finalDecision(state);
    const once = (event: ReturnEvent) => [due(NOW, () => [event])];

    if (decision?.decision === 'DENY') {
      return once({
        type: 'RefundDenied',
        effectId: effectIdFor.denied(state.returnId, request.refundId),
        returnId: state.returnId,
        refundId: request.refundId,
        amount: request.amount,
        decisionId: decision.decisionId,
        reviewerId: decision.reviewerId,
        deniedAt: maxIso(request.requestedAt, decision.decidedAt),
      });
    }
    const auth = state.authorization;
    if (auth === null) return [];
    // v1.2: never more than the authorized refund. On evidence the request is within it (checked
    // below); a reviewer's RELEASE of an over-asked or other-currency request pays the authorization.
    const payable = exceedsAuthorized(request.amount, auth.refund) ? auth.refund : request.amount;
    const released = (fields: Pick<RefundReleased, 'basis' | 'releasedAt' | 'receiptId' | 'scanId' | 'decisionId'>): RefundReleased => ({
      type: 'RefundReleased',
      effectId: effectIdFor.released(state.returnId, request.refundId),
      returnId: state.returnId,
      refundId: request.refundId,
      amount: payable,
      ...fields,
      ...(payable === request.amount ? {} : { requested: request.amount }),
    });
    if (decision?.decision === 'RELEASE') {
      return once(
        released({
          basis: 'REVIEWER_RELEASED',
          releasedAt: maxIso(auth.authorizedAt, request.requestedAt, decision.decidedAt),
          decisionId: decision.decisionId,
        }),
      );
    }
    if (exceedsAuthorized(request.amount, auth.refund) || openReviews(state).length > 0) return [];
    for (const receipt of sortedReceipts(state)) {
      const assessment = assessReceipt(auth, receipt, state.scans, settings, peersOf(state));
      if (!assessment.matched) continue;
      return once(
        released({
          basis: 'EVIDENCE_MATCHED',
          releasedAt: maxIso(auth.authorizedAt, request.requestedAt, receipt.receivedAt, assessment.scan.scannedAt),
          receiptId: receipt.receiptId,
          scanId: assessment.scan.scanId,
        }),
      );
    }
    return [];
  },
};
