import { RefundGateError } from '../errors.js';

/** Another writer changed the item since it was read; `current` is the item as it is now (ALL_OLD). */
export class VersionConflictError extends RefundGateError {
  public readonly current: Record<string, unknown> | undefined;

  public constructor(key: string, current: Record<string, unknown> | undefined, options: { cause?: unknown } = {}) {
    super(`version conflict on ${key}`, { ...options, context: { key } });
    this.name = 'VersionConflictError';
    this.current = current;
  }
}

/** Still conflicting after the bounded retries; the platform should retry the whole event. */
export class TooManyConflictsError extends RefundGateError {
  public constructor(key: string, attempts: number, options: { cause?: unknown } = {}) {
    super(`gave up on ${key} after ${attempts} conflicting writes`, { ...options, context: { key, attempts } });
    this.name = 'TooManyConflictsError';
  }
}

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
