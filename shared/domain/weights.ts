import type { Weight, WeightUnit } from './types.js';

/** Grams per unit (contract §1, v1.1): 1 oz = 28.349523125 g, 1 lb = 453.59237 g, both exact. */
export const GRAMS_PER: Readonly<Record<WeightUnit, number>> = { g: 1, kg: 1000, oz: 28.349523125, lb: 453.59237 };

export function toGrams(weight: Weight): number {
  return weight.value * GRAMS_PER[weight.unit];
}

export interface WeightTolerance {
  /** Relative: a fraction of the larger weight (default 0.15). */
  readonly weightTolerance: number;
  /** Absolute floor in grams (default 150). */
  readonly weightToleranceGrams: number;
}

/**
 * Unit conversion in binary floating point can put a weight a few
 * nano-grams beside its exact value; a difference exactly at the tolerance
 * must still agree, so comparisons allow this much (a millionth of a gram).
 */
const ROUNDING_SLACK_G = 1e-6;

/** How far two weights (in grams) may differ: max(absolute, relative × the larger). */
export function toleranceGrams(aGrams: number, bGrams: number, tolerance: WeightTolerance): number {
  return Math.max(tolerance.weightToleranceGrams, tolerance.weightTolerance * Math.max(aGrams, bGrams));
}

/** Whether two weights (in grams) agree. Symmetric by construction. */
export function pairAgrees(aGrams: number, bGrams: number, tolerance: WeightTolerance): boolean {
  return Math.abs(aGrams - bGrams) <= toleranceGrams(aGrams, bGrams, tolerance) + ROUNDING_SLACK_G;
}

/** One weight known for a receipt, named by where it came from (for the review's evidence). */
export interface KnownWeight {
  readonly source: 'expectedWeight' | 'scan' | 'receipt';
  /** For a scan's weight. */
  readonly scanId?: string | undefined;
  /** v1.2: for an expected weight summed over one customer's returns in one box, those returns. */
  readonly returnIds?: readonly string[] | undefined;
  readonly weight: Weight;
  readonly grams: number;
}

export type WeightVerdict =
  | { readonly agree: true }
  | { readonly agree: false; readonly pair: readonly [KnownWeight, KnownWeight]; readonly differenceGrams: number; readonly toleranceGrams: number };

/**
 * "Weights agree" (contract §2, v1.1): no two known weights differ by more
 * than the tolerance; fewer than two always agree.
 *
 * Checking the lightest against the heaviest is enough: for a relative
 * tolerance ≤ 1, `x − min − max(abs, rel·x)` never decreases as x grows, so
 * if any pair disagrees, the extreme pair does. That pair is the one the
 * evidence names (a unit test checks this against every pair).
 */
export function weightsAgree(known: readonly KnownWeight[], tolerance: WeightTolerance): WeightVerdict {
  if (known.length < 2) return { agree: true };
  let lightest = known[0]!;
  let heaviest = known[0]!;
  for (const k of known) {
    if (k.grams < lightest.grams) lightest = k;
    if (k.grams > heaviest.grams) heaviest = k;
  }
  if (pairAgrees(lightest.grams, heaviest.grams, tolerance)) return { agree: true };
  return {
    agree: false,
    pair: [lightest, heaviest],
    differenceGrams: heaviest.grams - lightest.grams,
    toleranceGrams: toleranceGrams(lightest.grams, heaviest.grams, tolerance),
  };
}

/** Evidence-friendly form: grams rounded to a tenth, with the reading as given. */
export function describeWeight(k: KnownWeight): Record<string, unknown> {
  return {
    source: k.source,
    ...(k.scanId !== undefined ? { scanId: k.scanId } : {}),
    ...(k.returnIds !== undefined ? { returnIds: k.returnIds } : {}),
    grams: roundTenth(k.grams),
    value: k.weight.value,
    unit: k.weight.unit,
  };
}

export const roundTenth = (grams: number): number => Math.round(grams * 10) / 10;
