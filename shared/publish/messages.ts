import { OUTBOUND_SOURCE } from '../contract/config.js';
import type { Effect } from '../domain/types.js';

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
  switch (effect.type) {
    case 'RefundReleased': {
      const { type: _type, ...detail } = effect;
      return { channel: 'eventbridge', effectId: effect.effectId, source: OUTBOUND_SOURCE, detailType: 'RefundReleased', detail: compact(detail) };
    }
    case 'RefundDenied': {
      const { type: _type, ...detail } = effect;
      return { channel: 'eventbridge', effectId: effect.effectId, source: OUTBOUND_SOURCE, detailType: 'RefundDenied', detail: compact(detail) };
    }
    case 'ReviewRaised': {
      const message = compact({
        type: 'ReviewRequested',
        effectId: effect.effectId,
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
        refund: effect.refund,
        evidence: effect.evidence,
      });
      return {
        channel: 'sns',
        effectId: effect.effectId,
        attributes: compact({
          type: 'ReviewRequested',
          reason: effect.reason,
          severity: effect.severity,
          warehouseId: effect.warehouseId,
          effectId: effect.effectId,
        }) as Record<string, string>,
        message,
      };
    }
    case 'ReviewCleared': {
      const message = compact({
        type: 'ReviewCleared',
        effectId: effect.effectId,
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
      });
      return {
        channel: 'sns',
        effectId: effect.effectId,
        attributes: compact({
          type: 'ReviewCleared',
          reason: effect.reason,
          warehouseId: effect.warehouseId,
          effectId: effect.effectId,
        }) as Record<string, string>,
        message,
      };
    }
  }
}

/** Drop undefined fields so messages are byte-stable and free of `null` noise. */
function compact<T extends Record<string, unknown>>(o: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
