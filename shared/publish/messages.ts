import { OUTBOUND_SOURCE } from '../contract/config.js';
import type { DecisionIgnored, Effect, RefundDenied, RefundReleased, ReviewCleared, ReviewRaised } from '../domain/types.js';

/** One outbound message, in the shape replay prints it (contract §5) plus its effectId. */
export type OutboundMessage =
  | {
      readonly channel: 'eventbridge';
      readonly effectId: string;
      readonly source: typeof OUTBOUND_SOURCE;
      readonly detailType: 'RefundReleased' | 'RefundDenied';
      readonly detail: Record<string, unknown>;
    }
  | {
      readonly channel: 'sns';
      readonly effectId: string;
      readonly attributes: Record<string, string>;
      readonly message: Record<string, unknown>;
    };

/** Map a decided effect to the contract's outbound message. Pure; the same in AWS and locally. */
export function toOutboundMessage(effect: Effect): OutboundMessage {
  // One mapper per kind of effect. Fields are listed in the contract's order: effects come
  // back from DynamoDB maps in no particular order, and replay's output must be byte-stable.
  switch (effect.type) {
    case 'RefundReleased':
      return refundReleasedMessage(effect);
    case 'RefundDenied':
      return refundDeniedMessage(effect);
    case 'ReviewRaised':
      return reviewRequestedMessage(effect);
    case 'ReviewCleared':
      return reviewClearedMessage(effect);
    case 'DecisionIgnored':
      return decisionIgnoredMessage(effect);
  }
}

function refundReleasedMessage(effect: RefundReleased): OutboundMessage {
  const detail = compact({
    returnId: effect.returnId,
    refundId: effect.refundId,
    amount: money(effect.amount),
    releasedAt: effect.releasedAt,
    basis: effect.basis,
    receiptId: effect.receiptId,
    scanId: effect.scanId,
    decisionId: effect.decisionId,
    requested: effect.requested ? money(effect.requested) : undefined,
    effectId: effect.effectId,
  });
  return { channel: 'eventbridge', effectId: effect.effectId, source: OUTBOUND_SOURCE, detailType: 'RefundReleased', detail };
}

function refundDeniedMessage(effect: RefundDenied): OutboundMessage {
  const detail = compact({
    returnId: effect.returnId,
    refundId: effect.refundId,
    decisionId: effect.decisionId,
    reviewerId: effect.reviewerId,
    deniedAt: effect.deniedAt,
    amount: money(effect.amount),
    effectId: effect.effectId,
  });
  return { channel: 'eventbridge', effectId: effect.effectId, source: OUTBOUND_SOURCE, detailType: 'RefundDenied', detail };
}

function reviewRequestedMessage(effect: ReviewRaised): OutboundMessage {
  const message = compact({
    type: 'ReviewRequested',
    reviewId: effect.reviewId,
    reason: effect.reason,
    severity: effect.severity,
    raisedAt: effect.raisedAt,
    returnId: effect.returnId,
    receiptId: effect.receiptId,
    refundId: effect.refundId,
    decisionId: effect.decisionId,
    employeeId: effect.employeeId,
    warehouseId: effect.warehouseId,
    refund: effect.refund && money(effect.refund),
    evidence: sortKeys(effect.evidence),
    effectId: effect.effectId,
  });
  return snsMessage(effect.effectId, { type: 'ReviewRequested', reason: effect.reason, severity: effect.severity, warehouseId: effect.warehouseId }, message);
}

function reviewClearedMessage(effect: ReviewCleared): OutboundMessage {
  const message = compact({
    type: 'ReviewCleared',
    reviewId: effect.reviewId,
    returnId: effect.returnId,
    clearedAt: effect.clearedAt,
    cause: effect.cause,
    reason: effect.reason,
    receiptId: effect.receiptId,
    employeeId: effect.employeeId,
    warehouseId: effect.warehouseId,
    scanId: effect.scanId,
    decisionId: effect.decisionId,
    effectId: effect.effectId,
  });
  return snsMessage(effect.effectId, { type: 'ReviewCleared', reason: effect.reason, warehouseId: effect.warehouseId }, message);
}

/** R5 v1.1: tells the reviewer's tool why a decision changed nothing. */
function decisionIgnoredMessage(effect: DecisionIgnored): OutboundMessage {
  const message = compact({
    type: 'DecisionIgnored',
    decisionId: effect.decisionId,
    reviewId: effect.reviewId,
    returnId: effect.returnId,
    reviewerId: effect.reviewerId,
    why: effect.why,
    decidedAt: effect.decidedAt,
    warehouseId: effect.warehouseId,
    effectId: effect.effectId,
  });
  return snsMessage(effect.effectId, { type: 'DecisionIgnored', severity: effect.severity, warehouseId: effect.warehouseId }, message);
}

/**
 * A review message: its SNS message attributes (what subscription filter
 * policies match on; absent values left out, effectId last) and its body.
 */
function snsMessage(effectId: string, attributes: Record<string, string | undefined>, message: Record<string, unknown>): OutboundMessage {
  return { channel: 'sns', effectId, attributes: compact({ ...attributes, effectId }) as Record<string, string>, message };
}

const money = (m: { amount: number; currency: string }) => ({ amount: m.amount, currency: m.currency });

/** Evidence is free-form: sort its keys (deeply) so the bytes do not depend on storage order. */
function sortKeys(value: unknown): Record<string, unknown> {
  return deepSort(value) as Record<string, unknown>;
}

function deepSort(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepSort);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value as Record<string, unknown>)
      .sort()
      .map((k) => [k, deepSort((value as Record<string, unknown>)[k])]),
  );
}

/** Drop undefined fields so messages are byte-stable and free of `null` noise. */
function compact<T extends Record<string, unknown>>(o: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
