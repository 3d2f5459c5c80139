/**
 * The reviewer's read model: a stored return state (and what is known of the
 * employees on its receipts) turned into an {@link Explanation}, the view the
 * `explain`, `reviews`, `decide` and `console` commands show.
 *
 * With the domain's review queue (domain/review-queue.ts), this is where the
 * review tools read a return item: a change to `ReturnState` is ported here
 * and there, nowhere else. Pure: no I/O, no clock, no AWS. The text a person
 * reads at a terminal is the CLI's (cli/commands/explain-text.ts).
 */
import type { DetailType } from '../contract/inbound.js';
import { cmp } from '../domain/ids.js';
import { assessReceipt, deliveredScans, inboundScans } from '../domain/matching.js';
import { samePerson } from '../domain/people.js';
import { liftedFor } from '../domain/alert-decision.js';
import { exceedsAuthorized } from '../domain/rules/refund-exceeds.js';
import { reviewsOf, type ReviewView } from '../domain/review-queue.js';
import { finalDecision, refundOf, sortedReceipts } from '../domain/state.js';
import { toEpochMs, utc } from '../domain/time.js';
import type { DecisionRecord, Money, ReturnState } from '../domain/types.js';
import { GRAMS_PER, describeWeight, roundTenth, type KnownWeight } from '../domain/weights.js';
import type { DecisionView, ExplainInput, Explanation, MissingItem, ReceiptEvidence, ReturnStatusView, ScanEvidence, TimelineEntry, WeightCheck, WeightView } from './explanation.js';

/** Explain one return: pure; the same state always gives the same view. */
export function explainReturn(input: ExplainInput): Explanation {
  const { state, sources } = input;
  const auth = state.authorization;
  const receipts = sortedReceipts(state);
  const receiptEvidence = receiptEvidenceOf(input, receipts);

  const reviews = reviewsOf(state);
  const openReviews = reviews.filter((r) => r.status === 'OPEN');
  const closedReviews = reviews.filter((r) => r.status !== 'OPEN');
  const status = statusOf(state);
  const refund = refundOf(state);
  const requested = refund?.amount ?? null;
  const final = finalDecision(state);
  const moneyHeld = status === 'RELEASED' || status === 'DENIED' ? null : (requested ?? auth?.refund ?? null);
  const missing = status === 'RELEASED' || status === 'DENIED' ? [] : missingFor(state, receiptEvidence, openReviews);

  return {
    returnId: state.returnId,
    status,
    headline: headlineOf(state, missing, openReviews),
    orderId: auth?.orderId ?? null,
    customerId: auth?.customerId ?? null,
    warehouseId: auth?.warehouseId ?? null,
    carrier: auth?.carrier ?? null,
    trackingNumber: auth?.trackingNumber ?? null,
    authorizedRefund: auth?.refund ?? null,
    requestedRefund: requested,
    refundId: refund?.refundId ?? null,
    moneyHeld,
    released:
      state.status === 'RELEASED' ? { amount: state.release.amount, releasedAt: utc(state.release.releasedAt), basis: state.release.basis } : null,
    denied:
      state.status === 'DENIED' ? { amount: state.denial.amount, deniedAt: utc(state.denial.deniedAt), reviewerId: state.denial.reviewerId } : null,
    decision: final ? decisionView({ decision: final, outcome: 'FINAL' }) : null,
    decisions: state.decisions.map(decisionView),
    timeline: timelineOf(state, sources, reviews),
    evidence: evidenceOf(input, receiptEvidence),
    openReviews,
    closedReviews,
    missing,
    excludedReviewers: [...new Set(receipts.map((r) => r.employeeId))].sort(cmp),
  };
}

/** The evidence section: the expected weight, the delivered scans, the receipts, and the parcel's other returns when it has any. */
function evidenceOf(input: ExplainInput, receipts: ReceiptEvidence[]): Explanation['evidence'] {
  const { state } = input;
  const auth = state.authorization;
  return {
    expectedWeight: auth ? weightOf(auth) : null,
    scans: scanEvidenceOf(input),
    receipts,
    authorizedAt: auth ? utc(auth.authorizedAt) : null,
    ...(state.peers?.length
      ? { parcelReturns: state.peers.map((p) => ({ returnId: p.returnId, customerId: p.customerId, authorizedAt: utc(p.authorizedAt), released: p.released === true })) }
      : {}),
  };
}

/** Every delivered scan, and whether it counts as the inbound scan. */
function scanEvidenceOf(input: ExplainInput): ScanEvidence[] {
  const auth = input.state.authorization;
  const scans = input.state.scans;
  return deliveredScans(scans).map((s) => ({
    scanId: s.scanId,
    status: s.status,
    facilityId: s.facilityId ?? null,
    scannedAt: utc(s.scannedAt),
    // v1.2: a delivery long before the authorization (stale) is not an inbound scan.
    inbound: auth !== null && inboundScans(auth, scans, input.settings.evidenceWindowMs).some((i) => i.scanId === s.scanId),
    weight: weightOf(s),
  }));
}

/** Each receipt, assessed against the scans, with the flag on its employee when the receipt falls in it. */
function receiptEvidenceOf(input: ExplainInput, receipts: ReturnType<typeof sortedReceipts>): ReceiptEvidence[] {
  const { state } = input;
  const auth = state.authorization;
  const flags = input.employeeFlags ?? [];
  return receipts.map((r) => {
    const assessment = auth ? assessReceipt(auth, r, state.scans, input.settings, state.peers ?? []) : null;
    const flag = flags.find(
      (f) =>
        samePerson(f.employeeId, r.employeeId) &&
        toEpochMs(r.receivedAt) >= toEpochMs(f.flaggedAt) &&
        toEpochMs(r.receivedAt) <= toEpochMs(f.flaggedUntil) &&
        // v1.2: a RELEASE of the alert cleared the employee; receipts from then on were not held by it.
        !liftedFor(f.liftedAt, r.receivedAt),
    );
    return {
      receiptId: r.receiptId,
      warehouseId: r.warehouseId,
      employeeId: r.employeeId,
      stationId: r.stationId ?? null,
      receivedAt: utc(r.receivedAt),
      condition: r.condition ?? 'AS_EXPECTED',
      weight: weightOf(r),
      weightCheck: assessment ? weightCheckOf(assessment) : null,
      matched: assessment ? assessment.matched : null,
      matchingScanId: assessment?.matched ? assessment.scan.scanId : null,
      unmatchedReason: assessment && !assessment.matched ? assessment.reason : null,
      employeeFlagged: flag
        ? { anomalyReviewId: flag.anomalyReviewId, flaggedAt: flag.flaggedAt, flaggedUntil: flag.flaggedUntil, ...(flag.liftedAt ? { liftedAt: flag.liftedAt } : {}) }
        : null,
    };
  });
}

function statusOf(state: ReturnState): ReturnStatusView {
  switch (state.status) {
    case 'RELEASED':
      return 'RELEASED';
    case 'DENIED':
      return 'DENIED';
    case 'AWAITING_AUTHORIZATION':
      return 'AWAITING_AUTHORIZATION';
    case 'AUTHORIZED':
      return 'HELD';
  }
}

/**
 * The headline of a released or denied return, with its time as the caller
 * writes it: exact ISO in the {@link Explanation}, readable in the CLI's text.
 */
export function releasedHeadline(basis: string, at: string): string {
  return `Refund released ${basis === 'REVIEWER_RELEASED' ? 'by a reviewer' : 'on matched evidence'} at ${at}.`;
}

export function deniedHeadline(reviewerId: string, at: string): string {
  return `Refund denied by ${reviewerId} at ${at}.`;
}

function headlineOf(state: ReturnState, missing: readonly MissingItem[], open: readonly ReviewView[]): string {
  switch (state.status) {
    case 'RELEASED':
      return releasedHeadline(state.release.basis, utc(state.release.releasedAt));
    case 'DENIED':
      return deniedHeadline(state.denial.reviewerId, utc(state.denial.deniedAt));
    default: {
      const final = finalDecision(state);
      if (final) {
        const waiting = missing.map((m) => m.code.toLowerCase().replaceAll('_', ' ')).join(' and ');
        return `Decided (${final.decision}) by ${final.reviewerId}; waiting for the ${waiting || 'next evaluation'}.`;
      }
      const parts: string[] = [];
      if (open.length > 0) parts.push(`${open.length} open review${open.length === 1 ? '' : 's'}`);
      const others = missing.filter((m) => m.code !== 'REVIEW_DECISION');
      if (others.length > 0) parts.push(`waiting for ${others.map((m) => m.code.toLowerCase().replaceAll('_', ' ')).join(', ')}`);
      return `Held: ${parts.join('; ') || 'nothing missing; release is due at the next evaluation'}.`;
    }
  }
}

function missingFor(state: ReturnState, receipts: readonly ReceiptEvidence[], open: readonly ReviewView[]): MissingItem[] {
  const out: MissingItem[] = [];
  const auth = state.authorization;
  const refund = refundOf(state);
  const final = finalDecision(state);
  // A DENY needs no authorization (R5); a RELEASE and the evidence path do.
  if (!auth && final?.decision !== 'DENY') out.push({ code: 'AUTHORIZATION', text: 'No ReturnAuthorized for this returnId has arrived.' });
  if (!refund) out.push({ code: 'REFUND_REQUEST', text: 'No RefundRequested for this return has arrived.' });
  if (final) {
    // A final decision replaces the evidence conditions (R1); only the request (and authorization) can be missing.
    return out;
  }
  if (receipts.length === 0) {
    out.push({ code: 'RECEIPT', text: `No WarehouseReceipt yet${auth ? ` at ${auth.warehouseId}` : ''}.` });
  } else if (auth && !receipts.some((r) => r.matched)) {
    const reasons = receipts.map((r) => `${r.receiptId}: ${r.unmatchedReason ?? 'unmatched'}`).join('; ');
    // Only say the scan is what is missing when it is (a weight or condition mismatch may have a matching scan).
    const scanMissing = receipts.every((r) => r.unmatchedReason !== null && SCAN_REASONS.has(r.unmatchedReason));
    out.push({ code: 'MATCHED_RECEIPT', text: scanMissing ? `No receipt is matched by an inbound scan (${reasons}).` : `No receipt is matched (${reasons}).` });
  }
  if (auth && refund && exceedsAuthorized(refund.amount, auth.refund)) {
    out.push({
      code: 'AMOUNT_WITHIN_AUTHORIZED',
      text: `Requested ${formatMoney(refund.amount)} exceeds the authorized ${formatMoney(auth.refund)}.`,
    });
  }
  if (open.length > 0) {
    out.push({ code: 'REVIEW_DECISION', text: `A reviewer's decision on ${open.map((r) => r.reviewId).join(', ')}.` });
  }
  return out;
}

function timelineOf(state: ReturnState, sources: Readonly<Record<DetailType, string>>, reviews: readonly ReviewView[]): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  const auth = state.authorization;
  if (auth) {
    out.push({
      at: utc(auth.authorizedAt),
      detailType: 'ReturnAuthorized',
      source: sources.ReturnAuthorized,
      id: auth.returnId,
      summary: `Return authorized: refund ${formatMoney(auth.refund)}, ship by ${auth.carrier} ${auth.trackingNumber} to ${auth.warehouseId}.`,
    });
  }
  for (const scan of state.scans) {
    out.push({
      at: utc(scan.scannedAt),
      detailType: 'CarrierScan',
      source: sources.CarrierScan,
      id: scan.scanId,
      summary: `${scan.status} scan at ${scan.facilityId ?? '(no facility)'}${auth && scan.facilityId === auth.warehouseId ? ' (inbound)' : ''}${weightText(scan)}.`,
    });
  }
  for (const receipt of state.receipts) {
    out.push({
      at: utc(receipt.receivedAt),
      detailType: 'WarehouseReceipt',
      source: sources.WarehouseReceipt,
      id: receipt.receiptId,
      summary: `Received at ${receipt.warehouseId} by ${receipt.employeeId}${receipt.stationId ? ` (${receipt.stationId})` : ''}, ${receipt.condition ?? 'AS_EXPECTED'}${weightText(receipt)}.`,
    });
  }
  state.refunds.forEach((r, i) => {
    out.push({
      at: utc(r.requestedAt),
      detailType: 'RefundRequested',
      source: sources.RefundRequested,
      id: r.refundId,
      summary: `Refund ${formatMoney(r.amount)} requested${i > 0 ? ' (a further request: the first one is the return\'s refund)' : ''}.`,
    });
  });
  for (const { decision: d, outcome, why } of state.decisions) {
    out.push({
      at: utc(d.decidedAt),
      detailType: 'ReviewDecided',
      source: sources.ReviewDecided,
      id: d.decisionId,
      summary: `${d.reviewerId} decided ${d.decision} on ${d.reviewId}${d.note ? `: "${d.note}"` : ''} (${OUTCOME_TEXT[outcome]}${why ? `: ${why}` : ''}).`,
    });
  }
  for (const review of reviews) {
    out.push({
      at: review.raisedAt,
      detailType: 'ReviewRequested',
      source: 'refund-gate',
      id: review.reviewId,
      summary: `Review raised: ${review.reason} (${review.severity}); now ${review.status}${review.clearCause ? ` (${review.clearCause})` : ''}.`,
    });
  }
  if (state.status === 'RELEASED') {
    out.push({
      at: utc(state.release.releasedAt),
      detailType: 'RefundReleased',
      source: 'refund-gate',
      id: state.release.refundId,
      summary: `Refund ${formatMoney(state.release.amount)} released (${state.release.basis}).`,
    });
  }
  if (state.status === 'DENIED') {
    out.push({
      at: utc(state.denial.deniedAt),
      detailType: 'RefundDenied',
      source: 'refund-gate',
      id: state.denial.refundId,
      summary: `Refund ${formatMoney(state.denial.amount)} denied by ${state.denial.reviewerId}.`,
    });
  }
  // Facts before what refund-gate decided from them at the same instant.
  const rank = (e: TimelineEntry) => (e.source === 'refund-gate' ? 1 : 0);
  return out.sort((a, b) => toEpochMs(a.at) - toEpochMs(b.at) || rank(a) - rank(b) || cmp(a.detailType, b.detailType) || cmp(a.id, b.id));
}

/** Employees on the return's receipts (whose R7 flags the explanation shows). */
export function receiptEmployeeIds(state: ReturnState): string[] {
  return [...new Set(state.receipts.map((r) => r.employeeId))].sort(cmp);
}

export function formatMoney(m: Money | null | undefined): string {
  if (!m) return '-';
  const digits = MINOR_DIGITS[m.currency] ?? 2;
  const major = digits === 0 ? String(m.amount) : (m.amount / 10 ** digits).toFixed(digits);
  return `${m.currency} ${major}`;
}

const MINOR_DIGITS: Readonly<Record<string, number>> = Object.assign(Object.create(null) as Record<string, number>, {
  JPY: 0,
  KRW: 0,
  VND: 0,
  CLP: 0,
  ISK: 0,
  BHD: 3,
  KWD: 3,
  OMR: 3,
  JOD: 3,
  TND: 3,
});

export const OUTCOME_TEXT: Readonly<Record<DecisionRecord['outcome'], string>> = {
  FINAL: 'final',
  SELF_REVIEW: 'refused: self-review',
  IGNORED: 'ignored',
};

/** The weight a fact carries, if any (contract v1.1: `weight` / `expectedWeight`). */
function weightOf(fact: unknown): WeightView | null {
  const record = fact as { weight?: unknown; expectedWeight?: unknown };
  const w = (record.weight ?? record.expectedWeight) as { value?: unknown; unit?: unknown } | undefined;
  if (!w || typeof w.value !== 'number' || typeof w.unit !== 'string') return null;
  const per = Object.hasOwn(GRAMS_PER, w.unit) ? GRAMS_PER[w.unit as keyof typeof GRAMS_PER] : undefined;
  return { value: w.value, unit: w.unit, grams: per === undefined ? Number.NaN : roundTenth(w.value * per) };
}

/** The weight check of an assessment, in the evidence form the ReviewRaised of a WEIGHT_MISMATCH carries. */
function weightCheckOf(a: ReturnType<typeof assessReceipt>): WeightCheck | null {
  const weights: readonly KnownWeight[] | undefined = a.weights;
  if (weights === undefined) return null;
  const verdict = a.matched ? undefined : a.weightVerdict;
  return {
    agree: verdict === undefined,
    weights: weights.map(describeWeight),
    disagreeing: verdict ? verdict.pair.map(describeWeight) : null,
    differenceGrams: verdict ? roundTenth(verdict.differenceGrams) : null,
    toleranceGrams: verdict ? roundTenth(verdict.toleranceGrams) : null,
  };
}

function weightText(fact: object): string {
  const w = weightOf(fact);
  return w ? `, ${formatWeight(w)}` : '';
}

export function formatWeight(w: WeightView): string {
  return w.unit === 'g' ? `${w.value} g` : `${w.value} ${w.unit} (${w.grams} g)`;
}

function decisionView({ decision: d, outcome, why }: DecisionRecord): DecisionView {
  return {
    outcome,
    why: why ?? null,
    decisionId: d.decisionId,
    reviewId: d.reviewId,
    reviewerId: d.reviewerId,
    decision: d.decision,
    decidedAt: utc(d.decidedAt),
    note: d.note ?? null,
  };
}

const SCAN_REASONS: ReadonlySet<string> = new Set(['INBOUND_SCAN_AT_OTHER_FACILITY', 'RECEIPT_BEFORE_INBOUND_SCAN', 'RECEIPT_WITHOUT_INBOUND_SCAN']);
