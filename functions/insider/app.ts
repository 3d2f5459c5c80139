import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBRecord } from 'aws-lambda';
import { createStreamHandler } from '../../shared/app/stream-handler.js';
import { METRIC } from '../../shared/app/telemetry.js';
import type { InsiderDetector } from '../../shared/app/insider.js';
import { effectsInRecord } from '../../shared/publish/outbox.js';
import { isReturnKey } from '../../shared/store/keys.js';
import { TABLE_KEYS } from '../../shared/store/table.js';

export interface InsiderDeps {
  readonly detector: InsiderDetector;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export const METRIC_ANOMALIES = 'EmployeeAnomalies';
/** One per stream record that failed (a batch item failure, which Lambda's Errors metric does not count); named once, in shared/app/telemetry.ts. */
export const METRIC_INSIDER_FAILURES = METRIC.insiderFailures;

/** R7 on the table's stream: counts suspect receipts per employee and raises one alert per anomaly. */
export function createInsiderHandler(deps: InsiderDeps) {
  const { detector, logger, metrics } = deps;
  const recordHandler = async (record: DynamoDBRecord): Promise<void> => {
    // Only return items carry receipt reviews; employee flags are this consumer's own output.
    if (!isReturnKey(record.dynamodb?.Keys?.[TABLE_KEYS.partitionKey]?.S)) return;
    let alerts;
    try {
      alerts = await detector.onEffects(effectsInRecord(record));
    } catch (error) {
      metrics.addMetric(METRIC_INSIDER_FAILURES, MetricUnit.Count, 1);
      throw error;
    }
    for (const alert of alerts) {
      metrics.addMetric(METRIC_ANOMALIES, MetricUnit.Count, 1);
      logger.warn('employee flagged', { employeeId: alert.employeeId, reviewId: alert.reviewId, evidence: alert.evidence });
    }
  };
  return createStreamHandler(deps, recordHandler);
}
