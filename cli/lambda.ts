import type { Context } from 'aws-lambda';

/**
 * A minimal Lambda context, as the Lambda runtime passes it to a handler:
 * identifiers only (Powertools' `injectLambdaContext` logs them). Request ids
 * count up, so two runs of the same input log the same ids.
 */
export class LocalLambdaContexts {
  private invocations = 0;

  public next(functionName: string): Context {
    this.invocations += 1;
    const n = this.invocations.toString(16).padStart(12, '0');
    return {
      callbackWaitsForEmptyEventLoop: false,
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
      memoryLimitInMB: '512',
      awsRequestId: `00000000-0000-4000-8000-${n}`,
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: 'local/[$LATEST]refund-gate-replay',
      // Lambda's default 15-minute ceiling; middy only uses it to time out early.
      getRemainingTimeInMillis: () => 900_000,
      done: () => {},
      fail: () => {},
      succeed: () => {},
    };
  }
}
