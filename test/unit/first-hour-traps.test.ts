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

describe('the review queue as text', () => {
  it('shows an id holding terminal controls escaped, and the JSON form exact', async () => {
    const { queueText } = await import('../../cli/commands/reviews.js');
    const hostile = 'RMA-9\u001b[2J\u001b]0;RELEASED ok\u0007\u202e';
    const entry = {
      reviewId: `rv#${hostile}`,
      returnId: hostile,
      employeeId: null,
      reason: 'RECEIPT_WITHOUT_INBOUND_SCAN',
      severity: 'MEDIUM',
      raisedAt: '2026-11-20T09:00:00.000Z',
      warehouseId: 'WH\u0085DFW',
      atStake: { amount: 100, currency: 'USD' },
      status: 'OPEN',
    } as const;
    const text = queueText([entry]);
    for (const control of ['\u001b', '\u0007', '\u0085', '\u202e']) expect(text.includes(control)).toBe(false);
    expect(text).toContain('RMA-9\\u001b[2J\\u001b]0;RELEASED ok\\u0007\\u202e');
    expect(text).toContain('WH\\u0085DFW');
    // The time written for a person (`reviews --json` keeps raisedAt exact).
    expect(text.split('\n')[1]).toMatch(/^20 Nov 2026 09:00 UTC {2}MEDIUM {2}/);
    expect(JSON.parse(JSON.stringify(entry)).returnId).toBe(hostile);
  });
});

describe('JSON nesting', () => {
  it('refuses a text nested deeper than 64 levels before parsing it; brackets inside strings do not count', async () => {
    const { jsonDepthProblem, parseJson } = await import('../../shared/contract/parse.js');
    expect(jsonDepthProblem(`${'['.repeat(64)}${']'.repeat(64)}`)).toBeUndefined();
    expect(jsonDepthProblem(`${'['.repeat(65)}${']'.repeat(65)}`)).toBe('nested deeper than 64 levels of objects and arrays');
    expect(jsonDepthProblem(JSON.stringify({ note: '[[[[\\"{{{{'.repeat(40) }))).toBeUndefined();
    expect(() => parseJson('['.repeat(100_000))).toThrow('(root): nested deeper than 64 levels');
  });
});

describe('a local server refuses web pages', () => {
  const req = (headers: Record<string, string>, port = 8788) => ({ headers, socket: { localPort: port } }) as never;
  it('on loopback: Host must be the loopback address and port; any other Origin is refused; no Origin (curl, a carrier) is fine', async () => {
    const { refusal, isLoopback } = await import('../../cli/local-origin.js');
    expect(refusal(req({ host: '127.0.0.1:8788' }), { loopback: true })).toBeUndefined();
    expect(refusal(req({ host: 'localhost:8788', origin: 'http://localhost:8788' }), { loopback: true })).toBeUndefined();
    expect(refusal(req({ host: 'evil.example:8788' }), { loopback: true })?.status).toBe(421);
    expect(refusal(req({ host: '127.0.0.1:8788', origin: 'https://evil.example' }), { loopback: true })).toEqual({ status: 403, error: 'cross-origin request refused' });
    expect(refusal(req({ host: 'tunnel.example', origin: 'https://evil.example' }), { loopback: false })?.status).toBe(403);
    expect(refusal(req({ host: 'tunnel.example' }), { loopback: false })).toBeUndefined();
    expect([isLoopback('127.0.0.1'), isLoopback('::1'), isLoopback('0.0.0.0'), isLoopback('192.168.1.2')]).toEqual([true, true, false, false]);
  });
});
