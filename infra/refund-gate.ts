import { Duration, RemovalPolicy, Stack, Token, TokenComparison, Validations } from 'aws-cdk-lib';
import type { FacilityMapInput } from '../shared/carriers/facilities.js';
import { CarrierWebhooks } from './constructs/carrier-webhooks.js';
import { ContractSchemaRegistry } from './constructs/schema-registry.js';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import type { DetailType } from '../shared/contract/inbound.js';
import { ENV } from '../shared/app/environment.js';
import { retentionDaysProblem } from '../shared/app/environment.js';
import { DEFAULT_RETENTION_DAYS } from '../shared/store/table.js';
import type { CommonProps } from './constructs/common.js';
import { RefundGatePropsError } from './constructs/errors.js';
import type { FunctionName } from './constructs/function.js';
import { InboundRouting, INGEST_TABLE_ACTIONS } from './constructs/inbound-routing.js';
import { InsiderDetection, INSIDER_TABLE_ACTIONS } from './constructs/insider-detection.js';
import { RefundGateMonitoring, type RefundGateAlarms } from './constructs/monitoring.js';
import { pinLogicalId } from './constructs/names.js';
import { OutboxPublisher } from './constructs/outbox-publisher.js';
import { effectiveSettings, type RefundGateSettings } from './constructs/settings.js';
import { EvidenceArchive } from './constructs/evidence-archive.js';
import { TableStreamConsumers, type StreamConsumerOptions } from './constructs/stream-consumers.js';
import { RefundGateTable } from './constructs/table.js';
import { SWEEPER_TABLE_ACTIONS, TimerSweeper } from './constructs/timer-sweeper.js';

export { RefundGatePropsError } from './constructs/errors.js';
export { FUNCTION_NAMES, BUNDLING, type FunctionName } from './constructs/function.js';
export { STREAM_CONSUMER, type StreamConsumerOptions } from './constructs/stream-consumers.js';
export type { RefundGateAlarms } from './constructs/monitoring.js';
export type { RefundGateSettings } from './constructs/settings.js';

/**
 * Actions each function's code calls on the table, by the store class it
 * constructs (see `functions/<name>/handler.ts`). Exact actions, never
 * `dynamodb:*`; test/infra checks them against the SDK commands in shared/store.
 */
export const TABLE_ACTIONS = {
  ingest: INGEST_TABLE_ACTIONS,
  sweeper: SWEEPER_TABLE_ACTIONS,
  insider: INSIDER_TABLE_ACTIONS,
} as const satisfies Partial<Record<FunctionName, readonly string[]>>;

/** Actions that have no resource-level permissions in IAM, so they could only name `*`: refund-gate uses none. */
export const ACTIONS_WITHOUT_RESOURCE_SCOPE = [] as const;

export interface RefundGateProps {
  /**
   * The existing EventBridge bus the producers already put their events on,
   * in this stack's account and region (anything else is refused: see
   * docs/operators/deploy.md for the cross-account pattern). The inbound
   * rules are created on it, and `RefundReleased`/`RefundDenied` are
   * published to it.
   */
  readonly eventBus: events.IEventBus;

  /**
   * The contract settings (sources, skew, grace, maxHold, orphanTimeout,
   * threshold, window, flagFor, …): the same object as `refund-gate replay
   * --config` and the `settings` context key. Give only what you change.
   *
   * @default - the contract's defaults
   */
  readonly settings?: RefundGateSettings;

  /**
   * Add a statement to the bus's resource policy that denies
   * `events:PutEvents` with source `refund-gate` to every principal except
   * the publisher's role, so nobody else can put a `RefundReleased` on the
   * bus. Turn it off only when the bus's policy is managed elsewhere, and add
   * the same statement there (docs/operators/deploy.md).
   *
   * @default true
   */
  readonly protectOutboundSource?: boolean;

  /**
   * An existing SNS topic for review messages. The publisher is granted
   * `sns:Publish` on it and, when its key is known (`reviewTopicKey`, or the
   * topic's `masterKey`), `kms:GenerateDataKey`/`kms:Decrypt` on that key
   * (the key's policy must allow IAM policies of this account).
   *
   * @default - a new topic encrypted with a new customer-managed KMS key (rotation on)
   */
  readonly reviewTopic?: sns.ITopic;

  /**
   * The customer-managed KMS key an existing `reviewTopic` is encrypted with.
   *
   * @default - the topic's `masterKey`, if any
   */
  readonly reviewTopicKey?: kms.IKey;

  /**
   * Where every alarm sends its ALARM and OK notifications (for example an
   * `SnsAction` on the on-call topic).
   *
   * @default - the alarms are created without actions
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;

  /**
   * What happens to the table, the KMS key, the topic, the queues, the
   * failure bucket and the log groups when they leave the stack or the
   * stack is deleted.
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
   * Days an item stays in the DynamoDB table after its last write (or after
   * its return's next timer, when later), through DynamoDB TTL: closed
   * returns (their evidence lives on in the S3 evidence archive, 2 years),
   * id-ledger entries, delivered parcels, employee items. An open return,
   * which may wait for a reviewer or a shipment with no timer pending, and a
   * parcel link still waiting for its DELIVERED scan stay 400 days after
   * their last write. At least 14 (the dead-letter queues' retention: a
   * redriven message must still find its items).
   *
   * @default 30
   */
  readonly tableRetentionDays?: number;

  /**
   * A fixed ceiling for the "unusual rate of reviews" alarm: reviews raised
   * in one hour. Leave it unset to let CloudWatch anomaly detection learn
   * your normal rate.
   *
   * @default - anomaly detection: alarm when the hourly count rises above a band of 3 standard deviations
   */
  readonly reviewsPerHourThreshold?: number;

  /**
   * Concurrency reserved for the timer sweeper, so an inbound flood can never
   * starve the timers. 0 reserves nothing (accounts whose concurrency limit
   * is below 101 cannot reserve any).
   *
   * @default 1
   */
  readonly sweeperReservedConcurrency?: number;

  /**
   * A ceiling on the ingest function's concurrency (also reserved for it).
   * EventBridge retries throttled deliveries for 24 hours, so a ceiling
   * delays events, it does not lose them.
   *
   * @default - no ceiling
   */
  readonly ingestReservedConcurrency?: number;

  /**
   * Per-consumer options of the table's stream mappings (filter criteria,
   * batching window, batch size, …), on top of {@link STREAM_CONSUMER}.
   *
   * @default - STREAM_CONSUMER as is
   */
  readonly streamConsumers?: { readonly publisher?: StreamConsumerOptions; readonly insider?: StreamConsumerOptions };

  /**
   * Register the contract's inbound and outbound event schemas (JSON Schema
   * draft-04) in an EventBridge schema registry, so producer teams can
   * download code bindings (docs/producers/contract.md).
   *
   * @default true
   */
  readonly schemaRegistry?: boolean;

  /**
   * Turn on the carrier webhook endpoint (EasyPost, AfterShip, UPS, Shippo)
   * that turns tracking updates into CarrierScan events on the bus, with this
   * map of warehouses to delivery addresses (docs/producers/carriers.md).
   * `upsSilence` adds the UPS silence alarm (returns authorized or received,
   * no UPS event); the other options are CarrierWebhooks' own.
   *
   * @default - no webhook endpoint
   */
  readonly carrierWebhooks?: {
    readonly facilities: FacilityMapInput;
    readonly reservedConcurrency?: number;
    readonly maxBodyBytes?: number;
    readonly allowTestMode?: boolean;
    readonly replayWindow?: Duration;
    readonly previousSecretWindow?: Duration;
    readonly upsSilence?: Duration;
  };
}

/**
 * refund-gate on an existing EventBridge bus, composed of small constructs
 * with one job each (infra/constructs/): the table, inbound routing, the
 * outbox publisher, insider detection, the timer sweeper, the stream
 * mappings and their failure bucket, and monitoring.
 *
 * The logical ids of the stateful resources (table, KMS key, topic, queues,
 * failure bucket, log groups) are pinned to `<id><Name>` (for the id
 * `RefundGate`: `RefundGateTable`, …), so moving this construct in the tree
 * never replaces the table; the stream mappings keep the ids they had
 * before the split. Use one instance per stack, or distinct ids.
 */
export class RefundGate extends Construct {
  /** The settings written to `REFUND_GATE_SETTINGS`, every default filled in. */
  public readonly settings: Readonly<Record<string, unknown>>;
  public readonly eventBus: events.IEventBus;
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
  /** Stream batches the publisher or the insider detector gave up on, kept whole. */
  public readonly streamFailureBucket: s3.Bucket;
  /** Sweeper ticks that could not be delivered or failed. */
  public readonly sweepFailureQueue: sqs.Queue;
  /** One rule per inbound detail-type, on the given bus. */
  public readonly inboundRules: Readonly<Record<DetailType, events.Rule>>;
  public readonly sweeperSchedule: events.Rule;
  /** The bus-policy statement reserving source `refund-gate` to the publisher; undefined when opted out. */
  public readonly outboundSourceGuard?: events.CfnEventBusPolicy;
  public readonly alarms: RefundGateAlarms;
  public readonly dashboard: cloudwatch.Dashboard;
  /** The contract's schema registry, unless `schemaRegistry` is false. */
  public readonly schemaRegistry?: ContractSchemaRegistry;
  /** The carrier webhook endpoint, when `carrierWebhooks` is given. */
  public readonly carrierWebhooks?: CarrierWebhooks;
  /** Closed returns' evidence (item images), kept 2 years under Object Lock. */
  public readonly evidenceArchiveBucket: s3.Bucket;
  /** Writes closed returns from the stream to {@link evidenceArchiveBucket}. */
  public readonly archiverFunction: nodejs.NodejsFunction;

  /** The parts, for composing more around them (see the composition point at the end of the constructor). */
  public readonly parts: {
    readonly table: RefundGateTable;
    readonly inbound: InboundRouting;
    readonly outbox: OutboxPublisher;
    readonly insider: InsiderDetection;
    readonly sweeper: TimerSweeper;
    readonly streams: TableStreamConsumers;
    readonly monitoring: RefundGateMonitoring;
  };

  public constructor(scope: Construct, id: string, props: RefundGateProps) {
    super(scope, id);
    assertSameEnvironment(this, props.eventBus);
    const idPrefix = id.replace(/[^A-Za-z0-9]/g, '') || 'RefundGate';
    const common: CommonProps = {
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      pin: (construct: IConstruct, name: string) => pinLogicalId(construct, `${idPrefix}${name}`),
    };
    for (const [key, value] of Object.entries({ sweeperReservedConcurrency: props.sweeperReservedConcurrency, ingestReservedConcurrency: props.ingestReservedConcurrency })) {
      if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw new RefundGatePropsError(`RefundGate: ${key}: expected a whole number ≥ 0, got ${value}`);
    }
    const retentionProblem = props.tableRetentionDays === undefined ? undefined : retentionDaysProblem(props.tableRetentionDays);
    if (retentionProblem !== undefined) throw new RefundGatePropsError(`RefundGate: tableRetentionDays: ${retentionProblem}`);
    if (props.reviewsPerHourThreshold !== undefined && !(Number.isFinite(props.reviewsPerHourThreshold) && props.reviewsPerHourThreshold > 0)) {
      throw new RefundGatePropsError(`RefundGate: reviewsPerHourThreshold: expected a positive number, got ${props.reviewsPerHourThreshold}`);
    }
    this.settings = effectiveSettings(props.settings, 'RefundGate: settings');
    this.eventBus = props.eventBus;

    const table = new RefundGateTable(this, 'Table', { removalPolicy: common.removalPolicy, deletionProtection: props.deletionProtection ?? true });
    common.pin(table.table, 'Table');
    this.table = table.table;

    const inbound = new InboundRouting(this, 'Inbound', {
      ...common,
      eventBus: props.eventBus,
      table: this.table,
      settings: this.settings,
      reservedConcurrentExecutions: props.ingestReservedConcurrency || undefined,
    });
    const outbox = new OutboxPublisher(this, 'Outbox', {
      ...common,
      eventBus: props.eventBus,
      reviewTopic: props.reviewTopic,
      reviewTopicKey: props.reviewTopicKey,
      protectOutboundSource: props.protectOutboundSource,
    });
    const insider = new InsiderDetection(this, 'Insider', { ...common, table: this.table, settings: this.settings });
    const sweeper = new TimerSweeper(this, 'Sweeper', {
      ...common,
      table: this.table,
      settings: this.settings,
      reservedConcurrentExecutions: props.sweeperReservedConcurrency,
    });

    // Every stream mapping is made here, through one construct: defaults, options seam, grants, failure bucket.
    const streams = new TableStreamConsumers(this, 'Streams', { ...common, table: this.table, legacyScope: this });
    streams.consume(outbox.publisherFunction, 'publisher', props.streamConsumers?.publisher);
    streams.consume(insider.insiderFunction, 'insider', props.streamConsumers?.insider);
    // Closed returns' evidence, batched into S3 at archive prices (docs/maintainers/cost.md).
    const archive = new EvidenceArchive(this, 'Archive', common);
    streams.consume(archive.archiverFunction, 'archiver');
    this.evidenceArchiveBucket = archive.bucket;
    this.archiverFunction = archive.archiverFunction;

    const monitoring = new RefundGateMonitoring(this, 'Monitoring', {
      functions: { ingest: inbound.ingestFunction, publisher: outbox.publisherFunction, sweeper: sweeper.sweeperFunction, insider: insider.insiderFunction },
      queues: { rejected: inbound.rejectedQueue, ingestFailure: inbound.ingestFailureQueue, sweepFailure: sweeper.sweepFailureQueue },
      streamFailureBucket: streams.failureBucket,
      inboundRules: Object.values(inbound.rules),
      eventBusName: props.eventBus.eventBusName,
      sweeperSchedule: sweeper.schedule,
      alarmAction: props.alarmAction,
      reviewsPerHourThreshold: props.reviewsPerHourThreshold,
    });

    // The functions that write items give them their time to live (shared/store/table.ts).
    const retentionDays = String(props.tableRetentionDays ?? DEFAULT_RETENTION_DAYS);
    for (const fn of [inbound.ingestFunction, sweeper.sweeperFunction, insider.insiderFunction]) fn.addEnvironment(ENV.tableRetentionDays, retentionDays);
    // Upgrade order (expand, then contract): CloudFormation updates the functions that read items and
    // stream images (publisher, insider, archiver) before the ones that write return items (ingest,
    // sweeper), so a record in a newer item format never reaches older reader code, and a rollback
    // undoes the writers first. See docs/operators/deploy.md, "Upgrading".
    for (const writer of [inbound.ingestFunction, sweeper.sweeperFunction]) {
      writer.node.addDependency(outbox.publisherFunction, insider.insiderFunction, archive.archiverFunction);
    }

    this.parts = { table, inbound, outbox, insider, sweeper, streams, monitoring };
    this.ingestFunction = inbound.ingestFunction;
    this.rejectedQueue = inbound.rejectedQueue;
    this.ingestFailureQueue = inbound.ingestFailureQueue;
    this.inboundRules = inbound.rules;
    this.publisherFunction = outbox.publisherFunction;
    this.reviewTopic = outbox.reviewTopic;
    this.reviewTopicKey = outbox.reviewTopicKey;
    this.outboundSourceGuard = outbox.outboundSourceGuard;
    this.insiderFunction = insider.insiderFunction;
    this.sweeperFunction = sweeper.sweeperFunction;
    this.sweepFailureQueue = sweeper.sweepFailureQueue;
    this.sweeperSchedule = sweeper.schedule;
    this.streamFailureBucket = streams.failureBucket;
    this.alarms = monitoring.alarms;
    this.dashboard = monitoring.dashboard;

    // ── Composition point ──────────────────────────────────────────────────
    // Standalone parts (the contract schema registry, carrier webhooks, …)
    // are added here, below the core, each as one construct given what it
    // needs: `this.eventBus`, `this.table`, `this.settings`, `common` for
    // removal policy / log retention / pinned ids, and
    // `monitoring.alarmFactory` for its alarms (same runbook links and
    // actions). Nothing above depends on them.
    // ───────────────────────────────────────────────────────────────────────
    const sources = this.settings['sources'] as Readonly<Record<DetailType, string>>;
    if (props.schemaRegistry ?? true) this.schemaRegistry = new ContractSchemaRegistry(this, 'ContractSchemas', { sources });
    if (props.carrierWebhooks) {
      const { upsSilence, ...hooks } = props.carrierWebhooks;
      this.carrierWebhooks = new CarrierWebhooks(this, 'CarrierWebhooks', {
        ...hooks,
        eventBus: props.eventBus,
        source: sources['CarrierScan'],
        alarmFactory: monitoring.alarmFactory,
        removalPolicy: common.removalPolicy,
        logRetention: common.logRetention,
        ...(upsSilence
          ? { upsSilence: { after: upsSilence, returnRules: [inbound.rules.ReturnAuthorized, inbound.rules.WarehouseReceipt], eventBusName: props.eventBus.eventBusName } }
          : {}),
      });
    }

    this.acknowledgeNagFindings();
  }

  /** cdk-nag findings that are by design, each with its reason; everything else is fixed, not acknowledged. */
  private acknowledgeNagFindings(): void {
    const functions: Array<[lambda.Function, string]> = [
      [this.ingestFunction, 'invoked asynchronously by EventBridge; failures go to the on-failure destination (ingestFailureQueue), which carries the request and error context a DLQ would lose'],
      [this.sweeperFunction, 'invoked asynchronously by the schedule; failures go to the on-failure destination (sweepFailureQueue), which carries the request and error context a DLQ would lose'],
      [this.publisherFunction, "invoked only by the DynamoDB stream event source mapping, never asynchronously; its failures go to the mapping's on-failure destination (streamFailureBucket)"],
      [this.insiderFunction, "invoked only by the DynamoDB stream event source mapping, never asynchronously; its failures go to the mapping's on-failure destination (streamFailureBucket)"],
      [this.archiverFunction, "invoked only by the DynamoDB stream event source mapping, never asynchronously; its failures go to the mapping's on-failure destination (streamFailureBucket)"],
    ];
    for (const [fn, reason] of functions) {
      Validations.of(fn).acknowledge({ id: 'Serverless-LambdaDLQ', reason: `A dead-letter queue would never receive anything: the function is ${reason}.` });
      Validations.of(fn).acknowledge({
        id: 'Serverless-LambdaTracing',
        reason:
          'Tracing is off on purpose: the handlers do not use the Powertools Tracer, so X-Ray would only show Lambda start/end segments; logs, metrics and the alarms carry the diagnosis (docs/operators/alarms.md).',
      });
    }
  }
}

/**
 * refund-gate supports a bus in its own account and region only: rules can
 * only be created on such a bus, and the outbound guard is a statement in
 * its policy. A bus elsewhere is reached with a forwarding rule into a bus
 * in refund-gate's account (docs/operators/deploy.md, "A bus in another
 * account").
 */
function assertSameEnvironment(scope: Construct, bus: events.IEventBus): void {
  const stack = Stack.of(scope);
  for (const [what, busValue, stackValue] of [
    ['account', bus.env.account, stack.account],
    ['region', bus.env.region, stack.region],
  ] as const) {
    const comparison = Token.compareStrings(busValue, stackValue);
    if (comparison === TokenComparison.SAME || comparison === TokenComparison.BOTH_UNRESOLVED) continue;
    const known = !Token.isUnresolved(stackValue);
    throw new RefundGatePropsError(
      `event bus ${bus.eventBusArn}: its ${what} ${busValue} ${known ? `is not this stack's (${stackValue})` : "cannot be checked: this stack's " + what + ' is not known at synth (deploy with credentials, or give -c account= and -c region=)'}; refund-gate needs a bus in its own account and region: forward events from that bus with a rule into a bus in refund-gate's account (docs/operators/deploy.md#a-bus-in-another-account)`,
    );
  }
}
