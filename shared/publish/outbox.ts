import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { Effect, ReturnState } from '../domain/types.js';
import { outboxOfItem, stateOfItem } from '../store/item-codec.js';
import { toOutboundMessage, type OutboundMessage } from './messages.js';
import type { OutboundSink } from './sinks.js';
import { metricContextOf, type PublishedEffect } from '../app/review-metrics.js';

/**
 * The effects a stream record asks to publish: the `outbox` of the item as
 * this write left it. Deletions (including TTL expiry, which DynamoDB writes
 * as REMOVE by the service principal) carry nothing to publish.
 */
export function effectsInRecord(record: DynamoDBRecord): Effect[] {
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return [];
  if (isTtlDeletion(record)) return [];
  const image = record.dynamodb?.NewImage;
  if (!image) return [];
  return outboxOfItem(unmarshall(image as Record<string, AttributeValue>));
}

/** The decider state of the return item a stream record wrote, or null (other items, deletions). */
export function returnStateInRecord(record: DynamoDBRecord): ReturnState | null {
  const image = record.dynamodb?.NewImage;
  if (!image) return null;
  const item = unmarshall(image as Record<string, AttributeValue>);
  return item['kind'] === 'return' ? stateOfItem(item) : null;
}

export function isTtlDeletion(record: DynamoDBRecord): boolean {
  return record.userIdentity?.type === 'Service' && record.userIdentity?.principalId === 'dynamodb.amazonaws.com';
}

/**
 * Publish one record's effects in order. Any failure throws, so the record is
 * reported as a batch item failure and retried; effects already sent go again
 * under the same effectId (at least once), never a second decision.
 */
export async function publishRecord(record: DynamoDBRecord, sink: OutboundSink): Promise<OutboundMessage[]> {
  const sent: OutboundMessage[] = [];
  for (const effect of effectsInRecord(record)) {
    const message = toOutboundMessage(effect);
    await sink.send(message);
    sent.push(message);
  }
  return sent;
}

/**
 * The effects of one stream record with what the metrics need from the item
 * they were written with. In the publisher, after `publishRecord(record, sink)`:
 * `recordReviewMetrics(metrics, publishedEffectsOf(record))`.
 */
export function publishedEffectsOf(record: DynamoDBRecord): PublishedEffect[] {
  const effects = effectsInRecord(record);
  if (effects.length === 0) return [];
  const state = returnStateInRecord(record);
  return effects.map((effect) => ({ effect, ...metricContextOf(state, effect) }));
}
