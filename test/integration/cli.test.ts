/*
 * `refund-gate replay` as a user runs it: a subprocess (node cli/bin.mjs)
 * that starts its own DynamoDB Local, with its standard output checked line
 * by line against contract §5. The file-level DynamoDB Local of the global
 * setup is not used here.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectIdFor } from '../../shared/domain/identity.js';
import { TIMESTAMP_FORMAT } from '../../shared/contract/primitives.js';
import { sharedDynamoEnv } from '../support/cli.js';
import { childPids, commandOf, isAlive } from '../support/processes.js';

const BIN = new URL('../../cli/bin.mjs', import.meta.url).pathname;
const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Standard output parsed, one JSON object per line. */
  readonly lines: Record<string, any>[];
}

interface RunOptions {
  readonly stdin?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Called once the child is spawned (to watch its output and signal it). */
  readonly onSpawn?: (child: ChildProcessWithoutNullStreams) => void;
}

function cli(args: readonly string[], options: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const lines = stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, any>);
      resolve({ code, signal, stdout, stderr, lines });
    });
    child.stdin.end(options.stdin ?? '');
    options.onSpawn?.(child);
  });
}

/**
 * Runs at most `n` subprocesses at a time. Each replay starts its own JVM, and
 * several JVMs starting side by side on a two-core CI runner are slower than
 * a few at a time; two overlap one run's JVM start with another's work.
 */
function limiter(n: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await task();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

/** What a line is about, for compact order assertions. */
const kind = (l: Record<string, any>): string =>
  l['channel'] === 'rejected' ? `rejected:${l['line']}` : l['channel'] === 'eventbridge' ? `eventbridge:${l['detailType']}` : `sns:${l['message']['type']}:${l['message']['reason'] ?? ''}`;

describe('refund-gate replay (subprocess, DynamoDB Local)', { timeout: 180_000 }, () => {
  // Every run starts here, two at a time; each test awaits the runs it checks.
  const runs: Record<string, Promise<Run>> = {};
  const dir = mkdtempSync(join(tmpdir(), 'rg-cli-'));
  let javaPid: number | undefined;

  beforeAll(() => {
    const limit = limiter(2);
    // The README example, Java missing and Ctrl-C start DynamoDB Local as a user's replay does; the
    // other runs use this test run's (REFUND_GATE_DYNAMODB_ENDPOINT), which is what that variable is for.
    const shared = sharedDynamoEnv();
    const timers = ['replay', fixture('replay-timers.jsonl'), '--config', fixture('replay-timers.config.json')];
    const badConfig = join(dir, 'bad.json');
    writeFileSync(badConfig, JSON.stringify({ skew: '15 minutes' }));
    // A PATH with node and nothing else: no `java`.
    const noJava = join(dir, 'bin');
    mkdirSync(noJava);
    symlinkSync(process.execPath, join(noJava, 'node'));
    const long = join(dir, 'long.jsonl');
    writeFileSync(long, longInput(20_000));

    runs['example'] = limit(() => cli(['replay', fixture('example.jsonl')]));
    runs['badLines'] = limit(() => cli(['replay', '-'], { stdin: readFileSync(fixture('replay-bad-lines.jsonl'), 'utf8'), env: shared }));
    runs['timers'] = limit(() => cli(timers, { env: shared }));
    runs['timersUntil'] = limit(() => cli([...timers, '--until', '2026-11-04T00:00:00Z'], { env: shared }));
    runs['badEndpoint'] = limit(() => cli(['replay', fixture('example.jsonl')], { env: { ...process.env, REFUND_GATE_DYNAMODB_ENDPOINT: 'localhost:8000' } }));
    runs['missing'] = limit(() => cli(['replay', join(dir, 'nope.jsonl')]));
    runs['badConfig'] = limit(() => cli(['replay', fixture('example.jsonl'), '--config', badConfig]));
    runs['badUntil'] = limit(() => cli(['replay', fixture('example.jsonl'), '--until', '2026-11-04']));
    runs['badCommand'] = limit(() => cli(['rewind', fixture('example.jsonl')]));
    runs['noJava'] = limit(() => cli(['replay', fixture('example.jsonl')], { env: { ...process.env, PATH: noJava } }));
    if (process.platform === 'linux') {
      runs['sigint'] = limit(() =>
        cli(['replay', long], {
          onSpawn: (child) => {
            // Readiness, not a delay: the first output line (the rejected line 1) means DynamoDB Local is up
            // and lines are being replayed. Then interrupt, as Ctrl-C would (the node process only).
            child.stdout.once('data', () => {
              javaPid = childPids(child.pid!).find((p) => commandOf(p) === 'java');
              child.kill('SIGINT');
            });
          },
        }),
      );
    }
    // Keep unhandled-rejection noise out if a test is filtered away.
    for (const run of Object.values(runs)) run.catch(() => {});
  });
  afterAll(async () => {
    await Promise.allSettled(Object.values(runs));
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays the README example: one release, one review for the phantom receipt, one rejected line', async () => {
    const run = await runs['example']!;

    expect(run.code).toBe(0);
    expect(run.lines.map(kind)).toEqual(['eventbridge:RefundReleased', 'sns:ReviewRequested:RECEIPT_WITHOUT_INBOUND_SCAN', 'rejected:8']);
    const [released, review, rejected] = run.lines;
    expect(released).toEqual({
      channel: 'eventbridge',
      source: 'refund-gate',
      detailType: 'RefundReleased',
      detail: expect.objectContaining({
        returnId: 'RMA-1001',
        refundId: 'RFD-770001',
        amount: { amount: 12999, currency: 'USD' },
        basis: 'EVIDENCE_MATCHED',
        receiptId: 'RCV-DFW-310001',
        scanId: 'UPS-SCN-0001',
        effectId: effectIdFor.released('RMA-1001', 'RFD-770001'),
      }),
    });
    // The internal effectId is not a top-level field; consumers find it in the detail.
    expect(Object.keys(released!)).toEqual(['channel', 'source', 'detailType', 'detail']);
    expect(review).toMatchObject({
      channel: 'sns',
      attributes: { type: 'ReviewRequested', reason: 'RECEIPT_WITHOUT_INBOUND_SCAN', severity: 'MEDIUM', warehouseId: 'WH-DFW' },
      message: { type: 'ReviewRequested', returnId: 'RMA-1002', receiptId: 'RCV-DFW-310002', employeeId: 'emp-dfw-03', refund: { amount: 129900, currency: 'USD' } },
    });
    expect(Object.keys(review!)).toEqual(['channel', 'attributes', 'message']);
    expect(rejected).toEqual({ channel: 'rejected', line: 8, error: 'detail.amount.amount: must be ≥ 0' });
    expect(run.stderr).toContain('8 lines, 1 rejected');
  });

  it('reports every bad line from standard input with its line number and field, skips blank lines, and keeps going', async () => {
    const run = await runs['badLines']!;

    expect(run.code).toBe(0);
    expect(run.lines.map(kind)).toEqual([
      'rejected:1',
      'rejected:3',
      'rejected:4',
      'rejected:5',
      'rejected:6',
      // line 9 is a redelivery of line 8 (same scanId and detail): nothing at all
      'rejected:10',
      'rejected:11',
      'eventbridge:RefundReleased',
      'sns:ReviewRequested:SECOND_REFUND_REQUEST',
    ]);
    const errors = Object.fromEntries(run.lines.filter((l) => l['channel'] === 'rejected').map((l) => [l['line'], l['error']]));
    expect(errors[1]).toMatch(/^\(root\): malformed JSON/);
    expect(errors[3]).toBe('source: expected "retail.warehouse" for detail-type WarehouseReceipt, got "retail.returns"');
    expect(errors[4]).toMatch(/^detail-type: unknown detail-type "ParcelLost"/);
    expect(errors[5]).toBe('detail.trackingNumber: required (expected string)');
    expect(errors[6]).toBe(`detail.receivedAt: ${TIMESTAMP_FORMAT}`);
    expect(errors[10]).toMatch(/^detail\.scanId: conflicting duplicate/);
    expect(errors[11]).toBe('(root): expected object');
    expect(run.lines[7]!['detail']).toMatchObject({ returnId: 'R-1', refundId: 'rf-1', receiptId: 'rc-1', scanId: 's-1', releasedAt: '2026-11-02T09:40:00.000Z' });
    expect(run.lines[8]!['message']).toMatchObject({ refundId: 'rf-2', returnId: 'R-1' });
  });

  it('fires timers as the business clock passes them and, with --until, after the last line; --config changes settings and sources', async () => {
    const [plain, until] = await Promise.all([runs['timers']!, runs['timersUntil']!]);

    // The receipt from the default source is now untrusted (sources.WarehouseReceipt = acme.wms).
    // The orphan timer (orphanTimeout PT2H → 12:00) fires when line 5 moves the clock to 13:00.
    expect(plain.code).toBe(0);
    expect(plain.lines.map(kind)).toEqual(['rejected:2', 'sns:ReviewRequested:RECEIPT_FOR_UNKNOWN_RETURN']);
    expect(plain.lines[0]!['error']).toBe('source: expected "acme.wms" for detail-type WarehouseReceipt, got "retail.warehouse"');
    expect(plain.lines[1]!['message']).toMatchObject({ returnId: 'R-9', receiptId: 'rc-9', raisedAt: '2026-11-02T12:00:00.000Z' });

    // --until moves the clock on to the next day: maxHold (P1D) expires for the refund still held.
    expect(until.code).toBe(0);
    expect(until.lines.map(kind)).toEqual(['rejected:2', 'sns:ReviewRequested:RECEIPT_FOR_UNKNOWN_RETURN', 'sns:ReviewRequested:HOLD_EXPIRED']);
    expect(until.lines[2]).toMatchObject({
      attributes: { reason: 'HOLD_EXPIRED', severity: 'LOW' },
      message: { returnId: 'R-8', refundId: 'rf-8', raisedAt: '2026-11-03T10:30:00.000Z' },
    });
  });

  it('fails fast, with one line on standard error and a non-zero status, when the command line is wrong or the file unreadable', async () => {
    const [missing, config, until, command] = await Promise.all([runs['missing']!, runs['badConfig']!, runs['badUntil']!, runs['badCommand']!]);

    expect([missing.code, missing.stdout, missing.stderr.trim().split('\n')]).toEqual([1, '', [`refund-gate: cannot read ${join(dir, 'nope.jsonl')}: no such file`]]);
    for (const run of [config, until, command]) {
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(config.stderr).toMatch(/--config .*bad\.json: skew: expected an ISO 8601 duration/);
    expect(until.stderr).toMatch(/--until: expected an ISO 8601 timestamp with offset/);
    expect(command.stderr).toContain('unknown command "rewind"');
  });

  it('refuses a REFUND_GATE_DYNAMODB_ENDPOINT that is not a URL, in one line naming the variable', async () => {
    const run = await runs['badEndpoint']!;

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^refund-gate: REFUND_GATE_DYNAMODB_ENDPOINT: expected the URL of a running DynamoDB Local/)]);
  });

  it('says in one line what to install when Java is missing', async () => {
    const run = await runs['noJava']!;

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Java runtime .* install/);
  });

  it.skipIf(process.platform !== 'linux')('stops DynamoDB Local on Ctrl-C (SIGINT) and exits 130', async () => {
    const run = await runs['sigint']!;

    expect(run.code).toBe(130);
    expect(run.lines[0]).toMatchObject({ channel: 'rejected', line: 1 });
    expect(run.lines.length).toBeLessThan(2);
    expect(run.stderr).toContain('interrupted (SIGINT); DynamoDB Local stopped');
    expect(javaPid).toBeDefined();
    expect(isAlive(javaPid!)).toBe(false);
  });
});

/**
 * A line replay rejects (its output says the replay is running), then valid
 * events that each cost a write, so a replay of them takes a while.
 */
function longInput(n: number): string {
  const line = (i: number) =>
    JSON.stringify({
      version: '0',
      id: `e-${i}`,
      'detail-type': 'CarrierScan',
      source: 'retail.carrier',
      time: '2026-11-02T10:00:00Z',
      detail: { scanId: `s-${i}`, carrier: 'UPS', trackingNumber: `1Z${i}`, status: 'IN_TRANSIT', scannedAt: '2026-11-02T10:00:00Z' },
    });
  return ['{"not":"an event"}', ...Array.from({ length: n }, (_, i) => line(i))].join('\n');
}
