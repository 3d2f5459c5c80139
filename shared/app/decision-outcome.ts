/**
 * What a reviewer's decision did, read from the return before and after the
 * pipeline processed it: the domain records every decision it processes
 * with its outcome (R5), so the outcome is that record.
 */
import { reviewIdFor } from '../domain/identity.js';
import { whyIgnored, whyUnknownReview } from '../domain/rules/decision.js';
import { reviewById } from '../domain/state.js';
import { utc } from '../domain/time.js';
import type { IgnoredWhy, Money, ReturnState, ReviewDecision } from '../domain/types.js';

export type DecisionOutcome =
  | { readonly kind: 'RELEASED'; readonly amount: Money; readonly releasedAt: string }
  | { readonly kind: 'DENIED'; readonly amount: Money; readonly deniedAt: string }
  /** Final, but no refund was requested yet: released or denied when it is. */
  | { readonly kind: 'ACCEPTED_AWAITING_REFUND_REQUEST'; readonly decision: 'RELEASE' | 'DENY' }
  | { readonly kind: 'SELF_REVIEW_REFUSED'; readonly selfReviewId: string }
  | { readonly kind: 'IGNORED'; readonly why: IgnoredWhy }
  /** Nothing visible yet (AWS: the pipeline has not processed the event). */
  | { readonly kind: 'PENDING' };

export type { IgnoredWhy };

/**
 * What a decision did, read from the return before and after it was
 * processed. The domain records every decision it processes with its outcome
 * (FINAL, SELF_REVIEW or IGNORED), so "processed" is that record. `ignoredWhy`
 * is the `why` of the `DecisionIgnored` message when the caller saw one (it
 * wins); otherwise the why is worked out from the state before, as the domain
 * does.
 */
export function decisionOutcome(
  before: ReturnState | null,
  after: ReturnState | null,
  decision: Pick<ReviewDecision, 'decisionId' | 'reviewId' | 'reviewerId' | 'decision'>,
  ignoredWhy?: IgnoredWhy,
): DecisionOutcome {
  if (ignoredWhy) return { kind: 'IGNORED', why: ignoredWhy };
  const record = after?.decisions.find((d) => d.decision.decisionId === decision.decisionId);
  if (!after || !record) return { kind: 'PENDING' };
  switch (record.outcome) {
    case 'FINAL':
      if (after.status === 'RELEASED' && after.release.decisionId === decision.decisionId) {
        return { kind: 'RELEASED', amount: after.release.amount, releasedAt: utc(after.release.releasedAt) };
      }
      if (after.status === 'DENIED' && after.denial.decisionId === decision.decisionId) {
        return { kind: 'DENIED', amount: after.denial.amount, deniedAt: utc(after.denial.deniedAt) };
      }
      return { kind: 'ACCEPTED_AWAITING_REFUND_REQUEST', decision: decision.decision };
    case 'SELF_REVIEW':
      return { kind: 'SELF_REVIEW_REFUSED', selfReviewId: reviewIdFor.selfReview(after.returnId, decision.decisionId) };
    case 'IGNORED':
      return { kind: 'IGNORED', why: record.why ?? ignoredWhyFrom(before, decision.reviewId, after.returnId) };
  }
}

/**
 * Why a decision on `reviewId` changes nothing for this return, from its
 * state when the decision arrived (null: no item yet), the way the domain
 * tells it (R5): the review unknown or another's, then the return already
 * decided, then the review not open.
 */
export function ignoredWhyFrom(state: ReturnState | null, reviewId: string, returnId: string | undefined = state?.returnId): IgnoredWhy {
  if (!state || !reviewById(state, reviewId)) return whyUnknownReview(reviewId, returnId);
  // The review is the return's: the domain's own answer, where an open review means the decision came too late for it.
  return whyIgnored(state, { reviewId }) ?? 'REVIEW_NOT_OPEN';
}
