/**
 * The shape of the reviewer's explanation of one return (what `explain
 * --json` prints and the console shows); {@link explainReturn} in explain.ts
 * builds it.
 */
import type { DetailType } from '../contract/inbound.js';
import type { MatchSettings } from '../domain/matching.js';
import type { ReviewView } from '../domain/review-queue.js';
import type { Reason } from '../domain/reasons.js';
import type { DecisionRecord, EmployeeFlag, IgnoredWhy, Money, ReturnState } from '../domain/types.js';

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
  /**
   * The R7 flag that held this receipt (its employee was under an insider alert when it was
   * received), with `liftedAt` when the alert was later answered RELEASE (v1.2: the employee was
   * cleared from then on); null when no flag held it, a receipt after the lift included.
   */
  readonly employeeFlagged: { readonly anomalyReviewId: string; readonly flaggedAt: string; readonly flaggedUntil: string; readonly liftedAt?: string } | null;
}

export interface WeightCheck {
  readonly agree: boolean;
  readonly weights: readonly Record<string, unknown>[];
  /** When they disagree: the lightest and heaviest reading. */
  readonly disagreeing: readonly Record<string, unknown>[] | null;
  readonly differenceGrams: number | null;
  readonly toleranceGrams: number | null;
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
    /** v1.2: the other returns naming the parcel (PARCEL_EVIDENCE_REUSED's story); absent when there are none. */
    readonly parcelReturns?: ReadonlyArray<{ readonly returnId: string; readonly customerId: string; readonly authorizedAt: string; readonly released: boolean }>;
    /** v1.2: the return's authorizedAt, beside which a delivery is stale. */
    readonly authorizedAt?: string | null;
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
