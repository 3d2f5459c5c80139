import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { resolveSettings, type SettingsInput } from '../shared/contract/config.js';
import { RefundGatePropsError } from './refund-gate.js';
import type { RefundGateStackProps } from './refund-gate-stack.js';

/** The stack name used when the `stackName` context is not given. */
export const DEFAULT_STACK_NAME = 'RefundGate';

/**
 * Context keys `infra/app.ts` reads (`npx cdk deploy -c key=value`, or the
 * `context` block of cdk.json). Settings use the same names and formats as
 * `refund-gate replay --config`.
 */
export const CONTEXT_KEYS = {
  stackName: 'stackName',
  eventBusName: 'eventBusName',
  eventBusArn: 'eventBusArn',
  reviewTopicArn: 'reviewTopicArn',
  alarmTopicArn: 'alarmTopicArn',
  /** A whole settings object as JSON, e.g. the file given to `replay --config`; the keys below override it. */
  settings: 'settings',
  sources: 'sources',
  skew: 'skew',
  grace: 'grace',
  maxHold: 'maxHold',
  orphanTimeout: 'orphanTimeout',
  threshold: 'threshold',
  window: 'window',
  flagFor: 'flagFor',
  removalPolicy: 'removalPolicy',
  deletionProtection: 'deletionProtection',
  logRetentionDays: 'logRetentionDays',
  reviewsPerHourThreshold: 'reviewsPerHourThreshold',
} as const;

const DURATION_KEYS = ['skew', 'grace', 'maxHold', 'orphanTimeout', 'window', 'flagFor'] as const;

/** Stack name and stack props from CDK context; a bad value fails `cdk synth` with the key's name. */
export function stackFromContext(node: Node): { stackName: string; props: RefundGateStackProps } {
  const get = (key: string): unknown => {
    const value: unknown = node.tryGetContext(key);
    return value === '' ? undefined : value;
  };
  const text = (key: string): string | undefined => {
    const value = get(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw contextError(key, 'expected a string');
    return value;
  };

  const settings: Record<string, unknown> = { ...(objectOf(CONTEXT_KEYS.settings, get(CONTEXT_KEYS.settings)) ?? {}) };
  const sources = objectOf(CONTEXT_KEYS.sources, get(CONTEXT_KEYS.sources));
  if (sources) settings['sources'] = { ...(settings['sources'] as object | undefined), ...sources };
  for (const key of DURATION_KEYS) {
    const value = get(key);
    if (value !== undefined) settings[key] = value;
  }
  const threshold = get(CONTEXT_KEYS.threshold);
  if (threshold !== undefined) settings['threshold'] = numberOf(threshold);

  // The contract's parser names the offending field, exactly as `replay --config` does.
  try {
    resolveSettings(settings);
  } catch (cause) {
    throw new RefundGatePropsError(`context: invalid setting: ${(cause as Error).message}`, { cause });
  }
  const input = settings as SettingsInput;
  const duration = (iso: string | undefined) => (iso === undefined ? undefined : Duration.parse(iso));

  const reviewsPerHour = get(CONTEXT_KEYS.reviewsPerHourThreshold);
  const retention = get(CONTEXT_KEYS.logRetentionDays);
  return {
    stackName: text(CONTEXT_KEYS.stackName) ?? DEFAULT_STACK_NAME,
    props: {
      eventBusName: text(CONTEXT_KEYS.eventBusName),
      eventBusArn: text(CONTEXT_KEYS.eventBusArn),
      reviewTopicArn: text(CONTEXT_KEYS.reviewTopicArn),
      alarmTopicArn: text(CONTEXT_KEYS.alarmTopicArn),
      sources: input.sources,
      skew: duration(input.skew),
      grace: duration(input.grace),
      maxHold: duration(input.maxHold),
      orphanTimeout: duration(input.orphanTimeout),
      threshold: input.threshold,
      window: duration(input.window),
      flagFor: duration(input.flagFor),
      removalPolicy: removalPolicyOf(text(CONTEXT_KEYS.removalPolicy)),
      deletionProtection: booleanOf(CONTEXT_KEYS.deletionProtection, get(CONTEXT_KEYS.deletionProtection)),
      logRetention: retention === undefined ? undefined : retentionOf(retention),
      reviewsPerHourThreshold: reviewsPerHour === undefined ? undefined : positiveNumberOf(CONTEXT_KEYS.reviewsPerHourThreshold, reviewsPerHour),
    },
  };
}

function contextError(key: string, message: string): RefundGatePropsError {
  return new RefundGatePropsError(`context: ${key}: ${message}`, { context: { key } });
}

/** `-c` values are strings; cdk.json values may already be JSON. */
function objectOf(key: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (cause) {
      throw new RefundGatePropsError(`context: ${key}: expected a JSON object`, { cause, context: { key } });
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw contextError(key, 'expected a JSON object');
  return parsed as Record<string, unknown>;
}

/** Leave anything that is not a plain decimal to the settings parser, which names the field. */
function numberOf(value: unknown): unknown {
  return typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
}

function positiveNumberOf(key: string, value: unknown): number {
  const n = numberOf(value);
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) throw contextError(key, 'expected a positive number');
  return n;
}

function booleanOf(key: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw contextError(key, 'expected true or false');
}

function removalPolicyOf(value: string | undefined): RemovalPolicy | undefined {
  if (value === undefined) return undefined;
  switch (value.toLowerCase()) {
    case 'retain':
      return RemovalPolicy.RETAIN;
    case 'destroy':
      return RemovalPolicy.DESTROY;
    default:
      throw contextError(CONTEXT_KEYS.removalPolicy, 'expected retain or destroy');
  }
}

function retentionOf(value: unknown): logs.RetentionDays {
  const days = numberOf(value);
  const allowed = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number');
  if (typeof days !== 'number' || !allowed.includes(days)) {
    throw contextError(CONTEXT_KEYS.logRetentionDays, `expected one of ${allowed.join(', ')}`);
  }
  return days as logs.RetentionDays;
}
