import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../shared/contract/index.js';
import { GRAMS_PER, pairAgrees, toGrams, weightsAgree, type KnownWeight } from '../../shared/domain/weights.js';

const defaults = resolveSettings();
const known = (grams: number): KnownWeight => ({ source: 'scan', weight: { value: grams, unit: 'g' }, grams });

describe('weights', () => {
  it('converts with the exact factors of the contract', () => {
    expect(toGrams({ value: 1, unit: 'oz' })).toBe(28.349523125);
    expect(toGrams({ value: 1, unit: 'lb' })).toBe(453.59237);
    expect(toGrams({ value: 1.5, unit: 'kg' })).toBe(1500);
    expect(toGrams({ value: 16, unit: 'oz' })).toBeCloseTo(453.59237, 9);
  });

  it('tolerance is symmetric (property)', () => {
    const tolerance = fc.record({ weightTolerance: fc.double({ min: 0, max: 1, noNaN: true }), weightToleranceGrams: fc.double({ min: 0, max: 1000, noNaN: true }) });
    const grams = fc.double({ min: 0.001, max: 100_000, noNaN: true });
    fc.assert(
      fc.property(tolerance, grams, grams, (t, a, b) => {
        expect(pairAgrees(a, b, t)).toBe(pairAgrees(b, a, t));
        expect(weightsAgree([known(a), known(b)], t).agree).toBe(weightsAgree([known(b), known(a)], t).agree);
      }),
      { numRuns: 500, seed: 2_026 },
    );
  });

  it('checking the extreme pair is the same as checking every pair, and names a pair that disagrees (property)', () => {
    const tolerance = fc.record({ weightTolerance: fc.double({ min: 0, max: 1, noNaN: true }), weightToleranceGrams: fc.double({ min: 0, max: 500, noNaN: true }) });
    fc.assert(
      fc.property(tolerance, fc.array(fc.double({ min: 1, max: 10_000, noNaN: true }), { maxLength: 5 }), (t, weights) => {
        const everyPair = weights.every((a, i) => weights.every((b, j) => i === j || pairAgrees(a, b, t)));
        const verdict = weightsAgree(weights.map(known), t);
        expect(verdict.agree).toBe(everyPair);
        if (!verdict.agree) expect(pairAgrees(verdict.pair[0].grams, verdict.pair[1].grams, t)).toBe(false);
      }),
      { numRuns: 500, seed: 53 },
    );
  });

  it('fewer than two known weights always agree', () => {
    expect(weightsAgree([], defaults).agree).toBe(true);
    expect(weightsAgree([known(1)], defaults).agree).toBe(true);
  });

  it('has a factor for every unit the contract names', () => {
    expect(Object.keys(GRAMS_PER).sort()).toEqual(['g', 'kg', 'lb', 'oz']);
  });
});
