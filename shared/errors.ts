/**
 * The base of every error refund-gate raises on purpose. Subclasses end in
 * `Error`, set `name`, accept `{ cause }` and carry context for the logs.
 * Tests assert the class, never the message text.
 */
export class RefundGateError extends Error {
  public readonly context: Readonly<Record<string, unknown>>;

  public constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RefundGateError';
    this.context = options.context ?? {};
  }
}
