import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Effect, Money, ReturnState } from '../domain/types.js';
import { severityOf, type Reason } from '../domain/reasons.js';
import { atStakeOf, queueAtStake, type QueueEntry } from '../domain/review-queue.js';
import { finalDecision, reviewById } from '../domain/state.js';

/**
 * Money on the dashboard: review flow metrics by reason and severity, emitted
 * by the outbox publisher as it publishes ReviewRequested, ReviewCleared and
 * releases/denials (namespace `RefundGate`, each with the dimensions
 * `reason`, `severity` and, for money, `currency`; amounts in minor units).
 *
 * - `ReviewsOpened` / `ReviewsClosed` (Count): a review raised; a review
 *   cleared, closed by a decision, or decided.
 * - `MoneyAtStakeOpened` / `MoneyAtStakeClosed` (None, minor units): the
 *   refund a review holds, when it opens and when it closes.
 * - `MoneyReleased` / `MoneyDenied` (None, minor units, dimension `basis` /
 *   `currency`): what left the hold.
 *
 * Their running difference is the open count and the money held; the
 * dashboard shows it per period and as a running sum. For exact levels, call
 * {@link recordOpenReviewLevels} from a schedule with the open-reviews index.
 */
export const REVIEW_METRIC = {
  reviewsOpened: 'ReviewsOpened',
  reviewsClosed: 'ReviewsClosed',
  moneyAtStakeOpened: 'MoneyAtStakeOpened',
  moneyAtStakeClosed: 'MoneyAtStakeClosed',
  moneyReleased: 'MoneyReleased',
  moneyDenied: 'MoneyDenied',
  openReviews: 'OpenReviews',
  moneyHeld: 'MoneyHeld',
} as const;

/**
 * What the publisher knows about one published effect. `decidedReview` is the
 * reason of the review a release or denial decided (from the item's state),
 * so that its closure is counted under its reason.
 */
export interface PublishedEffect {
  readonly effect: Effect;
  /** The refund the review held (ReviewCleared carries no amount; take it from the item). */
  readonly atStake?: Money | null | undefined;
  readonly decidedReview?: { readonly reason: string } | null | undefined;
}


/** Record the review metrics of effects just published. Call once per published effect batch. */
export function recordReviewMetrics(metrics: Metrics, published: readonly PublishedEffect[]): void {
  for (const { effect, atStake, decidedReview } of published) {
    switch (effect.type) {
      case 'ReviewRaised':
        flow(metrics, REVIEW_METRIC.reviewsOpened, REVIEW_METRIC.moneyAtStakeOpened, effect.reason, effect.refund ?? atStake ?? null);
        break;
      case 'ReviewCleared':
        // An R7 alert has no return item: its ReviewCleared carries what it held (v1.2).
        flow(metrics, REVIEW_METRIC.reviewsClosed, REVIEW_METRIC.moneyAtStakeClosed, effect.reason, effect.refund ?? atStake ?? null);
        break;
      case 'RefundReleased':
      case 'RefundDenied': {
        if (decidedReview) flow(metrics, REVIEW_METRIC.reviewsClosed, REVIEW_METRIC.moneyAtStakeClosed, decidedReview.reason, effect.amount);
        const single = metrics.singleMetric();
        single.addDimensions({ currency: effect.amount.currency, ...(effect.type === 'RefundReleased' ? { basis: effect.basis } : {}) });
        single.addMetric(effect.type === 'RefundReleased' ? REVIEW_METRIC.moneyReleased : REVIEW_METRIC.moneyDenied, MetricUnit.NoUnit, effect.amount.amount);
        break;
      }
    }
  }
}

function flow(metrics: Metrics, countName: string, moneyName: string, reason: string, money: Money | null): void {
  const severity = severityOf(reason as Reason);
  const count = metrics.singleMetric();
  count.addDimensions({ reason, severity });
  count.addMetric(countName, MetricUnit.Count, 1);
  if (money) {
    const amount = metrics.singleMetric();
    amount.addDimensions({ reason, severity, currency: money.currency });
    amount.addMetric(moneyName, MetricUnit.NoUnit, money.amount);
  }
}

/**
 * Exact levels from the open-reviews queue (what `refund-gate reviews --open`
 * lists): `OpenReviews` by reason and severity, `MoneyHeld` by severity and
 * currency (each held return counted once, under its most severe review).
 */
export function recordOpenReviewLevels(metrics: Metrics, queue: readonly QueueEntry[]): void {
  const open = queue.filter((e) => e.status === 'OPEN');
  const counts = new Map<string, { reason: string; severity: string; n: number }>();
  for (const e of open) {
    const key = JSON.stringify([e.reason, e.severity]);
    const c = counts.get(key) ?? { reason: e.reason, severity: e.severity, n: 0 };
    c.n += 1;
    counts.set(key, c);
  }
  for (const { reason, severity, n } of counts.values()) {
    const m = metrics.singleMetric();
    m.addDimensions({ reason, severity });
    m.addMetric(REVIEW_METRIC.openReviews, MetricUnit.Count, n);
  }
  const rank = { HIGH: 0, MEDIUM: 1, LOW: 2 } as const;
  const worst = new Map<string, QueueEntry>();
  for (const e of open) {
    if (e.returnId === null) continue;
    const seen = worst.get(e.returnId);
    if (!seen || rank[e.severity] < rank[seen.severity]) worst.set(e.returnId, e);
  }
  for (const severity of ['HIGH', 'MEDIUM', 'LOW'] as const) {
    for (const money of queueAtStake([...worst.values()].filter((e) => e.severity === severity))) {
      const m = metrics.singleMetric();
      m.addDimensions({ severity, currency: money.currency });
      m.addMetric(REVIEW_METRIC.moneyHeld, MetricUnit.NoUnit, money.amount);
    }
  }
}

/**
 * What the review metrics need about an effect from the state it was written
 * with: the refund a review holds, and for a release or denial by a reviewer
 * the reason of the review decided.
 */
export function metricContextOf(
  state: ReturnState | null,
  effect: { readonly type: string; readonly decisionId?: string | undefined },
): { atStake: Money | null; decidedReview: { reason: string } | null } {
  const atStake = atStakeOf(state);
  const final = state ? finalDecision(state) : undefined;
  if ((effect.type !== 'RefundReleased' && effect.type !== 'RefundDenied') || !effect.decisionId || !state || final?.decisionId !== effect.decisionId) {
    return { atStake, decidedReview: null };
  }
  const decided = reviewById(state, final.reviewId);
  return { atStake, decidedReview: decided ? { reason: decided.reason } : null };
}
