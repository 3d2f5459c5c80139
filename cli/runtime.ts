import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { createIngestHandler } from '../functions/ingest/app.js';
import { createPublisherHandler } from '../functions/publisher/app.js';
import { createSweeperHandler } from '../functions/sweeper/app.js';
import { businessTimeOf } from '../shared/app/ingest.js';
import { Pipeline } from '../shared/app/pipeline.js';
import { METRICS_NAMESPACE, SERVICE, observerFor } from '../shared/app/telemetry.js';
import { toEpochMs, toIso } from '../shared/domain/time.js';
import type { Route } from '../shared/routing.js';
import { RefundGateStore } from '../shared/store/store.js';
import {
  createTable,
  ensureTable,
  localDocumentClient,
  localDynamoClient,
  localStreamsClient,
  sharedDynamoEndpoint,
  startDynamoLocal,
  attachDynamoLocal,
  type LocalDynamo,
} from './dynamo.js';
import { LocalLambdaContexts } from './lambda.js';
import { ReplayOutboundSink, type ReplayLine, type ReplayOutput } from './output.js';
import { LocalBus, rejectionText } from './runtime/bus.js';
import { LocalRuntimeError, type LocalEnvironment, type LocalRuntimeOptions, type RuntimeSnapshot, type RuntimeStats, type StreamConsumer } from './runtime/options.js';
import { LocalSchedule, maxDefined } from './runtime/schedule.js';
import { countWrites, StreamPoller } from './runtime/stream-poller.js';
import { TableStreamReader } from './stream.js';

export { rejectionText } from './runtime/bus.js';
export type { LocalEnvironment, LocalExtensions, LocalRuntimeOptions, RuntimeSnapshot, RuntimeStats, StreamConsumer } from './runtime/options.js';
export { LocalRuntimeError } from './runtime/options.js';
export { SWEEP_INTERVAL_MS } from './runtime/schedule.js';

export const FUNCTION = {
  ingest: 'refund-gate-ingest',
  publisher: 'refund-gate-publisher',
  sweeper: 'refund-gate-sweeper',
} as const;

/** What {@link LocalRuntime.startWith} starts: DynamoDB Local, its clients, the table and its stream. */
export interface RuntimeParts {
  readonly dynamo: LocalDynamo;
  readonly clients: { readonly client: DynamoDBClient; readonly doc: DynamoDBDocumentClient; readonly streams: DynamoDBStreamsClient };
  readonly stream: TableStreamReader;
  readonly tableName: string;
}

/**
 * The AWS deployment, on a laptop: DynamoDB Local with the CDK's table, the
 * routing table of the CDK rules as the bus (./runtime/bus.ts), the real
 * ingest, sweeper and outbox-publisher handlers (middy, Powertools), the
 * minute's schedule (./runtime/schedule.ts) and the table's real stream
 * feeding the publisher and any further consumers (./runtime/stream-poller.ts).
 * Outbound SNS and EventBridge messages, and rejected input, become replay lines.
 *
 * Replay is sequential and deterministic: one inbound event at a time, then
 * the stream is drained through every consumer (so effects print in the order
 * they happen), then timers fire if they are due. The clock is business time:
 * the latest business time seen so far (contract §5).
 */
export class LocalRuntime {
  public readonly stats: RuntimeStats = { events: 0, rejected: 0, filtered: 0, eventbridge: 0, sns: 0, sweeps: 0, invocations: Object.create(null) as Record<string, number> };

  protected readonly bus: LocalBus;
  protected readonly schedule: LocalSchedule;
  protected readonly poller: StreamPoller;
  protected readonly contexts = new LocalLambdaContexts();
  /** What ingest handlers are built from (the bench's lanes build their own on the same). */
  protected readonly ingestDeps: { readonly pipeline: Pipeline; readonly metrics: Metrics };
  /** The clock the line being delivered would set, kept only if the line is not rejected (§5). */
  private pendingClockMs: number | undefined;
  private lineRejected = false;
  private currentLine = 0;
  private stopped = false;
  /** Rule targets by the routing table's handler name: what each rule invokes. */
  private readonly targets: Record<Route['handler'], (event: unknown, context: Context) => Promise<unknown>>;
  private readonly dynamo: LocalDynamo;
  private readonly clients: RuntimeParts['clients'];
  private readonly stream: TableStreamReader;
  private readonly tableName: string;

  protected constructor(
    protected readonly options: LocalRuntimeOptions,
    parts: RuntimeParts,
  ) {
    ({ dynamo: this.dynamo, clients: this.clients, stream: this.stream, tableName: this.tableName } = parts);
    const { settings, logger } = options;
    const { clients, tableName } = parts;
    const metrics = options.instrument?.metrics ?? localMetrics(logger);
    countWrites(clients.doc, () => {
      this.poller.unreadWrites += 1;
    });
    options.instrument?.dynamo?.(clients.doc);
    options.instrument?.streams?.(clients.streams);
    const env: LocalEnvironment = { doc: clients.doc, tableName, settings, logger, metrics };
    const store = new RefundGateStore(clients.doc, tableName);
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
    this.bus = new LocalBus(settings.sources, options.output, this.stats);
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
    const sweeper = createSweeperHandler({ pipeline, logger: logger.createChild(), metrics, now: () => this.schedule.now() });
    const count = (name: string) => this.count(name);
    const drain = () => this.poller.drain();
    this.schedule = new LocalSchedule({ sweeper, functionName: FUNCTION.sweeper, store, contexts: this.contexts, stats: this.stats, count, drain, resume: options.resume });
    const publisher: StreamConsumer = {
      name: FUNCTION.publisher,
      filter: 'publisher',
      handler: createPublisherHandler({ sink: new ReplayOutboundSink(this.counting(options.output)), logger: logger.createChild(), metrics }),
    };
    // The outbox publisher first, then the others (R7), on every batch.
    const consumers = [publisher, ...(options.consumers ?? []).map((build) => build(env))];
    this.poller = new StreamPoller({ stream: parts.stream, consumers, contexts: this.contexts, count, onRecord: (record) => this.schedule.noteTimer(record) });
  }

  /** Start DynamoDB Local, create the table from the CDK's definition and open its stream. Stop it with {@link stop}. */
  public static start(options: LocalRuntimeOptions): Promise<LocalRuntime> {
    return LocalRuntime.startWith(options, (parts) => new LocalRuntime(options, parts));
  }

  /** {@link start}, building the runtime (or a subclass) with `build`. */
  protected static async startWith<R extends LocalRuntime>(options: LocalRuntimeOptions, build: (parts: RuntimeParts) => R): Promise<R> {
    const endpoint = options.dbPath ? undefined : (options.endpoint ?? sharedDynamoEndpoint());
    // In a shared DynamoDB Local, a table of the run's own (runs may be concurrent).
    const tableName = `${options.tableName ?? 'refund-gate-local'}${endpoint ? `-${randomUUID()}` : ''}`;
    const dynamo = endpoint ? await attachDynamoLocal(endpoint, tableName) : await startDynamoLocal({ dbPath: options.dbPath });
    const client = localDynamoClient(dynamo.endpoint);
    const doc = localDocumentClient(dynamo.endpoint);
    const streams = localStreamsClient(dynamo.endpoint);
    try {
      if (options.dbPath) await ensureTable(client, tableName);
      else await createTable(client, tableName);
      const stream = new TableStreamReader(client, streams, tableName);
      await stream.open(options.resume?.stream);
      const runtime = build({ dynamo, clients: { client, doc, streams }, stream, tableName });
      // A kept table may hold timers from an earlier run.
      if (options.dbPath) runtime.schedule.noTimerBeforeMs = await runtime.schedule.earliestTimerMs();
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
    return { clock: this.clock, lastSweep: this.schedule.lastSweep, stream: this.stream.checkpoint() };
  }

  /** The business clock, or undefined before the first valid event. */
  public get clock(): string | undefined {
    return this.schedule.clock;
  }

  /**
   * One input line (1-based `line`): parse it, route it as the CDK rules
   * would, run the ingest handler, publish what it decided, fire due timers.
   * Bad input becomes a `rejected` line; only a broken runtime throws.
   */
  public async deliver(text: string, line: number): Promise<void> {
    this.stats.events += 1;
    this.currentLine = line;
    const routed = await this.bus.route(text, line);
    if (routed.kind === 'rejected') return;
    if (routed.kind === 'filtered') return this.filteredOut(routed.raw);
    const { raw, route } = routed;
    this.pendingClockMs = undefined;
    this.lineRejected = false;
    this.count(FUNCTION[route.handler]);
    await this.targets[route.handler](raw, this.contexts.next(FUNCTION[route.handler]));
    // A rejected line, a conflicting duplicate included, does not move the clock (contract §5).
    if (this.pendingClockMs !== undefined && !this.lineRejected) this.schedule.clockMs = this.pendingClockMs;
    this.pendingClockMs = undefined;
    await this.readAfterLine();
    await this.schedule.sweepIfDue();
  }

  /** A line refused before it is parsed (replay's reader: longer than an event may be): a `rejected` line. */
  public async rejectLine(line: number, error: string): Promise<void> {
    this.stats.events += 1;
    await this.reject(line, error);
  }

  /**
   * After the last line: move the clock to `until` (when given and later than
   * the clock) and fire every timer due by then, then drain the stream.
   * @returns the final clock, or undefined when no valid event was seen and no `until` given
   */
  public async finish(until?: string): Promise<string | undefined> {
    const untilMs = until === undefined ? undefined : toEpochMs(until);
    const clockMs = this.schedule.clockMs;
    if (untilMs !== undefined && clockMs !== undefined && untilMs < clockMs) {
      this.options.logger.warn('--until is earlier than the latest business time seen; the clock does not go back', {
        until,
        clock: this.clock,
      });
    }
    // Records a batched read (the bench's) left waiting go to the consumers before the final sweep.
    await this.poller.drain();
    const finalMs = maxDefined(this.schedule.clockMs, untilMs);
    if (finalMs === undefined) return undefined;
    this.schedule.clockMs = finalMs;
    await this.schedule.sweep(finalMs);
    return toIso(finalMs);
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

  /** After a line that was applied: replay reads the stream whenever a write may have put something on it. */
  protected async readAfterLine(): Promise<void> {
    await this.poller.drain();
  }

  protected count(functionName: string): void {
    this.stats.invocations[functionName] = (this.stats.invocations[functionName] ?? 0) + 1;
  }

  protected async reject(line: number, error: string): Promise<void> {
    this.lineRejected = true;
    await this.bus.reject(line, error);
  }

  private tentativeNow(businessTime: string): string {
    this.pendingClockMs = maxDefined(this.schedule.clockMs, toEpochMs(businessTime))!;
    return toIso(this.pendingClockMs);
  }

  /**
   * A line a rule's detail filter drops (a scan status no rule reads). In
   * AWS the event never reaches a function, so nothing is validated, stored
   * or printed. Time passes all the same: the replay clock stands for the
   * wall clock, so a well-formed filtered event still moves it (and fires
   * the timers due by then), as it did when such scans were ingested.
   */
  private async filteredOut(raw: Record<string, unknown>): Promise<void> {
    this.stats.filtered += 1;
    const businessMs = this.bus.businessTimeMsOf(raw);
    if (businessMs === undefined) return;
    this.schedule.clockMs = maxDefined(this.schedule.clockMs, businessMs);
    await this.schedule.sweepIfDue();
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
