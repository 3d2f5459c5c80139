import { clear, raise } from '../effects.js';
import { effectIdFor, ownerOfReview, reviewIdFor } from '../identity.js';
import { samePerson } from '../people.js';
import { REASON } from '../reasons.js';
import { finalDecision, openReviews, reviewById } from '../state.js';
import { maxIso } from '../time.js';
import type { DecisionOutcome, IgnoredWhy, ReturnEvent, ReturnState, ReviewDecision } from '../types.js';

/**
 * R5: a ReviewDecided names an open review of the return.
 * - By a reviewer who is the employee on any receipt of the return: invalid,
 *   nothing changes, SELF_REVIEW_ATTEMPT (HIGH) is raised.
 * - One that changes nothing (review unknown, of another return, not open,
 *   or the return already decided): DecisionIgnored (LOW), saying why.
 * - Otherwise it is the return's final decision: its review is decided and
 *   every other open review is closed (ReviewCleared, cause DECIDED); the
 *   release or denial follows from the state (release-or-deny rule).
 */
export function onDecision(state: ReturnState, decision: ReviewDecision): ReturnEvent[] {
  const recorded = (outcome: DecisionOutcome, why?: IgnoredWhy): ReturnEvent => ({ type: 'DecisionRecorded', decision, outcome, ...(why ? { why } : {}) });

  // v1.2: one person whatever the case and spacing (people.ts); this test comes before every other.
  if (isSelfReview(state, decision.reviewerId)) {
    return [
      recorded('SELF_REVIEW'),
      raise(state, {
        reviewId: reviewIdFor.selfReview(state.returnId, decision.decisionId),
        reason: REASON.SELF_REVIEW_ATTEMPT,
        raisedAt: decision.decidedAt,
        decisionId: decision.decisionId,
        employeeId: decision.reviewerId,
        warehouseId: state.authorization?.warehouseId,
        evidence: { decisionId: decision.decisionId, reviewId: decision.reviewId, decision: decision.decision },
      }),
    ];
  }

  const why = whyIgnored(state, decision);
  if (why !== null) {
    return [
      recorded('IGNORED', why),
      {
        type: 'DecisionIgnored',
        effectId: effectIdFor.decisionIgnored(state.returnId, decision.decisionId),
        decisionId: decision.decisionId,
        reviewId: decision.reviewId,
        returnId: state.returnId,
        reviewerId: decision.reviewerId,
        why,
        decidedAt: maxIso(decision.decidedAt),
        severity: 'LOW',
        warehouseId: state.authorization?.warehouseId,
      },
    ];
  }

  const events: ReturnEvent[] = [recorded('FINAL'), { type: 'ReviewResolved', reviewId: decision.reviewId, decisionId: decision.decisionId }];
  for (const review of openReviews(state)) {
    if (review.reviewId === decision.reviewId) continue;
    events.push(clear(state, review, decision.decidedAt, 'DECIDED', { decisionId: decision.decisionId }));
  }
  return events;
}

/** R5's self-review test: the reviewer is the employee on one of the return's receipts (v1.2: compared as people, people.ts). */
export function isSelfReview(state: ReturnState, reviewerId: string): boolean {
  return state.receipts.some((r) => samePerson(r.employeeId, reviewerId));
}

/** Why a (non-self) decision changes nothing, or null when it is the return's final decision. */
export function whyIgnored(state: ReturnState, decision: Pick<ReviewDecision, 'reviewId'>): IgnoredWhy | null {
  const review = reviewById(state, decision.reviewId);
  if (!review) return whyUnknownReview(decision.reviewId, state.returnId);
  if (finalDecision(state)) return 'RETURN_ALREADY_DECIDED';
  if (review.status !== 'OPEN') return 'REVIEW_NOT_OPEN';
  return null;
}

/** A decision on a review the return does not hold: the review id says whose it is (another return's, or an employee's R7 anomaly). */
export function whyUnknownReview(reviewId: string, returnId: string | undefined): IgnoredWhy {
  const owner = ownerOfReview(reviewId);
  const ours = owner !== null && 'returnId' in owner && owner.returnId === returnId;
  return owner !== null && !ours ? 'REVIEW_OF_OTHER_RETURN' : 'UNKNOWN_REVIEW';
}
