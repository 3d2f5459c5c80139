import { raise } from '../effects.js';
import { reviewIdFor } from '../identity.js';
import { REASON } from '../reasons.js';
import { isUndecided, openReviews, refundOf, reviewById, sortedReceipts } from '../state.js';
import { addMs, toEpochMs } from '../time.js';
import { due, type Rule } from './rule.js';

/** R6: a refund neither released nor denied `maxHold` after `requestedAt` raises HOLD_EXPIRED (LOW) once. */
export const holdExpired: Rule = {
  contract: 'R6',
  name: 'hold expired',
  pending(state, settings) {
    const request = refundOf(state);
    if (!request || !isUndecided(state)) return [];
    const reviewId = reviewIdFor.hold(state.returnId);
    if (reviewById(state, reviewId)) return [];
    const expiresAt = addMs(request.requestedAt, settings.maxHoldMs);
    return [
      due(toEpochMs(expiresAt), () => [
        raise(state, {
          reviewId,
          reason: REASON.HOLD_EXPIRED,
          raisedAt: expiresAt,
          refundId: request.refundId,
          warehouseId: state.authorization?.warehouseId,
          refund: request.amount,
          evidence: {
            requestedAt: request.requestedAt,
            maxHoldMs: settings.maxHoldMs,
            authorized: state.authorization !== null,
            receipts: sortedReceipts(state).map((r) => r.receiptId),
            openReviews: openReviews(state).map((r) => ({ reviewId: r.reviewId, reason: r.reason })),
          },
        }),
      ]),
    ];
  },
};
