import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { createTableInput, STREAM_VIEW, TABLE_KEYS } from '../../shared/store/table.js';

/**
 * Every DynamoDB action that changes items: what the table's resource policy
 * refuses to all but refund-gate's writers. Transactions are authorized as
 * their parts (PutItem, UpdateItem, DeleteItem); PartiQL has its own actions.
 */
export const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
] as const;

/** What the analysts' roles may do through the table's policy: read items and the indexes. */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:DescribeTable'] as const;

export interface RefundGateTableProps {
  /** @default RemovalPolicy.RETAIN (set by RefundGate) */
  readonly removalPolicy: RemovalPolicy;
  /** @default true (set by RefundGate) */
  readonly deletionProtection: boolean;
}

/**
 * The single table, with the keys, indexes and stream of
 * `shared/store/table.ts` (the layout DynamoDB Local gets from the same
 * function), so an index added there appears here with no change.
 *
 * Not configurable on purpose: an existing table is not accepted, because
 * refund-gate's guarantees (conditional writes on `version`, the outbox read
 * from a NEW_IMAGE stream, the sparse due-timers index) hold only for a
 * table laid out exactly like this one.
 */
export class RefundGateTable extends Construct {
  public readonly table: dynamodb.Table;

  public constructor(scope: Construct, id: string, props: RefundGateTableProps) {
    super(scope, id);
    const layout = createTableInput('layout');
    const typeOf = (attribute: string) => {
      const type: string | undefined = layout.AttributeDefinitions.find((a) => a.AttributeName === attribute)?.AttributeType;
      return type === 'N' ? dynamodb.AttributeType.NUMBER : type === 'B' ? dynamodb.AttributeType.BINARY : dynamodb.AttributeType.STRING;
    };
    const keyOf = (schema: ReadonlyArray<{ AttributeName: string; KeyType: string }>, type: 'HASH' | 'RANGE') => {
      const key = schema.find((k) => k.KeyType === type);
      return key ? { name: key.AttributeName, type: typeOf(key.AttributeName) } : undefined;
    };

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: keyOf(layout.KeySchema, 'HASH')!,
      sortKey: keyOf(layout.KeySchema, 'RANGE'),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The AWS managed key (aws/dynamodb): encrypted at rest and in the stream, every use logged in CloudTrail.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      stream: dynamodb.StreamViewType[STREAM_VIEW],
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    });
    for (const index of layout.GlobalSecondaryIndexes as ReadonlyArray<{
      IndexName: string;
      KeySchema: ReadonlyArray<{ AttributeName: string; KeyType: string }>;
      Projection: { ProjectionType: string; NonKeyAttributes?: readonly string[] };
    }>) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.IndexName,
        partitionKey: keyOf(index.KeySchema, 'HASH')!,
        sortKey: keyOf(index.KeySchema, 'RANGE'),
        projectionType: dynamodb.ProjectionType[index.Projection.ProjectionType as keyof typeof dynamodb.ProjectionType],
        ...(index.Projection.NonKeyAttributes ? { nonKeyAttributes: [...index.Projection.NonKeyAttributes] } : {}),
      });
    }
  }

  /**
   * The table's resource policy (contract §6, state): item writes are denied
   * to every principal but `writers` (refund-gate's own function roles),
   * whatever their identity policies allow; `readers` (the analysts' roles,
   * possibly of another account) may read. Set once, after the functions exist.
   */
  public restrictWrites(writers: readonly string[], readers: readonly string[] = []): void {
    const statements = [
      new iam.PolicyStatement({
        sid: 'OnlyRefundGateFunctionsWrite',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...TABLE_WRITE_ACTIONS],
        // A table's policy applies to the table and its indexes; "*" is the table it is attached to.
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': [...writers] } },
      }),
    ];
    if (readers.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'AnalystsRead',
          principals: readers.map((arn) => new iam.ArnPrincipal(arn)),
          actions: [...TABLE_READ_ACTIONS],
          resources: ['*'],
        }),
      );
    }
    (this.table.node.defaultChild as dynamodb.CfnTable).resourcePolicy = { policyDocument: new iam.PolicyDocument({ statements }) };
  }
}
