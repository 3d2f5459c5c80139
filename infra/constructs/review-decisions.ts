import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/app/environment.js';
import { REVIEWER_TAG } from '../../shared/app/reviewer-identity.js';
import type { CommonProps } from './common.js';
import { createRefundGateFunction } from './function.js';

/** What the decision function does on the table: read the return and the open-review index (it writes nothing). */
export const DECISION_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'] as const;

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
    const stack = Stack.of(this);
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
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...DECISION_TABLE_ACTIONS], resources: [props.table.tableArn, `${props.table.tableArn}/index/*`] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [props.eventBus.eventBusArn],
        conditions: { 'ForAllValues:StringEquals': { 'events:source': [props.source], 'events:detail-type': ['ReviewDecided'] } },
      }),
    );
    // The tag lookup: read-only, tags only, this account's users and roles.
    const iamArn = (kind: string) => stack.formatArn({ service: 'iam', region: '', resource: kind, resourceName: '*' });
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['iam:ListRoleTags', 'iam:ListUserTags'], resources: [iamArn('role'), iamArn('user')] }));
    Validations.of(fn.role!).acknowledge({
      id: 'AwsSolutions-IAM5',
      reason:
        "The reviewer is any IAM user or role of this account carrying the refund-gate-employee-id tag: the function reads that tag (iam:ListRoleTags/ListUserTags, read-only) and the open-review index (table/<name>/index/*), whose names it cannot know in advance.",
    });
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
