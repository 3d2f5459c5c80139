/*
 * The local runtime reads the table's stream only when a write may have put
 * something on it, and never leaves a record behind: after every line, the
 * consumers have seen exactly what an independent reader finds on the
 * stream. A conditional write DynamoDB refused (a duplicate) writes nothing,
 * so it costs no stream read. The bench's batched reads (streamBatchWrites)
 * let records wait, yet read them before a sweep could be skipped, so a
 * timer written in a waiting record still fires when it is due. The bench's
 * concurrent deliveries come to the same outcome as one line at a time.
 */
import { readFileSync } from 'node:fs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { resolveSettings, type Settings } from '../../shared/contract/config.js';
import { localDynamoClient, localStreamsClient } from '../../cli/dynamo.js';
import type { ReplayLine } from '../../cli/output.js';
import { LocalRuntime } from '../../cli/runtime.js';
import { StderrChannel } from '../../cli/channel.js';
import { StderrLogger } from '../../cli/stderr.js';
import { onStreamRead, TableStreamReader } from '../../cli/stream.js';
import { R7_WIRING } from '../../cli/wiring.js';
import { BenchRuntime, type BenchRuntimeOptions } from '../../bench/concurrent-runtime.js';
import { returnEvents } from '../../bench/scenarios.js';
import { honestReturn } from '../support/envelopes.js';

interface Probe<R extends LocalRuntime = LocalRuntime> {
  readonly runtime: R;
  readonly lines: ReplayLine[];
  /** Sequence numbers of the records the spy consumer (every record, no filter) was handed. */
  readonly consumed: string[];
  readonly getRecords: () => number;
  /** Every record on the table's stream so far, read by a reader of its own. */
  readonly onStream: () => Promise<string[]>;
}

const started: LocalRuntime[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.stop()));
});

/** A replay runtime, or with `extra` (batched reads, concurrent lanes) the bench's. */
async function probe(settings: Settings): Promise<Probe>;
async function probe(settings: Settings, extra: Partial<BenchRuntimeOptions>): Promise<Probe<BenchRuntime>>;
async function probe(settings: Settings, extra?: Partial<BenchRuntimeOptions>): Promise<Probe<LocalRuntime>> {
  const lines: ReplayLine[] = [];
  const consumed: string[] = [];
  let getRecords = 0;
  let doc: DynamoDBDocumentClient | undefined;
  const start = extra === undefined ? LocalRuntime.start : BenchRuntime.start;
  const runtime = await start({
    // This test run's DynamoDB Local (test/global-setup.ts), a table of the runtime's own.
    endpoint: inject('dynamoEndpoint'),
    settings,
    output: { emit: async (l) => void lines.push(l), close: async () => {} },
    logger: new StderrLogger({ serviceName: 'test', logLevel: 'ERROR' }, new StderrChannel()),
    ...R7_WIRING,
    consumers: [
      ...(R7_WIRING.consumers ?? []),
      () => ({
        name: 'spy',
        handler: async (event: { Records: DynamoDBRecord[] }) => {
          for (const r of event.Records) consumed.push(r.dynamodb!.SequenceNumber!);
        },
      }),
    ],
    instrument: {
      dynamo: (d) => (doc = d),
      streams: (client) => onStreamRead(client, () => (getRecords += 1)),
    },
    ...extra,
  });
  started.push(runtime);
  const { hostname, port, protocol } = await doc!.config.endpoint!();
  const endpoint = `${protocol}//${hostname}:${port}`;
  const reader = new TableStreamReader(localDynamoClient(endpoint), localStreamsClient(endpoint), runtime.table.tableName);
  await reader.open();
  const seen: string[] = [];
  return {
    runtime,
    lines,
    consumed,
    getRecords: () => getRecords,
    onStream: async () => {
      for (const r of await reader.poll()) seen.push(r.dynamodb!.SequenceNumber!);
      return [...seen];
    },
  };
}

describe('the local runtime reads the stream when, and only when, something was written', () => {
  it('hands every record to the consumers before the line returns, and a refused duplicate reads nothing', async () => {
    const p = await probe(resolveSettings({}));
    const story = honestReturn('r-stream');
    let n = 0;
    const deliver = async (event: unknown) => {
      const before = p.getRecords();
      await p.runtime.deliver(typeof event === 'string' ? event : JSON.stringify(event), ++n);
      // Nothing on the stream that the consumers have not been handed, in stream order.
      expect(p.consumed).toEqual(await p.onStream());
      return p.getRecords() - before;
    };

    // A line that wrote reads the stream (again if a consumer wrote in turn); one that did not, never.
    expect(await deliver(story.authorized)).toBeGreaterThan(0);
    expect(await deliver(story.inTransit)).toBe(0); // dropped by the rule: nothing invoked, nothing written
    expect(await deliver('{ not json')).toBe(0); // rejected before any function
    expect(await deliver(story.delivered)).toBeGreaterThan(0);
    expect(await deliver(story.receipt)).toBeGreaterThan(0);
    expect(await deliver(story.refund)).toBeGreaterThan(0);
    expect(p.consumed.length).toBeGreaterThanOrEqual(4);
    const printed = p.lines.length;

    // Redeliveries: the id ledger's conditional write is refused, nothing changes, nothing is read.
    expect(await deliver(story.authorized)).toBe(0);
    expect(await deliver(story.receipt)).toBe(0);
    expect(await deliver(story.refund)).toBe(0);
    expect(p.lines.length).toBe(printed);
    expect(p.lines.map((l) => (l as { detailType?: string }).detailType)).toContain('RefundReleased');
  });
});

describe('batched stream reads (the bench throughput run)', { timeout: 180_000 }, () => {
  const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);
  const timersSettings = () => resolveSettings(JSON.parse(readFileSync(fixture('replay-timers.config.json'), 'utf8')));
  const timerLines = () => readFileSync(fixture('replay-timers.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '');

  it('lets records wait, reads them before a sweep could be skipped, and prints what a read after every line prints', async () => {
    const perLine = await probe(timersSettings());
    const batched = await probe(timersSettings(), { streamBatchWrites: 1000 });
    const events = timerLines();
    for (const [i, text] of events.entries()) {
      await perLine.runtime.deliver(text, i + 1);
      await batched.runtime.deliver(text, i + 1);
      if (i === 0) {
        // The orphan receipt wrote (with its timer); the batched runtime has not read it yet.
        expect(perLine.consumed.length).toBeGreaterThan(0);
        expect(batched.consumed).toEqual([]);
      }
    }
    // The last line (a scan no rule reads) moved the clock past the orphan timeout: the sweep
    // found the timer in the records it read first, and the orphan review is out in both.
    expect(perLine.lines.some((l) => l.channel === 'sns' && l.attributes['reason'] === 'RECEIPT_FOR_UNKNOWN_RETURN')).toBe(true);
    expect(batched.lines).toEqual(perLine.lines);

    await perLine.runtime.finish('2026-11-04T00:00:00Z');
    await batched.runtime.finish('2026-11-04T00:00:00Z');
    expect(batched.lines).toEqual(perLine.lines);
    expect(batched.lines.some((l) => l.channel === 'sns' && l.attributes['reason'] === 'HOLD_EXPIRED')).toBe(true);
    // Nothing left waiting, and fewer reads of the stream.
    expect(batched.consumed).toEqual(await batched.onStream());
    expect(perLine.consumed).toEqual(await perLine.onStream());
    expect(batched.getRecords()).toBeLessThan(perLine.getRecords());
  });

  it('settle() hands the consumers whatever is waiting', async () => {
    const p = await probe(resolveSettings({}), { streamBatchWrites: 1000 });
    await p.runtime.deliver(JSON.stringify(honestReturn('r-settle').authorized), 1);
    expect(p.consumed).toEqual([]);
    expect((await p.onStream()).length).toBeGreaterThan(0);
    await p.runtime.settle();
    expect(p.consumed).toEqual(await p.onStream());
  });

  it('deliverConcurrently (the bench only): lanes of returns at once, one background reader, the same outcome as one line at a time', async () => {
    const sequential = await probe(resolveSettings({}));
    const concurrent = await probe(resolveSettings({}), { streamBatchWrites: 10 });
    let line = 0;
    const sequences = Array.from({ length: 9 }, (_, i) => returnEvents(i % 3 === 2 ? 'phantom-receipt' : 'honest', i).map((e) => ({ line: ++line, text: JSON.stringify(e) })));
    sequences[4] = [...sequences[4]!, { line: ++line, text: '{ not json' }];
    for (const { line: n, text } of sequences.flat()) await sequential.runtime.deliver(text, n);
    await concurrent.runtime.deliverConcurrently(sequences, 4);
    // Effects print in the order the reader finds them: the same lines, not in the same order.
    const outcome = (lines: ReplayLine[]) =>
      lines
        .map((l) => (l.channel === 'eventbridge' ? `${l.detailType} ${String(l.detail['returnId'])}` : l.channel === 'sns' ? `sns ${l.attributes['reason']} ${String(l.message['returnId'] ?? l.message['employeeId'])}` : `rejected ${l.line}`))
        .sort();
    expect(outcome(concurrent.lines)).toEqual(outcome(sequential.lines));
    expect(concurrent.lines.filter((l) => l.channel === 'eventbridge' && l.detailType === 'RefundReleased')).toHaveLength(6);
    expect(concurrent.lines.filter((l) => l.channel === 'sns').length).toBeGreaterThanOrEqual(3); // the phantom receipts' reviews
    expect(concurrent.lines.filter((l) => l.channel === 'rejected')).toEqual([{ channel: 'rejected', line: sequences[4]!.at(-1)!.line, error: expect.any(String) }]);
    // Quiet when it returns: every record handed to the consumers.
    expect(concurrent.consumed).toEqual(await concurrent.onStream());
    expect(concurrent.runtime.stats.events).toBe(sequential.runtime.stats.events);
  });

  it('refuses a batch size that is not a whole number ≥ 1', async () => {
    await expect(probe(resolveSettings({}), { streamBatchWrites: 0 })).rejects.toThrow(/streamBatchWrites/);
  });
});
