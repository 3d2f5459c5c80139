import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { RefundGate, RefundGatePropsError, type RefundGateProps } from './refund-gate.js';

/** The bus name used when neither `eventBusName` nor `eventBusArn` is given. */
export const DEFAULT_EVENT_BUS_NAME = 'default';

export interface RefundGateStackProps extends StackProps, Omit<RefundGateProps, 'eventBus' | 'reviewTopic' | 'alarmAction'> {
  /**
   * Name of the existing event bus in this account and region.
   *
   * @default 'default' (the account's default bus), unless `eventBusArn` is given
   */
  readonly eventBusName?: string;

  /**
   * ARN of the existing event bus (same account and region as the stack). Give this or `eventBusName`, not both.
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
   * ARN of an SNS topic (for example the on-call topic) that every alarm notifies on ALARM and OK.
   *
   * @default - alarms without actions
   */
  readonly alarmTopicArn?: string;
}

/** Composes {@link RefundGate} on an imported bus and exports what operators need. Nothing else lives here. */
export class RefundGateStack extends Stack {
  public readonly refundGate: RefundGate;

  public constructor(scope: Construct, id: string, props: RefundGateStackProps = {}) {
    super(scope, id, props);
    const { eventBusName, eventBusArn, reviewTopicArn, alarmTopicArn, ...settingsAndPolicy } = props;
    if (eventBusName !== undefined && eventBusArn !== undefined) {
      throw new RefundGatePropsError('RefundGateStack: give eventBusName or eventBusArn, not both');
    }
    const eventBus = eventBusArn
      ? events.EventBus.fromEventBusArn(this, 'EventBus', eventBusArn)
      : events.EventBus.fromEventBusName(this, 'EventBus', eventBusName ?? DEFAULT_EVENT_BUS_NAME);

    this.refundGate = new RefundGate(this, 'RefundGate', {
      sources: settingsAndPolicy.sources,
      skew: settingsAndPolicy.skew,
      grace: settingsAndPolicy.grace,
      maxHold: settingsAndPolicy.maxHold,
      orphanTimeout: settingsAndPolicy.orphanTimeout,
      threshold: settingsAndPolicy.threshold,
      window: settingsAndPolicy.window,
      flagFor: settingsAndPolicy.flagFor,
      removalPolicy: settingsAndPolicy.removalPolicy,
      deletionProtection: settingsAndPolicy.deletionProtection,
      logRetention: settingsAndPolicy.logRetention,
      reviewsPerHourThreshold: settingsAndPolicy.reviewsPerHourThreshold,
      eventBus,
      reviewTopic: reviewTopicArn ? sns.Topic.fromTopicArn(this, 'ReviewTopic', reviewTopicArn) : undefined,
      alarmAction: alarmTopicArn ? new cwActions.SnsAction(sns.Topic.fromTopicArn(this, 'AlarmTopic', alarmTopicArn)) : undefined,
    });

    const gate = this.refundGate;
    new CfnOutput(this, 'TableName', { value: gate.table.tableName, description: 'DynamoDB table (one item per return)' });
    new CfnOutput(this, 'ReviewTopicArn', { value: gate.reviewTopic.topicArn, description: 'Subscribe reviewers here (filter on reason/severity)' });
    new CfnOutput(this, 'RejectedQueueUrl', { value: gate.rejectedQueue.queueUrl, description: 'Invalid inbound events, with the error' });
    new CfnOutput(this, 'IngestFailureQueueUrl', { value: gate.ingestFailureQueue.queueUrl, description: 'Inbound events not processed' });
    new CfnOutput(this, 'StreamFailureQueueUrl', { value: gate.streamFailureQueue.queueUrl, description: 'Stream batches not published' });
    new CfnOutput(this, 'SweepFailureQueueUrl', { value: gate.sweepFailureQueue.queueUrl, description: 'Timer sweeps that failed' });
    new CfnOutput(this, 'IngestFunctionName', { value: gate.ingestFunction.functionName, description: 'Re-drive target for dead-lettered inbound events' });
    new CfnOutput(this, 'DashboardName', { value: gate.dashboard.dashboardName, description: 'CloudWatch dashboard' });
  }
}
