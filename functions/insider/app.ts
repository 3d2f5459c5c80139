import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { InsiderDetector } from '../../shared/app/insider.js';
import { METRIC } from '../../shared/app/telemetry.js';
import { effectsInRecord } from '../../shared/publish/outbox.js';

export interface InsiderDeps {
  readonly detector: InsiderDetector;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export const METRIC_ANOMALIES = 'EmployeeAnomalies';

/** R7 on the table's stream: counts suspect receipts per employee and raises one alert per anomaly. */
export function createInsiderHandler(deps: InsiderDeps) {
  const { detector, logger, metrics } = deps;
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const recordHandler = async (record: DynamoDBRecord): Promise<void> => {
    // Only return items carry receipt reviews; employee flags are this consumer's own output.
    if (!record.dynamodb?.Keys?.['pk']?.S?.startsWith('RETURN#')) return;
    const alerts = await detector.onEffects(effectsInRecord(record));
    for (const alert of alerts) {
      metrics.addMetric(METRIC_ANOMALIES, MetricUnit.Count, 1);
      logger.warn('employee flagged', { employeeId: alert.employeeId, reviewId: alert.reviewId, evidence: alert.evidence });
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
