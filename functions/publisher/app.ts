import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { DynamoDBRecord, DynamoDBStreamEvent, DynamoDBBatchResponse } from 'aws-lambda';
import { METRIC } from '../../shared/app/telemetry.js';
import { publishRecord } from '../../shared/publish/outbox.js';
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
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const recordHandler = async (record: DynamoDBRecord): Promise<void> => {
    try {
      const sent = await publishRecord(record, sink);
      if (sent.length > 0) {
        metrics.addMetric(METRIC.effectsPublished, MetricUnit.Count, sent.length);
        logger.info('effects published', { sequenceNumber: record.dynamodb?.SequenceNumber, effectIds: sent.map((m) => m.effectId) });
      }
    } catch (error) {
      metrics.addMetric(METRIC.publishFailures, MetricUnit.Count, 1);
      logger.error('publishing failed; the record will be retried', { sequenceNumber: record.dynamodb?.SequenceNumber, error: error as Error });
      throw error;
    }
  };
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
      // One metric every invocation: batch size, and no "no metrics to publish" warning per batch.
      metrics.addMetric(METRIC.streamRecords, MetricUnit.Count, event.Records.length);
      return processPartialResponse(event, recordHandler, processor, { processInParallel: false, throwOnFullBatchFailure: false });
    });
}
