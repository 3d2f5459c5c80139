import { effectIdFor, ownerOfReview, reviewIdFor } from './identity.js';
import { samePerson } from './people.js';
import { REASON, severityOf } from './reasons.js';
import { maxIso, toEpochMs } from './time.js';
import type { DecisionFact, DecisionIgnored, IgnoredWhy, Money, ReviewCleared, ReviewRaised } from './types.js';

/**
 * R7 v1.2: a ReviewDecided without `returnId` answers an employee's
 * EMPLOYEE_RECEIPT_ANOMALY alert, as a pure function of the alert as stored
 * (the employee's flag item) and the decision.
 *
 * - A reviewer who is the alert's employee (one person, people.ts): nothing
 *   changes; a SELF_REVIEW_ATTEMPT review without returnId. This test comes
 *   first, as for a return's decision (R5).
 * - The first other decision on the open alert closes it: RELEASE clears the
 *   employee (the flag is lifted from its decidedAt), DENY confirms (the
 *   flag stands until flagFor ends). Either publishes the alert's
 *   ReviewCleared (DECIDED, no returnId).
 * - Anything else changes nothing and says why (DecisionIgnored): a return's
 *   review named without its returnId, an unknown review, an alert already
 *   answered or replaced by a later one.
 *
 * "Nothing changes" outcomes carry their effect to the decision's own ledger
 * entry (shared/app/alert-decisions.ts), so the alert is never written by them.
 */
export interface AlertRecord {
  readonly reviewId: string;
  readonly employeeId: string;
  readonly raisedAt: string;
  readonly flaggedUntil: string;
  readonly warehouseId?: string | undefined;
  /** The refund value at stake the alert listed (one currency), for metrics. */
  readonly refund?: Money | undefined;
  readonly answer?: AlertAnswer | undefined;
}

/** The decision that closed an alert. */
export interface AlertAnswer {
  readonly decisionId: string;
  readonly reviewerId: string;
  readonly decision: 'RELEASE' | 'DENY';
  readonly decidedAt: string;
}

export type AlertDecisionResult =
  /** This decision already closed the alert (a redelivery): nothing to do. */
  | { readonly kind: 'ALREADY_APPLIED' }
  /** The alert is closed: write the answer and its ReviewCleared to the alert's item. */
  | { readonly kind: 'DECIDED'; readonly answer: AlertAnswer; readonly effects: readonly [ReviewCleared] }
  /** Nothing changes: publish this one effect (self-review or ignored). */
  | { readonly kind: 'UNCHANGED'; readonly effects: readonly [ReviewRaised | DecisionIgnored] };

/**
 * Decide a decision that gave no returnId. `alert` is the current alert of
 * the employee the reviewId names (null when there is none or the reviewId
 * names no employee).
 */
export function decideOnAlert(alert: AlertRecord | null, decision: DecisionFact): AlertDecisionResult {
  if (alert?.answer?.decisionId === decision.decisionId) return { kind: 'ALREADY_APPLIED' };
  const owner = ownerOfReview(decision.reviewId);
  if (owner !== null && 'employeeId' in owner && samePerson(alert?.employeeId ?? owner.employeeId, decision.reviewerId)) {
    return { kind: 'UNCHANGED', effects: [selfReviewAttempt(alert, decision)] };
  }
  if (owner === null) return ignored(decision, 'UNKNOWN_REVIEW');
  // A return's review named without its returnId (contract §1 ReviewDecided).
  if ('returnId' in owner) return ignored(decision, 'REVIEW_OF_OTHER_RETURN');
  if (alert === null) return ignored(decision, 'UNKNOWN_REVIEW');
  if (alert.reviewId !== decision.reviewId) {
    // An earlier alert of this employee, replaced after its flag ended, is no longer open.
    return ignored(decision, isEarlier(owner.raisedAt, alert.raisedAt) ? 'REVIEW_NOT_OPEN' : 'UNKNOWN_REVIEW');
  }
  if (alert.answer !== undefined) return ignored(decision, 'REVIEW_NOT_OPEN');
  const answer: AlertAnswer = {
    decisionId: decision.decisionId,
    reviewerId: decision.reviewerId,
    decision: decision.decision,
    decidedAt: maxIso(decision.decidedAt),
  };
  const cleared: ReviewCleared = {
    type: 'ReviewCleared',
    effectId: effectIdFor.cleared(alert.reviewId),
    reviewId: alert.reviewId,
    reason: REASON.EMPLOYEE_RECEIPT_ANOMALY,
    clearedAt: answer.decidedAt,
    cause: 'DECIDED',
    employeeId: alert.employeeId,
    warehouseId: alert.warehouseId,
    decisionId: decision.decisionId,
    refund: alert.refund,
  };
  return { kind: 'DECIDED', answer, effects: [cleared] };
}

/** Does a RELEASE answer lift the flag for a receipt received at `receivedAt`? */
export function liftedFor(liftedAt: string | undefined, receivedAt: string): boolean {
  return liftedAt !== undefined && toEpochMs(receivedAt) >= toEpochMs(liftedAt);
}

function isEarlier(a: string, b: string): boolean {
  const [ma, mb] = [Date.parse(a), Date.parse(b)];
  return Number.isFinite(ma) && Number.isFinite(mb) && ma < mb;
}

function selfReviewAttempt(alert: AlertRecord | null, decision: DecisionFact): ReviewRaised {
  const reviewId = reviewIdFor.alertSelfReview(decision.reviewId, decision.decisionId);
  return {
    type: 'ReviewRaised',
    effectId: effectIdFor.raised(reviewId),
    reviewId,
    reason: REASON.SELF_REVIEW_ATTEMPT,
    severity: severityOf(REASON.SELF_REVIEW_ATTEMPT),
    raisedAt: maxIso(decision.decidedAt),
    decisionId: decision.decisionId,
    employeeId: decision.reviewerId,
    warehouseId: alert?.warehouseId,
    evidence: {
      decisionId: decision.decisionId,
      reviewId: decision.reviewId,
      decision: decision.decision,
      ...(alert ? { alertEmployeeId: alert.employeeId, alertRaisedAt: alert.raisedAt } : {}),
    },
  };
}

function ignored(decision: DecisionFact, why: IgnoredWhy): AlertDecisionResult {
  const effect: DecisionIgnored = {
    type: 'DecisionIgnored',
    effectId: effectIdFor.decisionIgnoredWithoutReturn(decision.decisionId),
    decisionId: decision.decisionId,
    reviewId: decision.reviewId,
    reviewerId: decision.reviewerId,
    why,
    decidedAt: maxIso(decision.decidedAt),
    severity: 'LOW',
  };
  return { kind: 'UNCHANGED', effects: [effect] };
}
