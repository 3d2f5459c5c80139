import type * as z from 'zod';
import { issuesOf } from '../contract/issues.js';
import { REFUSAL_STATUS, WebhookRefusedError } from './errors.js';

/** Parse with a provider schema; a mismatch is a 400 naming the first wrong field. */
export function parseShape<T>(schema: z.ZodType<T>, value: unknown, what: string, prefix = ''): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const first = issuesOf(parsed.error, prefix)[0]!;
  throw new WebhookRefusedError(REFUSAL_STATUS.badRequest, `not ${what}: ${first.path}: ${first.message}`, { context: { field: first.path } });
}

/** A string field that may be null or absent in the provider's JSON. */
export function present(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}
