import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import type { Effect, EmployeeFlag, ReturnState } from '../domain/types.js';
import { RefundGateError } from '../errors.js';

/**
 * How a return item carries its decider state and its outbox: one
 * Brotli-compressed JSON document in one binary attribute, `body`.
 *
 * Why: DynamoDB bills a write per started kilobyte. An honest return's item
 * is ~1.35 KB as plain attributes at its last write (the released refund is
 * in the state and again in the outbox, and every fact repeats the return's
 * id), so the write that releases the refund costs 2 WRU. Compressed
 * together the two documents are ~400–450 B, the item stays under 1 KB and
 * every write of an honest return is 1 WRU; storage shrinks the same way.
 * Quality 6 costs ~0.05 ms per item on this machine (11 would save another
 * 40 B for 1.6 ms). The price: the state is not readable in the DynamoDB
 * console; `refund-gate explain` reads it (docs/maintainers/cost.md).
 *
 * Items written before the codec (plain `state` map and `outbox` list) and
 * items that never had a body (employee flags carry a plain `outbox`) are
 * read as they are, so an upgrade needs no migration.
 */
export const BODY_ATTRIBUTE = 'body';
const LEGACY_STATE = 'state';
const LEGACY_OUTBOX = 'outbox';

export interface ReturnBody {
  readonly state: ReturnState;
  readonly outbox: readonly Effect[];
}

const OPTIONS = {
  params: {
    [constants.BROTLI_PARAM_QUALITY]: 6,
    [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
  },
};

/** The `body` attribute's value for a state and the effects of the write. */
export function packBody(state: ReturnState, outbox: readonly Effect[]): Uint8Array {
  const text = JSON.stringify({ state, outbox } satisfies ReturnBody);
  return brotliCompressSync(text, { ...OPTIONS, params: { ...OPTIONS.params, [constants.BROTLI_PARAM_SIZE_HINT]: Buffer.byteLength(text) } });
}

/**
 * Read a body as the SDK (bytes) or a Lambda stream event (base64 text,
 * after `unmarshall`) delivers it.
 * @throws {ItemCodecError} when the bytes are not a body this code wrote
 */
export function unpackBody(value: unknown): ReturnBody {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'base64') : value instanceof Uint8Array ? value : undefined;
  if (bytes === undefined) throw new ItemCodecError(`expected binary, got ${typeof value}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(brotliDecompressSync(bytes).toString('utf8'));
  } catch (error) {
    throw new ItemCodecError('not a Brotli-compressed JSON document', { cause: error });
  }
  const body = parsed as Partial<ReturnBody> | null;
  if (body === null || typeof body !== 'object' || typeof body.state !== 'object' || body.state === null || !Array.isArray(body.outbox)) {
    throw new ItemCodecError('expected {"state": {...}, "outbox": [...]}');
  }
  return body as ReturnBody;
}

/** The decider state an item holds, or null for an item that holds none (parcels, ledger, employees). */
export function stateOfItem(item: Record<string, unknown> | undefined): ReturnState | null {
  if (item === undefined) return null;
  if (item[BODY_ATTRIBUTE] !== undefined) return unpackBody(item[BODY_ATTRIBUTE]).state;
  const legacy = item[LEGACY_STATE];
  return typeof legacy === 'object' && legacy !== null ? (legacy as ReturnState) : null;
}

/** The effects an item's write asked to publish (its outbox), compressed or plain. */
export function outboxOfItem(item: Record<string, unknown> | undefined): Effect[] {
  if (item === undefined) return [];
  if (item[BODY_ATTRIBUTE] !== undefined) return [...unpackBody(item[BODY_ATTRIBUTE]).outbox];
  const legacy = item[LEGACY_OUTBOX];
  return Array.isArray(legacy) ? (legacy as Effect[]) : [];
}

/**
 * The item as a reader wants to see it: `state` and `outbox` as plain JSON in
 * place of the compressed body (the archive's lines, test snapshots).
 */
export function readableItem(item: Record<string, unknown>): Record<string, unknown> {
  if (item[BODY_ATTRIBUTE] === undefined) return item;
  const { [BODY_ATTRIBUTE]: body, ...rest } = item;
  const { state, outbox } = unpackBody(body);
  return { ...rest, [LEGACY_STATE]: state, [LEGACY_OUTBOX]: outbox };
}

/** A stored item's body cannot be read: corruption or a writer this code does not know. */
export class ItemCodecError extends RefundGateError {
  public constructor(message: string, options: { cause?: unknown } = {}) {
    super(`return item body: ${message}`, options);
    this.name = 'ItemCodecError';
  }
}

/** An employee flag item as the domain reads it (the table's, or one the evidence archive kept after its TTL deleted it). */
export function flagOf(employeeId: string, item: Record<string, unknown>): EmployeeFlag {
  return {
    employeeId,
    anomalyReviewId: String(item['anomalyReviewId']),
    flaggedAt: String(item['flaggedAt']),
    flaggedUntil: String(item['flaggedUntil']),
    ...(typeof item['liftedAt'] === 'string' ? { liftedAt: item['liftedAt'] } : {}),
  };
}
