import { describe, expect, it } from 'vitest';
import { effectIdFor, reviewIdFor, type DecisionIgnored, type ReviewCleared } from '../../shared/domain/index.js';
import { toOutboundMessage } from '../../shared/publish/messages.js';

describe('outbound messages', () => {
  it('DecisionIgnored goes to the review topic with type, severity LOW and warehouseId attributes, fields in the contract order', () => {
    // Prepare
    const effect: DecisionIgnored = {
      type: 'DecisionIgnored',
      effectId: effectIdFor.decisionIgnored('r-1', 'd-9'),
      decisionId: 'd-9',
      reviewId: reviewIdFor.receipt('r-2', 'rc-1'),
      returnId: 'r-1',
      reviewerId: 'rev-1',
      why: 'REVIEW_OF_OTHER_RETURN',
      decidedAt: '2026-11-02T15:00:00.000Z',
      severity: 'LOW',
      warehouseId: 'WH-1',
    };
    // Act
    const message = toOutboundMessage(effect);
    // Assess
    expect(message).toEqual({
      channel: 'sns',
      effectId: effect.effectId,
      attributes: { type: 'DecisionIgnored', severity: 'LOW', warehouseId: 'WH-1', effectId: effect.effectId },
      message: {
        type: 'DecisionIgnored',
        decisionId: 'd-9',
        reviewId: effect.reviewId,
        returnId: 'r-1',
        reviewerId: 'rev-1',
        why: 'REVIEW_OF_OTHER_RETURN',
        decidedAt: '2026-11-02T15:00:00.000Z',
        warehouseId: 'WH-1',
        effectId: effect.effectId,
      },
    });
    expect(Object.keys(message.channel === 'sns' ? message.message : {})).toEqual(['type', 'decisionId', 'reviewId', 'returnId', 'reviewerId', 'why', 'decidedAt', 'warehouseId', 'effectId']);
  });

  it.each(['LATE_EVIDENCE_MATCHED', 'LATE_AUTHORIZATION', 'DECIDED'] as const)('ReviewCleared carries cause %s', (cause) => {
    const effect: ReviewCleared = {
      type: 'ReviewCleared',
      effectId: 'e',
      reviewId: 'rv',
      returnId: 'r-1',
      reason: 'RECEIPT_FOR_UNKNOWN_RETURN',
      clearedAt: '2026-11-02T15:00:00.000Z',
      cause,
    };
    const message = toOutboundMessage(effect);
    expect(message.channel === 'sns' ? message.message['cause'] : undefined).toBe(cause);
  });
});
