import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { marshall } from '@aws-sdk/util-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSweeperHandler } from '../../functions/sweeper/app.js';
import { addReviewDashboard } from '../../infra/constructs/review-dashboard.js';
import type { Pipeline } from '../../shared/app/pipeline.js';
import { openReviewIndexOf } from '../../shared/domain/review-queue.js';
import { recordOpenReviewLevels, recordReviewMetrics, REVIEW_METRIC } from '../../shared/app/review-metrics.js';
import { publishedEffectsOf } from '../../shared/publish/outbox.js';
import { resolveSettings } from '../../shared/contract/config.js';
import { createDecider, effectsOf } from '../../shared/domain/decider.js';
import type { Effect, ReturnCommand, ReturnState } from '../../shared/domain/types.js';
import { packBody } from '../../shared/store/item-codec.js';
import { lambdaContext } from '../support/lambda.js';
import { authorize, decideReview, recordReceipt, requestRefund, reviewDecided, RETURN_ID } from '../support/facts.js';

const decider = createDecider(resolveSettings({}));

/** Apply commands; returns the final state and the effects of the last command. */
function run(commands: readonly ReturnCommand[], from: ReturnState = decider.initialState(RETURN_ID)) {
  let state = from;
  let effects: ReturnType<typeof effectsOf> = [];
  for (const command of commands) {
    const events = decider.decide(command, state);
    effects = effectsOf(events);
    state = events.reduce(decider.evolve, state);
  }
  return { state, effects };
}

function streamRecord(state: ReturnState, outbox: unknown[]): DynamoDBRecord {
  return {
    eventName: 'MODIFY',
    dynamodb: { NewImage: marshall({ pk: 'x', sk: 'RETURN', kind: 'return', body: packBody(state, outbox as Effect[]) }, { removeUndefinedValues: true }) as never, SequenceNumber: '1' },
  };
}

/** EMF documents Powertools prints (POWERTOOLS_DEV routes them through console.log). */
function emitted(): Array<Record<string, unknown>> {
  return vi.mocked(console.log).mock.calls.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>);
}

function liveMetrics(): Metrics {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  vi.spyOn(console, 'log').mockImplementation(() => {});
  return new Metrics({ namespace: 'RefundGate', serviceName: 'refund-gate' });
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('review metrics', () => {
  it('counts a phantom receipt review opening with its money, by reason and severity', () => {
    const metrics = liveMetrics();
    const { state, effects } = run([authorize(), requestRefund(), recordReceipt()]);
    recordReviewMetrics(metrics, publishedEffectsOf(streamRecord(state, effects)));
    const docs = emitted();
    expect(docs).toContainEqual(expect.objectContaining({ reason: 'RECEIPT_WITHOUT_INBOUND_SCAN', severity: 'MEDIUM', [REVIEW_METRIC.reviewsOpened]: 1 }));
    expect(docs).toContainEqual(expect.objectContaining({ reason: 'RECEIPT_WITHOUT_INBOUND_SCAN', currency: 'EUR', [REVIEW_METRIC.moneyAtStakeOpened]: 4_999 }));
  });

  it('closes the decided review under its reason when the release is published', () => {
    const metrics = liveMetrics();
    const held = run([authorize(), requestRefund(), recordReceipt()]).state;
    const { state, effects } = run([decideReview(reviewDecided({ reviewerId: 'lp-1' }))], held);
    expect(effects.map((e) => e.type)).toContain('RefundReleased');
    recordReviewMetrics(metrics, publishedEffectsOf(streamRecord(state, effects)));
    const docs = emitted();
    expect(docs).toContainEqual(expect.objectContaining({ reason: 'RECEIPT_WITHOUT_INBOUND_SCAN', [REVIEW_METRIC.reviewsClosed]: 1 }));
    expect(docs).toContainEqual(expect.objectContaining({ basis: 'REVIEWER_RELEASED', currency: 'EUR', [REVIEW_METRIC.moneyReleased]: 4_999 }));
  });

  it('emits levels from the open-review queue: counts by reason, money per held return by severity', () => {
    const metrics = liveMetrics();
    const queue = openReviewIndexOf(run([authorize(), requestRefund(), recordReceipt()]).state)!.queue;
    recordOpenReviewLevels(metrics, queue);
    const docs = emitted();
    expect(docs).toContainEqual(expect.objectContaining({ reason: 'RECEIPT_WITHOUT_INBOUND_SCAN', severity: 'MEDIUM', [REVIEW_METRIC.openReviews]: 1 }));
    expect(docs).toContainEqual(expect.objectContaining({ severity: 'MEDIUM', currency: 'EUR', [REVIEW_METRIC.moneyHeld]: 4_999 }));
  });
});

describe('the sweeper publishes the open-review levels', () => {
  const queue = () => openReviewIndexOf(run([authorize(), requestRefund(), recordReceipt()]).state)!.queue;
  const sweeperAt = (now: string, openReviews: (now: string) => Promise<ReturnType<typeof queue>>) =>
    createSweeperHandler({
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: liveMetrics(),
      pipeline: { tick: async () => ({ returnIds: [], events: [], effects: [], writes: 0 }) } as unknown as Pipeline,
      now: () => now,
      openReviews,
    });

  it('every five minutes, from the open-reviews queue', async () => {
    // Prepare
    const openReviews = vi.fn(async () => queue());
    // Act
    await sweeperAt('2026-11-30T10:05:00.000Z', openReviews)({}, lambdaContext());
    // Assess
    expect(openReviews).toHaveBeenCalledWith('2026-11-30T10:05:00.000Z');
    expect(emitted()).toContainEqual(expect.objectContaining({ reason: 'RECEIPT_WITHOUT_INBOUND_SCAN', severity: 'MEDIUM', [REVIEW_METRIC.openReviews]: 1 }));
  });

  it('not in the minutes between (the queue is not read)', async () => {
    const openReviews = vi.fn(async () => queue());
    await sweeperAt('2026-11-30T10:07:00.000Z', openReviews)({}, lambdaContext());
    expect(openReviews).not.toHaveBeenCalled();
    expect(emitted().filter((d) => REVIEW_METRIC.openReviews in d)).toEqual([]);
  });
});

describe('review dashboard widgets', () => {
  it('graph open reviews and money held by severity, and reviews by reason, from SEARCH expressions', () => {
    const stack = new Stack(new App({ autoSynth: false }), 'S');
    addReviewDashboard(new cloudwatch.Dashboard(stack, 'D'));
    const body = JSON.stringify(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
    for (const metric of [REVIEW_METRIC.openReviews, REVIEW_METRIC.moneyHeld, REVIEW_METRIC.reviewsOpened, REVIEW_METRIC.moneyAtStakeOpened]) {
      expect(body).toContain(`MetricName=\\\\\\"${metric}\\\\\\"`);
    }
    expect(body).toContain('{RefundGate,reason,severity,service}');
  });
});
