import type { DetailType } from '../contract/inbound.js';
import { RefundGateError } from '../errors.js';
import type { StoredReturn } from './ports.js';

/**
 * R8: a domain id already claimed in the ledger arrived with another detail.
 * Not applied; ingest rejects it (dead-letter queue in AWS, a `rejected`
 * line in replay), logs it and counts it, whatever return or parcel it names.
 */
export class ConflictingDuplicateError extends RefundGateError {
  public readonly detailType: DetailType;
  public readonly id: string;
  public readonly idField: string;

  public constructor(detailType: DetailType, idField: string, id: string) {
    // JSON quoting keeps any id (newlines, quotes, control characters) on one log line.
    super(`conflicting duplicate: ${detailType} ${idField} ${JSON.stringify(id)} was already received with a different detail`, {
      context: { detailType, idField, id },
    });
    this.name = 'ConflictingDuplicateError';
    this.detailType = detailType;
    this.id = id;
    this.idField = idField;
  }

  /** The field that names the conflicting id, e.g. `detail.receiptId`. */
  public get field(): string {
    return `detail.${this.idField}`;
  }
}

/** Another writer changed the return since it was read; `current` is the return as it is now (ALL_OLD). */
export class VersionConflictError extends RefundGateError {
  public readonly current: StoredReturn | null;

  public constructor(returnId: string, current: StoredReturn | null, options: { cause?: unknown } = {}) {
    super(`version conflict on return ${JSON.stringify(returnId)}`, { ...options, context: { returnId } });
    this.name = 'VersionConflictError';
    this.current = current;
  }
}

/** Still conflicting after the bounded retries; the platform should retry the whole event. */
export class TooManyConflictsError extends RefundGateError {
  public constructor(returnId: string, attempts: number, options: { cause?: unknown } = {}) {
    super(`gave up on return ${JSON.stringify(returnId)} after ${attempts} conflicting writes`, { ...options, context: { returnId, attempts } });
    this.name = 'TooManyConflictsError';
  }
}

/** Another decision or a new alert changed the employee's alert since it was read; read it again. */
export class AlertConflictError extends RefundGateError {
  public constructor(reviewId: string, options: { cause?: unknown } = {}) {
    super(`alert ${JSON.stringify(reviewId)} changed since it was read`, { ...options, context: { reviewId } });
    this.name = 'AlertConflictError';
  }
}
