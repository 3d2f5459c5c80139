import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { ENV } from '../shared/app/environment.js';
import { METRIC, METRICS_NAMESPACE, SERVICE } from '../shared/app/telemetry.js';
import { DEFAULT_SETTINGS, OUTBOUND_SOURCE, resolveSettings, type SettingsInput } from '../shared/contract/config.js';
import type { DetailType } from '../shared/contract/inbound.js';
import { OUTBOUND_DETAIL_TYPES } from '../shared/contract/outbound.js';
import { RefundGateError } from '../shared/errors.js';
import { eventPatternOf, routesFor, type Route } from '../shared/routing.js';
import { DUE_TIMERS_INDEX, STREAM_VIEW, TABLE_KEYS } from '../shared/store/table.js';

/** The repository root: entries, `package-lock.json` and `tsconfig.json` live here. */
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The four Lambda functions, named as their folders under `functions/`. */
export const FUNCTION_NAMES = ['ingest', 'publisher', 'sweeper', 'insider'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** A prop of {@link RefundGate} is invalid; thrown while the app is synthesized, so `cdk synth` fails. */
export class RefundGatePropsError extends RefundGateError {
  public constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'RefundGatePropsError';
  }
}

/**
 * Actions each function's code calls on the table, by the store class it
 * constructs (see `functions/<name>/handler.ts`). Exact actions, never
 * `dynamodb:*`; test/infra checks them against the SDK commands in shared/store.
 */
export const TABLE_ACTIONS = {
  /** RefundGateStore (returns, parcels) and EmployeeStore (R7 flags and suspects). */
  ingest: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
  /** RefundGateStore: load and save returns; the due-timers index is granted separately. */
  sweeper: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  /** EmployeeStore: suspect receipts (Query on the base table), flags. */
  insider: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
} as const satisfies Partial<Record<FunctionName, readonly string[]>>;

/**
 * How the table's stream is consumed by the publisher and the insider
 * detector. Retries are bounded and the record age is capped at 6 hours so a
 * poison record is parked on the on-failure queue while the stream (24 h
 * retention) still holds it: the operator has 18 hours to re-read it.
 */
export const STREAM_CONSUMER = {
  startingPosition: lambda.StartingPosition.TRIM_HORIZON,
  batchSize: 100,
  bisectBatchOnError: true,
  retryAttempts: 10,
  maxRecordAge: Duration.hours(6),
  reportBatchItemFailures: true,
  parallelizationFactor: 1,
} as const;

/**
 * esbuild on this machine (never Docker): ESM for Node 24, minified, with
 * external source maps. `@aws-sdk/*` is left to the copy in the nodejs24.x
 * runtime: bundling it would add ~330 KB per function and break the 250 KB
 * budget, and the handlers only use clients the runtime ships. The banner
 * gives bundled CommonJS dependencies the `require` that ESM lacks.
 */
export const BUNDLING: nodejs.BundlingOptions = {
  format: nodejs.OutputFormat.ESM,
  mainFields: ['module', 'main'],
  banner: "import { createRequire as __refundGateCreateRequire } from 'node:module'; const require = __refundGateCreateRequire(import.meta.url);",
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  externalModules: ['@aws-sdk/*'],
  forceDockerBundling: false,
};

/** Actions that have no resource-level permissions in IAM, so they can only name `*`. */
export const ACTIONS_WITHOUT_RESOURCE_SCOPE = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'dynamodb:ListStreams'] as const;

export interface RefundGateProps {
  /**
   * The existing EventBridge bus the producers already put their events on,
   * in this stack's account and region. The five inbound rules are created
   * on it, and `RefundReleased`/`RefundDenied` are published to it.
   */
  readonly eventBus: events.IEventBus;

  /**
   * The only source accepted for each inbound detail-type; an event with any
   * other source never matches a rule (the first defence against forged
   * receipts). Give only the ones you change.
   *
   * @default - the contract's defaults: ReturnAuthorized `retail.returns`,
   * CarrierScan `retail.carrier`, WarehouseReceipt `retail.warehouse`,
   * RefundRequested `retail.refunds`, ReviewDecided `retail.review`
   */
  readonly sources?: Partial<Record<DetailType, string>>;

  /**
   * A DELIVERED scan up to this long after `receivedAt` still matches the receipt.
   * Durations become ISO 8601 (`Duration.toIsoString()`) in `REFUND_GATE_SETTINGS`.
   *
   * @default Duration.minutes(15)
   */
  readonly skew?: Duration;

  /**
   * Wait this long after `receivedAt` before raising a review for an unmatched receipt.
   *
   * @default Duration.seconds(0)
   */
  readonly grace?: Duration;

  /**
   * A refund held this long after `requestedAt` raises `HOLD_EXPIRED`.
   *
   * @default Duration.days(14)
   */
  readonly maxHold?: Duration;

  /**
   * A receipt whose return is still unknown this long after `receivedAt` raises `RECEIPT_FOR_UNKNOWN_RETURN`.
   *
   * @default Duration.hours(24)
   */
  readonly orphanTimeout?: Duration;

  /**
   * Suspect receipts by one employee within `window` that raise `EMPLOYEE_RECEIPT_ANOMALY` (an integer, 1 to 1000).
   *
   * @default 3
   */
  readonly threshold?: number;

  /**
   * The rolling window in which `threshold` suspect receipts must fall.
   *
   * @default Duration.hours(24)
   */
  readonly window?: Duration;

  /**
   * How long a flagged employee's receipts are held (`RECEIPT_BY_FLAGGED_EMPLOYEE`).
   *
   * @default Duration.days(7)
   */
  readonly flagFor?: Duration;

  /**
   * An existing SNS topic for review messages. The publisher is granted
   * `sns:Publish` on it and, when the topic's `masterKey` is known,
   * `kms:GenerateDataKey`/`kms:Decrypt` on that key (the key's policy must
   * allow IAM policies of this account).
   *
   * @default - a new topic encrypted with a new customer-managed KMS key (rotation on)
   */
  readonly reviewTopic?: sns.ITopic;

  /**
   * Where every alarm sends its ALARM and OK notifications (for example an
   * `SnsAction` on the on-call topic).
   *
   * @default - the alarms are created without actions
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;

  /**
   * What happens to the table, the KMS key, the topic, the queues and the log
   * groups when they leave the stack or the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * DynamoDB deletion protection on the table. Turn it off (and use
   * `RemovalPolicy.DESTROY`) only for throw-away stacks.
   *
   * @default true
   */
  readonly deletionProtection?: boolean;

  /**
   * How long the functions' logs are kept.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * A fixed ceiling for the "unusual rate of reviews" alarm: reviews raised
   * in one hour. Leave it unset to let CloudWatch anomaly detection learn
   * your normal rate.
   *
   * @default - anomaly detection: alarm when the hourly count rises above a band of 3 standard deviations
   */
  readonly reviewsPerHourThreshold?: number;
}

/** The alarms {@link RefundGate} creates, by what they watch. The README's "Alarms" section says what each means. */
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
  readonly publisherIteratorAge: cloudwatch.Alarm;
  readonly insiderIteratorAge: cloudwatch.Alarm;
  readonly reviewRate: cloudwatch.Alarm;
}

/**
 * refund-gate on an existing EventBridge bus: one rule per inbound
 * detail-type into the ingest function, a DynamoDB table whose stream feeds
 * the outbox publisher and the R7 insider detector, a one-minute sweeper for
 * timers, an encrypted SNS review topic, dead-letter queues, alarms and a
 * dashboard.
 *
 * The logical ids of the stateful resources (table, KMS key, topic, queues,
 * log groups) are pinned to `<id><Name>` (for the id `RefundGate`:
 * `RefundGateTable`, …), so moving this construct in the tree never replaces
 * the table. Use one instance per stack, or distinct ids.
 */
export class RefundGate extends Construct {
  /** The settings written to `REFUND_GATE_SETTINGS`, every default filled in. */
  public readonly settings: Required<SettingsInput>;
  public readonly table: dynamodb.Table;
  public readonly reviewTopic: sns.ITopic;
  /** The key of the review topic this construct created; undefined when `reviewTopic` was given. */
  public readonly reviewTopicKey?: kms.Key;
  public readonly ingestFunction: nodejs.NodejsFunction;
  public readonly publisherFunction: nodejs.NodejsFunction;
  public readonly sweeperFunction: nodejs.NodejsFunction;
  public readonly insiderFunction: nodejs.NodejsFunction;
  /** Invalid inbound events, sent by the ingest function itself with the error attached. */
  public readonly rejectedQueue: sqs.Queue;
  /** Inbound events EventBridge could not deliver, or the ingest function failed on after its retries. */
  public readonly ingestFailureQueue: sqs.Queue;
  /** Stream batches the publisher or the insider detector gave up on (metadata pointing into the stream). */
  public readonly streamFailureQueue: sqs.Queue;
  /** Sweeper ticks that could not be delivered or failed. */
  public readonly sweepFailureQueue: sqs.Queue;
  /** One rule per inbound detail-type, on the given bus. */
  public readonly inboundRules: Readonly<Record<DetailType, events.Rule>>;
  public readonly sweeperSchedule: events.Rule;
  public readonly alarms: RefundGateAlarms;
  public readonly dashboard: cloudwatch.Dashboard;

  private readonly removalPolicy: RemovalPolicy;
  private readonly logRetention: logs.RetentionDays;
  private readonly idPrefix: string;

  public constructor(scope: Construct, id: string, props: RefundGateProps) {
    super(scope, id);
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    this.idPrefix = id.replace(/[^A-Za-z0-9]/g, '') || 'RefundGate';
    this.settings = effectiveSettings(props);
    const settingsJson = JSON.stringify(this.settings);

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The AWS managed key (aws/dynamodb): encrypted at rest and in the stream, every use logged in CloudTrail.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      stream: dynamodb.StreamViewType[STREAM_VIEW],
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: this.removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: DUE_TIMERS_INDEX.name,
      partitionKey: { name: DUE_TIMERS_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: DUE_TIMERS_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
    this.pin(this.table, 'Table');

    this.rejectedQueue = this.deadLetterQueue('RejectedQueue', 'invalid inbound events, sent by the ingest function with the error attached');
    this.ingestFailureQueue = this.deadLetterQueue('IngestFailureQueue', 'inbound events that could not be delivered to, or processed by, the ingest function');
    this.streamFailureQueue = this.deadLetterQueue('StreamFailureQueue', 'stream batches the publisher or insider detector gave up on');
    this.sweepFailureQueue = this.deadLetterQueue('SweepFailureQueue', 'sweeper ticks that could not be delivered or failed');

    this.ingestFunction = this.createFunction('ingest', {
      description: 'refund-gate: validates inbound events and decides each return',
      timeout: Duration.seconds(30),
      environment: { [ENV.tableName]: this.table.tableName, [ENV.settings]: settingsJson, [ENV.rejectedQueueUrl]: this.rejectedQueue.queueUrl },
      // EventBridge invokes asynchronously: Lambda retries infrastructure errors twice, then parks the event.
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SendOnlyQueue(this.ingestFailureQueue),
    });
    this.publisherFunction = this.createFunction('publisher', {
      description: 'refund-gate: publishes the outbox of each table write to SNS and EventBridge',
      timeout: Duration.seconds(60),
      environment: {},
    });
    this.sweeperFunction = this.createFunction('sweeper', {
      description: 'refund-gate: fires due timers (grace, maxHold, orphanTimeout) every minute',
      // Shorter than the schedule's period, so two sweeps rarely overlap (version checks make overlaps safe anyway).
      timeout: Duration.seconds(50),
      environment: { [ENV.tableName]: this.table.tableName, [ENV.settings]: settingsJson },
      // A failed tick is not retried: the next tick a minute later finds the same due timers.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
      onFailure: new SendOnlyQueue(this.sweepFailureQueue),
    });
    this.insiderFunction = this.createFunction('insider', {
      description: 'refund-gate: R7, flags employees with repeated unmatched receipts',
      timeout: Duration.seconds(60),
      environment: { [ENV.tableName]: this.table.tableName, [ENV.settings]: settingsJson },
    });

    this.grantTableAccess();
    // The ingest function parks invalid input itself (REJECTED_QUEUE_URL): it needs to send, nothing else.
    this.ingestFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.rejectedQueue.queueArn] }));

    for (const fn of [this.publisherFunction, this.insiderFunction]) {
      fn.addEventSource(new eventSources.DynamoEventSource(this.table, { ...STREAM_CONSUMER, onFailure: new SendOnlyQueue(this.streamFailureQueue) }));
    }

    const topic = this.createReviewTopic(props.reviewTopic);
    this.reviewTopic = topic.topic;
    this.reviewTopicKey = topic.key;
    this.publisherFunction.addEnvironment(ENV.reviewTopicArn, this.reviewTopic.topicArn);
    this.publisherFunction.addEnvironment(ENV.eventBusName, props.eventBus.eventBusName);
    this.grantPublishDecisions(props.eventBus);

    this.inboundRules = this.createInboundRules(props.eventBus);
    this.sweeperSchedule = new events.Rule(this, 'SweeperSchedule', {
      description: 'refund-gate: runs the timer sweeper every minute',
      schedule: events.Schedule.rate(Duration.minutes(1)),
    });
    this.sweeperSchedule.addTarget(
      new targets.LambdaFunction(this.sweeperFunction, {
        deadLetterQueue: this.sweepFailureQueue,
        retryAttempts: 2,
        maxEventAge: Duration.minutes(1),
      }),
    );

    this.alarms = this.createAlarms(props);
    if (props.alarmAction) {
      for (const alarm of Object.values(this.alarms)) {
        alarm.addAlarmAction(props.alarmAction);
        alarm.addOkAction(props.alarmAction);
      }
    }
    this.dashboard = this.createDashboard();
    this.acknowledgeNagFindings();
  }

  private createFunction(
    name: FunctionName,
    options: {
      description: string;
      timeout: Duration;
      environment: Record<string, string>;
      retryAttempts?: number;
      maxEventAge?: Duration;
      onFailure?: lambda.IDestination;
    },
  ): nodejs.NodejsFunction {
    const title = name.charAt(0).toUpperCase() + name.slice(1);
    // A role per function with no managed policy: AWSLambdaBasicExecutionRole would allow writing to every log group.
    const role = new iam.Role(this, `${title}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `refund-gate ${name} function`,
    });
    const logGroup = new logs.LogGroup(this, `${title}Logs`, {
      retention: this.logRetention,
      removalPolicy: this.removalPolicy,
    });
    this.pin(logGroup, `${title}Logs`);
    const fn = new nodejs.NodejsFunction(this, `${title}Function`, {
      entry: join(PROJECT_ROOT, 'functions', name, 'handler.ts'),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: options.timeout,
      description: options.description,
      role,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
        ...options.environment,
      },
      bundling: BUNDLING,
      ...(options.onFailure ? { onFailure: options.onFailure, retryAttempts: options.retryAttempts, maxEventAge: options.maxEventAge } : {}),
    });
    logGroup.grantWrite(role);
    return fn;
  }

  private grantTableAccess(): void {
    const tableArn = this.table.tableArn;
    const grant = (fn: lambda.IFunction, actions: readonly string[], resources: string[]) =>
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...actions], resources }));
    grant(this.ingestFunction, TABLE_ACTIONS.ingest, [tableArn]);
    grant(this.sweeperFunction, TABLE_ACTIONS.sweeper, [tableArn]);
    // The sweeper alone queries the sparse timer index; the ARN names that index, not `index/*`.
    grant(this.sweeperFunction, ['dynamodb:Query'], [`${tableArn}/index/${DUE_TIMERS_INDEX.name}`]);
    grant(this.insiderFunction, TABLE_ACTIONS.insider, [tableArn]);
  }

  private createReviewTopic(existing: sns.ITopic | undefined): { topic: sns.ITopic; key?: kms.Key } {
    const publisherRole = this.publisherFunction.role!;
    if (existing) {
      this.publisherFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [existing.topicArn] }));
      if (existing.masterKey) {
        this.publisherFunction.addToRolePolicy(
          new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [existing.masterKey.keyArn] }),
        );
      }
      return { topic: existing };
    }
    const key = new kms.Key(this, 'ReviewTopicKey', {
      description: 'refund-gate: encrypts review messages on the SNS topic',
      enableKeyRotation: true,
      removalPolicy: this.removalPolicy,
    });
    // The key policy names the publisher's role and only through SNS: nothing else can use the key to read reviews.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowRefundGatePublisherThroughSns',
        principals: [new iam.ArnPrincipal(publisherRole.roleArn)],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `sns.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    this.pin(key, 'ReviewTopicKey');
    const topic = new sns.Topic(this, 'ReviewTopic', {
      displayName: 'refund-gate reviews',
      masterKey: key,
      enforceSSL: true,
      signatureVersion: '2',
    });
    topic.applyRemovalPolicy(this.removalPolicy);
    this.pin(topic, 'ReviewTopic');
    this.publisherFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
    return { topic, key };
  }

  /** `events:PutEvents` on the bus, only with refund-gate's own source and outbound detail-types: the publisher cannot forge a producer's event. */
  private grantPublishDecisions(bus: events.IEventBus): void {
    this.publisherFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [bus.eventBusArn],
        conditions: {
          StringEquals: {
            'events:source': [OUTBOUND_SOURCE],
            'events:detail-type': Object.values(OUTBOUND_DETAIL_TYPES),
          },
        },
      }),
    );
  }

  /** One rule per route of the shared routing table, so the local bus and AWS match the same events. */
  private createInboundRules(bus: events.IEventBus): Record<DetailType, events.Rule> {
    const handlers: Record<Route['handler'], lambda.IFunction> = { ingest: this.ingestFunction };
    const rules = {} as Record<DetailType, events.Rule>;
    for (const route of routesFor(this.settings.sources as Record<DetailType, string>)) {
      const pattern = eventPatternOf(route);
      const rule = new events.Rule(this, `${route.detailType}Rule`, {
        eventBus: bus,
        description: `refund-gate: ${route.detailType} from ${route.source}`,
        eventPattern: { source: pattern.source, detailType: pattern['detail-type'] },
      });
      rule.addTarget(
        new targets.LambdaFunction(handlers[route.handler], {
          deadLetterQueue: this.ingestFailureQueue,
          // Delivery failures are throttles and outages: retry as long as EventBridge allows, then park.
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      );
      rules[route.detailType] = rule;
    }
    return rules;
  }

  private deadLetterQueue(name: string, purpose: string): sqs.Queue {
    const queue = new sqs.Queue(this, name, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: this.removalPolicy,
    });
    this.pin(queue, name);
    for (const rule of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
      Validations.of(queue).acknowledge({
        id: rule,
        reason: `This queue is itself a terminal dead-letter queue (${purpose}); it is drained by an operator (README: "Alarms"), not by a consumer that could fail.`,
      });
    }
    return queue;
  }

  private createAlarms(props: RefundGateProps): RefundGateAlarms {
    const fiveMinutes = Duration.minutes(5);
    const queueAlarm = (id: string, queue: sqs.Queue, what: string) =>
      new cloudwatch.Alarm(this, id, {
        alarmDescription: `refund-gate: ${what}. See README "Alarms".`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const errorAlarm = (id: string, fn: lambda.IFunction, name: FunctionName) =>
      new cloudwatch.Alarm(this, id, {
        alarmDescription: `refund-gate: the ${name} function failed (Errors ≥ 1 in 5 minutes). See README "Alarms".`,
        metric: fn.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const iteratorAgeAlarm = (id: string, fn: lambda.IFunction, name: FunctionName) =>
      new cloudwatch.Alarm(this, id, {
        alarmDescription: `refund-gate: the ${name} function is more than 5 minutes behind the table's stream. See README "Alarms".`,
        metric: fn.metric('IteratorAge', { period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: Duration.minutes(5).toMilliseconds(),
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const reviews = this.serviceMetric(METRIC.reviewsRaised, Duration.hours(1));
    const reviewRate =
      props.reviewsPerHourThreshold === undefined
        ? new cloudwatch.AnomalyDetectionAlarm(this, 'ReviewRateAlarm', {
            alarmDescription: 'refund-gate: reviews raised in the last hour are above the normal band (anomaly detection, 3 standard deviations). See README "Alarms".',
            metric: reviews,
            stdDevs: 3,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          })
        : new cloudwatch.Alarm(this, 'ReviewRateAlarm', {
            alarmDescription: `refund-gate: more than ${props.reviewsPerHourThreshold} reviews raised in one hour. See README "Alarms".`,
            metric: reviews,
            threshold: props.reviewsPerHourThreshold,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          });
    return {
      rejectedEvents: queueAlarm('RejectedEventsAlarm', this.rejectedQueue, 'invalid inbound events were rejected'),
      ingestFailures: queueAlarm('IngestFailuresAlarm', this.ingestFailureQueue, 'inbound events were not processed (dead-lettered)'),
      streamFailures: queueAlarm('StreamFailuresAlarm', this.streamFailureQueue, 'stream records were given up on: reviews or decisions may be unpublished'),
      sweepFailures: queueAlarm('SweepFailuresAlarm', this.sweepFailureQueue, 'timer sweeps failed'),
      ingestErrors: errorAlarm('IngestErrorsAlarm', this.ingestFunction, 'ingest'),
      publisherErrors: errorAlarm('PublisherErrorsAlarm', this.publisherFunction, 'publisher'),
      sweeperErrors: errorAlarm('SweeperErrorsAlarm', this.sweeperFunction, 'sweeper'),
      insiderErrors: errorAlarm('InsiderErrorsAlarm', this.insiderFunction, 'insider'),
      // The publisher reports failed records as batch item failures, which Lambda's Errors metric does not count.
      publishFailures: new cloudwatch.Alarm(this, 'PublishFailuresAlarm', {
        alarmDescription: 'refund-gate: publishing to SNS or EventBridge has failed for 15 minutes. See README "Alarms".',
        metric: this.serviceMetric(METRIC.publishFailures, fiveMinutes),
        threshold: 1,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      publisherIteratorAge: iteratorAgeAlarm('PublisherIteratorAgeAlarm', this.publisherFunction, 'publisher'),
      insiderIteratorAge: iteratorAgeAlarm('InsiderIteratorAgeAlarm', this.insiderFunction, 'insider'),
      reviewRate,
    };
  }

  /** A metric the handlers emit with Powertools (namespace `RefundGate`, dimension `service`). */
  private serviceMetric(metricName: string, period: Duration): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: SERVICE }, statistic: cloudwatch.Stats.SUM, period });
  }

  private createDashboard(): cloudwatch.Dashboard {
    const period = Duration.minutes(5);
    const fns: Array<[FunctionName, lambda.IFunction]> = [
      ['ingest', this.ingestFunction],
      ['publisher', this.publisherFunction],
      ['sweeper', this.sweeperFunction],
      ['insider', this.insiderFunction],
    ];
    const queues: Array<[string, sqs.Queue]> = [
      ['rejected', this.rejectedQueue],
      ['ingest failures', this.ingestFailureQueue],
      ['stream failures', this.streamFailureQueue],
      ['sweep failures', this.sweepFailureQueue],
    ];
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(1) });
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: '# refund-gate\nRefunds held until a carrier inbound scan and a warehouse receipt agree. Alarms and what to do: README "Alarms".',
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Inbound events',
        width: 8,
        left: [METRIC.eventsProcessed, METRIC.eventsRejected, METRIC.conflictingDuplicates, METRIC.duplicatesIgnored].map((m) =>
          this.serviceMetric(m, period).with({ label: m }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Decisions',
        width: 8,
        left: [METRIC.refundsReleased, METRIC.refundsDenied, METRIC.reviewsRaised, METRIC.reviewsCleared].map((m) =>
          this.serviceMetric(m, period).with({ label: m }),
        ),
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
        left: fns
          .filter(([name]) => name === 'publisher' || name === 'insider')
          .map(([name, fn]) => fn.metric('IteratorAge', { period, statistic: cloudwatch.Stats.MAXIMUM, label: name })),
        right: [this.serviceMetric(METRIC.publishFailures, period).with({ label: METRIC.publishFailures })],
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queues (messages)',
        width: 8,
        left: queues.map(([label, q]) => q.metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM, label })),
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: Object.values(this.alarms) }),
    );
    return dashboard;
  }

  /** cdk-nag findings that are by design, each with its reason; everything else is fixed, not acknowledged. */
  private acknowledgeNagFindings(): void {
    const functions: Array<[lambda.Function, string]> = [
      [this.ingestFunction, 'invoked asynchronously by EventBridge; failures go to the on-failure destination (ingestFailureQueue), which carries the request and error context a DLQ would lose'],
      [this.sweeperFunction, 'invoked asynchronously by the schedule; failures go to the on-failure destination (sweepFailureQueue), which carries the request and error context a DLQ would lose'],
      [this.publisherFunction, 'invoked only by the DynamoDB stream event source mapping, never asynchronously; its failures go to the mapping\'s on-failure destination (streamFailureQueue)'],
      [this.insiderFunction, 'invoked only by the DynamoDB stream event source mapping, never asynchronously; its failures go to the mapping\'s on-failure destination (streamFailureQueue)'],
    ];
    for (const [fn, reason] of functions) {
      Validations.of(fn).acknowledge({ id: 'Serverless-LambdaDLQ', reason: `A dead-letter queue would never receive anything: the function is ${reason}.` });
      const stream = fn === this.publisherFunction || fn === this.insiderFunction;
      Validations.of(fn.role!).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          `Only actions IAM cannot scope to a resource use "*": xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing)` +
          (stream ? ' and dynamodb:ListStreams (required by the stream event source mapping)' : '') +
          '. Every data action names its table, index, queue, topic, key or bus (asserted in test/infra).',
      });
    }
  }

  private pin(construct: IConstruct, name: string): void {
    (construct.node.defaultChild as CfnResource).overrideLogicalId(`${this.idPrefix}${name}`);
  }
}

/**
 * A queue as a Lambda on-failure destination, asynchronous or stream. Unlike
 * `SqsDestination`/`SqsDlq`, which grant `sqs:GetQueueAttributes` and
 * `sqs:GetQueueUrl` as well, the function gets `sqs:SendMessage` only: that
 * is all Lambda uses to deliver a failure record.
 */
class SendOnlyQueue implements lambda.IDestination, lambda.IEventSourceDlq {
  public constructor(private readonly queue: sqs.IQueue) {}

  public bind(_scope: IConstruct, fn: lambda.IFunction): lambda.DestinationConfig & lambda.DlqDestinationConfig {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
    return { destination: this.queue.queueArn };
  }
}

/** Validate the settings props with the contract's own parser and fill every default, as `REFUND_GATE_SETTINGS` will carry them. */
function effectiveSettings(props: RefundGateProps): Required<SettingsInput> {
  const iso = (d: Duration | undefined) => d?.toIsoString();
  const input: SettingsInput = Object.fromEntries(
    Object.entries({
      sources: props.sources,
      skew: iso(props.skew),
      grace: iso(props.grace),
      maxHold: iso(props.maxHold),
      orphanTimeout: iso(props.orphanTimeout),
      threshold: props.threshold,
      window: iso(props.window),
      flagFor: iso(props.flagFor),
    }).filter(([, v]) => v !== undefined),
  );
  let resolved;
  try {
    resolved = resolveSettings(input);
  } catch (cause) {
    throw new RefundGatePropsError(`RefundGate: invalid setting: ${(cause as Error).message}`, { cause, context: { input } });
  }
  for (const [detailType, source] of Object.entries(resolved.sources)) {
    if (source === OUTBOUND_SOURCE) {
      // The publisher may put events with this source; accepting it inbound would let refund-gate feed itself.
      throw new RefundGatePropsError(`RefundGate: invalid setting: sources.${detailType}: "${OUTBOUND_SOURCE}" is refund-gate's own outbound source`);
    }
  }
  return {
    sources: { ...resolved.sources },
    skew: input.skew ?? DEFAULT_SETTINGS.skew,
    grace: input.grace ?? DEFAULT_SETTINGS.grace,
    maxHold: input.maxHold ?? DEFAULT_SETTINGS.maxHold,
    orphanTimeout: input.orphanTimeout ?? DEFAULT_SETTINGS.orphanTimeout,
    threshold: resolved.threshold,
    window: input.window ?? DEFAULT_SETTINGS.window,
    flagFor: input.flagFor ?? DEFAULT_SETTINGS.flagFor,
    weightTolerance: resolved.weightTolerance,
    weightToleranceGrams: resolved.weightToleranceGrams,
  };
}
