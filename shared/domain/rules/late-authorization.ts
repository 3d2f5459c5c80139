import { clear } from '../effects.js';
import { REASON } from '../reasons.js';
import { finalDecision, openReviews } from '../state.js';
import { maxIso } from '../time.js';
import { NOW, due, type Rule } from './rule.js';

/**
 * R4 (v1.1): when the authorization of a receipt under RECEIPT_FOR_UNKNOWN_RETURN
 * arrives and no decision was made, that review is cleared (LATE_AUTHORIZATION);
 * the receipt is then assessed like any other (R3, the next rule).
 */
export const lateAuthorization: Rule = {
  contract: 'R4',
  name: 'late authorization clears an orphan review',
  pending(state) {
    const auth = state.authorization;
    if (auth === null || finalDecision(state)) return [];
    return openReviews(state)
      .filter((review) => review.reason === REASON.RECEIPT_FOR_UNKNOWN_RETURN)
      .map((review) => due(NOW, () => [clear(state, review, maxIso(review.raisedAt, auth.authorizedAt), 'LATE_AUTHORIZATION')]));
  },
};
