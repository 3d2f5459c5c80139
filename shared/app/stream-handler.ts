import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { publishMetricsIfAny } from './telemetry.js';

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
    .use(publishMetricsIfAny(deps.metrics))
    .handler(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
      return processPartialResponse(event, recordHandler, processor, { processInParallel: false, throwOnFullBatchFailure: false });
    });
}
