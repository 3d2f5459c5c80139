import type { AlertAnswer } from '../domain/alert-decision.js';
import { ownerOfReview } from '../domain/identity.js';
import type { Effect } from '../domain/types.js';
import type { IgnoredWhy } from './decision-outcome.js';

/** What these functions read (the store's ReviewReader implements it; the app names the port, the store fills it). */
export interface AlertReader {
  isOpenAlert(reviewId: string): Promise<boolean>;
  alertDecision(reviewId: string, decisionId: string): Promise<{ closed: AlertAnswer & { liftedAt?: string } } | { effect: Effect } | null>;
}

/**
 * v1.2: the review tools' side of answering an R7 alert (a review with no
 * return): telling an alert's reviewId from a return's, and reading back what
 * refund-gate did with the decision, the same way locally and in AWS.
 */
export type AlertDecisionOutcome =
  /** The alert is closed: RELEASE cleared the employee (flag lifted from liftedAt), DENY confirmed (flag stands). */
  | { readonly kind: 'ALERT_CLOSED'; readonly decision: 'RELEASE' | 'DENY'; readonly closedAt: string; readonly flagLiftedAt?: string | undefined }
  | { readonly kind: 'SELF_REVIEW_REFUSED'; readonly selfReviewId: string }
  | { readonly kind: 'IGNORED'; readonly why: IgnoredWhy }
  | { readonly kind: 'PENDING' };

/**
 * Whether a decision on `reviewId` is about an alert and takes no returnId:
 * the open-reviews index lists it without a return, or (a closed alert, so
 * that refund-gate itself says it is no longer open) its id names an employee.
 */
export async function isAlertReview(reader: AlertReader, reviewId: string): Promise<boolean> {
  if (await reader.isOpenAlert(reviewId)) return true;
  const owner = ownerOfReview(reviewId);
  return owner !== null && 'employeeId' in owner;
}

/** What refund-gate did with a decision on an alert, PENDING until it has processed it. */
export async function alertOutcome(reader: AlertReader, reviewId: string, decisionId: string): Promise<AlertDecisionOutcome> {
  const found = await reader.alertDecision(reviewId, decisionId);
  if (found === null) return { kind: 'PENDING' };
  if ('closed' in found) {
    const { decision, decidedAt, liftedAt } = found.closed;
    return { kind: 'ALERT_CLOSED', decision, closedAt: decidedAt, ...(liftedAt ? { flagLiftedAt: liftedAt } : {}) };
  }
  const { effect } = found;
  if (effect.type === 'ReviewRaised') return { kind: 'SELF_REVIEW_REFUSED', selfReviewId: effect.reviewId };
  if (effect.type === 'DecisionIgnored') return { kind: 'IGNORED', why: effect.why };
  return { kind: 'PENDING' };
}
