import { ConflictingDuplicateError, InvariantViolationError } from './errors.js';
import { fingerprint } from './fingerprint.js';
import { assessReceipt, belongsToParcel, deliveredScans } from './matching.js';
import { REASON, severityOf, type Reason } from './reasons.js';
import { addMs, maxIso, toEpochMs } from './time.js';
import type {
  DeciderSettings,
  Effect,
  FactEvent,
  Money,
  ReceiptRecord,
  RefundReleased,
  ReturnCommand,
  ReturnEvent,
  ReturnState,
  ReviewCleared,
  ReviewRaised,
  ReviewRecord,
} from './types.js';

/**
 * The per-return Decider (Emmett style): `decide(command, state) → events`,
 * `evolve(state, event) → state`, `initialState(returnId)`.
 *
 * `decide` first records the command's fact (R8: a duplicate returns `[]`, a
 * conflicting duplicate throws {@link ConflictingDuplicateError}), then
 * settles the return at `now`: fires due timers (R3 grace, R6), clears
 * reviews answered by late evidence (R4) and releases or denies (R1, R2, R5).
 */
export interface Decider {
  decide(command: ReturnCommand, state: ReturnState): ReturnEvent[];
  evolve(state: ReturnState, event: ReturnEvent): ReturnState;
  initialState(returnId: string): ReturnState;
}

export function createDecider(settings: DeciderSettings): Decider {
  return {
    decide: (command, state) => decide(command, state, settings),
    evolve,
    initialState,
  };
}

export function initialState(returnId: string): ReturnState {
  return {
    returnId,
    status: 'AWAITING_AUTHORIZATION',
    authorization: null,
    scans: {},
    receipts: {},
    refund: null,
    decision: null,
    reviews: {},
    release: null,
    denial: null,
    seen: {},
  };
}

/** Stable review ids: the same facts always name the same review (contract §4). */
export const reviewIdFor = {
  receipt: (returnId: string, receiptId: string) => `rv/receipt/${returnId}/${receiptId}`,
  orphan: (returnId: string, receiptId: string) => `rv/orphan/${returnId}/${receiptId}`,
  flagged: (returnId: string, receiptId: string) => `rv/flagged/${returnId}/${receiptId}`,
  exceeds: (returnId: string, refundId: string) => `rv/refund-exceeds/${returnId}/${refundId}`,
  secondRefund: (returnId: string, refundId: string) => `rv/second-refund/${returnId}/${refundId}`,
  hold: (returnId: string) => `rv/hold-expired/${returnId}`,
  selfReview: (returnId: string, decisionId: string) => `rv/self-review/${returnId}/${decisionId}`,
} as const;

export const RECEIPT_REVIEW_REASONS: ReadonlySet<Reason> = new Set<Reason>([
  REASON.RECEIPT_AT_OTHER_WAREHOUSE,
  REASON.CONDITION_MISMATCH,
  REASON.INBOUND_SCAN_AT_OTHER_FACILITY,
  REASON.RECEIPT_BEFORE_INBOUND_SCAN,
  REASON.RECEIPT_WITHOUT_INBOUND_SCAN,
]);

// ====================================================================== decide

function decide(command: ReturnCommand, state: ReturnState, settings: DeciderSettings): ReturnEvent[] {
  // Timers that fell due before this command fire first, as the sweeper would
  // have fired them: a decision may answer a review whose grace ran out, and a
  // receipt reported after maxHold does not undo HOLD_EXPIRED.
  const before = settle(state, command.now, settings);
  const facts = recordFact(command, before.state, settings);
  if (facts === DUPLICATE) return [];
  const after = settle(facts.reduce(evolve, before.state), command.now, settings);
  return [...before.events, ...facts, ...after.events];
}

/** Apply the rules at `now` until none produces anything: each sees the state the previous left. */
function settle(state: ReturnState, now: string, settings: DeciderSettings): { state: ReturnState; events: ReturnEvent[] } {
  const events: ReturnEvent[] = [];
  let working = state;
  for (let round = 0; round < 64; round++) {
    const next = settleOnce(working, now, settings);
    if (next.length === 0) return { state: working, events };
    events.push(...next);
    working = next.reduce(evolve, working);
  }
  throw new InvariantViolationError('decider did not settle', { context: { returnId: state.returnId } });
}

const DUPLICATE = Symbol('duplicate');

/** Check R8 for one fact: `DUPLICATE` when already applied unchanged, throws on a conflict. */
function checkSeen(state: ReturnState, key: string, print: string, idField: string): typeof DUPLICATE | null {
  const before = state.seen[key];
  if (before === undefined) return null;
  if (before === print) return DUPLICATE;
  throw new ConflictingDuplicateError(key, { context: { returnId: state.returnId, idField } });
}

function assertReturn(state: ReturnState, returnId: string): void {
  if (returnId !== state.returnId) {
    throw new InvariantViolationError(`command for return ${returnId} sent to ${state.returnId}`);
  }
}

function recordFact(
  command: ReturnCommand,
  state: ReturnState,
  settings: DeciderSettings,
): FactEvent[] | Effect[] | ReturnEvent[] | typeof DUPLICATE {
  switch (command.type) {
    case 'Tick':
      return [];

    case 'AuthorizeReturn': {
      const auth = command.authorization;
      assertReturn(state, auth.returnId);
      const key = `ReturnAuthorized:${auth.returnId}`;
      const print = fingerprint(auth);
      if (checkSeen(state, key, print, 'returnId') === DUPLICATE) return DUPLICATE;
      const events: ReturnEvent[] = [{ type: 'ReturnAuthorized', key, fingerprint: print, authorization: auth }];
      for (const scan of deliveredScans(command.scans)) {
        if (!belongsToParcel(scan, auth) || state.seen[`CarrierScan:${scan.scanId}`] !== undefined) continue;
        events.push({ type: 'ScanRecorded', key: `CarrierScan:${scan.scanId}`, fingerprint: fingerprint(scan), scan });
      }
      return events;
    }

    case 'RecordScan': {
      const { scan } = command;
      const key = `CarrierScan:${scan.scanId}`;
      const print = fingerprint(scan);
      if (checkSeen(state, key, print, 'scanId') === DUPLICATE) return DUPLICATE;
      // Only DELIVERED scans of this return's parcel bear on the rules (§2); anything else
      // (another parcel's scan reaching a return through a stale link) changes nothing.
      if (scan.status !== 'DELIVERED') return DUPLICATE;
      if (state.authorization && !belongsToParcel(scan, state.authorization)) return DUPLICATE;
      return [{ type: 'ScanRecorded', key, fingerprint: print, scan }];
    }

    case 'RecordReceipt': {
      const { receipt, employeeFlag } = command;
      assertReturn(state, receipt.returnId);
      const key = `WarehouseReceipt:${receipt.receiptId}`;
      const print = fingerprint(receipt);
      if (checkSeen(state, key, print, 'receiptId') === DUPLICATE) return DUPLICATE;
      const events: ReturnEvent[] = [
        {
          type: 'ReceiptRecorded',
          key,
          fingerprint: print,
          receipt,
          assessAt: addMs(receipt.receivedAt, settings.graceMs),
          orphanAt: addMs(receipt.receivedAt, settings.orphanTimeoutMs),
        },
      ];
      const receivedMs = toEpochMs(receipt.receivedAt);
      if (
        employeeFlag &&
        employeeFlag.employeeId === receipt.employeeId &&
        receivedMs >= toEpochMs(employeeFlag.flaggedAt) &&
        receivedMs <= toEpochMs(employeeFlag.flaggedUntil)
      ) {
        // R7: held whatever the evidence says; only a reviewer can release it.
        events.push(
          raise(state, {
            reviewId: reviewIdFor.flagged(state.returnId, receipt.receiptId),
            reason: REASON.RECEIPT_BY_FLAGGED_EMPLOYEE,
            raisedAt: maxIso(receipt.receivedAt, employeeFlag.flaggedAt),
            receiptId: receipt.receiptId,
            employeeId: receipt.employeeId,
            warehouseId: receipt.warehouseId,
            evidence: {
              anomalyReviewId: employeeFlag.anomalyReviewId,
              flaggedAt: employeeFlag.flaggedAt,
              flaggedUntil: employeeFlag.flaggedUntil,
              receivedAt: receipt.receivedAt,
              stationId: receipt.stationId,
            },
          }),
        );
      }
      return events;
    }

    case 'RequestRefund': {
      const { request } = command;
      assertReturn(state, request.returnId);
      const key = `RefundRequested:${request.refundId}`;
      const print = fingerprint(request);
      if (checkSeen(state, key, print, 'refundId') === DUPLICATE) return DUPLICATE;
      const first = state.refund === null;
      const events: ReturnEvent[] = [
        {
          type: 'RefundRequestRecorded',
          key,
          fingerprint: print,
          request,
          first,
          holdExpiresAt: addMs(request.requestedAt, settings.maxHoldMs),
        },
      ];
      if (!first) {
        events.push(
          raise(state, {
            reviewId: reviewIdFor.secondRefund(state.returnId, request.refundId),
            reason: REASON.SECOND_REFUND_REQUEST,
            raisedAt: request.requestedAt,
            refundId: request.refundId,
            warehouseId: state.authorization?.warehouseId,
            refund: request.amount,
            evidence: { firstRefundId: state.refund?.request.refundId, requested: request.amount },
          }),
        );
      }
      return events;
    }

    case 'DecideReview': {
      const { decision } = command;
      assertReturn(state, decision.returnId);
      const key = `ReviewDecided:${decision.decisionId}`;
      const print = fingerprint(decision);
      if (checkSeen(state, key, print, 'decisionId') === DUPLICATE) return DUPLICATE;
      const recorded = (outcome: 'FINAL' | 'SELF_REVIEW' | 'REVIEW_NOT_OPEN' | 'ALREADY_DECIDED'): FactEvent => ({
        type: 'DecisionRecorded',
        key,
        fingerprint: print,
        decision,
        outcome,
      });
      const selfReviewed = Object.values(state.receipts).some((r) => r.receipt.employeeId === decision.reviewerId);
      if (selfReviewed) {
        return [
          recorded('SELF_REVIEW'),
          raise(state, {
            reviewId: reviewIdFor.selfReview(state.returnId, decision.decisionId),
            reason: REASON.SELF_REVIEW_ATTEMPT,
            raisedAt: decision.decidedAt,
            decisionId: decision.decisionId,
            employeeId: decision.reviewerId,
            warehouseId: state.authorization?.warehouseId,
            evidence: { decisionId: decision.decisionId, reviewId: decision.reviewId, decision: decision.decision },
          }),
        ];
      }
      if (state.decision !== null) return [recorded('ALREADY_DECIDED')];
      if (state.reviews[decision.reviewId]?.status !== 'OPEN') return [recorded('REVIEW_NOT_OPEN')];
      const events: ReturnEvent[] = [
        recorded('FINAL'),
        { type: 'ReviewResolved', reviewId: decision.reviewId, decisionId: decision.decisionId },
      ];
      if (decision.decision === 'RELEASE') {
        // R5: RELEASE closes the return's other open reviews as well.
        for (const review of openReviews(state)) {
          if (review.reviewId === decision.reviewId) continue;
          events.push(clear(state, review, decision.decidedAt, 'CLOSED_BY_REVIEWER_RELEASE', { decisionId: decision.decisionId }));
        }
      }
      return events;
    }
  }
}

// ====================================================================== settle

function settleOnce(state: ReturnState, now: string, settings: DeciderSettings): ReturnEvent[] {
  const nowMs = toEpochMs(now);
  const auth = state.authorization;
  const scans = Object.values(state.scans);
  const receipts = sortedReceipts(state);

  // R6: a receipt whose return is still unknown orphanTimeout after receivedAt.
  if (auth === null) {
    for (const { receipt, orphanAt } of receipts) {
      const reviewId = reviewIdFor.orphan(state.returnId, receipt.receiptId);
      if (nowMs < toEpochMs(orphanAt) || state.reviews[reviewId]) continue;
      return [
        raise(state, {
          reviewId,
          reason: REASON.RECEIPT_FOR_UNKNOWN_RETURN,
          raisedAt: orphanAt,
          receiptId: receipt.receiptId,
          employeeId: receipt.employeeId,
          warehouseId: receipt.warehouseId,
          evidence: { receivedAt: receipt.receivedAt, orphanTimeoutMs: settings.orphanTimeoutMs, stationId: receipt.stationId },
        }),
      ];
    }
  }

  if (auth !== null) {
    // R3: one review per unmatched receipt, judged at receivedAt + grace.
    for (const { receipt, assessAt } of receipts) {
      const reviewId = reviewIdFor.receipt(state.returnId, receipt.receiptId);
      if (nowMs < toEpochMs(assessAt) || state.reviews[reviewId]) continue;
      const assessment = assessReceipt(auth, receipt, scans, settings.skewMs);
      if (assessment.matched) continue;
      return [
        raise(state, {
          reviewId,
          reason: assessment.reason,
          raisedAt: assessAt,
          receiptId: receipt.receiptId,
          employeeId: receipt.employeeId,
          warehouseId: receipt.warehouseId,
          evidence: {
            returnWarehouseId: auth.warehouseId,
            receiptWarehouseId: receipt.warehouseId,
            condition: receipt.condition,
            receivedAt: receipt.receivedAt,
            stationId: receipt.stationId,
            skewMs: settings.skewMs,
            carrier: auth.carrier,
            trackingNumber: auth.trackingNumber,
            deliveredScans: deliveredScans(scans).map((s) => ({
              scanId: s.scanId,
              facilityId: s.facilityId ?? null,
              scannedAt: s.scannedAt,
            })),
          },
        }),
      ];
    }

    // R3 (refund): more than authorized, or in another currency.
    const refund = state.refund;
    if (refund && exceedsAuthorized(refund.request.amount, auth.refund)) {
      const reviewId = reviewIdFor.exceeds(state.returnId, refund.request.refundId);
      if (!state.reviews[reviewId]) {
        return [
          raise(state, {
            reviewId,
            reason: REASON.REFUND_EXCEEDS_AUTHORIZED,
            raisedAt: maxIso(auth.authorizedAt, refund.request.requestedAt),
            refundId: refund.request.refundId,
            warehouseId: auth.warehouseId,
            refund: refund.request.amount,
            evidence: { requested: refund.request.amount, authorized: auth.refund },
          }),
        ];
      }
    }

    // R4: a receipt under review that late evidence now matches, while no decision was made.
    if (state.decision === null) {
      for (const review of openReviews(state)) {
        if (!RECEIPT_REVIEW_REASONS.has(review.reason) || review.receiptId === undefined) continue;
        const record = state.receipts[review.receiptId];
        if (!record) continue;
        const assessment = assessReceipt(auth, record.receipt, scans, settings.skewMs);
        if (!assessment.matched) continue;
        return [
          clear(state, review, maxIso(review.raisedAt, assessment.scan.scannedAt), 'LATE_EVIDENCE_MATCHED', {
            scanId: assessment.scan.scanId,
          }),
        ];
      }
    }
  }

  // R1, R2, R5: release or deny the one refund.
  const outcome = releaseOrDeny(state, settings);
  if (outcome) return [outcome];

  // R6: a refund neither released nor denied maxHold after requestedAt.
  const refund = state.refund;
  if (refund && state.release === null && state.denial === null && nowMs >= toEpochMs(refund.holdExpiresAt)) {
    const reviewId = reviewIdFor.hold(state.returnId);
    if (!state.reviews[reviewId]) {
      return [
        raise(state, {
          reviewId,
          reason: REASON.HOLD_EXPIRED,
          raisedAt: refund.holdExpiresAt,
          refundId: refund.request.refundId,
          warehouseId: auth?.warehouseId,
          refund: refund.request.amount,
          evidence: {
            requestedAt: refund.request.requestedAt,
            maxHoldMs: settings.maxHoldMs,
            authorized: auth !== null,
            receipts: receipts.map((r) => r.receipt.receiptId),
            openReviews: openReviews(state).map((r) => ({ reviewId: r.reviewId, reason: r.reason })),
          },
        }),
      ];
    }
  }
  return [];
}

function releaseOrDeny(state: ReturnState, settings: DeciderSettings): Effect | null {
  const refund = state.refund;
  if (!refund || state.release !== null || state.denial !== null) return null;
  const { request } = refund;
  const effectBase = `refund/${state.returnId}/${request.refundId}`;
  const decision = state.decision;

  if (decision?.decision === 'DENY') {
    return {
      type: 'RefundDenied',
      effectId: `${effectBase}#denied`,
      returnId: state.returnId,
      refundId: request.refundId,
      amount: request.amount,
      decisionId: decision.decisionId,
      reviewerId: decision.reviewerId,
      deniedAt: maxIso(request.requestedAt, decision.decidedAt),
    };
  }
  const auth = state.authorization;
  if (!auth) return null;
  const released = (fields: Pick<RefundReleased, 'basis' | 'releasedAt' | 'receiptId' | 'scanId' | 'decisionId'>): RefundReleased => ({
    type: 'RefundReleased',
    effectId: `${effectBase}#released`,
    returnId: state.returnId,
    refundId: request.refundId,
    amount: request.amount,
    ...fields,
  });
  if (decision?.decision === 'RELEASE') {
    return released({
      basis: 'REVIEWER_RELEASED',
      releasedAt: maxIso(auth.authorizedAt, request.requestedAt, decision.decidedAt),
      decisionId: decision.decisionId,
    });
  }
  if (decision !== null || exceedsAuthorized(request.amount, auth.refund) || openReviews(state).length > 0) return null;
  const scans = Object.values(state.scans);
  for (const { receipt } of sortedReceipts(state)) {
    const assessment = assessReceipt(auth, receipt, scans, settings.skewMs);
    if (!assessment.matched) continue;
    return released({
      basis: 'EVIDENCE_MATCHED',
      releasedAt: maxIso(auth.authorizedAt, request.requestedAt, receipt.receivedAt, assessment.scan.scannedAt),
      receiptId: receipt.receiptId,
      scanId: assessment.scan.scanId,
    });
  }
  return null;
}

export function exceedsAuthorized(requested: Money, authorized: Money): boolean {
  return requested.currency !== authorized.currency || requested.amount > authorized.amount;
}

export function openReviews(state: ReturnState): ReviewRecord[] {
  return Object.values(state.reviews)
    .filter((r) => r.status === 'OPEN')
    .sort((a, b) => toEpochMs(a.raisedAt) - toEpochMs(b.raisedAt) || (a.reviewId < b.reviewId ? -1 : 1));
}

function sortedReceipts(state: ReturnState): ReceiptRecord[] {
  return Object.values(state.receipts).sort(
    (a, b) =>
      toEpochMs(a.receipt.receivedAt) - toEpochMs(b.receipt.receivedAt) ||
      (a.receipt.receiptId < b.receipt.receiptId ? -1 : a.receipt.receiptId > b.receipt.receiptId ? 1 : 0),
  );
}

type RaiseFields = Omit<ReviewRaised, 'type' | 'effectId' | 'severity' | 'returnId' | 'refund'> & { refund?: Money | undefined };

function raise(state: ReturnState, fields: RaiseFields): ReviewRaised {
  return {
    type: 'ReviewRaised',
    effectId: `${fields.reviewId}#raised`,
    severity: severityOf(fields.reason),
    returnId: state.returnId,
    ...fields,
    raisedAt: maxIso(fields.raisedAt),
    refund: fields.refund ?? state.refund?.request.amount ?? state.authorization?.refund,
  };
}

function clear(
  state: ReturnState,
  review: ReviewRecord,
  clearedAt: string,
  cause: ReviewCleared['cause'],
  extra: { scanId?: string; decisionId?: string },
): ReviewCleared {
  const receipt = review.receiptId ? state.receipts[review.receiptId]?.receipt : undefined;
  return {
    type: 'ReviewCleared',
    effectId: `${review.reviewId}#cleared`,
    reviewId: review.reviewId,
    returnId: state.returnId,
    reason: review.reason,
    clearedAt,
    cause,
    receiptId: review.receiptId,
    receivedAt: receipt?.receivedAt,
    employeeId: receipt?.employeeId,
    warehouseId: receipt?.warehouseId ?? state.authorization?.warehouseId,
    ...extra,
  };
}

// ====================================================================== evolve

export function evolve(state: ReturnState, event: ReturnEvent): ReturnState {
  switch (event.type) {
    case 'ReturnAuthorized':
      return {
        ...state,
        status: state.status === 'AWAITING_AUTHORIZATION' ? 'AUTHORIZED' : state.status,
        authorization: event.authorization,
        seen: { ...state.seen, [event.key]: event.fingerprint },
      };
    case 'ScanRecorded':
      return {
        ...state,
        scans: { ...state.scans, [event.scan.scanId]: event.scan },
        seen: { ...state.seen, [event.key]: event.fingerprint },
      };
    case 'ReceiptRecorded':
      return {
        ...state,
        receipts: {
          ...state.receipts,
          [event.receipt.receiptId]: { receipt: event.receipt, assessAt: event.assessAt, orphanAt: event.orphanAt },
        },
        seen: { ...state.seen, [event.key]: event.fingerprint },
      };
    case 'RefundRequestRecorded':
      return {
        ...state,
        refund: event.first ? { request: event.request, holdExpiresAt: event.holdExpiresAt } : state.refund,
        seen: { ...state.seen, [event.key]: event.fingerprint },
      };
    case 'DecisionRecorded':
      return {
        ...state,
        decision: event.outcome === 'FINAL' ? event.decision : state.decision,
        seen: { ...state.seen, [event.key]: event.fingerprint },
      };
    case 'ReviewRaised':
      return {
        ...state,
        reviews: {
          ...state.reviews,
          [event.reviewId]: {
            reviewId: event.reviewId,
            reason: event.reason,
            raisedAt: event.raisedAt,
            status: 'OPEN',
            ...(event.receiptId !== undefined ? { receiptId: event.receiptId } : {}),
            ...(event.refundId !== undefined ? { refundId: event.refundId } : {}),
          },
        },
      };
    case 'ReviewCleared':
      return withReviewStatus(state, event.reviewId, event.cause === 'LATE_EVIDENCE_MATCHED' ? 'CLEARED' : 'CLOSED');
    case 'ReviewResolved':
      return withReviewStatus(state, event.reviewId, 'DECIDED');
    case 'RefundReleased':
      return { ...state, status: 'RELEASED', release: event };
    case 'RefundDenied':
      return { ...state, status: 'DENIED', denial: event };
    default:
      return assertNever(event);
  }
}

function withReviewStatus(state: ReturnState, reviewId: string, status: ReviewRecord['status']): ReturnState {
  const review = state.reviews[reviewId];
  if (!review) return state;
  return { ...state, reviews: { ...state.reviews, [reviewId]: { ...review, status } } };
}

function assertNever(value: never): never {
  throw new InvariantViolationError(`unhandled event ${JSON.stringify(value)}`);
}

/** The effects among a decision's events, in order: what the outbox must publish. */
export function effectsOf(events: readonly ReturnEvent[]): Effect[] {
  return events.filter(
    (e): e is Effect =>
      e.type === 'ReviewRaised' || e.type === 'ReviewCleared' || e.type === 'RefundReleased' || e.type === 'RefundDenied',
  );
}

