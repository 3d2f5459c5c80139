import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { cappedLines, InputTooLargeError, readFileCapped } from '../../cli/read-capped.js';
import { notJsonHint } from '../../cli/replay.js';
import { safeText } from '../../cli/text-safe.js';

const dir = mkdtempSync(join(tmpdir(), 'rg-traps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function linesOf(chunks: readonly string[], max: number) {
  const out = [];
  for await (const line of cappedLines(Readable.from(chunks.map((c) => Buffer.from(c))), max)) out.push(line);
  return out;
}

describe('lines read with a cap', () => {
  it('splits on LF and CRLF across chunks, as readline does, keeping blank lines and a last line without LF', async () => {
    expect(await linesOf(['a\r', '\nbb\n\n', 'c', 'cc'], 10)).toEqual([{ text: 'a' }, { text: 'bb' }, { text: '' }, { text: 'ccc' }]);
    expect(await linesOf(['x\n'], 10)).toEqual([{ text: 'x' }]);
    expect(await linesOf([], 10)).toEqual([]);
  });

  it('a line over the cap is its length only, and the next line is read as usual', async () => {
    const long = 'y'.repeat(25);
    expect(await linesOf(['1234567890\n', long.slice(0, 7), long.slice(7), '\nok'], 10)).toEqual([{ text: '1234567890' }, { bytes: 25 }, { text: 'ok' }]);
  });
});

describe('files read with a cap', () => {
  it('reads a small file whole and refuses /dev/zero and a file one byte too long', async () => {
    const file = join(dir, 'f');
    writeFileSync(file, 'abcd');
    expect((await readFileCapped(file, 4)).toString()).toBe('abcd');
    await expect(readFileCapped(file, 3)).rejects.toThrow(InputTooLargeError);
    await expect(readFileCapped('/dev/zero', 1024)).rejects.toThrow('larger than 1,024 bytes');
  });
});

describe('text printed for a person', () => {
  it('escapes terminal controls, C1 controls and bidirectional characters as \\uXXXX; plain text is untouched', () => {
    expect(safeText('RMA-1\u001b]0;owned\u0007\u001b[2J')).toBe('RMA-1\\u001b]0;owned\\u0007\\u001b[2J');
    expect(safeText('a\u009b31mb\u202ecba\u2066')).toBe('a\\u009b31mb\\u202ecba\\u2066');
    expect(safeText('line one\nline two\tend')).toBe('line one\nline two\tend');
    expect(safeText('cell\nfake\rRELEASED', { oneLine: true })).toBe('cell\\u000afake\\u000dRELEASED');
    expect(safeText('Zoë – 東京 🙂 USD 1,447.00')).toBe('Zoë – 東京 🙂 USD 1,447.00');
  });
});

describe('a first line that is no JSON', () => {
  it('guesses what the file is', () => {
    expect(notJsonHint('returnId,amount,currency', 1)).toMatch(/^refund-gate: line 1 is not JSON: is this a CSV\? replay reads JSON Lines/);
    expect(notJsonHint('\u0000\u0001PK\u0003\u0004', 1)).toContain('line 1 is not JSON: is this a binary file?');
    expect(notJsonHint('hello', 3)).toContain('line 3 is not JSON: is this the right file?');
  });
});
