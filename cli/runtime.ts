import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createIngestHandler } from '../functions/ingest/app.js';
import { createPublisherHandler } from '../functions/publisher/app.js';
import { createSweeperHandler } from '../functions/sweeper/app.js';
import { businessTimeOf } from '../shared/app/ingest.js';
import { Pipeline } from '../shared/app/pipeline.js';
import type { AlertRepository, EmployeeFlagReader, Rejection } from '../shared/app/ports.js';
import { METRICS_NAMESPACE, SERVICE, observerFor } from '../shared/app/telemetry.js';
import type { Settings } from '../shared/contract/config.js';
import { ContractValidationError } from '../shared/contract/errors.js';
import { parseInboundEvent, parseJson } from '../shared/contract/parse.js';
import { toEpochMs, toIso } from '../shared/domain/time.js';
import { RefundGateError } from '../shared/errors.js';
import { filteringRoute, matchingRoute, passesStreamFilters, routesFor, type Route, type StreamConsumerName } from '../shared/routing.js';
import { RefundGateStore } from '../shared/store/store.js';
import { DUE_TIMERS_INDEX } from '../shared/store/table.js';
import {
  createTable,
  ensureTable,
  localDocumentClient,
  localDynamoClient,
  localStreamsClient,
  startDynamoLocal,
  type LocalDynamo,
} from './dynamo.js';
import { LocalLambdaContexts } from './lambda.js';
import { ReplayOutboundSink, type ReplayLine, type ReplayOutput } from './output.js';
import { LocalStreamError, TableStreamReader, type StreamCheckpoint } from './stream.js';

/** The local runtime cannot run as configured (a bug or a broken environment, never bad input). */
export class LocalRuntimeError extends RefundGateError {
  public constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'LocalRuntimeError';
  }
}

/** A Lambda function on the table's stream, as its event source mapping invokes it. */
export interface StreamConsumer {
  /** The function's name, for its Lambda context and error messages. */
  readonly name: string;
  readonly handler: (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse | void>;
  /** Whose filter criteria (shared/routing.ts) its event source mapping applies; @default every record */
  readonly filter?: StreamConsumerName;
}

/** What a consumer or flag reader is built from: the same clients and settings the handlers get. */
export interface LocalEnvironment {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly settings: Settings;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * Optional wiring beyond the outbox publisher; for R7 (insider detection) see
 * `./wiring.ts`. Mirrors what the AWS handler modules construct.
 */
export interface LocalExtensions {
  /** Stream consumers that run after the publisher on every batch, in this order. */
  readonly consumers?: ReadonlyArray<(env: LocalEnvironment) => StreamConsumer>;
  /** The employee-flag reader the ingest pipeline consults (R7). @default nobody is flagged */
  readonly flags?: (env: LocalEnvironment) => EmployeeFlagReader;
  /** v1.2: the R7 alerts decisions without returnId answer. @default no alert exists */
  readonly alerts?: (env: LocalEnvironment) => AlertRepository;
}

export interface LocalRuntimeOptions extends LocalExtensions {
  readonly settings: Settings;
  /** Receives every line replay prints: outbound messages and rejections. */
  readonly output: ReplayOutput;
  /** Writes to standard error (see `StderrLogger`): standard output is the contract's. */
  readonly logger: Logger;
  /** @default 'refund-gate-local' */
  readonly tableName?: string;
  /** Keep DynamoDB Local's data in this absolute directory; the table is created only if missing. */
  readonly dbPath?: string;
  /** Resume a kept directory's run where the last command left it (see {@link LocalRuntime.snapshot}). */
  readonly resume?: RuntimeSnapshot;
  /**
   * The bench's probes (bench) and tests': a hook on the document
   * client every handler and consumer shares, one on the client that reads
   * the table's stream, and live Powertools metrics (their EMF goes to
   * standard output, so never in replay).
   */
  readonly instrument?: {
    readonly dynamo?: (doc: DynamoDBDocumentClient) => void;
    readonly streams?: (streams: DynamoDBStreamsClient) => void;
    readonly metrics?: Metrics;
  };
  /**
   * The bench's throughput run only (bench/endtoend.ts): let up to this
   * many writes wait on the stream before it is read, as a Lambda event
   * source mapping gathers a batch of records instead of reading after each
   * write. Effects then print later, and what consumers write (R7's flags)
   * reaches later lines later, as in AWS: replay never sets it. The stream is
   * still read before a sweep could be skipped and in {@link LocalRuntime.finish},
   * so no timer fires later than it would.
   * @default 1: read after every line that wrote, so effects print in order
   */
  readonly streamBatchWrites?: number;
}

/** What a later process needs to carry on a kept `--db` run consistently. */
export interface RuntimeSnapshot {
  readonly clock: string | undefined;
  readonly lastSweep: string | undefined;
  readonly stream: StreamCheckpoint;
}

export interface RuntimeStats {
  /** Lines handed to {@link LocalRuntime.deliver} (blank lines are skipped before). */
  events: number;
  rejected: number;
  /** Valid-looking lines a rule's detail filter dropped (scan statuses no rule reads), as EventBridge drops them. */
  filtered: number;
  eventbridge: number;
  sns: number;
  sweeps: number;
  /** Lambda invocations by function name, as AWS would bill them (a retried batch is another invocation). */
  invocations: Record<string, number>;
}

/**
 * The sweeper runs every minute in AWS (EventBridge schedule); replay runs it
 * whenever the business clock has moved on by at least this much since the
 * last sweep, and once more at the end.
 */
export const SWEEP_INTERVAL_MS = 60_000;

/** Lambda's default batch size for a DynamoDB stream event source mapping. */
const STREAM_BATCH_SIZE = 100;
/** Invocations per batch before a failing record stops the run (Lambda would retry, then use the on-failure queue). */
const CONSUMER_ATTEMPTS = 3;
/** Stream polls per drain before we conclude consumers keep writing forever (a bug). */
const MAX_DRAIN_ROUNDS = 50;
/** Requests that never write; anything else may, and makes the next drain read the stream. */
const READ_COMMANDS: ReadonlySet<string> = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'TransactGetItemsCommand',
  'DescribeTableCommand',
]);

const FUNCTION = {
  ingest: 'refund-gate-ingest',
  publisher: 'refund-gate-publisher',
  sweeper: 'refund-gate-sweeper',
} as const;

/**
 * The AWS deployment, on a laptop: DynamoDB Local with the CDK's table, the
 * routing table of the CDK rules as the bus, the real ingest, sweeper and
 * outbox-publisher handlers (middy, Powertools) and the table's real stream
 * feeding the publisher and any further consumers. Outbound SNS and
 * EventBridge messages, and rejected input, become replay lines.
 *
 * Replay is sequential and deterministic: one inbound event at a time, then
 * the stream is drained through every consumer (so effects print in the order
 * they happen), then timers fire if they are due. The clock is business time:
 * the latest business time seen so far (contract §5).
 */
export class LocalRuntime {
  public readonly stats: RuntimeStats = { events: 0, rejected: 0, filtered: 0, eventbridge: 0, sns: 0, sweeps: 0, invocations: Object.create(null) as Record<string, number> };

  private clockMs: number | undefined;
  /** The clock the line being delivered would set, kept only if the line is not rejected (§5). */
  private pendingClockMs: number | undefined;
  private lineRejected = false;
  private lastSweepMs: number | undefined;
  /**
   * No timer in the table is due before this instant (epoch ms). Lowered by
   * every `dueAt` the stream shows, recomputed from the index after a sweep.
   */
  private noTimerBeforeMs = Number.POSITIVE_INFINITY;
  /** Requests that may have written to the table since the stream was last read. */
  private unreadWrites = 0;
  private currentLine = 0;
  private stopped = false;
  private readonly routes: readonly Route[];
  private readonly contexts = new LocalLambdaContexts();
  /** Rule targets by the routing table's handler name: what each rule invokes. */
  private readonly targets: Record<Route['handler'], (event: unknown, context: Context) => Promise<unknown>>;
  private readonly sweeperHandler: ReturnType<typeof createSweeperHandler>;
  private readonly consumers: readonly StreamConsumer[];
  private readonly store: RefundGateStore;
  /** What {@link deliverConcurrently} builds its lanes' ingest handlers from: the same as {@link deliver}'s. */
  private readonly ingestDeps: { readonly pipeline: Pipeline; readonly metrics: Metrics };
  /** {@link deliverConcurrently}'s background (one stream reader, then the sweeper): one round at a time. */
  private background: Promise<void> = Promise.resolve();
  private backgroundQueued = false;
  private backgroundError: unknown;

  private constructor(
    private readonly options: LocalRuntimeOptions,
    private readonly dynamo: LocalDynamo,
    private readonly clients: { readonly client: DynamoDBClient; readonly doc: DynamoDBDocumentClient; readonly streams: DynamoDBStreamsClient },
    private readonly stream: TableStreamReader,
    private readonly tableName: string,
  ) {
    const { settings, logger } = options;
    if (options.resume?.clock) this.clockMs = toEpochMs(options.resume.clock);
    if (options.resume?.lastSweep) this.lastSweepMs = toEpochMs(options.resume.lastSweep);
    const metrics = options.instrument?.metrics ?? localMetrics(logger);
    // Every writer (handlers and consumers) shares this client, and nothing else writes
    // to the table, so no counted write means nothing new on the stream.
    clients.doc.middlewareStack.add(
      (next, context) => async (args) => {
        if (READ_COMMANDS.has(String(context.commandName))) return next(args);
        try {
          const result = await next(args);
          this.unreadWrites += 1;
          return result;
        } catch (error) {
          if (!wroteNothing(error)) this.unreadWrites += 1;
          throw error;
        }
      },
      { step: 'initialize', name: 'refundGateLocalWriteCounter' },
    );
    options.instrument?.dynamo?.(clients.doc);
    options.instrument?.streams?.(clients.streams);
    const env: LocalEnvironment = { doc: clients.doc, tableName, settings, logger, metrics };
    const store = new RefundGateStore(clients.doc, tableName);
    this.store = store;
    const pipeline = new Pipeline({
      store,
      settings,
      flags: options.flags?.(env),
      alerts: options.alerts?.(env),
      observer: observerFor(logger, metrics),
      // Single-threaded replay never conflicts; no wall-clock back-off either way.
      sleep: async () => {},
      random: () => 0,
    });
    this.routes = routesFor(settings.sources);
    const ingest = createIngestHandler({
      pipeline,
      settings,
      logger: logger.createChild(),
      metrics,
      // One event at a time: the rejection is the line being delivered.
      rejected: { reject: (rejection) => this.reject(this.currentLine, rejectionText(rejection)) },
      // The event decides at the clock it would move to; the move is kept only once it is applied.
      now: (event) => this.tentativeNow(businessTimeOf(event)),
    });
    this.targets = { ingest };
    this.ingestDeps = { pipeline, metrics };
    this.sweeperHandler = createSweeperHandler({ pipeline, logger: logger.createChild(), metrics, now: () => this.now() });
    const publisher: StreamConsumer = {
      name: FUNCTION.publisher,
      filter: 'publisher',
      handler: createPublisherHandler({ sink: new ReplayOutboundSink(this.counting(options.output)), logger: logger.createChild(), metrics }),
    };
    // The outbox publisher first, then the others (R7), on every batch.
    this.consumers = [publisher, ...(options.consumers ?? []).map((build) => build(env))];
  }

  /** Start DynamoDB Local, create the table from the CDK's definition and open its stream. Stop it with {@link stop}. */
  public static async start(options: LocalRuntimeOptions): Promise<LocalRuntime> {
    const batch = options.streamBatchWrites;
    if (batch !== undefined && !(Number.isInteger(batch) && batch >= 1)) {
      throw new LocalRuntimeError(`streamBatchWrites must be a whole number ≥ 1, got ${batch}`);
    }
    const tableName = options.tableName ?? 'refund-gate-local';
    const dynamo = await startDynamoLocal({ dbPath: options.dbPath });
    const client = localDynamoClient(dynamo.endpoint);
    const doc = localDocumentClient(dynamo.endpoint);
    const streams = localStreamsClient(dynamo.endpoint);
    try {
      if (options.dbPath) await ensureTable(client, tableName);
      else await createTable(client, tableName);
      const stream = new TableStreamReader(client, streams, tableName);
      await stream.open(options.resume?.stream);
      const runtime = new LocalRuntime(options, dynamo, { client, doc, streams }, stream, tableName);
      // A kept table may hold timers from an earlier run.
      if (options.dbPath) runtime.noTimerBeforeMs = await runtime.earliestTimerMs();
      return runtime;
    } catch (error) {
      doc.destroy();
      client.destroy();
      streams.destroy();
      await dynamo.stop();
      throw error;
    }
  }

  /** The runtime's table, for readers (the review tools) that share its DynamoDB Local. */
  public get table(): { readonly doc: DynamoDBDocumentClient; readonly tableName: string } {
    return { doc: this.clients.doc, tableName: this.tableName };
  }

  /** Clock, last sweep and stream position: save it to resume a kept `--db` run. */
  public snapshot(): RuntimeSnapshot {
    return {
      clock: this.clock,
      lastSweep: this.lastSweepMs === undefined ? undefined : toIso(this.lastSweepMs),
      stream: this.stream.checkpoint(),
    };
  }

  /** The business clock, or undefined before the first valid event. */
  public get clock(): string | undefined {
    return this.clockMs === undefined ? undefined : toIso(this.clockMs);
  }

  /**
   * One input line (1-based `line`): parse it, route it as the CDK rules
   * would, run the ingest handler, publish what it decided, fire due timers.
   * Bad input becomes a `rejected` line; only a broken runtime throws.
   */
  public async deliver(text: string, line: number): Promise<void> {
    this.stats.events += 1;
    this.currentLine = line;
    const routed = await this.route(text, line);
    if (routed.kind === 'rejected') return;
    if (routed.kind === 'filtered') return this.filteredOut(routed.raw);
    const { raw, route } = routed;
    this.pendingClockMs = undefined;
    this.lineRejected = false;
    this.count(FUNCTION[route.handler]);
    await this.targets[route.handler](raw, this.contexts.next(FUNCTION[route.handler]));
    // A rejected line, a conflicting duplicate included, does not move the clock (contract §5).
    if (this.pendingClockMs !== undefined && !this.lineRejected) this.clockMs = this.pendingClockMs;
    this.pendingClockMs = undefined;
    if (this.unreadWrites >= (this.options.streamBatchWrites ?? 1)) await this.drain();
    await this.sweepIfDue();
  }

  /** A line refused before it is parsed (replay's reader: longer than an event may be): a `rejected` line. */
  public async rejectLine(line: number, error: string): Promise<void> {
    this.stats.events += 1;
    await this.reject(line, error);
  }

  /**
   * The bench's concurrent throughput run only (bench/endtoend.ts),
   * never replay: several returns' events at once, as Lambda runs ingest
   * invocations concurrently. Each of `lanes` lanes takes the next sequence
   * and delivers its lines in order, routed as {@link deliver} routes them,
   * through its own ingest handler (one per execution environment) built on
   * the same pipeline, store, flags, settings and metrics as {@link deliver}'s;
   * a line's tentative clock and rejection are its lane's, and an applied
   * line moves the shared business clock forward only. Meanwhile one reader,
   * as an event source mapping per shard, reads the stream in the background
   * once `streamBatchWrites` writes wait and hands each batch to every
   * consumer in order; the minute's sweep runs after it, as {@link deliver}
   * runs it (skipped when provably empty). Returns when every lane is done
   * and the stream is quiet. Effects print in the order the reader finds
   * them, not line by line.
   */
  public async deliverConcurrently(sequences: ReadonlyArray<ReadonlyArray<{ readonly line: number; readonly text: string }>>, lanes: number): Promise<void> {
    if (!(Number.isInteger(lanes) && lanes >= 1)) throw new LocalRuntimeError(`lanes must be a whole number ≥ 1, got ${lanes}`);
    const batch = this.options.streamBatchWrites ?? 1;
    let next = 0;
    const lane = async (): Promise<void> => {
      const state = { line: 0, pendingClockMs: undefined as number | undefined, rejected: false };
      const ingest = createIngestHandler({
        pipeline: this.ingestDeps.pipeline,
        settings: this.options.settings,
        logger: this.options.logger.createChild(),
        metrics: this.ingestDeps.metrics,
        rejected: {
          reject: (rejection) => {
            state.rejected = true;
            return this.reject(state.line, rejectionText(rejection));
          },
        },
        now: (event) => {
          state.pendingClockMs = maxDefined(this.clockMs, toEpochMs(businessTimeOf(event)))!;
          return toIso(state.pendingClockMs);
        },
      });
      const targets: Record<Route['handler'], (event: unknown, context: Context) => Promise<unknown>> = { ingest };
      for (let s = next++; s < sequences.length; s = next++) {
        for (const { line, text } of sequences[s]!) {
          this.stats.events += 1;
          state.line = line;
          state.pendingClockMs = undefined;
          state.rejected = false;
          const routed = await this.route(text, line);
          if (routed.kind === 'rejected') continue;
          if (routed.kind === 'filtered') {
            // Dropped by a rule's filter: time passes all the same, as in filteredOut.
            this.stats.filtered += 1;
            state.pendingClockMs = this.businessTimeMsOf(routed.raw);
          } else {
            this.count(FUNCTION[routed.route.handler]);
            await targets[routed.route.handler](routed.raw, this.contexts.next(FUNCTION[routed.route.handler]));
          }
          if (state.pendingClockMs !== undefined && !state.rejected) this.clockMs = maxDefined(this.clockMs, state.pendingClockMs);
          if (this.backgroundError !== undefined) throw this.backgroundError;
          this.queueBackground(batch);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(lanes, sequences.length) }, lane));
    await this.background;
    if (this.backgroundError !== undefined) throw this.backgroundError;
    await this.drain();
  }

  /**
   * After the last line: move the clock to `until` (when given and later than
   * the clock) and fire every timer due by then, then drain the stream.
   * @returns the final clock, or undefined when no valid event was seen and no `until` given
   */
  public async finish(until?: string): Promise<string | undefined> {
    const untilMs = until === undefined ? undefined : toEpochMs(until);
    if (untilMs !== undefined && this.clockMs !== undefined && untilMs < this.clockMs) {
      this.options.logger.warn('--until is earlier than the latest business time seen; the clock does not go back', {
        until,
        clock: this.clock,
      });
    }
    // Records a batched read left waiting (streamBatchWrites) go to the consumers before the final sweep.
    await this.settle();
    const finalMs = maxDefined(this.clockMs, untilMs);
    if (finalMs === undefined) return undefined;
    this.clockMs = finalMs;
    await this.sweep(finalMs);
    return toIso(finalMs);
  }

  /**
   * Hand every record still waiting on the stream to the consumers (a batched
   * read, `streamBatchWrites`, leaves some waiting between lines). Replay
   * never leaves any: there it does nothing.
   */
  public async settle(): Promise<void> {
    await this.drain();
  }

  /** Stop DynamoDB Local and release the clients; safe to call twice. */
  public async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.clients.doc.destroy();
    this.clients.client.destroy();
    this.clients.streams.destroy();
    await this.dynamo.stop();
  }

  // ------------------------------------------------------------------ internals

  private tentativeNow(businessTime: string): string {
    this.pendingClockMs = maxDefined(this.clockMs, toEpochMs(businessTime))!;
    return toIso(this.pendingClockMs);
  }

  private now(): string {
    if (this.clockMs === undefined) throw new LocalRuntimeError('the business clock is not set yet');
    return toIso(this.clockMs);
  }

  /**
   * The minute's sweep, when the clock has moved on by a minute since the
   * last one. A sweep that provably finds nothing (no timer due yet) is
   * skipped: running it would query the index and change nothing.
   */
  private async sweepIfDue(how: { readonly read: () => Promise<void>; readonly sweep: (atMs: number) => Promise<void> } = this.replaySweep): Promise<void> {
    const clock = this.clockMs;
    if (clock === undefined) return;
    if (this.lastSweepMs === undefined) {
      this.lastSweepMs = clock;
      return;
    }
    if (clock - this.lastSweepMs < SWEEP_INTERVAL_MS) return;
    // The bound knows only the timers read from the stream: read what is waiting first.
    await how.read();
    if (clock < this.noTimerBeforeMs) {
      this.lastSweepMs = clock;
      return;
    }
    await how.sweep(clock);
  }

  /** Replay's way: drain the stream before deciding, and after the sweeper. */
  private readonly replaySweep = { read: () => this.drain(), sweep: (atMs: number) => this.sweep(atMs) };

  /** The concurrent run's background way: one read of what waits; the sweeper's writes are read by the next round. */
  private readonly backgroundSweep = {
    read: async () => {
      if (this.unreadWrites > 0) await this.readStream();
    },
    sweep: async (atMs: number) => {
      await this.invokeSweeper(atMs);
      this.noTimerBeforeMs = await this.earliestTimerMs();
    },
  };

  /**
   * Run the sweeper at `atMs`. It finds due returns through the sparse
   * `due-timers` index: eventually consistent in AWS, where a timer written a
   * moment ago may be picked up by the next minute's sweep; DynamoDB Local
   * updates the index at once, which only makes replay's timers punctual.
   */
  private async sweep(atMs: number): Promise<void> {
    await this.invokeSweeper(atMs);
    await this.drain();
    this.noTimerBeforeMs = await this.earliestTimerMs();
  }

  /** The sweeper's invocation at `atMs`, nothing after it. */
  private async invokeSweeper(atMs: number): Promise<void> {
    this.lastSweepMs = atMs;
    this.stats.sweeps += 1;
    const time = toIso(atMs);
    this.count(FUNCTION.sweeper);
    await this.sweeperHandler(
      { version: '0', id: `sweep-${this.stats.sweeps}`, 'detail-type': 'Scheduled Event', source: 'aws.events', time, resources: [], detail: {} },
      this.contexts.next(FUNCTION.sweeper),
    );
  }

  /** The earliest `dueAt` in the sparse timer index, as epoch ms (infinity when none is pending). */
  private async earliestTimerMs(): Promise<number> {
    const due = await this.store.earliestDueAt();
    return due === undefined ? Number.POSITIVE_INFINITY : toEpochMs(due);
  }

  /** A written item with a pending timer lowers the bound below which no timer is due. */
  private noteTimer(record: DynamoDBRecord): void {
    const due = record.dynamodb?.NewImage?.[DUE_TIMERS_INDEX.sortKey]?.S;
    if (due !== undefined && record.dynamodb?.NewImage?.[DUE_TIMERS_INDEX.partitionKey] !== undefined) {
      this.noTimerBeforeMs = Math.min(this.noTimerBeforeMs, toEpochMs(due));
    }
  }

  /**
   * Read the stream until it is quiet, feeding each batch to every consumer
   * in order. Consumers may write (R7's flag item, with its outbox): their
   * writes come back on the stream and are read in the next round.
   */
  private async drain(): Promise<void> {
    for (let round = 0; round < MAX_DRAIN_ROUNDS; round++) {
      if (this.unreadWrites === 0) return;
      await this.readStream();
    }
    throw new LocalStreamError(`the stream did not settle after ${MAX_DRAIN_ROUNDS} rounds`);
  }

  /** One read of the stream: what it holds now, batch by batch to every consumer in order. */
  private async readStream(): Promise<void> {
    this.unreadWrites = 0;
    const records = await this.stream.poll();
    for (const record of records) this.noteTimer(record);
    for (let i = 0; i < records.length; i += STREAM_BATCH_SIZE) {
      const batch = records.slice(i, i + STREAM_BATCH_SIZE);
      for (const consumer of this.consumers) {
        // The mapping's filter criteria: records that do not match never reach the function.
        const filtered = consumer.filter ? batch.filter((r) => passesStreamFilters(consumer.filter!, r)) : batch;
        if (filtered.length > 0) await this.invoke(consumer, filtered);
      }
    }
  }

  /**
   * {@link deliverConcurrently}'s background, one round at a time and at
   * most one waiting: the stream reader once `batch` writes wait, then the
   * minute's sweep if it is due, as {@link sweepIfDue} decides it (the
   * stream read first, a provably empty sweep skipped).
   */
  private queueBackground(batch: number): void {
    if (this.backgroundQueued) return;
    this.backgroundQueued = true;
    this.background = this.background
      .then(async () => {
        this.backgroundQueued = false;
        if (this.unreadWrites >= batch) await this.readStream();
        await this.sweepIfDue(this.backgroundSweep);
      })
      .catch((error: unknown) => {
        this.backgroundError ??= error;
      });
  }

  /**
   * One consumer on one batch, with Lambda's ReportBatchItemFailures
   * semantics: a reported failure is retried from that record on.
   */
  private async invoke(consumer: StreamConsumer, batch: readonly DynamoDBRecord[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      this.count(consumer.name);
      const response = await consumer.handler({ Records: [...pending] }, this.contexts.next(consumer.name));
      const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      if (failed.size === 0) return;
      const first = pending.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
      if (attempt >= CONSUMER_ATTEMPTS) {
        throw new LocalRuntimeError(
          `${consumer.name} failed on stream record ${pending[Math.max(first, 0)]?.dynamodb?.SequenceNumber ?? '?'} ${attempt} times`,
        );
      }
      pending = pending.slice(Math.max(first, 0));
    }
  }

  /**
   * A line a rule's detail filter drops (a scan status no rule reads). In
   * AWS the event never reaches a function, so nothing is validated, stored
   * or printed. Time passes all the same: the replay clock stands for the
   * wall clock, so a well-formed filtered event still moves it (and fires
   * the timers due by then), as it did when such scans were ingested.
   */
  /**
   * Parse one line and route it as the CDK rules would. A line that is not
   * JSON or that no rule matches is rejected here (a `rejected` line); one a
   * rule's detail filter drops (a scan status no rule reads) is `filtered`:
   * in AWS nothing is invoked, nothing printed.
   */
  private async route(
    text: string,
    line: number,
  ): Promise<{ readonly kind: 'rejected' } | { readonly kind: 'filtered'; readonly raw: Record<string, unknown> } | { readonly kind: 'routed'; readonly raw: unknown; readonly route: Route }> {
    let raw: unknown;
    try {
      raw = parseJson(text);
    } catch (error) {
      if (!(error instanceof ContractValidationError)) throw error;
      await this.reject(line, error.message);
      return { kind: 'rejected' };
    }
    const route = isRecord(raw) ? matchingRoute(this.routes, raw) : undefined;
    if (route) return { kind: 'routed', raw, route };
    if (isRecord(raw) && filteringRoute(this.routes, raw)) return { kind: 'filtered', raw };
    await this.reject(line, this.unroutable(raw));
    return { kind: 'rejected' };
  }

  /** The business time of a well-formed event a rule dropped, or undefined when it is not well formed. */
  private businessTimeMsOf(raw: Record<string, unknown>): number | undefined {
    try {
      return toEpochMs(businessTimeOf(parseInboundEvent(raw, this.options.settings.sources)));
    } catch (error) {
      if (!(error instanceof ContractValidationError)) throw error;
      return undefined;
    }
  }

  private async filteredOut(raw: Record<string, unknown>): Promise<void> {
    this.stats.filtered += 1;
    const businessMs = this.businessTimeMsOf(raw);
    if (businessMs === undefined) return;
    this.clockMs = maxDefined(this.clockMs, businessMs);
    await this.sweepIfDue();
  }

  private count(functionName: string): void {
    this.stats.invocations[functionName] = (this.stats.invocations[functionName] ?? 0) + 1;
  }

  private async reject(line: number, error: string): Promise<void> {
    this.stats.rejected += 1;
    this.lineRejected = true;
    await this.options.output.emit({ channel: 'rejected', line, error });
  }

  /**
   * No rule matches: say why in the contract's words (the envelope is
   * invalid, the detail-type unknown, or the source is not the configured one).
   */
  private unroutable(raw: unknown): string {
    try {
      parseInboundEvent(raw, this.options.settings.sources);
    } catch (error) {
      if (error instanceof ContractValidationError) return error.message;
      throw error;
    }
    return 'source: no rule matches this source and detail-type';
  }

  private counting(output: ReplayOutput): ReplayOutput {
    return {
      emit: async (line: ReplayLine) => {
        if (line.channel === 'eventbridge') this.stats.eventbridge += 1;
        else if (line.channel === 'sns') this.stats.sns += 1;
        await output.emit(line);
      },
      close: () => output.close(),
    };
  }
}

/** `<field path>: <message>`, the form of replay's `rejected.error`. */
export function rejectionText(rejection: Rejection): string {
  const { field, error } = rejection;
  return field && !error.startsWith(`${field}:`) ? `${field}: ${error}` : error;
}

/**
 * A write request DynamoDB refused as a whole, on its only attempt: a failed
 * condition (a duplicate, a lost race) or a cancelled transaction changes no
 * item, so it puts nothing on the stream. Any other failure, or a refusal
 * after a retried attempt (which may have written before its answer was
 * lost), counts as a write.
 */
function wroteNothing(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as { name?: unknown; $metadata?: { attempts?: unknown } };
  return (name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException') && $metadata?.attempts === 1;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

/**
 * Powertools Metrics for the local handlers. EMF goes to standard output,
 * which replay reserves for the contract, so metrics must be disabled
 * (`POWERTOOLS_METRICS_DISABLED=true`, set by bin.mjs); its own errors go
 * through the given (standard-error) logger.
 */
function localMetrics(logger: Logger): Metrics {
  // With metrics disabled, Powertools still warns "No application metrics to publish" on
  // every invocation that added none: only its errors are worth standard error here.
  const metrics = new GuardedMetrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE, logger: logger.createChild({ logLevel: 'ERROR' }) });
  if (!metrics.emitsNothing()) {
    throw new LocalRuntimeError('Powertools metrics would print to standard output: set POWERTOOLS_METRICS_DISABLED=true');
  }
  return metrics;
}

class GuardedMetrics extends Metrics {
  public emitsNothing(): boolean {
    return this.isDisabled();
  }
}
