import { effectIdFor } from './identity.js';
import { severityOf } from './reasons.js';
import { receiptById, refundOf } from './state.js';
import { maxIso } from './time.js';
import type { ClearCause, Effect, Money, ReturnEvent, ReturnState, ReviewCleared, ReviewRaised, ReviewRecord } from './types.js';

/** Builders for the effects rules publish, so every rule names and times them alike. */

export type RaiseFields = Omit<ReviewRaised, 'type' | 'effectId' | 'severity' | 'returnId' | 'refund'> & { refund?: Money | undefined };

/** A review of this return; the refund at stake defaults to the requested, else the authorized amount. */
export function raise(state: ReturnState, fields: RaiseFields): ReviewRaised {
  return {
    type: 'ReviewRaised',
    effectId: effectIdFor.raised(fields.reviewId),
    severity: severityOf(fields.reason),
    returnId: state.returnId,
    ...fields,
    // Normalised to UTC so replay output is byte-stable whatever offset the input used.
    raisedAt: maxIso(fields.raisedAt),
    refund: fields.refund ?? refundOf(state)?.amount ?? state.authorization?.refund,
  };
}

export function clear(
  state: ReturnState,
  review: ReviewRecord,
  clearedAt: string,
  cause: ClearCause,
  extra: { scanId?: string; decisionId?: string } = {},
): ReviewCleared {
  const receipt = review.receiptId !== undefined ? receiptById(state, review.receiptId) : undefined;
  return {
    type: 'ReviewCleared',
    effectId: effectIdFor.cleared(review.reviewId),
    reviewId: review.reviewId,
    returnId: state.returnId,
    reason: review.reason,
    clearedAt: maxIso(clearedAt),
    cause,
    receiptId: review.receiptId,
    receivedAt: receipt?.receivedAt,
    employeeId: receipt?.employeeId,
    warehouseId: receipt?.warehouseId ?? state.authorization?.warehouseId,
    ...extra,
  };
}

/** The effects among a decision's events, in order: what the outbox must publish. */
export function effectsOf(events: readonly ReturnEvent[]): Effect[] {
  return events.filter(isEffect);
}

export function isEffect(event: ReturnEvent): event is Effect {
  switch (event.type) {
    case 'ReviewRaised':
    case 'ReviewCleared':
    case 'RefundReleased':
    case 'RefundDenied':
    case 'DecisionIgnored':
      return true;
    default:
      return false;
  }
}
