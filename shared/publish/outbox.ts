import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { Effect, ReturnState } from '../domain/types.js';
import { RefundGateError } from '../errors.js';
import { BODY_ATTRIBUTE, outboxOfItem, stateOfItem } from '../store/item-codec.js';
import { toOutboundMessage, type OutboundMessage } from './messages.js';
import type { OutboundSink } from './sinks.js';
import { metricContextOf, type PublishedEffect } from '../app/review-metrics.js';

/** A stream record decoded once: the item as this write left it, its effects and (for a return) its state. */
export interface DecodedRecord {
  readonly item: Record<string, unknown> | null;
  readonly effects: readonly Effect[];
  readonly state: ReturnState | null;
}

/**
 * An outbox effect the item's own state does not support: a `RefundReleased`
 * whose return is not RELEASED with that refund and amount, money on an item
 * that is not a return, or an employee item asking for anything but its
 * review. Never published; the record is retried, then parked whole in the
 * stream-failure bucket (the StreamFailures alarm).
 */
export class UnsupportedEffectError extends RefundGateError {
  public constructor(message: string, context: Record<string, unknown>) {
    super(`outbox refused: ${message}`, { context });
    this.name = 'UnsupportedEffectError';
  }
}

/**
 * Unmarshall a record's NewImage once. Deletions (TTL expiry included) carry
 * nothing to publish. A return's effects come only from its compressed body
 * (the store's one write path); an employee flag's from its plain `outbox`,
 * which holds its one review. Any other item publishes nothing.
 */
export function decodeRecord(record: DynamoDBRecord): DecodedRecord {
  const image = record.eventName === 'INSERT' || record.eventName === 'MODIFY' ? record.dynamodb?.NewImage : undefined;
  if (!image || isTtlDeletion(record)) return { item: null, effects: [], state: null };
  const item = unmarshall(image as Record<string, AttributeValue>);
  if (item['kind'] === 'return') {
    return { item, effects: item[BODY_ATTRIBUTE] === undefined ? [] : outboxOfItem(item), state: stateOfItem(item) };
  }
  if (item['kind'] === 'employee-flag') return { item, effects: outboxOfItem(item), state: null };
  // v1.2: a decision without returnId that changed nothing is answered on its own ledger entry.
  if (item['kind'] === 'id' && item['answered'] === true) return { item, effects: outboxOfItem(item), state: null };
  return { item, effects: [], state: null };
}

/** The effects a stream record asks to publish (see {@link decodeRecord}). */
export function effectsInRecord(record: DynamoDBRecord): Effect[] {
  return [...decodeRecord(record).effects];
}

/** The decider state of the return item a stream record wrote, or null (other items, deletions). */
export function returnStateInRecord(record: DynamoDBRecord): ReturnState | null {
  return decodeRecord(record).state;
}

export function isTtlDeletion(record: DynamoDBRecord): boolean {
  return record.userIdentity?.type === 'Service' && record.userIdentity?.principalId === 'dynamodb.amazonaws.com';
}

/**
 * Throws {@link UnsupportedEffectError} unless every effect is one the item's
 * stored state says was decided: a refund is paid only when the return's
 * state is RELEASED with that refund id and amount (contract §6).
 */
export function verifyEffects(decoded: DecodedRecord): void {
  const kind = decoded.item?.['kind'];
  for (const effect of decoded.effects) {
    const context = { kind, effectId: effect.effectId, type: effect.type, returnId: (effect as { returnId?: string }).returnId };
    if (kind === 'employee-flag') {
      // Its one anomaly review, raised, and (v1.2) closed by a reviewer's answer.
      const own = effect.type === 'ReviewRaised' || (effect.type === 'ReviewCleared' && effect.reviewId === decoded.item?.['anomalyReviewId']);
      if (!own) throw new UnsupportedEffectError(`an employee item may only raise or close its review, not ${effect.type}`, context);
      continue;
    }
    if (kind === 'id') {
      // v1.2: an answered decision's ledger entry says only why nothing changed: never money, never another return's review.
      const answer = effect.type === 'DecisionIgnored' || (effect.type === 'ReviewRaised' && effect.reason === 'SELF_REVIEW_ATTEMPT' && effect.returnId === undefined);
      if (!answer) throw new UnsupportedEffectError(`a decision's ledger entry may only answer it, not ${effect.type}`, context);
      continue;
    }
    const state = decoded.state;
    if (state === null) throw new UnsupportedEffectError(`${effect.type} on an item without a return state`, context);
    const money = effect.type === 'RefundReleased' || effect.type === 'RefundDenied';
    if (money && effect.returnId !== state.returnId) throw new UnsupportedEffectError(`${effect.type} of return ${effect.returnId} on return ${state.returnId}`, context);
    if (effect.type === 'RefundReleased') {
      const release = state.status === 'RELEASED' ? state.release : null;
      const same =
        release !== null &&
        release.refundId === effect.refundId &&
        release.amount.amount === effect.amount.amount &&
        release.amount.currency === effect.amount.currency &&
        release.effectId === effect.effectId;
      if (!same) throw new UnsupportedEffectError(`RefundReleased ${effect.refundId} does not match the return's stored state (${state.status})`, context);
    }
    if (effect.type === 'RefundDenied' && !(state.status === 'DENIED' && state.denial.effectId === effect.effectId)) {
      throw new UnsupportedEffectError(`RefundDenied does not match the return's stored state (${state.status})`, context);
    }
  }
}

/**
 * Publish one decoded record's effects in order, after {@link verifyEffects}.
 * Any failure throws, so the record is reported as a batch item failure and
 * retried; effects already sent go again under the same effectId (at least
 * once), never a second decision.
 */
export async function publishDecoded(decoded: DecodedRecord, sink: OutboundSink): Promise<OutboundMessage[]> {
  verifyEffects(decoded);
  const sent: OutboundMessage[] = [];
  for (const effect of decoded.effects) {
    const message = toOutboundMessage(effect);
    await sink.send(message);
    sent.push(message);
  }
  return sent;
}

export async function publishRecord(record: DynamoDBRecord, sink: OutboundSink): Promise<OutboundMessage[]> {
  return publishDecoded(decodeRecord(record), sink);
}

/**
 * The effects of one stream record with what the metrics need from the item
 * they were written with. In the publisher, after `publishRecord(record, sink)`:
 * `recordReviewMetrics(metrics, publishedEffectsOf(record))`.
 */
export function publishedEffectsOf(record: DynamoDBRecord): PublishedEffect[] {
  return publishedEffectsFrom(decodeRecord(record));
}

/** {@link publishedEffectsOf} for a record the publisher already decoded. */
export function publishedEffectsFrom(decoded: Pick<DecodedRecord, 'effects' | 'state'>): PublishedEffect[] {
  return decoded.effects.map((effect) => ({ effect, ...metricContextOf(decoded.state, effect) }));
}
