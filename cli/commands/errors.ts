import { RefundGateError } from '../../shared/errors.js';
import { EXIT, type ExitStatusError } from '../exit.js';

/** A review-tool failure a person can act on: printed as one line, exit status 1. */
export class ReviewToolError extends RefundGateError implements ExitStatusError {
  public readonly exitStatus: number = EXIT.failed;

  public constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'ReviewToolError';
  }
}

/** The reviewer given is not the caller (AWS), and the deployment does not allow naming another. */
export class ReviewerIdentityError extends ReviewToolError {
  public constructor(given: string, caller: string) {
    super(`--reviewer ${given} is not you (${caller}); decisions are made under the caller's own AWS identity`, { context: { given, caller } });
    this.name = 'ReviewerIdentityError';
  }
}
