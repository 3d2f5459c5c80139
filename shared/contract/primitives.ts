import * as z from 'zod';

/**
 * Ids are non-empty strings of at most 128 Unicode code points (contract §1);
 * any character is allowed and none has a meaning (an emoji is one code point
 * but two UTF-16 units, hence the count by code point).
 */
export const Id = z
  .string()
  .min(1)
  .refine((id) => codePoints(id) <= 128, { message: 'must not be longer than 128 characters' })
  // JSON Schema counts maxLength in code points too; the refinement itself has no JSON Schema form.
  .meta({ maxLength: 128 });

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Every ISO 4217 code this runtime's ICU knows, plus the fund/testing codes it may omit. */
const KNOWN_CURRENCIES: ReadonlySet<string> = new Set([
  ...Intl.supportedValuesOf('currency'),
  'XXX',
  'XTS',
]);

/**
 * RFC 3339 as the contract spells it (§1): `YYYY-MM-DDThh:mm:ss`, an
 * optional fraction of 1–9 digits, and `Z` or `±hh:mm`. Upper-case `T` and
 * `Z` only, no space separator, no `+hhmm`, no leap second (`:60`).
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** Whether `text` is a strict, calendar-valid RFC 3339 timestamp (31 February and 24:00 are not). */
export function isRfc3339(text: string): boolean {
  const m = RFC3339.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offsetHour = m[7] === undefined ? 0 : Number(m[7]);
  const offsetMinute = m[8] === undefined ? 0 : Number(m[8]);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysIn(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHour <= 23 &&
    offsetMinute <= 59
  );
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export const TIMESTAMP_FORMAT = 'expected an RFC 3339 timestamp: YYYY-MM-DDThh:mm:ss, optional .fraction (1–9 digits), Z or ±hh:mm';

export const Timestamp = z
  .string()
  .refine(isRfc3339, { message: TIMESTAMP_FORMAT })
  // For the published JSON Schemas: the shape (the calendar check is the parser's).
  .meta({ format: 'date-time', pattern: RFC3339.source });

/** The largest amount in minor units (2^53 − 1): beyond it, JSON numbers lose cents. */
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;

/** `{ amount: integer 0 ≤ amount ≤ 2^53 − 1 in minor units, currency: ISO 4217 }`. */
export const Money = z.object({
  // z.int() is a safe integer: at most MAX_AMOUNT.
  amount: z.int().min(0),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, { message: 'expected 3 upper-case letters (ISO 4217)' })
    .refine((code) => !/^[A-Z]{3}$/.test(code) || KNOWN_CURRENCIES.has(code), { message: 'unknown ISO 4217 currency code' }),
});
export type Money = z.infer<typeof Money>;

export const WEIGHT_UNITS = ['g', 'kg', 'oz', 'lb'] as const;

/** *v1.1* `{ value: number > 0, unit: g | kg | oz | lb }`. */
export const Weight = z.object({
  value: z.number().positive().finite(),
  unit: z.enum(WEIGHT_UNITS),
});
export type Weight = z.infer<typeof Weight>;
