import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AlarmFactory } from './alarm-factory.js';
import { METRIC } from '../../shared/app/telemetry.js';
import { monitoringDashboard, serviceMetric } from './monitoring-dashboard.js';
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
  readonly decisionErrors: cloudwatch.Alarm;
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
  decisionErrors: 'function-errors',
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
  /** The reviewers' decision function (its Function URL is the only way a ReviewDecided comes in): its errors are alarmed. */
  readonly decision: lambda.IFunction;
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
    const shapes = alarmShapes(factory);
    const reviewRate = this.reviewRateAlarm(props);
    // Made in this order, which is the order of the alarm status widget.
    this.alarms = {
      ...this.deadLetterAlarms(props, shapes),
      ...this.coreFunctionAlarms(props, shapes),
      ...this.archiverAlarms(props, shapes),
      // Invoked synchronously through its URL: the reviewer sees a failure at once, but an infrastructure
      // error (IAM tag lookup, DynamoDB, EventBridge) means no reviewer can decide until it is fixed.
      decisionErrors: shapes.errors('DecisionErrorsAlarm', props.decision, 'decision'),
      ...this.lostEventAlarms(props, shapes),
      reviewRate,
    };
    this.dashboard = monitoringDashboard(this, {
      functions: props.functions,
      queues: props.queues,
      runbookUrl: props.runbookUrl ?? DEFAULT_RUNBOOK,
      alarms: Object.values(this.alarms),
      streamFailures: this.alarms.streamFailures,
    });
  }

  /** Reviews raised per hour: above a fixed threshold when one is given, else above the anomaly band. */
  private reviewRateAlarm(props: RefundGateMonitoringProps): cloudwatch.Alarm {
    const reviews = this.serviceMetric(METRIC.reviewsRaised, Duration.hours(1));
    return props.reviewsPerHourThreshold === undefined
      ? this.alarmFactory.createAnomaly('ReviewRateAlarm', {
          metric: reviews,
          stdDevs: 3,
          summary: 'reviews raised in the last hour are above the normal band (anomaly detection, 3 standard deviations).',
          runbook: RUNBOOK_ANCHORS.reviewRate,
        })
      : this.alarmFactory.create('ReviewRateAlarm', {
          metric: reviews,
          threshold: props.reviewsPerHourThreshold,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          summary: `more than ${props.reviewsPerHourThreshold} reviews raised in one hour.`,
          runbook: RUNBOOK_ANCHORS.reviewRate,
        });
  }

  /** Something was parked for an operator: a new message on a dead-letter queue, a batch in the stream-failure bucket. */
  private deadLetterAlarms(props: RefundGateMonitoringProps, shapes: AlarmShapes): Pick<RefundGateAlarms, 'rejectedEvents' | 'ingestFailures' | 'sweepFailures' | 'streamFailures'> {
    return {
      rejectedEvents: shapes.newMessages('RejectedEventsAlarm', props.queues.rejected, 'invalid inbound events were rejected (new messages on the rejected queue).', RUNBOOK_ANCHORS.rejectedEvents),
      ingestFailures: shapes.newMessages('IngestFailuresAlarm', props.queues.ingestFailure, 'inbound events were not processed (new messages on the ingest failure queue).', RUNBOOK_ANCHORS.ingestFailures),
      sweepFailures: shapes.newMessages('SweepFailuresAlarm', props.queues.sweepFailure, 'timer sweeps failed (new messages on the sweep failure queue).', RUNBOOK_ANCHORS.sweepFailures),
      streamFailures: this.alarmFactory.create('StreamFailuresAlarm', {
        metric: new cloudwatch.Metric({
          namespace: 'AWS/S3',
          metricName: 'PutRequests',
          dimensionsMap: { BucketName: props.streamFailureBucket.bucketName, FilterId: STREAM_FAILURE_METRICS_FILTER },
          ...SUM_OVER_FIVE_MINUTES,
        }),
        summary: 'stream batches were given up on and written to the failure bucket: reviews or decisions may be unpublished.',
        runbook: RUNBOOK_ANCHORS.streamFailures,
      }),
    };
  }

  /** The four core functions: errors, failed stream records, stream lag, the sweeper's heartbeat, undeliverable failures. */
  private coreFunctionAlarms(
    props: RefundGateMonitoringProps,
    shapes: AlarmShapes,
  ): Pick<
    RefundGateAlarms,
    | 'ingestErrors'
    | 'publisherErrors'
    | 'sweeperErrors'
    | 'insiderErrors'
    | 'publishFailures'
    | 'insiderFailures'
    | 'publisherIteratorAge'
    | 'insiderIteratorAge'
    | 'sweeperHeartbeat'
    | 'ingestDestinationFailures'
    | 'sweeperDestinationFailures'
    | 'publisherDestinationFailures'
    | 'insiderDestinationFailures'
  > {
    const { ingest, publisher, sweeper, insider } = props.functions;
    return {
      ingestErrors: shapes.errors('IngestErrorsAlarm', ingest, 'ingest'),
      publisherErrors: shapes.errors('PublisherErrorsAlarm', publisher, 'publisher'),
      sweeperErrors: shapes.errors('SweeperErrorsAlarm', sweeper, 'sweeper'),
      insiderErrors: shapes.errors('InsiderErrorsAlarm', insider, 'insider'),
      // Both stream consumers report failed records as batch item failures, which Lambda's Errors metric does not count.
      publishFailures: this.alarmFactory.create('PublishFailuresAlarm', {
        metric: this.serviceMetric(METRIC.publishFailures, FIVE_MINUTES),
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        summary: 'publishing to SNS or EventBridge has failed for 15 minutes.',
        runbook: RUNBOOK_ANCHORS.publishFailures,
      }),
      insiderFailures: this.alarmFactory.create('InsiderFailuresAlarm', {
        metric: this.serviceMetric(METRIC.insiderFailures, FIVE_MINUTES),
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        summary: 'the insider detector has failed on stream records for 15 minutes (batch item failures).',
        runbook: RUNBOOK_ANCHORS.insiderFailures,
      }),
      publisherIteratorAge: shapes.iteratorAge('PublisherIteratorAgeAlarm', publisher, 'publisher'),
      insiderIteratorAge: shapes.iteratorAge('InsiderIteratorAgeAlarm', insider, 'insider'),
      // The schedule invokes the sweeper every minute: no invocation for 15 minutes, or no data at all, means timers stopped.
      sweeperHeartbeat: this.alarmFactory.create('SweeperHeartbeatAlarm', {
        metric: sweeper.metricInvocations(SUM_OVER_FIVE_MINUTES),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        summary: 'the timer sweeper has not run for 15 minutes: HOLD_EXPIRED, orphan and grace timers are not firing.',
        runbook: RUNBOOK_ANCHORS.sweeperHeartbeat,
      }),
      ingestDestinationFailures: shapes.destinationFailures('IngestDestinationFailuresAlarm', ingest, 'ingest'),
      sweeperDestinationFailures: shapes.destinationFailures('SweeperDestinationFailuresAlarm', sweeper, 'sweeper'),
      publisherDestinationFailures: shapes.destinationFailures('PublisherDestinationFailuresAlarm', publisher, 'publisher'),
      insiderDestinationFailures: shapes.destinationFailures('InsiderDestinationFailuresAlarm', insider, 'insider'),
    };
  }

  /** The evidence archiver, watched like the other stream consumers (its lag threshold is above its 5-minute batching window). */
  private archiverAlarms(
    props: RefundGateMonitoringProps,
    shapes: AlarmShapes,
  ): Pick<RefundGateAlarms, 'archiverErrors' | 'archiverIteratorAge' | 'archiverDestinationFailures' | 'archiveFailures'> {
    return {
      archiverErrors: shapes.errors('ArchiverErrorsAlarm', props.archiver, 'archiver'),
      archiverIteratorAge: shapes.iteratorAge('ArchiverIteratorAgeAlarm', props.archiver, 'archiver', Duration.minutes(30)),
      archiverDestinationFailures: shapes.destinationFailures('ArchiverDestinationFailuresAlarm', props.archiver, 'archiver'),
      archiveFailures: this.alarmFactory.create('ArchiveFailuresAlarm', {
        metric: this.serviceMetric(METRIC.archiveFailures, FIVE_MINUTES),
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        summary: 'the archiver has failed to write evidence to the archive bucket for 15 minutes (batches are retried, then parked in the stream-failure bucket).',
        runbook: RUNBOOK_ANCHORS.archiveFailures,
      }),
    };
  }

  /** Events lost on the way in: dropped by Lambda's asynchronous queue, or by a rule that could not dead-letter them. */
  private lostEventAlarms(props: RefundGateMonitoringProps, shapes: AlarmShapes): Pick<RefundGateAlarms, 'ingestEventsDropped' | 'sweeperEventsDropped' | 'ruleDeadLetterFailures'> {
    return {
      ingestEventsDropped: shapes.eventsDropped('IngestEventsDroppedAlarm', props.functions.ingest, 'ingest'),
      sweeperEventsDropped: shapes.eventsDropped('SweeperEventsDroppedAlarm', props.functions.sweeper, 'sweeper'),
      ruleDeadLetterFailures: this.alarmFactory.create('RuleDeadLetterFailuresAlarm', {
        metric: this.ruleDlqFailures(props),
        summary: 'EventBridge could neither deliver an event to its target nor put it on the rule\'s dead-letter queue: that event is lost unless recovered.',
        runbook: RUNBOOK_ANCHORS.ruleDeadLetterFailures,
      }),
    };
  }

  /** A metric the handlers emit with Powertools (namespace `RefundGate`, dimension `service`). */
  public serviceMetric(metricName: string, period: Duration): cloudwatch.Metric {
    return serviceMetric(metricName, period);
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
}

const FIVE_MINUTES = Duration.minutes(5);
const SUM_OVER_FIVE_MINUTES = { period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM };

type AlarmShapes = ReturnType<typeof alarmShapes>;

/** The alarm shapes used for more than one queue or function, each made through the one factory. */
function alarmShapes(factory: AlarmFactory) {
  const sum = SUM_OVER_FIVE_MINUTES;
  return {
    // A dead-letter alarm fires on each new message (NumberOfMessagesSent counts SendMessage by Lambda and EventBridge),
    // and returns to OK when none arrives: a second failure notifies again, unlike "visible ≥ 1", which stays in ALARM.
    newMessages: (alarmId: string, queue: sqs.IQueue, summary: string, runbook: string) =>
      factory.create(alarmId, { metric: queue.metricNumberOfMessagesSent(sum), summary, runbook }),
    errors: (alarmId: string, fn: lambda.IFunction, name: string) =>
      factory.create(alarmId, { metric: fn.metricErrors(sum), summary: `the ${name} function failed (Errors ≥ 1 in 5 minutes).`, runbook: RUNBOOK_ANCHORS.ingestErrors }),
    // The archiver batches for 5 minutes on purpose: its threshold is above that window.
    iteratorAge: (alarmId: string, fn: lambda.IFunction, name: string, behind = Duration.minutes(5)) =>
      factory.create(alarmId, {
        metric: fn.metric('IteratorAge', { period: FIVE_MINUTES, statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: behind.toMilliseconds(),
        summary: `the ${name} function is more than ${behind.toMinutes()} minutes behind the table's stream.`,
        runbook: RUNBOOK_ANCHORS.publisherIteratorAge,
      }),
    destinationFailures: (alarmId: string, fn: lambda.IFunction, name: string) =>
      factory.create(alarmId, {
        metric: fn.metric('DestinationDeliveryFailures', sum),
        summary: `Lambda could not deliver a failed ${name} event to its on-failure destination: that event is lost unless recovered.`,
        runbook: RUNBOOK_ANCHORS.ingestDestinationFailures,
      }),
    eventsDropped: (alarmId: string, fn: lambda.IFunction, name: string) =>
      factory.create(alarmId, {
        metric: fn.metric('AsyncEventsDropped', sum),
        summary: `Lambda dropped asynchronous ${name} events without delivering them to the on-failure destination.`,
        runbook: RUNBOOK_ANCHORS.ingestEventsDropped,
      }),
  };
}
