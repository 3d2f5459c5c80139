import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { RefundGateError } from '../shared/errors.js';
import type { LocalRuntime } from './runtime.js';
import { EXIT, type ExitStatusError } from './exit.js';

/** The input file cannot be opened or read. */
export class InputUnreadableError extends RefundGateError implements ExitStatusError {
  public readonly exitStatus: number = EXIT.failed;

  public constructor(path: string, options: { cause?: unknown } = {}) {
    const reason = (options.cause as NodeJS.ErrnoException | undefined)?.code ?? (options.cause as Error | undefined)?.message ?? 'unknown error';
    super(`cannot read ${path}: ${describeErrno(reason)}`, { ...options, context: { path } });
    this.name = 'InputUnreadableError';
  }
}

/** The user interrupted the run (Ctrl-C) or the process was asked to terminate. */
export class InterruptedError extends RefundGateError {
  public constructor(signal: string) {
    super(`interrupted by ${signal}`, { context: { signal } });
    this.name = 'InterruptedError';
  }
}

/** An opened input: a file (size known, for progress) or standard input. */
export interface ReplayInput {
  readonly name: string;
  readonly stream: Readable;
  /** Bytes in the file, when known. */
  readonly size: number | undefined;
  /** Bytes read so far. */
  bytesRead(): number;
}

/**
 * Open the input before anything slow starts, so a wrong path fails at once.
 * `-` is standard input.
 */
export async function openInput(path: string): Promise<ReplayInput> {
  if (path === '-') {
    // No listener until readline attaches: stdin stays paused, so nothing is lost meanwhile.
    return { name: 'standard input', stream: process.stdin, size: undefined, bytesRead: () => 0 };
  }
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    const handle = await open(path, 'r');
    const stream = handle.createReadStream({ highWaterMark: 64 * 1024 });
    return { name: path, stream, size: info.isFile() ? info.size : undefined, bytesRead: () => stream.bytesRead };
  } catch (cause) {
    throw new InputUnreadableError(path, { cause });
  }
}

export interface ReplayRunOptions {
  /** Move the clock here after the last line, firing the timers due by then. */
  readonly until?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Called after each line with the bytes read so far. */
  readonly onLine?: ((line: number, bytesRead: number) => void) | undefined;
}

export interface ReplayRunResult {
  /** Input lines read, blank ones included (the last line number). */
  readonly lines: number;
  readonly finalClock: string | undefined;
}

/**
 * Feed an input, line by line, through the runtime: streaming, so memory does
 * not grow with the input (readline pauses the file while a line is being
 * processed), line numbers 1-based and counting blank lines, which are skipped.
 */
export async function replayInput(runtime: LocalRuntime, input: ReplayInput, options: ReplayRunOptions = {}): Promise<ReplayRunResult> {
  let readError: unknown;
  const lines = createInterface({ input: input.stream, crlfDelay: Infinity });
  input.stream.on('error', (error) => {
    readError = error;
    lines.close();
  });
  let n = 0;
  try {
    for await (const text of lines) {
      n += 1;
      if (options.signal?.aborted) throw new InterruptedError(String(options.signal.reason ?? 'signal'));
      // A UTF-8 byte-order mark opening the file (Windows editors) is encoding, not content.
      const line = n === 1 && text.startsWith('\uFEFF') ? text.slice(1) : text;
      if (line.trim() !== '') await runtime.deliver(line, n);
      options.onLine?.(n, input.bytesRead());
    }
  } finally {
    lines.close();
    if (input.stream !== process.stdin) input.stream.destroy();
  }
  if (readError) throw new InputUnreadableError(input.name, { cause: readError });
  if (options.signal?.aborted) throw new InterruptedError(String(options.signal.reason ?? 'signal'));
  const finalClock = await runtime.finish(options.until);
  return { lines: n, finalClock };
}

function describeErrno(code: string): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return code;
  }
}
