import type { Context } from 'aws-lambda';
import { LocalLambdaContexts } from '../../cli/lambda.js';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

const contexts = new LocalLambdaContexts();

/** A Lambda context as the runtime passes it (the local runtime's own): identifiers only. */
export const lambdaContext = (functionName = 'refund-gate-test'): Context => contexts.next(functionName);

/**
 * Real Powertools instances, silent so test output stays readable. Metrics'
 * own warnings ("No application metrics to publish" after an invocation that
 * added none, which is normal for a duplicate or a rejected event) go to a
 * logger at ERROR, so only its real errors would print.
 */
export function quietTelemetry(): { logger: Logger; metrics: Metrics } {
  const logger = new Logger({ serviceName: 'refund-gate', logLevel: 'SILENT' });
  return {
    logger,
    metrics: new Metrics({
      namespace: 'RefundGate',
      serviceName: 'refund-gate',
      singleMetric: false,
      logger: new Logger({ serviceName: 'refund-gate', logLevel: 'ERROR' }),
    }),
  };
}
