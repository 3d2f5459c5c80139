import { describe, expect, it } from 'vitest';
import { effectIdFor, REASON, reviewIdFor } from '../../../shared/domain/index.js';
import { DAY, T, authorize, decideReview, later, recordReceipt, refundRequested, requestRefund, returnAuthorized, reviewDecided, tick, warehouseReceipt } from '../../support/facts.js';
import { spec } from '../../support/given-when-then.js';
import { decider, plus, instantOf, releaseOf, auth, scan, receipt, refund, noScanReceipt } from '../../support/rule-fixtures.js';

/* R2: a return's refund is released at most once, the first refund only. */

describe('R2 once', () => {
  const secondRefund = requestRefund(refundRequested({ refundId: 'rf-2', amount: { amount: 1_000, currency: 'EUR' }, requestedAt: T('12:00') }));

  it('raises SECOND_REFUND_REQUEST for another refundId, once, and never releases it', () => {
    // Prepare
    const given = spec(decider).given([auth, scan, receipt, refund]);
    // Act / Assess
    const { effects, state } = given.when(secondRefund).then([
      {
        type: 'ReviewRaised',
        reviewId: reviewIdFor.secondRefund('r-1', 'rf-2'),
        effectId: effectIdFor.raised(reviewIdFor.secondRefund('r-1', 'rf-2')),
        reason: REASON.SECOND_REFUND_REQUEST,
        severity: 'MEDIUM',
        refundId: 'rf-2',
        refund: { amount: 1_000, currency: 'EUR' },
      },
    ]);
    expect(instantOf(effects[0], 'raisedAt')).toBe(Date.parse(T('12:00')));
    expect(releaseOf(state)?.refundId).toBe('rf-1');
    spec(decider).given([auth, scan, receipt, refund, secondRefund]).when(later(secondRefund, T('13:00'))).thenIgnored();
  });

  it('releases only the first refund even when a reviewer releases the return', () => {
    // Prepare: no scan, so the receipt is under review; then a second request.
    const given = spec(decider).given([auth, refund, noScanReceipt, secondRefund]);
    // Act
    const { state } = given.when(decideReview(reviewDecided({ decision: 'RELEASE' }))).then([
      { type: 'ReviewCleared', reviewId: reviewIdFor.secondRefund('r-1', 'rf-2'), cause: 'DECIDED', decisionId: 'd-1' },
      { type: 'RefundReleased', refundId: 'rf-1', basis: 'REVIEWER_RELEASED' },
    ]);
    // Assess
    expect(releaseOf(state)?.refundId).toBe('rf-1');
  });

  it('never releases twice: a second matched receipt or a later tick adds nothing', () => {
    // Prepare
    const given = spec(decider).given([auth, scan, receipt, refund]);
    // Act / Assess
    given.when(recordReceipt(warehouseReceipt({ receiptId: 'rc-2', receivedAt: T('11:12') }))).thenNothing();
    given.when(tick(plus(T('10:00'), 30 * DAY))).thenNothing();
  });

  it('never denies after a release: a DENY on a review raised later publishes nothing', () => {
    // Prepare: released, then a second request raises a review.
    const given = spec(decider).given([auth, scan, receipt, refund, secondRefund]);
    // Act
    const { state } = given
      .when(decideReview(reviewDecided({ reviewId: reviewIdFor.secondRefund('r-1', 'rf-2'), decision: 'DENY' })))
      .thenNothing();
    // Assess
    expect(state.status).not.toBe('DENIED');
    expect(state.status).toBe('RELEASED');
  });

  it.each([
    ['a higher amount', { amount: 5_000, currency: 'EUR' }],
    ['another currency', { amount: 4_999, currency: 'USD' }],
    ['a lower amount in another currency', { amount: 1, currency: 'USD' }],
  ])('raises REFUND_EXCEEDS_AUTHORIZED for %s and holds the refund', (_, amount) => {
    // Prepare
    const given = spec(decider).given([auth, scan, receipt]);
    // Act / Assess
    given.when(requestRefund(refundRequested({ amount }))).then([
      {
        type: 'ReviewRaised',
        reviewId: reviewIdFor.exceeds('r-1', 'rf-1'),
        reason: REASON.REFUND_EXCEEDS_AUTHORIZED,
        severity: 'MEDIUM',
        refundId: 'rf-1',
        refund: amount,
        raisedAt: '2026-11-02T10:00:00.000Z',
        evidence: { requested: amount, authorized: { amount: 4_999, currency: 'EUR' } },
      },
    ]);
  });

  it('releases a request below or equal to the authorized amount', () => {
    spec(decider)
      .given([auth, scan, receipt])
      .when(requestRefund(refundRequested({ amount: { amount: 4_998, currency: 'EUR' } })))
      .then([{ type: 'RefundReleased', amount: { amount: 4_998, currency: 'EUR' } }]);
  });

  it('raises REFUND_EXCEEDS_AUTHORIZED when the authorization arrives after the request, at the later time', () => {
    spec(decider)
      .given([requestRefund(refundRequested({ amount: { amount: 9_999, currency: 'EUR' } }))])
      .when(authorize(returnAuthorized({ authorizedAt: T('10:30') })))
      .then([{ type: 'ReviewRaised', reason: REASON.REFUND_EXCEEDS_AUTHORIZED, raisedAt: '2026-11-02T10:30:00.000Z' }]);
  });
});
