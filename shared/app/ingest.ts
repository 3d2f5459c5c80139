import type { Settings } from '../contract/config.js';
import { ContractValidationError } from '../contract/errors.js';
import type { InboundEvent } from '../contract/inbound.js';
import { parseInboundEvent } from '../contract/parse.js';
import { ConflictingDuplicateError } from './errors.js';
import type { Outcome, Pipeline } from './pipeline.js';
import type { RejectedSink, Rejection } from './ports.js';

export interface IngestDeps {
  readonly pipeline: Pipeline;
  readonly settings: Settings;
  readonly rejected: RejectedSink;
  /** The `now` to decide at: the wall clock in AWS, the business clock in replay. */
  readonly now: (event: InboundEvent) => string;
}

export type IngestResult =
  | { readonly status: 'processed'; readonly event: InboundEvent; readonly outcome: Outcome }
  | { readonly status: 'rejected'; readonly rejection: Rejection };

/** The business time an inbound event speaks for (contract §1). */
export function businessTimeOf(event: InboundEvent): string {
  switch (event.detailType) {
    case 'ReturnAuthorized':
      return event.detail.authorizedAt;
    case 'CarrierScan':
      return event.detail.scannedAt;
    case 'WarehouseReceipt':
      return event.detail.receivedAt;
    case 'RefundRequested':
      return event.detail.requestedAt;
    case 'ReviewDecided':
      return event.detail.decidedAt;
  }
}

/**
 * Validate and process one inbound event. Input that can never succeed
 * (invalid, forged source, conflicting duplicate) is handed to the rejected
 * sink and reported, never thrown: retrying it would only fail again. Anything
 * else (DynamoDB throttling, too many conflicts) throws so the platform retries.
 */
export async function ingest(raw: unknown, deps: IngestDeps, line?: number): Promise<IngestResult> {
  let event: InboundEvent;
  try {
    event = parseInboundEvent(raw, deps.settings.sources);
  } catch (error) {
    if (!(error instanceof ContractValidationError)) throw error;
    return reject(deps, { input: raw, errorType: error.name, error: error.message, field: error.field, line });
  }
  try {
    const outcome = await deps.pipeline.handle(event, deps.now(event));
    return { status: 'processed', event, outcome };
  } catch (error) {
    // R8 is the id ledger's (shared/store): a claimed id with another detail.
    if (!(error instanceof ConflictingDuplicateError)) throw error;
    return reject(deps, { input: raw, errorType: error.name, error: error.message, field: error.field, line });
  }
}

async function reject(deps: IngestDeps, rejection: Rejection): Promise<IngestResult> {
  await deps.rejected.reject(rejection);
  return { status: 'rejected', rejection };
}
