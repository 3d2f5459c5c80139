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
import { exceedsAuthorized } from '../domain/decider.js';
import { assessReceipt, deliveredScans } from '../domain/matching.js';
import { REASON, severityOf, type Reason, type Severity } from '../domain/reasons.js';
import { toEpochMs, toIso } from '../domain/time.js';
import type { CarrierScan, EmployeeFlag, Money, ReturnState, ReviewDecision, ReviewRecord } from '../domain/types.js';

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
  /** Whether the receipt is matched now; null while the return is not authorized. */
  readonly matched: boolean | null;
  /** When matched: the inbound scan that matches it. */
  readonly matchingScanId: string | null;
  /** When not matched: the first R3 reason that applies now. */
  readonly unmatchedReason: Reason | null;
  /** The employee's R7 flag, when the receipt falls inside it. */
  readonly employeeFlagged: { readonly anomalyReviewId: string; readonly flaggedAt: string; readonly flaggedUntil: string } | null;
}

export type ReviewStatusView = 'OPEN' | 'CLEARED' | 'DECIDED' | 'CLOSED';

export interface ReviewView {
  readonly reviewId: string;
  readonly returnId: string | null;
  readonly reason: Reason;
  readonly severity: Severity;
  readonly raisedAt: string;
  readonly status: ReviewStatusView;
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
  readonly decision: DecisionView | null;
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
  readonly skewMs: number;
  /** R7 flags of employees on the return's receipts (read from the employee items). */
  readonly employeeFlags?: readonly EmployeeFlag[];
}

// ---------------------------------------------------------------- explain

/** Explain one return: pure; the same state always gives the same view. */
export function explainReturn(input: ExplainInput): Explanation {
  const { state, sources } = input;
  const auth = state.authorization;
  const scans = Object.values(state.scans);
  const receipts = Object.values(state.receipts)
    .map((r) => r.receipt)
    .sort((a, b) => toEpochMs(a.receivedAt) - toEpochMs(b.receivedAt) || cmp(a.receiptId, b.receiptId));
  const flags = input.employeeFlags ?? [];

  const scanEvidence: ScanEvidence[] = deliveredScans(scans).map((s) => ({
    scanId: s.scanId,
    status: s.status,
    facilityId: s.facilityId ?? null,
    scannedAt: utc(s.scannedAt),
    inbound: auth !== null && s.facilityId !== undefined && s.facilityId === auth.warehouseId,
    weight: weightOf(s),
  }));
  const receiptEvidence: ReceiptEvidence[] = receipts.map((r) => {
    const assessment = auth ? assessReceipt(auth, r, scans, input.skewMs) : null;
    const flag = flags.find(
      (f) =>
        f.employeeId === r.employeeId &&
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
  const requested = state.refund?.request.amount ?? null;
  const moneyHeld = status === 'RELEASED' || status === 'DENIED' ? null : (requested ?? auth?.refund ?? null);
  const missing = status === 'RELEASED' || status === 'DENIED' ? [] : missingFor(state, receiptEvidence, openReviews);

  return {
    returnId: state.returnId,
    status,
    headline: headlineOf(status, state, missing, openReviews),
    orderId: auth?.orderId ?? null,
    customerId: auth?.customerId ?? null,
    warehouseId: auth?.warehouseId ?? null,
    carrier: auth?.carrier ?? null,
    trackingNumber: auth?.trackingNumber ?? null,
    authorizedRefund: auth?.refund ?? null,
    requestedRefund: requested,
    refundId: state.refund?.request.refundId ?? null,
    moneyHeld,
    released: state.release ? { amount: state.release.amount, releasedAt: state.release.releasedAt, basis: state.release.basis } : null,
    denied: state.denial ? { amount: state.denial.amount, deniedAt: state.denial.deniedAt, reviewerId: state.denial.reviewerId } : null,
    decision: state.decision ? decisionView(state.decision) : null,
    timeline: timelineOf(state, sources, reviews),
    evidence: { expectedWeight: auth ? weightOf(auth) : null, scans: scanEvidence, receipts: receiptEvidence },
    openReviews,
    closedReviews,
    missing,
    excludedReviewers: [...new Set(receipts.map((r) => r.employeeId))].sort(cmp),
  };
}

function statusOf(state: ReturnState): ReturnStatusView {
  if (state.release) return 'RELEASED';
  if (state.denial) return 'DENIED';
  if (!state.authorization) return 'AWAITING_AUTHORIZATION';
  return 'HELD';
}

function headlineOf(status: ReturnStatusView, state: ReturnState, missing: readonly MissingItem[], open: readonly ReviewView[]): string {
  switch (status) {
    case 'RELEASED':
      return `Refund released ${state.release!.basis === 'REVIEWER_RELEASED' ? 'by a reviewer' : 'on matched evidence'} at ${state.release!.releasedAt}.`;
    case 'DENIED':
      return `Refund denied by ${state.denial!.reviewerId} at ${state.denial!.deniedAt}.`;
    default: {
      if (state.decision) {
        return `Decided (${state.decision.decision}) by ${state.decision.reviewerId}; waiting for the refund request.`;
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
  if (!auth) out.push({ code: 'AUTHORIZATION', text: 'No ReturnAuthorized for this returnId has arrived.' });
  if (!state.refund) out.push({ code: 'REFUND_REQUEST', text: 'No RefundRequested for this return has arrived.' });
  if (state.decision) {
    // A final decision replaces the evidence conditions (R1); only the request can be missing.
    return out;
  }
  if (receipts.length === 0) {
    out.push({ code: 'RECEIPT', text: `No WarehouseReceipt yet${auth ? ` at ${auth.warehouseId}` : ''}.` });
  } else if (auth && !receipts.some((r) => r.matched)) {
    const reasons = receipts.map((r) => `${r.receiptId}: ${r.unmatchedReason ?? 'unmatched'}`).join('; ');
    out.push({ code: 'MATCHED_RECEIPT', text: `No receipt is matched by an inbound scan (${reasons}).` });
  }
  if (auth && state.refund && exceedsAuthorized(state.refund.request.amount, auth.refund)) {
    out.push({
      code: 'AMOUNT_WITHIN_AUTHORIZED',
      text: `Requested ${formatMoney(state.refund.request.amount)} exceeds the authorized ${formatMoney(auth.refund)}.`,
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
  const auth = state.authorization;
  const atStake = state.refund?.request.amount ?? auth?.refund ?? null;
  return Object.values(state.reviews)
    .map((r) => reviewView(state, r, atStake))
    .sort((a, b) => toEpochMs(a.raisedAt) - toEpochMs(b.raisedAt) || cmp(a.reviewId, b.reviewId));
}

function reviewView(state: ReturnState, r: ReviewRecord, atStake: Money | null): ReviewView {
  const receipt = r.receiptId ? state.receipts[r.receiptId]?.receipt : undefined;
  return {
    reviewId: r.reviewId,
    returnId: state.returnId,
    reason: r.reason,
    severity: severityOf(r.reason),
    raisedAt: utc(r.raisedAt),
    status: r.status,
    receiptId: r.receiptId ?? null,
    refundId: r.refundId ?? null,
    employeeId: receipt?.employeeId ?? null,
    warehouseId: receipt?.warehouseId ?? state.authorization?.warehouseId ?? null,
    atStake,
    why: whyText(r.reason),
  };
}

const WHY: Readonly<Record<string, string>> = {
  RECEIPT_AT_OTHER_WAREHOUSE: "The receipt was recorded at a warehouse other than the return's.",
  CONDITION_MISMATCH: 'The receiving clerk reported a wrong item or an empty box.',
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
  for (const scan of Object.values(state.scans)) {
    out.push({
      at: utc(scan.scannedAt),
      detailType: 'CarrierScan',
      source: sources.CarrierScan,
      id: scan.scanId,
      summary: `${scan.status} scan at ${scan.facilityId ?? '(no facility)'}${auth && scan.facilityId === auth.warehouseId ? ' (inbound)' : ''}${weightText(scan)}.`,
    });
  }
  for (const { receipt } of Object.values(state.receipts)) {
    out.push({
      at: utc(receipt.receivedAt),
      detailType: 'WarehouseReceipt',
      source: sources.WarehouseReceipt,
      id: receipt.receiptId,
      summary: `Received at ${receipt.warehouseId} by ${receipt.employeeId}${receipt.stationId ? ` (${receipt.stationId})` : ''}, ${receipt.condition ?? 'AS_EXPECTED'}${weightText(receipt)}.`,
    });
  }
  if (state.refund) {
    const r = state.refund.request;
    out.push({
      at: utc(r.requestedAt),
      detailType: 'RefundRequested',
      source: sources.RefundRequested,
      id: r.refundId,
      summary: `Refund ${formatMoney(r.amount)} requested.`,
    });
  }
  if (state.decision) {
    const d = state.decision;
    out.push({
      at: utc(d.decidedAt),
      detailType: 'ReviewDecided',
      source: sources.ReviewDecided,
      id: d.decisionId,
      summary: `${d.reviewerId} decided ${d.decision} on ${d.reviewId}${d.note ? `: "${d.note}"` : ''}.`,
    });
  }
  for (const review of reviews) {
    out.push({
      at: review.raisedAt,
      detailType: 'ReviewRequested',
      source: 'refund-gate',
      id: review.reviewId,
      summary: `Review raised: ${review.reason} (${review.severity}); now ${review.status}.`,
    });
  }
  if (state.release) {
    out.push({
      at: utc(state.release.releasedAt),
      detailType: 'RefundReleased',
      source: 'refund-gate',
      id: state.release.refundId,
      summary: `Refund ${formatMoney(state.release.amount)} released (${state.release.basis}).`,
    });
  }
  if (state.denial) {
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
  if (state.release || state.denial) return null;
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

export type IgnoredWhy = 'UNKNOWN_REVIEW' | 'REVIEW_OF_OTHER_RETURN' | 'REVIEW_NOT_OPEN' | 'RETURN_ALREADY_DECIDED';

/**
 * What a decision did, read from the return before and after it was
 * processed. `ignoredWhy` is the `why` of a `DecisionIgnored` message when the
 * caller saw one (it wins over the inference from state).
 */
export function decisionOutcome(
  before: ReturnState | null,
  after: ReturnState | null,
  decision: Pick<ReviewDecision, 'decisionId' | 'reviewId' | 'reviewerId' | 'decision'>,
  ignoredWhy?: IgnoredWhy,
): DecisionOutcome {
  if (ignoredWhy) return { kind: 'IGNORED', why: ignoredWhy };
  if (after?.decision?.decisionId === decision.decisionId) {
    if (after.release) return { kind: 'RELEASED', amount: after.release.amount, releasedAt: after.release.releasedAt };
    if (after.denial) return { kind: 'DENIED', amount: after.denial.amount, deniedAt: after.denial.deniedAt };
    return { kind: 'ACCEPTED_AWAITING_REFUND_REQUEST', decision: decision.decision };
  }
  const selfReview = after
    ? Object.values(after.reviews).find(
        (r) => r.reason === REASON.SELF_REVIEW_ATTEMPT && !before?.reviews[r.reviewId] && r.reviewId.includes(decision.decisionId),
      )
    : undefined;
  if (selfReview) return { kind: 'SELF_REVIEW_REFUSED', selfReviewId: selfReview.reviewId };
  if (!after || !decisionSeen(after, decision.decisionId)) return { kind: 'PENDING' };
  return { kind: 'IGNORED', why: ignoredWhyFrom(before, decision.reviewId) };
}

/** Why a decision on `reviewId` would be ignored by this return, from its state. */
export function ignoredWhyFrom(state: ReturnState | null, reviewId: string): IgnoredWhy {
  if (state?.decision || state?.release || state?.denial) return 'RETURN_ALREADY_DECIDED';
  const review = state?.reviews[reviewId];
  if (!review) return 'UNKNOWN_REVIEW';
  return 'REVIEW_NOT_OPEN';
}

/** Whether the return has processed the decision (its R8 record). */
export function decisionSeen(state: ReturnState, decisionId: string): boolean {
  return state.seen[`ReviewDecided:${decisionId}`] !== undefined;
}

/** Whether a reviewer may decide this return at all (R5): not an employee on one of its receipts. */
export function isSelfReview(state: ReturnState, reviewerId: string): boolean {
  return Object.values(state.receipts).some((r) => r.receipt.employeeId === reviewerId);
}

/** Employees on the return's receipts (whose R7 flags the explanation shows). */
export function receiptEmployeeIds(state: ReturnState): string[] {
  return [...new Set(Object.values(state.receipts).map((r) => r.receipt.employeeId))].sort(cmp);
}

/** The review with this id in the return, if any. */
export function findReview(state: ReturnState, reviewId: string): ReviewView | null {
  const record = state.reviews[reviewId];
  if (!record) return null;
  return reviewView(state, record, state.refund?.request.amount ?? state.authorization?.refund ?? null);
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
  const atStake = state?.refund?.request.amount ?? state?.authorization?.refund ?? null;
  if ((effect.type !== 'RefundReleased' && effect.type !== 'RefundDenied') || !effect.decisionId || state?.decision?.decisionId !== effect.decisionId) {
    return { atStake, decidedReview: null };
  }
  const decided = state.reviews[state.decision.reviewId];
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
  }
  lines.push('', `Open reviews (${e.openReviews.length}):`);
  if (e.openReviews.length === 0) lines.push('  none');
  for (const r of e.openReviews) {
    lines.push(`  [${r.severity}] ${r.reason} ${r.reviewId}, raised ${r.raisedAt}, at stake ${formatMoney(r.atStake)}`);
    lines.push(`      ${r.why}`);
  }
  if (e.closedReviews.length > 0) {
    lines.push('', 'Closed reviews:');
    for (const r of e.closedReviews) lines.push(`  ${r.status.padEnd(8)} ${r.reason} ${r.reviewId}`);
  }
  if (e.decision) {
    lines.push('', `Decision: ${e.decision.decision} by ${e.decision.reviewerId} at ${e.decision.decidedAt} on ${e.decision.reviewId}${e.decision.note ? ` ("${e.decision.note}")` : ''}`);
  }
  lines.push('', 'Missing for release:');
  if (e.missing.length === 0) lines.push(`  nothing${e.status === 'RELEASED' || e.status === 'DENIED' ? ' (decided)' : ''}`);
  for (const m of e.missing) lines.push(`  - ${m.text}`);
  if (e.excludedReviewers.length > 0) lines.push('', `May not decide this return (received it): ${e.excludedReviewers.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- helpers

const GRAMS_PER: Readonly<Record<string, number>> = { g: 1, kg: 1000, oz: 28.349523125, lb: 453.59237 };

/** The weight a fact carries, if any (contract v1.1: `weight` / `expectedWeight`). */
function weightOf(fact: unknown): WeightView | null {
  const record = fact as { weight?: unknown; expectedWeight?: unknown };
  const w = (record.weight ?? record.expectedWeight) as { value?: unknown; unit?: unknown } | undefined;
  if (!w || typeof w.value !== 'number' || typeof w.unit !== 'string') return null;
  const per = GRAMS_PER[w.unit];
  return { value: w.value, unit: w.unit, grams: per === undefined ? Number.NaN : Math.round(w.value * per * 1000) / 1000 };
}

function weightText(fact: CarrierScan | object): string {
  const w = weightOf(fact);
  return w ? `, ${formatWeight(w)}` : '';
}

function formatWeight(w: WeightView): string {
  return w.unit === 'g' ? `${w.value} g` : `${w.value} ${w.unit} (${w.grams} g)`;
}

function decisionView(d: ReviewDecision): DecisionView {
  return {
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
