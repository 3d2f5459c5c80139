/*
 * The bad-input corpus (test/fixtures/bad-inputs.jsonl, expectations in
 * bad-inputs.expected.json): every bad line is rejected with its field named,
 * counted, and changes nothing; the good lines interleaved with them decide
 * exactly what they decide alone. Run through the production ingest handler
 * and through `refund-gate replay` as a subprocess.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createIngestHandler } from '../../functions/ingest/app.js';
import { businessTimeOf } from '../../shared/app/ingest.js';
import { Pipeline } from '../../shared/app/pipeline.js';
import { SqsRejectedSink } from '../../shared/app/rejected-queue.js';
import { resolveSettings } from '../../shared/contract/config.js';
import type { Effect, ReturnState } from '../../shared/domain/types.js';
import { toOutboundMessage } from '../../shared/publish/messages.js';
import { toReplayLine } from '../../cli/output.js';
import { EmployeeStore } from '../../shared/store/employees.js';
import { returnPk } from '../../shared/store/keys.js';
import { RefundGateStore } from '../../shared/store/store.js';
import { freshTable, type TestTable } from '../support/dynamo.js';
import { lambdaContext, quietTelemetry } from '../support/lambda.js';
import { openStream, outboxEffects, snapshot } from './support.js';
import { stateOfItem } from '../../shared/store/item-codec.js';
import { sharedDynamoEnv } from '../support/cli.js';

const sqs = mockClient(SQSClient);
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/refund-gate-rejected';
const FIXTURES = new URL('../fixtures/', import.meta.url);
const CORPUS = new URL('bad-inputs.jsonl', FIXTURES).pathname;

interface Expectation {
  readonly field: string;
  readonly case: string;
  readonly errorType: 'ContractValidationError' | 'UntrustedSourceError' | 'ConflictingDuplicateError';
}
const lines = readFileSync(CORPUS, 'utf8').replace(/\n$/, '').split('\n');
const expected = JSON.parse(readFileSync(new URL('bad-inputs.expected.json', FIXTURES), 'utf8')) as Record<string, Expectation>;
const badLines = Object.keys(expected).map(Number).sort((a, b) => a - b);
const goodLines = lines.map((_, i) => i + 1).filter((n) => !(String(n) in expected));
const GOOD_RETURNS = ['r-good-1', 'r-good-2', 'r-good-3', 'r-good-4'];

/** A line as the handler receives it: the parsed event, or the raw text when it is not JSON. */
const asEvent = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

interface Run {
  readonly statuses: Map<number, string>;
  /** The DLQ message per bad line. */
  readonly dlq: Map<number, { field: string; errorType: string; error: string }>;
  readonly unchanged: Map<number, boolean>;
  readonly metrics: { name: string; value: number }[];
  readonly states: Record<string, ReturnState | undefined>;
  readonly effects: unknown[];
}

/** Run the given lines, in order, through the production ingest handler on a fresh table. */
async function runThroughHandler(table: TestTable, lineNumbers: readonly number[]): Promise<Run> {
  const settings = resolveSettings({});
  const telemetry = quietTelemetry();
  const addMetric = vi.spyOn(telemetry.metrics, 'addMetric');
  const handler = createIngestHandler({
    ...telemetry,
    settings,
    pipeline: new Pipeline({ store: new RefundGateStore(table.doc, table.tableName), settings, flags: new EmployeeStore(table.doc, table.tableName) }),
    rejected: new SqsRejectedSink(new SQSClient({ region: 'us-east-1' }), QUEUE),
    now: (e) => businessTimeOf(e),
  });
  const run: Run = { statuses: new Map(), dlq: new Map(), unchanged: new Map(), metrics: [], states: {}, effects: [] };
  for (const n of lineNumbers) {
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({ MessageId: `dlq-${n}` });
    const bad = String(n) in expected;
    const before = bad ? await snapshot(table) : undefined;
    run.statuses.set(n, await handler(asEvent(lines[n - 1]!), lambdaContext('ingest')));
    const sent = sqs.commandCalls(SendMessageCommand);
    if (sent.length === 1) {
      const input = sent[0]!.args[0].input;
      const body = JSON.parse(input.MessageBody!) as { error: string; errorType: string };
      run.dlq.set(n, { field: input.MessageAttributes?.['field']?.StringValue ?? '', errorType: body.errorType, error: body.error });
    }
    if (bad) run.unchanged.set(n, JSON.stringify(await snapshot(table)) === JSON.stringify(before));
  }
  for (const id of GOOD_RETURNS) {
    const item = (await snapshot(table)).find((i) => i['pk'] === returnPk(id));
    run.states[id] = stateOfItem(item) ?? undefined;
  }
  run.effects.push(...outboxEffects(await openStream(table).poll()));
  run.metrics.push(...addMetric.mock.calls.map(([name, , value]) => ({ name, value })));
  return run;
}

let full: Run;
let goodOnly: Run;
let replayed: { lines: Record<string, unknown>[]; stderr: string };
const tables: TestTable[] = [];

/** `refund-gate replay <file>` as a user runs it: its own DynamoDB Local, JSON lines on stdout. */
async function replay(file: string) {
  const bin = new URL('../../cli/bin.mjs', import.meta.url).pathname;
  const out = await promisify(execFile)(process.execPath, [bin, 'replay', file], { maxBuffer: 64 * 1024 * 1024, timeout: 90_000, env: sharedDynamoEnv() });
  return { lines: out.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>), stderr: out.stderr };
}

beforeAll(async () => {
  const [a, b] = await Promise.all([freshTable('corpus'), freshTable('corpusgood')]);
  tables.push(a, b);
  // The subprocess runs while the handler runs go on in this process.
  [replayed, full, goodOnly] = await Promise.all([replay(CORPUS), runThroughHandler(a, lines.map((_, i) => i + 1)), runThroughHandler(b, goodLines)]);
}, 120_000);
afterAll(async () => {
  await Promise.all(tables.map((t) => t.drop()));
});

describe('bad-input corpus', () => {
  it('has at least 40 bad cases of every kind the issue lists, and good originals interleaved', () => {
    expect(badLines.length).toBeGreaterThanOrEqual(40);
    expect(goodLines.length).toBeGreaterThanOrEqual(10);
    const kinds = Object.values(expected);
    expect(kinds.filter((e) => e.field === '(root)').length).toBeGreaterThanOrEqual(5); // malformed JSON / not an event
    expect(kinds.filter((e) => e.errorType === 'UntrustedSourceError').length).toBeGreaterThanOrEqual(5);
    expect(kinds.filter((e) => e.errorType === 'ConflictingDuplicateError').length).toBe(5);
    expect(kinds.filter((e) => /amount$/.test(e.field)).length).toBeGreaterThanOrEqual(5);
    expect(kinds.filter((e) => /currency$/.test(e.field)).length).toBeGreaterThanOrEqual(3);
    expect(kinds.filter((e) => /At$|^time$/.test(e.field)).length).toBeGreaterThanOrEqual(6);
    expect(kinds.filter((e) => e.field === 'detail-type').length).toBeGreaterThanOrEqual(3);
    // Every conflicting duplicate comes after its original.
    for (const n of badLines.filter((l) => expected[String(l)]!.errorType === 'ConflictingDuplicateError')) {
      expect(goodLines.some((g) => g < n)).toBe(true);
    }
  });

  describe('through the ingest handler (DynamoDB Local, DLQ mocked)', () => {
    it.each(badLines.map((n) => [n, expected[String(n)]!.case, expected[String(n)]!] as const))(
      'line %i (%s) is rejected to the DLQ naming its field and changes nothing',
      (n, _name, expectation) => {
        expect(full.statuses.get(n)).toBe('rejected');
        expect(full.dlq.get(n)).toMatchObject({ field: expectation.field, errorType: expectation.errorType });
        if (expectation.errorType !== 'ConflictingDuplicateError') expect(full.dlq.get(n)!.error.startsWith(`${expectation.field}:`)).toBe(true);
        expect(full.unchanged.get(n)).toBe(true);
      },
    );

    it('processes every good line and sends none of them to the DLQ', () => {
      for (const n of goodLines) expect([n, full.statuses.get(n)]).toEqual([n, 'processed']);
      for (const n of goodLines) expect(full.dlq.has(n)).toBe(false);
    });

    it('counts each rejection once: EventsRejected for invalid input, ConflictingDuplicates for conflicts', () => {
      const sum = (name: string) => full.metrics.filter((m) => m.name === name).reduce((a, m) => a + m.value, 0);
      const conflicts = badLines.filter((n) => expected[String(n)]!.errorType === 'ConflictingDuplicateError').length;
      expect(sum('EventsRejected')).toBe(badLines.length - conflicts);
      expect(sum('ConflictingDuplicates')).toBe(conflicts);
      // Good lines cost no metric line: Lambda's Invocations count them.
      expect(full.metrics.filter((m) => m.name === 'EventsProcessed')).toEqual([]);
    });

    it('leaves the good lines\' outcomes exactly as without the bad lines (states and published effects)', () => {
      expect(full.states).toEqual(goodOnly.states);
      expect(full.effects).toEqual(goodOnly.effects);
      // …and those outcomes are the intended ones.
      expect(full.states['r-good-1']?.status).toBe('RELEASED');
      expect(full.states['r-good-2']?.status).toBe('DENIED');
      expect(Object.values(full.states['r-good-3']?.reviews ?? {}).map((r) => [r.reason, r.status])).toEqual([['RECEIPT_AT_OTHER_WAREHOUSE', 'OPEN']]);
      // Forged receipts never completed r-good-4, whose inbound scan and refund request were waiting.
      expect(full.states['r-good-4']).toMatchObject({ status: 'AUTHORIZED', receipts: [] });
      expect((full.states['r-good-4']?.scans ?? []).map((s) => s.scanId)).toEqual(['s-good-4']);
    });
  });

  describe('through `refund-gate replay` (subprocess)', () => {
    it('reports exactly the bad lines as rejected, each error starting with the expected field path', () => {
      const rejected = replayed.lines.filter((l) => l['channel'] === 'rejected') as { line: number; error: string }[];
      expect(rejected.map((r) => r.line)).toEqual(badLines);
      for (const r of rejected) expect([r.line, r.error.split(': ')[0]]).toEqual([r.line, expected[String(r.line)]!.field]);
    });

    it('counts them in its summary', () => {
      expect(replayed.stderr).toContain(`${lines.length} lines, ${badLines.length} rejected`);
    });

    it('publishes exactly what the good lines alone publish', () => {
      // The good lines alone, through the handler: their effects as replay prints them.
      const expectedLines = (goodOnly.effects as Effect[]).map((e) => toReplayLine(toOutboundMessage(e)));
      const published = replayed.lines.filter((l) => l['channel'] !== 'rejected');
      expect(published).toEqual(JSON.parse(JSON.stringify(expectedLines)));
      expect(published.map((l) => l['detailType'] ?? (l['message'] as Record<string, unknown>)['reason'])).toEqual([
        'RECEIPT_WITHOUT_INBOUND_SCAN',
        'RefundReleased',
        'RECEIPT_AT_OTHER_WAREHOUSE',
        'RefundDenied',
      ]);
    });
  });
});
