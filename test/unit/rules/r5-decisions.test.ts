import { describe, expect, it } from 'vitest';
import { effectIdFor, finalDecision, openReviews, REASON, reviewById, reviewIdFor } from '../../../shared/domain/index.js';
import {
  DAY,
  HOUR,
  T,
  authorize,
  carrierScan,
  decideReview,
  recordReceipt,
  recordScan,
  refundRequested,
  requestRefund,
  returnAuthorized,
  reviewDecided,
  tick,
  warehouseReceipt,
} from '../../support/facts.js';
import { run, spec } from '../../support/given-when-then.js';
import { decider, plus, instantOf, auth, refund, noScanReceipt } from '../../support/rule-fixtures.js';

/* R5: reviewers' decisions release or deny, close the other reviews, or say why they changed nothing. */
// The default story (test/support/facts.ts): authorized 09:00, refund 10:00,
// DELIVERED at WH-1 11:00, received at WH-1 11:10 by emp-7.
const RECEIPT_REVIEW = reviewIdFor.receipt('r-1', 'rc-1');

describe('R5 decisions', () => {
  const deny = (o: Parameters<typeof reviewDecided>[0] = {}) => decideReview(reviewDecided({ decision: 'DENY', ...o }));
  const release = (o: Parameters<typeof reviewDecided>[0] = {}) => decideReview(reviewDecided({ decision: 'RELEASE', ...o }));

  it('RELEASE releases with basis REVIEWER_RELEASED and closes the other open reviews', () => {
    // Prepare: a receipt review and an over-refund review are open.
    const given = spec(decider).given([auth, requestRefund(refundRequested({ amount: { amount: 6_000, currency: 'EUR' } })), noScanReceipt]);
    // Act
    const { state } = given.when(release()).then([
      {
        type: 'ReviewCleared',
        reviewId: reviewIdFor.exceeds('r-1', 'rf-1'),
        effectId: effectIdFor.cleared(reviewIdFor.exceeds('r-1', 'rf-1')),
        cause: 'DECIDED',
        decisionId: 'd-1',
      },
      {
        type: 'RefundReleased',
        basis: 'REVIEWER_RELEASED',
        decisionId: 'd-1',
        refundId: 'rf-1',
        // v1.2 (R1, R5): a RELEASE never pays more than the authorized refund.
        amount: { amount: 4_999, currency: 'EUR' },
        requested: { amount: 6_000, currency: 'EUR' },
        releasedAt: '2026-11-02T15:00:00.000Z',
      },
    ]);
    // Assess
    expect(openReviews(state)).toEqual([]);
    expect(reviewById(state, RECEIPT_REVIEW)?.status).toBe('DECIDED');
  });

  it('DENY publishes RefundDenied and nothing is ever released afterwards', () => {
    // Prepare
    const given = spec(decider).given([auth, refund, noScanReceipt]);
    const denied = [auth, refund, noScanReceipt, deny()];
    // Act / Assess
    given.when(deny()).then([
      {
        type: 'RefundDenied',
        effectId: effectIdFor.denied('r-1', 'rf-1'),
        refundId: 'rf-1',
        decisionId: 'd-1',
        reviewerId: 'rev-1',
        deniedAt: '2026-11-02T15:00:00.000Z',
      },
    ]);
    spec(decider).given(denied).when(recordScan(carrierScan(), T('16:00'))).thenNothing();
    spec(decider)
      .given(denied)
      .when(recordReceipt(warehouseReceipt({ receiptId: 'rc-2', receivedAt: T('16:00') }), null))
      .then([{ type: 'ReviewRaised', reviewId: reviewIdFor.receipt('r-1', 'rc-2') }]);
    spec(decider).given(denied).when(tick(plus(T('10:00'), 30 * DAY))).thenNothing();
  });

  it('DENY before the refund is requested denies the refund when it arrives', () => {
    spec(decider)
      .given([auth, noScanReceipt, deny({ decidedAt: T('12:00') })])
      .when(requestRefund(refundRequested({ requestedAt: T('13:00') })))
      .then([{ type: 'RefundDenied', refundId: 'rf-1', decisionId: 'd-1', deniedAt: '2026-11-02T13:00:00.000Z' }]);
  });

  it('RELEASE before the refund is requested releases it when it arrives', () => {
    spec(decider)
      .given([auth, noScanReceipt, release({ decidedAt: T('12:00') })])
      .when(requestRefund(refundRequested({ requestedAt: T('13:00') })))
      .then([{ type: 'RefundReleased', basis: 'REVIEWER_RELEASED', releasedAt: '2026-11-02T13:00:00.000Z' }]);
  });

  it('RELEASE does not replace "authorized": it waits for the authorization', () => {
    // Prepare: a receipt for an unknown return, orphaned after 24 h, released by a reviewer.
    const orphanAt = plus(T('11:10'), DAY);
    const orphanRelease = release({ reviewId: reviewIdFor.orphan('r-1', 'rc-1'), decidedAt: plus(orphanAt, HOUR) });
    const given = spec(decider).given([noScanReceipt, refund, tick(orphanAt), orphanRelease]);
    // Act / Assess
    spec(decider).given([noScanReceipt, refund, tick(orphanAt)]).when(orphanRelease).thenNothing();
    given.when(authorize(returnAuthorized(), [], plus(orphanAt, 2 * HOUR))).then([
      { type: 'ReviewRaised', reviewId: RECEIPT_REVIEW },
      { type: 'RefundReleased', basis: 'REVIEWER_RELEASED' },
    ]);
  });

  it('a reviewer who received a parcel of the return cannot decide: SELF_REVIEW_ATTEMPT, HIGH, nothing else changes', () => {
    // Prepare: emp-9 received a second parcel (at another warehouse) of the same return.
    const history = [auth, refund, noScanReceipt, recordReceipt(warehouseReceipt({ receiptId: 'rc-2', warehouseId: 'WH-2', employeeId: 'emp-9' }))];
    const before = run(decider, history).state;
    // Act
    const { effects, state } = spec(decider)
      .given(history)
      .when(release({ reviewerId: 'emp-9' }))
      .then([
        {
          type: 'ReviewRaised',
          reviewId: reviewIdFor.selfReview('r-1', 'd-1'),
          effectId: effectIdFor.raised(reviewIdFor.selfReview('r-1', 'd-1')),
          reason: REASON.SELF_REVIEW_ATTEMPT,
          severity: 'HIGH',
          employeeId: 'emp-9',
          decisionId: 'd-1',
        },
      ]);
    // Assess
    expect(instantOf(effects[0], 'raisedAt')).toBe(Date.parse(T('15:00')));
    expect(finalDecision(state)).toBeUndefined();
    expect(state.status).not.toBe('RELEASED');
    expect(reviewById(state, RECEIPT_REVIEW)).toEqual(reviewById(before, RECEIPT_REVIEW));
  });

  it('a self-review does not use up the decision: a valid one afterwards is final', () => {
    spec(decider)
      .given([auth, refund, noScanReceipt, release({ decisionId: 'd-self', reviewerId: 'emp-7' })])
      .when(deny({ decisionId: 'd-2', decidedAt: T('16:00') }))
      .then([
        { type: 'ReviewCleared', reviewId: reviewIdFor.selfReview('r-1', 'd-self'), cause: 'DECIDED', decisionId: 'd-2' },
        { type: 'RefundDenied', decisionId: 'd-2' },
      ]);
  });

  it('a second valid decision is ignored (RETURN_ALREADY_DECIDED); the first DENY closed the other review (DECIDED)', () => {
    // Prepare: two receipt reviews; the first is denied before any refund.
    const otherReview = reviewIdFor.receipt('r-1', 'rc-2');
    const given = spec(decider).given([auth, noScanReceipt, recordReceipt(warehouseReceipt({ receiptId: 'rc-2', receivedAt: T('11:20') }))]);
    // Act / Assess: the DENY closes rc-2's review...
    given.when(deny({ decidedAt: T('12:00') })).then([
      { type: 'ReviewCleared', reviewId: otherReview, cause: 'DECIDED', decisionId: 'd-1', clearedAt: '2026-11-02T12:00:00.000Z' },
    ]);
    // ... a later RELEASE changes nothing and says so ...
    const decided = spec(decider).given([auth, noScanReceipt, recordReceipt(warehouseReceipt({ receiptId: 'rc-2', receivedAt: T('11:20') })), deny({ decidedAt: T('12:00') })]);
    decided.when(release({ decisionId: 'd-2', reviewId: otherReview, decidedAt: T('12:30') })).then([
      {
        type: 'DecisionIgnored',
        effectId: effectIdFor.decisionIgnored('r-1', 'd-2'),
        decisionId: 'd-2',
        reviewId: otherReview,
        returnId: 'r-1',
        reviewerId: 'rev-1',
        why: 'RETURN_ALREADY_DECIDED',
        severity: 'LOW',
      },
    ]);
    // ... and the refund is denied by the first decision.
    const { state } = spec(decider)
      .given([auth, noScanReceipt, recordReceipt(warehouseReceipt({ receiptId: 'rc-2', receivedAt: T('11:20') })), deny({ decidedAt: T('12:00') }), release({ decisionId: 'd-2', reviewId: otherReview, decidedAt: T('12:30') })])
      .when(refund)
      .then([{ type: 'RefundDenied', decisionId: 'd-1' }]);
    expect(reviewById(state, otherReview)?.status).toBe('CLOSED');
  });

  it('a decision on a review that is not open (cleared by late evidence) is ignored: REVIEW_NOT_OPEN', () => {
    // Prepare: the review was cleared, then someone denies it anyway.
    const given = spec(decider).given([auth, noScanReceipt, recordScan(carrierScan(), T('12:00'))]);
    // Act / Assess
    given.when(deny({ decidedAt: T('12:30') })).then([{ type: 'DecisionIgnored', why: 'REVIEW_NOT_OPEN', decisionId: 'd-1', reviewId: RECEIPT_REVIEW }]);
    const { state } = spec(decider)
      .given([auth, noScanReceipt, recordScan(carrierScan(), T('12:00')), deny({ decidedAt: T('12:30') })])
      .when(requestRefund(refundRequested({ requestedAt: T('13:00') })))
      .then([{ type: 'RefundReleased', basis: 'EVIDENCE_MATCHED' }]);
    expect(finalDecision(state)).toBeUndefined();
  });

  it('a decision on a review that does not exist is ignored: UNKNOWN_REVIEW', () => {
    spec(decider)
      .given([auth, refund, noScanReceipt])
      .when(deny({ reviewId: reviewIdFor.receipt('r-1', 'rc-404') }))
      .then([{ type: 'DecisionIgnored', why: 'UNKNOWN_REVIEW', decidedAt: '2026-11-02T15:00:00.000Z' }]);
  });
});

describe('R5 v1.1: decisions close the others, or say why they changed nothing', () => {
  const noScanReceipt = recordReceipt();
  const auth = authorize();
  const second = requestRefund(refundRequested({ refundId: 'rf-2', requestedAt: T('10:30') }));

  it.each(['RELEASE', 'DENY'] as const)('%s publishes ReviewCleared (DECIDED) for each other open review', (decision) => {
    spec(decider)
      .given([auth, refund, second, noScanReceipt])
      .when(decideReview(reviewDecided({ decision })))
      .then([
        { type: 'ReviewCleared', reviewId: reviewIdFor.secondRefund('r-1', 'rf-2'), cause: 'DECIDED', decisionId: 'd-1', clearedAt: '2026-11-02T15:00:00.000Z' },
        { type: decision === 'RELEASE' ? 'RefundReleased' : 'RefundDenied', refundId: 'rf-1' },
      ]);
  });

  it.each([
    ['UNKNOWN_REVIEW', reviewIdFor.receipt('r-1', 'rc-404')],
    ['UNKNOWN_REVIEW', 'not a review id at all'],
    ['REVIEW_OF_OTHER_RETURN', reviewIdFor.receipt('r-2', 'rc-1')],
    ['REVIEW_OF_OTHER_RETURN', reviewIdFor.employeeAnomaly('emp-7', '2026-11-02T11:10:00.000Z')],
  ] as const)('%s for %s: one DecisionIgnored, LOW, with a stable effectId; nothing else', (why, reviewId) => {
    const decision = decideReview(reviewDecided({ reviewId, decision: 'DENY' }));
    const { state } = spec(decider)
      .given([auth, refund, noScanReceipt])
      .when(decision)
      .then([
        {
          type: 'DecisionIgnored',
          effectId: effectIdFor.decisionIgnored('r-1', 'd-1'),
          decisionId: 'd-1',
          reviewId,
          returnId: 'r-1',
          reviewerId: 'rev-1',
          why,
          decidedAt: '2026-11-02T15:00:00.000Z',
          severity: 'LOW',
          warehouseId: 'WH-1',
        },
      ]);
    expect(state.status).toBe('AUTHORIZED');
    // A redelivery is not a second DecisionIgnored.
    spec(decider).given([auth, refund, noScanReceipt, decision]).when(decision).thenIgnored();
  });

  it('REVIEW_NOT_OPEN and RETURN_ALREADY_DECIDED', () => {
    const cleared = [auth, refund, noScanReceipt, recordScan(carrierScan(), T('12:00'))];
    spec(decider).given(cleared).when(decideReview(reviewDecided({ decision: 'DENY' }))).then([{ type: 'DecisionIgnored', why: 'REVIEW_NOT_OPEN' }]);
    const decided = [auth, refund, second, noScanReceipt, decideReview(reviewDecided({ decision: 'DENY' }))];
    spec(decider)
      .given(decided)
      .when(decideReview(reviewDecided({ decisionId: 'd-2', reviewId: reviewIdFor.secondRefund('r-1', 'rf-2'), decision: 'RELEASE' })))
      .then([{ type: 'DecisionIgnored', why: 'RETURN_ALREADY_DECIDED', decisionId: 'd-2' }]);
  });

  it('a self-review is answered by its SELF_REVIEW_ATTEMPT review, not by DecisionIgnored', () => {
    spec(decider)
      .given([auth, refund, noScanReceipt])
      .when(decideReview(reviewDecided({ reviewerId: 'emp-7', reviewId: 'anything' })))
      .then([{ type: 'ReviewRaised', reason: REASON.SELF_REVIEW_ATTEMPT }]);
  });
});
