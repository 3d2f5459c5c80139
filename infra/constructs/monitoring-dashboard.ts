import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, SERVICE } from '../../shared/app/telemetry.js';
import { addReviewDashboard } from './review-dashboard.js';

/** What refund-gate's dashboard shows (see {@link RefundGateMonitoring}, which makes it). */
export interface MonitoringDashboardOptions {
  readonly functions: { readonly ingest: lambda.IFunction; readonly publisher: lambda.IFunction; readonly sweeper: lambda.IFunction; readonly insider: lambda.IFunction };
  readonly queues: { readonly rejected: sqs.IQueue; readonly ingestFailure: sqs.IQueue; readonly sweepFailure: sqs.IQueue };
  readonly runbookUrl: string;
  /** Every alarm, in the order of the alarm status widget. */
  readonly alarms: readonly cloudwatch.Alarm[];
  /** The alarm on batches written to the stream-failure bucket, graphed beside the dead-letter queues. */
  readonly streamFailures: cloudwatch.Alarm;
}

const FIVE_MINUTES = Duration.minutes(5);

/** A metric the handlers emit with Powertools (namespace `RefundGate`, dimension `service`). */
export function serviceMetric(metricName: string, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: SERVICE }, statistic: cloudwatch.Stats.SUM, period });
}

/** The dashboard, made in `scope`: a title, traffic, failures, the money held in review, every alarm's status. */
export function monitoringDashboard(scope: Construct, options: MonitoringDashboardOptions): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', { defaultInterval: Duration.days(1) });
  dashboard.addWidgets(
    new cloudwatch.TextWidget({
      markdown: `# refund-gate\nRefunds held until a carrier inbound scan and a warehouse receipt agree. Alarms and what to do: ${options.runbookUrl}.`,
      width: 24,
      height: 2,
    }),
  );
  dashboard.addWidgets(...trafficWidgets(options));
  dashboard.addWidgets(...failureWidgets(options));
  addReviewDashboard(dashboard);
  dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: [...options.alarms] }));
  return dashboard;
}

/** The dashboard's second row: what comes in, what is decided, why reviews are raised. */
function trafficWidgets(options: MonitoringDashboardOptions): cloudwatch.IWidget[] {
  const period = FIVE_MINUTES;
  return [
    new cloudwatch.GraphWidget({
      title: 'Inbound events',
      width: 8,
      left: [
        // Every delivered event is one ingest invocation: Lambda's own metric, free, instead of an EMF line per event.
        options.functions.ingest.metricInvocations({ period, statistic: cloudwatch.Stats.SUM, label: 'Events delivered (ingest invocations)' }),
        ...[METRIC.eventsRejected, METRIC.conflictingDuplicates, METRIC.duplicatesIgnored].map((m) => serviceMetric(m, period).with({ label: m })),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'Decisions',
      width: 8,
      left: [
        // Counted by the publisher's money metrics (their sample count), not by a second EMF line per decision.
        ...(
          [
            ['MoneyReleased', 'basis,currency,service', 'Refunds released'],
            ['MoneyDenied', 'currency,service', 'Refunds denied'],
          ] as const
        ).map(
          ([name, dimensions, label]) =>
            new cloudwatch.MathExpression({
              expression: `SUM(SEARCH('{${METRICS_NAMESPACE},${dimensions}} MetricName="${name}" service="${SERVICE}"', 'SampleCount', 300))`,
              label,
              usingMetrics: {},
              period,
            }),
        ),
        ...[METRIC.reviewsRaised, METRIC.reviewsCleared].map((m) => serviceMetric(m, period).with({ label: m })),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'Reviews raised by reason',
      width: 8,
      left: [
        new cloudwatch.MathExpression({
          expression: `SEARCH('{${METRICS_NAMESPACE},reason,service} MetricName="${METRIC.reviewsRaised}" service="${SERVICE}"', 'Sum', 300)`,
          label: '',
          usingMetrics: {},
          period,
        }),
      ],
    }),
  ];
}

/** The dashboard's third row: function errors, stream lag and failures, dead-letter queues and failed batches. */
function failureWidgets(options: MonitoringDashboardOptions): cloudwatch.IWidget[] {
  const period = FIVE_MINUTES;
  const queues: Array<[string, sqs.IQueue]> = [
    ['rejected', options.queues.rejected],
    ['ingest failures', options.queues.ingestFailure],
    ['sweep failures', options.queues.sweepFailure],
  ];
  return [
    new cloudwatch.GraphWidget({
      title: 'Function errors',
      width: 8,
      left: Object.entries(options.functions).map(([name, fn]) => fn.metricErrors({ period, statistic: cloudwatch.Stats.SUM, label: name })),
    }),
    new cloudwatch.GraphWidget({
      title: 'Stream iterator age (ms)',
      width: 8,
      left: [options.functions.publisher, options.functions.insider].map((fn, i) => fn.metric('IteratorAge', { period, statistic: cloudwatch.Stats.MAXIMUM, label: i === 0 ? 'publisher' : 'insider' })),
      right: [METRIC.publishFailures, METRIC.insiderFailures].map((m) => serviceMetric(m, period).with({ label: m })),
    }),
    new cloudwatch.GraphWidget({
      title: 'Dead-letter queues (new messages) and failed stream batches',
      width: 8,
      left: queues.map(([label, q]) => q.metricNumberOfMessagesSent({ period, statistic: cloudwatch.Stats.SUM, label })),
      right: [options.streamFailures.metric],
    }),
  ];
}
