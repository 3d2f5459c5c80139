/*
 * The ports the application layer needs (hexagonal architecture): shared/app
 * declares them, shared/store implements them for DynamoDB, and functions/*
 * and cli compose the two. Nothing in shared/app imports shared/store.
 */
import type { DetailType } from '../contract/inbound.js';
import type { AlertAnswer, AlertRecord } from '../domain/alert-decision.js';
import type { SuspectReceipt } from '../domain/insider.js';
import type { CarrierScan, Effect, EmployeeFlag, ParcelPeer, ReturnAuthorization, ReturnState, ReviewRaised } from '../domain/types.js';

/** A return as stored: the decider state (opaque here), its optimistic-lock version and its R8 ledger entry. */
export interface StoredReturn {
  readonly state: ReturnState;
  readonly version: number;
  /**
   * Fingerprint of the ReturnAuthorized applied to this return, if any: the
   * return item is the ledger entry of its `returnId` (R8), so claiming the
   * id and recording the authorization are one conditional write.
   */
  readonly authorizationPrint: string | undefined;
}

export interface SaveReturnInput {
  readonly state: ReturnState;
  /** The version read (0 when the item did not exist). */
  readonly expectedVersion: number;
  /** Effects produced by this decision: the outbox the stream publisher sends. */
  readonly effects: readonly Effect[];
  readonly dueAt: string | null;
  readonly now: string;
  /** The authorization fingerprint to keep on the item (carried forward on every write). */
  readonly authorizationPrint: string | undefined;
}

/** What a parcel knows when a return is linked to it. */
export interface ParcelLinks {
  readonly scans: CarrierScan[];
  readonly peers: ParcelPeer[];
}

/** One item per return: state and outbox in one conditional write. */
export interface ReturnRepository {
  /** Strongly consistent read. */
  loadReturn(returnId: string): Promise<StoredReturn | null>;
  /**
   * Write state and outbox if nobody wrote since `expectedVersion`.
   * @throws {VersionConflictError} carrying the current return when another writer won
   */
  saveReturn(input: SaveReturnInput): Promise<number>;
  /** Returns whose next timer is due at or before `now`. */
  dueReturnIds(now: string): AsyncIterable<string>;
}

/**
 * The strongly consistent meeting point of scans and returns (one item per
 * carrier and tracking number, compared trimmed and case-insensitively).
 */
export interface ParcelRepository {
  /**
   * Link a return to its parcel; returns every DELIVERED scan recorded for the
   * parcel so far and (v1.2) every return linked to it, this one included.
   */
  linkReturn(authorization: ReturnAuthorization): Promise<ParcelLinks>;
  /** Record a DELIVERED scan on its parcel (idempotent); returns the returnIds linked so far. */
  recordDelivered(scan: CarrierScan): Promise<string[]>;
  /**
   * For a redelivered scan (one read instead of a write): the returnIds linked
   * to its parcel if the scan is recorded there, undefined if it is not (a
   * crash came between the ledger claim and the parcel write).
   */
  deliveredOn(scan: CarrierScan): Promise<string[] | undefined>;
}

/** A domain id applied for the first time, with the fingerprint of its canonical detail. */
export interface FactClaim {
  readonly detailType: DetailType;
  /** The detail field holding the id (`receiptId`, …), for the error that names it. */
  readonly idField: string;
  readonly id: string;
  readonly fingerprint: string;
  /** When it is claimed (for the entry's retention). */
  readonly now: string;
}

/**
 * R8's one owner: domain ids are unique per detail-type across the whole
 * deployment. `claimed`: first time; `seen`: the same fingerprint was claimed
 * before (a redelivery, or a retry after a crash: processing continues and
 * the decider's per-fact idempotence makes it a no-op when it was applied).
 */
export interface IdLedger {
  /** @throws {ConflictingDuplicateError} when the id was claimed with another fingerprint */
  claim(fact: FactClaim): Promise<'claimed' | 'seen'>;
}

/** R7's seam: is this employee flagged for a receipt received at `receivedAt`? */
export interface EmployeeFlagReader {
  flagFor(employeeId: string, receivedAt: string): Promise<EmployeeFlag | null>;
}

/** R7's store: suspect receipts per employee and the one flag with its alert. */
export interface EmployeeRepository extends EmployeeFlagReader {
  /** The latest flag, with (v1.2) the receipts its alert counted. */
  currentFlag(employeeId: string): Promise<(EmployeeFlag & { readonly counted: readonly string[] }) | null>;
  addSuspect(receipt: SuspectReceipt): Promise<void>;
  removeSuspect(employeeId: string, receivedAt: string, receiptId: string): Promise<void>;
  /** Suspect receipts with receivedAt in [from, to], read consistently. */
  suspects(employeeId: string, from: string, to: string): Promise<SuspectReceipt[]>;
  /** Raise the flag and its anomaly review unless a flag covers `raisedAt`; whether this call raised it. */
  raiseFlag(review: ReviewRaised, flagForMs: number): Promise<boolean>;
  /** v1.2: flag the employee from a SELF_REVIEW_ATTEMPT's `decidedAt` for flagFor (kept beside an R7 flag; only ever extended). */
  raiseSelfReviewFlag(employeeId: string, reviewId: string, decidedAt: string, flagForMs: number): Promise<void>;
}

/** An employee's current R7 alert as stored on its flag item, with the revision the next write is conditional on. */
export interface StoredAlert {
  readonly alert: AlertRecord;
  readonly revision: number;
}

/** v1.2: R7 alerts are answerable; the alert lives on the employee's flag item. */
export interface AlertRepository {
  /** The current alert of the person `employeeId` names (strongly consistent), or null. */
  loadAlert(employeeId: string): Promise<StoredAlert | null>;
  /**
   * Close the alert with its answer and publish `effects` from its item, in one
   * conditional write (the alert unchanged since `stored` was read); a RELEASE lifts the flag.
   * @throws {AlertConflictError} when the alert changed since it was read
   */
  answerAlert(stored: StoredAlert, answer: AlertAnswer, effects: readonly Effect[]): Promise<void>;
}

/**
 * v1.2: a decision without returnId that changes nothing keeps its one
 * effect on its own ledger entry: the entry is claimed first (R8), then
 * answered once by a conditional write whose stream record publishes it.
 */
export interface DecisionAnswers {
  /** Whether the decision's ledger entry has been answered already (a redelivery after a crash). */
  decisionAnswered(decisionId: string): Promise<boolean>;
  /** Answer the claimed entry with its effects; false when it was answered already. */
  answerDecision(decisionId: string, effects: readonly Effect[]): Promise<boolean>;
}

/** No insider detection configured: nobody is flagged. */
export const NO_FLAGS: EmployeeFlagReader = { flagFor: async () => null };

/** Where input that can never be processed goes, with its error attached (DLQ in AWS, `rejected` in replay). */
export interface RejectedSink {
  reject(rejection: Rejection): Promise<void>;
}

export interface Rejection {
  /** The event as received (parsed JSON, or the raw text when it was not JSON). */
  readonly input: unknown;
  readonly errorType: string;
  readonly error: string;
  /** First failing field path, e.g. `detail.refund.amount`. */
  readonly field: string;
  /** Replay's 1-based input line, when there is one. */
  readonly line?: number | undefined;
}

/** What a process step observed, for logs and metrics at the edge. */
export interface Observer {
  duplicate(kind: string, id: string): void;
  conflictRetry(key: string, attempt: number): void;
}

export const SILENT: Observer = { duplicate: () => {}, conflictRetry: () => {} };
