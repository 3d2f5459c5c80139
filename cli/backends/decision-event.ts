
import type { IgnoredWhy } from '../../shared/app/decision-outcome.js';
import type { DecisionFact } from '../../shared/domain/types.js';
import type { ReplayLine } from '../output.js';
import type { DecisionRequest } from './backend.js';

export function envelopeOf(source: string, detail: DecisionFact, time: string, eventId: string) {
  return {
    version: '0',
    id: eventId,
    'detail-type': 'ReviewDecided',
    source,
    account: '000000000000',
    time,
    region: 'local',
    resources: [],
    detail,
  };
}

export function detailOf(request: DecisionRequest, decisionId: string, reviewerId: string, decidedAt: string): DecisionFact {
  return {
    decisionId,
    reviewId: request.reviewId,
    ...(request.returnId !== undefined ? { returnId: request.returnId } : {}),
    reviewerId,
    decision: request.decision,
    decidedAt,
    ...(request.note !== undefined && request.note !== '' ? { note: request.note } : {}),
  };
}

/** The `why` of a DecisionIgnored message refund-gate published for this decision, if any. */
export function ignoredWhyIn(lines: readonly ReplayLine[], decisionId: string): IgnoredWhy | undefined {
  for (const line of lines) {
    if (line.channel !== 'sns') continue;
    const m = line.message;
    if (m['type'] === 'DecisionIgnored' && m['decisionId'] === decisionId && typeof m['why'] === 'string') return m['why'] as IgnoredWhy;
  }
  return undefined;
}
