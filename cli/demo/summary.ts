import { REASONS, type Reason } from '../../shared/domain/reasons.js';
import type { ReplayLine, ReplayOutput } from '../output.js';
import { SCENARIOS, type DemoDay, type Insider, type Scenario } from './scenarios.js';
import { EMPLOYEES, WAREHOUSES } from './world.js';
import { parcelCheckOf } from './parcel-check.js';
import { reasonWords } from './words.js';
import type { DemoSummary, Tally } from './summary-types.js';

/**
 * Tallies what refund-gate published during the demo, by return and by
 * review. Only the outputs count: the summary is what a loss-prevention team
 * would see on the bus and the review topic, then set against the
 * generator's ground truth.
 */
export class DemoTally implements ReplayOutput {
  public readonly released = new Map<string, { amount: number; basis: string }>();
  public readonly denied = new Map<string, { amount: number | undefined; decisionId: string }>();
  public readonly reviews = new Map<string, { reason: Reason; returnId?: string; employeeId?: string; raisedAt: string; evidence: Record<string, unknown> }>();
  public readonly cleared = new Map<string, string>();
  public readonly effectiveDecisions = new Set<string>();
  public rejected = 0;

  public async emit(line: ReplayLine): Promise<void> {
    switch (line.channel) {
      case 'eventbridge': {
        const d = line.detail;
        const returnId = String(d['returnId']);
        if (line.detailType === 'RefundReleased') {
          this.released.set(returnId, { amount: moneyAmount(d['amount']), basis: String(d['basis']) });
        } else {
          this.denied.set(returnId, { amount: d['amount'] === undefined ? undefined : moneyAmount(d['amount']), decisionId: String(d['decisionId']) });
        }
        if (typeof d['decisionId'] === 'string') this.effectiveDecisions.add(d['decisionId']);
        return;
      }
      case 'sns': {
        const m = line.message;
        const reviewId = String(m['reviewId']);
        if (m['type'] === 'ReviewRequested') {
          this.reviews.set(reviewId, {
            reason: m['reason'] as Reason,
            returnId: m['returnId'] as string | undefined,
            employeeId: m['employeeId'] as string | undefined,
            raisedAt: String(m['raisedAt']),
            evidence: (m['evidence'] ?? {}) as Record<string, unknown>,
          });
        } else if (m['type'] === 'ReviewCleared') {
          this.cleared.set(reviewId, String(m['cause']));
        }
        return;
      }
      case 'rejected':
        this.rejected += 1;
        return;
    }
  }

  public async close(): Promise<void> {}
}

function moneyAmount(value: unknown): number {
  return typeof value === 'object' && value !== null ? Number((value as { amount?: unknown }).amount ?? 0) : 0;
}

// ---------------------------------------------------------------- the summary

export type { DemoSummary, ParcelCheck, ParcelStory, Tally } from './summary-types.js';

const zero = (): Tally => ({ count: 0, amount: 0 });
const add = (t: Tally, amount: number): void => {
  t.count += 1;
  t.amount += amount;
};

/** Set what refund-gate published against the generator's ground truth. */
export function summarize(day: DemoDay, tally: DemoTally, elapsedMs: number): DemoSummary {
  const { rows, openByReturn } = reviewRows(day, tally);
  const flagged = flaggedEmployees(day, tally);
  const flaggedIds = new Set(flagged.map((f) => f.employeeId));
  const { refunds, truth, schemes, honestHeldBy } = settle(day, tally, openByReturn);
  return {
    seed: day.seed,
    day: day.day,
    returns: day.truth.length,
    warehouses: WAREHOUSES.length,
    employees: EMPLOYEES.length,
    events: { total: day.events.length, duplicates: day.duplicates, delayed: day.delayed, lateScans: day.lateScans, rejected: tally.rejected },
    elapsedMs,
    refunds,
    reviews: REASONS.filter((reason) => rows.has(reason)).map((reason) => ({ reason, ...rows.get(reason)! })),
    employeesFlagged: flagged,
    truth: {
      ...truth,
      byScheme: (Object.keys(SCENARIOS) as Scenario[])
        .filter((s) => schemes.has(s))
        .map((scenario) => ({ scenario, label: SCENARIOS[scenario].label, ...schemes.get(scenario)! })),
      honestHeldBy: [...honestHeldBy]
        .map(([why, tally]) => ({ why, tally }))
        .sort((a, b) => b.tally.count - a.tally.count || (a.why < b.why ? -1 : 1)),
      insiders: day.insiders.map((i) => ({ ...i, flagged: flaggedIds.has(i.employeeId) })),
      honestEmployeesFlagged: flagged.filter((f) => f.insider === null).length,
    },
    weightCheck: weightCheckOf(day, tally),
    parcelCheck: parcelCheckOf(day, tally),
  };
}

type ReviewRow = { raised: number; cleared: number; decided: number; open: number };

/** Reviews by reason (raised, cleared, decided, open), and the open reasons of each return. */
function reviewRows(day: DemoDay, tally: DemoTally): { rows: Map<Reason, ReviewRow>; openByReturn: Map<string, Reason[]> } {
  const decidedReviews = new Set([...day.decisions].filter(([decisionId]) => tally.effectiveDecisions.has(decisionId)).map(([, reviewId]) => reviewId));
  const openByReturn = new Map<string, Reason[]>();
  const rows = new Map<Reason, ReviewRow>();
  for (const [reviewId, review] of tally.reviews) {
    const row = rows.get(review.reason) ?? { raised: 0, cleared: 0, decided: 0, open: 0 };
    row.raised += 1;
    if (tally.cleared.has(reviewId)) row.cleared += 1;
    else if (decidedReviews.has(reviewId)) row.decided += 1;
    else {
      row.open += 1;
      if (review.returnId) openByReturn.set(review.returnId, [...(openByReturn.get(review.returnId) ?? []), review.reason]);
    }
    rows.set(review.reason, row);
  }
  return { rows, openByReturn };
}

/** Each return's refund as published (released, denied, held), and the same against the ground truth. */
function settle(day: DemoDay, tally: DemoTally, openByReturn: ReadonlyMap<string, Reason[]>) {
  const refunds = { released: zero(), releasedOnEvidence: zero(), releasedByReviewer: zero(), held: zero(), heldUnderReview: zero(), heldAwaitingEvidence: zero(), denied: zero() };
  const truth = { fraud: zero(), fraudStopped: zero(), fraudMissed: zero(), honest: zero(), honestReleased: zero(), honestHeld: zero(), honestDenied: zero() };
  const schemes = new Map<Scenario, { total: Tally; stopped: Tally; missed: Tally }>();
  const honestHeldBy = new Map<string, Tally>();
  for (const r of day.truth) {
    const amount = r.refund.amount;
    const released = tally.released.get(r.returnId);
    const denied = tally.denied.get(r.returnId);
    if (released) {
      add(refunds.released, released.amount);
      add(released.basis === 'REVIEWER_RELEASED' ? refunds.releasedByReviewer : refunds.releasedOnEvidence, released.amount);
    } else if (denied) {
      add(refunds.denied, denied.amount ?? amount);
    } else {
      add(refunds.held, amount);
      add(openByReturn.has(r.returnId) ? refunds.heldUnderReview : refunds.heldAwaitingEvidence, amount);
    }
    if (r.fraud) {
      add(truth.fraud, amount);
      add(released ? truth.fraudMissed : truth.fraudStopped, amount);
      const s = schemes.get(r.scenario) ?? { total: zero(), stopped: zero(), missed: zero() };
      add(s.total, amount);
      add(released ? s.missed : s.stopped, amount);
      schemes.set(r.scenario, s);
      continue;
    }
    add(truth.honest, amount);
    add(released ? truth.honestReleased : denied ? truth.honestDenied : truth.honestHeld, amount);
    if (released || denied) continue;
    const why = heldWhy(openByReturn.get(r.returnId) ?? []);
    const t = honestHeldBy.get(why) ?? zero();
    add(t, amount);
    honestHeldBy.set(why, t);
  }
  return { refunds, truth, schemes, honestHeldBy };
}

/** Why a refund is still held: a flagged employee first, else the oldest open review's reason, else no review yet. */
function heldWhy(open: readonly Reason[]): string {
  if (open.includes('RECEIPT_BY_FLAGGED_EMPLOYEE')) return 'received by a flagged employee';
  return open[0] !== undefined ? `under review: ${reasonWords(open[0])} (${open[0]})` : 'awaiting carrier or warehouse evidence';
}

function reasonsByReturn(tally: DemoTally): Map<string, Set<Reason>> {
  const byReturn = new Map<string, Set<Reason>>();
  for (const review of tally.reviews.values()) {
    if (review.returnId) byReturn.set(review.returnId, (byReturn.get(review.returnId) ?? new Set<Reason>()).add(review.reason));
  }
  return byReturn;
}

/** The weight check: returns with a WEIGHT_MISMATCH review, and the other reasons that hold them. */
function weightCheckOf(day: DemoDay, tally: DemoTally): DemoSummary['weightCheck'] {
  const byReturn = reasonsByReturn(tally);
  const weightCheck = { held: zero(), wouldHaveBeenLost: zero(), honestHeld: zero() };
  for (const r of day.truth) {
    const reasonsOf = byReturn.get(r.returnId);
    if (!reasonsOf?.has('WEIGHT_MISMATCH') || tally.released.has(r.returnId)) continue;
    add(weightCheck.held, r.refund.amount);
    if (!r.fraud) add(weightCheck.honestHeld, r.refund.amount);
    else if ([...reasonsOf].every((reason) => reason === 'WEIGHT_MISMATCH' || reason === 'HOLD_EXPIRED')) add(weightCheck.wouldHaveBeenLost, r.refund.amount);
  }
  return weightCheck;
}

/** EMPLOYEE_RECEIPT_ANOMALY reviews, one per employee, oldest first, with the insider they are (if any). */
function flaggedEmployees(day: DemoDay, tally: DemoTally): DemoSummary['employeesFlagged'] {
  const anomalies = [...tally.reviews.values()].filter((r) => r.reason === 'EMPLOYEE_RECEIPT_ANOMALY' && r.employeeId);
  const insiderKind = new Map<string, Insider['kind']>([
    ...day.insiders.map((i): [string, Insider['kind']] => [i.employeeId, i.kind]),
    [day.ringClerk.employeeId, 'empty-box-ring'],
  ]);
  return [...new Map(anomalies.map((a) => [a.employeeId!, a])).values()]
    .map((a) => ({ employeeId: a.employeeId!, raisedAt: a.raisedAt, insider: insiderKind.get(a.employeeId!) ?? null }))
    .sort((a, b) => (a.raisedAt < b.raisedAt ? -1 : a.raisedAt > b.raisedAt ? 1 : a.employeeId < b.employeeId ? -1 : 1));
}


export { formatSummary } from './summary-text.js';
