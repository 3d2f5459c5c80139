import { resolveSettings, type Settings } from '../contract/config.js';
import { RefundGateError } from '../errors.js';

/**
 * The shortest retention accepted: the dead-letter queues keep a message 14
 * days, and a message redriven from one must still find the items it concerns.
 */
export const MIN_RETENTION_DAYS = 14;

/** Why a table retention is not acceptable, or undefined when it is. */
export function retentionDaysProblem(days: unknown): string | undefined {
  if (typeof days !== 'number' || !Number.isInteger(days)) return `expected a whole number of days, got ${JSON.stringify(days)}`;
  if (days < MIN_RETENTION_DAYS) return `expected at least ${MIN_RETENTION_DAYS} days (the dead-letter queues keep a message 14 days; a redriven message must find its items), got ${days}`;
  return undefined;
}

/** The Lambda environment is wrong: the function cannot start (fails the cold start, loudly). */
export class ConfigurationError extends RefundGateError {
  public constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ConfigurationError';
  }
}

export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigurationError(`environment variable ${name} is required`);
  return value;
}

/** `TABLE_RETENTION_DAYS`, when set: the stores' `retentionDays`. A wrong value fails the cold start. */
export function storeOptionsFromEnv(env: NodeJS.ProcessEnv): { retentionDays?: number } {
  const raw = env[ENV.tableRetentionDays];
  if (raw === undefined || raw === '') return {};
  const days = /^\d+$/.test(raw) ? Number(raw) : raw;
  const problem = retentionDaysProblem(days);
  if (problem !== undefined) throw new ConfigurationError(`${ENV.tableRetentionDays} is invalid: ${problem}`);
  return { retentionDays: days as number };
}

/** `REFUND_GATE_SETTINGS` holds the contract settings as JSON (written by the CDK construct). */
export function settingsFromEnv(env: NodeJS.ProcessEnv): Settings {
  const raw = env['REFUND_GATE_SETTINGS'];
  try {
    return resolveSettings(raw ? JSON.parse(raw) : {});
  } catch (cause) {
    throw new ConfigurationError(`REFUND_GATE_SETTINGS is invalid: ${(cause as Error).message}`, { cause });
  }
}

/** Environment variable names shared by the CDK construct and the handlers. */
export const ENV = {
  tableName: 'TABLE_NAME',
  /** Days items stay in the table (shared/store/table.ts); unset: the default. */
  tableRetentionDays: 'TABLE_RETENTION_DAYS',
  settings: 'REFUND_GATE_SETTINGS',
  reviewTopicArn: 'REVIEW_TOPIC_ARN',
  eventBusName: 'EVENT_BUS_NAME',
  rejectedQueueUrl: 'REJECTED_QUEUE_URL',
} as const;
