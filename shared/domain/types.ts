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
}

export interface CarrierScan {
  readonly scanId: string;
  readonly carrier: string;
  readonly trackingNumber: string;
  readonly status: ScanStatus;
  readonly facilityId?: string | undefined;
  readonly scannedAt: string;
}

export interface WarehouseReceipt {
  readonly receiptId: string;
  readonly returnId: string;
  readonly warehouseId: string;
  readonly employeeId: string;
  readonly receivedAt: string;
  readonly stationId?: string | undefined;
  readonly condition: ReceiptCondition;
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
 * The seam for R7: the insider detector's verdict on a receipt's employee at
 * the time the receipt is processed. Receipts whose `receivedAt` lies in
 * `[flaggedAt, flaggedUntil]` are held.
 */
export interface EmployeeFlag {
  readonly employeeId: string;
  readonly anomalyReviewId: string;
  readonly flaggedAt: string;
  readonly flaggedUntil: string;
}

// ---------------------------------------------------------------- commands

export type ReturnCommand =
  | {
      readonly type: 'AuthorizeReturn';
      readonly authorization: ReturnAuthorization;
      /** Every scan already known for the parcel's carrier and tracking number. */
      readonly scans: readonly CarrierScan[];
      readonly now: string;
    }
  | { readonly type: 'RecordScan'; readonly scan: CarrierScan; readonly now: string }
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

export type ClearCause = 'LATE_EVIDENCE_MATCHED' | 'CLOSED_BY_REVIEWER_RELEASE';

export interface ReviewCleared {
  readonly type: 'ReviewCleared';
  readonly effectId: string;
  readonly reviewId: string;
  readonly returnId: string;
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

export type Effect = ReviewRaised | ReviewCleared | RefundReleased | RefundDenied;

export type DecisionOutcome = 'FINAL' | 'SELF_REVIEW' | 'REVIEW_NOT_OPEN' | 'ALREADY_DECIDED';

/** Facts accepted into the return's state; `key` and `fingerprint` serve R8. */
export type FactEvent =
  | { readonly type: 'ReturnAuthorized'; readonly key: string; readonly fingerprint: string; readonly authorization: ReturnAuthorization }
  | { readonly type: 'ScanRecorded'; readonly key: string; readonly fingerprint: string; readonly scan: CarrierScan }
  | {
      readonly type: 'ReceiptRecorded';
      readonly key: string;
      readonly fingerprint: string;
      readonly receipt: WarehouseReceipt;
      readonly assessAt: string;
      readonly orphanAt: string;
    }
  | {
      readonly type: 'RefundRequestRecorded';
      readonly key: string;
      readonly fingerprint: string;
      readonly request: RefundRequest;
      /** R2: only the first request processed is the return's refund. */
      readonly first: boolean;
      readonly holdExpiresAt: string;
    }
  | {
      readonly type: 'DecisionRecorded';
      readonly key: string;
      readonly fingerprint: string;
      readonly decision: ReviewDecision;
      readonly outcome: DecisionOutcome;
    };

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

export interface ReceiptRecord {
  readonly receipt: WarehouseReceipt;
  /** receivedAt + grace: when R3 judges the receipt. */
  readonly assessAt: string;
  /** receivedAt + orphanTimeout: when R6 gives up waiting for the authorization. */
  readonly orphanAt: string;
}

export interface RefundRecord {
  readonly request: RefundRequest;
  /** requestedAt + maxHold (R6). */
  readonly holdExpiresAt: string;
}

export type ReturnStatus = 'AWAITING_AUTHORIZATION' | 'AUTHORIZED' | 'RELEASED' | 'DENIED';

/**
 * One return's state: plain JSON (no Map, no class, no Date) so it is stored
 * as the DynamoDB item as it is. `status` tells where the money stands.
 */
export interface ReturnState {
  readonly returnId: string;
  readonly status: ReturnStatus;
  readonly authorization: ReturnAuthorization | null;
  /** DELIVERED scans of the parcel's carrier and tracking number, by scanId. */
  readonly scans: Readonly<Record<string, CarrierScan>>;
  readonly receipts: Readonly<Record<string, ReceiptRecord>>;
  /** The return's one refund (R2): the first request processed. */
  readonly refund: RefundRecord | null;
  /** The first valid decision (R5); final. */
  readonly decision: ReviewDecision | null;
  readonly reviews: Readonly<Record<string, ReviewRecord>>;
  readonly release: RefundReleased | null;
  readonly denial: RefundDenied | null;
  /** R8: `<detail-type>:<domain id>` → fingerprint of the detail first applied. */
  readonly seen: Readonly<Record<string, string>>;
}

/** Settings the decider needs, in milliseconds (resolved from the contract config). */
export interface DeciderSettings {
  readonly skewMs: number;
  readonly graceMs: number;
  readonly maxHoldMs: number;
  readonly orphanTimeoutMs: number;
}
