/**
 * The reviewer's read model: a stored return state (and what is known of the
 * employees on its receipts) turned into an {@link Explanation}, the view the
 * `explain`, `reviews`, `decide` and `console` commands show.
 *
 * This is the ONE module that knows the stored state's shape. Everything the
 * review tools read from a return item goes through the functions below, so
 * a change to `ReturnState` is ported here and nowhere else. Pure: no I/O, no
 * clock (the caller passes `now`), no AWS.
 */
import type { DetailType } from '../contract/inbound.js';
import { reviewIdFor, ownerOfReview } from '../domain/identity.js';
import { assessReceipt, deliveredScans, inboundScans, type MatchSettings } from '../domain/matching.js';
import { samePerson } from '../domain/people.js';
import { REASON, severityOf, type Reason, type Severity } from '../domain/reasons.js';
import { exceedsAuthorized } from '../domain/rules/refund-exceeds.js';
import { finalDecision, hasDecision, refundOf, reviewById, sortedReceipts } from '../domain/state.js';
import { toEpochMs, toIso } from '../domain/time.js';
import type {
  ClearCause,
  DecisionRecord,
  EmployeeFlag,
  IgnoredWhy,
  Money,
  ReturnState,
  ReviewDecision,
  ReviewRecord,
} from '../domain/types.js';
import { GRAMS_PER, describeWeight, roundTenth, type KnownWeight } from '../domain/weights.js';

// ---------------------------------------------------------------- the view

export type ReturnStatusView = 'AWAITING_AUTHORIZATION' | 'HELD' | 'RELEASED' | 'DENIED';

export interface WeightView {
  readonly value: number;
  readonly unit: string;
  readonly grams: number;
}

export interface TimelineEntry {
  /** Business time of the fact (the detail's own timestamp), UTC. */
  readonly at: string;
  /** Inbound detail-type for facts from producers; `refund-gate` outcomes use the outbound names. */
  readonly detailType: string;
  /** The configured source of the detail-type, or `refund-gate` for what refund-gate decided. */
  readonly source: string;
  /** The fact's domain id (receiptId, scanId, reviewId …). */
  readonly id: string;
  /** One line for a person. */
  readonly summary: string;
}

export interface ScanEvidence {
  readonly scanId: string;
  readonly status: string;
  readonly facilityId: string | null;
  readonly scannedAt: string;
  /** DELIVERED at the return's own warehouse (contract: an inbound scan). */
  readonly inbound: boolean;
  readonly weight: WeightView | null;
}

export interface ReceiptEvidence {
  readonly receiptId: string;
  readonly warehouseId: string;
  readonly employeeId: string;
  readonly stationId: string | null;
  readonly receivedAt: string;
  readonly condition: string;
  readonly weight: WeightView | null;
  /**
   * The weight check (contract §2, v1.1) when it was made: every known weight
   * (expected, matching inbound scans, the dock scale) in grams, and when they
   * disagree the pair that does, by how much, and the tolerance. Null when the
   * receipt failed an earlier check or the return is not authorized.
   */
  readonly weightCheck: WeightCheck | null;
  /** Whether the receipt is matched now; null while the return is not authorized. */
  readonly matched: boolean | null;
  /** When matched: the inbound scan that matches it. */
  readonly matchingScanId: string | null;
  /** When not matched: the first R3 reason that applies now. */
  readonly unmatchedReason: Reason | null;
  /** The employee's R7 flag, when the receipt falls inside it. */
  readonly employeeFlagged: { readonly anomalyReviewId: string; readonly flaggedAt: string; readonly flaggedUntil: string } | null;
}

export interface WeightCheck {
  readonly agree: boolean;
  readonly weights: readonly Record<string, unknown>[];
  /** When they disagree: the lightest and heaviest reading. */
  readonly disagreeing: readonly Record<string, unknown>[] | null;
  readonly differenceGrams: number | null;
  readonly toleranceGrams: number | null;
}

export type ReviewStatusView = 'OPEN' | 'CLEARED' | 'DECIDED' | 'CLOSED';

export interface ReviewView {
  readonly reviewId: string;
  readonly returnId: string | null;
  readonly reason: Reason;
  readonly severity: Severity;
  readonly raisedAt: string;
  readonly status: ReviewStatusView;
  /**
   * Why a review stopped being open without a decision on it (its
   * ReviewCleared cause): LATE_EVIDENCE_MATCHED, LATE_AUTHORIZATION, or
   * DECIDED when a decision on another review of the return closed it.
   */
  readonly clearCause: ClearCause | null;
  readonly receiptId: string | null;
  readonly refundId: string | null;
  /** Employee on the review's receipt: this person may not decide the return (R5). */
  readonly employeeId: string | null;
  readonly warehouseId: string | null;
  /** Money a decision on this review is about: the requested refund, else the authorized one. */
  readonly atStake: Money | null;
  /** One line for a person: what the reason means here. */
  readonly why: string;
}

export interface MissingItem {
  readonly code:
    | 'AUTHORIZATION'
    | 'REFUND_REQUEST'
    | 'RECEIPT'
    | 'MATCHED_RECEIPT'
    | 'AMOUNT_WITHIN_AUTHORIZED'
    | 'REVIEW_DECISION';
  readonly text: string;
}

export interface DecisionView {
  readonly decisionId: string;
  readonly reviewId: string;
  readonly reviewerId: string;
  readonly decision: 'RELEASE' | 'DENY';
  readonly decidedAt: string;
  readonly note: string | null;
  /** FINAL (the return's decision), SELF_REVIEW (refused) or IGNORED (changed nothing). */
  readonly outcome: DecisionRecord['outcome'];
  /** For an IGNORED decision: why (UNKNOWN_REVIEW, REVIEW_OF_OTHER_RETURN, REVIEW_NOT_OPEN, RETURN_ALREADY_DECIDED). */
  readonly why: IgnoredWhy | null;
}

export interface Explanation {
  readonly returnId: string;
  readonly status: ReturnStatusView;
  /** One sentence: where the money stands and why. */
  readonly headline: string;
  readonly orderId: string | null;
  readonly customerId: string | null;
  readonly warehouseId: string | null;
  readonly carrier: string | null;
  readonly trackingNumber: string | null;
  readonly authorizedRefund: Money | null;
  readonly requestedRefund: Money | null;
  readonly refundId: string | null;
  /** Requested (else authorized) refund not yet released or denied; null once decided. */
  readonly moneyHeld: Money | null;
  readonly released: { readonly amount: Money; readonly releasedAt: string; readonly basis: string } | null;
  readonly denied: { readonly amount: Money; readonly deniedAt: string; readonly reviewerId: string } | null;
  /** The return's final decision (R5), if any. */
  readonly decision: DecisionView | null;
  /** Every decision processed for the return, in order (refused and ignored ones too). */
  readonly decisions: readonly DecisionView[];
  readonly timeline: readonly TimelineEntry[];
  readonly evidence: {
    readonly expectedWeight: WeightView | null;
    /** DELIVERED scans of the parcel (other statuses are not kept). */
    readonly scans: readonly ScanEvidence[];
    readonly receipts: readonly ReceiptEvidence[];
  };
  readonly openReviews: readonly ReviewView[];
  readonly closedReviews: readonly ReviewView[];
  /** What refund-gate still waits for before it releases on its own (empty once decided). */
  readonly missing: readonly MissingItem[];
  /** People who may not decide this return (employees on its receipts, R5). */
  readonly excludedReviewers: readonly string[];
}

export interface ExplainInput {
  /** The stored decider state of the return item. */
  readonly state: ReturnState;
  /** Configured source per inbound detail-type. */
  readonly sources: Readonly<Record<DetailType, string>>;
  /** The deployment's matching settings (skew and weight tolerances). */
  readonly settings: MatchSettings;
  /** R7 flags of employees on the return's receipts (read from the employee items). */
  readonly employeeFlags?: readonly EmployeeFlag[];
}

// ---------------------------------------------------------------- explain

/** Explain one return: pure; the same state always gives the same view. */
export function explainReturn(input: ExplainInput): Explanation {
  const { state, sources } = input;
  const auth = state.authorization;
  const scans = state.scans;
  const receipts = sortedReceipts(state);
  const flags = input.employeeFlags ?? [];

  const scanEvidence: ScanEvidence[] = deliveredScans(scans).map((s) => ({
    scanId: s.scanId,
    status: s.status,
    facilityId: s.facilityId ?? null,
    scannedAt: utc(s.scannedAt),
    // v1.2: a delivery long before the authorization (stale) is not an inbound scan.
    inbound: auth !== null && inboundScans(auth, scans, input.settings.evidenceWindowMs).some((i) => i.scanId === s.scanId),
    weight: weightOf(s),
  }));
  const receiptEvidence: ReceiptEvidence[] = receipts.map((r) => {
    const assessment = auth ? assessReceipt(auth, r, scans, input.settings, state.peers ?? []) : null;
    const flag = flags.find(
      (f) =>
        samePerson(f.employeeId, r.employeeId) &&
        toEpochMs(r.receivedAt) >= toEpochMs(f.flaggedAt) &&
        toEpochMs(r.receivedAt) <= toEpochMs(f.flaggedUntil),
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
      employeeFlagged: flag ? { anomalyReviewId: flag.anomalyReviewId, flaggedAt: flag.flaggedAt, flaggedUntil: flag.flaggedUntil } : null,
    };
  });

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
    evidence: { expectedWeight: auth ? weightOf(auth) : null, scans: scanEvidence, receipts: receiptEvidence },
    openReviews,
    closedReviews,
    missing,
    excludedReviewers: [...new Set(receipts.map((r) => r.employeeId))].sort(cmp),
  };
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

function headlineOf(state: ReturnState, missing: readonly MissingItem[], open: readonly ReviewView[]): string {
  switch (state.status) {
    case 'RELEASED':
      return `Refund released ${state.release.basis === 'REVIEWER_RELEASED' ? 'by a reviewer' : 'on matched evidence'} at ${utc(state.release.releasedAt)}.`;
    case 'DENIED':
      return `Refund denied by ${state.denial.reviewerId} at ${utc(state.denial.deniedAt)}.`;
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

// ---------------------------------------------------------------- reviews

/** Every review of the return, oldest first, as the tools show it. */
export function reviewsOf(state: ReturnState): ReviewView[] {
  const atStake = atStakeOf(state);
  return state.reviews
    .map((r) => reviewView(state, r, atStake))
    .sort((a, b) => toEpochMs(a.raisedAt) - toEpochMs(b.raisedAt) || cmp(a.reviewId, b.reviewId));
}

/** The money a decision on the return is about: the requested refund, else the authorized one. */
function atStakeOf(state: ReturnState | null): Money | null {
  if (!state) return null;
  return refundOf(state)?.amount ?? state.authorization?.refund ?? null;
}

/**
 * The ReviewCleared cause of a review that stopped being open without a
 * decision on it, read from its status and reason: the domain closes a
 * review (CLOSED) only for a decision on another one, clears the orphan
 * review of an unknown return only when its authorization arrives, and
 * clears any other review only when late evidence matches its receipt.
 */
export function clearCauseOf(r: Pick<ReviewRecord, 'status' | 'reason'>): ClearCause | null {
  if (r.status === 'CLOSED') return 'DECIDED';
  if (r.status !== 'CLEARED') return null;
  return r.reason === REASON.RECEIPT_FOR_UNKNOWN_RETURN ? 'LATE_AUTHORIZATION' : 'LATE_EVIDENCE_MATCHED';
}

function reviewView(state: ReturnState, r: ReviewRecord, atStake: Money | null): ReviewView {
  const receipt = r.receiptId !== undefined ? state.receipts.find((x) => x.receiptId === r.receiptId) : undefined;
  return {
    reviewId: r.reviewId,
    returnId: state.returnId,
    reason: r.reason,
    severity: severityOf(r.reason),
    raisedAt: utc(r.raisedAt),
    status: r.status,
    clearCause: clearCauseOf(r),
    receiptId: r.receiptId ?? null,
    refundId: r.refundId ?? null,
    employeeId: receipt?.employeeId ?? null,
    warehouseId: receipt?.warehouseId ?? state.authorization?.warehouseId ?? null,
    atStake,
    why: whyText(r.reason),
  };
}

const SCAN_REASONS: ReadonlySet<string> = new Set(['INBOUND_SCAN_AT_OTHER_FACILITY', 'RECEIPT_BEFORE_INBOUND_SCAN', 'RECEIPT_WITHOUT_INBOUND_SCAN']);

const WHY: Readonly<Record<string, string>> = {
  RECEIPT_AT_OTHER_WAREHOUSE: "The receipt was recorded at a warehouse other than the return's.",
  CONDITION_MISMATCH: 'The receiving clerk reported a wrong item or an empty box.',
  PARCEL_EVIDENCE_REUSED:
    "The carrier's delivery is not this return's: another customer's return names the same parcel, or the only deliveries at the warehouse predate the return.",
  INBOUND_SCAN_AT_OTHER_FACILITY: "The carrier delivered the parcel, but not at the return's warehouse.",
  RECEIPT_BEFORE_INBOUND_SCAN: 'The receipt was recorded before the carrier delivered the parcel.',
  RECEIPT_WITHOUT_INBOUND_SCAN: 'A receipt was recorded but the carrier never delivered the parcel (phantom receipt?).',
  REFUND_EXCEEDS_AUTHORIZED: 'The requested refund is more than was authorized, or in another currency.',
  SECOND_REFUND_REQUEST: 'A second refund was requested for the same return.',
  SELF_REVIEW_ATTEMPT: 'Someone who received this return tried to decide its review.',
  HOLD_EXPIRED: 'The refund has been held longer than the maximum hold.',
  RECEIPT_FOR_UNKNOWN_RETURN: 'A receipt arrived for a return that was never authorized.',
  EMPLOYEE_RECEIPT_ANOMALY: 'One employee recorded several receipts without carrier evidence in a short window.',
  RECEIPT_BY_FLAGGED_EMPLOYEE: 'The receipt was recorded by an employee under an insider alert.',
  WEIGHT_MISMATCH: 'The weights of the return (expected, carrier, dock scale) do not agree.',
};

/** One line for a person: what a reason means. Unknown reasons (newer producers) fall back to the code. */
export function whyText(reason: string): string {
  return Object.hasOwn(WHY, reason) ? WHY[reason]! : reason;
}

// ---------------------------------------------------------------- timeline

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

// ---------------------------------------------------------------- the open-reviews index

/**
 * What the sparse `open-reviews` index carries for a return item with open
 * reviews (null: the item leaves the index). `openSince` is the oldest open
 * review's raisedAt in fixed-width UTC (milliseconds), so string order is
 * time order; `queue` is the compact list the `reviews` command shows
 * without reading the items.
 */
export interface OpenReviewIndexEntry {
  readonly openSince: string;
  readonly queue: readonly QueueEntry[];
}

export interface QueueEntry {
  readonly reviewId: string;
  readonly returnId: string | null;
  readonly employeeId: string | null;
  readonly reason: string;
  readonly severity: Severity;
  readonly raisedAt: string;
  readonly warehouseId: string | null;
  readonly atStake: Money | null;
  readonly status: ReviewStatusView;
}

export function openReviewIndexOf(state: ReturnState): OpenReviewIndexEntry | null {
  // A decided return has nothing left to decide: its leftover reviews (R5
  // closes them on RELEASE; a DENY may leave some) are not a queue item.
  if (state.status === 'RELEASED' || state.status === 'DENIED') return null;
  const open = reviewsOf(state).filter((r) => r.status === 'OPEN');
  if (open.length === 0) return null;
  return { openSince: toIso(toEpochMs(open[0]!.raisedAt)), queue: open.map(queueEntryOf) };
}

export function queueEntryOf(r: ReviewView): QueueEntry {
  return {
    reviewId: r.reviewId,
    returnId: r.returnId,
    employeeId: r.employeeId,
    reason: r.reason,
    severity: r.severity,
    raisedAt: r.raisedAt,
    warehouseId: r.warehouseId,
    atStake: r.atStake,
    status: r.status,
  };
}

/**
 * The R7 anomaly review of a flag item as a queue entry. It spans many
 * returns and is answered by deciding their held receipts; it stays in the
 * queue while the flag is active.
 */
export function anomalyQueueEntry(review: {
  reviewId: string;
  employeeId?: string | undefined;
  raisedAt: string;
  warehouseId?: string | undefined;
  refund?: Money | undefined;
  flaggedUntil: string;
  now: string;
}): QueueEntry {
  return {
    reviewId: review.reviewId,
    returnId: null,
    employeeId: review.employeeId ?? null,
    reason: REASON.EMPLOYEE_RECEIPT_ANOMALY,
    severity: severityOf(REASON.EMPLOYEE_RECEIPT_ANOMALY),
    raisedAt: utc(review.raisedAt),
    warehouseId: review.warehouseId ?? null,
    atStake: review.refund ?? null,
    status: toEpochMs(review.now) <= toEpochMs(review.flaggedUntil) ? 'OPEN' : 'CLOSED',
  };
}

// ---------------------------------------------------------------- decisions

export type DecisionOutcome =
  | { readonly kind: 'RELEASED'; readonly amount: Money; readonly releasedAt: string }
  | { readonly kind: 'DENIED'; readonly amount: Money; readonly deniedAt: string }
  /** Final, but no refund was requested yet: released or denied when it is. */
  | { readonly kind: 'ACCEPTED_AWAITING_REFUND_REQUEST'; readonly decision: 'RELEASE' | 'DENY' }
  | { readonly kind: 'SELF_REVIEW_REFUSED'; readonly selfReviewId: string }
  | { readonly kind: 'IGNORED'; readonly why: IgnoredWhy }
  /** Nothing visible yet (AWS: the pipeline has not processed the event). */
  | { readonly kind: 'PENDING' };

export type { IgnoredWhy };

/**
 * What a decision did, read from the return before and after it was
 * processed. The domain records every decision it processes with its outcome
 * (FINAL, SELF_REVIEW or IGNORED), so "processed" is that record. `ignoredWhy`
 * is the `why` of the `DecisionIgnored` message when the caller saw one (it
 * wins); otherwise the why is worked out from the state before, as the domain
 * does.
 */
export function decisionOutcome(
  before: ReturnState | null,
  after: ReturnState | null,
  decision: Pick<ReviewDecision, 'decisionId' | 'reviewId' | 'reviewerId' | 'decision'>,
  ignoredWhy?: IgnoredWhy,
): DecisionOutcome {
  if (ignoredWhy) return { kind: 'IGNORED', why: ignoredWhy };
  const record = after?.decisions.find((d) => d.decision.decisionId === decision.decisionId);
  if (!after || !record) return { kind: 'PENDING' };
  switch (record.outcome) {
    case 'FINAL':
      if (after.status === 'RELEASED' && after.release.decisionId === decision.decisionId) {
        return { kind: 'RELEASED', amount: after.release.amount, releasedAt: utc(after.release.releasedAt) };
      }
      if (after.status === 'DENIED' && after.denial.decisionId === decision.decisionId) {
        return { kind: 'DENIED', amount: after.denial.amount, deniedAt: utc(after.denial.deniedAt) };
      }
      return { kind: 'ACCEPTED_AWAITING_REFUND_REQUEST', decision: decision.decision };
    case 'SELF_REVIEW':
      return { kind: 'SELF_REVIEW_REFUSED', selfReviewId: reviewIdFor.selfReview(after.returnId, decision.decisionId) };
    case 'IGNORED':
      return { kind: 'IGNORED', why: record.why ?? ignoredWhyFrom(before, decision.reviewId, after.returnId) };
  }
}

/**
 * Why a decision on `reviewId` changes nothing for this return, from its
 * state when the decision arrived (null: no item yet), the way the domain
 * tells it (R5): the review unknown or another's, then the return already
 * decided, then the review not open.
 */
export function ignoredWhyFrom(state: ReturnState | null, reviewId: string, returnId: string | undefined = state?.returnId): IgnoredWhy {
  const review = state ? reviewById(state, reviewId) : undefined;
  if (!review) {
    const owner = ownerOfReview(reviewId);
    const ours = owner !== null && 'returnId' in owner && owner.returnId === returnId;
    return owner !== null && !ours ? 'REVIEW_OF_OTHER_RETURN' : 'UNKNOWN_REVIEW';
  }
  if (state && finalDecision(state)) return 'RETURN_ALREADY_DECIDED';
  return 'REVIEW_NOT_OPEN';
}

/** Whether the return has processed the decision (the domain records every decision it processes). */
export function decisionSeen(state: ReturnState, decisionId: string): boolean {
  return hasDecision(state, decisionId);
}

/** Whether a reviewer may decide this return at all (R5): not an employee on one of its receipts. */
export function isSelfReview(state: ReturnState, reviewerId: string): boolean {
  return state.receipts.some((r) => r.employeeId === reviewerId);
}

/** Employees on the return's receipts (whose R7 flags the explanation shows). */
export function receiptEmployeeIds(state: ReturnState): string[] {
  return [...new Set(state.receipts.map((r) => r.employeeId))].sort(cmp);
}

/** The review with this id in the return, if any. */
export function findReview(state: ReturnState, reviewId: string): ReviewView | null {
  const record = reviewById(state, reviewId);
  if (!record) return null;
  return reviewView(state, record, atStakeOf(state));
}

// ---------------------------------------------------------------- metrics context

/**
 * What the review metrics need about an effect from the state it was written
 * with: the refund a review holds, and for a release or denial by a reviewer
 * the reason of the review decided.
 */
export function metricContextOf(
  state: ReturnState | null,
  effect: { readonly type: string; readonly decisionId?: string | undefined },
): { atStake: Money | null; decidedReview: { reason: string } | null } {
  const atStake = atStakeOf(state);
  const final = state ? finalDecision(state) : undefined;
  if ((effect.type !== 'RefundReleased' && effect.type !== 'RefundDenied') || !effect.decisionId || !state || final?.decisionId !== effect.decisionId) {
    return { atStake, decidedReview: null };
  }
  const decided = reviewById(state, final.reviewId);
  return { atStake, decidedReview: decided ? { reason: decided.reason } : null };
}

// ---------------------------------------------------------------- text

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

/** Add up money per currency (the queue's total at stake). */
export function sumMoney(amounts: ReadonlyArray<Money | null>): Money[] {
  const totals = new Map<string, number>();
  for (const m of amounts) if (m) totals.set(m.currency, (totals.get(m.currency) ?? 0) + m.amount);
  return [...totals.entries()].sort(([a], [b]) => cmp(a, b)).map(([currency, amount]) => ({ currency, amount }));
}

/**
 * Money held behind the open entries of a queue, per currency: each return
 * counts once however many reviews it has; an R7 anomaly adds nothing (its
 * returns are held, and listed, by their own reviews).
 */
export function queueAtStake(entries: readonly QueueEntry[]): Money[] {
  const byReturn = new Map<string, Money | null>();
  for (const e of entries) if (e.status === 'OPEN' && e.returnId !== null) byReturn.set(e.returnId, e.atStake);
  return sumMoney([...byReturn.values()]);
}

/** Plain text of an explanation, for a person at a terminal. */
export function explanationText(e: Explanation): string {
  const lines: string[] = [];
  lines.push(`Return ${e.returnId}: ${e.status}`);
  lines.push(`  ${e.headline}`);
  if (e.orderId) lines.push(`  order ${e.orderId}, customer ${e.customerId}, warehouse ${e.warehouseId}, ${e.carrier} ${e.trackingNumber}`);
  lines.push(`  authorized ${formatMoney(e.authorizedRefund)}, requested ${formatMoney(e.requestedRefund)}${e.refundId ? ` (${e.refundId})` : ''}`);
  lines.push(`  money held: ${formatMoney(e.moneyHeld)}`);
  lines.push('', 'Timeline (business time, UTC):');
  for (const t of e.timeline) lines.push(`  ${t.at}  ${t.detailType.padEnd(16)} ${t.source.padEnd(16)} ${t.summary}`);
  lines.push('', 'Evidence:');
  if (e.evidence.expectedWeight) lines.push(`  expected weight ${formatWeight(e.evidence.expectedWeight)}`);
  if (e.evidence.scans.length === 0) lines.push('  no DELIVERED carrier scan');
  for (const s of e.evidence.scans) {
    lines.push(`  scan ${s.scanId}: ${s.status} at ${s.facilityId ?? '(no facility)'} ${s.scannedAt}${s.inbound ? ' [inbound]' : ''}${s.weight ? `, ${formatWeight(s.weight)}` : ''}`);
  }
  if (e.evidence.receipts.length === 0) lines.push('  no warehouse receipt');
  for (const r of e.evidence.receipts) {
    const verdict = r.matched === null ? 'not assessed (return not authorized)' : r.matched ? `matched by ${r.matchingScanId}` : `NOT matched: ${r.unmatchedReason}`;
    lines.push(
      `  receipt ${r.receiptId}: ${r.warehouseId} by ${r.employeeId}${r.stationId ? ` at ${r.stationId}` : ''} ${r.receivedAt}, ${r.condition}${r.weight ? `, ${formatWeight(r.weight)}` : ''}; ${verdict}${r.employeeFlagged ? ` [employee flagged until ${r.employeeFlagged.flaggedUntil}]` : ''}`,
    );
    if (r.weightCheck && r.weightCheck.weights.length > 1) lines.push(`      weights: ${weightCheckText(r.weightCheck)}`);
  }
  lines.push('', `Open reviews (${e.openReviews.length}):`);
  if (e.openReviews.length === 0) lines.push('  none');
  for (const r of e.openReviews) {
    lines.push(`  [${r.severity}] ${r.reason} ${r.reviewId}, raised ${r.raisedAt}, at stake ${formatMoney(r.atStake)}`);
    lines.push(`      ${r.why}`);
  }
  if (e.closedReviews.length > 0) {
    lines.push('', 'Closed reviews:');
    for (const r of e.closedReviews) lines.push(`  ${r.status.padEnd(8)} ${r.reason} ${r.reviewId}${r.clearCause ? ` (${r.clearCause})` : ''}`);
  }
  if (e.decision) {
    lines.push('', `Decision: ${e.decision.decision} by ${e.decision.reviewerId} at ${e.decision.decidedAt} on ${e.decision.reviewId}${e.decision.note ? ` ("${e.decision.note}")` : ''}`);
  }
  const others = e.decisions.filter((d) => d.outcome !== 'FINAL');
  if (others.length > 0) {
    lines.push('', 'Decisions that changed nothing:');
    for (const d of others) lines.push(`  ${d.decisionId}: ${d.decision} by ${d.reviewerId} at ${d.decidedAt} on ${d.reviewId} (${OUTCOME_TEXT[d.outcome]}${d.why ? `: ${d.why}` : ''})`);
  }
  lines.push('', 'Missing for release:');
  if (e.missing.length === 0) lines.push(`  nothing${e.status === 'RELEASED' || e.status === 'DENIED' ? ' (decided)' : ''}`);
  for (const m of e.missing) lines.push(`  - ${m.text}`);
  if (e.excludedReviewers.length > 0) lines.push('', `May not decide this return (received it): ${e.excludedReviewers.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- helpers

const OUTCOME_TEXT: Readonly<Record<DecisionRecord['outcome'], string>> = {
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

function weightCheckText(c: WeightCheck): string {
  const list = c.weights.map((w) => `${String(w['source'])}${w['scanId'] !== undefined ? ` ${String(w['scanId'])}` : ''} ${String(w['grams'])} g`).join(', ');
  return c.agree ? `${list}: agree` : `${list}: DISAGREE by ${c.differenceGrams} g (tolerance ${c.toleranceGrams} g)`;
}

function weightText(fact: object): string {
  const w = weightOf(fact);
  return w ? `, ${formatWeight(w)}` : '';
}

function formatWeight(w: WeightView): string {
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

function utc(iso: string): string {
  return toIso(toEpochMs(iso));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
