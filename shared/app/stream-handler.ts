import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { METRIC } from './telemetry.js';

/**
 * The middy wiring every DynamoDB stream consumer shares: Powertools context
 * and metrics, records in order, partial batch failures reported so Lambda
 * retries from the failed record, bisects and finally parks it on the
 * on-failure queue.
 */
export function createStreamHandler(
  deps: { readonly logger: Logger; readonly metrics: Metrics },
  recordHandler: (record: DynamoDBRecord) => Promise<void>,
) {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(logMetrics(deps.metrics))
    .handler(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
      // One metric every invocation: batch size, and no "no metrics to publish" warning per batch.
      deps.metrics.addMetric(METRIC.streamRecords, MetricUnit.Count, event.Records.length);
      return processPartialResponse(event, recordHandler, processor, { processInParallel: false, throwOnFullBatchFailure: false });
    });
}
