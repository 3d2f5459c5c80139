import type { Reason } from '../../shared/domain/reasons.js';
import type { Insider, Scenario } from './scenarios.js';

/** Count and money (cents, USD). */
export interface Tally {
  count: number;
  amount: number;
}

export interface DemoSummary {
  readonly seed: number;
  readonly day: string;
  readonly returns: number;
  readonly warehouses: number;
  readonly employees: number;
  readonly events: { readonly total: number; readonly duplicates: number; readonly delayed: number; readonly lateScans: number; readonly rejected: number };
  readonly elapsedMs: number;
  readonly refunds: {
    readonly released: Tally;
    readonly releasedOnEvidence: Tally;
    readonly releasedByReviewer: Tally;
    readonly held: Tally;
    readonly heldUnderReview: Tally;
    readonly heldAwaitingEvidence: Tally;
    readonly denied: Tally;
  };
  readonly reviews: ReadonlyArray<{ readonly reason: Reason; readonly raised: number; readonly cleared: number; readonly decided: number; readonly open: number }>;
  readonly employeesFlagged: ReadonlyArray<{ readonly employeeId: string; readonly raisedAt: string; readonly insider: Insider['kind'] | null }>;
  readonly truth: {
    readonly fraud: Tally;
    readonly fraudStopped: Tally;
    readonly fraudMissed: Tally;
    readonly byScheme: ReadonlyArray<{ readonly scenario: Scenario; readonly label: string; readonly total: Tally; readonly stopped: Tally; readonly missed: Tally }>;
    readonly honest: Tally;
    readonly honestReleased: Tally;
    readonly honestHeld: Tally;
    readonly honestDenied: Tally;
    /** Why honest refunds are still held: the reason of their oldest open review, or no review yet. */
    readonly honestHeldBy: ReadonlyArray<{ readonly why: string; readonly tally: Tally }>;
    readonly insiders: ReadonlyArray<Insider & { readonly flagged: boolean }>;
    readonly honestEmployeesFlagged: number;
  };
  /** WEIGHT_MISMATCH (contract v1.1): what the weight check held, and what it saved. */
  readonly weightCheck: {
    /** Refunds not released with a WEIGHT_MISMATCH review. */
    readonly held: Tally;
    /** Fraud held by it and by nothing else: released without the weight check. */
    readonly wouldHaveBeenLost: Tally;
    /** Honest refunds held by it (false alarms); zero at the default tolerances. */
    readonly honestHeld: Tally;
  };
  /** PARCEL_EVIDENCE_REUSED (contract v1.2): what it held, set against the parcel ring of the ground truth. */
  readonly parcelCheck: ParcelCheck;
}

export interface ParcelCheck {
  /** Refunds not released with a PARCEL_EVIDENCE_REUSED review: a parcel named by several customers. */
  readonly heldShared: Tally;
  /** The same, for a return whose only deliveries at the warehouse predate it. */
  readonly heldStale: Tally;
  readonly ring: Tally;
  readonly ringStopped: Tally;
  readonly ringMissed: Tally;
  /** Honest refunds held by it (false alarms). */
  readonly honestHeld: Tally;
  /** The story of each shared parcel and stale return, as the reviews tell it. */
  readonly parcels: ReadonlyArray<ParcelStory>;
}

export interface ParcelStory {
  readonly kind: 'SHARED_PARCEL' | 'STALE_SCANS';
  readonly trackingNumber: string;
  readonly returns: ReadonlyArray<{ readonly returnId: string; readonly customerId: string | null; readonly released: boolean }>;
  readonly authorizedAt?: string | undefined;
  readonly staleScans?: ReadonlyArray<{ readonly scannedAt: string; readonly facilityId: string | null }> | undefined;
  readonly receivedBy?: string | undefined;
  readonly held: Tally;
}
