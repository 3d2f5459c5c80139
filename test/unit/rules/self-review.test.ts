import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../../shared/contract/index.js';
import { createDecider, REASON, reviewIdFor } from '../../../shared/domain/index.js';
import { personKey, samePerson } from '../../../shared/domain/people.js';
import { T, authorize, decideReview, employeeFlag, recordReceipt, refundRequested, requestRefund, reviewDecided, warehouseReceipt } from '../../support/facts.js';
import { spec } from '../../support/given-when-then.js';

/*
 * R5 (contract v1.2): the self-review test compares reviewerId and
 * employeeId after trimming, NFKC and full case folding, before every other
 * test of a decision; R7 flags match the same way.
 */
const decider = createDecider(resolveSettings());
const RECEIPT_REVIEW = reviewIdFor.receipt('r-1', 'rc-1');
const given = spec(decider).given([authorize(), requestRefund(), recordReceipt(warehouseReceipt({ employeeId: 'emp-bribed' }))]);
const byReviewer = (reviewerId: string, o = {}) => decideReview(reviewDecided({ reviewId: RECEIPT_REVIEW, reviewerId, ...o }));

describe('self-review through case and spacing', () => {
  it.each(['EMP-BRIBED', ' emp-bribed ', 'Ｅｍｐ-Ｂｒｉｂｅｄ', '\u3000Emp-Bribed\t'])('given a receipt by emp-bribed, when %j RELEASEs, then nothing is released and SELF_REVIEW_ATTEMPT is raised', (reviewerId) => {
    const { state } = given.when(byReviewer(reviewerId)).then([
      { type: 'ReviewRaised', reason: REASON.SELF_REVIEW_ATTEMPT, severity: 'HIGH', reviewId: reviewIdFor.selfReview('r-1', 'd-1'), employeeId: reviewerId },
    ]);
    expect(state.status).toBe('AUTHORIZED');
  });

  it('inner spaces and other letters count: "emp bribed" and "emp-bribed2" are other people', () => {
    given.when(byReviewer('emp bribed')).then([{ type: 'RefundReleased', basis: 'REVIEWER_RELEASED' }]);
    expect(samePerson('emp-bribed2', 'emp-bribed')).toBe(false);
  });

  it('full case folding: ß and SS, ﬁ and FI are one spelling', () => {
    expect(samePerson('straße', 'STRASSE')).toBe(true);
    expect(samePerson('ﬁnn', 'FINN')).toBe(true);
    expect(personKey(' Ｅｍｐ-7 ')).toBe('emp-7');
  });

  it('comes before every other test: a self-review naming an unknown review is still a self-review', () => {
    given.when(byReviewer('EMP-BRIBED', { reviewId: 'no-such-review' })).then([{ type: 'ReviewRaised', reason: REASON.SELF_REVIEW_ATTEMPT }]);
  });

  it('R7 flags match the same way: a receipt by "EMP-7 " is held by a flag on emp-7', () => {
    spec(decider).given([authorize(), requestRefund(refundRequested({ requestedAt: T('10:00') }))]).when(recordReceipt(warehouseReceipt({ employeeId: 'EMP-7 ' }), employeeFlag())).then([
      { type: 'ReviewRaised', reason: REASON.RECEIPT_BY_FLAGGED_EMPLOYEE },
      { type: 'ReviewRaised', reason: REASON.RECEIPT_WITHOUT_INBOUND_SCAN },
    ]);
  });
});
