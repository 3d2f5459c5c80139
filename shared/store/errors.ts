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
    super(`DynamoDB ${operation} failed: ${causeText(options.cause)}`, {
      ...options,
      context: { operation },
    });
    this.name = 'StoreUnavailableError';
  }
}

/**
 * What went wrong, for the one line an operator reads: the error's name, its
 * code when it has one (a refused connection is a bare `Error` whose code is
 * ECONNREFUSED), and the first line of its message (the SDK's says which
 * credentials it tried, or what the service answered).
 */
function causeText(cause: unknown): string {
  if (!(cause instanceof Error)) return cause === undefined ? 'unknown error' : String(cause);
  const code = (cause as { code?: unknown }).code ?? (cause as { errors?: Array<{ code?: unknown }> }).errors?.[0]?.code;
  const message = cause.message.split('\n')[0]?.trim() ?? '';
  const showCode = typeof code === 'string' && !cause.name.includes(code) && !message.includes(code);
  return `${cause.name}${showCode ? ` (${code})` : ''}${message && message !== cause.name ? `: ${message}` : ''}`;
}
