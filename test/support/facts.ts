import type {
  CarrierScan,
  EmployeeFlag,
  RefundRequest,
  ReturnAuthorization,
  ReturnCommand,
  ReviewDecision,
  WarehouseReceipt,
} from '../../shared/domain/index.js';
import { reviewIdFor } from '../../shared/domain/identity.js';

/*
 * Builders for the five inbound facts and the decider's commands. The
 * defaults tell one honest return: authorized 09:00, refund requested 10:00,
 * delivered to its warehouse 11:00, received there 11:10. Every builder takes
 * overrides; times are ISO strings.
 */

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** 2026-11-02T09:00:00Z, the start of the default story. */
export const T0_MS = Date.UTC(2026, 10, 2, 9, 0, 0);

/** The instant `offsetMs` after T0, as an ISO string. */
export const at = (offsetMs: number): string => new Date(T0_MS + offsetMs).toISOString();

/** `hh:mm` (or `hh:mm:ss`) on 2026-11-02, UTC. */
export const T = (hhmm: string): string => `2026-11-02T${hhmm.length === 5 ? `${hhmm}:00` : hhmm}Z`;

export const RETURN_ID = 'r-1';
export const WAREHOUSE = 'WH-1';

export const returnAuthorized = (o: Partial<ReturnAuthorization> = {}): ReturnAuthorization => ({
  returnId: RETURN_ID,
  orderId: 'o-1',
  customerId: 'c-1',
  warehouseId: WAREHOUSE,
  carrier: 'UPS',
  trackingNumber: '1Z999AA10123456784',
  refund: { amount: 4_999, currency: 'EUR' },
  authorizedAt: T('09:00'),
  ...o,
});

export const carrierScan = (o: Partial<CarrierScan> = {}): CarrierScan => ({
  scanId: 's-delivered',
  carrier: 'UPS',
  trackingNumber: '1Z999AA10123456784',
  status: 'DELIVERED',
  facilityId: WAREHOUSE,
  scannedAt: T('11:00'),
  ...o,
});

export const warehouseReceipt = (o: Partial<WarehouseReceipt> = {}): WarehouseReceipt => ({
  receiptId: 'rc-1',
  returnId: RETURN_ID,
  warehouseId: WAREHOUSE,
  employeeId: 'emp-7',
  receivedAt: T('11:10'),
  stationId: 'dock-2',
  condition: 'AS_EXPECTED',
  ...o,
});

export const refundRequested = (o: Partial<RefundRequest> = {}): RefundRequest => ({
  refundId: 'rf-1',
  returnId: RETURN_ID,
  amount: { amount: 4_999, currency: 'EUR' },
  requestedAt: T('10:00'),
  ...o,
});

export const reviewDecided = (o: Partial<ReviewDecision> = {}): ReviewDecision => ({
  decisionId: 'd-1',
  reviewId: reviewIdFor.receipt(RETURN_ID, 'rc-1'),
  returnId: RETURN_ID,
  reviewerId: 'rev-1',
  decision: 'RELEASE',
  decidedAt: T('15:00'),
  ...o,
});

export const employeeFlag = (o: Partial<EmployeeFlag> = {}): EmployeeFlag => ({
  employeeId: 'emp-7',
  anomalyReviewId: reviewIdFor.employeeAnomaly('emp-7', '2026-11-01T20:00:00.000Z'),
  flaggedAt: '2026-11-01T20:00:00.000Z',
  flaggedUntil: '2026-11-08T20:00:00.000Z',
  ...o,
});

// ------------------------------------------------------------------ commands
// `now` defaults to the fact's own business time: the clock of a replay that
// sees the facts in business order.

export const authorize = (
  authorization: ReturnAuthorization = returnAuthorized(),
  scans: readonly CarrierScan[] = [],
  now: string = authorization.authorizedAt,
): ReturnCommand => ({ type: 'AuthorizeReturn', authorization, scans, now });

export const recordScan = (scan: CarrierScan = carrierScan(), now: string = scan.scannedAt): ReturnCommand => ({
  type: 'RecordScan',
  scan,
  now,
});

export const recordReceipt = (
  receipt: WarehouseReceipt = warehouseReceipt(),
  flag: EmployeeFlag | null = null,
  now: string = receipt.receivedAt,
): ReturnCommand => ({ type: 'RecordReceipt', receipt, employeeFlag: flag, now });

export const requestRefund = (request: RefundRequest = refundRequested(), now: string = request.requestedAt): ReturnCommand => ({
  type: 'RequestRefund',
  request,
  now,
});

export const decideReview = (decision: ReviewDecision = reviewDecided(), now: string = decision.decidedAt): ReturnCommand => ({
  type: 'DecideReview',
  decision,
  now,
});

export const tick = (now: string): ReturnCommand => ({ type: 'Tick', now });

/** The same command delivered later: R8 says the arrival time must not matter. */
export const later = (command: ReturnCommand, now: string): ReturnCommand => ({ ...command, now });
