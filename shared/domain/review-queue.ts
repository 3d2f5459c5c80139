/**
 * The review queue as the domain keeps it: every review of a return with its
 * status, reason, severity and the money a decision on it is about, and the
 * compact entry the sparse `open-reviews` index carries for a return with
 * open reviews. Pure: the store writes {@link openReviewIndexOf} with each
 * return item; the review tools and the queue metrics read these shapes.
 */
import { REASON, severityOf, type Reason, type Severity } from './reasons.js';
import { refundOf } from './state.js';
import { toEpochMs, toIso, utc } from './time.js';
import { cmp } from './ids.js';
import type { ClearCause, Money, ReturnState, ReviewRecord } from './types.js';

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
  /**
   * PARCEL_EVIDENCE_REUSED (v1.2): the other returns that name this return's
   * parcel, in id order, so the queue shows a shared parcel without opening
   * the return (`explain` lists them with their customers). Absent for other
   * reasons, and when only an old delivery held the refund (no other return).
   */
  readonly parcelReturns?: readonly string[];
}

/** Every review of the return, oldest first, as the tools show it. */
export function reviewsOf(state: ReturnState): ReviewView[] {
  const atStake = atStakeOf(state);
  return state.reviews
    .map((r) => reviewView(state, r, atStake))
    .sort((a, b) => toEpochMs(a.raisedAt) - toEpochMs(b.raisedAt) || cmp(a.reviewId, b.reviewId));
}

/** The money a decision on the return is about: the requested refund, else the authorized one. */
export function atStakeOf(state: ReturnState | null): Money | null {
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
    ...parcelReturnsOf(state, r),
  };
}

function parcelReturnsOf(state: ReturnState, r: ReviewRecord): Pick<ReviewView, 'parcelReturns'> {
  if (r.reason !== REASON.PARCEL_EVIDENCE_REUSED || !state.peers?.length) return {};
  return { parcelReturns: state.peers.map((p) => p.returnId).sort(cmp) };
}

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
  /** {@link ReviewView.parcelReturns}: carried in the open-reviews index, so the queue needs no item read. */
  readonly parcelReturns?: readonly string[];
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
    ...(r.parcelReturns ? { parcelReturns: r.parcelReturns } : {}),
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
