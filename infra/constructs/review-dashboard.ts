import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { REVIEW_METRIC } from '../../shared/app/review-metrics.js';
import { METRICS_NAMESPACE, SERVICE } from '../../shared/app/telemetry.js';

export interface ReviewDashboardOptions {
  /** @default Duration.minutes(5) */
  readonly period?: Duration;
  /** @default 'RefundGate' */
  readonly namespace?: string;
  /** @default 'refund-gate' */
  readonly service?: string;
}

/**
 * Money on the dashboard: open reviews and money held by reason and
 * severity, from the metrics in shared/app/review-metrics.ts. SEARCH
 * expressions pick up every reason, severity and currency that occurs, so a
 * new reason needs no dashboard change. Amounts are in minor units.
 */
export function reviewDashboardWidgets(options: ReviewDashboardOptions = {}): cloudwatch.IWidget[][] {
  const period = options.period ?? Duration.minutes(5);
  const ns = options.namespace ?? METRICS_NAMESPACE;
  const service = options.service ?? SERVICE;
  const seconds = period.toSeconds();
  const search = (dims: string, metric: string, stat = 'Sum') =>
    `SEARCH('{${ns},${dims},service} MetricName="${metric}" service="${service}"', '${stat}', ${seconds})`;
  const expr = (expression: string, label = '') => new cloudwatch.MathExpression({ expression, label, usingMetrics: {}, period });

  return [
    [
      new cloudwatch.TextWidget({
        markdown:
          '## Reviews and money held\nOpen reviews and the refunds they hold, by reason and severity. Amounts are minor units (cents). ' +
          'Work the queue with `refund-gate reviews --open` or `refund-gate console` (docs/analysts/tools.md).',
        width: 24,
        height: 2,
      }),
    ],
    [
      new cloudwatch.GraphWidget({
        title: 'Open reviews by severity (level)',
        width: 8,
        stacked: true,
        left: [expr(search('reason,severity', REVIEW_METRIC.openReviews, 'Maximum'))],
      }),
      new cloudwatch.GraphWidget({
        title: 'Money held by severity (level, minor units)',
        width: 8,
        stacked: true,
        left: [expr(search('currency,severity', REVIEW_METRIC.moneyHeld, 'Maximum'))],
      }),
      new cloudwatch.SingleValueWidget({
        title: 'Money released / denied (minor units)',
        width: 8,
        setPeriodToTimeRange: true,
        metrics: [expr(search('basis,currency', REVIEW_METRIC.moneyReleased)), expr(search('currency', REVIEW_METRIC.moneyDenied))],
      }),
    ],
    [
      new cloudwatch.GraphWidget({
        title: 'Reviews opened by reason',
        width: 8,
        left: [expr(search('reason,severity', REVIEW_METRIC.reviewsOpened))],
      }),
      new cloudwatch.GraphWidget({
        title: 'Reviews closed by reason',
        width: 8,
        left: [expr(search('reason,severity', REVIEW_METRIC.reviewsClosed))],
      }),
      new cloudwatch.GraphWidget({
        title: 'Money newly held by reason (minor units)',
        width: 8,
        left: [expr(search('currency,reason,severity', REVIEW_METRIC.moneyAtStakeOpened))],
      }),
    ],
  ];
}

/** Add the review widgets to a dashboard, one row per array. */
export function addReviewDashboard(dashboard: cloudwatch.Dashboard, options: ReviewDashboardOptions = {}): void {
  for (const row of reviewDashboardWidgets(options)) dashboard.addWidgets(...row);
}
