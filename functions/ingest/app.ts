import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import { ingest, type IngestDeps, type IngestResult } from '../../shared/app/ingest.js';
import { countEffects, METRIC, publishMetricsIfAny } from '../../shared/app/telemetry.js';

export interface IngestHandlerDeps extends IngestDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * The inbound handler for all five detail-types (one EventBridge rule each).
 * Invalid input is sent to the dead-letter queue with its error and the
 * invocation succeeds (no pointless retries); infrastructure errors throw so
 * Lambda retries the event and, when retries run out, sends it to the
 * on-failure destination.
 */
export function createIngestHandler(deps: IngestHandlerDeps) {
  const { logger, metrics } = deps;
  return middy()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetricsIfAny(metrics))
    .handler(async (event: unknown): Promise<IngestResult['status']> => {
      const result = await ingest(event, deps);
      if (result.status === 'rejected') {
        const { rejection } = result;
        logger.warn('inbound event rejected', { errorType: rejection.errorType, field: rejection.field, error: rejection.error });
        const metric = rejection.errorType === 'ConflictingDuplicateError' ? METRIC.conflictingDuplicates : METRIC.eventsRejected;
        metrics.addMetric(metric, MetricUnit.Count, 1);
        return result.status;
      }
      const { event: inbound, outcome } = result;
      countEffects(metrics, outcome.effects);
      // One INFO line per decision; an event that only records a fact (or changes nothing) is debug.
      const log = outcome.effects.length > 0 ? logger.info.bind(logger) : logger.debug.bind(logger);
      log('inbound event processed', {
        detailType: inbound.detailType,
        eventId: inbound.envelope.id,
        returnIds: outcome.returnIds,
        effects: outcome.effects.map((e) => e.effectId),
      });
      return result.status;
    });
}
