import { Duration, Token } from 'aws-cdk-lib';
import { addReviewDashboard } from './review-dashboard.js';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AlarmFactory } from './alarm-factory.js';
import { METRIC, METRICS_NAMESPACE, SERVICE } from '../../shared/app/telemetry.js';
import { STREAM_FAILURE_METRICS_FILTER } from './stream-consumers.js';

/** Where the runbook lives; each alarm's description ends with `<RUNBOOK>#<anchor>`. */
export const DEFAULT_RUNBOOK = 'docs/operators/alarms.md';

export { AlarmFactory, type AlarmSpec } from './alarm-factory.js';

/** The alarms {@link RefundGateMonitoring} creates, by what they watch. docs/operators/alarms.md says what each means. */
export interface RefundGateAlarms {
  readonly rejectedEvents: cloudwatch.Alarm;
  readonly ingestFailures: cloudwatch.Alarm;
  readonly streamFailures: cloudwatch.Alarm;
  readonly sweepFailures: cloudwatch.Alarm;
  readonly ingestErrors: cloudwatch.Alarm;
  readonly publisherErrors: cloudwatch.Alarm;
  readonly sweeperErrors: cloudwatch.Alarm;
  readonly insiderErrors: cloudwatch.Alarm;
  readonly publishFailures: cloudwatch.Alarm;
  readonly insiderFailures: cloudwatch.Alarm;
  readonly publisherIteratorAge: cloudwatch.Alarm;
  readonly insiderIteratorAge: cloudwatch.Alarm;
  readonly sweeperHeartbeat: cloudwatch.Alarm;
  readonly ingestDestinationFailures: cloudwatch.Alarm;
  readonly sweeperDestinationFailures: cloudwatch.Alarm;
  readonly publisherDestinationFailures: cloudwatch.Alarm;
  readonly insiderDestinationFailures: cloudwatch.Alarm;
  readonly archiverErrors: cloudwatch.Alarm;
  readonly archiverIteratorAge: cloudwatch.Alarm;
  readonly archiverDestinationFailures: cloudwatch.Alarm;
  readonly archiveFailures: cloudwatch.Alarm;
  readonly ingestEventsDropped: cloudwatch.Alarm;
  readonly sweeperEventsDropped: cloudwatch.Alarm;
  readonly ruleDeadLetterFailures: cloudwatch.Alarm;
  readonly reviewRate: cloudwatch.Alarm;
}

/** The runbook anchor of each alarm (headings in docs/operators/alarms.md; a test checks each exists). */
export const RUNBOOK_ANCHORS = {
  rejectedEvents: 'rejected-events',
  ingestFailures: 'ingest-failures',
  streamFailures: 'stream-failures',
  sweepFailures: 'sweep-failures',
  ingestErrors: 'function-errors',
  publisherErrors: 'function-errors',
  sweeperErrors: 'function-errors',
  insiderErrors: 'function-errors',
  publishFailures: 'publish-failures',
  insiderFailures: 'insider-failures',
  publisherIteratorAge: 'stream-iterator-age',
  insiderIteratorAge: 'stream-iterator-age',
  sweeperHeartbeat: 'sweeper-heartbeat',
  ingestDestinationFailures: 'destination-delivery-failures',
  sweeperDestinationFailures: 'destination-delivery-failures',
  publisherDestinationFailures: 'destination-delivery-failures',
  insiderDestinationFailures: 'destination-delivery-failures',
  archiverErrors: 'function-errors',
  archiverIteratorAge: 'stream-iterator-age',
  archiverDestinationFailures: 'destination-delivery-failures',
  archiveFailures: 'archive-failures',
  ingestEventsDropped: 'async-events-dropped',
  sweeperEventsDropped: 'async-events-dropped',
  ruleDeadLetterFailures: 'rule-dead-letter-failures',
  reviewRate: 'review-rate',
} as const satisfies Record<keyof RefundGateAlarms, string>;

export interface RefundGateMonitoringProps {
  readonly functions: {
    readonly ingest: lambda.IFunction;
    readonly publisher: lambda.IFunction;
    readonly sweeper: lambda.IFunction;
    readonly insider: lambda.IFunction;
  };
  /** The evidence archiver: monitored like the other stream consumers, kept off the dashboard's per-function graphs. */
  readonly archiver: lambda.IFunction;
  readonly queues: { readonly rejected: sqs.IQueue; readonly ingestFailure: sqs.IQueue; readonly sweepFailure: sqs.IQueue };
  readonly streamFailureBucket: s3.IBucket;
  /** The inbound rules (on `eventBusName`) and the sweeper's schedule (on the default bus), watched for failed dead-lettering. */
  readonly inboundRules: readonly events.IRule[];
  readonly eventBusName: string;
  readonly sweeperSchedule: events.IRule;
  /** @default - no action: the alarms show in the console and on the dashboard only */
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /** @default - anomaly detection */
  readonly reviewsPerHourThreshold?: number;
  /** @default DEFAULT_RUNBOOK */
  readonly runbookUrl?: string;
}

/** Every alarm (through one {@link AlarmFactory}) and the dashboard. */
export class RefundGateMonitoring extends Construct {
  public readonly alarmFactory: AlarmFactory;
  public readonly alarms: RefundGateAlarms;
  public readonly dashboard: cloudwatch.Dashboard;

  public constructor(scope: Construct, id: string, props: RefundGateMonitoringProps) {
    super(scope, id);
    const factory = (this.alarmFactory = new AlarmFactory(scope, { action: props.alarmAction, runbookUrl: props.runbookUrl ?? DEFAULT_RUNBOOK }));
    const fiveMinutes = Duration.minutes(5);
    const sum = { period: fiveMinutes, statistic: cloudwatch.Stats.SUM };
    const { ingest, publisher, sweeper, insider } = props.functions;

    // A dead-letter alarm fires on each new message (NumberOfMessagesSent counts SendMessage by Lambda and EventBridge),
    // and returns to OK when none arrives: a second failure notifies again, unlike "visible ≥ 1", which stays in ALARM.
    const newMessages = (alarmId: string, queue: sqs.IQueue, summary: string, runbook: string) =>
      factory.create(alarmId, { metric: queue.metricNumberOfMessagesSent(sum), summary, runbook });
    const errors = (alarmId: string, fn: lambda.IFunction, name: string) =>
      factory.create(alarmId, { metric: fn.metricErrors(sum), summary: `the ${name} function failed (Errors ≥ 1 in 5 minutes).`, runbook: RUNBOOK_ANCHORS.ingestErrors });
    // The archiver batches for 5 minutes on purpose: its threshold is above that window.
    const iteratorAge = (alarmId: string, fn: lambda.IFunction, name: string, behind = Duration.minutes(5)) =>
      factory.create(alarmId, {
        metric: fn.metric('IteratorAge', { period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: behind.toMilliseconds(),
        summary: `the ${name} function is more than ${behind.toMinutes()} minutes behind the table's stream.`,
        runbook: RUNBOOK_ANCHORS.publisherIteratorAge,
      });
    const destinationFailures = (alarmId: string, fn: lambda.IFunction, name: string) =>
      factory.create(alarmId, {
        metric: fn.metric('DestinationDeliveryFailures', sum),
        summary: `Lambda could not deliver a failed ${name} event to its on-failure destination: that event is lost unless recovered.`,
        runbook: RUNBOOK_ANCHORS.ingestDestinationFailures,
      });
    const eventsDropped = (alarmId: string, fn: lambda.IFunction, name: string) =>
      factory.create(alarmId, {
        metric: fn.metric('AsyncEventsDropped', sum),
        summary: `Lambda dropped asynchronous ${name} events without delivering them to the on-failure destination.`,
        runbook: RUNBOOK_ANCHORS.ingestEventsDropped,
      });

    const reviews = this.serviceMetric(METRIC.reviewsRaised, Duration.hours(1));
    const reviewRate =
      props.reviewsPerHourThreshold === undefined
        ? factory.createAnomaly('ReviewRateAlarm', {
            metric: reviews,
            stdDevs: 3,
            summary: 'reviews raised in the last hour are above the normal band (anomaly detection, 3 standard deviations).',
            runbook: RUNBOOK_ANCHORS.reviewRate,
          })
        : factory.create('ReviewRateAlarm', {
            metric: reviews,
            threshold: props.reviewsPerHourThreshold,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            summary: `more than ${props.reviewsPerHourThreshold} reviews raised in one hour.`,
            runbook: RUNBOOK_ANCHORS.reviewRate,
          });

    this.alarms = {
      rejectedEvents: newMessages('RejectedEventsAlarm', props.queues.rejected, 'invalid inbound events were rejected (new messages on the rejected queue).', RUNBOOK_ANCHORS.rejectedEvents),
      ingestFailures: newMessages('IngestFailuresAlarm', props.queues.ingestFailure, 'inbound events were not processed (new messages on the ingest failure queue).', RUNBOOK_ANCHORS.ingestFailures),
      sweepFailures: newMessages('SweepFailuresAlarm', props.queues.sweepFailure, 'timer sweeps failed (new messages on the sweep failure queue).', RUNBOOK_ANCHORS.sweepFailures),
      streamFailures: factory.create('StreamFailuresAlarm', {
        metric: new cloudwatch.Metric({
          namespace: 'AWS/S3',
          metricName: 'PutRequests',
          dimensionsMap: { BucketName: props.streamFailureBucket.bucketName, FilterId: STREAM_FAILURE_METRICS_FILTER },
          ...sum,
        }),
        summary: 'stream batches were given up on and written to the failure bucket: reviews or decisions may be unpublished.',
        runbook: RUNBOOK_ANCHORS.streamFailures,
      }),
      ingestErrors: errors('IngestErrorsAlarm', ingest, 'ingest'),
      publisherErrors: errors('PublisherErrorsAlarm', publisher, 'publisher'),
      sweeperErrors: errors('SweeperErrorsAlarm', sweeper, 'sweeper'),
      insiderErrors: errors('InsiderErrorsAlarm', insider, 'insider'),
      // Both stream consumers report failed records as batch item failures, which Lambda's Errors metric does not count.
      publishFailures: factory.create('PublishFailuresAlarm', {
        metric: this.serviceMetric(METRIC.publishFailures, fiveMinutes),
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        summary: 'publishing to SNS or EventBridge has failed for 15 minutes.',
        runbook: RUNBOOK_ANCHORS.publishFailures,
      }),
      insiderFailures: factory.create('InsiderFailuresAlarm', {
        metric: this.serviceMetric(METRIC.insiderFailures, fiveMinutes),
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        summary: 'the insider detector has failed on stream records for 15 minutes (batch item failures).',
        runbook: RUNBOOK_ANCHORS.insiderFailures,
      }),
      publisherIteratorAge: iteratorAge('PublisherIteratorAgeAlarm', publisher, 'publisher'),
      insiderIteratorAge: iteratorAge('InsiderIteratorAgeAlarm', insider, 'insider'),
      // The schedule invokes the sweeper every minute: no invocation for 15 minutes, or no data at all, means timers stopped.
      sweeperHeartbeat: factory.create('SweeperHeartbeatAlarm', {
        metric: sweeper.metricInvocations(sum),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        summary: 'the timer sweeper has not run for 15 minutes: HOLD_EXPIRED, orphan and grace timers are not firing.',
        runbook: RUNBOOK_ANCHORS.sweeperHeartbeat,
      }),
      ingestDestinationFailures: destinationFailures('IngestDestinationFailuresAlarm', ingest, 'ingest'),
      sweeperDestinationFailures: destinationFailures('SweeperDestinationFailuresAlarm', sweeper, 'sweeper'),
      publisherDestinationFailures: destinationFailures('PublisherDestinationFailuresAlarm', publisher, 'publisher'),
      insiderDestinationFailures: destinationFailures('InsiderDestinationFailuresAlarm', insider, 'insider'),
      archiverErrors: errors('ArchiverErrorsAlarm', props.archiver, 'archiver'),
      archiverIteratorAge: iteratorAge('ArchiverIteratorAgeAlarm', props.archiver, 'archiver', Duration.minutes(30)),
      archiverDestinationFailures: destinationFailures('ArchiverDestinationFailuresAlarm', props.archiver, 'archiver'),
      archiveFailures: factory.create('ArchiveFailuresAlarm', {
        metric: this.serviceMetric(METRIC.archiveFailures, fiveMinutes),
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        summary: 'the archiver has failed to write evidence to the archive bucket for 15 minutes (batches are retried, then parked in the stream-failure bucket).',
        runbook: RUNBOOK_ANCHORS.archiveFailures,
      }),
      ingestEventsDropped: eventsDropped('IngestEventsDroppedAlarm', ingest, 'ingest'),
      sweeperEventsDropped: eventsDropped('SweeperEventsDroppedAlarm', sweeper, 'sweeper'),
      ruleDeadLetterFailures: factory.create('RuleDeadLetterFailuresAlarm', {
        metric: this.ruleDlqFailures(props),
        summary: 'EventBridge could neither deliver an event to its target nor put it on the rule\'s dead-letter queue: that event is lost unless recovered.',
        runbook: RUNBOOK_ANCHORS.ruleDeadLetterFailures,
      }),
      reviewRate,
    };
    this.dashboard = this.createDashboard(props);
  }

  /** A metric the handlers emit with Powertools (namespace `RefundGate`, dimension `service`). */
  public serviceMetric(metricName: string, period: Duration): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: SERVICE }, statistic: cloudwatch.Stats.SUM, period });
  }

  /**
   * InvocationsFailedToBeSentToDlq summed over every rule refund-gate owns.
   * Rules on the default bus report the RuleName dimension alone; rules on a
   * custom bus report EventBusName and RuleName.
   */
  private ruleDlqFailures(props: RefundGateMonitoringProps): cloudwatch.IMetric {
    const onDefault = !Token.isUnresolved(props.eventBusName) && props.eventBusName === 'default';
    const metric = (rule: events.IRule, busName?: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'InvocationsFailedToBeSentToDlq',
        dimensionsMap: busName ? { EventBusName: busName, RuleName: rule.ruleName } : { RuleName: rule.ruleName },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(5),
      });
    const usingMetrics: Record<string, cloudwatch.IMetric> = Object.create(null) as Record<string, cloudwatch.IMetric>;
    props.inboundRules.forEach((rule, i) => (usingMetrics[`rule${i}`] = metric(rule, onDefault ? undefined : props.eventBusName)));
    usingMetrics['schedule'] = metric(props.sweeperSchedule);
    return new cloudwatch.MathExpression({
      expression: Object.keys(usingMetrics).map((k) => `FILL(${k}, 0)`).join(' + '),
      usingMetrics: { ...usingMetrics },
      label: 'InvocationsFailedToBeSentToDlq (all refund-gate rules)',
      period: Duration.minutes(5),
    });
  }

  private createDashboard(props: RefundGateMonitoringProps): cloudwatch.Dashboard {
    const period = Duration.minutes(5);
    const fns = Object.entries(props.functions);
    const queues: Array<[string, sqs.IQueue]> = [
      ['rejected', props.queues.rejected],
      ['ingest failures', props.queues.ingestFailure],
      ['sweep failures', props.queues.sweepFailure],
    ];
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(1) });
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# refund-gate\nRefunds held until a carrier inbound scan and a warehouse receipt agree. Alarms and what to do: ${props.runbookUrl ?? DEFAULT_RUNBOOK}.`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Inbound events',
        width: 8,
        left: [
          // Every delivered event is one ingest invocation: Lambda's own metric, free, instead of an EMF line per event.
          props.functions.ingest.metricInvocations({ period, statistic: cloudwatch.Stats.SUM, label: 'Events delivered (ingest invocations)' }),
          ...[METRIC.eventsRejected, METRIC.conflictingDuplicates, METRIC.duplicatesIgnored].map((m) => this.serviceMetric(m, period).with({ label: m })),
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
          ...[METRIC.reviewsRaised, METRIC.reviewsCleared].map((m) => this.serviceMetric(m, period).with({ label: m })),
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
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Function errors',
        width: 8,
        left: fns.map(([name, fn]) => fn.metricErrors({ period, statistic: cloudwatch.Stats.SUM, label: name })),
      }),
      new cloudwatch.GraphWidget({
        title: 'Stream iterator age (ms)',
        width: 8,
        left: [props.functions.publisher, props.functions.insider].map((fn, i) => fn.metric('IteratorAge', { period, statistic: cloudwatch.Stats.MAXIMUM, label: i === 0 ? 'publisher' : 'insider' })),
        right: [METRIC.publishFailures, METRIC.insiderFailures].map((m) => this.serviceMetric(m, period).with({ label: m })),
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queues (new messages) and failed stream batches',
        width: 8,
        left: queues.map(([label, q]) => q.metricNumberOfMessagesSent({ period, statistic: cloudwatch.Stats.SUM, label })),
        right: [this.alarms.streamFailures.metric],
      }),
    );
    addReviewDashboard(dashboard);
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: Object.values(this.alarms) }));
    return dashboard;
  }
}
