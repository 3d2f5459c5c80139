import * as z from 'zod';
import { REASONS, type Reason } from '../domain/reasons.js';
import { ReviewDecidedDetail } from './inbound.js';
import { Id, Money, Timestamp } from './primitives.js';

/*
 * What refund-gate publishes (contract §4), field for field: the publisher's
 * mapping (shared/publish/messages.ts) produces exactly these shapes, and the
 * tests check every message of a replay against them strictly (no field that
 * is not listed here). They also generate docs/producers/fields.md, the JSON
 * Schemas in schemas/ and the EventBridge schema registry entries.
 *
 * Consumers should ignore fields they do not know: later versions may add
 * optional ones (the contract never renames or removes one).
 */

const Reasons = z.enum(REASONS as [Reason, ...Reason[]]).describe('the review reason code (contract §3)');
const Severity = z.enum(['HIGH', 'MEDIUM', 'LOW']).describe('HIGH for insider and self-review alerts, LOW for HOLD_EXPIRED and DecisionIgnored, MEDIUM otherwise');
const EffectId = z.string().min(1).describe('stable id of this effect: publication is at least once, de-duplicate on it');
/** reviewIds are built from the ids they concern, so they may be longer than one id. */
const ReviewId = z.string().min(1).describe('stable id of the review, the same on every redelivery');

/** Why a `ReviewCleared` was published. */
export const CLEAR_CAUSES = [
  /** R4: the carrier's inbound scan (or another missing fact) arrived late and the receipt is now matched. */
  'LATE_EVIDENCE_MATCHED',
  /** R4 (v1.1): the ReturnAuthorized of a receipt under RECEIPT_FOR_UNKNOWN_RETURN arrived. */
  'LATE_AUTHORIZATION',
  /** R5 (v1.1): a RELEASE or DENY decision on the return closed this other review. */
  'DECIDED',
  /** R5 (v1.0 name): a RELEASE decision closed this other review. */
  'CLOSED_BY_REVIEWER_RELEASE',
] as const;
export const ClearCause = z.enum(CLEAR_CAUSES).describe('why the review no longer needs a human');
export type ClearCause = z.infer<typeof ClearCause>;

/** Why a `ReviewDecided` changed nothing (R5, v1.1). */
export const DECISION_IGNORED_WHY = ['UNKNOWN_REVIEW', 'REVIEW_OF_OTHER_RETURN', 'REVIEW_NOT_OPEN', 'RETURN_ALREADY_DECIDED'] as const;
export const DecisionIgnoredWhy = z.enum(DECISION_IGNORED_WHY).describe('why the decision changed nothing');
export type DecisionIgnoredWhy = z.infer<typeof DecisionIgnoredWhy>;

// ---------------------------------------------------------------- EventBridge (source refund-gate)

/** `RefundReleased` detail on the bus, source `refund-gate`: pay the refund. */
export const RefundReleasedDetail = z
  .strictObject({
    returnId: Id,
    refundId: Id.describe('the refund being released (the first RefundRequested of the return)'),
    amount: Money.describe('what may be paid, in minor units: the requested amount, never more than the authorized refund (v1.2)'),
    releasedAt: Timestamp.describe('business time of the fact that completed the evidence, or of the decision'),
    basis: z.enum(['EVIDENCE_MATCHED', 'REVIEWER_RELEASED']).describe('EVIDENCE_MATCHED: carrier and warehouse agree (R1); REVIEWER_RELEASED: a reviewer decided RELEASE (R5)'),
    receiptId: Id.optional().describe('the matched receipt (EVIDENCE_MATCHED)'),
    scanId: Id.optional().describe('the matching inbound scan (EVIDENCE_MATCHED)'),
    decisionId: Id.optional().describe('the RELEASE decision (REVIEWER_RELEASED)'),
    requested: Money.optional().describe('v1.2: the requested amount, present when it differs from `amount` (a reviewer released an over-asked or other-currency request: the authorized refund is paid)'),
    effectId: EffectId,
  })
  .describe('A refund refund-gate releases. Pay on this event only, once per effectId.');
export type RefundReleasedDetail = z.infer<typeof RefundReleasedDetail>;

/** `RefundDenied` detail on the bus: a reviewer denied the refund; nothing is ever released for the return. */
export const RefundDeniedDetail = z
  .strictObject({
    returnId: Id,
    refundId: Id,
    decisionId: Id.describe('the DENY decision'),
    reviewerId: Id,
    deniedAt: Timestamp.describe('decidedAt of the decision, or requestedAt when the refund was requested after it'),
    amount: Money.describe('the requested amount'),
    effectId: EffectId,
  })
  .describe('A refund a reviewer denied; refund-gate will never release it.');
export type RefundDeniedDetail = z.infer<typeof RefundDeniedDetail>;

// ---------------------------------------------------------------- SNS review topic

/** JSON message on the review topic when a review is raised. */
export const ReviewRequestedMessage = z
  .strictObject({
    type: z.literal('ReviewRequested'),
    reviewId: ReviewId,
    reason: Reasons,
    severity: Severity,
    raisedAt: Timestamp.describe('business time the review was raised at'),
    returnId: Id.optional().describe('absent only on EMPLOYEE_RECEIPT_ANOMALY, which spans returns'),
    receiptId: Id.optional(),
    refundId: Id.optional(),
    decisionId: Id.optional(),
    employeeId: Id.optional(),
    warehouseId: Id.optional(),
    refund: Money.optional().describe('the refund at stake, where known'),
    evidence: z.record(z.string(), z.unknown()).describe('the facts behind the reason, keys sorted; see docs/analysts/reviews.md'),
    effectId: EffectId,
  })
  .describe('A review for a human: something does not add up and the refund is held.');
export type ReviewRequestedMessage = z.infer<typeof ReviewRequestedMessage>;

/** JSON message on the review topic when a review no longer needs a human. */
export const ReviewClearedMessage = z
  .strictObject({
    type: z.literal('ReviewCleared'),
    reviewId: ReviewId,
    returnId: Id.optional().describe('absent when an EMPLOYEE_RECEIPT_ANOMALY alert is closed by its decision (v1.2)'),
    clearedAt: Timestamp,
    cause: ClearCause,
    reason: Reasons.describe('the reason of the review being cleared'),
    receiptId: Id.optional(),
    employeeId: Id.optional(),
    warehouseId: Id.optional(),
    scanId: Id.optional().describe('the late inbound scan (LATE_EVIDENCE_MATCHED)'),
    decisionId: Id.optional().describe('the decision that closed the review (DECIDED, CLOSED_BY_REVIEWER_RELEASE)'),
    effectId: EffectId,
  })
  .describe('A review that no longer needs a human: take it off the queue.');
export type ReviewClearedMessage = z.infer<typeof ReviewClearedMessage>;

/** JSON message on the review topic when a decision changed nothing (v1.1). */
export const DecisionIgnoredMessage = z
  .strictObject({
    type: z.literal('DecisionIgnored'),
    decisionId: Id,
    reviewId: ReviewDecidedDetail.shape.reviewId.describe('the reviewId the decision named, as it was given'),
    returnId: Id.optional().describe('the returnId the decision gave, absent when it gave none (v1.2)'),
    reviewerId: Id,
    why: DecisionIgnoredWhy,
    decidedAt: Timestamp,
    effectId: EffectId,
  })
  .describe("A reviewer's decision that changed nothing, and why, so the review tool can say so.");
export type DecisionIgnoredMessage = z.infer<typeof DecisionIgnoredMessage>;

/** SNS message attributes, for subscription filter policies (all String attributes). */
export const ReviewMessageAttributes = z
  .strictObject({
    type: z.enum(['ReviewRequested', 'ReviewCleared', 'DecisionIgnored']),
    reason: Reasons.optional().describe('ReviewRequested and ReviewCleared'),
    severity: Severity.optional().describe('ReviewRequested and DecisionIgnored'),
    warehouseId: Id.optional().describe('where known'),
    effectId: EffectId,
  })
  .describe('Message attributes of every message on the review topic.');
export type ReviewMessageAttributes = z.infer<typeof ReviewMessageAttributes>;

export const OUTBOUND_DETAIL_TYPES = { RefundReleased: 'RefundReleased', RefundDenied: 'RefundDenied' } as const;

/** Outbound detail-type → detail schema (EventBridge, source `refund-gate`). */
export const OUTBOUND_DETAIL_SCHEMAS = {
  RefundReleased: RefundReleasedDetail,
  RefundDenied: RefundDeniedDetail,
} as const satisfies Record<keyof typeof OUTBOUND_DETAIL_TYPES, z.ZodType>;

/** Review-topic message `type` → message schema (SNS). */
export const REVIEW_MESSAGE_SCHEMAS = {
  ReviewRequested: ReviewRequestedMessage,
  ReviewCleared: ReviewClearedMessage,
  DecisionIgnored: DecisionIgnoredMessage,
} as const;
export type ReviewMessageType = keyof typeof REVIEW_MESSAGE_SCHEMAS;
