import * as z from 'zod';
import { DETAIL_TYPES, type DetailType } from './inbound.js';
import { ContractValidationError } from './errors.js';
import { issuesOf } from './issues.js';

/**
 * ISO 8601 duration limited to days, hours, minutes and seconds
 * (`P14D`, `PT15M`, `PT0S`, `P1DT12H`): months and years have no fixed length.
 */
const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function parseDurationMs(text: string): number {
  const m = DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) throw new RangeError(`not an ISO 8601 duration: ${text}`);
  const [, d, h, min, s] = m;
  return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Math.round(Number(s ?? 0) * 1000);
}

const Duration = z
  .string()
  .refine((t) => DURATION.test(t) && t !== 'P' && !t.endsWith('T'), {
    message: 'expected an ISO 8601 duration of days/hours/minutes/seconds, e.g. PT15M or P14D',
  });

/** Default source per detail-type (contract §1). Each is a deployment setting. */
export const DEFAULT_SOURCES = {
  ReturnAuthorized: 'retail.returns',
  CarrierScan: 'retail.carrier',
  WarehouseReceipt: 'retail.warehouse',
  RefundRequested: 'retail.refunds',
  ReviewDecided: 'retail.review',
} as const satisfies Record<DetailType, string>;

/** The source refund-gate puts its own events on the bus with (contract §4). */
export const OUTBOUND_SOURCE = 'refund-gate';

const Sources = z
  .object(
    Object.fromEntries(DETAIL_TYPES.map((t) => [t, z.string().min(1).max(256).optional()])) as Record<
      DetailType,
      z.ZodOptional<z.ZodString>
    >,
  )
  .strict();

/**
 * The settings of contract §3 and §5 as a user writes them (replay's
 * `--config`, CDK context, Lambda environment). Every field is optional.
 */
export const SettingsInput = z
  .object({
    sources: Sources.optional(),
    skew: Duration.optional(),
    grace: Duration.optional(),
    maxHold: Duration.optional(),
    orphanTimeout: Duration.optional(),
    threshold: z.int().min(1).max(1000).optional(),
    window: Duration.optional(),
    flagFor: Duration.optional(),
  })
  .strict();
export type SettingsInput = z.infer<typeof SettingsInput>;

export const DEFAULT_SETTINGS = {
  skew: 'PT15M',
  grace: 'PT0S',
  maxHold: 'P14D',
  orphanTimeout: 'PT24H',
  threshold: 3,
  window: 'PT24H',
  flagFor: 'P7D',
} as const;

/** Settings resolved to numbers, the form the domain consumes. */
export interface Settings {
  readonly sources: Readonly<Record<DetailType, string>>;
  readonly skewMs: number;
  readonly graceMs: number;
  readonly maxHoldMs: number;
  readonly orphanTimeoutMs: number;
  readonly threshold: number;
  readonly windowMs: number;
  readonly flagForMs: number;
}

/** Validate user settings, fill defaults. Throws {@link ContractValidationError} naming the field. */
export function resolveSettings(input: unknown = {}): Settings {
  const parsed = SettingsInput.safeParse(input ?? {});
  if (!parsed.success) throw new ContractValidationError(issuesOf(parsed.error));
  const s = parsed.data;
  return {
    sources: { ...DEFAULT_SOURCES, ...definedOnly(s.sources ?? {}) },
    skewMs: parseDurationMs(s.skew ?? DEFAULT_SETTINGS.skew),
    graceMs: parseDurationMs(s.grace ?? DEFAULT_SETTINGS.grace),
    maxHoldMs: parseDurationMs(s.maxHold ?? DEFAULT_SETTINGS.maxHold),
    orphanTimeoutMs: parseDurationMs(s.orphanTimeout ?? DEFAULT_SETTINGS.orphanTimeout),
    threshold: s.threshold ?? DEFAULT_SETTINGS.threshold,
    windowMs: parseDurationMs(s.window ?? DEFAULT_SETTINGS.window),
    flagForMs: parseDurationMs(s.flagFor ?? DEFAULT_SETTINGS.flagFor),
  };
}

function definedOnly<T extends Record<string, string | undefined>>(o: T): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Record<string, string>;
}
