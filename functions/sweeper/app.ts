import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Pipeline } from '../../shared/app/pipeline.js';
import { countEffects, METRIC } from '../../shared/app/telemetry.js';

export interface SweeperDeps {
  readonly pipeline: Pipeline;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => string;
}

/** Fires due timers (R3 grace, R6 maxHold and orphanTimeout); run every minute by a schedule. */
export function createSweeperHandler(deps: SweeperDeps) {
  const { logger, metrics, pipeline } = deps;
  return middy()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (): Promise<{ returns: number; effects: number }> => {
      const now = deps.now();
      const outcome = await pipeline.tick(now);
      metrics.addMetric(METRIC.timersFired, MetricUnit.Count, outcome.writes);
      countEffects(metrics, outcome.effects);
      logger.info('timers swept', { now, returns: outcome.returnIds.length, effects: outcome.effects.map((e) => e.effectId) });
      return { returns: outcome.returnIds.length, effects: outcome.effects.length };
    });
}
