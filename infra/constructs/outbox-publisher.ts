import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ENV } from '../../shared/app/environment.js';
import { OUTBOUND_SOURCE } from '../../shared/contract/config.js';
import { OUTBOUND_DETAIL_TYPES } from '../../shared/contract/outbound.js';
import type { CommonProps } from './common.js';
import { createRefundGateFunction } from './function.js';
import { busDenyStatement } from './producers.js';

export interface OutboxPublisherProps extends CommonProps {
  /** The bus `RefundReleased`/`RefundDenied` go to: in this stack's account and region. */
  readonly eventBus: events.IEventBus;
  /** @default - a new topic encrypted with a new customer-managed KMS key (rotation on) */
  readonly reviewTopic?: sns.ITopic;
  /** The KMS key of an existing `reviewTopic`, when the topic does not carry it (`Topic.fromTopicArn`). */
  readonly reviewTopicKey?: kms.IKey;
  /** @default true */
  readonly protectOutboundSource?: boolean;
}

/**
 * The outbox publisher: reads each table write's pending effects from the
 * stream (the mapping is made by {@link TableStreamConsumers}) and publishes
 * reviews to the SNS topic and decisions to the bus, as source
 * `refund-gate`. It also guards that source on the bus: only this
 * function's role may put events with it (contract §4, outbound integrity).
 */
export class OutboxPublisher extends Construct {
  public readonly publisherFunction: nodejs.NodejsFunction;
  public readonly reviewTopic: sns.ITopic;
  /** The key of the review topic this construct created; undefined when `reviewTopic` was given. */
  public readonly reviewTopicKey?: kms.Key;
  /** The bus-policy statement that reserves the source `refund-gate` to the publisher; undefined when opted out. */
  public readonly outboundSourceGuard?: events.CfnEventBusPolicy;

  public constructor(scope: Construct, id: string, props: OutboxPublisherProps) {
    super(scope, id);
    this.publisherFunction = createRefundGateFunction(this, 'publisher', props, {
      description: 'refund-gate: publishes the outbox of each table write to SNS and EventBridge',
      timeout: Duration.seconds(60),
      // PutEvents accepts a bus name or ARN; the ARN says which account and region, so a wrong bus cannot be guessed at.
      environment: { [ENV.eventBusName]: props.eventBus.eventBusArn },
    });
    const role = this.publisherFunction.role!;

    if (props.reviewTopic) {
      this.reviewTopic = props.reviewTopic;
      this.publisherFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [props.reviewTopic.topicArn] }));
      const key = props.reviewTopicKey ?? props.reviewTopic.masterKey;
      if (key) {
        // SNS encrypts with the caller's permissions: the key's policy must also allow IAM policies of this account.
        this.publisherFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }));
      }
    } else {
      const key = new kms.Key(this, 'ReviewTopicKey', {
        description: 'refund-gate: encrypts review messages on the SNS topic',
        enableKeyRotation: true,
        removalPolicy: props.removalPolicy,
      });
      // The key policy names the publisher's role and only through SNS: nothing else can use the key to read reviews.
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowRefundGatePublisherThroughSns',
          principals: [new iam.ArnPrincipal(role.roleArn)],
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: ['*'],
          conditions: { StringEquals: { 'kms:ViaService': `sns.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
      props.pin(key, 'ReviewTopicKey');
      const topic = new sns.Topic(this, 'ReviewTopic', { displayName: 'refund-gate reviews', masterKey: key, enforceSSL: true, signatureVersion: '2' });
      topic.applyRemovalPolicy(props.removalPolicy);
      props.pin(topic, 'ReviewTopic');
      this.publisherFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
      // Contract §6: a review or clearance on this topic comes from the publisher, never from anyone else in the account.
      topic.addToResourcePolicy(reviewTopicGuardStatement(topic.topicArn, role.roleArn));
      this.reviewTopic = topic;
      this.reviewTopicKey = key;
    }
    this.publisherFunction.addEnvironment(ENV.reviewTopicArn, this.reviewTopic.topicArn);

    // The publisher's side: PutEvents only with refund-gate's own source and outbound detail-types, so it cannot forge a producer's event.
    this.publisherFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [props.eventBus.eventBusArn],
        // Both keys are multivalued (one value per entry): every entry must carry refund-gate's source and an outbound detail-type.
        conditions: { 'ForAllValues:StringEquals': { 'events:source': [OUTBOUND_SOURCE], 'events:detail-type': Object.values(OUTBOUND_DETAIL_TYPES) } },
      }),
    );
    // The bus's side: nobody else may put an event with source refund-gate (a RefundReleased is worth money).
    if (props.protectOutboundSource ?? true) {
      // The L1 resource: EventBus.addToResourcePolicy does nothing on an imported bus (it only warns).
      this.outboundSourceGuard = new events.CfnEventBusPolicy(this, 'OutboundSourceGuard', {
        eventBusName: props.eventBus.eventBusName,
        statementId: outboundGuardStatementId(Stack.of(this).stackName),
        statement: outboundGuardStatement(props.eventBus.eventBusArn, role.roleArn).toJSON(),
      });
    }
  }
}

/**
 * Deny `events:PutEvents` with source `refund-gate` on the bus to every
 * principal but the publisher's role. An explicit deny in the bus's resource
 * policy wins over any identity policy, in this account or another.
 * `events:source` is multivalued (one value per entry of the call), hence
 * `ForAnyValue:StringEquals`: a call with one such entry is refused whole.
 */
export function outboundGuardStatement(eventBusArn: string, publisherRoleArn: string): iam.PolicyStatement {
  return busDenyStatement('RefundGateSourceOnlyFromPublisher', eventBusArn, 'events:source', OUTBOUND_SOURCE, [publisherRoleArn]);
}

/** Deny `sns:Publish` on the review topic to every principal but the publisher's role. */
export function reviewTopicGuardStatement(topicArn: string, publisherRoleArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ReviewsOnlyFromRefundGatePublisher',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['sns:Publish'],
    resources: [topicArn],
    conditions: { ArnNotEquals: { 'aws:PrincipalArn': publisherRoleArn } },
  });
}

/** Unique per stack, so two statements on one bus (say, a second stack) are visible as such. At most 64 characters. */
export function outboundGuardStatementId(stackName: string): string {
  const name = Token.isUnresolved(stackName) ? 'stack' : stackName.replace(/[^A-Za-z0-9_-]/g, '');
  return `refund-gate-source-guard-${name}`.slice(0, 64);
}
