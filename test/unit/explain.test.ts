import { describe, expect, it } from 'vitest';
import {
  decisionOutcome,
  explainReturn,
  explanationText,
  openReviewIndexOf,
  queueAtStake,
  type QueueEntry,
} from '../../shared/app/explain.js';
import { resolveSettings } from '../../shared/contract/config.js';
import { createDecider } from '../../shared/domain/decider.js';
import type { ReturnCommand, ReturnState } from '../../shared/domain/types.js';
import {
  authorize,
  decideReview,
  employeeFlag,
  recordReceipt,
  recordScan,
  refundRequested,
  requestRefund,
  returnAuthorized,
  reviewDecided,
  RETURN_ID,
  T,
  warehouseReceipt,
} from '../support/facts.js';

const settings = resolveSettings({});
const decider = createDecider(settings);
const PHANTOM = `rv/receipt/${RETURN_ID}/rc-1`;

/** The state the real decider reaches after these commands. */
function stateAfter(commands: readonly ReturnCommand[], from: ReturnState = decider.initialState(RETURN_ID)): ReturnState {
  return commands.reduce((state, command) => decider.decide(command, state).reduce(decider.evolve, state), from);
}

const explain = (state: ReturnState, flags = [] as ReturnType<typeof employeeFlag>[]) =>
  explainReturn({ state, sources: settings.sources, skewMs: settings.skewMs, employeeFlags: flags });

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

describe('openReviewIndexOf', () => {
  it('indexes a return with open reviews by its oldest open review, in fixed-width UTC', () => {
    const entry = openReviewIndexOf(phantom());
    expect(entry?.openSince).toBe('2026-11-02T11:10:00.000Z');
    expect(entry?.queue.map((q) => q.reviewId)).toEqual([PHANTOM]);
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
    const unknown = reviewDecided({ decisionId: 'd-3', reviewId: 'rv/nope', reviewerId: 'lp-2' });
    expect(decisionOutcome(before, stateAfter([decideReview(unknown)], before), unknown)).toEqual({ kind: 'IGNORED', why: 'UNKNOWN_REVIEW' });
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
