import type { Settings } from '../contract/config.js';
import type { InboundEvent } from '../contract/inbound.js';
import { createDecider, effectsOf, type Decider } from '../domain/decider.js';
import { ConflictingDuplicateError } from '../domain/errors.js';
import { fingerprint } from '../domain/fingerprint.js';
import { nextDueAt } from '../domain/timers.js';
import type { Effect, ReturnCommand, ReturnEvent } from '../domain/types.js';
import { TooManyConflictsError, VersionConflictError } from '../store/errors.js';
import { toStoredReturn, type RefundGateStore, type StoredReturn } from '../store/store.js';
import { NO_FLAGS, SILENT, type EmployeeFlagReader, type Observer } from './ports.js';

export interface PipelineDeps {
  readonly store: RefundGateStore;
  readonly settings: Settings;
  readonly flags?: EmployeeFlagReader;
  readonly observer?: Observer;
  /** Bounded optimistic-concurrency retries per return. @default 8 */
  readonly maxAttempts?: number;
  /** Jittered back-off between conflicting writes; injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** What one inbound event or tick did to the returns it touched. */
export interface Outcome {
  readonly returnIds: string[];
  readonly events: ReturnEvent[];
  readonly effects: Effect[];
  /** DynamoDB item writes this event caused (return, parcel). */
  readonly writes: number;
}

const EMPTY: Outcome = { returnIds: [], events: [], effects: [], writes: 0 };

/**
 * The application service: routes a validated inbound event to the returns it
 * concerns, runs the decider and persists state and outbox in one write.
 * Handlers (AWS and local) call this and nothing else.
 */
export class Pipeline {
  private readonly decider: Decider;
  private readonly flags: EmployeeFlagReader;
  private readonly observer: Observer;
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  public constructor(private readonly deps: PipelineDeps) {
    this.decider = createDecider(deps.settings);
    this.flags = deps.flags ?? NO_FLAGS;
    this.observer = deps.observer ?? SILENT;
    this.maxAttempts = deps.maxAttempts ?? 8;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = deps.random ?? Math.random;
  }

  /** Process one validated inbound event at `now` (wall clock in AWS, replay's business clock locally). */
  public async handle(event: InboundEvent, now: string): Promise<Outcome> {
    switch (event.detailType) {
      case 'ReturnAuthorized': {
        const authorization = event.detail;
        // R8 before linking: a conflicting authorization must not link the return to another parcel.
        const stored = await this.deps.store.loadReturn(authorization.returnId);
        const recorded = stored?.state.authorization;
        const seen = recorded ? fingerprint(recorded) : undefined;
        if (seen !== undefined && seen !== fingerprint(authorization)) {
          throw new ConflictingDuplicateError(`ReturnAuthorized:${authorization.returnId}`, { context: { idField: 'returnId' } });
        }
        // Applied already (the return write comes after the link): a redelivery writes nothing.
        if (seen !== undefined) {
          this.observer.duplicate('AuthorizeReturn', authorization.returnId);
          return EMPTY;
        }
        const scans = await this.deps.store.linkReturn(authorization);
        const outcome = await this.mutate(authorization.returnId, { type: 'AuthorizeReturn', authorization, scans, now }, stored);
        return { ...outcome, writes: outcome.writes + 1 };
      }
      case 'CarrierScan': {
        const scan = event.detail;
        const { returnIds, duplicate } = await this.deps.store.recordScan(scan, fingerprint(scan));
        let outcome: Outcome = { ...EMPTY, writes: duplicate ? 0 : 1 };
        if (scan.status !== 'DELIVERED') return outcome;
        // Fan out even for a redelivery: the first delivery may have crashed before reaching the returns.
        for (const returnId of returnIds) {
          outcome = merge(outcome, await this.mutate(returnId, { type: 'RecordScan', scan, now }));
        }
        return outcome;
      }
      case 'WarehouseReceipt': {
        const receipt = event.detail;
        const employeeFlag = await this.flags.flagFor(receipt.employeeId, receipt.receivedAt);
        return this.mutate(receipt.returnId, { type: 'RecordReceipt', receipt, employeeFlag, now });
      }
      case 'RefundRequested':
        return this.mutate(event.detail.returnId, { type: 'RequestRefund', request: event.detail, now });
      case 'ReviewDecided':
        return this.mutate(event.detail.returnId, { type: 'DecideReview', decision: event.detail, now });
    }
  }

  /** Fire every timer due at `now` (the sweeper). */
  public async tick(now: string): Promise<Outcome> {
    let outcome = EMPTY;
    for await (const returnId of this.deps.store.dueReturnIds(now)) {
      outcome = merge(outcome, await this.mutate(returnId, { type: 'Tick', now }));
    }
    return outcome;
  }

  /**
   * Load, decide, write; on a version conflict decide again on the item the
   * conflict returned (ALL_OLD), after a jittered back-off. No events means
   * no write: a redelivery costs one read.
   */
  private async mutate(returnId: string, command: ReturnCommand, preloaded?: StoredReturn | null): Promise<Outcome> {
    let stored: StoredReturn | null = preloaded !== undefined ? preloaded : await this.deps.store.loadReturn(returnId);
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const state = stored?.state ?? this.decider.initialState(returnId);
      const events = this.decider.decide(command, state);
      if (events.length === 0) {
        if (command.type !== 'Tick') this.observer.duplicate(command.type, returnId);
        return EMPTY;
      }
      const next = events.reduce(this.decider.evolve, state);
      const effects = effectsOf(events);
      try {
        await this.deps.store.saveReturn({
          state: next,
          expectedVersion: stored?.version ?? 0,
          effects,
          dueAt: nextDueAt(next, this.deps.settings),
          now: command.now,
        });
        return { returnIds: [returnId], events, effects, writes: 1 };
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
        this.observer.conflictRetry(returnId, attempt);
        stored = error.current ? toStoredReturn(error.current) : await this.deps.store.loadReturn(returnId);
        // Full jitter, capped: 5 ms, 10 ms, 20 ms … up to 200 ms.
        await this.sleep(Math.floor(this.random() * Math.min(200, 5 * 2 ** attempt)));
      }
    }
    throw new TooManyConflictsError(`RETURN#${returnId}`, this.maxAttempts);
  }
}

function merge(a: Outcome, b: Outcome): Outcome {
  return {
    returnIds: [...a.returnIds, ...b.returnIds],
    events: [...a.events, ...b.events],
    effects: [...a.effects, ...b.effects],
    writes: a.writes + b.writes,
  };
}
