import type { Settings } from '../contract/config.js';
import type { InboundEvent } from '../contract/inbound.js';
import { createDecider, effectsOf, type Decider } from '../domain/decider.js';
import { nextDueAt } from '../domain/timers.js';
import { toEpochMs } from '../domain/time.js';
import type { Effect, ParcelPeer, ReturnAuthorization, ReturnCommand, ReturnEvent, ReturnState } from '../domain/types.js';
import { AlertDecisions } from './alert-decisions.js';
import { ConflictingDuplicateError, TooManyConflictsError, VersionConflictError } from './errors.js';
import { identityOf, type FactIdentity } from './identity.js';
import {
  NO_FLAGS,
  SILENT,
  type AlertRepository,
  type DecisionAnswers,
  type EmployeeFlagReader,
  type IdLedger,
  type Observer,
  type ParcelRepository,
  type ReturnRepository,
  type StoredReturn,
} from './ports.js';

export interface PipelineDeps {
  /** The returns, parcels and id-ledger ports (one DynamoDB adapter implements all three). */
  readonly store: ReturnRepository & ParcelRepository & IdLedger & DecisionAnswers;
  readonly settings: Settings;
  readonly flags?: EmployeeFlagReader;
  /** v1.2: R7 alerts, answered by decisions without returnId (the employee store; absent when R7 is not wired). */
  readonly alerts?: AlertRepository;
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
  /** DynamoDB item writes this event caused (id ledger, parcel, returns). */
  readonly writes: number;
}

const EMPTY: Outcome = { returnIds: [], events: [], effects: [], writes: 0 };

/**
 * The application service: claims the event's domain id in the ledger (R8),
 * routes the event to the returns it concerns, runs the decider and persists
 * state and outbox in one write. Handlers (AWS and local) call this and
 * nothing else. The decider state is opaque here: only `returnId` and the
 * item's version and authorization fingerprint are read.
 *
 * R8 has one owner, the ledger: `returnId` is claimed by the return item
 * itself (its authorization fingerprint, written with the decision), every
 * other id by a small ledger item written before the decision. A crash
 * between the two leaves a claim with the same fingerprint, which a
 * redelivery passes; the decider then applies the fact, or does nothing if it
 * was applied already.
 */
export class Pipeline {
  private readonly decider: Decider;
  private readonly alertDecisions: AlertDecisions;
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
    this.alertDecisions = new AlertDecisions(deps.store, deps.alerts, this.maxAttempts);
  }

  /**
   * Process one validated inbound event at `now` (wall clock in AWS, replay's business clock locally).
   * @throws {ConflictingDuplicateError} when its domain id was applied before with another detail
   */
  public async handle(event: InboundEvent, now: string): Promise<Outcome> {
    const identity = identityOf(event);
    const { store } = this.deps;
    switch (event.detailType) {
      case 'ReturnAuthorized': {
        const authorization = event.detail;
        // The return item is the returnId's ledger entry: check it before linking,
        // so a conflicting authorization never links the return to another parcel.
        const stored = await store.loadReturn(authorization.returnId);
        if (this.alreadyAuthorized(stored, identity)) {
          this.observer.duplicate('AuthorizeReturn', authorization.returnId);
          return EMPTY;
        }
        const { scans, peers } = await store.linkReturn(authorization);
        // v1.2: the other returns naming the parcel learn of this one first (a return on a parcel
        // shared with another customer is matched by no receipt), then this one learns of them.
        const shared = await this.linkPeers(authorization, peers, now);
        const outcome = await this.mutate(authorization.returnId, { type: 'AuthorizeReturn', authorization, scans, peers: shared.peers, now }, stored, identity);
        return merge(shared.outcome, { ...outcome, writes: outcome.writes + 1 });
      }
      case 'CarrierScan': {
        const scan = event.detail;
        const claimed = await this.claim(identity, now);
        let outcome: Outcome = { ...EMPTY, writes: claimed };
        // No rule reads a scan that is not DELIVERED: its ledger entry is all it costs.
        if (scan.status !== 'DELIVERED') return outcome;
        // A redelivery reads the parcel and writes only what a crash left unwritten.
        const before = claimed === 1 ? undefined : await store.deliveredOn(scan);
        const returnIds = before ?? (await store.recordDelivered(scan));
        outcome = { ...outcome, writes: outcome.writes + (before ? 0 : 1) };
        // Fan out even for a redelivery: the first delivery may have crashed before reaching the returns.
        for (const returnId of returnIds) {
          outcome = merge(outcome, await this.mutate(returnId, { type: 'RecordScan', scan, now }));
        }
        return outcome;
      }
      case 'WarehouseReceipt': {
        const receipt = event.detail;
        const claimed = await this.claim(identity, now);
        const employeeFlag = await this.flags.flagFor(receipt.employeeId, receipt.receivedAt);
        return plusWrites(await this.mutate(receipt.returnId, { type: 'RecordReceipt', receipt, employeeFlag, now }), claimed);
      }
      case 'RefundRequested': {
        const claimed = await this.claim(identity, now);
        return plusWrites(await this.mutate(event.detail.returnId, { type: 'RequestRefund', request: event.detail, now }), claimed);
      }
      case 'ReviewDecided': {
        const claimed = await this.claim(identity, now);
        const { returnId } = event.detail;
        if (returnId === undefined) {
          // v1.2: no return named: it answers an R7 alert (or names a return's review without its return).
          const answered = await this.alertDecisions.handle(event.detail, claimed === 0);
          return { ...EMPTY, effects: answered.effects, writes: claimed + answered.writes };
        }
        return plusWrites(await this.mutate(returnId, { type: 'DecideReview', decision: { ...event.detail, returnId }, now }), claimed);
      }
    }
  }

  /**
   * Tell each other return on the parcel (authorized within sharedParcelWindow
   * of this one) that this one names it too, as a scan is fanned out to the
   * returns it reaches. An honest parcel has no other return: no read, no
   * write. A return already released or denied is read, never written.
   */
  private async linkPeers(authorization: ReturnAuthorization, linked: readonly ParcelPeer[], now: string): Promise<{ outcome: Outcome; peers: ParcelPeer[] }> {
    const windowMs = this.deps.settings.sharedParcelWindowMs;
    const authorizedMs = toEpochMs(authorization.authorizedAt);
    const others = linked.filter((p) => p.returnId !== authorization.returnId && Math.abs(toEpochMs(p.authorizedAt) - authorizedMs) <= windowMs);
    let outcome = EMPTY;
    const peers: ParcelPeer[] = [];
    const self: ParcelPeer = { ...(linked.find((p) => p.returnId === authorization.returnId) ?? linkedPeer(authorization)), released: false };
    for (const peer of others) {
      const applied = await this.apply(peer.returnId, { type: 'LinkParcelPeer', peer: self, now });
      outcome = merge(outcome, applied.outcome);
      peers.push({ ...peer, released: applied.state?.status === 'RELEASED' });
    }
    return { outcome, peers };
  }

  /** Fire every timer due at `now` (the sweeper). */
  public async tick(now: string): Promise<Outcome> {
    let outcome = EMPTY;
    for await (const returnId of this.deps.store.dueReturnIds(now)) {
      outcome = merge(outcome, await this.mutate(returnId, { type: 'Tick', now }));
    }
    return outcome;
  }

  /** Claim the event's id in the ledger: 1 when this wrote the entry, 0 for a redelivery. */
  private async claim(identity: FactIdentity, now: string): Promise<number> {
    const { detailType, idField, id, fingerprint } = identity;
    return (await this.deps.store.claim({ detailType, idField, id, fingerprint, now })) === 'claimed' ? 1 : 0;
  }

  /** R8 for returnId, on the return item: true for the same authorization, a conflict for another. */
  private alreadyAuthorized(stored: StoredReturn | null, identity: FactIdentity): boolean {
    const print = stored?.authorizationPrint;
    if (print === undefined) return false;
    if (print === identity.fingerprint) return true;
    throw new ConflictingDuplicateError(identity.detailType, identity.idField, identity.id);
  }

  /**
   * Load, decide, write; on a version conflict decide again on the item the
   * conflict returned (ALL_OLD), after a jittered back-off. No events means
   * no write: a redelivery costs one read. With `authorization`, the write
   * also claims the returnId: a concurrent writer that authorized it first
   * makes this a redelivery or a conflict.
   */
  private async mutate(returnId: string, command: ReturnCommand, preloaded?: StoredReturn | null, authorization?: FactIdentity): Promise<Outcome> {
    return (await this.apply(returnId, command, preloaded, authorization)).outcome;
  }

  /** {@link mutate}, also giving the return's state after it (null when it does not exist). */
  private async apply(
    returnId: string,
    command: ReturnCommand,
    preloaded?: StoredReturn | null,
    authorization?: FactIdentity,
  ): Promise<{ outcome: Outcome; state: ReturnState | null }> {
    const { store } = this.deps;
    let stored: StoredReturn | null = preloaded !== undefined ? preloaded : await store.loadReturn(returnId);
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (authorization && this.alreadyAuthorized(stored, authorization)) {
        this.observer.duplicate(command.type, returnId);
        return { outcome: EMPTY, state: stored?.state ?? null };
      }
      const state = stored?.state ?? this.decider.initialState(returnId);
      const events = this.decider.decide(command, state);
      if (events.length === 0) {
        if (command.type !== 'Tick') this.observer.duplicate(command.type, returnId);
        return { outcome: EMPTY, state: stored?.state ?? null };
      }
      const next = events.reduce(this.decider.evolve, state);
      const effects = effectsOf(events);
      try {
        await store.saveReturn({
          state: next,
          expectedVersion: stored?.version ?? 0,
          effects,
          dueAt: nextDueAt(next, this.deps.settings),
          now: command.now,
          authorizationPrint: authorization?.fingerprint ?? stored?.authorizationPrint,
        });
        return { outcome: { returnIds: [returnId], events, effects, writes: 1 }, state: next };
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
        this.observer.conflictRetry(returnId, attempt);
        stored = error.current ?? (await store.loadReturn(returnId));
        // Full jitter, capped: 5 ms, 10 ms, 20 ms … up to 200 ms.
        await this.sleep(Math.floor(this.random() * Math.min(200, 5 * 2 ** attempt)));
      }
    }
    throw new TooManyConflictsError(returnId, this.maxAttempts);
  }
}

/** The link a return leaves on its parcel, as a peer of the others. */
function linkedPeer(auth: ReturnAuthorization): ParcelPeer {
  return {
    returnId: auth.returnId,
    customerId: auth.customerId,
    authorizedAt: auth.authorizedAt,
    ...(auth.expectedWeight ? { expectedWeight: auth.expectedWeight } : {}),
  };
}

function plusWrites(outcome: Outcome, writes: number): Outcome {
  return writes === 0 ? outcome : { ...outcome, writes: outcome.writes + writes };
}

function merge(a: Outcome, b: Outcome): Outcome {
  return {
    returnIds: [...a.returnIds, ...b.returnIds],
    events: [...a.events, ...b.events],
    effects: [...a.effects, ...b.effects],
    writes: a.writes + b.writes,
  };
}
