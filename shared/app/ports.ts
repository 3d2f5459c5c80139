import type { EmployeeFlag } from '../domain/types.js';

/** R7's seam: is this employee flagged for a receipt received at `receivedAt`? */
export interface EmployeeFlagReader {
  flagFor(employeeId: string, receivedAt: string): Promise<EmployeeFlag | null>;
}

/** No insider detection configured: nobody is flagged. */
export const NO_FLAGS: EmployeeFlagReader = { flagFor: async () => null };

/** Where input that can never be processed goes, with its error attached (DLQ in AWS, `rejected` in replay). */
export interface RejectedSink {
  reject(rejection: Rejection): Promise<void>;
}

export interface Rejection {
  /** The event as received (parsed JSON, or the raw text when it was not JSON). */
  readonly input: unknown;
  readonly errorType: string;
  readonly error: string;
  /** First failing field path, e.g. `detail.refund.amount`. */
  readonly field: string;
  /** Replay's 1-based input line, when there is one. */
  readonly line?: number | undefined;
}

/** What a process step observed, for logs and metrics at the edge. */
export interface Observer {
  duplicate(kind: string, id: string): void;
  conflictRetry(key: string, attempt: number): void;
}

export const SILENT: Observer = { duplicate: () => {}, conflictRetry: () => {} };
