import type { Context } from 'aws-lambda';
import { createIngestHandler } from '../functions/ingest/app.js';
import { businessTimeOf } from '../shared/app/ingest.js';
import { toEpochMs, toIso } from '../shared/domain/time.js';
import type { Route } from '../shared/routing.js';
import { FUNCTION, LocalRuntime, LocalRuntimeError, rejectionText, type LocalRuntimeOptions, type RuntimeParts } from '../cli/runtime.js';
import { maxDefined, type SweepWay } from '../cli/runtime/schedule.js';

export interface BenchRuntimeOptions extends LocalRuntimeOptions {
  /**
   * Let up to this many writes wait on the stream before it is read, as a
   * Lambda event source mapping gathers a batch of records instead of reading
   * after each write. Effects then print later, and what consumers write
   * (R7's flags) reaches later lines later, as in AWS: replay never does it.
   * The stream is still read before a sweep could be skipped and in
   * {@link LocalRuntime.finish}, so no timer fires later than it would.
   * @default 1: read after every line that wrote, so effects print in order
   */
  readonly streamBatchWrites?: number;
}

/** One line of a lane's sequence. */
export interface LaneLine {
  readonly line: number;
  readonly text: string;
}

/**
 * The local runtime for the bench's throughput run only (bench/throughput.ts),
 * never replay: batched stream reads ({@link BenchRuntimeOptions.streamBatchWrites})
 * and concurrent deliveries ({@link deliverConcurrently}).
 */
export class BenchRuntime extends LocalRuntime {
  /** {@link deliverConcurrently}'s background (one stream reader, then the sweeper): one round at a time. */
  private background: Promise<void> = Promise.resolve();
  private backgroundQueued = false;
  private backgroundError: unknown;

  /** The concurrent run's background way: one read of what waits; the sweeper's writes are read by the next round. */
  private readonly backgroundSweep: SweepWay = {
    read: async () => {
      if (this.poller.unreadWrites > 0) await this.poller.readStream();
    },
    sweep: async (atMs: number) => {
      await this.schedule.invokeSweeper(atMs);
      this.schedule.noTimerBeforeMs = await this.schedule.earliestTimerMs();
    },
  };

  protected constructor(
    options: LocalRuntimeOptions,
    parts: RuntimeParts,
    private readonly batch: number,
  ) {
    super(options, parts);
  }

  public static override async start(options: BenchRuntimeOptions): Promise<BenchRuntime> {
    const batch = options.streamBatchWrites;
    if (batch !== undefined && !(Number.isInteger(batch) && batch >= 1)) {
      throw new LocalRuntimeError(`streamBatchWrites must be a whole number ≥ 1, got ${batch}`);
    }
    return LocalRuntime.startWith(options, (parts) => new BenchRuntime(options, parts, batch ?? 1));
  }

  /**
   * Hand every record still waiting on the stream to the consumers (a batched
   * read leaves some waiting between lines).
   */
  public async settle(): Promise<void> {
    await this.poller.drain();
  }

  /**
   * Several returns' events at once, as Lambda runs ingest invocations
   * concurrently. Each of `lanes` lanes takes the next sequence and delivers
   * its lines in order, routed as {@link deliver} routes them, through its
   * own ingest handler (one per execution environment) built on the same
   * pipeline, store, flags, settings and metrics as {@link deliver}'s; a
   * line's tentative clock and rejection are its lane's, and an applied line
   * moves the shared business clock forward only. Meanwhile one reader, as an
   * event source mapping per shard, reads the stream in the background once
   * `streamBatchWrites` writes wait and hands each batch to every consumer in
   * order; the minute's sweep runs after it, as {@link deliver} runs it
   * (skipped when provably empty). Returns when every lane is done and the
   * stream is quiet. Effects print in the order the reader finds them, not
   * line by line.
   */
  public async deliverConcurrently(sequences: ReadonlyArray<ReadonlyArray<LaneLine>>, lanes: number): Promise<void> {
    if (!(Number.isInteger(lanes) && lanes >= 1)) throw new LocalRuntimeError(`lanes must be a whole number ≥ 1, got ${lanes}`);
    let next = 0;
    const lane = async (): Promise<void> => {
      const state = { line: 0, pendingClockMs: undefined as number | undefined, rejected: false };
      const targets = this.laneTargets(state);
      for (let s = next++; s < sequences.length; s = next++) {
        for (const { line, text } of sequences[s]!) {
          this.stats.events += 1;
          state.line = line;
          state.pendingClockMs = undefined;
          state.rejected = false;
          const routed = await this.bus.route(text, line);
          if (routed.kind === 'rejected') continue;
          if (routed.kind === 'filtered') {
            // Dropped by a rule's filter: time passes all the same, as in deliver.
            this.stats.filtered += 1;
            state.pendingClockMs = this.bus.businessTimeMsOf(routed.raw);
          } else {
            this.count(FUNCTION[routed.route.handler]);
            await targets[routed.route.handler](routed.raw, this.contexts.next(FUNCTION[routed.route.handler]));
          }
          if (state.pendingClockMs !== undefined && !state.rejected) this.schedule.clockMs = maxDefined(this.schedule.clockMs, state.pendingClockMs);
          if (this.backgroundError !== undefined) throw this.backgroundError;
          this.queueBackground();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(lanes, sequences.length) }, lane));
    await this.background;
    if (this.backgroundError !== undefined) throw this.backgroundError;
    await this.poller.drain();
  }

  /** Batched: read the stream only once `streamBatchWrites` writes wait. */
  protected override async readAfterLine(): Promise<void> {
    if (this.poller.unreadWrites >= this.batch) await this.poller.drain();
  }

  /** A lane's own ingest handler: its rejections and tentative clock are the lane's line's. */
  private laneTargets(state: { line: number; pendingClockMs: number | undefined; rejected: boolean }): Record<Route['handler'], (event: unknown, context: Context) => Promise<unknown>> {
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
        state.pendingClockMs = maxDefined(this.schedule.clockMs, toEpochMs(businessTimeOf(event)))!;
        return toIso(state.pendingClockMs);
      },
    });
    return { ingest };
  }

  /**
   * The background, one round at a time and at most one waiting: the stream
   * reader once `streamBatchWrites` writes wait, then the minute's sweep if
   * it is due, as the schedule decides it (the stream read first, a provably
   * empty sweep skipped).
   */
  private queueBackground(): void {
    if (this.backgroundQueued) return;
    this.backgroundQueued = true;
    this.background = this.background
      .then(async () => {
        this.backgroundQueued = false;
        if (this.poller.unreadWrites >= this.batch) await this.poller.readStream();
        await this.schedule.sweepIfDue(this.backgroundSweep);
      })
      .catch((error: unknown) => {
        this.backgroundError ??= error;
      });
  }
}
