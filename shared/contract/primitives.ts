import { z } from 'zod';

/** Ids are non-empty strings of at most 128 characters (contract §1). */
export const Id = z.string().min(1).max(128);

/** Every ISO 4217 code this runtime's ICU knows, plus the fund/testing codes it may omit. */
const KNOWN_CURRENCIES: ReadonlySet<string> = new Set([
  ...Intl.supportedValuesOf('currency'),
  'XXX',
  'XTS',
]);

/**
 * ISO 8601 timestamp with an explicit offset (`Z` or `±hh:mm`) that denotes a
 * real calendar instant (no 31 February).
 */
export const Timestamp = z.iso.datetime({ offset: true }).refine(
  (value) => {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) return false;
    // Date.parse silently rolls 2026-02-31 into March; compare the calendar day.
    const [y, m, d] = value.slice(0, 10).split('-').map(Number);
    const probe = new Date(Date.UTC(y!, m! - 1, d!));
    return probe.getUTCFullYear() === y && probe.getUTCMonth() === m! - 1 && probe.getUTCDate() === d;
  },
  { message: 'not a real calendar date' },
);

/** `{ amount: integer ≥ 0 in minor units, currency: ISO 4217 }`. */
export const Money = z.object({
  amount: z.int().min(0),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, { message: 'expected 3 upper-case letters (ISO 4217)' })
    .refine((code) => KNOWN_CURRENCIES.has(code), { message: 'unknown ISO 4217 currency code' }),
});
export type Money = z.infer<typeof Money>;
