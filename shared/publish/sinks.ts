import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { RefundGateError } from '../errors.js';
import type { OutboundMessage } from './messages.js';

/** Where outbound messages go: SNS and EventBridge in AWS, standard output in replay. */
export interface OutboundSink {
  send(message: OutboundMessage): Promise<void>;
}

/** A publish call failed (throttled, 5xx, or an entry EventBridge refused); the stream record is retried. */
export class PublishFailedError extends RefundGateError {
  public constructor(channel: string, effectId: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(`publishing ${effectId} to ${channel} failed`, { ...options, context: { channel, effectId, ...options.context } });
    this.name = 'PublishFailedError';
  }
}

export interface AwsSinkConfig {
  readonly sns: SNSClient;
  readonly eventBridge: EventBridgeClient;
  readonly reviewTopicArn: string;
  readonly eventBusName: string;
}

/** The AWS transport: review messages to SNS, refund decisions to the event bus. */
export class AwsOutboundSink implements OutboundSink {
  public constructor(private readonly config: AwsSinkConfig) {}

  public async send(message: OutboundMessage): Promise<void> {
    if (message.channel === 'sns') {
      try {
        await this.config.sns.send(
          new PublishCommand({
            TopicArn: this.config.reviewTopicArn,
            Message: JSON.stringify(message.message),
            MessageAttributes: Object.fromEntries(
              Object.entries(message.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
            ),
          }),
        );
      } catch (cause) {
        throw new PublishFailedError('sns', message.effectId, { cause });
      }
      return;
    }
    let failed: string | undefined;
    try {
      const out = await this.config.eventBridge.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: this.config.eventBusName,
              Source: message.source,
              DetailType: message.detailType,
              Detail: JSON.stringify(message.detail),
              Resources: [],
            },
          ],
        }),
      );
      if ((out.FailedEntryCount ?? 0) > 0) failed = out.Entries?.[0]?.ErrorCode ?? 'FailedEntry';
    } catch (cause) {
      throw new PublishFailedError('eventbridge', message.effectId, { cause });
    }
    if (failed) throw new PublishFailedError('eventbridge', message.effectId, { context: { errorCode: failed } });
  }
}
