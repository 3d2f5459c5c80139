import type { Settings } from './config.js';
import { ContractValidationError, UntrustedSourceError } from './errors.js';
import { DETAIL_SCHEMAS, DETAIL_TYPES, EventBridgeEnvelope, type DetailType, type InboundEvent } from './inbound.js';
import { issuesOf } from './issues.js';

export function isDetailType(value: string): value is DetailType {
  return (DETAIL_TYPES as readonly string[]).includes(value);
}

/**
 * Validate one EventBridge event against the contract: envelope, detail-type,
 * configured source, then the detail. Unknown extra fields are dropped.
 *
 * @throws {ContractValidationError} naming the first failing field paths
 * @throws {UntrustedSourceError} when the source is not the one configured for the detail-type
 */
export function parseInboundEvent(raw: unknown, sources: Settings['sources']): InboundEvent {
  const envelope = EventBridgeEnvelope.safeParse(raw);
  if (!envelope.success) throw new ContractValidationError(issuesOf(envelope.error));
  const { 'detail-type': detailType, source, detail, id, time } = envelope.data;
  if (!isDetailType(detailType)) {
    throw new ContractValidationError([
      { path: 'detail-type', message: `unknown detail-type "${detailType}" (expected one of ${DETAIL_TYPES.join(', ')})` },
    ]);
  }
  if (source !== sources[detailType]) throw new UntrustedSourceError(detailType, source, sources[detailType]);
  const parsed = DETAIL_SCHEMAS[detailType].safeParse(detail);
  if (!parsed.success) {
    throw new ContractValidationError(issuesOf(parsed.error, 'detail'), { context: { detailType, eventId: id } });
  }
  return { detailType, detail: parsed.data, envelope: { id, source, time } } as InboundEvent;
}

/**
 * The deepest nesting an inbound JSON text may have. A contract event nests
 * a few levels; a text nested thousands deep is refused before parsing, so it
 * can never exhaust a stack later (validation and serialisation recurse).
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Why the text nests deeper than `max` arrays and objects (brackets inside
 * strings are not counted), or undefined when it does not. One pass, no parse.
 */
export function jsonDepthProblem(text: string, max: number = MAX_JSON_DEPTH): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return `nested deeper than ${max} levels of objects and arrays`;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

/** Parse one JSON text (a replay line, an SQS body); malformed or too deeply nested JSON is a validation error too. */
export function parseJson(text: string): unknown {
  const tooDeep = jsonDepthProblem(text);
  if (tooDeep !== undefined) throw new ContractValidationError([{ path: '(root)', message: tooDeep }]);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ContractValidationError([{ path: '(root)', message: `malformed JSON: ${(cause as Error).message}` }], {
      cause,
    });
  }
}
