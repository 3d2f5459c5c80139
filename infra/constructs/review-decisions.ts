import { Aws, Duration, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/app/environment.js';
import { REVIEWER_TAG } from '../../shared/app/reviewer-identity.js';
import { OPEN_REVIEWS_INDEX } from '../../shared/store/table.js';
import type { CommonProps } from './common.js';
import { createRefundGateFunction } from './function.js';

export interface ReviewDecisionsProps extends CommonProps {
  readonly eventBus: events.IEventBus;
  readonly table: dynamodb.Table;
  readonly settings: Readonly<Record<string, unknown>>;
  /** The configured source of ReviewDecided. */
  readonly source: string;
}

/**
 * The decision path (contract §6, reviewers): the only way a `ReviewDecided`
 * reaches refund-gate in a deployment. A Function URL with `AWS_IAM` auth:
 * Lambda authenticates the SigV4-signed caller, the function maps the
 * caller's IAM user or role to an employee id through the principal tag
 * {@link REVIEWER_TAG} (which the reviewer cannot set), refuses callers
 * without one, and puts the ReviewDecided with that id as `reviewerId`. The
 * bus policy allows no other principal to put ReviewDecided.
 */
export class ReviewDecisions extends Construct {
  public readonly decisionFunction: nodejs.NodejsFunction;
  public readonly functionUrl: lambda.FunctionUrl;

  public constructor(scope: Construct, id: string, props: ReviewDecisionsProps) {
    super(scope, id);
    this.decisionFunction = createRefundGateFunction(this, 'decision', props, {
      description: 'refund-gate: puts a reviewer\'s ReviewDecided under the authenticated caller\'s employee id',
      timeout: Duration.seconds(30),
      environment: {
        [ENV.tableName]: props.table.tableName,
        [ENV.eventBusName]: props.eventBus.eventBusArn,
        [ENV.settings]: JSON.stringify(props.settings),
      },
    });
    this.functionUrl = this.decisionFunction.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
    const fn = this.decisionFunction;
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [props.table.tableArn] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${props.table.tableArn}/index/${OPEN_REVIEWS_INDEX.name}`] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [props.eventBus.eventBusArn],
        conditions: { 'ForAllValues:StringEquals': { 'events:source': [props.source], 'events:detail-type': ['ReviewDecided'] } },
      }),
    );
    // The tag lookup: read-only, tags only, this account's users and roles (pseudo parameters: one ARN shape in every variant).
    const iamArn = (kind: string) => `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:${kind}/*`;
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['iam:ListRoleTags'], resources: [iamArn('role')] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['iam:ListUserTags'], resources: [iamArn('user')] }));
    for (const [resource, reason] of <Array<[string, string]>>[
      ['arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*', 'A reviewer is any IAM role of this account tagged refund-gate-employee-id: the function reads that tag (iam:ListRoleTags, read-only) of the calling role, whose name it cannot know in advance.'],
      ['arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*', 'A reviewer is any IAM user of this account tagged refund-gate-employee-id: the function reads that tag (iam:ListUserTags, read-only) of the calling user, whose name it cannot know in advance.'],
    ]) {
      Validations.of(fn.role!).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
    }
    for (const rule of ['Serverless-LambdaDLQ', 'Serverless-LambdaTracing']) {
      Validations.of(fn).acknowledge({
        id: rule,
        reason:
          rule === 'Serverless-LambdaDLQ'
            ? 'Invoked synchronously through its Function URL only: the reviewer sees the error at once; there is no asynchronous event a DLQ could keep.'
            : 'Tracing is off on purpose, as for every refund-gate function: logs and metrics carry the diagnosis (docs/operators/alarms.md).',
      });
    }
  }
}
