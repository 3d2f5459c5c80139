import { Timestamp } from '../contract/primitives.js';
import { toEpochMs, toIso } from '../domain/time.js';

const WITH_OFFSET = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const WITHOUT_OFFSET = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d{1,9})?)?$/;

/**
 * A provider's event time as a strict RFC 3339 instant in UTC
 * (`2024-07-31T19:27:00.000Z`), or undefined when it names no instant.
 * Accepted: date, `T` or space, minutes or seconds (with a fraction), and an
 * offset `Z`, `±hh:mm` or `±hhmm`. A time without an offset is an instant only
 * where the provider says which zone it is in: pass `withoutOffset: 'utc'`
 * for that (EasyPost: "timestamps default to UTC"); otherwise it is undefined.
 */
export function normaliseInstant(raw: string, options: { readonly withoutOffset: 'utc' | 'reject' }): string | undefined {
  const text = raw.trim();
  let match = WITH_OFFSET.exec(text);
  let offset: string;
  if (match) {
    const o = match[4]!.toUpperCase();
    offset = o === 'Z' ? 'Z' : o.includes(':') ? o : `${o.slice(0, 3)}:${o.slice(3)}`;
  } else {
    match = WITHOUT_OFFSET.exec(text);
    if (!match || options.withoutOffset !== 'utc') return undefined;
    offset = 'Z';
  }
  const strict = `${match[1]}T${match[2]}${match[3] ?? ':00'}${offset}`;
  // zod's RFC 3339 check also refuses impossible dates (31 February) and offsets beyond ±23:59.
  if (!Timestamp.safeParse(strict).success) return undefined;
  return toIso(toEpochMs(strict));
}
