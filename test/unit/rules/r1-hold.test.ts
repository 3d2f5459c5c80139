import { describe, expect, it } from 'vitest';
import { effectIdFor, REASON } from '../../../shared/domain/index.js';
import {
  T,
  authorize,
  carrierScan,
  recordReceipt,
  recordScan,
  refundRequested,
  requestRefund,
  returnAuthorized,
  warehouseReceipt,
} from '../../support/facts.js';
import { spec } from '../../support/given-when-then.js';
import { decider, auth, scan, receipt, refund } from '../../support/rule-fixtures.js';

/* R1: a refund is held until the whole evidence agrees. */

describe('R1 hold: release only on the whole evidence', () => {
  it('releases on authorization + request + matched receipt, basis EVIDENCE_MATCHED, at the latest fact time', () => {
    // Prepare
    const given = spec(decider).given([auth, scan, refund]);
    // Act / Assess
    given.when(receipt).then([
      {
        type: 'RefundReleased',
        effectId: effectIdFor.released('r-1', 'rf-1'),
        returnId: 'r-1',
        refundId: 'rf-1',
        amount: { amount: 4_999, currency: 'EUR' },
        basis: 'EVIDENCE_MATCHED',
        receiptId: 'rc-1',
        scanId: 's-delivered',
        releasedAt: '2026-11-02T11:10:00.000Z',
      },
    ]);
  });

  it.each([
    ['the refund request', [auth, scan, receipt], requestRefund(refundRequested({ requestedAt: T('16:00') })), '16:00'],
    ['the authorization', [recordReceipt(), requestRefund()], authorize(returnAuthorized({ authorizedAt: T('17:30') }), [carrierScan()]), '17:30'],
    ['the scan, within skew after the receipt', [auth, refund, recordScan(carrierScan({ scannedAt: T('11:20') }))], receipt, '11:20'],
    ['the receipt', [auth, scan, refund], recordReceipt(warehouseReceipt({ receivedAt: T('12:45') })), '12:45'],
  ] as const)('takes releasedAt from the latest fact when that is %s', (_, history, last, hhmm) => {
    // Prepare
    const given = spec(decider).given(history);
    // Act
    const { effects } = given.when(last).then([{ type: 'RefundReleased' }]);
    // Assess
    expect(effects[0]).toMatchObject({ releasedAt: `2026-11-02T${hhmm}:00.000Z` });
  });

  it('holds while the return is not authorized, then releases with the scans the parcel already had', () => {
    // Prepare
    const given = spec(decider).given([receipt, refund]);
    // Act / Assess: nothing before the authorization...
    spec(decider).given([receipt]).when(refund).thenNothing();
    // ... and the release once it comes with the parcel's known scans (contract §1).
    given.when(authorize(returnAuthorized(), [carrierScan()])).then([{ type: 'RefundReleased', basis: 'EVIDENCE_MATCHED', scanId: 's-delivered' }]);
  });

  it('holds while no refund is requested', () => {
    spec(decider).given([auth, scan]).when(receipt).thenNothing();
  });

  it('holds while there is no receipt, however good the scan', () => {
    spec(decider).given([auth, refund]).when(scan).thenNothing();
  });

  it('holds while any review of the return is open, even one that is not about the receipt', () => {
    // Prepare: a second refund request leaves a SECOND_REFUND_REQUEST review open.
    const given = spec(decider).given([auth, scan, refund, requestRefund(refundRequested({ refundId: 'rf-2' }))]);
    // Act / Assess: the matched receipt alone does not release.
    given.when(receipt).thenNothing();
  });

  it('accepts a DAMAGED parcel as matched', () => {
    spec(decider)
      .given([auth, scan, refund])
      .when(recordReceipt(warehouseReceipt({ condition: 'DAMAGED' })))
      .then([{ type: 'RefundReleased', basis: 'EVIDENCE_MATCHED' }]);
  });

  it('compares carrier and tracking number trimmed and case-insensitively', () => {
    // Prepare
    const sloppyScan = carrierScan({ carrier: '  ups ', trackingNumber: '1z999aa10123456784 ' });
    // Act / Assess: both as a later RecordScan and as a scan known at authorization.
    spec(decider).given([auth, refund, receipt]).when(recordScan(sloppyScan, T('12:00'))).then([
      { type: 'ReviewCleared', cause: 'LATE_EVIDENCE_MATCHED' },
      { type: 'RefundReleased' },
    ]);
    spec(decider).given([refund, receipt]).when(authorize(returnAuthorized(), [sloppyScan])).then([{ type: 'RefundReleased' }]);
  });

  it("ignores another parcel's scan and non-DELIVERED scans at the warehouse", () => {
    // Prepare
    const given = spec(decider).given([auth, refund]);
    // Act / Assess
    given.when(recordScan(carrierScan({ trackingNumber: 'OTHER-PARCEL' }))).thenIgnored();
    given.when(recordScan(carrierScan({ status: 'OUT_FOR_DELIVERY' }))).thenIgnored();
    spec(decider)
      .given([auth, refund, recordScan(carrierScan({ trackingNumber: 'OTHER-PARCEL' })), recordScan(carrierScan({ scanId: 's-2', status: 'IN_TRANSIT' }))])
      .when(receipt)
      .then([{ type: 'ReviewRaised', reason: REASON.RECEIPT_WITHOUT_INBOUND_SCAN }]);
  });
});
