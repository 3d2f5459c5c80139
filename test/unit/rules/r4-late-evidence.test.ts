import { describe, expect, it } from 'vitest';
import { effectIdFor, openReviews, REASON, reviewById, reviewIdFor } from '../../../shared/domain/index.js';
import { DAY, HOUR, T, authorize, carrierScan, decideReview, recordReceipt, recordScan, returnAuthorized, reviewDecided, tick, warehouseReceipt, MINUTE } from '../../support/facts.js';
import { spec } from '../../support/given-when-then.js';
import { decider, plus, auth, receipt, refund, noScanReceipt } from '../../support/rule-fixtures.js';

/* R4: late evidence (a matching scan, a late authorization) clears the review it answers. */
// The default story (test/support/facts.ts): authorized 09:00, refund 10:00,
// DELIVERED at WH-1 11:00, received at WH-1 11:10 by emp-7.
const RECEIPT_REVIEW = reviewIdFor.receipt('r-1', 'rc-1');

describe('R4 late evidence clears', () => {
  it('clears the review when a matching scan arrives late, then releases', () => {
    // Prepare: the receipt was judged with no scan.
    const given = spec(decider).given([auth, refund, noScanReceipt]);
    // Act / Assess
    const { state } = given.when(recordScan(carrierScan(), T('12:00'))).then([
      {
        type: 'ReviewCleared',
        reviewId: RECEIPT_REVIEW,
        effectId: effectIdFor.cleared(RECEIPT_REVIEW),
        cause: 'LATE_EVIDENCE_MATCHED',
        reason: REASON.RECEIPT_WITHOUT_INBOUND_SCAN,
        scanId: 's-delivered',
        receiptId: 'rc-1',
        clearedAt: '2026-11-02T11:10:00.000Z',
      },
      { type: 'RefundReleased', basis: 'EVIDENCE_MATCHED', scanId: 's-delivered', releasedAt: '2026-11-02T11:10:00.000Z' },
    ]);
    expect(openReviews(state)).toEqual([]);
  });

  it('clears a RECEIPT_BEFORE_INBOUND_SCAN review when an earlier inbound scan turns up', () => {
    spec(decider)
      .given([auth, refund, recordScan(carrierScan({ scanId: 's-late', scannedAt: T('14:00') })), receipt])
      .when(recordScan(carrierScan({ scanId: 's-early', scannedAt: T('11:05') }), T('14:00')))
      .then([
        { type: 'ReviewCleared', cause: 'LATE_EVIDENCE_MATCHED', reason: REASON.RECEIPT_BEFORE_INBOUND_SCAN, scanId: 's-early' },
        { type: 'RefundReleased', scanId: 's-early' },
      ]);
  });

  it('does not clear on a scan that still does not match', () => {
    spec(decider)
      .given([auth, refund, noScanReceipt])
      .when(recordScan(carrierScan({ facilityId: 'HUB-9' }), T('12:00')))
      .thenNothing();
  });

  it('does not clear receipts at another warehouse or with a mismatched condition', () => {
    spec(decider)
      .given([auth, refund, recordReceipt(warehouseReceipt({ warehouseId: 'WH-2' })), recordReceipt(warehouseReceipt({ receiptId: 'rc-2', condition: 'WRONG_ITEM' }))])
      .when(recordScan(carrierScan(), T('12:00')))
      .thenNothing();
  });

  it('does not clear once a decision was made', () => {
    // Prepare: the first receipt's review is denied; a second receipt, received after the decision, gets its own review.
    const given = spec(decider).given([
      auth,
      refund,
      noScanReceipt,
      decideReview(reviewDecided({ decision: 'DENY' })),
      recordReceipt(warehouseReceipt({ receiptId: 'rc-2', receivedAt: T('15:30') })),
    ]);
    // Act: the scan would match rc-2 (and rc-1).
    const { state } = given.when(recordScan(carrierScan(), T('16:00'))).thenNothing();
    // Assess
    expect(reviewById(state, reviewIdFor.receipt('r-1', 'rc-2'))?.status).toBe('OPEN');
  });
});

describe('R4 v1.1: late authorization clears RECEIPT_FOR_UNKNOWN_RETURN', () => {
  const receipt = recordReceipt();
  const orphanAt = plus(T('11:10'), DAY);
  const lateAuth = (scans = [carrierScan()]) => authorize(returnAuthorized(), scans, plus(orphanAt, HOUR));

  it('clears the orphan review (LATE_AUTHORIZATION) and releases a matched receipt', () => {
    spec(decider)
      .given([receipt, refund, tick(orphanAt)])
      .when(lateAuth())
      .then([
        {
          type: 'ReviewCleared',
          reviewId: reviewIdFor.orphan('r-1', 'rc-1'),
          effectId: effectIdFor.cleared(reviewIdFor.orphan('r-1', 'rc-1')),
          cause: 'LATE_AUTHORIZATION',
          reason: REASON.RECEIPT_FOR_UNKNOWN_RETURN,
          // Business time: the later of the review and the authorization (09:00 the day before): the review.
          clearedAt: '2026-11-03T11:10:00.000Z',
        },
        { type: 'RefundReleased', basis: 'EVIDENCE_MATCHED' },
      ]);
  });

  it('then assesses the receipt like any other (R3): unmatched, it gets its own review', () => {
    spec(decider)
      .given([receipt, refund, tick(orphanAt)])
      .when(lateAuth([]))
      .then([
        { type: 'ReviewCleared', cause: 'LATE_AUTHORIZATION' },
        { type: 'ReviewRaised', reviewId: RECEIPT_REVIEW, reason: REASON.RECEIPT_WITHOUT_INBOUND_SCAN },
      ]);
  });

  it('does not clear when a decision was made on it', () => {
    // Prepare: a reviewer denied the orphan receipt.
    const deny = decideReview(reviewDecided({ reviewId: reviewIdFor.orphan('r-1', 'rc-1'), decision: 'DENY', decidedAt: plus(orphanAt, MINUTE) }));
    const { state } = spec(decider).given([receipt, refund, tick(orphanAt), deny]).when(lateAuth()).thenNothing();
    expect(state.status).toBe('DENIED');
  });
});
