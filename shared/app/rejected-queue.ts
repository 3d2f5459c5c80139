import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { RejectedSink, Rejection } from './ports.js';

/**
 * Invalid input goes straight to the dead-letter queue with its error attached:
 * retrying it would only fail again. The body keeps the event as received.
 */
export class SqsRejectedSink implements RejectedSink {
  public constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  public async reject(rejection: Rejection): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify({ error: rejection.error, errorType: rejection.errorType, field: rejection.field, event: rejection.input }),
        MessageAttributes: {
          errorType: { DataType: 'String', StringValue: rejection.errorType },
          field: { DataType: 'String', StringValue: rejection.field || '(none)' },
        },
      }),
    );
  }
}
