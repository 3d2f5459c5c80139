import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { Writable } from 'node:stream';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { marshall } from '@aws-sdk/util-dynamodb';
import { archiveLine } from '../functions/archiver/app.js';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Settings } from '../shared/contract/config.js';
import { loggerOptions, METRICS_NAMESPACE, SERVICE } from '../shared/app/telemetry.js';
import type { ReplayLine, ReplayOutput } from '../cli/output.js';
import { LocalRuntime } from '../cli/runtime.js';
import { BenchRuntime } from './concurrent-runtime.js';
import { StderrChannel } from '../cli/channel.js';
import { StderrLogger } from '../cli/stderr.js';
import { R7_WIRING } from '../cli/wiring.js';
import { DynamoMeter, itemSizeBytes, type Meter, type StorageMeasurement } from './meter.js';
import { returnEvents, type ScenarioName } from './scenarios.js';
import { onStreamRead } from '../cli/stream.js';

/**
 * One scenario through the whole local deployment (cli/runtime.ts):
 * the EventBridge rules' patterns, the real ingest, publisher, insider and
 * sweeper handlers, the table's real stream with the consumers' real filter
 * criteria. Everything here is counted, not assumed: invocations per
 * function, every DynamoDB request of every function (an SDK middleware),
 * the largest item written, and the bytes the handlers log at the level
 * Lambda is configured with (INFO), EMF metrics included.
 */
export interface EndToEndResult {
  readonly scenario: ScenarioName;
  readonly returns: number;
  readonly events: number;
  /** Events a rule's pattern dropped before any invocation (scan statuses no rule reads). */
  readonly filteredEvents: number;
  readonly invocations: Record<'ingest' | 'publisher' | 'insider' | 'sweeper', number>;
  readonly dynamo: Meter;
  readonly published: { readonly eventbridge: number; readonly sns: number };
  /** Application log lines and EMF documents, bytes, all functions. */
  readonly logBytes: number;
  readonly logLines: number;
  /** Wall time of the counted run (metered, cold): not a throughput figure, see {@link measureThroughput}. */
  readonly seconds: number;
  readonly storage: StorageMeasurement;
  /** The largest return item written, bytes (not an average). */
  readonly largestItemBytes: number;
}

const FUNCTION_NAMES = { ingest: 'refund-gate-ingest', publisher: 'refund-gate-publisher', insider: 'refund-gate-insider', sweeper: 'refund-gate-sweeper' } as const;

class CountingSink extends Writable {
  public bytes = 0;
  public lines = 0;
  public override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    const text = chunk.toString();
    this.bytes += Buffer.byteLength(text);
    this.lines += text.split('\n').filter((l) => l.trim() !== '').length;
    done();
  }
}

export async function measureEndToEnd(settings: Settings, scenario: ScenarioName, returns: number): Promise<EndToEndResult> {
  const meter = new DynamoMeter();
  const logs = new CountingSink();
  // The functions' own logger options (lean formatter), at the level Lambda runs them.
  const logger = new StderrLogger(loggerOptions({ logLevel: 'INFO' }), new StderrChannel(logs as unknown as NodeJS.WriteStream));
  // Live EMF, as in Lambda: Powertools writes it with console.log to standard output; count it there.
  const emf = new CountingSink();
  const published = { eventbridge: 0, sns: 0 };
  const output: ReplayOutput = {
    emit: async (line: ReplayLine) => {
      if (line.channel === 'eventbridge') published.eventbridge += 1;
      else if (line.channel === 'sns') published.sns += 1;
    },
    close: async () => {},
  };
  let doc: DynamoDBDocumentClient | undefined;
  const realWrite = process.stdout.write.bind(process.stdout);
  const metrics = liveMetrics();
  const runtime = await LocalRuntime.start({
    settings,
    output,
    logger,
    tableName: `bench-${scenario}`,
    ...R7_WIRING,
    instrument: {
      metrics,
      dynamo: (d) => {
        doc = d;
        meter.attach(d as unknown as DynamoDBClient);
      },
    },
  });
  let events = 0;
  let seconds = 0;
  let dynamo: Meter | undefined;
  let storage: StorageMeasurement | undefined;
  try {
    process.stdout.write = ((chunk: string | Uint8Array) => emf.write(chunk)) as typeof process.stdout.write;
    const t = performance.now();
    let line = 0;
    try {
      for (let i = 0; i < returns; i++) {
        for (const event of returnEvents(scenario, i)) {
          events += 1;
          await runtime.deliver(JSON.stringify(event), ++line);
        }
      }
      // Fire every timer still pending (grace, maxHold, orphan timeouts): the sweeper's work is part of a return's cost.
      await runtime.finish('2027-01-01T00:00:00Z');
    } finally {
      process.stdout.write = realWrite;
    }
    seconds = (performance.now() - t) / 1000;
    dynamo = meter.snapshot();
    storage = await measureStorage(doc!, `bench-${scenario}`, returns);
  } finally {
    await runtime.stop();
  }
  const inv = runtime.stats.invocations;
  return {
    scenario,
    returns,
    events,
    filteredEvents: runtime.stats.filtered,
    invocations: {
      ingest: inv[FUNCTION_NAMES.ingest] ?? 0,
      publisher: inv[FUNCTION_NAMES.publisher] ?? 0,
      insider: inv[FUNCTION_NAMES.insider] ?? 0,
      sweeper: inv[FUNCTION_NAMES.sweeper] ?? 0,
    },
    dynamo: dynamo!,
    published,
    logBytes: logs.bytes + emf.bytes,
    logLines: logs.lines + emf.lines,
    seconds,
    storage: storage!,
    largestItemBytes: dynamo!.largestItemBytes,
  };
}

/** Every item left in the table (after the run, timers fired), and the gzipped final images of the closed returns. */
async function measureStorage(doc: DynamoDBDocumentClient, tableName: string, returns: number): Promise<StorageMeasurement> {
  let bytes = 0;
  let closed = 0;
  const images: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) {
      // 100 bytes of per-item overhead DynamoDB bills for storage (and for each index entry).
      bytes += itemSizeBytes(item) + 100 + (item['dueAt'] !== undefined || item['reviewShard'] !== undefined ? 100 : 0);
      const status = item['status'];
      if (item['kind'] === 'return' && (status === 'RELEASED' || status === 'DENIED')) {
        closed += 1;
        // The line the archiver writes for this image (its body decoded to plain JSON), not the raw item.
        images.push(archiveLine({ eventName: 'MODIFY', dynamodb: { NewImage: marshall(item) as never, SequenceNumber: String(closed), ApproximateCreationDateTime: 1_796_000_000 } }));
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const archived = images.length > 0 ? gzipSync(`${images.join('\n')}\n`).length / images.length : 0;
  return { tableBytesPerReturn: bytes / returns, archiveBytesPerReturn: archived, closedShare: closed / returns };
}

/** Powertools metrics that print their EMF (to standard output), as in Lambda, whatever the environment says. */
function liveMetrics(): Metrics {
  const previous = process.env['POWERTOOLS_METRICS_DISABLED'];
  delete process.env['POWERTOOLS_METRICS_DISABLED'];
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE });
  if (previous !== undefined) process.env['POWERTOOLS_METRICS_DISABLED'] = previous;
  return metrics;
}

/**
 * Lambda's batch size for the table's stream mappings (STREAM_CONSUMER in
 * infra/constructs/stream-consumers.ts; not imported: that module loads the CDK).
 */
export const MAPPING_BATCH_SIZE = 100;

export interface ThroughputOptions {
  /** Writes that may wait on the stream before it is read (BenchRuntimeOptions.streamBatchWrites); 1 reads after every event, as replay. */
  readonly streamBatchWrites: number;
  /** Returns delivered before timing starts, and raw writes made: warms Node's and DynamoDB Local's JIT for both. */
  readonly warmupReturns: number;
  readonly returnsPerRound: number;
  readonly rounds: number;
  /**
   * Concurrency on both sides: this many lanes deliver different returns'
   * events at once through the ingest handler ({@link BenchRuntime.deliverConcurrently}),
   * the stream read in the background by one reader, against as many raw
   * writers at once. @default 1: one event at a time through {@link LocalRuntime.deliver}, as replay, against one writer
   */
  readonly lanes?: number;
}

export interface ThroughputRound {
  /** Inbound events delivered (the scans a rule drops included), and the wall time until the stream was quiet. */
  readonly events: number;
  readonly pipelineSeconds: number;
  /** Raw conditional writes made right after, for as long as the pipeline took. */
  readonly rawWrites: number;
  readonly rawSeconds: number;
}

/**
 * End-to-end throughput against the raw conditional-write rate of the same
 * DynamoDB Local, measured under the same conditions: one process, one
 * request at a time for both (replay is sequential), the same document
 * client, after the same warm-up, in alternating rounds so that whatever
 * else the machine is doing weighs on both alike. With `lanes`, the same
 * concurrency on both sides instead: that many deliveries at once against
 * that many raw writers at once.
 */
export interface ThroughputResult extends ThroughputOptions {
  readonly scenario: ScenarioName;
  readonly timedRounds: readonly ThroughputRound[];
  /** Share of the timed events a rule's pattern dropped before any invocation (counted as events). */
  readonly droppedShare: number;
  /** Stream reads (GetRecords) per timed event. */
  readonly streamReadsPerEvent: number;
  /** Outbound messages and rejections printed, warm-up included: the same whichever way the stream is read. */
  readonly printed: number;
  /** Returns delivered, warm-up included, and what was printed for them: RefundReleased messages, rejected lines. */
  readonly returnsDelivered: number;
  readonly released: number;
  readonly rejected: number;
  /** Over all timed rounds. */
  readonly eventsPerSecond: number;
  readonly rawWritesPerSecond: number;
  /** {@link eventsPerSecond} ÷ {@link rawWritesPerSecond}: events against raw writes in the same wall time. */
  readonly ratio: number;
  /** The lowest and highest round's ratio: the spread. */
  readonly ratioMin: number;
  readonly ratioMax: number;
}

/**
 * One scenario through the whole local deployment (the counted run's
 * wiring: rules, ingest, stream, publisher and insider with their filters,
 * sweeps as they come due, INFO logs and live EMF), timed in rounds, each
 * followed by raw conditional UpdateItems on a table of the same DynamoDB
 * Local for as long as the round took. A round ends when the stream is quiet
 * (every record handed to the consumers). No metering middleware: only the
 * pipeline's own work is timed.
 */
export async function measureThroughput(settings: Settings, scenario: ScenarioName, options: ThroughputOptions): Promise<ThroughputResult> {
  const logger = new StderrLogger({ serviceName: SERVICE, logLevel: 'INFO' }, new StderrChannel(new CountingSink() as unknown as NodeJS.WriteStream));
  const emf = new CountingSink();
  const realWrite = process.stdout.write.bind(process.stdout);
  let doc: DynamoDBDocumentClient | undefined;
  let getRecords = 0;
  let printed = 0;
  let released = 0;
  let rejected = 0;
  const lanes = options.lanes ?? 1;
  const tableName = `bench-throughput-${scenario}`;
  const runtime = await BenchRuntime.start({
    settings,
    output: {
      emit: async (line: ReplayLine) => {
        printed += 1;
        if (line.channel === 'eventbridge' && line.detailType === 'RefundReleased') released += 1;
        else if (line.channel === 'rejected') rejected += 1;
      },
      close: async () => {},
    },
    logger,
    tableName,
    ...R7_WIRING,
    streamBatchWrites: options.streamBatchWrites,
    instrument: {
      metrics: liveMetrics(),
      dynamo: (d) => (doc = d),
      streams: (client) => onStreamRead(client, () => (getRecords += 1)),
    },
  });
  const rounds: ThroughputRound[] = [];
  let timedReads = 0;
  let timedDropped = 0;
  let returnsDelivered = 0;
  try {
    process.stdout.write = ((chunk: string | Uint8Array) => emf.write(chunk)) as typeof process.stdout.write;
    const raw = await rawTable(doc!, lanes);
    let index = 0;
    let line = 0;
    const deliver = async (returns: number): Promise<number> => {
      let events = 0;
      if (options.lanes !== undefined) {
        const sequences = Array.from({ length: returns }, () =>
          returnEvents(scenario, index++).map((event) => ({ line: ++line, text: JSON.stringify(event) })),
        );
        events = sequences.reduce((n, s) => n + s.length, 0);
        await runtime.deliverConcurrently(sequences, lanes);
        return events;
      }
      for (let i = 0; i < returns; i++, index++) {
        for (const event of returnEvents(scenario, index)) {
          events += 1;
          await runtime.deliver(JSON.stringify(event), ++line);
        }
      }
      await runtime.settle();
      return events;
    };
    await deliver(options.warmupReturns);
    await raw.writeFor(0, 200);
    returnsDelivered = index;
    for (let r = 0; r < options.rounds; r++) {
      const reads = getRecords;
      const dropped = runtime.stats.filtered;
      const t = performance.now();
      const events = await deliver(options.returnsPerRound);
      const pipelineSeconds = (performance.now() - t) / 1000;
      timedReads += getRecords - reads;
      timedDropped += runtime.stats.filtered - dropped;
      rounds.push({ events, pipelineSeconds, ...(await raw.writeFor(pipelineSeconds)) });
    }
    returnsDelivered = index;
  } finally {
    process.stdout.write = realWrite;
    await runtime.stop();
  }
  const events = rounds.reduce((n, r) => n + r.events, 0);
  const eventsPerSecond = events / rounds.reduce((s, r) => s + r.pipelineSeconds, 0);
  const rawWritesPerSecond = rounds.reduce((n, r) => n + r.rawWrites, 0) / rounds.reduce((s, r) => s + r.rawSeconds, 0);
  const ratios = rounds.map((r) => r.events / r.pipelineSeconds / (r.rawWrites / r.rawSeconds)).sort((a, b) => a - b);
  return {
    ...options,
    scenario,
    timedRounds: rounds,
    droppedShare: timedDropped / events,
    streamReadsPerEvent: timedReads / events,
    printed,
    returnsDelivered,
    released,
    rejected,
    eventsPerSecond,
    rawWritesPerSecond,
    ratio: eventsPerSecond / rawWritesPerSecond,
    ratioMin: ratios[0]!,
    ratioMax: ratios.at(-1)!,
  };
}

/**
 * The floor DynamoDB Local sets: one conditional UpdateItem after another
 * (replay is sequential too), or `writers` such sequences at once (the
 * concurrent run's lanes), on a fresh table of the same DynamoDB Local
 * (a key, no stream, no index), through the same document client the
 * handlers use.
 */
async function rawTable(doc: DynamoDBDocumentClient, writers: number): Promise<{ writeFor(seconds: number, atLeast?: number): Promise<{ rawWrites: number; rawSeconds: number }> }> {
  const tableName = `bench-raw-${Date.now()}`;
  await doc.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  let i = 0;
  return {
    // For as long as the pipeline round took (and at least `atLeast` writes).
    async writeFor(seconds, atLeast = 1) {
      const t = performance.now();
      let n = 0;
      const writer = async (): Promise<void> => {
        while (n < atLeast || performance.now() - t < seconds * 1000) {
          n += 1;
          await doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk: `RAW#${i++ % 500}` },
              UpdateExpression: 'SET version = if_not_exists(version, :zero) + :one',
              ConditionExpression: 'attribute_not_exists(version) OR version >= :zero',
              ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
            }),
          );
        }
      };
      await Promise.all(Array.from({ length: writers }, writer));
      return { rawWrites: n, rawSeconds: (performance.now() - t) / 1000 };
    },
  };
}
