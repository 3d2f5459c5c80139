import { Stack, Token, TokenComparison, Validations } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { RefundGatePropsError } from './errors.js';

/**
 * refund-gate supports a bus in its own account and region only: rules can
 * only be created on such a bus, and the guards are statements in its
 * policy. A bus elsewhere is reached with a forwarding rule into a bus in
 * refund-gate's account (docs/operators/deploy.md, "A bus in another
 * account").
 */
export function assertSameEnvironment(scope: Construct, bus: events.IEventBus): void {
  const stack = Stack.of(scope);
  for (const [what, busValue, stackValue] of [
    ['account', bus.env.account, stack.account],
    ['region', bus.env.region, stack.region],
  ] as const) {
    const comparison = Token.compareStrings(busValue, stackValue);
    if (comparison === TokenComparison.SAME || comparison === TokenComparison.BOTH_UNRESOLVED) continue;
    const known = !Token.isUnresolved(stackValue);
    throw new RefundGatePropsError(
      `event bus ${bus.eventBusArn}: its ${what} ${busValue} ${known ? `is not this stack's (${stackValue})` : "cannot be checked: this stack's " + what + ' is not known at synth (deploy with credentials, or give -c account= and -c region=)'}; refund-gate needs a bus in its own account and region: forward events from that bus with a rule into a bus in refund-gate's account (docs/operators/deploy.md#a-bus-in-another-account)`,
    );
  }
}

/** cdk-nag findings of the event- and stream-driven functions that are by design, each with its reason. */
export function acknowledgeFunctionFindings(functions: ReadonlyArray<readonly [lambda.Function, string]>): void {
  for (const [fn, reason] of functions) {
    Validations.of(fn).acknowledge({ id: 'Serverless-LambdaDLQ', reason: `A dead-letter queue would never receive anything: the function is ${reason}.` });
    Validations.of(fn).acknowledge({
      id: 'Serverless-LambdaTracing',
      reason:
        'Tracing is off on purpose: the handlers do not use the Powertools Tracer, so X-Ray would only show Lambda start/end segments; logs, metrics and the alarms carry the diagnosis (docs/operators/alarms.md).',
    });
  }
}

/** `stream` consumers' reason, for {@link acknowledgeFunctionFindings}. */
export const STREAM_INVOKED =
  "invoked only by the DynamoDB stream event source mapping, never asynchronously; its failures go to the mapping's on-failure destination (streamFailureBucket)";
