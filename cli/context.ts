import type { StderrChannel } from './channel.js';

/** What every command gets from the CLI. */
export interface CliContext {
  readonly stderr: StderrChannel;
  readonly stdout: (text: string) => void;
  /** Turns a message into the CLI's usage error (exit 2). */
  readonly usage: (message: string) => Error;
  readonly signal?: AbortSignal;
}

/** A command line parsed against its command's options. */
export interface Invocation {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
  /** `refund-gate <synopsis>`, for messages that show the command line expected. */
  readonly usage: string;
}

/** A command's run function: its exit status. */
export type Runner = (invocation: Invocation, ctx: CliContext) => Promise<number>;

/** A string option's value (undefined when not given). */
export function text(invocation: Invocation, name: string): string | undefined {
  const value = invocation.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Whether a boolean option was given. */
export function flag(invocation: Invocation, name: string): boolean {
  return invocation.values[name] === true;
}
