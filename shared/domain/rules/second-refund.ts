import { raise } from '../effects.js';
import { reviewIdFor } from '../identity.js';
import { REASON } from '../reasons.js';
import { refundOf } from '../state.js';
import type { RefundRequest, ReturnEvent, ReturnState } from '../types.js';

/**
 * R2: a return has one refund, the first request processed. Any other
 * refundId raises SECOND_REFUND_REQUEST (once per refundId: a redelivery is
 * never recorded twice) and is never released.
 */
export function onRefundRequest(state: ReturnState, request: RefundRequest): ReturnEvent[] {
  const recorded: ReturnEvent = { type: 'RefundRequestRecorded', request };
  const first = refundOf(state);
  if (!first) return [recorded];
  return [
    recorded,
    raise(state, {
      reviewId: reviewIdFor.secondRefund(state.returnId, request.refundId),
      reason: REASON.SECOND_REFUND_REQUEST,
      raisedAt: request.requestedAt,
      refundId: request.refundId,
      warehouseId: state.authorization?.warehouseId,
      refund: request.amount,
      evidence: { firstRefundId: first.refundId, requested: request.amount },
    }),
  ];
}
