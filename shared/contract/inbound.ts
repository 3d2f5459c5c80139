import * as z from 'zod';
import { Id, Money, Timestamp, Weight } from './primitives.js';

export const ScanStatus = z.enum([
  'LABEL_CREATED',
  'PICKED_UP',
  'IN_TRANSIT',
  'OUT_FOR_DELIVERY',
  'DELIVERED',
  'EXCEPTION',
  'RETURNED_TO_SENDER',
]);
export type ScanStatus = z.infer<typeof ScanStatus>;

export const ReceiptCondition = z.enum(['AS_EXPECTED', 'DAMAGED', 'WRONG_ITEM', 'EMPTY_BOX']);
export type ReceiptCondition = z.infer<typeof ReceiptCondition>;

export const ReviewDecision = z.enum(['RELEASE', 'DENY']);
export type ReviewDecision = z.infer<typeof ReviewDecision>;

/** Carrier and tracking number are free text from different systems; keep them short. */
const TrackingText = z.string().trim().min(1).max(128);

export const ReturnAuthorizedDetail = z.object({
  returnId: Id,
  orderId: Id,
  customerId: Id,
  warehouseId: Id,
  carrier: TrackingText,
  trackingNumber: TrackingText,
  refund: Money,
  authorizedAt: Timestamp,
  items: z.array(z.object({ sku: Id, quantity: z.int().min(1) })).max(500).optional(),
  expectedWeight: Weight.optional(),
});
export type ReturnAuthorizedDetail = z.infer<typeof ReturnAuthorizedDetail>;

export const CarrierScanDetail = z.object({
  scanId: Id,
  carrier: TrackingText,
  trackingNumber: TrackingText,
  status: ScanStatus,
  facilityId: Id.optional(),
  scannedAt: Timestamp,
  weight: Weight.optional(),
});
export type CarrierScanDetail = z.infer<typeof CarrierScanDetail>;

export const WarehouseReceiptDetail = z.object({
  receiptId: Id,
  returnId: Id,
  warehouseId: Id,
  employeeId: Id,
  receivedAt: Timestamp,
  stationId: Id.optional(),
  condition: ReceiptCondition.default('AS_EXPECTED'),
  weight: Weight.optional(),
});
export type WarehouseReceiptDetail = z.infer<typeof WarehouseReceiptDetail>;

export const RefundRequestedDetail = z.object({
  refundId: Id,
  returnId: Id,
  amount: Money,
  requestedAt: Timestamp,
});
export type RefundRequestedDetail = z.infer<typeof RefundRequestedDetail>;

export const ReviewDecidedDetail = z.object({
  decisionId: Id,
  // refund-gate's own reviewIds: a tag and two ids of ≤ 128 code points, escaped (≤ 256 UTF-16 units each).
  reviewId: z.string().min(1).max(544),
  // v1.2: omitted on a decision answering an EMPLOYEE_RECEIPT_ANOMALY review (R7), which has no return.
  returnId: Id.optional(),
  reviewerId: Id,
  decision: ReviewDecision,
  decidedAt: Timestamp,
  note: z.string().max(4096).optional(),
});
export type ReviewDecidedDetail = z.infer<typeof ReviewDecidedDetail>;

/** detail-type → detail schema, the single source of the inbound vocabulary. */
export const DETAIL_SCHEMAS = {
  ReturnAuthorized: ReturnAuthorizedDetail,
  CarrierScan: CarrierScanDetail,
  WarehouseReceipt: WarehouseReceiptDetail,
  RefundRequested: RefundRequestedDetail,
  ReviewDecided: ReviewDecidedDetail,
} as const;

export type DetailType = keyof typeof DETAIL_SCHEMAS;
export const DETAIL_TYPES = Object.keys(DETAIL_SCHEMAS) as DetailType[];

/** The domain id that identifies each detail-type (contract §1 table, R8). */
export const DOMAIN_ID_FIELD = {
  ReturnAuthorized: 'returnId',
  CarrierScan: 'scanId',
  WarehouseReceipt: 'receiptId',
  RefundRequested: 'refundId',
  ReviewDecided: 'decisionId',
} as const satisfies Record<DetailType, string>;

/** The EventBridge envelope exactly as EventBridge hands it to a Lambda target. */
export const EventBridgeEnvelope = z.object({
  version: z.string(),
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string().min(1),
  account: z.string().optional(),
  time: Timestamp,
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.record(z.string(), z.unknown()),
});
export type EventBridgeEnvelope = z.infer<typeof EventBridgeEnvelope>;

interface InboundOf<T extends DetailType> {
  readonly detailType: T;
  readonly detail: z.infer<(typeof DETAIL_SCHEMAS)[T]>;
  readonly envelope: { readonly id: string; readonly source: string; readonly time: string };
}

/** A validated inbound event, discriminated by `detailType`. */
export type InboundEvent = { [T in DetailType]: InboundOf<T> }[DetailType];
