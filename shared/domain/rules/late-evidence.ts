import { clear } from '../effects.js';
import { assessReceipt } from '../matching.js';
import { isReceiptReason } from '../reasons.js';
import { finalDecision, openReviews, peersOf, receiptById } from '../state.js';
import { maxIso } from '../time.js';
import { NOW, due, type Pending, type Rule } from './rule.js';

/** R4: a receipt under review that late evidence now matches, while no decision was made, has its review cleared. */
export const lateEvidence: Rule = {
  contract: 'R4',
  name: 'late evidence clears a receipt review',
  pending(state, settings) {
    const auth = state.authorization;
    if (auth === null || finalDecision(state)) return [];
    return openReviews(state).flatMap((review): Pending[] => {
      if (!isReceiptReason(review.reason) || review.receiptId === undefined) return [];
      const receipt = receiptById(state, review.receiptId);
      if (!receipt) return [];
      const assessment = assessReceipt(auth, receipt, state.scans, settings, peersOf(state));
      if (!assessment.matched) return [];
      const { scan } = assessment;
      return [due(NOW, () => [clear(state, review, maxIso(review.raisedAt, scan.scannedAt), 'LATE_EVIDENCE_MATCHED', { scanId: scan.scanId })])];
    });
  },
};
