import { parseArgs } from 'node:util';
import type { StderrChannel } from '../stderr.js';
import type { BackendContext, TargetOptions } from './backend.js';

/** What every review command gets from the CLI. */
export interface CommandContext extends BackendContext {
  readonly stderr: StderrChannel;
  readonly stdout: (text: string) => void;
  /** Turns a message into the CLI's usage error (exit 2). */
  readonly usage: (message: string) => Error;
  readonly signal?: AbortSignal;
}

/** Options naming where the data is: a kept local run or a deployed table. */
export const TARGET_OPTIONS = {
  db: { type: 'string' },
  table: { type: 'string' },
  region: { type: 'string' },
  config: { type: 'string' },
} as const;

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export function parseCommand<T extends OptionSpec>(args: readonly string[], options: T, usage: (message: string) => Error) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage((error as Error).message);
  }
}

export function targetOf(values: Record<string, unknown>): TargetOptions {
  const s = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  return { db: s('db'), table: s('table'), region: s('region'), bus: s('bus'), config: s('config') };
}
