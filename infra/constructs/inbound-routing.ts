import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/app/environment.js';
import type { DetailType } from '../../shared/contract/inbound.js';
import { eventPatternOf, routesFor } from '../../shared/routing.js';
import { deadLetterQueue, SendOnlyQueue, type CommonProps } from './common.js';
import { createRefundGateFunction } from './function.js';

/** Table actions the ingest function's stores send (RefundGateStore, EmployeeStore); test/infra checks them against shared/store. */
export const INGEST_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'] as const;

export interface InboundRoutingProps extends CommonProps {
  readonly eventBus: events.IEventBus;
  readonly table: dynamodb.ITable;
  /** The effective settings (sources included) as `REFUND_GATE_SETTINGS` carries them. */
  readonly settings: Record<string, unknown>;
  /** @default - no reservation */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * Inbound: one rule per route of the shared routing table on the producers'
 * bus, into the ingest function, which validates and decides. Invalid events
 * go to the rejected queue (with the error); events that could not be
 * delivered or processed go to the ingest failure queue.
 */
export class InboundRouting extends Construct {
  public readonly ingestFunction: nodejs.NodejsFunction;
  /** Invalid inbound events, sent by the ingest function itself with the error attached. */
  public readonly rejectedQueue: sqs.Queue;
  /** Inbound events EventBridge could not deliver, or the ingest function failed on after its retries. */
  public readonly ingestFailureQueue: sqs.Queue;
  /** One rule per inbound detail-type, on the given bus. */
  public readonly rules: Readonly<Record<DetailType, events.Rule>>;

  public constructor(scope: Construct, id: string, props: InboundRoutingProps) {
    super(scope, id);
    this.rejectedQueue = deadLetterQueue(this, 'RejectedQueue', 'invalid inbound events, sent by the ingest function with the error attached', props);
    this.ingestFailureQueue = deadLetterQueue(this, 'IngestFailureQueue', 'inbound events that could not be delivered to, or processed by, the ingest function', props);
    this.ingestFunction = createRefundGateFunction(this, 'ingest', props, {
      description: 'refund-gate: validates inbound events and decides each return',
      timeout: Duration.seconds(30),
      environment: { [ENV.tableName]: props.table.tableName, [ENV.settings]: JSON.stringify(props.settings), [ENV.rejectedQueueUrl]: this.rejectedQueue.queueUrl },
      // EventBridge invokes asynchronously: Lambda retries infrastructure errors twice, then parks the event.
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SendOnlyQueue(this.ingestFailureQueue),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    });
    this.ingestFunction.addToRolePolicy(new iam.PolicyStatement({ actions: [...INGEST_TABLE_ACTIONS], resources: [props.table.tableArn] }));
    // The ingest function parks invalid input itself (REJECTED_QUEUE_URL): it needs to send, nothing else.
    this.ingestFunction.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.rejectedQueue.queueArn] }));

    const rules = {} as Record<DetailType, events.Rule>;
    for (const route of routesFor(props.settings['sources'] as Record<DetailType, string>)) {
      const pattern = eventPatternOf(route);
      const rule = new events.Rule(this, `${route.detailType}Rule`, {
        eventBus: props.eventBus,
        description: `refund-gate: ${route.detailType} from ${route.source}`,
        // The detail filter (CarrierScan) drops scan statuses no rule reads; see shared/routing.ts.
        eventPattern: { source: pattern.source, detailType: pattern['detail-type'], ...(pattern.detail ? { detail: { ...pattern.detail } } : {}) },
      });
      rule.addTarget(
        new targets.LambdaFunction(this.ingestFunction, {
          deadLetterQueue: this.ingestFailureQueue,
          // Delivery failures are throttles and outages: retry as long as EventBridge allows, then park.
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      );
      rules[route.detailType] = rule;
    }
    this.rules = rules;
  }
}
