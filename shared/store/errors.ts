import { RefundGateError } from '../errors.js';

// The conflict errors belong to the application's ports; re-exported for the store's callers.
export { TooManyConflictsError, VersionConflictError } from '../app/errors.js';

/** DynamoDB throttled the request (retryable by the platform). */
export class StoreThrottledError extends RefundGateError {
  public constructor(operation: string, options: { cause?: unknown } = {}) {
    super(`DynamoDB throttled ${operation}`, { ...options, context: { operation } });
    this.name = 'StoreThrottledError';
  }
}

/** Any other DynamoDB failure, translated at the store boundary. */
export class StoreUnavailableError extends RefundGateError {
  public constructor(operation: string, options: { cause?: unknown } = {}) {
    super(`DynamoDB ${operation} failed: ${(options.cause as Error | undefined)?.name ?? 'unknown error'}`, {
      ...options,
      context: { operation },
    });
    this.name = 'StoreUnavailableError';
  }
}
