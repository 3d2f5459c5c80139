import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../shared/contract/index.js';
import {
  createDecider,
  GRAMS_PER,
  openReviews,
  REASON,
  reviewIdFor,
  type Weight,
  type WeightUnit,
  effectsOf,
  type CarrierScan,
  type Effect,
  type Money,
  type ParcelPeer,
  type Reason,
  type RefundDenied,
  type RefundReleased,
  type RefundRequest,
  type ReturnAuthorization,
  type ReturnCommand,
  type ReviewDecision,
  type WarehouseReceipt,
} from '../../shared/domain/index.js';
import {
  DAY,
  HOUR,
  MINUTE,
  SECOND,
  T0_MS,
  WAREHOUSE,
  carrierScan,
  returnAuthorized,
  refundRequested,
  reviewDecided,
  warehouseReceipt,
} from '../support/facts.js';
import { run, type Outcome } from '../support/given-when-then.js';

/*
 * R9 and R2 as properties. A "history" is one return's facts (what the
 * producers said); a "schedule" is one arrival order of them, with
 * redeliveries. Each schedule becomes commands the way the pipeline builds
 * them: scans that arrive before the authorization reach the return inside
 * AuthorizeReturn.scans, later ones as RecordScan; every command's `now` is
 * the latest business time seen so far; a final Tick closes the run.
 *
 * The seeds are fixed so a failure reproduces; fast-check prints the seed and
 * the shrunk counterexample. Change a seed locally to explore further.
 */
const R9_SEED = 20_261_102;
const R8_SEED = 4_242_026;
const NUM_RUNS = 500;

const SKEW_MS = 15 * MINUTE;
const SCAN_REASONS: ReadonlySet<Reason> = new Set([
  REASON.INBOUND_SCAN_AT_OTHER_FACILITY,
  REASON.RECEIPT_BEFORE_INBOUND_SCAN,
  REASON.RECEIPT_WITHOUT_INBOUND_SCAN,
  REASON.WEIGHT_MISMATCH,
  // v1.2: stale scans only (they are the return's own facts); a shared parcel is not.
  REASON.PARCEL_EVIDENCE_REUSED,
]);

// ------------------------------------------------------------------ histories

type Fact =
  | { readonly kind: 'auth'; readonly auth: ReturnAuthorization; readonly peers?: readonly ParcelPeer[] }
  | { readonly kind: 'scan'; readonly scan: CarrierScan }
  | { readonly kind: 'receipt'; readonly receipt: WarehouseReceipt }
  | { readonly kind: 'refund'; readonly request: RefundRequest }
  | { readonly kind: 'decision'; readonly decision: ReviewDecision };

const KINDS = ['honest', 'lateScan', 'noScan', 'otherFacility', 'receiptBeforeScan', 'overRefund', 'offWeight', 'sharedParcel'] as const;
type Kind = (typeof KINDS)[number];
/** Kinds whose receipt can never become matched: the only ones that get a reviewer decision. */
const NEVER_MATCHED: ReadonlySet<Kind> = new Set(['noScan', 'otherFacility', 'receiptBeforeScan', 'offWeight', 'sharedParcel']);

const UNITS = Object.keys(GRAMS_PER) as WeightUnit[];
/** A weight of about `grams`, in any unit. */
const inUnit = (grams: number, unit: WeightUnit): Weight => ({ value: grams / GRAMS_PER[unit], unit });
/** Which of the three known weights is present (honest ones vary by at most ±5 %, well inside 15 %). */
const weightsArb = fc.record({
  baseGrams: fc.integer({ min: 200, max: 8_000 }),
  present: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
  jitter: fc.tuple(fc.double({ min: -0.05, max: 0.05, noNaN: true }), fc.double({ min: -0.05, max: 0.05, noNaN: true }), fc.double({ min: -0.05, max: 0.05, noNaN: true })),
  units: fc.tuple(fc.constantFrom(...UNITS), fc.constantFrom(...UNITS), fc.constantFrom(...UNITS)),
  /** For offWeight: which weight is off (0 expected, 1 scan, 2 receipt), and the other present one. */
  off: fc.constantFrom(0, 1, 2),
  offFactor: fc.constantFrom(0.2, 0.5, 1.6, 3),
});

interface History {
  readonly kind: Kind;
  readonly facts: readonly Fact[];
  /** Fact index → the facts whose first delivery must come before every copy of it. */
  readonly after: ReadonlyMap<number, readonly number[]>;
  readonly graceMs: number;
  readonly finalTick: string;
  readonly expected: {
    readonly release: 'EVIDENCE_MATCHED' | 'REVIEWER_RELEASED' | null;
    readonly denied: boolean;
    /** releasedAt / deniedAt: the latest time among the facts involved (contract §4), epoch ms. */
    readonly decidedAtMs: number | null;
    readonly openReviewIds: readonly string[];
    readonly receiptReasons: ReadonlySet<Reason>;
  };
}

/** An instant as ISO 8601, in UTC or at +02:00: the decider must compare instants, not strings. */
function iso(ms: number, zone: 'Z' | '+02:00'): string {
  if (zone === 'Z') return new Date(ms).toISOString();
  return `${new Date(ms + 2 * HOUR).toISOString().slice(0, 19)}+02:00`;
}

const secondsIn = (fromMs: number, toMs: number) => fc.integer({ min: fromMs / SECOND, max: toMs / SECOND }).map((s) => s * SECOND);

const historyArb: fc.Arbitrary<History> = fc
  .record({
    kind: fc.constantFrom(...KINDS),
    authorizedMs: secondsIn(0, HOUR),
    requestedMs: secondsIn(0, 4 * HOUR),
    receivedMs: secondsIn(2 * HOUR, 4 * HOUR),
    // scannedAt − receivedAt for each kind; the boundary (exactly +skew) gets its own weight.
    matchingDeltaMs: fc.oneof(fc.constant(SKEW_MS), secondsIn(-3 * HOUR, SKEW_MS)),
    lateDeltaMs: secondsIn(SKEW_MS + SECOND, 3 * HOUR),
    anyDeltaMs: secondsIn(-3 * HOUR, 3 * HOUR),
    otherFacility: fc.constantFrom<string | undefined>('HUB-9', 'WH-2', undefined),
    condition: fc.constantFrom('AS_EXPECTED', 'DAMAGED') as fc.Arbitrary<'AS_EXPECTED' | 'DAMAGED'>,
    inTransitNoise: fc.boolean(),
    // v1.2: an old delivery of the same tracking number at the warehouse (a replayed carrier history).
    staleNoise: fc.boolean(),
    overBy: fc.oneof(
      fc.integer({ min: 1, max: 10_000 }).map((n): Money => ({ amount: 4_999 + n, currency: 'EUR' })),
      fc.integer({ min: 0, max: 4_999 }).map((n): Money => ({ amount: n, currency: 'USD' })),
    ),
    decision: fc.constantFrom(null, 'RELEASE', 'DENY') as fc.Arbitrary<'RELEASE' | 'DENY' | null>,
    grace: fc.constantFrom(0, 20 * MINUTE, 2 * HOUR),
    zone: fc.constantFrom('Z', '+02:00') as fc.Arbitrary<'Z' | '+02:00'>,
    // Deliberately past maxHold (14 days) in some runs: HOLD_EXPIRED must then be order independent too.
    pastMaxHold: fc.boolean(),
    weights: weightsArb,
  })
  .map((p): History => {
    const at = (ms: number) => iso(T0_MS + ms, p.zone);
    // Weights: honest ones within tolerance; for offWeight one is far off and at least one other is known.
    const w = p.weights;
    const present = p.kind === 'offWeight' ? w.present.map((on, i) => on || i === w.off || i === (w.off + 1) % 3) : w.present;
    // An off weight is at least 1 kg × (1 − 0.5) away from the others: far outside both tolerances.
    const base = p.kind === 'offWeight' ? Math.max(w.baseGrams, 1_000) : w.baseGrams;
    const grams = (i: number) => base * (1 + w.jitter[i]!) * (p.kind === 'offWeight' && i === w.off ? w.offFactor : 1);
    const weightOf = (i: number): { weight?: Weight } => (present[i] ? { weight: inUnit(grams(i), w.units[i]!) } : {});
    const expectedWeight = weightOf(0).weight;
    const facts: Fact[] = [];
    const after = new Map<number, number[]>();
    const add = (fact: Fact) => facts.push(fact) - 1;

    // sharedParcel (v1.2): another customer's return named the parcel before this one, so the parcel
    // tells the authorization; when it learns of it is across returns, outside R9.
    const peers = p.kind === 'sharedParcel' ? [{ returnId: 'r-other', customerId: 'c-other', authorizedAt: at(p.authorizedMs - DAY) }] : undefined;
    const authIx = add({
      kind: 'auth',
      auth: returnAuthorized({ authorizedAt: at(p.authorizedMs), ...(expectedWeight ? { expectedWeight } : {}) }),
      ...(peers ? { peers } : {}),
    });
    const receiptIx = add({ kind: 'receipt', receipt: warehouseReceipt({ receivedAt: at(p.receivedMs), condition: p.condition, ...weightOf(2) }) });
    const overRefund = p.kind === 'overRefund';
    add({ kind: 'refund', request: refundRequested({ requestedAt: at(p.requestedMs), ...(overRefund ? { amount: p.overBy } : {}) }) });
    if (p.inTransitNoise) {
      add({ kind: 'scan', scan: carrierScan({ scanId: 's-transit', status: 'IN_TRANSIT', facilityId: 'HUB-1', scannedAt: at(p.receivedMs - 5 * HOUR) }) });
    }
    if (p.staleNoise) {
      add({ kind: 'scan', scan: carrierScan({ scanId: 's-stale', scannedAt: at(p.authorizedMs - 30 * DAY), facilityId: WAREHOUSE }) });
    }
    // facilityId may be absent on purpose (a DELIVERED scan without it is not at the warehouse).
    const delivered = (deltaMs: number, facilityId: string | undefined) =>
      add({ kind: 'scan', scan: carrierScan({ scannedAt: at(p.receivedMs + deltaMs), facilityId, ...weightOf(1) }) });
    switch (p.kind) {
      case 'honest':
      case 'overRefund':
      case 'offWeight':
      case 'sharedParcel':
        delivered(p.matchingDeltaMs, WAREHOUSE);
        break;
      case 'lateScan':
        after.set(delivered(p.matchingDeltaMs, WAREHOUSE), [receiptIx]);
        break;
      case 'otherFacility':
        delivered(p.anyDeltaMs, p.otherFacility);
        break;
      case 'receiptBeforeScan':
        delivered(p.lateDeltaMs, WAREHOUSE);
        break;
      case 'noScan':
        break;
    }
    const decision = NEVER_MATCHED.has(p.kind) ? p.decision : null;
    if (decision) {
      // After the receipt review is raised: it needs both the authorization and the receipt.
      const ix = add({ kind: 'decision', decision: reviewDecided({ decision, decidedAt: at(p.receivedMs + 6 * HOUR) }) });
      after.set(ix, [authIx, receiptIx]);
    }

    const released = decision === 'RELEASE' ? 'REVIEWER_RELEASED' : p.kind === 'honest' || p.kind === 'lateScan' ? 'EVIDENCE_MATCHED' : null;
    const denied = decision === 'DENY';
    const decidedAtMs =
      T0_MS +
      (released === 'EVIDENCE_MATCHED'
        ? Math.max(p.authorizedMs, p.requestedMs, p.receivedMs, p.receivedMs + p.matchingDeltaMs)
        : released === 'REVIEWER_RELEASED'
          ? Math.max(p.authorizedMs, p.requestedMs, p.receivedMs + 6 * HOUR)
          : Math.max(p.requestedMs, p.receivedMs + 6 * HOUR));
    const open = [
      ...(NEVER_MATCHED.has(p.kind) && !decision ? [reviewIdFor.receipt('r-1', 'rc-1')] : []),
      ...(overRefund ? [reviewIdFor.exceeds('r-1', 'rf-1')] : []),
      ...(p.pastMaxHold && !released && !denied ? [reviewIdFor.hold('r-1')] : []),
    ];
    const receiptReasons: Record<Kind, Reason[]> = {
      honest: [],
      lateScan: [],
      overRefund: [],
      noScan: [REASON.RECEIPT_WITHOUT_INBOUND_SCAN],
      otherFacility: [REASON.INBOUND_SCAN_AT_OTHER_FACILITY, REASON.RECEIPT_WITHOUT_INBOUND_SCAN],
      receiptBeforeScan: [REASON.RECEIPT_BEFORE_INBOUND_SCAN, REASON.RECEIPT_WITHOUT_INBOUND_SCAN],
      // Judged before the scan arrived it is reason 5; after, the weights disagree (reason 6).
      offWeight: [REASON.WEIGHT_MISMATCH, REASON.RECEIPT_WITHOUT_INBOUND_SCAN],
      sharedParcel: [REASON.PARCEL_EVIDENCE_REUSED],
    };
    // A stale delivery judged alone (before any fresh one arrived) is PARCEL_EVIDENCE_REUSED.
    const reasons = [...receiptReasons[p.kind], ...(p.staleNoise && NEVER_MATCHED.has(p.kind) ? [REASON.PARCEL_EVIDENCE_REUSED] : [])];
    return {
      kind: p.kind,
      facts,
      after,
      // grace > 0 with decisions too: the decision (6 h after the receipt) must find the review raised.
      graceMs: p.grace,
      // After every business time (≤ T0 + 10 h), before any orphan timeout and, unless asked, before maxHold.
      finalTick: new Date(T0_MS + (p.pastMaxHold ? 15 * DAY : 12 * HOUR)).toISOString(),
      expected: { release: released, denied, decidedAtMs: released || denied ? decidedAtMs : null, openReviewIds: open.sort(), receiptReasons: new Set(reasons) },
    };
  });

// ------------------------------------------------------------------ schedules

const MAX_FACTS = 7;
const MAX_COPIES = 3;
interface Schedule {
  readonly copies: readonly number[];
  readonly keys: readonly number[];
}
const scheduleArb: fc.Arbitrary<Schedule> = fc.record({
  copies: fc.array(fc.integer({ min: 1, max: MAX_COPIES }), { minLength: MAX_FACTS, maxLength: MAX_FACTS }),
  keys: fc.array(fc.nat({ max: 999 }), { minLength: MAX_FACTS * MAX_COPIES, maxLength: MAX_FACTS * MAX_COPIES }),
});

/** Fact indices in arrival order: every copy gets a sort key; constrained facts are pushed past their barrier. */
function arrivals(history: History, schedule: Schedule): number[] {
  const keyOf = (fact: number, copy: number) => schedule.keys[fact * MAX_COPIES + copy]!;
  const firstKey = (fact: number) => Math.min(...Array.from({ length: schedule.copies[fact]! }, (_, c) => keyOf(fact, c)));
  const slots: Array<{ fact: number; key: number; order: number }> = [];
  history.facts.forEach((_, fact) => {
    const barrier = Math.max(-1, ...(history.after.get(fact) ?? []).map(firstKey));
    for (let copy = 0; copy < schedule.copies[fact]!; copy++) {
      const key = history.after.has(fact) ? barrier + 1 + keyOf(fact, copy) : keyOf(fact, copy);
      slots.push({ fact, key, order: slots.length });
    }
  });
  return slots.sort((a, b) => a.key - b.key || a.order - b.order).map((s) => s.fact);
}

const businessTime = (fact: Fact): string => {
  switch (fact.kind) {
    case 'auth':
      return fact.auth.authorizedAt;
    case 'scan':
      return fact.scan.scannedAt;
    case 'receipt':
      return fact.receipt.receivedAt;
    case 'refund':
      return fact.request.requestedAt;
    case 'decision':
      return fact.decision.decidedAt;
  }
};

/** The commands the pipeline would send to the return for these arrivals, each marked when it repeats an earlier delivery. */
function commandsFor(facts: readonly Fact[], order: readonly number[], finalTick: string): Array<{ command: ReturnCommand; redelivery: boolean }> {
  let nowMs = Number.NEGATIVE_INFINITY;
  let authorized = false;
  const parcel: CarrierScan[] = [];
  const delivered = new Set<number>();
  const out: Array<{ command: ReturnCommand; redelivery: boolean }> = [];
  for (const ix of order) {
    const fact = facts[ix]!;
    nowMs = Math.max(nowMs, Date.parse(businessTime(fact)));
    const now = new Date(nowMs).toISOString();
    const redelivery = delivered.has(ix);
    delivered.add(ix);
    const push = (command: ReturnCommand) => out.push({ command, redelivery });
    switch (fact.kind) {
      case 'auth':
        push({ type: 'AuthorizeReturn', authorization: fact.auth, scans: [...parcel], ...(fact.peers ? { peers: fact.peers } : {}), now });
        authorized = true;
        break;
      case 'scan':
        if (!parcel.includes(fact.scan)) parcel.push(fact.scan);
        // Before the authorization the parcel is linked to no return yet: the scan waits in the parcel.
        if (authorized) push({ type: 'RecordScan', scan: fact.scan, now });
        break;
      case 'receipt':
        push({ type: 'RecordReceipt', receipt: fact.receipt, employeeFlag: null, now });
        break;
      case 'refund':
        push({ type: 'RequestRefund', request: fact.request, now });
        break;
      case 'decision':
        push({ type: 'DecideReview', decision: fact.decision, now });
        break;
    }
  }
  out.push({ command: { type: 'Tick', now: finalTick }, redelivery: false });
  return out;
}

function replay(history: History, schedule: Schedule): Outcome {
  const decider = createDecider({ ...resolveSettings(), graceMs: history.graceMs });
  return run(decider, commandsFor(history.facts, arrivals(history, schedule), history.finalTick).map((c) => c.command));
}

/** What R9 compares: money decisions and the reviews left open. */
function verdict(outcome: Outcome) {
  return {
    releases: outcome.effects.filter((e): e is RefundReleased => e.type === 'RefundReleased'),
    denials: outcome.effects.filter((e): e is RefundDenied => e.type === 'RefundDenied'),
    open: openReviews(outcome.state).map((r) => ({ reviewId: r.reviewId, reason: r.reason })),
  };
}

/** Comparable form: instants as epoch ms, whatever the ISO spelling. */
const money = (v: ReturnType<typeof verdict>) => ({
  releases: v.releases.map((r) => ({ ...r, releasedAt: Date.parse(r.releasedAt) })),
  denials: v.denials.map((d) => ({ ...d, deniedAt: Date.parse(d.deniedAt) })),
});

function assertOnce(v: ReturnType<typeof verdict>): void {
  // R2: at most one release, at most one denial, never both; only the first refund.
  expect(v.releases.length).toBeLessThanOrEqual(1);
  expect(v.denials.length).toBeLessThanOrEqual(1);
  expect(v.releases.length + v.denials.length).toBeLessThanOrEqual(1);
  for (const r of v.releases) expect(r.refundId).toBe('rf-1');
}

function assertExpected(history: History, v: ReturnType<typeof verdict>): void {
  const { expected } = history;
  expect(v.releases.map((r) => r.basis)).toEqual(expected.release ? [expected.release] : []);
  for (const r of v.releases) expect(r.amount).toEqual({ amount: 4_999, currency: 'EUR' });
  expect(v.denials.map((d) => d.refundId)).toEqual(expected.denied ? ['rf-1'] : []);
  const decidedAt = [...v.releases.map((r) => r.releasedAt), ...v.denials.map((d) => d.deniedAt)].map((t) => Date.parse(t));
  expect(decidedAt).toEqual(expected.decidedAtMs === null ? [] : [expected.decidedAtMs]);
  expect(v.open.map((r) => r.reviewId).sort()).toEqual(expected.openReviewIds);
  for (const r of v.open) if (r.reviewId === reviewIdFor.receipt('r-1', 'rc-1')) expect(expected.receiptReasons).toContain(r.reason);
}

describe('R9 order independence (property)', () => {
  it(`two arrival orders with redeliveries give the same releases, denials and open reviews (seed ${R9_SEED})`, () => {
    fc.assert(
      fc.property(historyArb, scheduleArb, scheduleArb, (history, first, second) => {
        // Act
        const a = verdict(replay(history, first));
        const b = verdict(replay(history, second));
        // Assess: R2 in each run, the expected outcome, and the same outcome in both.
        assertOnce(a);
        assertOnce(b);
        assertExpected(history, a);
        expect(money(b)).toEqual(money(a));
        expect(b.open.map((r) => r.reviewId)).toEqual(a.open.map((r) => r.reviewId));
        a.open.forEach((r, i) => {
          const other = b.open[i]!.reason;
          if (other !== r.reason) expect([SCAN_REASONS.has(r.reason), SCAN_REASONS.has(other)]).toEqual([true, true]);
        });
      }),
      { numRuns: NUM_RUNS, seed: R9_SEED },
    );
  });
});

// ------------------------------------------------------------------ R8 / effects once

/** A looser return: second refund, a second receipt, flagged receipts, self-reviews, any decision on any review. */
const messyArb = fc
  .record({
    extraRefund: fc.boolean(),
    secondReceipt: fc.constantFrom(null, 'WH-1', 'WH-2'),
    flagged: fc.boolean(),
    scan: fc.constantFrom(null, 'WH-1', 'HUB-9'),
    scanDeltaMs: secondsIn(-2 * HOUR, 2 * HOUR),
    decisions: fc.array(
      fc.record({
        reviewId: fc.constantFrom(
          reviewIdFor.receipt('r-1', 'rc-1'),
          reviewIdFor.receipt('r-1', 'rc-2'),
          reviewIdFor.secondRefund('r-1', 'rf-2'),
          reviewIdFor.flagged('r-1', 'rc-1'),
          reviewIdFor.exceeds('r-1', 'rf-1'),
          reviewIdFor.receipt('r-2', 'rc-1'),
        ),
        reviewerId: fc.constantFrom('rev-1', 'rev-2', 'emp-7', 'emp-9'),
        decision: fc.constantFrom('RELEASE', 'DENY') as fc.Arbitrary<'RELEASE' | 'DENY'>,
        minutes: fc.integer({ min: 0, max: 600 }),
      }),
      { maxLength: 3 },
    ),
    overRefund: fc.boolean(),
    tickOffsetMs: fc.constantFrom(12 * HOUR, 15 * DAY),
  })
  .map((p) => {
    const at = (ms: number) => new Date(T0_MS + ms).toISOString();
    const facts: Fact[] = [
      { kind: 'auth', auth: returnAuthorized() },
      { kind: 'receipt', receipt: warehouseReceipt({ receivedAt: at(2 * HOUR) }) },
      { kind: 'refund', request: refundRequested(p.overRefund ? { amount: { amount: 7_000, currency: 'EUR' } } : {}) },
    ];
    if (p.scan) facts.push({ kind: 'scan', scan: carrierScan({ facilityId: p.scan, scannedAt: at(2 * HOUR + p.scanDeltaMs) }) });
    if (p.extraRefund) facts.push({ kind: 'refund', request: refundRequested({ refundId: 'rf-2', requestedAt: at(3 * HOUR) }) });
    if (p.secondReceipt) {
      facts.push({ kind: 'receipt', receipt: warehouseReceipt({ receiptId: 'rc-2', warehouseId: p.secondReceipt, employeeId: 'emp-9', receivedAt: at(2 * HOUR + 30 * MINUTE) }) });
    }
    p.decisions.forEach(({ minutes, ...d }, i) =>
      facts.push({ kind: 'decision', decision: reviewDecided({ ...d, decisionId: `d-${i}`, decidedAt: at(3 * HOUR + minutes * MINUTE) }) }),
    );
    return { facts, flagged: p.flagged, finalTick: at(p.tickOffsetMs) };
  });

const messyScheduleArb = fc.record({
  copies: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 8, maxLength: 8 }),
  keys: fc.array(fc.nat({ max: 999 }), { minLength: 32, maxLength: 32 }),
});

describe('R8 redelivery (property)', () => {
  it(`random interleavings of duplicate deliveries publish no effect twice and a redelivery yields no event (seed ${R8_SEED})`, () => {
    fc.assert(
      fc.property(messyArb, messyScheduleArb, (story, schedule) => {
        // Prepare
        const slots = story.facts.flatMap((_, fact) =>
          Array.from({ length: schedule.copies[fact]! }, (__, copy) => ({ fact, key: schedule.keys[fact * 4 + copy]! })),
        );
        const order = slots.sort((a, b) => a.key - b.key || a.fact - b.fact).map((s) => s.fact);
        const flag = story.flagged
          ? { employeeId: 'emp-7', anomalyReviewId: reviewIdFor.employeeAnomaly('emp-7', 'x'), flaggedAt: new Date(T0_MS).toISOString(), flaggedUntil: new Date(T0_MS + DAY).toISOString() }
          : null;
        const commands = commandsFor(story.facts, order, story.finalTick).map(({ command, redelivery }) => ({
          command: command.type === 'RecordReceipt' ? { ...command, employeeFlag: flag } : command,
          redelivery,
        }));
        const decider = createDecider(resolveSettings());
        // Act
        let state = decider.initialState('r-1');
        const effects: Effect[] = [];
        const redeliveryEvents: unknown[] = [];
        for (const { command, redelivery } of commands) {
          const events = decider.decide(command, state);
          if (redelivery) redeliveryEvents.push(...events);
          state = events.reduce(decider.evolve, state);
          effects.push(...effectsOf(events));
        }
        // Assess
        expect(redeliveryEvents).toEqual([]);
        const effectIds = effects.map((e) => e.effectId);
        expect(new Set(effectIds).size).toBe(effectIds.length);
        const money = effects.filter((e) => e.type === 'RefundReleased' || e.type === 'RefundDenied');
        expect(money.length).toBeLessThanOrEqual(1);
        // R2: only the first refund request processed can be released or denied.
        const firstRefund = commands.find(({ command }) => command.type === 'RequestRefund')?.command;
        const refundId = firstRefund?.type === 'RequestRefund' ? firstRefund.request.refundId : 'none';
        for (const e of money) expect(e.refundId).toBe(refundId);
        // R5: a decision on another return's review is never applied here.
        for (const e of effects) if (e.type === 'DecisionIgnored' && e.reviewId === reviewIdFor.receipt('r-2', 'rc-1')) expect(e.why).toBe('REVIEW_OF_OTHER_RETURN');
      }),
      { numRuns: NUM_RUNS, seed: R8_SEED },
    );
  });
});
