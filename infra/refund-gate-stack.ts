import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { CarrierWebhooks } from './constructs/carrier-webhooks.js';
import { RefundGatePropsError } from './constructs/errors.js';
import { ALARMS_UNROUTED, PRODUCERS_UNBOUND, RefundGate, type RefundGateProps } from './refund-gate.js';
import type { ProviderName } from '../shared/carriers/provider.js';

/** The bus name used when neither `eventBusName` nor `eventBusArn` is given. */
export const DEFAULT_EVENT_BUS_NAME = 'default';

/** The shapes of the ARNs the stack accepts (partition, region, 12-digit account, resource). */
export const ARN_PATTERNS = {
  eventBusArn: /^arn:aws[a-z-]*:events:[a-z]{2}(-[a-z]+)+-\d:\d{12}:event-bus\/[A-Za-z0-9._\-/]{1,256}$/,
  reviewTopicArn: /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/,
  alarmTopicArn: /^(arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?|none)$/,
  reviewTopicKeyArn: /^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/[A-Za-z0-9-]{1,128}$/,
} as const;

/** An event bus name (EventBridge's own rule), or `default`. */
export const EVENT_BUS_NAME_PATTERN = /^[A-Za-z0-9._\-/]{1,256}$/;

export interface RefundGateStackProps extends StackProps, Omit<RefundGateProps, 'eventBus' | 'reviewTopic' | 'reviewTopicKey' | 'alarmAction'> {
  /**
   * Name of the existing event bus in this account and region.
   *
   * @default 'default' (the account's default bus), unless `eventBusArn` is given
   */
  readonly eventBusName?: string;

  /**
   * ARN of the existing event bus. Its account and region must be the
   * stack's (which must therefore be known at synth); give this or
   * `eventBusName`, not both.
   *
   * @default - the bus named by `eventBusName`
   */
  readonly eventBusArn?: string;

  /**
   * ARN of an existing SNS topic for review messages.
   *
   * @default - a new topic encrypted with a new customer-managed KMS key
   */
  readonly reviewTopicArn?: string;

  /**
   * ARN of the customer-managed KMS key `reviewTopicArn` is encrypted with; the publisher is granted its use.
   *
   * @default - the topic is taken to be unencrypted or encrypted with the AWS managed key
   */
  readonly reviewTopicKeyArn?: string;

  /**
   * ARN of an SNS topic (for example the on-call topic) that every alarm
   * notifies on ALARM and OK. Required; `none` waives paging explicitly
   * (stated in the `AlarmNotifications` output).
   */
  readonly alarmTopicArn?: string;
}

/** Composes {@link RefundGate} on an imported bus and exports what operators need. Nothing else lives here. */
export class RefundGateStack extends Stack {
  public readonly refundGate: RefundGate;

  public constructor(scope: Construct, id: string, props: RefundGateStackProps = {}) {
    super(scope, id, props);
    checkStackProps(props);
    const { eventBusName, eventBusArn, reviewTopicArn, reviewTopicKeyArn, alarmTopicArn } = props;
    const eventBus = eventBusArn
      ? events.EventBus.fromEventBusArn(this, 'EventBus', eventBusArn)
      : events.EventBus.fromEventBusName(this, 'EventBus', eventBusName ?? DEFAULT_EVENT_BUS_NAME);

    this.refundGate = new RefundGate(this, 'RefundGate', {
      settings: props.settings,
      protectOutboundSource: props.protectOutboundSource,
      removalPolicy: props.removalPolicy,
      deletionProtection: props.deletionProtection,
      logRetention: props.logRetention,
      tableRetentionDays: props.tableRetentionDays,
      reviewsPerHourThreshold: props.reviewsPerHourThreshold,
      sweeperReservedConcurrency: props.sweeperReservedConcurrency,
      ingestReservedConcurrency: props.ingestReservedConcurrency,
      streamConsumers: props.streamConsumers,
      carrierWebhooks: props.carrierWebhooks,
      schemaRegistry: props.schemaRegistry,
      producers: props.producers,
      analystRoleArns: props.analystRoleArns,
      eventBus,
      reviewTopic: reviewTopicArn ? sns.Topic.fromTopicArn(this, 'ReviewTopic', reviewTopicArn) : undefined,
      reviewTopicKey: reviewTopicKeyArn ? kms.Key.fromKeyArn(this, 'ReviewTopicKey', reviewTopicKeyArn) : undefined,
      alarmAction:
        alarmTopicArn === undefined || alarmTopicArn === ALARMS_UNROUTED ? alarmTopicArn : new cwActions.SnsAction(sns.Topic.fromTopicArn(this, 'AlarmTopic', alarmTopicArn)),
    });
    this.addOutputs(eventBus, alarmTopicArn);
  }

  /** What operators need from a deployment, as stack outputs (their ids are part of the stack's interface). */
  private addOutputs(eventBus: events.IEventBus, alarmTopicArn: string | undefined): void {
    const gate = this.refundGate;
    new CfnOutput(this, 'TableName', { value: gate.table.tableName, description: 'DynamoDB table (one item per return)' });
    new CfnOutput(this, 'EventBusArn', { value: eventBus.eventBusArn, description: 'The bus refund-gate reads from and publishes RefundReleased/RefundDenied to' });
    new CfnOutput(this, 'PublisherRoleArn', {
      value: gate.publisherFunction.role!.roleArn,
      description: 'The only principal allowed to put events with source refund-gate on the bus',
    });
    new CfnOutput(this, 'ReviewTopicArn', { value: gate.reviewTopic.topicArn, description: 'Subscribe reviewers here (filter on reason/severity)' });
    new CfnOutput(this, 'RejectedQueueUrl', { value: gate.rejectedQueue.queueUrl, description: 'Invalid inbound events, with the error' });
    new CfnOutput(this, 'IngestFailureQueueUrl', { value: gate.ingestFailureQueue.queueUrl, description: 'Inbound events not processed' });
    new CfnOutput(this, 'StreamFailureBucketName', { value: gate.streamFailureBucket.bucketName, description: 'Stream batches not published, kept whole' });
    new CfnOutput(this, 'EvidenceArchiveBucketName', {
      value: gate.evidenceArchiveBucket.bucketName,
      description: 'Closed returns\' evidence (2 years): refund-gate explain --archive-bucket reads it',
    });
    new CfnOutput(this, 'SweepFailureQueueUrl', { value: gate.sweepFailureQueue.queueUrl, description: 'Timer sweeps that failed' });
    new CfnOutput(this, 'IngestFunctionName', { value: gate.ingestFunction.functionName, description: 'Re-drive target for dead-lettered inbound events' });
    new CfnOutput(this, 'PublisherFunctionName', { value: gate.publisherFunction.functionName, description: 'Re-drive target for failed stream batches' });
    if (gate.carrierWebhooks) this.addCarrierWebhookOutputs(gate.carrierWebhooks);
    new CfnOutput(this, 'ProducerBindings', {
      value:
        gate.producers === PRODUCERS_UNBOUND
          ? 'UNBOUND (waived): any principal allowed events:PutEvents on the bus can put ReturnAuthorized, CarrierScan, WarehouseReceipt and RefundRequested'
          : [...gate.producers.entries()].map(([detailType, arns]) => `${detailType}: ${arns.length} principal(s)`).join('; '),
      description: 'Who may put each inbound detail-type (the bus policy); ReviewDecided only through the decision function',
    });
    new CfnOutput(this, 'AlarmNotifications', {
      value: alarmTopicArn === ALARMS_UNROUTED ? 'NONE (waived): alarms notify nobody' : (alarmTopicArn ?? ''),
      description: 'Where every alarm sends ALARM and OK',
    });
    new CfnOutput(this, 'DecisionUrl', { value: gate.decisionUrl, description: 'refund-gate decide --decision-url: the IAM-authenticated decision endpoint' });
    new CfnOutput(this, 'DecisionFunctionArn', { value: gate.decisionFunction.functionArn, description: "The reviewers' policy allows lambda:InvokeFunctionUrl (and InvokeFunction via the URL) on this" });
    new CfnOutput(this, 'DashboardName', { value: gate.dashboard.dashboardName, description: 'CloudWatch dashboard' });
  }

  /** Each provider's webhook URL and secret, and the webhook dead-letter queue. */
  private addCarrierWebhookOutputs(hooks: CarrierWebhooks): void {
    // Output ids are part of the stack's interface: the names below stay as they were for EasyPost and AfterShip.
    const outputs: ReadonlyArray<[ProviderName, string, string]> = [
      ['easypost', 'EasyPost', 'Register in EasyPost (Webhooks) with the secret below'],
      ['aftership', 'AfterShip', 'Register in AfterShip (Notifications → Webhooks)'],
      ['ups', 'Ups', 'The destination url of UPS Track Alert subscriptions; the credential is the secret below'],
      ['shippo', 'Shippo', 'Register in Shippo (track_updated webhook); its HMAC secret goes below'],
    ];
    for (const [provider, title, description] of outputs) {
      new CfnOutput(this, `${title}WebhookUrl`, { value: hooks.endpointFor(provider), description });
      new CfnOutput(this, `${title}SecretArn`, { value: hooks.secrets[provider].secretArn, description: `Put the ${title} webhook secret here (at least 32 bytes)` });
    }
    new CfnOutput(this, 'CarrierWebhookDeadLetterQueueUrl', { value: hooks.deadLetterQueue.queueUrl, description: 'Scans that could not be put on the bus' });
  }
}

/** The stack's own props, checked before anything is built: one bus, well-formed ARNs and bus name, a key only with its topic. */
function checkStackProps(props: RefundGateStackProps): void {
  const { eventBusName, eventBusArn, reviewTopicArn, reviewTopicKeyArn } = props;
  if (eventBusName !== undefined && eventBusArn !== undefined) {
    throw new RefundGatePropsError('eventBusName, eventBusArn: give one, not both');
  }
  for (const [key, pattern] of Object.entries(ARN_PATTERNS)) {
    const value = props[key as keyof typeof ARN_PATTERNS];
    if (value !== undefined && !pattern.test(value)) throw new RefundGatePropsError(`${key}: not a valid ARN of that kind: ${JSON.stringify(value)}`);
  }
  if (eventBusName !== undefined && !EVENT_BUS_NAME_PATTERN.test(eventBusName)) {
    throw new RefundGatePropsError(`eventBusName: not a valid event bus name: ${JSON.stringify(eventBusName)}`);
  }
  if (reviewTopicKeyArn !== undefined && reviewTopicArn === undefined) {
    throw new RefundGatePropsError('reviewTopicKeyArn: only meaningful with reviewTopicArn (the new topic gets its own key)');
  }
}
