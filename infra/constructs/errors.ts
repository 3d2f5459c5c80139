import { RefundGateError } from '../../shared/errors.js';

/**
 * A prop or context value of refund-gate's CDK app is invalid. Thrown while
 * the app is built; `infra/app.ts` prints its message as one line and exits 1,
 * so `cdk synth` and `cdk deploy` stop before anything reaches CloudFormation.
 */
export class RefundGatePropsError extends RefundGateError {
  public constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'RefundGatePropsError';
  }
}
