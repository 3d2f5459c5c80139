import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** The most bytes refund-gate reads from a settings or facilities file. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** EventBridge refuses an event over 256 KB (PutEvents entry size): so does replay, line by line. */
export const MAX_EVENT_BYTES = 256 * 1024;

/** The input is larger than the command reads; the message says how much it takes. */
export class InputTooLargeError extends Error {
  public constructor(maxBytes: number) {
    super(`larger than ${maxBytes.toLocaleString('en-US')} bytes, the most refund-gate reads there`);
    this.name = 'InputTooLargeError';
  }
}

/**
 * A file's bytes, reading at most `maxBytes` (plus one, to tell): a path to
 * /dev/zero, a FIFO or a huge file fails with {@link InputTooLargeError}
 * instead of filling memory. File-system errors are thrown as they are.
 */
export async function readFileCapped(path: string, maxBytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const buffer = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - size));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      size += bytesRead;
      if (size > maxBytes) throw new InputTooLargeError(maxBytes);
    }
    return Buffer.concat(chunks, size);
  } finally {
    await handle.close();
  }
}

export type CappedLine = { readonly text: string; readonly bytes?: undefined } | { readonly text?: undefined; readonly bytes: number };

/**
 * The stream's lines (LF or CRLF; the last may lack its LF), each as text,
 * or, when it is longer than `maxBytes`, as its length only: its bytes are
 * counted and dropped as they come, so one endless line never fills memory.
 */
export async function* cappedLines(stream: Readable, maxBytes: number): AsyncGenerator<CappedLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let over = false;
  const end = (): CappedLine => {
    let line: CappedLine;
    if (over) line = { bytes: size };
    else {
      let buffer = Buffer.concat(parts, size);
      if (buffer.length > 0 && buffer[buffer.length - 1] === 0x0d) buffer = buffer.subarray(0, -1);
      line = { text: buffer.toString('utf8') };
    }
    parts = [];
    size = 0;
    over = false;
    return line;
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      const piece = chunk.subarray(from, nl < 0 ? chunk.length : nl);
      size += piece.length;
      if (!over && size > maxBytes) {
        over = true;
        parts = [];
      }
      if (!over && piece.length > 0) parts.push(piece);
      if (nl < 0) break;
      yield end();
      from = nl + 1;
    }
  }
  if (size > 0 || parts.length > 0) yield end();
}
