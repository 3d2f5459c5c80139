import { RefundGateError } from '../errors.js';

/** A command that can never be valid for this state: a bug in the caller, not bad input. */
export class InvariantViolationError extends RefundGateError {
  public constructor(message: string, options: { context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'InvariantViolationError';
  }
}
