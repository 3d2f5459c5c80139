import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { QueueEntry } from '../../shared/domain/review-queue.js';
import type { Pipeline } from '../../shared/app/pipeline.js';
import { recordOpenReviewLevels } from '../../shared/app/review-metrics.js';
import { countEffects, publishMetricsIfAny } from '../../shared/app/telemetry.js';

export interface SweeperDeps {
  readonly pipeline: Pipeline;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => string;
  /**
   * The open review queue (a few Queries of the sparse open-reviews index),
   * read every {@link LEVEL_EVERY_MINUTES} minutes to publish the dashboard's
   * "open reviews" and "money held" levels. Absent: no level metrics.
   */
  readonly openReviews?: (now: string) => Promise<readonly QueueEntry[]>;
}

/** How often the sweeper publishes the open-review levels (the dashboard's period is 5 minutes). */
export const LEVEL_EVERY_MINUTES = 5;

/** Fires due timers (R3 grace, R6 maxHold and orphanTimeout); run every minute by a schedule. */
export function createSweeperHandler(deps: SweeperDeps) {
  const { logger, metrics, pipeline } = deps;
  return middy()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetricsIfAny(metrics))
    .handler(async (): Promise<{ returns: number; effects: number }> => {
      const now = deps.now();
      const outcome = await pipeline.tick(now);
      countEffects(metrics, outcome.effects);
      if (deps.openReviews && new Date(now).getUTCMinutes() % LEVEL_EVERY_MINUTES === 0) {
        recordOpenReviewLevels(metrics, await deps.openReviews(now));
      }
      // Runs every minute: a sweep that found nothing due is not worth a billed line.
      if (outcome.returnIds.length > 0) logger.info('timers swept', { now, returns: outcome.returnIds.length, effects: outcome.effects.map((e) => e.effectId) });
      return { returns: outcome.returnIds.length, effects: outcome.effects.length };
    });
}
