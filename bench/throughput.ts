import { performance } from 'node:perf_hooks';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Settings } from '../shared/contract/config.js';
import { SERVICE } from '../shared/app/telemetry.js';
import type { ReplayLine } from '../cli/output.js';
import type { LocalRuntime } from '../cli/runtime.js';
import { StderrChannel } from '../cli/channel.js';
import { StderrLogger } from '../cli/stderr.js';
import { onStreamRead } from '../cli/stream.js';
import { R7_WIRING } from '../cli/wiring.js';
import { BenchRuntime } from './concurrent-runtime.js';
import { returnEvents, type ScenarioName } from './scenarios.js';
import { CountingSink, liveMetrics } from './telemetry-sinks.js';

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
  const emf = new CountingSink();
  const realWrite = process.stdout.write.bind(process.stdout);
  const counts: ThroughputCounts = { printed: 0, released: 0, rejected: 0, getRecords: 0 };
  let doc: DynamoDBDocumentClient | undefined;
  const runtime = await startCountedRuntime(settings, scenario, options, counts, (d) => (doc = d));
  let timed: TimedRounds = { rounds: [], reads: 0, dropped: 0 };
  let returnsDelivered = 0;
  try {
    process.stdout.write = ((chunk: string | Uint8Array) => emf.write(chunk)) as typeof process.stdout.write;
    const raw = await rawTable(doc!, options.lanes ?? 1);
    const feeder = new ReturnFeeder(runtime, scenario, options.lanes);
    await feeder.deliver(options.warmupReturns);
    await raw.writeFor(0, 200);
    returnsDelivered = feeder.delivered;
    timed = await timeRounds(runtime, feeder, raw, options, counts);
    returnsDelivered = feeder.delivered;
  } finally {
    process.stdout.write = realWrite;
    await runtime.stop();
  }
  return throughputResult(scenario, options, timed, counts, returnsDelivered);
}

/** What the throughput run's runtime printed (outbound lines and rejections, of which RefundReleased), and its stream reads. */
interface ThroughputCounts {
  printed: number;
  released: number;
  rejected: number;
  getRecords: number;
}

/** The timed rounds, with the stream reads and the events a rule dropped during them. */
interface TimedRounds {
  readonly rounds: ThroughputRound[];
  readonly reads: number;
  readonly dropped: number;
}

/** The whole local deployment with INFO logs and live EMF, its printed lines and stream reads counted into `counts`. */
function startCountedRuntime(
  settings: Settings,
  scenario: ScenarioName,
  options: ThroughputOptions,
  counts: ThroughputCounts,
  onDocumentClient: (doc: DynamoDBDocumentClient) => void,
): Promise<BenchRuntime> {
  const logger = new StderrLogger({ serviceName: SERVICE, logLevel: 'INFO' }, new StderrChannel(new CountingSink() as unknown as NodeJS.WriteStream));
  return BenchRuntime.start({
    settings,
    output: {
      emit: async (line: ReplayLine) => {
        counts.printed += 1;
        if (line.channel === 'eventbridge' && line.detailType === 'RefundReleased') counts.released += 1;
        else if (line.channel === 'rejected') counts.rejected += 1;
      },
      close: async () => {},
    },
    logger,
    tableName: `bench-throughput-${scenario}`,
    ...R7_WIRING,
    streamBatchWrites: options.streamBatchWrites,
    instrument: {
      metrics: liveMetrics(),
      dynamo: onDocumentClient,
      streams: (client) => onStreamRead(client, () => (counts.getRecords += 1)),
    },
  });
}

/**
 * The scenario's returns, one after another, each event with the next line number: one event at a
 * time as replay delivers them, or with `lanes`, that many returns at once through the ingest handler.
 */
class ReturnFeeder {
  private index = 0;
  private line = 0;

  public constructor(
    private readonly runtime: BenchRuntime,
    private readonly scenario: ScenarioName,
    private readonly lanes: number | undefined,
  ) {}

  /** Returns delivered so far. */
  public get delivered(): number {
    return this.index;
  }

  /** Delivers the next `returns` returns and waits until the stream is quiet; the events delivered. */
  public async deliver(returns: number): Promise<number> {
    let events = 0;
    if (this.lanes !== undefined) {
      const sequences = Array.from({ length: returns }, () =>
        returnEvents(this.scenario, this.index++).map((event) => ({ line: ++this.line, text: JSON.stringify(event) })),
      );
      events = sequences.reduce((n, s) => n + s.length, 0);
      await this.runtime.deliverConcurrently(sequences, this.lanes);
      return events;
    }
    for (let i = 0; i < returns; i++, this.index++) {
      for (const event of returnEvents(this.scenario, this.index)) {
        events += 1;
        await this.runtime.deliver(JSON.stringify(event), ++this.line);
      }
    }
    await this.runtime.settle();
    return events;
  }
}

/** Each round: the pipeline timed until the stream is quiet, then raw writes for as long. */
async function timeRounds(runtime: BenchRuntime, feeder: ReturnFeeder, raw: RawTable, options: ThroughputOptions, counts: ThroughputCounts): Promise<TimedRounds> {
  const rounds: ThroughputRound[] = [];
  let reads = 0;
  let dropped = 0;
  for (let r = 0; r < options.rounds; r++) {
    const readsBefore = counts.getRecords;
    const droppedBefore = runtime.stats.filtered;
    const t = performance.now();
    const events = await feeder.deliver(options.returnsPerRound);
    const pipelineSeconds = (performance.now() - t) / 1000;
    reads += counts.getRecords - readsBefore;
    dropped += runtime.stats.filtered - droppedBefore;
    rounds.push({ events, pipelineSeconds, ...(await raw.writeFor(pipelineSeconds)) });
  }
  return { rounds, reads, dropped };
}

/** The rates over all timed rounds, and each round's ratio for the spread. */
function throughputResult(scenario: ScenarioName, options: ThroughputOptions, timed: TimedRounds, counts: ThroughputCounts, returnsDelivered: number): ThroughputResult {
  const { rounds } = timed;
  const events = rounds.reduce((n, r) => n + r.events, 0);
  const eventsPerSecond = events / rounds.reduce((s, r) => s + r.pipelineSeconds, 0);
  const rawWritesPerSecond = rounds.reduce((n, r) => n + r.rawWrites, 0) / rounds.reduce((s, r) => s + r.rawSeconds, 0);
  const ratios = rounds.map((r) => r.events / r.pipelineSeconds / (r.rawWrites / r.rawSeconds)).sort((a, b) => a - b);
  return {
    ...options,
    scenario,
    timedRounds: rounds,
    droppedShare: timed.dropped / events,
    streamReadsPerEvent: timed.reads / events,
    printed: counts.printed,
    returnsDelivered,
    released: counts.released,
    rejected: counts.rejected,
    eventsPerSecond,
    rawWritesPerSecond,
    ratio: eventsPerSecond / rawWritesPerSecond,
    ratioMin: ratios[0]!,
    ratioMax: ratios.at(-1)!,
  };
}

interface RawTable {
  /** Raw writes for as long as the pipeline round took (and at least `atLeast` writes). */
  writeFor(seconds: number, atLeast?: number): Promise<{ rawWrites: number; rawSeconds: number }>;
}

/**
 * The floor DynamoDB Local sets: one conditional UpdateItem after another
 * (replay is sequential too), or `writers` such sequences at once (the
 * concurrent run's lanes), on a fresh table of the same DynamoDB Local
 * (a key, no stream, no index), through the same document client the
 * handlers use.
 */
async function rawTable(doc: DynamoDBDocumentClient, writers: number): Promise<RawTable> {
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
