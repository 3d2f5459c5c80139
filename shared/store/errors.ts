import { RefundGateError } from '../errors.js';

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
