import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTuple, encodeTuple, tuplePrefix } from '../../shared/domain/ids.js';

const part = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('#', '\\', '\\#', '#\\', '', '__proto__', 'constructor', 'a#b', 'a\\#b'),
  fc.string({ unit: fc.constantFrom('#', '\\', 'a'), maxLength: 6 }),
);
const tuple = fc.array(part, { minLength: 1, maxLength: 4 });

describe('encodeTuple', () => {
  it('round-trips through decodeTuple', () => {
    fc.assert(fc.property(tuple, (parts) => {
      expect(decodeTuple(encodeTuple(...parts))).toEqual(parts);
    }), { seed: 2026, numRuns: 2000 });
  });

  it('never maps two different tuples to one string', () => {
    fc.assert(
      fc.property(tuple, tuple, (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        expect(encodeTuple(...a)).not.toBe(encodeTuple(...b));
      }),
      { seed: 7, numRuns: 2000 },
    );
  });

  it('separates the cases a bare join would confuse', () => {
    expect(encodeTuple('PARCEL', 'a#b', 'c')).not.toBe(encodeTuple('PARCEL', 'a', 'b#c'));
    expect(encodeTuple('x\\', '#')).not.toBe(encodeTuple('x', '\\#'));
  });

  it('tuplePrefix matches exactly the longer tuples that start with the parts', () => {
    fc.assert(
      fc.property(tuple, tuple, (prefixParts, other) => {
        const starts = encodeTuple(...other).startsWith(tuplePrefix(...prefixParts));
        const really = other.length > prefixParts.length && prefixParts.every((p, i) => other[i] === p);
        expect(starts).toBe(really);
      }),
      { seed: 11, numRuns: 2000 },
    );
  });

  it('refuses a dangling escape', () => {
    expect(() => decodeTuple('a\\')).toThrow(RangeError);
  });
});
