import { RemovalPolicy } from 'aws-cdk-lib';
import { CarrierWebhooks } from './constructs/carrier-webhooks.js';
import { ContractSchemaRegistry } from './constructs/schema-registry.js';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
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
import { acknowledgeFunctionFindings, assertSameEnvironment, STREAM_INVOKED } from './constructs/checks.js';
import type { CommonProps } from './constructs/common.js';
import { RefundGatePropsError } from './constructs/errors.js';
import type { FunctionName } from './constructs/function.js';
import { InboundRouting, INGEST_TABLE_ACTIONS } from './constructs/inbound-routing.js';
import { InsiderDetection, INSIDER_TABLE_ACTIONS } from './constructs/insider-detection.js';
import { RefundGateMonitoring, type RefundGateAlarms } from './constructs/monitoring.js';
import { pinLogicalId } from './constructs/names.js';
import { ALARMS_UNROUTED, type RefundGateProps } from './refund-gate-props.js';
import { checkProducerBindings, PRINCIPAL_ARN, ProducerGuards, PRODUCERS_UNBOUND, producersMissingError, type ProducerBindings } from './constructs/producers.js';
import { ReviewDecisions } from './constructs/review-decisions.js';
import { OutboxPublisher } from './constructs/outbox-publisher.js';
import { effectiveSettings } from './constructs/settings.js';
import { EvidenceArchive } from './constructs/evidence-archive.js';
import { TableStreamConsumers } from './constructs/stream-consumers.js';
import { RefundGateTable } from './constructs/table.js';
import { SWEEPER_TABLE_ACTIONS, TimerSweeper } from './constructs/timer-sweeper.js';

export { RefundGatePropsError } from './constructs/errors.js';
export { FUNCTION_NAMES, BUNDLING, type FunctionName } from './constructs/function.js';
export { STREAM_CONSUMER, type StreamConsumerOptions } from './constructs/stream-consumers.js';
export type { RefundGateAlarms } from './constructs/monitoring.js';
export type { RefundGateSettings } from './constructs/settings.js';
export { PRODUCERS_UNBOUND, type ProducerBindings } from './constructs/producers.js';
export { ALARMS_UNROUTED, type RefundGateProps } from './refund-gate-props.js';

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
  /** The decision path: the only principal that may put ReviewDecided. */
  public readonly decisionFunction: nodejs.NodejsFunction;
  /** Its IAM-authenticated endpoint (`refund-gate decide --decision-url`). */
  public readonly decisionUrl: string;
  /** The producer bindings in force, or 'unbound' when waived. */
  public readonly producers: ReadonlyMap<DetailType, readonly string[]> | typeof PRODUCERS_UNBOUND;
  /** The bus-policy statements binding producers (ReviewDecided always, the others unless waived). */
  public readonly producerGuards: ProducerGuards;

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
    const common = commonPropsOf(id, props);
    const { alarmAction, bindings } = checkedProps(props);
    this.settings = effectiveSettings(props.settings, 'RefundGate: settings');
    this.eventBus = props.eventBus;
    const sources = this.settings['sources'] as Readonly<Record<DetailType, string>>;

    const table = new RefundGateTable(this, 'Table', { removalPolicy: common.removalPolicy, deletionProtection: props.deletionProtection ?? true });
    common.pin(table.table, 'Table');
    this.table = table.table;
    const { inbound, outbox, insider, sweeper } = this.createPipeline(props, common);
    const { streams, archive } = this.createStreamConsumers(props, common, outbox, insider);
    this.evidenceArchiveBucket = archive.bucket;
    this.archiverFunction = archive.archiverFunction;
    const decision = new ReviewDecisions(this, 'Decision', { ...common, eventBus: props.eventBus, table: this.table, settings: this.settings, source: sources.ReviewDecided });
    this.decisionFunction = decision.decisionFunction;
    this.decisionUrl = decision.functionUrl.url;
    const monitoring = this.createMonitoring(props, alarmAction, { inbound, outbox, insider, sweeper, streams, archive, decision });
    prepareWriters(props, { inbound, outbox, insider, sweeper, archive });

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
    if (props.schemaRegistry ?? true) this.schemaRegistry = new ContractSchemaRegistry(this, 'ContractSchemas', { sources });
    if (props.carrierWebhooks) this.carrierWebhooks = this.createCarrierWebhooks(props.carrierWebhooks, props.eventBus, sources, common, monitoring, inbound);

    // Contract §6: only refund-gate's writers write its table (analysts may read), and only bound producers put inbound events.
    table.restrictWrites([inbound.ingestFunction, sweeper.sweeperFunction, insider.insiderFunction].map((fn) => fn.role!.roleArn), props.analystRoleArns ?? []);
    this.producers = bindings === PRODUCERS_UNBOUND ? bindings : this.boundPrincipals(bindings);
    const guarded = new Map<DetailType, readonly string[]>(this.producers === PRODUCERS_UNBOUND ? [] : this.producers);
    guarded.set('ReviewDecided', [this.decisionFunction.role!.roleArn]);
    this.producerGuards = new ProducerGuards(this, 'ProducerGuards', { eventBus: props.eventBus, sources, principals: guarded, after: outbox.outboundSourceGuard });
    this.acknowledgeFindings();
  }

  /** The pipeline's functions with what feeds them: inbound routing, the outbox publisher, insider detection, the timer sweeper. */
  private createPipeline(props: RefundGateProps, common: CommonProps): Pick<Parts, 'inbound' | 'outbox' | 'insider' | 'sweeper'> {
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
    return { inbound, outbox, insider, sweeper };
  }

  /** Every stream mapping, made here through one construct: defaults, options seam, grants, failure bucket; and the evidence archive it feeds. */
  private createStreamConsumers(
    props: RefundGateProps,
    common: CommonProps,
    outbox: OutboxPublisher,
    insider: InsiderDetection,
  ): { streams: TableStreamConsumers; archive: EvidenceArchive } {
    const streams = new TableStreamConsumers(this, 'Streams', { ...common, table: this.table, legacyScope: this });
    streams.consume(outbox.publisherFunction, 'publisher', props.streamConsumers?.publisher);
    streams.consume(insider.insiderFunction, 'insider', props.streamConsumers?.insider);
    // Closed returns' evidence, batched into S3 at archive prices (docs/maintainers/cost.md).
    const archive = new EvidenceArchive(this, 'Archive', common);
    streams.consume(archive.archiverFunction, 'archiver');
    return { streams, archive };
  }

  /** The alarms and the dashboard over every function, queue, rule and the failure bucket. */
  private createMonitoring(
    props: RefundGateProps,
    alarmAction: cloudwatch.IAlarmAction | undefined,
    parts: Pick<Parts, 'inbound' | 'outbox' | 'insider' | 'sweeper' | 'streams'> & { archive: EvidenceArchive; decision: ReviewDecisions },
  ): RefundGateMonitoring {
    const { inbound, outbox, insider, sweeper, streams, archive, decision } = parts;
    return new RefundGateMonitoring(this, 'Monitoring', {
      functions: { ingest: inbound.ingestFunction, publisher: outbox.publisherFunction, sweeper: sweeper.sweeperFunction, insider: insider.insiderFunction },
      archiver: archive.archiverFunction,
      decision: decision.decisionFunction,
      queues: { rejected: inbound.rejectedQueue, ingestFailure: inbound.ingestFailureQueue, sweepFailure: sweeper.sweepFailureQueue },
      streamFailureBucket: streams.failureBucket,
      inboundRules: Object.values(inbound.rules),
      eventBusName: props.eventBus.eventBusName,
      sweeperSchedule: sweeper.schedule,
      alarmAction,
      reviewsPerHourThreshold: props.reviewsPerHourThreshold,
    });
  }

  /** The carrier webhook endpoint, with the UPS silence alarm over the return rules when asked for. */
  private createCarrierWebhooks(
    options: NonNullable<RefundGateProps['carrierWebhooks']>,
    eventBus: events.IEventBus,
    sources: Readonly<Record<DetailType, string>>,
    common: CommonProps,
    monitoring: RefundGateMonitoring,
    inbound: InboundRouting,
  ): CarrierWebhooks {
    const { upsSilence, ...hooks } = options;
    return new CarrierWebhooks(this, 'CarrierWebhooks', {
      ...hooks,
      eventBus,
      source: sources['CarrierScan'],
      alarmFactory: monitoring.alarmFactory,
      removalPolicy: common.removalPolicy,
      logRetention: common.logRetention,
      ...(upsSilence
        ? { upsSilence: { after: upsSilence, returnRules: [inbound.rules.ReturnAuthorized, inbound.rules.WarehouseReceipt], eventBusName: eventBus.eventBusName } }
        : {}),
    });
  }

  /** The cdk-nag findings every function raises, acknowledged with why each does not apply. */
  private acknowledgeFindings(): void {
    acknowledgeFunctionFindings([
      [this.ingestFunction, 'invoked asynchronously by EventBridge; failures go to the on-failure destination (ingestFailureQueue), which carries the request and error context a DLQ would lose'],
      [this.sweeperFunction, 'invoked asynchronously by the schedule; failures go to the on-failure destination (sweepFailureQueue), which carries the request and error context a DLQ would lose'],
      [this.publisherFunction, STREAM_INVOKED],
      [this.insiderFunction, STREAM_INVOKED],
      [this.archiverFunction, STREAM_INVOKED],
    ]);
  }

  /** The operator's bindings, with the webhook function's role added to CarrierScan when the endpoint is on. */
  private boundPrincipals(bindings: ProducerBindings): Map<DetailType, readonly string[]> {
    const out = new Map<DetailType, readonly string[]>();
    for (const [detailType, arns] of Object.entries(bindings) as Array<[DetailType, readonly string[]]>) out.set(detailType, [...arns]);
    if (this.carrierWebhooks) out.set('CarrierScan', [...(out.get('CarrierScan') ?? []), this.carrierWebhooks.function.role!.roleArn]);
    return out;
  }
}

type Parts = RefundGate['parts'];

/** What every part is built with: one removal policy, one log retention, stateful ids pinned to `<id><Name>`. */
function commonPropsOf(id: string, props: RefundGateProps): CommonProps {
  const idPrefix = id.replace(/[^A-Za-z0-9]/g, '') || 'RefundGate';
  return {
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    pin: (construct: IConstruct, name: string) => pinLogicalId(construct, `${idPrefix}${name}`),
  };
}

/**
 * The props a deployment gets wrong before anything is built, checked in this
 * order: the alarm action to use (undefined when paging is waived) and the producer bindings.
 */
function checkedProps(props: RefundGateProps): { alarmAction: cloudwatch.IAlarmAction | undefined; bindings: ProducerBindings | typeof PRODUCERS_UNBOUND } {
  for (const [key, value] of Object.entries({ sweeperReservedConcurrency: props.sweeperReservedConcurrency, ingestReservedConcurrency: props.ingestReservedConcurrency })) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw new RefundGatePropsError(`RefundGate: ${key}: expected a whole number ≥ 0, got ${value}`);
  }
  const retentionProblem = props.tableRetentionDays === undefined ? undefined : retentionDaysProblem(props.tableRetentionDays);
  if (retentionProblem !== undefined) throw new RefundGatePropsError(`RefundGate: tableRetentionDays: ${retentionProblem}`);
  if (props.reviewsPerHourThreshold !== undefined && !(Number.isFinite(props.reviewsPerHourThreshold) && props.reviewsPerHourThreshold > 0)) {
    throw new RefundGatePropsError(`RefundGate: reviewsPerHourThreshold: expected a positive number, got ${props.reviewsPerHourThreshold}`);
  }
  if (props.alarmAction === undefined) {
    throw new RefundGatePropsError(`alarmTopicArn: required: the on-call topic every alarm notifies, or ${ALARMS_UNROUTED} to waive paging explicitly (docs/operators/alarms.md)`);
  }
  const alarmAction = props.alarmAction === ALARMS_UNROUTED ? undefined : props.alarmAction;
  if (props.producers === undefined) throw producersMissingError();
  const bindings = props.producers === PRODUCERS_UNBOUND ? PRODUCERS_UNBOUND : checkProducerBindings(props.producers, props.carrierWebhooks ? ['CarrierScan'] : []);
  for (const arn of props.analystRoleArns ?? []) if (!PRINCIPAL_ARN.test(arn)) throw new RefundGatePropsError(`analystRoleArns: not an IAM role or user ARN: ${JSON.stringify(arn)}`);
  return { alarmAction, bindings };
}

/**
 * The functions that write items get their time to live (shared/store/table.ts), and are
 * updated after the ones that read. Upgrade order (expand, then contract): CloudFormation updates
 * the functions that read items and stream images (publisher, insider, archiver) before the ones
 * that write return items (ingest, sweeper), so a record in a newer item format never reaches older
 * reader code, and a rollback undoes the writers first. See docs/operators/deploy.md, "Upgrading".
 */
function prepareWriters(props: RefundGateProps, parts: Pick<Parts, 'inbound' | 'outbox' | 'insider' | 'sweeper'> & { archive: EvidenceArchive }): void {
  const { inbound, outbox, insider, sweeper, archive } = parts;
  const retentionDays = String(props.tableRetentionDays ?? DEFAULT_RETENTION_DAYS);
  for (const fn of [inbound.ingestFunction, sweeper.sweeperFunction, insider.insiderFunction]) fn.addEnvironment(ENV.tableRetentionDays, retentionDays);
  for (const writer of [inbound.ingestFunction, sweeper.sweeperFunction]) {
    writer.node.addDependency(outbox.publisherFunction, insider.insiderFunction, archive.archiverFunction);
  }
}
