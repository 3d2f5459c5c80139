import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/app/environment.js';
import { DUE_TIMERS_INDEX, OPEN_REVIEWS_INDEX } from '../../shared/store/table.js';
import { deadLetterQueue, SendOnlyQueue, type CommonProps } from './common.js';
import { createRefundGateFunction } from './function.js';

/** RefundGateStore: load and save returns; the due-timers index is granted separately. */
export const SWEEPER_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

export interface TimerSweeperProps extends CommonProps {
  readonly table: dynamodb.ITable;
  readonly settings: Record<string, unknown>;
  /**
   * Concurrency reserved for the sweeper, so a burst elsewhere in the account
   * (an inbound flood into the ingest function, say) can never starve the
   * timers. 0 reserves nothing.
   *
   * @default 1
   */
  readonly reservedConcurrentExecutions?: number;
}

/** R6 and the grace timer: a one-minute schedule runs the sweeper over the sparse due-timers index. */
export class TimerSweeper extends Construct {
  public readonly sweeperFunction: nodejs.NodejsFunction;
  /** Sweeper ticks that could not be delivered or failed. */
  public readonly sweepFailureQueue: sqs.Queue;
  public readonly schedule: events.Rule;

  public constructor(scope: Construct, id: string, props: TimerSweeperProps) {
    super(scope, id);
    const reserved = props.reservedConcurrentExecutions ?? 1;
    this.sweepFailureQueue = deadLetterQueue(this, 'SweepFailureQueue', 'sweeper ticks that could not be delivered or failed', props);
    this.sweeperFunction = createRefundGateFunction(this, 'sweeper', props, {
      description: 'refund-gate: fires due timers (grace, maxHold, orphanTimeout) every minute',
      // Shorter than the schedule's period, so two sweeps rarely overlap (version checks make overlaps safe anyway).
      timeout: Duration.seconds(50),
      environment: { [ENV.tableName]: props.table.tableName, [ENV.settings]: JSON.stringify(props.settings) },
      // A failed tick is not retried: the next tick a minute later finds the same due timers.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
      onFailure: new SendOnlyQueue(this.sweepFailureQueue),
      reservedConcurrentExecutions: reserved > 0 ? reserved : undefined,
    });
    const tableArn = props.table.tableArn;
    this.sweeperFunction.addToRolePolicy(new iam.PolicyStatement({ actions: [...SWEEPER_TABLE_ACTIONS], resources: [tableArn] }));
    // The sweeper alone queries the sparse timer index; the ARN names that index, not `index/*`.
    // It also reads the open-reviews index every five minutes for the dashboard's open-review and money-held levels.
    this.sweeperFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${tableArn}/index/${DUE_TIMERS_INDEX.name}`, `${tableArn}/index/${OPEN_REVIEWS_INDEX.name}`],
      }),
    );

    this.schedule = new events.Rule(this, 'SweeperSchedule', {
      description: 'refund-gate: runs the timer sweeper every minute',
      schedule: events.Schedule.rate(Duration.minutes(1)),
    });
    this.schedule.addTarget(new targets.LambdaFunction(this.sweeperFunction, { deadLetterQueue: this.sweepFailureQueue, retryAttempts: 2, maxEventAge: Duration.minutes(1) }));
  }
}
