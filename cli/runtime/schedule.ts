import type { Context, DynamoDBRecord } from 'aws-lambda';
import { toEpochMs, toIso } from '../../shared/domain/time.js';
import type { RefundGateStore } from '../../shared/store/store.js';
import { DUE_TIMERS_INDEX } from '../../shared/store/table.js';
import type { LocalLambdaContexts } from '../lambda.js';
import { LocalRuntimeError, type RuntimeSnapshot, type RuntimeStats } from './options.js';

/**
 * The sweeper runs every minute in AWS (EventBridge schedule); replay runs it
 * whenever the business clock has moved on by at least this much since the
 * last sweep, and once more at the end.
 */
export const SWEEP_INTERVAL_MS = 60_000;

/** How a due sweep reads the stream before deciding, and runs. */
export interface SweepWay {
  readonly read: () => Promise<void>;
  readonly sweep: (atMs: number) => Promise<void>;
}

/** What the schedule needs from the runtime around it. */
export interface ScheduleDeps {
  readonly sweeper: (event: unknown, context: Context) => Promise<unknown>;
  /** The sweeper's Lambda function name. */
  readonly functionName: string;
  readonly store: RefundGateStore;
  readonly contexts: LocalLambdaContexts;
  readonly stats: RuntimeStats;
  /** Counts one Lambda invocation of the named function. */
  readonly count: (functionName: string) => void;
  /** Hand every record waiting on the stream to the consumers. */
  readonly drain: () => Promise<void>;
  readonly resume?: RuntimeSnapshot;
}

/**
 * Business time and the timers: the clock (the latest business time seen,
 * contract §5), the minute's sweep as the EventBridge schedule would run it,
 * and a lower bound on the pending timers, so that a sweep that provably
 * finds nothing is skipped.
 */
export class LocalSchedule {
  public clockMs: number | undefined;
  public lastSweepMs: number | undefined;
  /**
   * No timer in the table is due before this instant (epoch ms). Lowered by
   * every `dueAt` the stream shows, recomputed from the index after a sweep.
   */
  public noTimerBeforeMs = Number.POSITIVE_INFINITY;

  /** Replay's way: drain the stream before deciding, and after the sweeper. */
  private readonly replaySweep: SweepWay = { read: () => this.deps.drain(), sweep: (atMs: number) => this.sweep(atMs) };

  public constructor(private readonly deps: ScheduleDeps) {
    if (deps.resume?.clock) this.clockMs = toEpochMs(deps.resume.clock);
    if (deps.resume?.lastSweep) this.lastSweepMs = toEpochMs(deps.resume.lastSweep);
  }

  /** The business clock, or undefined before the first valid event. */
  public get clock(): string | undefined {
    return this.clockMs === undefined ? undefined : toIso(this.clockMs);
  }

  /** The last sweep's time, or undefined before the first. */
  public get lastSweep(): string | undefined {
    return this.lastSweepMs === undefined ? undefined : toIso(this.lastSweepMs);
  }

  public now(): string {
    if (this.clockMs === undefined) throw new LocalRuntimeError('the business clock is not set yet');
    return toIso(this.clockMs);
  }

  /**
   * The minute's sweep, when the clock has moved on by a minute since the
   * last one. A sweep that provably finds nothing (no timer due yet) is
   * skipped: running it would query the index and change nothing.
   */
  public async sweepIfDue(how: SweepWay = this.replaySweep): Promise<void> {
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

  /**
   * Run the sweeper at `atMs`. It finds due returns through the sparse
   * `due-timers` index: eventually consistent in AWS, where a timer written a
   * moment ago may be picked up by the next minute's sweep; DynamoDB Local
   * updates the index at once, which only makes replay's timers punctual.
   */
  public async sweep(atMs: number): Promise<void> {
    await this.invokeSweeper(atMs);
    await this.deps.drain();
    this.noTimerBeforeMs = await this.earliestTimerMs();
  }

  /** The sweeper's invocation at `atMs`, nothing after it. */
  public async invokeSweeper(atMs: number): Promise<void> {
    const { stats, functionName } = this.deps;
    this.lastSweepMs = atMs;
    stats.sweeps += 1;
    const time = toIso(atMs);
    this.deps.count(functionName);
    await this.deps.sweeper(
      { version: '0', id: `sweep-${stats.sweeps}`, 'detail-type': 'Scheduled Event', source: 'aws.events', time, resources: [], detail: {} },
      this.deps.contexts.next(functionName),
    );
  }

  /** The earliest `dueAt` in the sparse timer index, as epoch ms (infinity when none is pending). */
  public async earliestTimerMs(): Promise<number> {
    const due = await this.deps.store.earliestDueAt();
    return due === undefined ? Number.POSITIVE_INFINITY : toEpochMs(due);
  }

  /** A written item with a pending timer lowers the bound below which no timer is due. */
  public noteTimer(record: DynamoDBRecord): void {
    const due = record.dynamodb?.NewImage?.[DUE_TIMERS_INDEX.sortKey]?.S;
    if (due !== undefined && record.dynamodb?.NewImage?.[DUE_TIMERS_INDEX.partitionKey] !== undefined) {
      this.noTimerBeforeMs = Math.min(this.noTimerBeforeMs, toEpochMs(due));
    }
  }
}

export function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}
