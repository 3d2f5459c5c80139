import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../shared/contract/index.js';
import { nextDueAt, reviewIdFor, STANDING_RULES, type ReturnCommand, type Rule } from '../../shared/domain/index.js';
import { holdExpired } from '../../shared/domain/rules/hold-expired.js';
import { lateAuthorization } from '../../shared/domain/rules/late-authorization.js';
import { lateEvidence } from '../../shared/domain/rules/late-evidence.js';
import { orphanTimeout } from '../../shared/domain/rules/orphan-timeout.js';
import { receiptReview } from '../../shared/domain/rules/receipt-review.js';
import { refundExceeds } from '../../shared/domain/rules/refund-exceeds.js';
import { releaseOrDeny } from '../../shared/domain/rules/release-or-deny.js';
import { sharedParcel } from '../../shared/domain/rules/parcel-evidence.js';
import { NOW } from '../../shared/domain/rules/rule.js';
import { DAY, T, authorize, carrierScan, recordReceipt, recordScan, refundRequested, requestRefund, returnAuthorized, tick } from '../support/facts.js';
import { run } from '../support/given-when-then.js';
import { createDecider } from '../../shared/domain/index.js';

/*
 * Each standing rule on its own: what it has pending for a state and from
 * when. The decider and nextDueAt only combine these lists.
 */
const settings = resolveSettings({ grace: 'PT1H' });
const decider = createDecider(settings);
const stateAfter = (...commands: ReturnCommand[]) => run(decider, commands).state;
const dueTimes = (rule: Rule, ...commands: ReturnCommand[]) => rule.pending(stateAfter(...commands), settings).map((p) => p.dueAtMs);
const ms = (iso: string) => Date.parse(iso);

describe('standing rules', () => {
  it('are listed once each, in the order the contract needs them', () => {
    expect(STANDING_RULES).toEqual([orphanTimeout, lateAuthorization, receiptReview, sharedParcel, refundExceeds, lateEvidence, releaseOrDeny, holdExpired]);
  });

  it('orphan timeout (R6): due receivedAt + orphanTimeout while the return is unknown', () => {
    expect(dueTimes(orphanTimeout, recordReceipt())).toEqual([ms(T('11:10')) + DAY]);
    expect(dueTimes(orphanTimeout, recordReceipt(), authorize())).toEqual([]);
  });

  it('late authorization (R4): due at once for an open orphan review of an authorized return', () => {
    const orphaned = [recordReceipt(), tick(new Date(ms(T('11:10')) + DAY).toISOString())];
    expect(dueTimes(lateAuthorization, ...orphaned)).toEqual([]);
    // The decider settles it immediately; the bare rule sees it pending on the state before settling.
    const state = stateAfter(...orphaned);
    const authorized = decider.evolve(state, { type: 'ReturnAuthorized', authorization: returnAuthorized() });
    expect(lateAuthorization.pending(authorized, settings).map((p) => p.dueAtMs)).toEqual([NOW]);
  });

  it('unmatched receipt (R3): due receivedAt + grace only while the receipt is unmatched', () => {
    expect(dueTimes(receiptReview, authorize(), recordReceipt())).toEqual([ms(T('12:10'))]);
    expect(dueTimes(receiptReview, authorize(), recordScan(), recordReceipt())).toEqual([]);
  });

  it('refund exceeds (R3): nothing pending within the authorized amount', () => {
    expect(dueTimes(refundExceeds, authorize(), requestRefund())).toEqual([]);
    const over = requestRefund(refundRequested({ amount: { amount: 5_000, currency: 'EUR' } }));
    // Settled by the decider as soon as both facts are known: nothing left pending.
    expect(dueTimes(refundExceeds, authorize(), over)).toEqual([]);
    expect(run(decider, [authorize(), over]).effects.map((e) => e.type)).toEqual(['ReviewRaised']);
  });

  it('late evidence (R4) and release (R1) leave nothing pending once settled', () => {
    const settled = [authorize(), requestRefund(), recordReceipt(), tick(T('12:10')), recordScan(carrierScan(), T('13:00'))];
    expect(dueTimes(lateEvidence, ...settled)).toEqual([]);
    expect(dueTimes(releaseOrDeny, ...settled)).toEqual([]);
    expect(stateAfter(...settled).status).toBe('RELEASED');
  });

  it('hold expired (R6): due requestedAt + maxHold until the refund is released or denied', () => {
    expect(dueTimes(holdExpired, requestRefund())).toEqual([ms(T('10:00')) + 14 * DAY]);
    expect(dueTimes(holdExpired, authorize(), recordScan(), recordReceipt(), requestRefund())).toEqual([]);
  });
});

describe('nextDueAt is derived from the rules', () => {
  it('is the earliest pending time of any rule', () => {
    const state = stateAfter(authorize(), requestRefund(), recordReceipt());
    expect(nextDueAt(state, settings)).toBe(new Date(ms(T('12:10'))).toISOString());
    const later = stateAfter(authorize(), requestRefund(), recordReceipt(), tick(T('12:10')));
    expect(nextDueAt(later, settings)).toBe(new Date(ms(T('10:00')) + 14 * DAY).toISOString());
  });

  it('is null when nothing can happen by the passage of time', () => {
    expect(nextDueAt(stateAfter(authorize(), recordScan(), requestRefund(), recordReceipt()), settings)).toBeNull();
    expect(nextDueAt(decider.initialState('r-1'), settings)).toBeNull();
  });

  it('a Tick at nextDueAt always produces events, one just before produces none', () => {
    const state = stateAfter(recordReceipt(), requestRefund());
    const due = nextDueAt(state, settings)!;
    expect(decider.decide(tick(new Date(ms(due) - 1).toISOString()), state)).toEqual([]);
    expect(decider.decide(tick(due), state).length).toBeGreaterThan(0);
    expect(reviewIdFor.orphan('r-1', 'rc-1')).not.toBe(reviewIdFor.receipt('r-1', 'rc-1'));
  });
});
