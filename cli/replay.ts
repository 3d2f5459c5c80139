import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { RefundGateError } from '../shared/errors.js';
import { cappedLines, MAX_EVENT_BYTES } from './read-capped.js';
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
  /** A hint for the person running it (the input looks like no JSON Lines at all); one line, for standard error. */
  readonly onNotice?: ((text: string) => void) | undefined;
}

export interface ReplayRunResult {
  /** Input lines read, blank ones included (the last line number). */
  readonly lines: number;
  readonly finalClock: string | undefined;
}

/**
 * Feed an input, line by line, through the runtime: streaming, so memory does
 * not grow with the input (the file is read as lines are processed, and a
 * line over EventBridge's 256 KB is counted, not kept, and rejected), line
 * numbers 1-based and counting blank lines, which are skipped.
 */
export async function replayInput(runtime: LocalRuntime, input: ReplayInput, options: ReplayRunOptions = {}): Promise<ReplayRunResult> {
  let readError: unknown;
  input.stream.on('error', (error) => {
    readError = error;
  });
  let n = 0;
  let events = 0;
  let notJson = 0;
  try {
    for await (const { text, bytes } of cappedLines(input.stream, MAX_EVENT_BYTES)) {
      n += 1;
      if (options.signal?.aborted) throw new InterruptedError(String(options.signal.reason ?? 'signal'));
      if (text === undefined) {
        events += 1;
        await runtime.rejectLine(n, `(root): the event is ${bytes.toLocaleString('en-US')} bytes; EventBridge takes at most ${MAX_EVENT_BYTES.toLocaleString('en-US')} (256 KB) per event`);
      } else {
        // A UTF-8 byte-order mark opening the file (Windows editors) is encoding, not content.
        const line = n === 1 && text.startsWith('\uFEFF') ? text.slice(1) : text;
        if (line.trim() !== '') {
          events += 1;
          if (!/^\s*[[{]/.test(line)) {
            notJson += 1;
            if (events === 1) options.onNotice?.(notJsonHint(line, n));
          }
          await runtime.deliver(line, n);
        }
      }
      options.onLine?.(n, input.bytesRead());
    }
  } catch (error) {
    if (readError === undefined) throw error;
  } finally {
    if (input.stream !== process.stdin) input.stream.destroy();
  }
  if (readError) throw new InputUnreadableError(input.name, { cause: readError });
  if (options.signal?.aborted) throw new InterruptedError(String(options.signal.reason ?? 'signal'));
  if (events === 0) options.onNotice?.(`refund-gate: ${input.name} holds no event (${n === 0 ? 'it is empty' : 'only blank lines'}); replay reads JSON Lines: one EventBridge event, a JSON object, per line`);
  else if (notJson === events && events > 1) options.onNotice?.(`refund-gate: none of the ${events} lines was JSON (each is a rejected line above); replay reads JSON Lines: one EventBridge event, a JSON object, per line`);
  const finalClock = await runtime.finish(options.until);
  return { lines: n, finalClock };
}

/** What a first line that is no JSON at all suggests the file is. */
export function notJsonHint(line: string, n: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what tell a binary file
  const guess = /[\u0000-\u0008\u000e-\u001f\ufffd]/.test(line)
    ? 'is this a binary file?'
    : /^[^,;\t]+([,;\t][^,;\t]*)+$/.test(line)
      ? 'is this a CSV?'
      : 'is this the right file?';
  return `refund-gate: line ${n} is not JSON: ${guess} replay reads JSON Lines: one EventBridge event, a JSON object, per line (each bad line is a rejected line; the run goes on)`;
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
