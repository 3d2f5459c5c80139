import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../../shared/contract/index.js';
import { createDecider, REASON, reviewById, reviewIdFor } from '../../../shared/domain/index.js';
import { DAY, HOUR, SECOND, T, authorize, carrierScan, decideReview, recordReceipt, returnAuthorized, reviewDecided, tick, warehouseReceipt } from '../../support/facts.js';
import { spec } from '../../support/given-when-then.js';
import { decider, plus, auth, scan, receipt, refund, noScanReceipt } from '../../support/rule-fixtures.js';

/* R6: timers (HOLD_EXPIRED, RECEIPT_FOR_UNKNOWN_RETURN) and their order before a command. */
// The default story (test/support/facts.ts): authorized 09:00, refund 10:00,
// DELIVERED at WH-1 11:00, received at WH-1 11:10 by emp-7.
const RECEIPT_REVIEW = reviewIdFor.receipt('r-1', 'rc-1');

describe('R6 timers', () => {
  const holdExpiresAt = plus(T('10:00'), 14 * DAY);

  it('raises HOLD_EXPIRED once, LOW, at requestedAt + maxHold, on a Tick', () => {
    // Prepare
    const given = spec(decider).given([auth, refund, noScanReceipt]);
    // Act / Assess
    given.when(tick(plus(holdExpiresAt, -SECOND))).thenNothing();
    given.when(tick(holdExpiresAt)).then([
      {
        type: 'ReviewRaised',
        reviewId: reviewIdFor.hold('r-1'),
        reason: REASON.HOLD_EXPIRED,
        severity: 'LOW',
        raisedAt: holdExpiresAt,
        refundId: 'rf-1',
      },
    ]);
    spec(decider).given([auth, refund, noScanReceipt, tick(holdExpiresAt)]).when(tick(plus(holdExpiresAt, DAY))).thenNothing();
  });

  it('raises HOLD_EXPIRED only once, even when a RELEASE on it must wait for the authorization', () => {
    // Prepare: no authorization; the hold expires and a reviewer releases it (which needs "authorized").
    const decision = decideReview(reviewDecided({ reviewId: reviewIdFor.hold('r-1'), decidedAt: plus(holdExpiresAt, HOUR) }));
    const given = spec(decider).given([refund, tick(holdExpiresAt), decision]);
    // Act
    const { state } = given.when(tick(plus(holdExpiresAt, DAY))).thenNothing();
    // Assess
    expect(reviewById(state, reviewIdFor.hold('r-1'))?.status).toBe('DECIDED');
  });

  it('follows the maxHold setting and also runs before authorization', () => {
    spec(createDecider(resolveSettings({ maxHold: 'P1D' })))
      .given([refund])
      .when(tick(plus(T('10:00'), DAY)))
      .then([{ type: 'ReviewRaised', reason: REASON.HOLD_EXPIRED, raisedAt: plus(T('10:00'), DAY) }]);
  });

  it('does not raise HOLD_EXPIRED after a release or a denial', () => {
    spec(decider).given([auth, scan, receipt, refund]).when(tick(plus(holdExpiresAt, HOUR))).thenNothing();
    spec(decider)
      .given([auth, refund, noScanReceipt, decideReview(reviewDecided({ decision: 'DENY' }))])
      .when(tick(plus(holdExpiresAt, HOUR)))
      .thenNothing();
  });

  it('raises RECEIPT_FOR_UNKNOWN_RETURN once, orphanTimeout after receivedAt, for a return never authorized', () => {
    // Prepare
    const orphanAt = plus(T('11:10'), DAY);
    const given = spec(decider).given([receipt]);
    // Act / Assess
    given.when(tick(plus(orphanAt, -SECOND))).thenNothing();
    given.when(tick(orphanAt)).then([
      {
        type: 'ReviewRaised',
        reviewId: reviewIdFor.orphan('r-1', 'rc-1'),
        reason: REASON.RECEIPT_FOR_UNKNOWN_RETURN,
        severity: 'MEDIUM',
        raisedAt: orphanAt,
        receiptId: 'rc-1',
        employeeId: 'emp-7',
        warehouseId: 'WH-1',
      },
    ]);
    spec(decider).given([receipt, tick(orphanAt)]).when(tick(plus(orphanAt, DAY))).thenNothing();
  });

  it('does not raise RECEIPT_FOR_UNKNOWN_RETURN when the return is authorized in time', () => {
    // Prepare: the authorization comes 23 h after the receipt.
    const given = spec(decider).given([receipt, authorize(returnAuthorized(), [carrierScan()], plus(T('11:10'), 23 * HOUR))]);
    // Act
    const { state } = given.when(tick(plus(T('11:10'), 2 * DAY))).thenNothing();
    // Assess
    expect(reviewById(state, reviewIdFor.orphan('r-1', 'rc-1'))).toBeUndefined();
  });
});

// Regression (fixed in fbd81b4): decide() used to record a command's fact
// before firing the timers already due at `now`, so a review due before the
// command (grace, maxHold) was not yet raised when the command was judged.
describe('timers due before a command fire first', () => {
  it('a decision made after a grace-delayed review was due answers that review', () => {
    // Prepare: grace 1 h; the receipt at 11:10 is unmatched, its review is due at 12:10; no Tick since.
    const graceful = createDecider(resolveSettings({ grace: 'PT1H' }));
    const given = spec(graceful).given([auth, refund, noScanReceipt]);
    // Act / Assess: a DENY at 13:00 names that review.
    given.when(decideReview(reviewDecided({ decision: 'DENY', decidedAt: T('13:00') }))).then([
      { type: 'ReviewRaised', reviewId: RECEIPT_REVIEW, raisedAt: '2026-11-02T12:10:00.000Z' },
      { type: 'RefundDenied', decisionId: 'd-1' },
    ]);
  });

  it('a refund still held at requestedAt + maxHold gets HOLD_EXPIRED even if the next command comes later', () => {
    // Prepare: requested 10:00 on day 0, scan known; nothing happens for 15 days.
    const given = spec(decider).given([auth, scan, refund]);
    const holdExpiresAt = plus(T('10:00'), 14 * DAY);
    // Act / Assess: the receipt (received on day 0, reported late) arrives on day 15.
    given.when(recordReceipt(warehouseReceipt(), null, plus(holdExpiresAt, DAY))).then([
      { type: 'ReviewRaised', reason: REASON.HOLD_EXPIRED, raisedAt: holdExpiresAt },
    ]);
  });
});
