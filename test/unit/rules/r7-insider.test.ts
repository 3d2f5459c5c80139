import { describe, expect, it } from 'vitest';
import { effectIdFor, REASON, reviewIdFor } from '../../../shared/domain/index.js';
import { HOUR, T, authorize, carrierScan, decideReview, employeeFlag, recordReceipt, recordScan, reviewDecided, warehouseReceipt } from '../../support/facts.js';
import { spec } from '../../support/given-when-then.js';
import { decider, plus, auth, scan, refund } from '../../support/rule-fixtures.js';

/* R7 in the decider: receipts by a flagged employee are held, up to the flag's end inclusive. */
// The default story (test/support/facts.ts): authorized 09:00, refund 10:00,
// DELIVERED at WH-1 11:00, received at WH-1 11:10 by emp-7.
const RECEIPT_REVIEW = reviewIdFor.receipt('r-1', 'rc-1');

describe('R7 seam: receipts by a flagged employee', () => {
  it('holds even a matched receipt with RECEIPT_BY_FLAGGED_EMPLOYEE, HIGH', () => {
    // Prepare
    const flag = employeeFlag();
    const given = spec(decider).given([auth, scan, refund]);
    // Act / Assess
    given.when(recordReceipt(warehouseReceipt(), flag)).then([
      {
        type: 'ReviewRaised',
        reviewId: reviewIdFor.flagged('r-1', 'rc-1'),
        effectId: effectIdFor.raised(reviewIdFor.flagged('r-1', 'rc-1')),
        reason: REASON.RECEIPT_BY_FLAGGED_EMPLOYEE,
        severity: 'HIGH',
        employeeId: 'emp-7',
        receiptId: 'rc-1',
        raisedAt: '2026-11-02T11:10:00.000Z',
        evidence: expect.objectContaining({ anomalyReviewId: flag.anomalyReviewId }),
      },
    ]);
  });

  it.each([
    ['at flaggedAt', '2026-11-01T20:00:00.000Z'],
    ['at flaggedUntil', '2026-11-08T20:00:00.000Z'],
  ])('holds a receipt received exactly %s', (_, receivedAt) => {
    spec(decider)
      .given([auth, recordScan(carrierScan({ scannedAt: receivedAt })), refund])
      .when(recordReceipt(warehouseReceipt({ receivedAt }), employeeFlag()))
      .then([{ type: 'ReviewRaised', reason: REASON.RECEIPT_BY_FLAGGED_EMPLOYEE }]);
  });

  it.each([
    ['one second before flaggedAt', '2026-11-01T19:59:59.000Z', employeeFlag()],
    ['one second after flaggedUntil', '2026-11-08T20:00:01.000Z', employeeFlag()],
    ['for another employee', T('11:10'), employeeFlag({ employeeId: 'emp-8' })],
  ])('does nothing for a flag %s', (_, receivedAt, flag) => {
    spec(decider)
      .given([auth, recordScan(carrierScan({ scannedAt: receivedAt })), refund])
      .when(recordReceipt(warehouseReceipt({ receivedAt }), flag))
      .then([{ type: 'RefundReleased', basis: 'EVIDENCE_MATCHED' }]);
  });

  it('late evidence clears the R3 review but not the flag', () => {
    spec(decider)
      .given([auth, refund, recordReceipt(warehouseReceipt(), employeeFlag())])
      .when(recordScan(carrierScan(), T('12:00')))
      .then([{ type: 'ReviewCleared', reviewId: RECEIPT_REVIEW, cause: 'LATE_EVIDENCE_MATCHED' }]);
  });

  it('only a reviewer releases a flagged receipt', () => {
    spec(decider)
      .given([auth, scan, refund, recordReceipt(warehouseReceipt(), employeeFlag())])
      .when(decideReview(reviewDecided({ reviewId: reviewIdFor.flagged('r-1', 'rc-1') })))
      .then([{ type: 'RefundReleased', basis: 'REVIEWER_RELEASED' }]);
  });
});

describe('R7 v1.1: the flag holds receipts up to raisedAt + flagFor inclusive', () => {
  const flag = employeeFlag();
  it.each([
    ['at flaggedUntil', flag.flaggedUntil, true],
    ['one millisecond later', plus(flag.flaggedUntil, 1), false],
    ['at flaggedAt', flag.flaggedAt, true],
  ] as const)('a receipt received %s is held: %s', (_, receivedAt, held) => {
    const given = spec(decider).given([authorize(), recordScan(carrierScan({ scannedAt: plus(receivedAt, -HOUR) })), refund]);
    const when = given.when(recordReceipt(warehouseReceipt({ receivedAt }), flag));
    if (held) when.then([{ type: 'ReviewRaised', reason: REASON.RECEIPT_BY_FLAGGED_EMPLOYEE }]);
    else when.then([{ type: 'RefundReleased' }]);
  });
});
