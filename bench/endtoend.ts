import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { marshall } from '@aws-sdk/util-dynamodb';
import { archiveLine } from '../functions/archiver/app.js';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Settings } from '../shared/contract/config.js';
import { loggerOptions } from '../shared/app/telemetry.js';
import type { ReplayLine, ReplayOutput } from '../cli/output.js';
import { LocalRuntime } from '../cli/runtime.js';
import { StderrChannel } from '../cli/channel.js';
import { StderrLogger } from '../cli/stderr.js';
import { R7_WIRING } from '../cli/wiring.js';
import { DynamoMeter, itemSizeBytes, type Meter, type StorageMeasurement } from './meter.js';
import { returnEvents, type ScenarioName } from './scenarios.js';
import { CountingSink, liveMetrics } from './telemetry-sinks.js';

export { measureThroughput, type ThroughputOptions, type ThroughputResult, type ThroughputRound } from './throughput.js';

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

/**
 * Lambda's batch size for the table's stream mappings (STREAM_CONSUMER in
 * infra/constructs/stream-consumers.ts; not imported: that module loads the CDK).
 */
export const MAPPING_BATCH_SIZE = 100;

