import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBRecord } from 'aws-lambda';
import { recordReviewMetrics } from '../../shared/app/review-metrics.js';
import { createStreamHandler } from '../../shared/app/stream-handler.js';
import { METRIC } from '../../shared/app/telemetry.js';
import { decodeRecord, publishDecoded, publishedEffectsFrom } from '../../shared/publish/outbox.js';
import type { OutboundSink } from '../../shared/publish/sinks.js';

export interface PublisherDeps {
  readonly sink: OutboundSink;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * The outbox publisher: DynamoDB stream → SNS review topic and EventBridge.
 * Records are published in order; a record that fails is reported as a batch
 * item failure (ReportBatchItemFailures) so Lambda retries from it, bisects,
 * and finally sends it to the on-failure queue. Nothing is decided here.
 */
export function createPublisherHandler(deps: PublisherDeps) {
  const { logger, metrics, sink } = deps;
  const recordHandler = async (record: DynamoDBRecord): Promise<void> => {
    try {
      // Decoded once: the effects, the state they are checked against, the metrics' context.
      const decoded = decodeRecord(record);
      const sent = await publishDecoded(decoded, sink);
      if (sent.length > 0) {
        recordReviewMetrics(metrics, publishedEffectsFrom(decoded));
        // The decision was logged once, at INFO, by the function that made it; this line is its delivery.
        logger.debug('effects published', { sequenceNumber: record.dynamodb?.SequenceNumber, effectIds: sent.map((m) => m.effectId) });
      }
    } catch (error) {
      metrics.addMetric(METRIC.publishFailures, MetricUnit.Count, 1);
      logger.error('publishing failed; the record will be retried', { sequenceNumber: record.dynamodb?.SequenceNumber, error: error as Error });
      throw error;
    }
  };
  return createStreamHandler(deps, recordHandler);
}
