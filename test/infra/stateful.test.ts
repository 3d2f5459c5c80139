import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTableInput, DUE_TIMERS_INDEX, STREAM_VIEW, TABLE_KEYS } from '../../shared/store/table.js';
import { RefundGate } from '../../infra/refund-gate.js';
import { getAtt, logicalIdOf, newApp, permissionsOf, roleOf, synth, type Synthesized, CONSTRUCT_TRUST } from './support.js';

/** Stateful resources whose replacement would lose data; their logical ids are part of the deployed contract. */
const PINNED = {
  'AWS::DynamoDB::Table': ['RefundGateTable'],
  'AWS::KMS::Key': ['RefundGateReviewTopicKey'],
  'AWS::SNS::Topic': ['RefundGateReviewTopic'],
  'AWS::SQS::Queue': ['RefundGateRejectedQueue', 'RefundGateIngestFailureQueue', 'RefundGateSweepFailureQueue'],
  'AWS::S3::Bucket': ['RefundGateStreamFailureBucket', 'RefundGateEvidenceArchiveBucket'],
  'AWS::Logs::LogGroup': ['RefundGateIngestLogs', 'RefundGatePublisherLogs', 'RefundGateSweeperLogs', 'RefundGateInsiderLogs', 'RefundGateArchiverLogs', 'RefundGateDecisionLogs'],
} as const;

describe('the table', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth();
  });

  it('has the keys, every index and the stream of shared/store/table.ts (its single source), the same table DynamoDB Local gets', () => {
    const local = createTableInput('ignored');
    s.template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        KeySchema: local.KeySchema,
        AttributeDefinitions: Match.arrayEquals(local.AttributeDefinitions),
        GlobalSecondaryIndexes: local.GlobalSecondaryIndexes,
        StreamSpecification: { StreamViewType: STREAM_VIEW },
        TimeToLiveSpecification: { AttributeName: TABLE_KEYS.ttlAttribute, Enabled: true },
        BillingMode: 'PAY_PER_REQUEST',
      }),
    });
    expect(local.GlobalSecondaryIndexes[0]?.IndexName).toBe(DUE_TIMERS_INDEX.name);
  });

  it('is encrypted, point-in-time recoverable, deletion protected and retained', () => {
    s.template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('can be made disposable for a throw-away stack', () => {
    const t = synth({ removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false }).template;
    t.hasResource('AWS::DynamoDB::Table', { Properties: Match.objectLike({ DeletionProtectionEnabled: false }), DeletionPolicy: 'Delete' });
  });
});

describe('the review topic', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth();
  });

  it('is encrypted with a customer-managed key that rotates', () => {
    s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: getAtt('RefundGateReviewTopicKey', 'Arn') });
    s.template.hasResource('AWS::KMS::Key', { Properties: Match.objectLike({ EnableKeyRotation: true }), DeletionPolicy: 'Retain' });
  });

  it("key's policy lets the publisher role encrypt and decrypt, only through SNS", () => {
    const publisherRole = roleOf(s.template, s.id(s.stack.refundGate.publisherFunction));
    s.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowRefundGatePublisherThroughSns',
            Effect: 'Allow',
            Principal: { AWS: getAtt(publisherRole, 'Arn') },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*',
            Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['sns.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
          },
        ]),
      },
    });
  });

  it('refuses publishing without TLS', () => {
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: 'RefundGateReviewTopic' }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('is not created when an existing topic is given; the publisher publishes there', () => {
    const arn = 'arn:aws:sns:us-east-1:111122223333:reviews';
    const t = synth({ reviewTopicArn: arn });
    t.template.resourceCountIs('AWS::SNS::Topic', 0);
    t.template.resourceCountIs('AWS::KMS::Key', 0);
    const publisher = t.id(t.stack.refundGate.publisherFunction);
    t.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ REVIEW_TOPIC_ARN: arn }) },
    });
    expect(permissionsOf(t.template, roleOf(t.template, publisher))).toContainEqual({ action: 'sns:Publish', resource: JSON.stringify(arn) });
  });
});

describe('the queues', () => {
  it('are SQS-encrypted, refuse non-TLS access and keep messages 14 days', () => {
    const { template } = synth();
    const resources = template.toJSON()['Resources'] as Record<string, unknown>;
    for (const queue of PINNED['AWS::SQS::Queue']) {
      expect(resources[queue], queue).toEqual({
        Type: 'AWS::SQS::Queue',
        Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Resource: getAtt(queue, 'Arn'), Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });
});

describe('the stream failure bucket', () => {
  it('keeps failed batches whole: encrypted, versioned, private, TLS only, expiring after 90 days, retained', () => {
    const { template } = synth();
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: {
          Rules: [Match.objectLike({ Status: 'Enabled', ExpirationInDays: 90, NoncurrentVersionExpiration: { NoncurrentDays: 7 } })],
        },
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: 'RefundGateStreamFailureBucket' },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('is both stream mappings\' on-failure destination (Lambda writes the records themselves there, not pointers)', () => {
    const { template } = synth();
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings.map((m) => m['Properties']['DestinationConfig'])).toEqual([
      { OnFailure: { Destination: getAtt('RefundGateStreamFailureBucket', 'Arn') } },
      { OnFailure: { Destination: getAtt('RefundGateStreamFailureBucket', 'Arn') } },
      { OnFailure: { Destination: getAtt('RefundGateStreamFailureBucket', 'Arn') } },
    ]);
  });
});

describe('pinned logical ids', () => {
  it('keep the table and both stream mappings at the ids they had before RefundGate was split into constructs', () => {
    // These ids were generated by CDK for the one-class RefundGate (mappings created by DynamoEventSource
    // directly under it). Changing them would replace the table, or restart the mappings from TRIM_HORIZON.
    const { template, stack } = synth();
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toEqual(['RefundGateTable']);
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping');
    const byFunction = Object.fromEntries(Object.entries(mappings).map(([id, m]) => [JSON.stringify(m['Properties']['FunctionName']), id]));
    expect(byFunction).toEqual({
      [JSON.stringify({ Ref: logicalIdOf(stack.refundGate.publisherFunction) })]: 'RefundGatePublisherFunctionDynamoDBEventSourceRefundGateTable5F5EB339CC3D4655',
      [JSON.stringify({ Ref: logicalIdOf(stack.refundGate.insiderFunction) })]: 'RefundGateInsiderFunctionDynamoDBEventSourceRefundGateTable5F5EB339FC78A2D3',
      // Added with the evidence archive (no earlier id to keep).
      [JSON.stringify({ Ref: logicalIdOf(stack.refundGate.archiverFunction) })]: 'RefundGateArchiverFunctionDynamoDBEventSourceRefundGateTable5F5EB33928A94924',
    });
  });


  it('name every stateful resource explicitly', () => {
    const { template } = synth();
    for (const [type, ids] of Object.entries(PINNED)) {
      expect(Object.keys(template.findResources(type)).sort(), type).toEqual([...ids].sort());
    }
  });

  it('do not change when the construct moves deeper into the tree', () => {
    // Prepare: the same construct, wrapped in another construct (a typical refactor).
    const app = newApp();
    const stack = new Stack(app, 'Moved');
    const wrapper = new Construct(stack, 'Wrapper');
    // Act
    new RefundGate(wrapper, 'RefundGate', { ...CONSTRUCT_TRUST, eventBus: events.EventBus.fromEventBusName(stack, 'Bus', 'default') });
    const template = Template.fromStack(stack);
    // Assess
    for (const [type, ids] of Object.entries(PINNED)) {
      expect(Object.keys(template.findResources(type)).sort(), type).toEqual([...ids].sort());
    }
  });
});
