import { REASON, type ReceiptReason } from './reasons.js';
import { toEpochMs } from './time.js';
import type { CarrierScan, ReturnAuthorization, WarehouseReceipt } from './types.js';

/** Carriers and tracking numbers are compared trimmed and case-insensitively (contract §1). */
export function trackingKey(carrier: string, trackingNumber: string): string {
  return `${carrier.trim().toLowerCase()}#${trackingNumber.trim().toLowerCase()}`;
}

export function belongsToParcel(scan: CarrierScan, auth: ReturnAuthorization): boolean {
  return trackingKey(scan.carrier, scan.trackingNumber) === trackingKey(auth.carrier, auth.trackingNumber);
}

/** Deterministic order for evidence: earliest first, ties by id. */
function byScanTime(a: CarrierScan, b: CarrierScan): number {
  return toEpochMs(a.scannedAt) - toEpochMs(b.scannedAt) || (a.scanId < b.scanId ? -1 : a.scanId > b.scanId ? 1 : 0);
}

/** `DELIVERED` scans of the return's parcel, earliest first. */
export function deliveredScans(scans: readonly CarrierScan[]): CarrierScan[] {
  return scans.filter((s) => s.status === 'DELIVERED').sort(byScanTime);
}

/** Inbound scans: DELIVERED at the return's own warehouse (a scan without facilityId is not). */
export function inboundScans(auth: ReturnAuthorization, scans: readonly CarrierScan[]): CarrierScan[] {
  return deliveredScans(scans).filter((s) => s.facilityId !== undefined && s.facilityId === auth.warehouseId);
}

export type ReceiptAssessment =
  | { readonly matched: true; readonly scan: CarrierScan }
  | { readonly matched: false; readonly reason: ReceiptReason };

/**
 * R3 for one receipt of an authorized return, given every scan known now.
 *
 * A receipt is matched when it is at the return's warehouse, in an accepted
 * condition, and an inbound scan happened no later than `receivedAt + skew`.
 * Otherwise the first reason that applies, in the contract's precedence.
 */
export function assessReceipt(
  auth: ReturnAuthorization,
  receipt: WarehouseReceipt,
  scans: readonly CarrierScan[],
  skewMs: number,
): ReceiptAssessment {
  if (receipt.warehouseId !== auth.warehouseId) return { matched: false, reason: REASON.RECEIPT_AT_OTHER_WAREHOUSE };
  if (receipt.condition === 'WRONG_ITEM' || receipt.condition === 'EMPTY_BOX') {
    return { matched: false, reason: REASON.CONDITION_MISMATCH };
  }
  const delivered = deliveredScans(scans);
  const inbound = inboundScans(auth, scans);
  const latestAcceptedMs = toEpochMs(receipt.receivedAt) + skewMs;
  const matching = inbound.find((s) => toEpochMs(s.scannedAt) <= latestAcceptedMs);
  if (matching) return { matched: true, scan: matching };
  if (delivered.length > 0 && inbound.length === 0) {
    return { matched: false, reason: REASON.INBOUND_SCAN_AT_OTHER_FACILITY };
  }
  if (inbound.length > 0) return { matched: false, reason: REASON.RECEIPT_BEFORE_INBOUND_SCAN };
  return { matched: false, reason: REASON.RECEIPT_WITHOUT_INBOUND_SCAN };
}
