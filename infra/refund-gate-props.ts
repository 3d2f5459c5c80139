import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { FacilityMapInput } from '../shared/carriers/facilities.js';
import type { PRODUCERS_UNBOUND, ProducerBindings } from './constructs/producers.js';
import type { RefundGateSettings } from './constructs/settings.js';
import type { StreamConsumerOptions } from './constructs/stream-consumers.js';

/** The explicit waiver of alarm notifications (`alarmAction: 'none'`, `-c alarmTopicArn=none`), stated in the stack's outputs. */
export const ALARMS_UNROUTED = 'none';

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
   * `SnsAction` on the on-call topic). Required: `'none'` waives it
   * explicitly (the alarms then page nobody).
   */
  readonly alarmAction?: cloudwatch.IAlarmAction | typeof ALARMS_UNROUTED;

  /**
   * Who may put each inbound detail-type on the bus (contract §6): the bus
   * policy denies `PutEvents` of that detail-type, or of its configured
   * source, to every other principal. Required: `'unbound'` waives it
   * explicitly. ReviewDecided is bound to the decision function, and
   * CarrierScan to the webhook function when `carrierWebhooks` is on.
   */
  readonly producers?: ProducerBindings | typeof PRODUCERS_UNBOUND;

  /**
   * Roles (of this or another account) the table's resource policy lets read
   * items, for the analysts' tools (docs/analysts/tools.md).
   *
   * @default - none: reads follow identity policies of this account only
   */
  readonly analystRoleArns?: readonly string[];

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
