import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../../shared/contract/index.js';
import {
  createDecider,
  effectIdFor,
  InvariantViolationError,
  reviewIdFor,
  type ReturnCommand,
  type ReturnState,
  nextDueAt,
} from '../../../shared/domain/index.js';
import {
  DAY,
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
} from '../../support/facts.js';
import { run, spec } from '../../support/given-when-then.js';
import fc from 'fast-check';
import { decodeTuple } from '../../../shared/domain/ids.js';
import { decider, plus, releaseOf, auth, scan, receipt, refund, noScanReceipt } from '../../support/rule-fixtures.js';

/* R8: redelivery changes nothing; review and effect ids are stable and opaque (§1). */

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
