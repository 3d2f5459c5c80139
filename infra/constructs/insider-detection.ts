import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/app/environment.js';
import type { CommonProps } from './common.js';
import { createRefundGateFunction } from './function.js';

/** EmployeeStore: suspect receipts (Query on the base table), flags. */
export const INSIDER_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'] as const;

export interface InsiderDetectionProps extends CommonProps {
  readonly table: dynamodb.ITable;
  readonly settings: Record<string, unknown>;
}

/**
 * R7: the insider detector reads the reviews raised in each table write
 * (its stream mapping is made by {@link TableStreamConsumers}) and keeps
 * per-employee aggregates in the same table.
 */
export class InsiderDetection extends Construct {
  public readonly insiderFunction: nodejs.NodejsFunction;

  public constructor(scope: Construct, id: string, props: InsiderDetectionProps) {
    super(scope, id);
    this.insiderFunction = createRefundGateFunction(this, 'insider', props, {
      description: 'refund-gate: R7, flags employees with repeated unmatched receipts',
      timeout: Duration.seconds(60),
      environment: { [ENV.tableName]: props.table.tableName, [ENV.settings]: JSON.stringify(props.settings) },
    });
    this.insiderFunction.addToRolePolicy(new iam.PolicyStatement({ actions: [...INSIDER_TABLE_ACTIONS], resources: [props.table.tableArn] }));
  }
}
