import { Duration, Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { CommonProps } from './common.js';
import { RefundGatePropsError } from './errors.js';
import { createRefundGateFunction } from './function.js';

export interface EvidenceArchiveProps extends CommonProps {
  /**
   * How long the evidence is kept (Object Lock, compliance mode: nobody, the
   * account's administrators and root included, can delete a version or
   * shorten its retention before then). At least 730 days.
   *
   * @default Duration.days(730)
   */
  readonly retention?: Duration;
  /** @default Duration.days(30) */
  readonly glacierAfter?: Duration;
}

/**
 * The evidence archive: a closed return's item images (facts, decisions,
 * effects), written from the table's stream by the archiver function (its
 * mapping, filtered on closed returns and batched for 300 s, is made by
 * TableStreamConsumers), one gzipped JSON-lines object per batch. The bucket
 * is encrypted, versioned, TLS only, locked against deletion for the
 * retention, and moves objects over 128 KB to Glacier Instant Retrieval
 * (millisecond reads: an investigation can still query them); smaller ones
 * are cheaper where they are. Design and prices:
 * docs/maintainers/cost.md.
 */
/** Glacier Instant Retrieval's minimum billable object size. */
export const GLACIER_IR_MINIMUM_BYTES = 128 * 1024;

/** Contract §6: the archive is write-once for at least two years. */
export const MINIMUM_RETENTION_DAYS = 730;

export class EvidenceArchive extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly archiverFunction: nodejs.NodejsFunction;

  public constructor(scope: Construct, id: string, props: EvidenceArchiveProps) {
    super(scope, id);
    const retention = props.retention ?? Duration.days(MINIMUM_RETENTION_DAYS);
    if (retention.toDays() < MINIMUM_RETENTION_DAYS) throw new RefundGatePropsError(`evidence archive retention: at least ${MINIMUM_RETENTION_DAYS} days, got ${retention.toDays()}`);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(retention),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
      lifecycleRules: [
        {
          id: 'archive-evidence',
          // Kept a little past the lock, then expired; old versions (a retried batch) go after a month.
          expiration: retention.plus(Duration.days(30)),
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        {
          // Glacier Instant Retrieval bills at least 128 KB an object and $0.02 per thousand
          // transitions: a smaller object (a quiet deployment's 5-minute batch) is cheaper left
          // in S3 Standard. Only objects above that size move (docs/maintainers/cost.md).
          id: 'large-objects-to-glacier-ir',
          objectSizeGreaterThan: GLACIER_IR_MINIMUM_BYTES,
          transitions: [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: props.glacierAfter ?? Duration.days(30) }],
        },
      ],
    });
    // CloudFormation types ObjectSizeGreaterThan as a string (a long); CDK writes a number, which
    // CloudFormation coerces with a validation warning. Write what the schema says.
    (this.bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride('LifecycleConfiguration.Rules.1.ObjectSizeGreaterThan', String(GLACIER_IR_MINIMUM_BYTES));
    props.pin(this.bucket, 'EvidenceArchiveBucket');
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'Only the archiver writes here (s3:PutObject on this bucket); reads are investigations. CloudTrail records both; an access-log bucket would be a second bucket to secure for no added audit.',
    });

    this.archiverFunction = createRefundGateFunction(this, 'archiver', props, {
      description: 'refund-gate: archives closed returns (facts, decisions, effects) to the evidence bucket',
      timeout: Duration.seconds(60),
      environment: { ARCHIVE_BUCKET: this.bucket.bucketName },
    });
    this.archiverFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects('returns/*')] }));
    // Contract §6: a "latest image" that explain trusts is written by the archiver or by nobody. Compliance mode
    // already keeps every version; this keeps anyone else from adding a newer one.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheArchiverWrites',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        // Retention and legal holds stay open: compliance mode lets them only lengthen a lock, which an investigation may need.
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.archiverFunction.role!.roleArn } },
      }),
    );
    Validations.of(this.archiverFunction.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).resolve((this.bucket.node.defaultChild as CfnResource).logicalId) as string}.Arn>/returns/*]`,
      reason: 'The archiver writes one new object per batch, keyed by day and sequence numbers it cannot know in advance (s3:PutObject only, under returns/).',
    });
  }
}
