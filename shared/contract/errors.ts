import { RefundGateError } from '../errors.js';

export { RefundGateError };

/**
 * Errors raised at the contract boundary. Tests assert the class, never the
 * message text; the message is for humans (logs, DLQ bodies, replay's
 * `rejected` channel) and always names the offending field path.
 */
/** One field that failed validation: `path` is dotted (`detail.refund.amount`). */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** An inbound event, config file or outbound message did not match the contract. */
export class ContractValidationError extends RefundGateError {
  public readonly issues: readonly FieldIssue[];

  public constructor(issues: readonly FieldIssue[], options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; ') || 'invalid input', options);
    this.name = 'ContractValidationError';
    this.issues = issues;
  }

  /** The first failing field path, for metrics dimensions and short log lines. */
  public get field(): string {
    return this.issues[0]?.path ?? '';
  }
}

/** The envelope's `source` is not the configured source for its detail-type (a possible forgery). */
export class UntrustedSourceError extends ContractValidationError {
  public constructor(detailType: string, source: string, expected: string) {
    super([{ path: 'source', message: `expected "${expected}" for detail-type ${detailType}, got "${source}"` }], {
      context: { detailType, source, expected },
    });
    this.name = 'UntrustedSourceError';
  }
}
