import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../../shared/contract/index.js';
import {
  createDecider,
  effectIdFor,
  REASON,
  reviewById,
  reviewIdFor,
  type Reason,
  type ReturnCommand,
  type Weight,
} from '../../../shared/domain/index.js';
import { T, authorize, carrierScan, decideReview, recordReceipt, recordScan, returnAuthorized, reviewDecided, tick, warehouseReceipt } from '../../support/facts.js';
import { run, spec } from '../../support/given-when-then.js';
import { decider, auth, scan, receipt, refund, noScanReceipt } from '../../support/rule-fixtures.js';

/* R3: a receipt the evidence does not match raises a review, for the first reason that applies (weights included). */
// The default story (test/support/facts.ts): authorized 09:00, refund 10:00,
// DELIVERED at WH-1 11:00, received at WH-1 11:10 by emp-7.
const RECEIPT_REVIEW = reviewIdFor.receipt('r-1', 'rc-1');
const g = (value: number): Weight => ({ value, unit: 'g' });
/** The default honest story with these weights: expected (authorization), carrier (scan), dock (receipt). */
function weighed(expected?: Weight, carrier?: Weight, dock?: Weight) {
  return {
    auth: authorize(returnAuthorized(expected ? { expectedWeight: expected } : {})),
    scan: recordScan(carrierScan(carrier ? { weight: carrier } : {})),
    receipt: recordReceipt(warehouseReceipt(dock ? { weight: dock } : {})),
  };
}

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

describe('R3 reason 6: weights agree', () => {
  // Relative regime: above 1 kg, 15 % of the larger weight is more than 150 g.
  // Absolute regime: below 1 kg, 150 g is more than 15 % of the larger weight.
  it.each([
    ['relative, at the edge (2000 g vs 1700 g: 300 g = 15 % of 2000 g)', g(2000), g(1700), true],
    ['relative, just under the edge', g(2000), g(1700.5), true],
    ['relative, just over the edge', g(2000), g(1699.5), false],
    ['absolute, at the edge (600 g vs 450 g: 150 g)', g(600), g(450), true],
    ['absolute, just under the edge', g(600), g(450.1), true],
    ['absolute, just over the edge', g(600), g(449.9), false],
    ['kg: 2 kg vs 1.7 kg', { value: 2, unit: 'kg' }, { value: 1.7, unit: 'kg' }, true],
    ['kg: 2 kg vs 1.69 kg', { value: 2, unit: 'kg' }, { value: 1.69, unit: 'kg' }, false],
    ['oz: 100 oz vs 85 oz (the edge)', { value: 100, unit: 'oz' }, { value: 85, unit: 'oz' }, true],
    ['oz: 100 oz vs 84.9 oz', { value: 100, unit: 'oz' }, { value: 84.9, unit: 'oz' }, false],
    ['lb: 10 lb vs 8.5 lb (the edge)', { value: 10, unit: 'lb' }, { value: 8.5, unit: 'lb' }, true],
    ['lb: 10 lb vs 8.4 lb', { value: 10, unit: 'lb' }, { value: 8.4, unit: 'lb' }, false],
    ['mixed units: 1 lb vs 16 oz vs 453.6 g', { value: 1, unit: 'lb' }, { value: 16, unit: 'oz' }, true],
  ] as const)('%s', (_, expected, dock, agree) => {
    // Prepare: expected weight on the authorization, the dock reading on the receipt, the carrier weighed nothing.
    const { auth, scan, receipt } = weighed(expected, undefined, dock);
    const given = spec(decider).given([auth, scan, refund]);
    // Act / Assess
    if (agree) given.when(receipt).then([{ type: 'RefundReleased', basis: 'EVIDENCE_MATCHED' }]);
    else given.when(receipt).then([{ type: 'ReviewRaised', reviewId: RECEIPT_REVIEW, reason: REASON.WEIGHT_MISMATCH, severity: 'MEDIUM' }]);
  });

  it('follows the weightTolerance and weightToleranceGrams settings', () => {
    // Prepare: 1000 g vs 880 g agree by default (150 g floor) but not at 10 % / 100 g.
    const strict = createDecider(resolveSettings({ weightTolerance: 0.1, weightToleranceGrams: 100 }));
    const { auth, scan, receipt } = weighed(g(1000), undefined, g(880));
    // Act / Assess
    spec(decider).given([auth, scan, refund]).when(receipt).then([{ type: 'RefundReleased' }]);
    spec(strict).given([auth, scan, refund]).when(receipt).then([{ type: 'ReviewRaised', reason: REASON.WEIGHT_MISMATCH }]);
  });

  it.each([
    ['no weight at all', undefined, undefined, undefined],
    ['only the expected weight', g(2000), undefined, undefined],
    ['only the carrier weight', undefined, g(300), undefined],
    ['only the dock reading', undefined, undefined, g(5)],
  ] as const)('fewer than two known weights always agree: %s', (_, expected, carrier, dock) => {
    const { auth, scan, receipt } = weighed(expected, carrier, dock);
    spec(decider).given([auth, scan, refund]).when(receipt).then([{ type: 'RefundReleased', basis: 'EVIDENCE_MATCHED' }]);
  });

  it('compares every pair: expected and carrier agree with each other, the empty box on the dock scale does not', () => {
    // Prepare: a laptop return; the carrier weighed 2.4 kg, the clerk's scale says 350 g.
    const { auth, scan, receipt } = weighed(g(2300), { value: 5.3, unit: 'lb' }, g(350));
    // Act
    const { effects } = spec(decider)
      .given([auth, scan, refund])
      .when(receipt)
      .then([{ type: 'ReviewRaised', reason: REASON.WEIGHT_MISMATCH }]);
    // Assess: the evidence names the weights in grams and the pair that disagrees.
    const evidence = effects[0]!.type === 'ReviewRaised' ? effects[0]!.evidence : {};
    expect(evidence['weights']).toEqual([
      { source: 'expectedWeight', grams: 2300, value: 2300, unit: 'g' },
      { source: 'scan', scanId: 's-delivered', grams: 2404, value: 5.3, unit: 'lb' },
      { source: 'receipt', grams: 350, value: 350, unit: 'g' },
    ]);
    expect(evidence['disagreeing']).toEqual([
      { source: 'receipt', grams: 350, value: 350, unit: 'g' },
      { source: 'scan', scanId: 's-delivered', grams: 2404, value: 5.3, unit: 'lb' },
    ]);
    expect(evidence).toMatchObject({ differenceGrams: 2054, toleranceGrams: 360.6 });
  });

  it('an off-weight receipt without any inbound scan is reason 5, so R7 still counts it', () => {
    const { auth, receipt } = weighed(g(2300), undefined, g(350));
    spec(decider).given([auth, refund]).when(receipt).then([{ type: 'ReviewRaised', reason: REASON.RECEIPT_WITHOUT_INBOUND_SCAN }]);
  });

  it('reasons 1–5 come before 6: a wrong warehouse with a wrong weight is RECEIPT_AT_OTHER_WAREHOUSE', () => {
    const { auth, scan } = weighed(g(2300), g(2300));
    spec(decider)
      .given([auth, scan, refund])
      .when(recordReceipt(warehouseReceipt({ warehouseId: 'WH-2', weight: g(100) })))
      .then([{ type: 'ReviewRaised', reason: REASON.RECEIPT_AT_OTHER_WAREHOUSE }]);
  });

  it('counts the weight of every matching inbound scan, and only matching ones', () => {
    // Prepare: a second DELIVERED scan at the warehouse after receivedAt + skew does not match; its odd weight is ignored.
    const { auth, scan, receipt } = weighed(g(1000), g(1000), g(1000));
    const late = recordScan(carrierScan({ scanId: 's-late', scannedAt: T('13:00'), weight: g(100) }));
    spec(decider).given([auth, scan, late, refund]).when(receipt).then([{ type: 'RefundReleased' }]);
    // ... but a second matching one with an odd weight makes them disagree.
    const odd = recordScan(carrierScan({ scanId: 's-odd', scannedAt: T('11:05'), weight: g(100) }));
    spec(decider).given([auth, scan, odd, refund]).when(receipt).then([{ type: 'ReviewRaised', reason: REASON.WEIGHT_MISMATCH }]);
  });

  it('a WEIGHT_MISMATCH review is not cleared by more scans; a reviewer decides', () => {
    const { auth, scan, receipt } = weighed(g(2300), undefined, g(350));
    const given = spec(decider).given([auth, scan, refund, receipt]);
    given.when(recordScan(carrierScan({ scanId: 's-2', scannedAt: T('11:01'), weight: g(2300) }))).thenNothing();
    given.when(decideReview(reviewDecided({ decision: 'DENY' }))).then([{ type: 'RefundDenied' }]);
  });

  it('judged before the scan arrives the receipt is reason 5 and stays open when the scan shows the weights disagree', () => {
    const { auth, scan, receipt } = weighed(g(2300), g(2300), g(350));
    const { state } = run(decider, [auth, refund, receipt, scan]);
    expect(reviewById(state, RECEIPT_REVIEW)).toMatchObject({ status: 'OPEN', reason: REASON.RECEIPT_WITHOUT_INBOUND_SCAN });
    expect(state.status).toBe('AUTHORIZED');
  });
});
