import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../shared/contract/index.js';
import { decodeTuple } from '../../shared/domain/ids.js';
import {
  createDecider,
  effectIdFor,
  nextDueAt,
  REASON,
  reviewById,
  reviewIdFor,
  type ReturnState,
  type Weight,
} from '../../shared/domain/index.js';
import {
  DAY,
  HOUR,
  MINUTE,
  T,
  authorize,
  carrierScan,
  decideReview,
  employeeFlag,
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

/*
 * Contract v1.1 in given/when/then form: weights (R3 reason 6), late
 * authorization (R4), decisions that close or change nothing (R5), the
 * inclusive edge of a flag (R7), and ids that mean nothing to refund-gate.
 */
const decider = createDecider(resolveSettings());
const g = (value: number): Weight => ({ value, unit: 'g' });
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const RECEIPT_REVIEW = reviewIdFor.receipt('r-1', 'rc-1');
const refund = requestRefund();

/** The default honest story with these weights: expected (authorization), carrier (scan), dock (receipt). */
function weighed(expected?: Weight, carrier?: Weight, dock?: Weight) {
  return {
    auth: authorize(returnAuthorized(expected ? { expectedWeight: expected } : {})),
    scan: recordScan(carrierScan(carrier ? { weight: carrier } : {})),
    receipt: recordReceipt(warehouseReceipt(dock ? { weight: dock } : {})),
  };
}

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

describe('ids are opaque (§1): any id works and distinct facts never share an id', () => {
  const tricky = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a#b', 'a\\', '#', '\\#', 'r/1:2 3', '🦆', ' '];

  it.each(tricky)('the honest story with every id = %j releases, and the state is plain JSON', (id) => {
    // Prepare
    const d = createDecider(resolveSettings());
    const commands = [
      authorize(returnAuthorized({ returnId: id, orderId: id, customerId: id })),
      recordScan(carrierScan({ scanId: id })),
      requestRefund(refundRequested({ returnId: id, refundId: id })),
      recordReceipt(warehouseReceipt({ returnId: id, receiptId: id, employeeId: id })),
    ];
    // Act
    const { effects, state } = run(d, commands, d.initialState(id));
    // Assess
    expect(effects).toEqual([expect.objectContaining({ type: 'RefundReleased', returnId: id, refundId: id, receiptId: id, scanId: id })]);
    expect(JSON.parse(JSON.stringify(state)) as ReturnState).toEqual(state);
    expect(Object.getPrototypeOf(state.scans)).toBe(Array.prototype);
    expect(nextDueAt(state, resolveSettings())).toBeNull();
  });

  it('an unmatched receipt with a tricky id is reviewed, and a decision on that review is applied', () => {
    const d = createDecider(resolveSettings());
    const id = '__proto__';
    const { state, effects } = run(
      d,
      [
        authorize(returnAuthorized({ returnId: id })),
        requestRefund(refundRequested({ returnId: id })),
        recordReceipt(warehouseReceipt({ returnId: id, receiptId: 'constructor' })),
        decideReview(reviewDecided({ returnId: id, reviewId: reviewIdFor.receipt(id, 'constructor') })),
      ],
      d.initialState(id),
    );
    expect(effects.map((e) => e.type)).toEqual(['ReviewRaised', 'RefundReleased']);
    expect(state.status).toBe('RELEASED');
  });

  it('review and effect ids are injective over their parts (property)', () => {
    const part = fc.oneof(fc.string(), fc.constantFrom(...tricky), fc.string({ unit: 'grapheme' }));
    const kinds = ['receipt', 'orphan', 'flagged', 'exceeds', 'secondRefund', 'selfReview', 'employeeAnomaly'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.constantFrom(...kinds), part, part, part, part, (k1, k2, a, b, c, d) => {
        const x = reviewIdFor[k1](a, b);
        const y = reviewIdFor[k2](c, d);
        expect(x === y).toBe(k1 === k2 && a === c && b === d);
        expect(effectIdFor.raised(x) === effectIdFor.cleared(y)).toBe(false);
        expect(effectIdFor.released(a, b) === effectIdFor.released(c, d)).toBe(a === c && b === d);
        expect(effectIdFor.decisionIgnored(a, b) === effectIdFor.denied(a, b)).toBe(false);
        expect(decodeTuple(x).slice(1)).toEqual([a, b]);
      }),
      { numRuns: 300, seed: 1_311 },
    );
  });
});
