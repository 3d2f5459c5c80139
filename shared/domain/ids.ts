/**
 * Injective encoding of tuples of opaque strings (contract §1: any character
 * may appear in an id and none has a meaning to refund-gate).
 *
 * Every storage key, index key, `reviewId` and `effectId` is built from its
 * parts by {@link encodeTuple}: each part is escaped (`\` → `\\`, `#` → `\#`)
 * and the escaped parts are joined with a bare `#`. A bare `#` therefore only
 * ever separates parts, so two different tuples can never produce the same
 * string, whatever the parts contain (`#`, `\`, `/`, `:`, spaces, emoji,
 * `__proto__` …). {@link decodeTuple} is its inverse, used by tests and by
 * readers that must recover the parts (never `split('#')`).
 *
 * The first part is always a constant tag naming what is encoded (`RETURN`,
 * `rv-receipt`, …), so tuples of different kinds cannot collide either.
 */
const ESCAPE = '\\';
const SEPARATOR = '#';

export function encodePart(part: string): string {
  let out = '';
  for (const ch of part) out += ch === ESCAPE || ch === SEPARATOR ? ESCAPE + ch : ch;
  return out;
}

/** `encodeTuple('RETURN', 'a#b')` → `RETURN#a\#b`. Injective over tuples of strings. */
export function encodeTuple(...parts: readonly string[]): string {
  return parts.map(encodePart).join(SEPARATOR);
}

/** The inverse of {@link encodeTuple}. Throws on a string no tuple encodes to. */
export function decodeTuple(encoded: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < encoded.length; i++) {
    const ch = encoded[i]!;
    if (ch === ESCAPE) {
      const next = encoded[i + 1];
      if (next !== ESCAPE && next !== SEPARATOR) throw new RangeError(`not an encoded tuple: dangling escape at ${i}`);
      current += next;
      i++;
    } else if (ch === SEPARATOR) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/**
 * A prefix for `begins_with` queries over tuples that start with `parts`:
 * every tuple `[...parts, ...more]` (with at least one more part) begins with it,
 * and no other tuple does.
 */
export function tuplePrefix(...parts: readonly string[]): string {
  return encodeTuple(...parts) + SEPARATOR;
}

/** Code-unit order of two strings (locale-free, so the same everywhere). */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
