import { readFileSync } from 'node:fs';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { FacilityMap, type FacilityMapInput } from '../shared/carriers/facilities.js';
import { RefundGatePropsError } from './constructs/errors.js';
import { PRINCIPAL_ARN, PRODUCERS_UNBOUND, type ProducerBindings } from './constructs/producers.js';
import { closestName } from '../shared/contract/config.js';
import { retentionDaysProblem } from '../shared/app/environment.js';
import { effectiveSettings, SETTING_NAMES, type RefundGateSettings } from './constructs/settings.js';
import type { RefundGateStackProps } from './refund-gate-stack.js';

/** The stack name used when the `stackName` context is not given. */
export const DEFAULT_STACK_NAME = 'RefundGate';

/**
 * Context keys `infra/app.ts` reads (`npx cdk deploy -c key=value`, or the
 * `context` block of cdk.json), besides the settings. Settings use the same
 * names and formats as `refund-gate replay --config`; their names come from
 * the contract's schema (`SETTING_NAMES`), so a new setting needs no change here.
 */
export const CONTEXT_KEYS = {
  stackName: 'stackName',
  /** The stack's account and region; default: the CLI's (`CDK_DEFAULT_ACCOUNT`/`CDK_DEFAULT_REGION`, from credentials). */
  account: 'account',
  region: 'region',
  eventBusName: 'eventBusName',
  eventBusArn: 'eventBusArn',
  protectOutboundSource: 'protectOutboundSource',
  reviewTopicArn: 'reviewTopicArn',
  reviewTopicKeyArn: 'reviewTopicKeyArn',
  alarmTopicArn: 'alarmTopicArn',
  /** A whole settings object: JSON, or the path of a JSON file such as the one `replay --config` takes; individual setting keys override it. */
  settings: 'settings',
  removalPolicy: 'removalPolicy',
  deletionProtection: 'deletionProtection',
  logRetentionDays: 'logRetentionDays',
  /** Days items stay in the table after their last write (at least 14; default 30). */
  tableRetentionDays: 'tableRetentionDays',
  reviewsPerHourThreshold: 'reviewsPerHourThreshold',
  sweeperReservedConcurrency: 'sweeperReservedConcurrency',
  ingestReservedConcurrency: 'ingestReservedConcurrency',
  /** Turns on the carrier webhook endpoint: a path to the facility map JSON file, or the map itself as JSON (docs/producers/carriers.md). */
  carrierFacilities: 'carrierFacilities',
  /** `true` accepts carrier test-mode events (EasyPost test, Shippo test, UPS CIE numbers); default false. */
  allowCarrierTestMode: 'allowCarrierTestMode',
  /** Hours after a webhook secret rotation during which the previous secret is still accepted (1–168; default 24). */
  carrierPreviousSecretHours: 'carrierPreviousSecretHours',
  /** Hours without a UPS event, while returns are active, before the UPS silence alarm fires (1–168); unset: no such alarm. */
  upsSilenceHours: 'upsSilenceHours',
  /** `false` leaves out the EventBridge schema registry of the contract's events. */
  schemaRegistry: 'schemaRegistry',
  /** Required: `{"<detail-type>":["<role arn>",…]}` (JSON, or the path of a JSON file), or `unbound` to waive the bindings. */
  producers: 'producers',
  /** Role ARNs the table's policy lets read items (JSON array or comma-separated). */
  analystRoleArns: 'analystRoleArns',
} as const;

/** Every key refund-gate reads: its own and one per setting. */
export function knownContextKeys(): string[] {
  return [...Object.values(CONTEXT_KEYS), ...SETTING_NAMES];
}

/**
 * Keys the CDK itself, its CLI or other libraries put in the context:
 * feature flags (`@aws-cdk/…`), CLI internals (`aws:cdk:…`), lookup caches
 * (`availability-zones:account=…`), and these plain names.
 */
const FOREIGN_PLAIN_KEYS = new Set(['cli-telemetry', 'acknowledged-issue-numbers']);
const isForeignKey = (key: string) => key.startsWith('@') || key.includes(':') || FOREIGN_PLAIN_KEYS.has(key);

/** A CloudFormation stack name. */
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * Stack name, environment and stack props from CDK context. Every key is
 * checked: an unknown one (with the nearest known key for a typo) or a
 * malformed value throws {@link RefundGatePropsError} naming the key.
 */
export function stackFromContext(node: Node): { stackName: string; props: RefundGateStackProps } {
  const known = knownContextKeys();
  for (const key of Object.keys(node.getAllContext())) {
    if (isForeignKey(key) || known.includes(key)) continue;
    const hint = closestName(key, known);
    throw new RefundGatePropsError(`unknown context key "${key}" ${hint ? `(did you mean "${hint}"?)` : `(known keys: ${known.join(', ')})`}`, { context: { key } });
  }

  const get = (key: string): unknown => {
    const value: unknown = node.tryGetContext(key);
    return value === '' ? undefined : value;
  };
  const text = (key: string, pattern?: RegExp, what?: string): string | undefined => {
    const value = get(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw contextError(key, 'expected a string');
    if (pattern && !pattern.test(value)) throw contextError(key, `expected ${what}, got ${JSON.stringify(value)}`);
    return value;
  };

  // Settings: the `settings` object, then each individual key on top; the contract's parser names the field.
  const settings: Record<string, unknown> = { ...(settingsObjectOf(get(CONTEXT_KEYS.settings)) ?? {}) };
  for (const name of SETTING_NAMES) {
    const value = get(name);
    if (value === undefined) continue;
    const parsed = settingValueOf(name, value);
    settings[name] = isPlainObject(parsed) && isPlainObject(settings[name]) ? { ...(settings[name] as object), ...parsed } : parsed;
  }
  effectiveSettings(settings as RefundGateSettings, 'context');

  const account = text(CONTEXT_KEYS.account, ACCOUNT, 'a 12-digit account id');
  const region = text(CONTEXT_KEYS.region, REGION, 'a region such as eu-west-1');
  const envAccount = account ?? process.env['CDK_DEFAULT_ACCOUNT'];
  const envRegion = region ?? process.env['CDK_DEFAULT_REGION'];
  const reviewsPerHour = get(CONTEXT_KEYS.reviewsPerHourThreshold);
  const retention = get(CONTEXT_KEYS.logRetentionDays);
  const props: RefundGateStackProps = {
    ...(envAccount || envRegion ? { env: { account: envAccount, region: envRegion } } : {}),
    eventBusName: text(CONTEXT_KEYS.eventBusName),
    eventBusArn: text(CONTEXT_KEYS.eventBusArn),
    protectOutboundSource: booleanOf(CONTEXT_KEYS.protectOutboundSource, get(CONTEXT_KEYS.protectOutboundSource)),
    reviewTopicArn: text(CONTEXT_KEYS.reviewTopicArn),
    reviewTopicKeyArn: text(CONTEXT_KEYS.reviewTopicKeyArn),
    alarmTopicArn: text(CONTEXT_KEYS.alarmTopicArn),
    settings: Object.keys(settings).length > 0 ? (settings as RefundGateSettings) : undefined,
    removalPolicy: removalPolicyOf(text(CONTEXT_KEYS.removalPolicy)),
    deletionProtection: booleanOf(CONTEXT_KEYS.deletionProtection, get(CONTEXT_KEYS.deletionProtection)),
    logRetention: retention === undefined ? undefined : retentionOf(retention),
    tableRetentionDays: tableRetentionOf(get(CONTEXT_KEYS.tableRetentionDays)),
    reviewsPerHourThreshold: reviewsPerHour === undefined ? undefined : positiveNumberOf(CONTEXT_KEYS.reviewsPerHourThreshold, reviewsPerHour),
    sweeperReservedConcurrency: wholeNumberOf(CONTEXT_KEYS.sweeperReservedConcurrency, get(CONTEXT_KEYS.sweeperReservedConcurrency)),
    ingestReservedConcurrency: wholeNumberOf(CONTEXT_KEYS.ingestReservedConcurrency, get(CONTEXT_KEYS.ingestReservedConcurrency)),
    carrierWebhooks: carrierWebhooksOf(get(CONTEXT_KEYS.carrierFacilities), get),
    schemaRegistry: booleanOf(CONTEXT_KEYS.schemaRegistry, get(CONTEXT_KEYS.schemaRegistry)),
    producers: producersOf(get(CONTEXT_KEYS.producers)),
    analystRoleArns: analystRolesOf(get(CONTEXT_KEYS.analystRoleArns)),
  };
  return {
    stackName: text(CONTEXT_KEYS.stackName, STACK_NAME, 'a CloudFormation stack name (a letter, then letters, digits and hyphens, at most 128)') ?? DEFAULT_STACK_NAME,
    props: Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined)) as RefundGateStackProps,
  };
}

/** `carrierFacilities`: a JSON object, or the path of a file holding one; validated like the Lambda will. The other carrier keys need it. */
function carrierWebhooksOf(value: unknown, get: (key: string) => unknown): RefundGateStackProps['carrierWebhooks'] {
  const options = carrierOptionsOf(get);
  if (value === undefined) {
    const stray = Object.keys(options)[0];
    if (stray !== undefined) throw contextError(CARRIER_OPTION_KEYS.get(stray)!, `needs ${CONTEXT_KEYS.carrierFacilities} (the carrier webhook endpoint is off without it)`);
    return undefined;
  }
  const key = CONTEXT_KEYS.carrierFacilities;
  let input: unknown = value;
  if (typeof value === 'string') {
    const text = value.trimStart().startsWith('{') ? value : readContextFile(key, value);
    try {
      input = JSON.parse(text);
    } catch (cause) {
      throw new RefundGatePropsError(`context ${key}: expected a JSON object or the path of a JSON file`, { cause, context: { key } });
    }
  }
  try {
    FacilityMap.parse(input);
  } catch (cause) {
    throw new RefundGatePropsError(`context ${key}: ${(cause as Error).message}`, { cause, context: { key } });
  }
  return { facilities: input as FacilityMapInput, ...options };
}

const CARRIER_OPTION_KEYS = new Map<string, string>([
  ['allowTestMode', CONTEXT_KEYS.allowCarrierTestMode],
  ['previousSecretWindow', CONTEXT_KEYS.carrierPreviousSecretHours],
  ['upsSilence', CONTEXT_KEYS.upsSilenceHours],
]);

function carrierOptionsOf(get: (key: string) => unknown) {
  const hours = (key: string): Duration | undefined => {
    const value = get(key);
    if (value === undefined) return undefined;
    const n = numberOf(value);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 168) throw contextError(key, `expected whole hours from 1 to 168, got ${JSON.stringify(value)}`);
    return Duration.hours(n);
  };
  const options = {
    allowTestMode: booleanOf(CONTEXT_KEYS.allowCarrierTestMode, get(CONTEXT_KEYS.allowCarrierTestMode)),
    previousSecretWindow: hours(CONTEXT_KEYS.carrierPreviousSecretHours),
    upsSilence: hours(CONTEXT_KEYS.upsSilenceHours),
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<typeof options>;
}

/**
 * `settings`: a JSON object, or the path of a file holding one (the file `replay --config` takes, pretty-printed
 * or not). The CDK CLI keeps a `-c` value only up to its first line break, so `-c settings="$(cat file)"` of a
 * pretty-printed file arrives as `{`: say so and point at the path form.
 */
function settingsObjectOf(value: unknown): Record<string, unknown> | undefined {
  const key = CONTEXT_KEYS.settings;
  if (typeof value !== 'string') return objectOf(key, value);
  if (!value.trimStart().startsWith('{')) return objectOf(key, readContextFile(key, value));
  try {
    JSON.parse(value);
  } catch (cause) {
    const hint = value.includes('\n') ? '' : ' (the CDK CLI keeps a -c value only up to its first line break: give the file\'s path, -c settings=refund-gate.json)';
    throw new RefundGatePropsError(`context ${key}: expected a JSON object or the path of a JSON file, got ${JSON.stringify(value.slice(0, 40))}${hint}`, { cause, context: { key } });
  }
  return objectOf(key, value);
}

/** `producers`: `unbound`, a JSON object, or the path of a file holding one; checked in full by the construct. */
function producersOf(value: unknown): RefundGateStackProps['producers'] {
  if (value === undefined || value === PRODUCERS_UNBOUND) return value;
  const key = CONTEXT_KEYS.producers;
  if (typeof value !== 'string') return objectOf(key, value) as ProducerBindings;
  const text = value.trimStart().startsWith('{') ? value : readContextFile(key, value);
  return objectOf(key, text) as ProducerBindings;
}

function analystRolesOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const key = CONTEXT_KEYS.analystRoleArns;
  let list: unknown = value;
  if (typeof value === 'string') list = value.trim().startsWith('[') ? parseJsonOr(key, value) : value.split(',').map((v) => v.trim()).filter(Boolean);
  if (!Array.isArray(list)) throw contextError(key, 'expected a JSON array of role ARNs, or a comma-separated list');
  for (const arn of list) {
    if (typeof arn !== 'string' || !PRINCIPAL_ARN.test(arn)) throw contextError(key, `not an IAM role or user ARN: ${JSON.stringify(arn)}`);
  }
  return list as string[];
}

function parseJsonOr(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new RefundGatePropsError(`context ${key}: not valid JSON`, { cause, context: { key } });
  }
}

function readContextFile(key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    const expected = key === CONTEXT_KEYS.producers ? `expected "${PRODUCERS_UNBOUND}", a JSON object or the path of a JSON file; ` : '';
    throw new RefundGatePropsError(`context ${key}: ${expected}cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause, context: { key } });
  }
}

function contextError(key: string, message: string): RefundGatePropsError {
  return new RefundGatePropsError(`context ${key}: ${message}`, { context: { key } });
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `-c` values are strings; cdk.json values may already be JSON. A setting's
 * string is read as JSON when it is a number or an object (`threshold=5`,
 * `sources={"CarrierScan":"acme"}`), and kept as text otherwise (`P1D`):
 * the contract's parser then says what is wrong with it.
 */
function settingValueOf(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(trimmed)) return Number(trimmed);
  if (trimmed.startsWith('{')) return objectOf(key, trimmed);
  return value;
}

function objectOf(key: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (cause) {
      throw new RefundGatePropsError(`context ${key}: expected a JSON object`, { cause, context: { key } });
    }
  }
  if (!isPlainObject(parsed)) throw contextError(key, 'expected a JSON object');
  return parsed;
}

function numberOf(value: unknown): unknown {
  return typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
}

function positiveNumberOf(key: string, value: unknown): number {
  const n = numberOf(value);
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) throw contextError(key, `expected a positive number, got ${JSON.stringify(value)}`);
  return n;
}

function wholeNumberOf(key: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = numberOf(value);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 10_000) throw contextError(key, `expected a whole number from 0 to 10000, got ${JSON.stringify(value)}`);
  return n;
}

function tableRetentionOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = numberOf(value);
  const problem = retentionDaysProblem(n);
  if (problem !== undefined) throw contextError(CONTEXT_KEYS.tableRetentionDays, problem.replace(/got .*$/, `got ${JSON.stringify(value)}`));
  return n as number;
}

function booleanOf(key: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw contextError(key, `expected true or false, got ${JSON.stringify(value)}`);
}

function removalPolicyOf(value: string | undefined): RemovalPolicy | undefined {
  if (value === undefined) return undefined;
  switch (value.toLowerCase()) {
    case 'retain':
      return RemovalPolicy.RETAIN;
    case 'destroy':
      return RemovalPolicy.DESTROY;
    default:
      throw contextError(CONTEXT_KEYS.removalPolicy, `expected retain or destroy, got ${JSON.stringify(value)}`);
  }
}

function retentionOf(value: unknown): logs.RetentionDays {
  const days = numberOf(value);
  const allowed = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number');
  if (typeof days !== 'number' || !allowed.includes(days)) {
    throw contextError(CONTEXT_KEYS.logRetentionDays, `expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return days as logs.RetentionDays;
}
