import { Duration, Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { STREAM_BATCHING_WINDOW_SECONDS, STREAM_FILTERS, type StreamConsumerName } from '../../shared/routing.js';
import { WriteOnlyBucket, type CommonProps } from './common.js';
import { pathBelowRoot, pathBelowStack, pinLogicalId, uniqueIdOf } from './names.js';

/**
 * How every consumer reads the table's stream. Retries are bounded and the
 * record age is capped at 6 hours, so a poison record is parked, whole, in
 * the failure bucket instead of blocking its shard until the stream's
 * 24-hour retention drops it.
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
 * What a deployment may tune per consumer (filter criteria, batching
 * window, batch size, retries, …). Partial batch responses, the starting
 * position and the on-failure bucket are not negotiable: they are what
 * keeps a record from being lost or skipped.
 */
export type StreamConsumerOptions = Pick<
  lambda.EventSourceMappingOptions,
  'batchSize' | 'maxBatchingWindow' | 'filters' | 'bisectBatchOnError' | 'retryAttempts' | 'maxRecordAge' | 'parallelizationFactor' | 'metricsConfig'
>;

export interface TableStreamConsumersProps extends CommonProps {
  readonly table: dynamodb.Table;
  /**
   * The construct whose path the mappings' logical ids were derived from
   * before the split (RefundGate): the ids stay as they were, so CloudFormation
   * updates the mappings in place and they keep their position in the stream.
   */
  readonly legacyScope: IConstruct;
  /**
   * How long failed batches are kept in the failure bucket.
   *
   * @default Duration.days(90)
   */
  readonly failureRetention?: Duration;
}

/**
 * Every mapping of the table's stream in one place: the defaults above, the
 * per-consumer options seam, least-privilege stream grants and the S3
 * bucket that keeps each failed batch whole (Lambda writes the records
 * themselves there, with the error context, not pointers into a stream
 * that forgets them after 24 hours).
 */
export class TableStreamConsumers extends Construct {
  /** Failed stream batches, one JSON object per failure: the invocation record and the records themselves. */
  public readonly failureBucket: s3.Bucket;
  /** The mappings, by consumer name. */
  public readonly mappings = new Map<string, lambda.EventSourceMapping>();

  private readonly table: dynamodb.Table;
  private readonly legacyScope: IConstruct;

  public constructor(scope: Construct, id: string, props: TableStreamConsumersProps) {
    super(scope, id);
    this.table = props.table;
    this.legacyScope = props.legacyScope;
    const retention = props.failureRetention ?? Duration.days(90);
    this.failureBucket = new s3.Bucket(this, 'FailureBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
      // Request metrics for the whole bucket: the alarm on new failures watches PutRequests.
      metrics: [{ id: STREAM_FAILURE_METRICS_FILTER }],
      lifecycleRules: [
        { id: 'expire-failed-batches', expiration: retention, noncurrentVersionExpiration: Duration.days(7), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    props.pin(this.failureBucket, 'StreamFailureBucket');
    Validations.of(this.failureBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the stream consumers write here (s3:PutObject, asserted in test/infra); reads are an operator redrive. CloudTrail records both; an access-log bucket would be a second bucket to secure for no added audit.',
    });
  }

  /**
   * Attach `fn` to the table's stream with the defaults, `options` on top.
   * `name` is the consumer's function name (`publisher`, `insider`), used for
   * the mapping's pinned logical id.
   */
  public consume(fn: lambda.Function, name: string, options: StreamConsumerOptions = {}): lambda.EventSourceMapping {
    const title = name.charAt(0).toUpperCase() + name.slice(1);
    const legacyId = `DynamoDBEventSource:${uniqueIdOf([...pathBelowRoot(this.legacyScope), 'Table'])}`;
    const mapping = fn.addEventSourceMapping(legacyId, {
      ...STREAM_CONSUMER,
      ...consumerDefaults(name),
      ...options,
      eventSourceArn: this.table.tableStreamArn!,
      onFailure: new WriteOnlyBucket(this.failureBucket),
      supportS3OnFailureDestination: true,
    });
    // The id CDK gave this mapping while it was created by DynamoEventSource directly under RefundGate.
    pinLogicalId(mapping, uniqueIdOf([...pathBelowStack(this.legacyScope), `${title}Function`, legacyId, 'Resource']));
    // What the mapping needs, on this table's streams only (the CDK's own grant adds dynamodb:ListStreams on "*").
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], resources: [this.table.tableStreamArn!] }),
    );
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: [`${this.table.tableArn}/stream/*`] }));
    const logicalId = (c: IConstruct) => Stack.of(this).resolve((c.node.defaultChild as CfnResource).logicalId) as string;
    Validations.of(fn.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId(this.table)}.Arn>/stream/*]`,
      reason:
        "dynamodb:ListStreams names this table's streams (table/<name>/stream/*): a stream ARN ends in a label that changes whenever the stream is re-enabled, so it cannot be named exactly.",
    });
    Validations.of(fn.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId(this.failureBucket)}.Arn>/*]`,
      reason: 'Lambda writes each failed batch as a new object whose key it chooses (s3:PutObject only, no read, no delete): the objects of the failure bucket cannot be named in advance.',
    });
    this.mappings.set(name, mapping);
    return mapping;
  }
}

/**
 * The filter criteria and batching window of refund-gate's own consumers,
 * from the routing table the local runtime applies too (shared/routing.ts):
 * a record without the consumer's marker never invokes it.
 */
export function consumerDefaults(name: string): StreamConsumerOptions {
  if (name !== 'publisher' && name !== 'insider' && name !== 'archiver') return {};
  const consumer: StreamConsumerName = name;
  return {
    filters: STREAM_FILTERS[consumer].map((pattern) => ({ pattern: JSON.stringify(pattern) })),
    maxBatchingWindow: Duration.seconds(STREAM_BATCHING_WINDOW_SECONDS[consumer]),
    // The archive writes one object per batch: fewer, larger objects.
    ...(consumer === 'archiver' ? { batchSize: 1000 } : {}),
  };
}

/** The id of the bucket's request-metrics filter (CloudWatch dimension `FilterId`). */
export const STREAM_FAILURE_METRICS_FILTER = 'EntireBucket';
