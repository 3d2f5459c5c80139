import type { Reason, Severity } from './reasons.js';

/*
 * The domain's own view of the contract's facts. They mirror the zod-inferred
 * types in shared/contract (a compile-time check there keeps them in step) so
 * the domain depends on nothing but TypeScript.
 */

export interface Money {
  readonly amount: number;
  readonly currency: string;
}

export type WeightUnit = 'g' | 'kg' | 'oz' | 'lb';

/** A measured or expected weight (contract §1, v1.1): `value` > 0 in `unit`. */
export interface Weight {
  readonly value: number;
  readonly unit: WeightUnit;
}

export type ScanStatus =
  | 'LABEL_CREATED'
  | 'PICKED_UP'
  | 'IN_TRANSIT'
  | 'OUT_FOR_DELIVERY'
  | 'DELIVERED'
  | 'EXCEPTION'
  | 'RETURNED_TO_SENDER';
export type ReceiptCondition = 'AS_EXPECTED' | 'DAMAGED' | 'WRONG_ITEM' | 'EMPTY_BOX';

export interface ReturnAuthorization {
  readonly returnId: string;
  readonly orderId: string;
  readonly customerId: string;
  readonly warehouseId: string;
  readonly carrier: string;
  readonly trackingNumber: string;
  readonly refund: Money;
  readonly authorizedAt: string;
  readonly items?: ReadonlyArray<{ readonly sku: string; readonly quantity: number }> | undefined;
  /** What the returned items and their packaging should weigh. */
  readonly expectedWeight?: Weight | undefined;
}

export interface CarrierScan {
  readonly scanId: string;
  readonly carrier: string;
  readonly trackingNumber: string;
  readonly status: ScanStatus;
  readonly facilityId?: string | undefined;
  readonly scannedAt: string;
  /** The parcel weight the carrier measured. */
  readonly weight?: Weight | undefined;
}

export interface WarehouseReceipt {
  readonly receiptId: string;
  readonly returnId: string;
  readonly warehouseId: string;
  readonly employeeId: string;
  readonly receivedAt: string;
  readonly stationId?: string | undefined;
  readonly condition: ReceiptCondition;
  /** The dock-scale reading at receipt. */
  readonly weight?: Weight | undefined;
}

export interface RefundRequest {
  readonly refundId: string;
  readonly returnId: string;
  readonly amount: Money;
  readonly requestedAt: string;
}

export interface ReviewDecision {
  readonly decisionId: string;
  readonly reviewId: string;
  readonly returnId: string;
  readonly reviewerId: string;
  readonly decision: 'RELEASE' | 'DENY';
  readonly decidedAt: string;
  readonly note?: string | undefined;
}

/**
 * A ReviewDecided as the contract gives it (v1.2): `returnId` is omitted on a
 * decision answering an R7 alert (EMPLOYEE_RECEIPT_ANOMALY), which has no
 * return. A return's decider only ever sees a {@link ReviewDecision}.
 */
export type DecisionFact = Omit<ReviewDecision, 'returnId'> & { readonly returnId?: string | undefined };

/**
 * The seam for R7: the insider detector's verdict on a receipt's employee at
 * the time the receipt is processed. Receipts whose `receivedAt` lies in
 * `[flaggedAt, flaggedUntil]` are held.
 */
export interface EmployeeFlag {
  readonly employeeId: string;
  readonly anomalyReviewId: string;
  readonly flaggedAt: string;
  readonly flaggedUntil: string;
  /**
   * v1.2: the `decidedAt` of a RELEASE answering the alert (the employee is
   * cleared): from then on the flag holds only receipts received before it.
   */
  readonly liftedAt?: string | undefined;
}

/**
 * Another return naming the same parcel (v1.2, §2 shared parcel), as the
 * parcel item links it: enough to tell whether the parcel is shared, to sum
 * one customer's expected weights, and to show a reviewer who else claims it.
 */
export interface ParcelPeer {
  readonly returnId: string;
  readonly customerId: string;
  readonly authorizedAt: string;
  readonly expectedWeight?: Weight | undefined;
  /** Whether it was released when this return learnt of it (evidence only). */
  readonly released?: boolean | undefined;
}

// ---------------------------------------------------------------- commands

export type ReturnCommand =
  | {
      readonly type: 'AuthorizeReturn';
      readonly authorization: ReturnAuthorization;
      /** Every scan already known for the parcel's carrier and tracking number. */
      readonly scans: readonly CarrierScan[];
      /** Every other return linked to the parcel so far (v1.2). */
      readonly peers?: readonly ParcelPeer[] | undefined;
      readonly now: string;
    }
  | { readonly type: 'RecordScan'; readonly scan: CarrierScan; readonly now: string }
  /** v1.2: another return named this return's parcel (the parcel item fans the link out, as it does scans). */
  | { readonly type: 'LinkParcelPeer'; readonly peer: ParcelPeer; readonly now: string }
  | {
      readonly type: 'RecordReceipt';
      readonly receipt: WarehouseReceipt;
      readonly employeeFlag?: EmployeeFlag | null | undefined;
      readonly now: string;
    }
  | { readonly type: 'RequestRefund'; readonly request: RefundRequest; readonly now: string }
  | { readonly type: 'DecideReview'; readonly decision: ReviewDecision; readonly now: string }
  | { readonly type: 'Tick'; readonly now: string };

// ---------------------------------------------------------------- events

/** Effects are the events the outbox publishes; each has a stable `effectId`. */
export interface ReviewRaised {
  readonly type: 'ReviewRaised';
  readonly effectId: string;
  readonly reviewId: string;
  readonly reason: Reason;
  readonly severity: Severity;
  readonly raisedAt: string;
  /** Absent only on a per-employee review (R7), which spans many returns. */
  readonly returnId?: string | undefined;
  readonly receiptId?: string | undefined;
  readonly refundId?: string | undefined;
  readonly decisionId?: string | undefined;
  readonly employeeId?: string | undefined;
  readonly warehouseId?: string | undefined;
  readonly refund?: Money | undefined;
  readonly evidence: Readonly<Record<string, unknown>>;
}

/**
 * Why a review stopped being open without a decision on it:
 * - `LATE_EVIDENCE_MATCHED` (R4): its receipt became matched;
 * - `LATE_AUTHORIZATION` (R4, v1.1): the authorization of a receipt under
 *   `RECEIPT_FOR_UNKNOWN_RETURN` arrived;
 * - `DECIDED` (R5, v1.1): a reviewer's RELEASE or DENY on another review of
 *   the return closed it.
 */
export type ClearCause = 'LATE_EVIDENCE_MATCHED' | 'LATE_AUTHORIZATION' | 'DECIDED';

export interface ReviewCleared {
  readonly type: 'ReviewCleared';
  readonly effectId: string;
  readonly reviewId: string;
  /** Absent only when an R7 alert (no return) is closed by its decision (v1.2). */
  readonly returnId?: string | undefined;
  readonly reason: Reason;
  readonly clearedAt: string;
  readonly cause: ClearCause;
  readonly receiptId?: string | undefined;
  /** The receipt's receivedAt, so R7 can find and uncount it. */
  readonly receivedAt?: string | undefined;
  readonly employeeId?: string | undefined;
  readonly warehouseId?: string | undefined;
  readonly scanId?: string | undefined;
  readonly decisionId?: string | undefined;
  /** What the closed review held, for the money-at-stake metrics; never published. */
  readonly refund?: Money | undefined;
}

export type ReleaseBasis = 'EVIDENCE_MATCHED' | 'REVIEWER_RELEASED';

export interface RefundReleased {
  readonly type: 'RefundReleased';
  readonly effectId: string;
  readonly returnId: string;
  readonly refundId: string;
  readonly amount: Money;
  readonly releasedAt: string;
  readonly basis: ReleaseBasis;
  readonly receiptId?: string | undefined;
  readonly scanId?: string | undefined;
  readonly decisionId?: string | undefined;
  /** v1.2: the requested amount, present when `amount` (what may be paid, R1) differs from it. */
  readonly requested?: Money | undefined;
}

export interface RefundDenied {
  readonly type: 'RefundDenied';
  readonly effectId: string;
  readonly returnId: string;
  readonly refundId: string;
  readonly amount: Money;
  readonly decisionId: string;
  readonly reviewerId: string;
  readonly deniedAt: string;
}

/** Why a decision changed nothing (R5, v1.1). */
export type IgnoredWhy = 'UNKNOWN_REVIEW' | 'REVIEW_OF_OTHER_RETURN' | 'REVIEW_NOT_OPEN' | 'RETURN_ALREADY_DECIDED';

/** R5 v1.1: feedback for the reviewer's tool when a decision changes nothing. Severity LOW. */
export interface DecisionIgnored {
  readonly type: 'DecisionIgnored';
  readonly effectId: string;
  readonly decisionId: string;
  readonly reviewId: string;
  /** v1.2: as the decision gave it (absent on a decision without one). */
  readonly returnId?: string | undefined;
  readonly reviewerId: string;
  readonly why: IgnoredWhy;
  readonly decidedAt: string;
  readonly severity: 'LOW';
  readonly warehouseId?: string | undefined;
}

export type Effect = ReviewRaised | ReviewCleared | RefundReleased | RefundDenied | DecisionIgnored;

/** What a recorded decision did: the first valid one is FINAL; a self-review or an ignored one changes nothing. */
export type DecisionOutcome = 'FINAL' | 'SELF_REVIEW' | 'IGNORED';

/** Facts accepted into the return's state. A fact already recorded yields no event (redelivery). */
export type FactEvent =
  | { readonly type: 'ReturnAuthorized'; readonly authorization: ReturnAuthorization }
  | { readonly type: 'ScanRecorded'; readonly scan: CarrierScan }
  | { readonly type: 'ParcelPeerRecorded'; readonly peer: ParcelPeer }
  | { readonly type: 'ReceiptRecorded'; readonly receipt: WarehouseReceipt }
  | { readonly type: 'RefundRequestRecorded'; readonly request: RefundRequest }
  | { readonly type: 'DecisionRecorded'; readonly decision: ReviewDecision; readonly outcome: DecisionOutcome; readonly why?: IgnoredWhy | undefined };

export type ReturnEvent =
  | FactEvent
  | Effect
  | { readonly type: 'ReviewResolved'; readonly reviewId: string; readonly decisionId: string };

// ---------------------------------------------------------------- state

export type ReviewStatus = 'OPEN' | 'CLEARED' | 'DECIDED' | 'CLOSED';

export interface ReviewRecord {
  readonly reviewId: string;
  readonly reason: Reason;
  readonly raisedAt: string;
  readonly status: ReviewStatus;
  readonly receiptId?: string | undefined;
  readonly refundId?: string | undefined;
}

export interface DecisionRecord {
  readonly decision: ReviewDecision;
  readonly outcome: DecisionOutcome;
  /** For an IGNORED decision: why it changed nothing (as its DecisionIgnored said). */
  readonly why?: IgnoredWhy | undefined;
}

/**
 * What every return state holds. Collections are arrays of records, never
 * objects keyed by ids (contract §1: `__proto__` is an ordinary id), so the
 * state is plain JSON and is stored as the DynamoDB item as it is.
 */
interface ReturnStateBase {
  readonly returnId: string;
  /** DELIVERED scans of the parcel's carrier and tracking number, in arrival order. */
  readonly scans: readonly CarrierScan[];
  /** v1.2: other returns naming the parcel, in arrival order; absent while there are none (keeps an honest item small). */
  readonly peers?: readonly ParcelPeer[] | undefined;
  readonly receipts: readonly WarehouseReceipt[];
  /** Every refund request, in processing order; the first is the return's refund (R2). */
  readonly refunds: readonly RefundRequest[];
  /** Every decision processed, in order; at most one is FINAL (R5). */
  readonly decisions: readonly DecisionRecord[];
  readonly reviews: readonly ReviewRecord[];
}

/** A receipt, request or decision may come before the return's authorization. */
export interface AwaitingAuthorization extends ReturnStateBase {
  readonly status: 'AWAITING_AUTHORIZATION';
  readonly authorization: null;
}

export interface Authorized extends ReturnStateBase {
  readonly status: 'AUTHORIZED';
  readonly authorization: ReturnAuthorization;
}

export interface Released extends ReturnStateBase {
  readonly status: 'RELEASED';
  readonly authorization: ReturnAuthorization;
  readonly release: RefundReleased;
}

/** A DENY needs no authorization (R5): the return may never have been authorized. */
export interface Denied extends ReturnStateBase {
  readonly status: 'DENIED';
  readonly authorization: ReturnAuthorization | null;
  readonly denial: RefundDenied;
}

/** One return's state, discriminated by `status`: where the money stands. */
export type ReturnState = AwaitingAuthorization | Authorized | Released | Denied;
export type ReturnStatus = ReturnState['status'];

/** Settings the decider needs (resolved from the contract config): durations in milliseconds. */
export interface DeciderSettings {
  readonly skewMs: number;
  readonly graceMs: number;
  readonly maxHoldMs: number;
  readonly orphanTimeoutMs: number;
  /** Relative weight tolerance (0.15 = 15 % of the larger weight). */
  readonly weightTolerance: number;
  /** Absolute weight tolerance in grams; the larger of the two tolerances applies. */
  readonly weightToleranceGrams: number;
  /** v1.2: how long before `authorizedAt` a DELIVERED scan may still be this return's (default 7 days). */
  readonly evidenceWindowMs: number;
  /** v1.2: returns of different customers naming one parcel within this of each other share it (default 90 days). */
  readonly sharedParcelWindowMs: number;
}
