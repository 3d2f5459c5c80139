import * as z from 'zod';
import { DETAIL_TYPES, type DetailType } from './inbound.js';
import { ContractValidationError, type FieldIssue } from './errors.js';
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
    /** *v1.1* relative weight tolerance: a fraction of the larger weight, 0–1. */
    weightTolerance: z.number().min(0).max(1).optional(),
    /** *v1.1* absolute weight tolerance in grams. */
    weightToleranceGrams: z.number().min(0).max(1_000_000).optional(),
    /** *v1.2* how long before `authorizedAt` a DELIVERED scan may still be a return's inbound scan. */
    evidenceWindow: Duration.optional(),
    /** *v1.2* returns of different customers naming one parcel within this of each other share it. */
    sharedParcelWindow: Duration.optional(),
  })
  .strict();
export type SettingsInput = z.infer<typeof SettingsInput>;

/** Every setting name a user may write (replay `--config`, CDK context, Lambda environment). */
export const SETTING_NAMES = Object.keys(SettingsInput.shape) as ReadonlyArray<keyof SettingsInput>;

/**
 * The known name closest to `name` (case-insensitive edit distance), for
 * "did you mean" hints; undefined when nothing is close enough to be a typo.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = editDistance(wanted, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

/** `unknown setting "theshold" (did you mean "threshold"?)`: one message for every place settings are read. */
export function unknownSettingMessage(name: string, known: readonly string[] = SETTING_NAMES, what = 'setting'): string {
  const hint = closestName(name, known);
  return `unknown ${what} ${JSON.stringify(name)}${hint === undefined ? ` (known: ${known.join(', ')})` : ` (did you mean ${JSON.stringify(hint)}?)`}`;
}

function editDistance(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = previous[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[y.length]!;
}

/** Unknown names (top level and under `sources`), each as a field issue with a "did you mean". */
function unknownNames(input: unknown): FieldIssue[] {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return [];
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(input)) {
    if (!(SETTING_NAMES as readonly string[]).includes(key)) issues.push({ path: key, message: unknownSettingMessage(key) });
  }
  const sources = (input as Record<string, unknown>)['sources'];
  if (sources !== null && typeof sources === 'object' && !Array.isArray(sources)) {
    for (const key of Object.keys(sources)) {
      if (!(DETAIL_TYPES as readonly string[]).includes(key)) {
        issues.push({ path: `sources.${key}`, message: unknownSettingMessage(key, DETAIL_TYPES, 'detail-type') });
      }
    }
  }
  return issues;
}

export const DEFAULT_SETTINGS = {
  skew: 'PT15M',
  grace: 'PT0S',
  maxHold: 'P14D',
  orphanTimeout: 'PT24H',
  threshold: 3,
  window: 'PT24H',
  flagFor: 'P7D',
  weightTolerance: 0.15,
  weightToleranceGrams: 150,
  evidenceWindow: 'P7D',
  sharedParcelWindow: 'P90D',
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
  readonly weightTolerance: number;
  readonly weightToleranceGrams: number;
  readonly evidenceWindowMs: number;
  readonly sharedParcelWindowMs: number;
}

/** Validate user settings, fill defaults. Throws {@link ContractValidationError} naming the field. */
export function resolveSettings(input: unknown = {}): Settings {
  const unknown = unknownNames(input);
  if (unknown.length > 0) throw new ContractValidationError(unknown);
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
    weightTolerance: s.weightTolerance ?? DEFAULT_SETTINGS.weightTolerance,
    weightToleranceGrams: s.weightToleranceGrams ?? DEFAULT_SETTINGS.weightToleranceGrams,
    evidenceWindowMs: parseDurationMs(s.evidenceWindow ?? DEFAULT_SETTINGS.evidenceWindow),
    sharedParcelWindowMs: parseDurationMs(s.sharedParcelWindow ?? DEFAULT_SETTINGS.sharedParcelWindow),
  };
}

function definedOnly<T extends Record<string, string | undefined>>(o: T): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Record<string, string>;
}
