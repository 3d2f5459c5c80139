import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';

/** What every part of {@link RefundGate} is built with: one removal policy, one log retention, one way to pin ids. */
export interface CommonProps {
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  /** Pins a stateful resource's logical id to `<RefundGate id><name>`, whatever its place in the tree. */
  readonly pin: (construct: IConstruct, name: string) => void;
}

/**
 * A terminal dead-letter queue: SSE, TLS only, 14 days. Its logical id is
 * pinned by name, so it survives refactors of the construct tree.
 */
export function deadLetterQueue(scope: Construct, name: string, purpose: string, common: CommonProps): sqs.Queue {
  const queue = new sqs.Queue(scope, name, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: common.removalPolicy,
  });
  common.pin(queue, name);
  for (const rule of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
    Validations.of(queue).acknowledge({
      id: rule,
      reason: `This queue is itself a terminal dead-letter queue (${purpose}); it is drained by an operator (docs/operators/alarms.md), not by a consumer that could fail.`,
    });
  }
  return queue;
}

/**
 * A queue as a Lambda on-failure destination, asynchronous or stream. Unlike
 * `SqsDestination`/`SqsDlq`, which grant `sqs:GetQueueAttributes` and
 * `sqs:GetQueueUrl` as well, the function gets `sqs:SendMessage` only: that
 * is all Lambda uses to deliver a failure record.
 */
export class SendOnlyQueue implements lambda.IDestination, lambda.IEventSourceDlq {
  public constructor(private readonly queue: sqs.IQueue) {}

  public bind(_scope: IConstruct, fn: lambda.IFunction): lambda.DestinationConfig & lambda.DlqDestinationConfig {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
    return { destination: this.queue.queueArn };
  }
}

/**
 * A bucket as a stream mapping's on-failure destination. Lambda writes the
 * whole failed batch there (records included, not only pointers into the
 * stream), which is why it replaces a queue. Unlike `S3OnFailureDestination`,
 * which grants read and write on the bucket, the function may only list the
 * bucket and put objects: what Lambda needs to deliver a failure.
 */
export class WriteOnlyBucket implements lambda.IEventSourceDlq {
  public constructor(private readonly bucket: s3.IBucket) {}

  public bind(_target: lambda.IEventSourceMapping, fn: lambda.IFunction): lambda.DlqDestinationConfig {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects('*')] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    return { destination: this.bucket.bucketArn };
  }
}
