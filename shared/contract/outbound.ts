import * as z from 'zod';
import { REASONS, type Reason } from '../domain/reasons.js';
import { Id, Money, Timestamp } from './primitives.js';

const Reasons = z.enum(REASONS as [Reason, ...Reason[]]);
const Severity = z.enum(['HIGH', 'MEDIUM', 'LOW']);

/** `RefundReleased` detail on the bus, source `refund-gate` (contract §4). */
export const RefundReleasedDetail = z.object({
  effectId: z.string().min(1),
  returnId: Id,
  refundId: Id,
  amount: Money,
  releasedAt: Timestamp,
  basis: z.enum(['EVIDENCE_MATCHED', 'REVIEWER_RELEASED']),
  receiptId: Id.optional(),
  scanId: Id.optional(),
  decisionId: Id.optional(),
});
export type RefundReleasedDetail = z.infer<typeof RefundReleasedDetail>;

/** `RefundDenied` detail on the bus. */
export const RefundDeniedDetail = z.object({
  effectId: z.string().min(1),
  returnId: Id,
  refundId: Id,
  decisionId: Id,
  reviewerId: Id,
  deniedAt: Timestamp,
  amount: Money.optional(),
});
export type RefundDeniedDetail = z.infer<typeof RefundDeniedDetail>;

/** JSON message on the review SNS topic when a review is raised. */
export const ReviewRequestedMessage = z.object({
  type: z.literal('ReviewRequested'),
  effectId: z.string().min(1),
  reviewId: z.string().min(1),
  reason: Reasons,
  severity: Severity,
  raisedAt: Timestamp,
  returnId: Id.optional(),
  receiptId: Id.optional(),
  employeeId: Id.optional(),
  warehouseId: Id.optional(),
  refund: Money.optional(),
  evidence: z.record(z.string(), z.unknown()),
});
export type ReviewRequestedMessage = z.infer<typeof ReviewRequestedMessage>;

/** JSON message on the review SNS topic when a review is cleared or closed. */
export const ReviewClearedMessage = z.object({
  type: z.literal('ReviewCleared'),
  effectId: z.string().min(1),
  reviewId: z.string().min(1),
  returnId: Id,
  clearedAt: Timestamp,
  cause: z.string().min(1),
  reason: Reasons.optional(),
});
export type ReviewClearedMessage = z.infer<typeof ReviewClearedMessage>;

export const OUTBOUND_DETAIL_TYPES = { RefundReleased: 'RefundReleased', RefundDenied: 'RefundDenied' } as const;
