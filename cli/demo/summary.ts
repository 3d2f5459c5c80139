import { REASONS, type Reason } from '../../shared/domain/reasons.js';
import type { ReplayLine, ReplayOutput } from '../output.js';
import { integer, seconds } from '../progress.js';
import { SCENARIOS, type DemoDay, type Insider, type Scenario } from './generator.js';
import { EMPLOYEES, WAREHOUSES } from './world.js';

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

/** Count and money (cents, USD). */
export interface Tally {
  count: number;
  amount: number;
}

export interface DemoSummary {
  readonly seed: number;
  readonly day: string;
  readonly returns: number;
  readonly warehouses: number;
  readonly employees: number;
  readonly events: { readonly total: number; readonly duplicates: number; readonly delayed: number; readonly lateScans: number; readonly rejected: number };
  readonly elapsedMs: number;
  readonly refunds: {
    readonly released: Tally;
    readonly releasedOnEvidence: Tally;
    readonly releasedByReviewer: Tally;
    readonly held: Tally;
    readonly heldUnderReview: Tally;
    readonly heldAwaitingEvidence: Tally;
    readonly denied: Tally;
  };
  readonly reviews: ReadonlyArray<{ readonly reason: Reason; readonly raised: number; readonly cleared: number; readonly decided: number; readonly open: number }>;
  readonly employeesFlagged: ReadonlyArray<{ readonly employeeId: string; readonly raisedAt: string; readonly insider: Insider['kind'] | null }>;
  readonly truth: {
    readonly fraud: Tally;
    readonly fraudStopped: Tally;
    readonly fraudMissed: Tally;
    readonly byScheme: ReadonlyArray<{ readonly scenario: Scenario; readonly label: string; readonly total: Tally; readonly stopped: Tally; readonly missed: Tally }>;
    readonly honest: Tally;
    readonly honestReleased: Tally;
    readonly honestHeld: Tally;
    readonly honestDenied: Tally;
    /** Why honest refunds are still held: the reason of their oldest open review, or no review yet. */
    readonly honestHeldBy: ReadonlyArray<{ readonly why: string; readonly tally: Tally }>;
    readonly insiders: ReadonlyArray<Insider & { readonly flagged: boolean }>;
    readonly honestEmployeesFlagged: number;
  };
  /** WEIGHT_MISMATCH (contract v1.1): what the weight check held, and what it saved. */
  readonly weightCheck: {
    /** Refunds not released with a WEIGHT_MISMATCH review. */
    readonly held: Tally;
    /** Fraud held by it and by nothing else: released without the weight check. */
    readonly wouldHaveBeenLost: Tally;
    /** Honest refunds held by it (false alarms); zero at the default tolerances. */
    readonly honestHeld: Tally;
  };
}

const zero = (): Tally => ({ count: 0, amount: 0 });
const add = (t: Tally, amount: number): void => {
  t.count += 1;
  t.amount += amount;
};

/** Set what refund-gate published against the generator's ground truth. */
export function summarize(day: DemoDay, tally: DemoTally, elapsedMs: number): DemoSummary {
  const decidedReviews = new Set([...day.decisions].filter(([decisionId]) => tally.effectiveDecisions.has(decisionId)).map(([, reviewId]) => reviewId));
  const openReviewsByReturn = new Map<string, Reason[]>();
  const reasons = new Map<Reason, { raised: number; cleared: number; decided: number; open: number }>();
  for (const [reviewId, review] of tally.reviews) {
    const row = reasons.get(review.reason) ?? { raised: 0, cleared: 0, decided: 0, open: 0 };
    row.raised += 1;
    if (tally.cleared.has(reviewId)) row.cleared += 1;
    else if (decidedReviews.has(reviewId)) row.decided += 1;
    else {
      row.open += 1;
      if (review.returnId) openReviewsByReturn.set(review.returnId, [...(openReviewsByReturn.get(review.returnId) ?? []), review.reason]);
    }
    reasons.set(review.reason, row);
  }

  const refunds = {
    released: zero(),
    releasedOnEvidence: zero(),
    releasedByReviewer: zero(),
    held: zero(),
    heldUnderReview: zero(),
    heldAwaitingEvidence: zero(),
    denied: zero(),
  };
  const truth = {
    fraud: zero(),
    fraudStopped: zero(),
    fraudMissed: zero(),
    honest: zero(),
    honestReleased: zero(),
    honestHeld: zero(),
    honestDenied: zero(),
  };
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
      add(openReviewsByReturn.has(r.returnId) ? refunds.heldUnderReview : refunds.heldAwaitingEvidence, amount);
    }
    if (r.fraud) {
      add(truth.fraud, amount);
      add(released ? truth.fraudMissed : truth.fraudStopped, amount);
      const s = schemes.get(r.scenario) ?? { total: zero(), stopped: zero(), missed: zero() };
      add(s.total, amount);
      add(released ? s.missed : s.stopped, amount);
      schemes.set(r.scenario, s);
    } else {
      add(truth.honest, amount);
      add(released ? truth.honestReleased : denied ? truth.honestDenied : truth.honestHeld, amount);
      if (!released && !denied) {
        const open = openReviewsByReturn.get(r.returnId) ?? [];
        const why = open.includes('RECEIPT_BY_FLAGGED_EMPLOYEE')
          ? 'received by a flagged employee'
          : open[0] !== undefined
            ? `under review: ${open[0]}`
            : 'awaiting carrier or warehouse evidence';
        const t = honestHeldBy.get(why) ?? zero();
        add(t, amount);
        honestHeldBy.set(why, t);
      }
    }
  }

  // The weight check: returns with a WEIGHT_MISMATCH review, and the other reasons that hold them.
  const reasonsByReturn = new Map<string, Set<Reason>>();
  for (const review of tally.reviews.values()) {
    if (review.returnId) reasonsByReturn.set(review.returnId, (reasonsByReturn.get(review.returnId) ?? new Set<Reason>()).add(review.reason));
  }
  const weightCheck = { held: zero(), wouldHaveBeenLost: zero(), honestHeld: zero() };
  for (const r of day.truth) {
    const reasonsOf = reasonsByReturn.get(r.returnId);
    if (!reasonsOf?.has('WEIGHT_MISMATCH') || tally.released.has(r.returnId)) continue;
    add(weightCheck.held, r.refund.amount);
    if (!r.fraud) add(weightCheck.honestHeld, r.refund.amount);
    else if ([...reasonsOf].every((reason) => reason === 'WEIGHT_MISMATCH' || reason === 'HOLD_EXPIRED')) add(weightCheck.wouldHaveBeenLost, r.refund.amount);
  }

  const anomalies = [...tally.reviews.values()].filter((r) => r.reason === 'EMPLOYEE_RECEIPT_ANOMALY' && r.employeeId);
  const insiderKind = new Map<string, Insider['kind']>([
    ...day.insiders.map((i): [string, Insider['kind']] => [i.employeeId, i.kind]),
    [day.ringClerk.employeeId, 'empty-box-ring'],
  ]);
  const flagged = [...new Map(anomalies.map((a) => [a.employeeId!, a])).values()]
    .map((a) => ({ employeeId: a.employeeId!, raisedAt: a.raisedAt, insider: insiderKind.get(a.employeeId!) ?? null }))
    .sort((a, b) => (a.raisedAt < b.raisedAt ? -1 : a.raisedAt > b.raisedAt ? 1 : a.employeeId < b.employeeId ? -1 : 1));
  const flaggedIds = new Set(flagged.map((f) => f.employeeId));

  return {
    seed: day.seed,
    day: day.day,
    returns: day.truth.length,
    warehouses: WAREHOUSES.length,
    employees: EMPLOYEES.length,
    events: { total: day.events.length, duplicates: day.duplicates, delayed: day.delayed, lateScans: day.lateScans, rejected: tally.rejected },
    elapsedMs,
    refunds,
    reviews: REASONS.filter((reason) => reasons.has(reason)).map((reason) => ({ reason, ...reasons.get(reason)! })),
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
    weightCheck,
  };
}

// ---------------------------------------------------------------- the text

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const money = (cents: number): string => usd.format(cents / 100);
const pct = (part: number, whole: number): string => (whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)}%`);

function row(label: string, t: Tally, note = ''): string {
  return `  ${label.padEnd(44)}${integer(t.count).padStart(7)}  ${money(t.amount).padStart(14)}${note ? `   ${note}` : ''}`;
}

/** The summary as a loss-prevention manager reads it. */
export function formatSummary(s: DemoSummary): string {
  const out: string[] = [];
  const insiderName = (i: Insider) =>
    `${i.employeeId} (${i.kind === 'bribed-employee' ? 'bribed employee' : i.kind === 'phished-account' ? 'phished account' : 'empty-box ring'}, ${i.warehouseId})`;
  out.push(`refund-gate demo: receiving day ${s.day}, seed ${s.seed}`);
  out.push(`${integer(s.returns)} returns at ${s.warehouses} returns centres, ${s.employees} receiving employees`);
  out.push(
    `${integer(s.events.total)} events replayed (${integer(s.events.duplicates)} duplicates, ${integer(s.events.delayed)} delivered out of order, ` +
      `${integer(s.events.lateScans)} late delivery scans${s.events.rejected ? `, ${integer(s.events.rejected)} rejected` : ''}) in ${seconds(s.elapsedMs)}`,
  );
  out.push('');
  out.push(`${'REFUNDS'.padEnd(46)}${'returns'.padStart(7)}  ${'amount'.padStart(14)}`);
  out.push(row('released', s.refunds.released));
  out.push(row('  on matched carrier and warehouse evidence', s.refunds.releasedOnEvidence));
  out.push(row('  by a reviewer', s.refunds.releasedByReviewer));
  out.push(row('held', s.refunds.held));
  out.push(row('  under review', s.refunds.heldUnderReview));
  out.push(row('  awaiting carrier or warehouse evidence', s.refunds.heldAwaitingEvidence));
  out.push(row('denied by a reviewer', s.refunds.denied));
  out.push('');
  out.push(`${'REVIEWS BY REASON'.padEnd(40)}${'raised'.padStart(7)}${'cleared'.padStart(9)}${'decided'.padStart(9)}${'open'.padStart(7)}`);
  if (s.reviews.length === 0) out.push('  (none)');
  for (const r of s.reviews) {
    out.push(`  ${r.reason.padEnd(38)}${integer(r.raised).padStart(7)}${integer(r.cleared).padStart(9)}${integer(r.decided).padStart(9)}${integer(r.open).padStart(7)}`);
  }
  out.push('');
  out.push('WEIGHT CHECK (WEIGHT_MISMATCH: expected, carrier and dock weights disagree)');
  out.push(row('refunds held by the weight check', s.weightCheck.held));
  out.push(row('  would have been lost without it', s.weightCheck.wouldHaveBeenLost, 'fraud held by nothing else'));
  out.push(row('  honest refunds held by it', s.weightCheck.honestHeld, 'at the default tolerances'));
  out.push('');
  out.push('EMPLOYEES FLAGGED (EMPLOYEE_RECEIPT_ANOMALY)');
  if (s.employeesFlagged.length === 0) out.push('  (none)');
  for (const f of s.employeesFlagged) {
    out.push(`  ${f.employeeId.padEnd(14)} flagged at ${f.raisedAt}   ${f.insider ? `insider (${f.insider})` : 'honest employee (false alarm)'}`);
  }
  out.push('');
  out.push(`AGAINST THE GENERATOR'S GROUND TRUTH`);
  const t = s.truth;
  out.push(row('fraud attempted', t.fraud));
  out.push(row('  stopped (held or denied)', t.fraudStopped, pct(t.fraudStopped.amount, t.fraud.amount)));
  out.push(row('  missed (released)', t.fraudMissed, pct(t.fraudMissed.amount, t.fraud.amount)));
  for (const b of t.byScheme) {
    out.push(`    ${b.label}`);
    out.push(row(`      stopped`, b.stopped));
    if (b.missed.count > 0) out.push(row(`      missed`, b.missed));
  }
  out.push(row('honest refunds', t.honest));
  out.push(row('  released', t.honestReleased));
  out.push(row('  held (honest customers waiting)', t.honestHeld, `${pct(t.honestHeld.count, t.honest.count)} of honest refunds`));
  for (const h of t.honestHeldBy) out.push(row(`    ${h.why}`, h.tally));
  if (t.honestDenied.count > 0) out.push(row('  denied', t.honestDenied));
  const caught = t.insiders.filter((i) => i.flagged);
  out.push(
    `  insiders flagged: ${caught.length} of ${t.insiders.length} (${t.insiders.map((i) => `${insiderName(i)}${i.flagged ? ' ✓' : ''}`).join('; ')})`,
  );
  out.push(`  honest employees flagged: ${t.honestEmployeesFlagged}`);
  return `${out.join('\n')}\n`;
}
