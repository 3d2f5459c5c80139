import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../shared/contract/index.js';
import {
  createDecider,
  effectIdFor,
  finalDecision,
  InvariantViolationError,
  openReviews,
  REASON,
  REASONS,
  reviewById,
  reviewIdFor,
  severityOf,
  type Effect,
  type Reason,
  type ReturnCommand,
  type ReturnState,
} from '../../shared/domain/index.js';
import {
  DAY,
  HOUR,
  SECOND,
  T,
  authorize,
  carrierScan,
  decideReview,
  employeeFlag,
  later,
  recordReceipt,
  recordScan,
  refundRequested,
  requestRefund,
  returnAuthorized,
  reviewDecided,
  tick,
  warehouseReceipt,
} from '../support/facts.js';
import { run, spec } from '../support/given-when-then.js';

const defaults = resolveSettings();
const decider = createDecider(defaults);
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
/** The epoch ms of an effect's time field, whatever its ISO spelling. */
const instantOf = (effect: Effect | undefined, field: 'raisedAt' | 'clearedAt' | 'releasedAt' | 'deniedAt') =>
  Date.parse(String((effect as unknown as Record<string, unknown> | undefined)?.[field]));

// The default story (test/support/facts.ts): authorized 09:00, refund 10:00,
// DELIVERED at WH-1 11:00, received at WH-1 11:10 by emp-7.
const RECEIPT_REVIEW = reviewIdFor.receipt('r-1', 'rc-1');
const releaseOf = (state: ReturnState) => (state.status === 'RELEASED' ? state.release : undefined);
const auth = authorize();
const scan = recordScan();
const receipt = recordReceipt();
const refund = requestRefund();
const noScanReceipt = receipt; // without `scan` in the history the receipt has no inbound scan

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

describe('R3 unmatched receipt → review', () => {
  const receiptAt = (o: Parameters<typeof warehouseReceipt>[0]) => recordReceipt(warehouseReceipt(o));

  it.each<[Reason, ReturnCommand[], ReturnCommand]>([
    [REASON.RECEIPT_AT_OTHER_WAREHOUSE, [auth, scan, refund], receiptAt({ warehouseId: 'WH-2' })],
    [REASON.CONDITION_MISMATCH, [auth, scan, refund], receiptAt({ condition: 'WRONG_ITEM' })],
    [REASON.CONDITION_MISMATCH, [auth, scan, refund], receiptAt({ condition: 'EMPTY_BOX' })],
    [REASON.INBOUND_SCAN_AT_OTHER_FACILITY, [auth, recordScan(carrierScan({ facilityId: 'HUB-9' })), refund], receipt],
    [REASON.RECEIPT_BEFORE_INBOUND_SCAN, [auth, recordScan(carrierScan({ scannedAt: T('13:00') })), refund], receipt],
    [REASON.RECEIPT_WITHOUT_INBOUND_SCAN, [auth, refund], receipt],
  ])('raises %s, MEDIUM, at receivedAt, and holds the refund', (reason, history, last) => {
    // Prepare
    const given = spec(decider).given(history);
    // Act
    const { effects, state } = given.when(last).then([
      {
        type: 'ReviewRaised',
        reviewId: RECEIPT_REVIEW,
        effectId: effectIdFor.raised(RECEIPT_REVIEW),
        reason,
        severity: 'MEDIUM',
        returnId: 'r-1',
        receiptId: 'rc-1',
        employeeId: 'emp-7',
        raisedAt: '2026-11-02T11:10:00.000Z',
        refund: { amount: 4_999, currency: 'EUR' },
      },
    ]);
    // Assess
    expect(effects[0]).toMatchObject({ warehouseId: last.type === 'RecordReceipt' ? last.receipt.warehouseId : undefined });
    expect(state.status).not.toBe('RELEASED');
  });

  describe('precedence: the first reason that applies', () => {
    it('other warehouse wins over an empty box', () => {
      spec(decider)
        .given([auth, scan])
        .when(receiptAt({ warehouseId: 'WH-2', condition: 'EMPTY_BOX' }))
        .then([{ type: 'ReviewRaised', reason: REASON.RECEIPT_AT_OTHER_WAREHOUSE }]);
    });

    it('an empty box with no scan at all is CONDITION_MISMATCH', () => {
      spec(decider).given([auth]).when(receiptAt({ condition: 'EMPTY_BOX' })).then([{ type: 'ReviewRaised', reason: REASON.CONDITION_MISMATCH }]);
    });

    it('a DELIVERED scan without facilityId is not at the warehouse: INBOUND_SCAN_AT_OTHER_FACILITY', () => {
      spec(decider)
        .given([auth, recordScan(carrierScan({ facilityId: undefined }))])
        .when(receipt)
        .then([{ type: 'ReviewRaised', reason: REASON.INBOUND_SCAN_AT_OTHER_FACILITY }]);
    });

    it('a late inbound scan beside one at another facility is RECEIPT_BEFORE_INBOUND_SCAN', () => {
      spec(decider)
        .given([auth, recordScan(carrierScan({ scanId: 's-hub', facilityId: 'HUB-9' })), recordScan(carrierScan({ scannedAt: T('14:00') }))])
        .when(receipt)
        .then([{ type: 'ReviewRaised', reason: REASON.RECEIPT_BEFORE_INBOUND_SCAN }]);
    });
  });

  describe('skew (15 minutes by default)', () => {
    it('matches an inbound scan exactly at receivedAt + skew', () => {
      spec(decider)
        .given([auth, refund, recordScan(carrierScan({ scannedAt: T('11:25:00') }))])
        .when(receipt)
        .then([{ type: 'RefundReleased', basis: 'EVIDENCE_MATCHED', releasedAt: '2026-11-02T11:25:00.000Z' }]);
    });

    it('does not match one second later: RECEIPT_BEFORE_INBOUND_SCAN', () => {
      spec(decider)
        .given([auth, refund, recordScan(carrierScan({ scannedAt: T('11:25:01') }))])
        .when(receipt)
        .then([{ type: 'ReviewRaised', reason: REASON.RECEIPT_BEFORE_INBOUND_SCAN }]);
    });

    it('follows the skew setting', () => {
      const tight = createDecider(resolveSettings({ skew: 'PT1M' }));
      spec(tight)
        .given([auth, refund, recordScan(carrierScan({ scannedAt: T('11:12') }))])
        .when(receipt)
        .then([{ type: 'ReviewRaised', reason: REASON.RECEIPT_BEFORE_INBOUND_SCAN }]);
    });
  });

  it('judges a receipt that came before the authorization when the authorization arrives', () => {
    // Prepare
    const given = spec(decider).given([receipt, refund]);
    // Act / Assess
    given.when(authorize(returnAuthorized({ authorizedAt: T('12:00') }))).then([
      { type: 'ReviewRaised', reviewId: RECEIPT_REVIEW, reason: REASON.RECEIPT_WITHOUT_INBOUND_SCAN, raisedAt: '2026-11-02T11:10:00.000Z' },
    ]);
  });

  it('raises one review per receipt, each with its own id, and never again', () => {
    // Prepare
    const given = spec(decider).given([auth, refund, noScanReceipt]);
    // Act / Assess
    given
      .when(recordReceipt(warehouseReceipt({ receiptId: 'rc-2', receivedAt: T('11:30') })))
      .then([{ type: 'ReviewRaised', reviewId: reviewIdFor.receipt('r-1', 'rc-2') }]);
    given.when(tick(T('23:00'))).thenNothing();
  });

  describe('grace', () => {
    const graceful = createDecider(resolveSettings({ grace: 'PT30M' }));

    it('waits until receivedAt + grace, then raises the review on a Tick at that time', () => {
      // Prepare
      const given = spec(graceful).given([auth, refund, noScanReceipt]);
      // Act / Assess
      spec(graceful).given([auth, refund]).when(noScanReceipt).thenNothing();
      given.when(tick(T('11:39:59'))).thenNothing();
      given.when(tick(T('11:40'))).then([{ type: 'ReviewRaised', reviewId: RECEIPT_REVIEW, raisedAt: '2026-11-02T11:40:00.000Z' }]);
    });

    it('releases without any review when the scan arrives within the grace', () => {
      spec(graceful)
        .given([auth, refund, noScanReceipt])
        .when(recordScan(carrierScan(), T('11:35')))
        .then([{ type: 'RefundReleased', basis: 'EVIDENCE_MATCHED' }]);
    });
  });
});

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

describe('R8 idempotency', () => {
  const history = [auth, scan, receipt, refund];
  const decision = decideReview(reviewDecided({ decision: 'DENY' }));

  it.each<[string, ReturnCommand[], ReturnCommand]>([
    ['AuthorizeReturn', history, auth],
    ['RecordScan', history, scan],
    ['RecordReceipt', history, receipt],
    ['RequestRefund', history, refund],
    ['DecideReview', [auth, refund, noScanReceipt, decision], decision],
  ])('a redelivered %s, even much later, yields no event', (_, given, again) => {
    spec(decider).given(given).when(later(again, plus(T('10:00'), 3 * DAY))).thenIgnored();
  });

  // "Same id, other detail" is judged deployment-wide by the id ledger before the
  // decider runs (shared/store); the decider only has to be idempotent per fact id.
  it.each<[string, ReturnCommand[], ReturnCommand]>([
    ['AuthorizeReturn', [auth], authorize(returnAuthorized({ warehouseId: 'WH-2' }))],
    ['RecordScan', [auth, scan], recordScan(carrierScan({ facilityId: 'WH-2' }))],
    ['RecordReceipt', [auth, receipt], recordReceipt(warehouseReceipt({ condition: 'EMPTY_BOX' }))],
    ['RequestRefund', [auth, refund], requestRefund(refundRequested({ amount: { amount: 1, currency: 'EUR' } }))],
    ['DecideReview', [auth, refund, noScanReceipt, decision], decideReview(reviewDecided({ decision: 'RELEASE' }))],
  ])('a %s whose id is already recorded yields no event, whatever its detail: the first fact stands', (_, given, again) => {
    spec(decider).given(given).when(again).thenIgnored();
  });

  it('does not take field order into account', () => {
    // Prepare
    const { refundId, returnId, amount, requestedAt } = refundRequested();
    const reordered = requestRefund({ requestedAt, amount: { currency: amount.currency, amount: amount.amount }, returnId, refundId });
    // Act / Assess
    spec(decider).given([auth, refund]).when(reordered).thenIgnored();
  });

  it('ignores a flag that appears on a redelivered receipt: the receipt was already processed', () => {
    spec(decider).given(history).when(recordReceipt(warehouseReceipt(), employeeFlag(), T('13:00'))).thenIgnored();
  });

  it('refuses a command addressed to another return', () => {
    spec(decider).given([auth]).when(recordReceipt(warehouseReceipt({ returnId: 'r-2' }))).thenThrows(InvariantViolationError);
  });
});

describe('severities', () => {
  const HIGH: Reason[] = [REASON.EMPLOYEE_RECEIPT_ANOMALY, REASON.RECEIPT_BY_FLAGGED_EMPLOYEE, REASON.SELF_REVIEW_ATTEMPT, REASON.PARCEL_EVIDENCE_REUSED];
  it.each(REASONS.map((reason) => [reason, HIGH.includes(reason) ? 'HIGH' : reason === REASON.HOLD_EXPIRED ? 'LOW' : 'MEDIUM'] as const))(
    '%s is %s',
    (reason, severity) => {
      expect(severityOf(reason)).toBe(severity);
    },
  );
});

describe('stable ids', () => {
  // Shuffled and redelivered: auth last, a receipt review raised then cleared, the refund in between.
  const forward = [auth, refund, noScanReceipt, recordScan(carrierScan(), T('12:00')), tick(T('23:00'))];
  const shuffled = [
    recordReceipt(warehouseReceipt(), null, T('11:10')),
    requestRefund(refundRequested(), T('11:10')),
    later(noScanReceipt, T('11:30')),
    authorize(returnAuthorized(), [], T('11:30')),
    recordScan(carrierScan(), T('12:00')),
    later(refund, T('12:00')),
    tick(T('23:00')),
  ];

  it('names reviews and effects the same whatever the order and redelivery', () => {
    // Act
    const a = run(decider, forward);
    const b = run(decider, shuffled);
    // Assess
    const ids = (effects: typeof a.effects) => effects.map((e) => e.effectId);
    expect(ids(a.effects)).toEqual([effectIdFor.raised(reviewIdFor.receipt('r-1', 'rc-1')), effectIdFor.cleared(reviewIdFor.receipt('r-1', 'rc-1')), effectIdFor.released('r-1', 'rf-1')]);
    expect(ids(b.effects)).toEqual(ids(a.effects));
    expect(releaseOf(b.state)).toEqual(releaseOf(a.state));
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
