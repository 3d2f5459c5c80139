import { raise } from '../effects.js';
import { reviewIdFor } from '../identity.js';
import { REASON } from '../reasons.js';
import { refundOf, reviewById } from '../state.js';
import { maxIso } from '../time.js';
import type { Money } from '../types.js';
import { NOW, due, type Rule } from './rule.js';

export function exceedsAuthorized(requested: Money, authorized: Money): boolean {
  return requested.currency !== authorized.currency || requested.amount > authorized.amount;
}

/** R3 (refund): a requested amount above the authorized one, or in another currency, raises REFUND_EXCEEDS_AUTHORIZED. */
export const refundExceeds: Rule = {
  contract: 'R3',
  name: 'refund exceeds the authorized amount',
  pending(state) {
    const auth = state.authorization;
    const refund = refundOf(state);
    if (auth === null || !refund || !exceedsAuthorized(refund.amount, auth.refund)) return [];
    const reviewId = reviewIdFor.exceeds(state.returnId, refund.refundId);
    if (reviewById(state, reviewId)) return [];
    return [
      due(NOW, () => [
        raise(state, {
          reviewId,
          reason: REASON.REFUND_EXCEEDS_AUTHORIZED,
          raisedAt: maxIso(auth.authorizedAt, refund.requestedAt),
          refundId: refund.refundId,
          warehouseId: auth.warehouseId,
          refund: refund.amount,
          evidence: { requested: refund.amount, authorized: auth.refund },
        }),
      ]),
    ];
  },
};
