import { RefundGateError } from '../errors.js';

/**
 * R8: the same domain id arrived with a different detail. Not applied; the
 * caller logs it, counts it and (in replay) reports it as rejected.
 */
export class ConflictingDuplicateError extends RefundGateError {
  public readonly key: string;

  public constructor(key: string, options: { context?: Record<string, unknown> } = {}) {
    super(`conflicting duplicate: ${key} was already received with a different detail`, options);
    this.name = 'ConflictingDuplicateError';
    this.key = key;
  }

  /** The field that names the conflicting id, e.g. `detail.receiptId`. */
  public get field(): string {
    return `detail.${this.context['idField'] ?? 'id'}`;
  }
}

/** A command that can never be valid for this state: a bug in the caller, not bad input. */
export class InvariantViolationError extends RefundGateError {
  public constructor(message: string, options: { context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'InvariantViolationError';
  }
}
