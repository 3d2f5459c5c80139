import { describe, expect, it } from 'vitest';
import { REASON, REASONS, severityOf, type Reason } from '../../shared/domain/index.js';
import { authorize, decideReview, recordReceipt, refundRequested, requestRefund, returnAuthorized, reviewDecided, warehouseReceipt } from '../support/facts.js';
import { spec } from '../support/given-when-then.js';
import { decider, auth, scan, refund, noScanReceipt } from '../support/rule-fixtures.js';

/* Across the rules: every effect's severity, and its times in UTC. */

describe('severities', () => {
  const HIGH: Reason[] = [REASON.EMPLOYEE_RECEIPT_ANOMALY, REASON.RECEIPT_BY_FLAGGED_EMPLOYEE, REASON.SELF_REVIEW_ATTEMPT, REASON.PARCEL_EVIDENCE_REUSED];
  it.each(REASONS.map((reason) => [reason, HIGH.includes(reason) ? 'HIGH' : reason === REASON.HOLD_EXPIRED ? 'LOW' : 'MEDIUM'] as const))(
    '%s is %s',
    (reason, severity) => {
      expect(severityOf(reason)).toBe(severity);
    },
  );
});

// Regression (fixed in fbd81b4): SECOND_REFUND_REQUEST and SELF_REVIEW_ATTEMPT
// used to copy raisedAt verbatim from requestedAt / decidedAt, offset and all.
describe('effect times are UTC ISO strings, whatever offset the input used', () => {
  it('SECOND_REFUND_REQUEST raisedAt', () => {
    spec(decider)
      .given([auth, refund])
      .when(requestRefund(refundRequested({ refundId: 'rf-2', requestedAt: '2026-11-02T14:00:00+02:00' })))
      .then([{ type: 'ReviewRaised', reason: REASON.SECOND_REFUND_REQUEST, raisedAt: '2026-11-02T12:00:00.000Z' }]);
  });

  it('SELF_REVIEW_ATTEMPT raisedAt', () => {
    spec(decider)
      .given([auth, refund, noScanReceipt])
      .when(decideReview(reviewDecided({ reviewerId: 'emp-7', decidedAt: '2026-11-02T17:00:00+02:00' })))
      .then([{ type: 'ReviewRaised', reason: REASON.SELF_REVIEW_ATTEMPT, raisedAt: '2026-11-02T15:00:00.000Z' }]);
  });

  it('other effect times are normalised even from offset input', () => {
    spec(decider)
      .given([authorize(returnAuthorized({ authorizedAt: '2026-11-02T11:00:00+02:00' })), scan, refund])
      .when(recordReceipt(warehouseReceipt({ receivedAt: '2026-11-02T12:10:00+01:00' })))
      .then([{ type: 'RefundReleased', releasedAt: '2026-11-02T11:10:00.000Z' }]);
  });
});
