import { InvariantViolationError } from './errors.js';
import { toEpochMs } from './time.js';
import type {
  CarrierScan,
  DecisionRecord,
  ParcelPeer,
  RefundRequest,
  ReturnEvent,
  ReturnState,
  ReviewDecision,
  ReviewRecord,
  ReviewStatus,
  WarehouseReceipt,
} from './types.js';

/**
 * The return's state and `evolve`: how each event changes it. Collections
 * are arrays searched by id (a return has a handful of each), so any id,
 * `__proto__` included, is ordinary data.
 */
export function initialState(returnId: string): ReturnState {
  return {
    returnId,
    status: 'AWAITING_AUTHORIZATION',
    authorization: null,
    scans: [],
    receipts: [],
    refunds: [],
    decisions: [],
    reviews: [],
  };
}

export function evolve(state: ReturnState, event: ReturnEvent): ReturnState {
  switch (event.type) {
    case 'ReturnAuthorized':
      // Authorization only moves an unauthorized return forward; a DENIED one stays denied.
      if (state.status === 'AWAITING_AUTHORIZATION') return { ...state, status: 'AUTHORIZED', authorization: event.authorization };
      if (state.status === 'DENIED') return { ...state, authorization: event.authorization };
      return state;
    case 'ScanRecorded':
      return hasScan(state, event.scan.scanId) ? state : { ...state, scans: [...state.scans, event.scan] };
    case 'ParcelPeerRecorded':
      return event.peer.returnId === state.returnId || hasPeer(state, event.peer.returnId)
        ? state
        : { ...state, peers: [...peersOf(state), event.peer] };
    case 'ReceiptRecorded':
      return receiptById(state, event.receipt.receiptId) ? state : { ...state, receipts: [...state.receipts, event.receipt] };
    case 'RefundRequestRecorded':
      return hasRefundRequest(state, event.request.refundId) ? state : { ...state, refunds: [...state.refunds, event.request] };
    case 'DecisionRecorded':
      return hasDecision(state, event.decision.decisionId)
        ? state
        : { ...state, decisions: [...state.decisions, { decision: event.decision, outcome: event.outcome, ...(event.why ? { why: event.why } : {}) }] };
    case 'ReviewRaised':
      if (reviewById(state, event.reviewId)) return state;
      return {
        ...state,
        reviews: [
          ...state.reviews,
          {
            reviewId: event.reviewId,
            reason: event.reason,
            raisedAt: event.raisedAt,
            status: 'OPEN',
            ...(event.receiptId !== undefined ? { receiptId: event.receiptId } : {}),
            ...(event.refundId !== undefined ? { refundId: event.refundId } : {}),
          },
        ],
      };
    case 'ReviewCleared':
      return withReviewStatus(state, event.reviewId, event.cause === 'DECIDED' ? 'CLOSED' : 'CLEARED');
    case 'ReviewResolved':
      return withReviewStatus(state, event.reviewId, 'DECIDED');
    case 'RefundReleased':
      if (state.authorization === null) throw new InvariantViolationError('release of an unauthorized return', { context: { returnId: state.returnId } });
      return { ...state, status: 'RELEASED', authorization: state.authorization, release: event };
    case 'RefundDenied':
      return { ...state, status: 'DENIED', denial: event };
    case 'DecisionIgnored':
      return state;
    default:
      return assertNever(event);
  }
}

function withReviewStatus(state: ReturnState, reviewId: string, status: ReviewStatus): ReturnState {
  if (!reviewById(state, reviewId)) return state;
  return { ...state, reviews: state.reviews.map((r) => (r.reviewId === reviewId ? { ...r, status } : r)) };
}

function assertNever(value: never): never {
  throw new InvariantViolationError(`unhandled event ${JSON.stringify(value)}`);
}

// ------------------------------------------------------------------ queries

export const hasScan = (state: ReturnState, scanId: string): boolean => state.scans.some((s) => s.scanId === scanId);
/** Other returns naming this return's parcel (v1.2); items written before v1.2 have none. */
export const peersOf = (state: ReturnState): readonly ParcelPeer[] => state.peers ?? [];
export const hasPeer = (state: ReturnState, returnId: string): boolean => peersOf(state).some((p) => p.returnId === returnId);
export const receiptById = (state: ReturnState, receiptId: string): WarehouseReceipt | undefined =>
  state.receipts.find((r) => r.receiptId === receiptId);
export const hasRefundRequest = (state: ReturnState, refundId: string): boolean => state.refunds.some((r) => r.refundId === refundId);
export const hasDecision = (state: ReturnState, decisionId: string): boolean => state.decisions.some((d) => d.decision.decisionId === decisionId);
export const reviewById = (state: ReturnState, reviewId: string): ReviewRecord | undefined => state.reviews.find((r) => r.reviewId === reviewId);

/** The return's one refund (R2): the first request processed. */
export const refundOf = (state: ReturnState): RefundRequest | undefined => state.refunds[0];

/** The first valid decision (R5), final. */
export const finalDecision = (state: ReturnState): ReviewDecision | undefined =>
  state.decisions.find((d: DecisionRecord) => d.outcome === 'FINAL')?.decision;

/** Neither released nor denied yet. */
export const isUndecided = (state: ReturnState): boolean => state.status === 'AWAITING_AUTHORIZATION' || state.status === 'AUTHORIZED';

/** Open reviews, earliest first (ties by id): a deterministic order for evidence and effects. */
export function openReviews(state: ReturnState): ReviewRecord[] {
  return state.reviews
    .filter((r) => r.status === 'OPEN')
    .sort((a, b) => toEpochMs(a.raisedAt) - toEpochMs(b.raisedAt) || (a.reviewId < b.reviewId ? -1 : a.reviewId > b.reviewId ? 1 : 0));
}

/** Receipts, earliest first (ties by id). */
export function sortedReceipts(state: ReturnState): WarehouseReceipt[] {
  return [...state.receipts].sort(
    (a, b) => toEpochMs(a.receivedAt) - toEpochMs(b.receivedAt) || (a.receiptId < b.receiptId ? -1 : a.receiptId > b.receiptId ? 1 : 0),
  );
}

export const scansOf = (state: ReturnState): readonly CarrierScan[] => state.scans;
