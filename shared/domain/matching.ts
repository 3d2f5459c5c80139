import { encodeTuple } from './ids.js';
import { REASON, type ReceiptReason } from './reasons.js';
import { toEpochMs } from './time.js';
import type { CarrierScan, DeciderSettings, ReturnAuthorization, WarehouseReceipt } from './types.js';
import { toGrams, weightsAgree, type KnownWeight, type WeightVerdict } from './weights.js';

/**
 * Carriers and tracking numbers are compared trimmed and case-insensitively
 * (contract §1). The pair is tuple-encoded, so two pairs that differ after
 * folding never share a key, whatever characters they contain.
 */
export function trackingKey(carrier: string, trackingNumber: string): string {
  return encodeTuple(carrier.trim().toLowerCase(), trackingNumber.trim().toLowerCase());
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

export type MatchSettings = Pick<DeciderSettings, 'skewMs' | 'weightTolerance' | 'weightToleranceGrams'>;

export type ReceiptAssessment =
  | { readonly matched: true; readonly scan: CarrierScan; readonly weights: readonly KnownWeight[] }
  | {
      readonly matched: false;
      readonly reason: ReceiptReason;
      /** The weights compared, when the reason is WEIGHT_MISMATCH. */
      readonly weightVerdict?: Extract<WeightVerdict, { agree: false }> | undefined;
      readonly weights?: readonly KnownWeight[] | undefined;
    };

/** The weights known for a receipt (contract §2): expected, each matching inbound scan's, the receipt's own. */
export function knownWeights(auth: ReturnAuthorization, receipt: WarehouseReceipt, matching: readonly CarrierScan[]): KnownWeight[] {
  const known: KnownWeight[] = [];
  if (auth.expectedWeight) known.push({ source: 'expectedWeight', weight: auth.expectedWeight, grams: toGrams(auth.expectedWeight) });
  for (const scan of matching) {
    if (scan.weight) known.push({ source: 'scan', scanId: scan.scanId, weight: scan.weight, grams: toGrams(scan.weight) });
  }
  if (receipt.weight) known.push({ source: 'receipt', weight: receipt.weight, grams: toGrams(receipt.weight) });
  return known;
}

/**
 * R3 for one receipt of an authorized return, given every scan known now.
 *
 * A receipt is matched when it is at the return's warehouse, in an accepted
 * condition, has a matching inbound scan (no later than `receivedAt + skew`)
 * and its weights agree. Otherwise the first reason that applies, in the
 * contract's precedence: the weight check comes last, so a receipt without
 * any inbound scan is reason 5 whatever weight the clerk typed (R7 counts it).
 */
export function assessReceipt(
  auth: ReturnAuthorization,
  receipt: WarehouseReceipt,
  scans: readonly CarrierScan[],
  settings: MatchSettings,
): ReceiptAssessment {
  if (receipt.warehouseId !== auth.warehouseId) return { matched: false, reason: REASON.RECEIPT_AT_OTHER_WAREHOUSE };
  if (receipt.condition === 'WRONG_ITEM' || receipt.condition === 'EMPTY_BOX') {
    return { matched: false, reason: REASON.CONDITION_MISMATCH };
  }
  const delivered = deliveredScans(scans);
  const inbound = inboundScans(auth, scans);
  const latestAcceptedMs = toEpochMs(receipt.receivedAt) + settings.skewMs;
  const matching = inbound.filter((s) => toEpochMs(s.scannedAt) <= latestAcceptedMs);
  if (matching.length === 0) {
    if (delivered.length > 0 && inbound.length === 0) return { matched: false, reason: REASON.INBOUND_SCAN_AT_OTHER_FACILITY };
    if (inbound.length > 0) return { matched: false, reason: REASON.RECEIPT_BEFORE_INBOUND_SCAN };
    return { matched: false, reason: REASON.RECEIPT_WITHOUT_INBOUND_SCAN };
  }
  const weights = knownWeights(auth, receipt, matching);
  const verdict = weightsAgree(weights, settings);
  if (!verdict.agree) return { matched: false, reason: REASON.WEIGHT_MISMATCH, weightVerdict: verdict, weights };
  return { matched: true, scan: matching[0]!, weights };
}
