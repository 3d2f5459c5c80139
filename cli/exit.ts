import { RefundGateError } from '../shared/errors.js';

/** Exit statuses (README: "Exit codes"). */
export const EXIT = {
  /** The whole input was read (bad lines are `rejected` output, not failures). */
  ok: 0,
  /** The run could not happen: no Java, DynamoDB Local failed, unreadable input, a broken runtime. */
  failed: 1,
  /** Wrong command line: unknown command or option, bad --config, bad --until, bad number. */
  usage: 2,
  /** Interrupted (Ctrl-C) or terminated; DynamoDB Local was stopped. */
  sigint: 130,
  sigterm: 143,
} as const;

/**
 * An error a person can act on: the CLI prints its message as one line and
 * exits with its status (a usage status adds the pointer to the help). Each
 * error class the CLI expects declares its own status; anything else is a
 * bug, printed with its name, exit 1.
 */
export interface ExitStatusError extends Error {
  readonly exitStatus: number;
}

export function exitStatusOf(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const status = (error as Partial<ExitStatusError>).exitStatus;
  return typeof status === 'number' ? status : undefined;
}

/** The command line is wrong; the message says how. */
export class UsageError extends RefundGateError implements ExitStatusError {
  public readonly exitStatus: number = EXIT.usage;

  public constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
