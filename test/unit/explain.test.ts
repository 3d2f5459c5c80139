import { describe, expect, it } from 'vitest';
import { explanationText } from '../../cli/commands/explain-text.js';
import { decisionOutcome } from '../../shared/app/decision-outcome.js';
import { explainReturn } from '../../shared/app/explain.js';
import { openReviewIndexOf, queueAtStake, type QueueEntry } from '../../shared/domain/review-queue.js';
import { resolveSettings } from '../../shared/contract/config.js';
import { createDecider } from '../../shared/domain/decider.js';
import type { ReturnCommand, ReturnState } from '../../shared/domain/types.js';
import {
  authorize,
  carrierScan,
  decideReview,
  employeeFlag,
  recordReceipt,
  recordScan,
  refundRequested,
  later,
  requestRefund,
  returnAuthorized,
  reviewDecided,
  RETURN_ID,
  T,
  tick,
  warehouseReceipt,
} from '../support/facts.js';

const settings = resolveSettings({});
const decider = createDecider(settings);
/** The reviewId the domain gives the receipt's review (shared/domain/identity.ts), spelled out so a format change shows here. */
const PHANTOM = 'rv-receipt#r-1#rc-1';

/** The state the real decider reaches after these commands. */
function stateAfter(commands: readonly ReturnCommand[], from: ReturnState = decider.initialState(RETURN_ID)): ReturnState {
  return commands.reduce((state, command) => decider.decide(command, state).reduce(decider.evolve, state), from);
}

const explain = (state: ReturnState, flags = [] as ReturnType<typeof employeeFlag>[]) =>
  explainReturn({ state, sources: settings.sources, settings, employeeFlags: flags });

/** Authorized, refund requested, received by emp-7, no carrier scan: a phantom receipt. */
const phantom = () => stateAfter([authorize(), requestRefund(), recordReceipt()]);

describe('explainReturn', () => {
  it('explains a phantom receipt: timeline in business time with sources, evidence, open review, what is missing, money held', () => {
    const e = explain(phantom());

    expect(e.status).toBe('HELD');
    expect(e.moneyHeld).toEqual({ amount: 4_999, currency: 'EUR' });
    expect(e.timeline.map((t) => [t.at, t.detailType, t.source])).toEqual([
      ['2026-11-02T09:00:00.000Z', 'ReturnAuthorized', 'retail.returns'],
      ['2026-11-02T10:00:00.000Z', 'RefundRequested', 'retail.refunds'],
      ['2026-11-02T11:10:00.000Z', 'WarehouseReceipt', 'retail.warehouse'],
      ['2026-11-02T11:10:00.000Z', 'ReviewRequested', 'refund-gate'],
    ]);
    expect(e.evidence.scans).toEqual([]);
    expect(e.evidence.receipts).toEqual([
      expect.objectContaining({ receiptId: 'rc-1', employeeId: 'emp-7', matched: false, unmatchedReason: 'RECEIPT_WITHOUT_INBOUND_SCAN', employeeFlagged: null }),
    ]);
    expect(e.openReviews).toEqual([
      expect.objectContaining({ reviewId: PHANTOM, reason: 'RECEIPT_WITHOUT_INBOUND_SCAN', severity: 'MEDIUM', employeeId: 'emp-7', atStake: { amount: 4_999, currency: 'EUR' } }),
    ]);
    expect(e.missing.map((m) => m.code)).toEqual(['MATCHED_RECEIPT', 'REVIEW_DECISION']);
    expect(e.excludedReviewers).toEqual(['emp-7']);
    expect(explanationText(e)).toContain('money held: EUR 49.99');
  });

  it('writes times for a person in the text ("2 Nov 2026 11:10 UTC", aligned), while the explanation keeps them exact', () => {
    const e = explain(stateAfter([authorize(), requestRefund(), recordReceipt(warehouseReceipt({ receivedAt: T('11:10:41') }))]));
    expect(e.evidence.receipts[0]!.receivedAt).toBe('2026-11-02T11:10:41.000Z');
    const text = explanationText(e);
    const lines = text.split('\n');
    const start = lines.indexOf('Timeline (business time, UTC):') + 1;
    const timeline = lines.slice(start, lines.indexOf('', start));
    expect(timeline).toEqual([
      expect.stringMatching(/^ {2}2 Nov 2026 09:00 UTC {5}ReturnAuthorized /),
      expect.stringMatching(/^ {2}2 Nov 2026 10:00 UTC {5}RefundRequested /),
      // Seconds where the fact has them: the order of evidence can turn on them.
      expect.stringMatching(/^ {2}2 Nov 2026 11:10:41 UTC {2}WarehouseReceipt /),
      expect.stringMatching(/^ {2}2 Nov 2026 11:10:41 UTC {2}ReviewRequested /),
    ]);
    expect(text).toContain('by emp-7 at dock-2 2 Nov 2026 11:10:41 UTC, AS_EXPECTED');
    expect(text).toMatch(/raised 2 Nov 2026 11:10:41 UTC, at stake EUR 49\.99/);
    expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
  });

  it('writes the time of a release or denial readably in the headline of the text, exact in the explanation', () => {
    const released = explain(stateAfter([decideReview(reviewDecided({ reviewerId: 'lp-1' }))], phantom()));
    expect(released.headline).toBe('Refund released by a reviewer at 2026-11-02T15:00:00.000Z.');
    expect(explanationText(released)).toContain('\n  Refund released by a reviewer at 2 Nov 2026 15:00 UTC.\n');
    expect(explanationText(released)).toContain('Decision: RELEASE by lp-1 at 2 Nov 2026 15:00 UTC on rv-receipt#r-1#rc-1');
    const denied = explain(stateAfter([decideReview(reviewDecided({ reviewerId: 'lp-1', decision: 'DENY' }))], phantom()));
    expect(denied.headline).toBe('Refund denied by lp-1 at 2026-11-02T15:00:00.000Z.');
    expect(explanationText(denied)).toContain('\n  Refund denied by lp-1 at 2 Nov 2026 15:00 UTC.\n');
  });

  it('names the scan that matches once the carrier delivers, and nothing is missing after release', () => {
    const e = explain(stateAfter([authorize(), requestRefund(), recordScan(), recordReceipt()]));
    expect(e.status).toBe('RELEASED');
    expect(e.moneyHeld).toBeNull();
    expect(e.missing).toEqual([]);
    expect(e.evidence.scans).toEqual([expect.objectContaining({ scanId: 's-delivered', inbound: true })]);
    expect(e.evidence.receipts[0]).toMatchObject({ matched: true, matchingScanId: 's-delivered' });
    expect(e.timeline.at(-1)).toMatchObject({ detailType: 'RefundReleased', source: 'refund-gate' });
  });

  it('says what is missing before anything but a receipt arrived, and flags the employee when a flag covers the receipt', () => {
    const state = stateAfter([recordReceipt()]);
    const e = explain(state, [employeeFlag()]);
    expect(e.status).toBe('AWAITING_AUTHORIZATION');
    expect(e.missing.map((m) => m.code)).toEqual(['AUTHORIZATION', 'REFUND_REQUEST']);
    expect(e.evidence.receipts[0]!.matched).toBeNull();
    expect(e.evidence.receipts[0]!.employeeFlagged).toMatchObject({ flaggedUntil: '2026-11-08T20:00:00.000Z' });
  });

  it('does not flag a receipt received after the alert was answered RELEASE (v1.2: the employee was cleared), and says when a later lift cleared one it held', () => {
    const state = stateAfter([recordReceipt()]); // received 11:10
    expect(explain(state, [employeeFlag({ liftedAt: T('11:00') })]).evidence.receipts[0]!.employeeFlagged).toBeNull();
    expect(explain(state, [employeeFlag({ liftedAt: T('11:10') })]).evidence.receipts[0]!.employeeFlagged).toBeNull();
    const held = explain(state, [employeeFlag({ liftedAt: T('12:00') })]);
    expect(held.evidence.receipts[0]!.employeeFlagged).toMatchObject({ liftedAt: T('12:00') });
    expect(explanationText(held)).toMatch(/\[employee flagged until 8 Nov 2026 20:00 UTC, cleared 2 Nov 2026 12:00 UTC\]/);
  });

  it('reports a refund above the authorized amount as missing', () => {
    const e = explain(stateAfter([authorize(returnAuthorized()), requestRefund(refundRequested({ amount: { amount: 9_999, currency: 'EUR' } })), recordScan(), recordReceipt()]));
    expect(e.missing.map((m) => m.code)).toEqual(['AMOUNT_WITHIN_AUTHORIZED', 'REVIEW_DECISION']);
    expect(e.openReviews.map((r) => r.reason)).toEqual(['REFUND_EXCEEDS_AUTHORIZED']);
  });

  it('keeps ids with separators and prototype names as data', () => {
    const returnId = '__proto__#a/b';
    const state = stateAfter(
      [authorize(returnAuthorized({ returnId })), recordReceipt(warehouseReceipt({ returnId, receiptId: 'constructor' }))],
      decider.initialState(returnId),
    );
    const e = explain(state);
    expect(e.returnId).toBe(returnId);
    expect(e.evidence.receipts.map((r) => r.receiptId)).toEqual(['constructor']);
  });
});

describe('weights and cleared reviews', () => {
  it('shows every weight in grams and the disagreeing pair of a WEIGHT_MISMATCH', () => {
    const e = explain(
      stateAfter([
        authorize(returnAuthorized({ expectedWeight: { value: 1000, unit: 'g' } })),
        requestRefund(),
        recordScan(carrierScan({ weight: { value: 1, unit: 'kg' } })),
        recordReceipt(warehouseReceipt({ weight: { value: 3, unit: 'lb' } })),
      ]),
    );
    expect(e.status).toBe('HELD');
    expect(e.evidence.expectedWeight).toEqual({ value: 1000, unit: 'g', grams: 1000 });
    expect(e.evidence.scans[0]!.weight).toEqual({ value: 1, unit: 'kg', grams: 1000 });
    const receipt = e.evidence.receipts[0]!;
    expect(receipt).toMatchObject({ matched: false, unmatchedReason: 'WEIGHT_MISMATCH', weight: { value: 3, unit: 'lb', grams: 1360.8 } });
    expect(receipt.weightCheck).toEqual({
      agree: false,
      weights: [
        { source: 'expectedWeight', grams: 1000, value: 1000, unit: 'g' },
        { source: 'scan', scanId: 's-delivered', grams: 1000, value: 1, unit: 'kg' },
        { source: 'receipt', grams: 1360.8, value: 3, unit: 'lb' },
      ],
      disagreeing: [
        { source: 'expectedWeight', grams: 1000, value: 1000, unit: 'g' },
        { source: 'receipt', grams: 1360.8, value: 3, unit: 'lb' },
      ],
      differenceGrams: 360.8,
      toleranceGrams: 204.1,
    });
    expect(e.openReviews.map((r) => r.reason)).toEqual(['WEIGHT_MISMATCH']);
    expect(explanationText(e)).toContain('DISAGREE by 360.8 g (tolerance 204.1 g)');
  });

  it('says weights agree on a matched receipt', () => {
    const e = explain(
      stateAfter([
        authorize(returnAuthorized({ expectedWeight: { value: 1000, unit: 'g' } })),
        requestRefund(),
        recordScan(carrierScan({ weight: { value: 1.1, unit: 'kg' } })),
        recordReceipt(),
      ]),
    );
    expect(e.status).toBe('RELEASED');
    expect(e.evidence.receipts[0]!.weightCheck).toMatchObject({ agree: true, disagreeing: null });
  });

  it('gives the cause of each review that closed without a decision on it', () => {
    // Late evidence: the carrier's scan (before the receipt) arrives after the review was raised.
    const lateScan = stateAfter([later(recordScan(), T('13:00'))], phantom());
    expect(explain(lateScan).closedReviews).toEqual([expect.objectContaining({ reviewId: PHANTOM, status: 'CLEARED', clearCause: 'LATE_EVIDENCE_MATCHED' })]);

    // Late authorization: the receipt waited past orphanTimeout (24 h) for its return.
    const orphaned = stateAfter([recordReceipt(), tick('2026-11-03T12:00:00Z')]);
    expect(explain(orphaned).openReviews.map((r) => r.reason)).toEqual(['RECEIPT_FOR_UNKNOWN_RETURN']);
    const authorizedLate = explain(stateAfter([authorize(returnAuthorized(), [], '2026-11-03T13:00:00Z')], orphaned));
    expect(authorizedLate.closedReviews).toEqual([
      expect.objectContaining({ reason: 'RECEIPT_FOR_UNKNOWN_RETURN', status: 'CLEARED', clearCause: 'LATE_AUTHORIZATION' }),
    ]);
    expect(authorizedLate.timeline.find((t) => t.detailType === 'ReviewRequested' && t.summary.includes('RECEIPT_FOR_UNKNOWN_RETURN'))?.summary).toContain(
      'now CLEARED (LATE_AUTHORIZATION)',
    );

    // Decided: a decision on one review closes the other open one.
    const twoOpen = stateAfter([
      authorize(),
      requestRefund(refundRequested({ amount: { amount: 9_999, currency: 'EUR' } })),
      recordReceipt(),
    ]);
    expect(explain(twoOpen).openReviews).toHaveLength(2);
    const decided = explain(stateAfter([decideReview(reviewDecided({ reviewerId: 'lp-1', decision: 'DENY' }))], twoOpen));
    expect(decided.status).toBe('DENIED');
    expect(decided.closedReviews.map((r) => [r.reviewId, r.status, r.clearCause])).toEqual([
      ['rv-refund-exceeds#r-1#rf-1', 'CLOSED', 'DECIDED'],
      [PHANTOM, 'DECIDED', null],
    ]);
  });
});

describe('openReviewIndexOf', () => {
  it('indexes a return with open reviews by its oldest open review, in fixed-width UTC', () => {
    const entry = openReviewIndexOf(phantom());
    expect(entry?.openSince).toBe('2026-11-02T11:10:00.000Z');
    expect(entry?.queue.map((q) => q.reviewId)).toEqual([PHANTOM]);
  });

  it('carries the other returns naming the parcel on a PARCEL_EVIDENCE_REUSED entry only, in id order (ids as data)', () => {
    const peers = ['r-b', '__proto__', 'r#a'].map((returnId) => ({ returnId, customerId: `c-${returnId}`, authorizedAt: T('08:00') }));
    const held = phantom();
    const asParcel = { ...held, peers, reviews: held.reviews.map((r) => ({ ...r, reason: 'PARCEL_EVIDENCE_REUSED' as const })) };
    expect(openReviewIndexOf(asParcel)?.queue.map((q) => q.parcelReturns)).toEqual([['__proto__', 'r#a', 'r-b']]);
    // The same peers on another reason, or a parcel review with no other return (only an old delivery): no field.
    expect(openReviewIndexOf({ ...held, peers })?.queue[0]).not.toHaveProperty('parcelReturns');
    expect(openReviewIndexOf({ ...asParcel, peers: [] })?.queue[0]).not.toHaveProperty('parcelReturns');
  });

  it('leaves the index once the return is decided or has nothing open', () => {
    expect(openReviewIndexOf(stateAfter([decideReview(reviewDecided({ reviewerId: 'lp-1' }))], phantom()))).toBeNull();
    expect(openReviewIndexOf(stateAfter([authorize()]))).toBeNull();
  });
});

describe('decisionOutcome', () => {
  const before = phantom();

  it('release by a reviewer', () => {
    const decision = reviewDecided({ reviewerId: 'lp-1' });
    expect(decisionOutcome(before, stateAfter([decideReview(decision)], before), decision)).toEqual({
      kind: 'RELEASED',
      amount: { amount: 4_999, currency: 'EUR' },
      releasedAt: T('15:00').replace('Z', '.000Z'),
    });
  });

  it('denial', () => {
    const decision = reviewDecided({ reviewerId: 'lp-1', decision: 'DENY' });
    expect(decisionOutcome(before, stateAfter([decideReview(decision)], before), decision).kind).toBe('DENIED');
  });

  it('self-review by the receiving clerk is refused', () => {
    const decision = reviewDecided({ reviewerId: 'emp-7' });
    const outcome = decisionOutcome(before, stateAfter([decideReview(decision)], before), decision);
    expect(outcome.kind).toBe('SELF_REVIEW_REFUSED');
  });

  it('a second decision is ignored because the return is decided; an unknown review as unknown', () => {
    const decided = stateAfter([decideReview(reviewDecided({ reviewerId: 'lp-1' }))], before);
    const late = reviewDecided({ decisionId: 'd-2', reviewerId: 'lp-2', decision: 'DENY' });
    expect(decisionOutcome(decided, stateAfter([decideReview(late)], decided), late)).toEqual({ kind: 'IGNORED', why: 'RETURN_ALREADY_DECIDED' });
    // The why is read from the decision the domain recorded, not worked out again: without the state before, it still says why.
    expect(decisionOutcome(null, stateAfter([decideReview(late)], decided), late)).toEqual({ kind: 'IGNORED', why: 'RETURN_ALREADY_DECIDED' });
    const unknown = reviewDecided({ decisionId: 'd-3', reviewId: 'rv/nope', reviewerId: 'lp-2' });
    expect(decisionOutcome(before, stateAfter([decideReview(unknown)], before), unknown)).toEqual({ kind: 'IGNORED', why: 'UNKNOWN_REVIEW' });
    const others = reviewDecided({ decisionId: 'd-4', reviewId: 'rv-receipt#r-2#rc-9', reviewerId: 'lp-2' });
    expect(decisionOutcome(before, stateAfter([decideReview(others)], before), others)).toEqual({ kind: 'IGNORED', why: 'REVIEW_OF_OTHER_RETURN' });
  });

  it('names the self-review review the domain raised, and lists refused and ignored decisions in the explanation', () => {
    const self = reviewDecided({ decisionId: 'd-self', reviewerId: 'emp-7' });
    const afterSelf = stateAfter([decideReview(self)], before);
    expect(decisionOutcome(before, afterSelf, self)).toEqual({ kind: 'SELF_REVIEW_REFUSED', selfReviewId: 'rv-self-review#r-1#d-self' });
    const final = reviewDecided({ decisionId: 'd-ok', reviewerId: 'lp-1' });
    const late = reviewDecided({ decisionId: 'd-late', reviewerId: 'lp-2', decision: 'DENY' });
    const e = explain(stateAfter([decideReview(final), decideReview(late)], afterSelf));
    expect(e.status).toBe('RELEASED');
    expect(e.decision).toMatchObject({ decisionId: 'd-ok', outcome: 'FINAL' });
    expect(e.decisions.map((d) => [d.decisionId, d.outcome, d.why])).toEqual([
      ['d-self', 'SELF_REVIEW', null],
      ['d-ok', 'FINAL', null],
      ['d-late', 'IGNORED', 'RETURN_ALREADY_DECIDED'],
    ]);
    const text = explanationText(e);
    expect(text).toContain('d-self: RELEASE by emp-7');
    expect(text).toContain('refused: self-review');
    expect(text).toContain('d-late: DENY by lp-2');
    expect(text).toContain('(ignored: RETURN_ALREADY_DECIDED)');
  });

  it('is pending while the decision has not been processed, and a DecisionIgnored why wins', () => {
    const decision = reviewDecided({ reviewerId: 'lp-1' });
    expect(decisionOutcome(before, before, decision)).toEqual({ kind: 'PENDING' });
    expect(decisionOutcome(before, before, decision, 'REVIEW_NOT_OPEN')).toEqual({ kind: 'IGNORED', why: 'REVIEW_NOT_OPEN' });
  });
});

describe('queueAtStake', () => {
  it('counts each held return once and leaves R7 anomalies out', () => {
    const entry = (o: Partial<QueueEntry>): QueueEntry => ({
      reviewId: 'x',
      returnId: 'r',
      employeeId: null,
      reason: 'HOLD_EXPIRED',
      severity: 'LOW',
      raisedAt: T('10:00'),
      warehouseId: null,
      atStake: { amount: 100, currency: 'USD' },
      status: 'OPEN',
      ...o,
    });
    expect(
      queueAtStake([
        entry({ reviewId: 'a', returnId: 'r1' }),
        entry({ reviewId: 'b', returnId: 'r1' }),
        entry({ reviewId: 'c', returnId: 'r2', atStake: { amount: 5, currency: 'EUR' } }),
        entry({ reviewId: 'd', returnId: null, atStake: { amount: 999, currency: 'USD' } }),
        entry({ reviewId: 'e', returnId: 'r3', status: 'DECIDED' }),
      ]),
    ).toEqual([
      { currency: 'EUR', amount: 5 },
      { currency: 'USD', amount: 100 },
    ]);
  });
});
