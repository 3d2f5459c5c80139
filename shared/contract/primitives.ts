import * as z from 'zod';

/** Ids are non-empty strings of at most 128 characters (contract §1). */
export const Id = z.string().min(1).max(128);

/** Every ISO 4217 code this runtime's ICU knows, plus the fund/testing codes it may omit. */
const KNOWN_CURRENCIES: ReadonlySet<string> = new Set([
  ...Intl.supportedValuesOf('currency'),
  'XXX',
  'XTS',
]);

/**
 * ISO 8601 timestamp with an explicit offset (`Z` or `±hh:mm`), seconds
 * required. zod's pattern also rejects impossible dates (31 February).
 */
export const Timestamp = z.iso.datetime({ offset: true });

/** `{ amount: integer ≥ 0 in minor units, currency: ISO 4217 }`. */
export const Money = z.object({
  amount: z.int().min(0),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, { message: 'expected 3 upper-case letters (ISO 4217)' })
    .refine((code) => !/^[A-Z]{3}$/.test(code) || KNOWN_CURRENCIES.has(code), { message: 'unknown ISO 4217 currency code' }),
});
export type Money = z.infer<typeof Money>;
