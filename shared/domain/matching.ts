import { encodeTuple } from './ids.js';
import { REASON, type ReceiptReason } from './reasons.js';
import { toEpochMs, toIso } from './time.js';
import type { CarrierScan, DeciderSettings, ParcelPeer, ReturnAuthorization, WarehouseReceipt } from './types.js';
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

/** DELIVERED scans at the return's own warehouse, fresh or stale (a scan without facilityId is not there). */
export function scansAtWarehouse(auth: ReturnAuthorization, scans: readonly CarrierScan[]): CarrierScan[] {
  return deliveredScans(scans).filter((s) => s.facilityId !== undefined && s.facilityId === auth.warehouseId);
}

/** The earliest `scannedAt` an inbound scan may have (v1.2): `authorizedAt − evidenceWindow`. */
const evidenceFromMs = (auth: ReturnAuthorization, evidenceWindowMs: number): number => toEpochMs(auth.authorizedAt) - evidenceWindowMs;

/**
 * Inbound scans (§2): DELIVERED at the return's warehouse and, v1.2, no
 * earlier than `authorizedAt − evidenceWindow` (a parcel reaches the
 * warehouse shortly before its return is authorized, never long before).
 */
export function inboundScans(auth: ReturnAuthorization, scans: readonly CarrierScan[], evidenceWindowMs: number): CarrierScan[] {
  const fromMs = evidenceFromMs(auth, evidenceWindowMs);
  return scansAtWarehouse(auth, scans).filter((s) => toEpochMs(s.scannedAt) >= fromMs);
}

/** Stale scans (v1.2): deliveries of the tracking number at the warehouse before the return could have been shipped. */
export function staleScans(auth: ReturnAuthorization, scans: readonly CarrierScan[], evidenceWindowMs: number): CarrierScan[] {
  const fromMs = evidenceFromMs(auth, evidenceWindowMs);
  return scansAtWarehouse(auth, scans).filter((s) => toEpochMs(s.scannedAt) < fromMs);
}

const withinWindow = (auth: ReturnAuthorization, peer: ParcelPeer, windowMs: number): boolean =>
  Math.abs(toEpochMs(peer.authorizedAt) - toEpochMs(auth.authorizedAt)) <= windowMs;

/** Returns of other customers that share the parcel with this one (v1.2): authorized within `sharedParcelWindow` of it. */
export function sharingPeers(auth: ReturnAuthorization, peers: readonly ParcelPeer[], windowMs: number): ParcelPeer[] {
  return peers.filter((p) => p.returnId !== auth.returnId && p.customerId !== auth.customerId && withinWindow(auth, p, windowMs));
}

/** The same customer's other returns in the same box (v1.2): their expected weights add up. */
export function boxmates(auth: ReturnAuthorization, peers: readonly ParcelPeer[], windowMs: number): ParcelPeer[] {
  return peers.filter((p) => p.returnId !== auth.returnId && p.customerId === auth.customerId && withinWindow(auth, p, windowMs));
}

/** When the parcel became shared for this return: its own authorization or the first other customer's, the later. */
export function sharedSince(auth: ReturnAuthorization, sharing: readonly ParcelPeer[]): string | null {
  if (sharing.length === 0) return null;
  const firstOtherMs = Math.min(...sharing.map((p) => toEpochMs(p.authorizedAt)));
  return toIso(Math.max(firstOtherMs, toEpochMs(auth.authorizedAt)));
}

/** Peers for evidence, earliest authorization first (ties by id). */
export function sortedPeers(peers: readonly ParcelPeer[]): ParcelPeer[] {
  return [...peers].sort(
    (a, b) => toEpochMs(a.authorizedAt) - toEpochMs(b.authorizedAt) || (a.returnId < b.returnId ? -1 : a.returnId > b.returnId ? 1 : 0),
  );
}

export type MatchSettings = Pick<DeciderSettings, 'skewMs' | 'weightTolerance' | 'weightToleranceGrams' | 'evidenceWindowMs' | 'sharedParcelWindowMs'>;

export type ReceiptAssessment =
  | { readonly matched: true; readonly scan: CarrierScan; readonly weights: readonly KnownWeight[] }
  | {
      readonly matched: false;
      readonly reason: ReceiptReason;
      /** The weights compared, when the reason is WEIGHT_MISMATCH. */
      readonly weightVerdict?: Extract<WeightVerdict, { agree: false }> | undefined;
      readonly weights?: readonly KnownWeight[] | undefined;
      /** PARCEL_EVIDENCE_REUSED on a shared parcel: the other customers' returns naming it. */
      readonly sharedWith?: readonly ParcelPeer[] | undefined;
      /** PARCEL_EVIDENCE_REUSED on stale scans: every delivery at the warehouse, all too old. */
      readonly staleScans?: readonly CarrierScan[] | undefined;
    };

/**
 * The expected weight of what is in the box: the return's own, or (v1.2)
 * with the same customer's other returns in it, their sum; unknown when any
 * of them has none.
 */
function expectedWeight(auth: ReturnAuthorization, mates: readonly ParcelPeer[]): KnownWeight | null {
  if (!auth.expectedWeight) return null;
  if (mates.length === 0) return { source: 'expectedWeight', weight: auth.expectedWeight, grams: toGrams(auth.expectedWeight) };
  let grams = toGrams(auth.expectedWeight);
  for (const mate of mates) {
    if (!mate.expectedWeight) return null;
    grams += toGrams(mate.expectedWeight);
  }
  return { source: 'expectedWeight', weight: { value: grams, unit: 'g' }, grams, returnIds: [auth.returnId, ...sortedPeers(mates).map((m) => m.returnId)] };
}

/** The weights known for a receipt (contract §2): expected (summed over one customer's box), each matching inbound scan's, the receipt's own. */
export function knownWeights(
  auth: ReturnAuthorization,
  receipt: WarehouseReceipt,
  matching: readonly CarrierScan[],
  mates: readonly ParcelPeer[] = [],
): KnownWeight[] {
  const known: KnownWeight[] = [];
  const expected = expectedWeight(auth, mates);
  if (expected) known.push(expected);
  for (const scan of matching) {
    if (scan.weight) known.push({ source: 'scan', scanId: scan.scanId, weight: scan.weight, grams: toGrams(scan.weight) });
  }
  if (receipt.weight) known.push({ source: 'receipt', weight: receipt.weight, grams: toGrams(receipt.weight) });
  return known;
}

/**
 * R3 for one receipt of an authorized return, given every scan known now and
 * the other returns naming its parcel.
 *
 * A receipt is matched when it is at the return's warehouse, in an accepted
 * condition, its parcel is not shared with another customer (v1.2), it has a
 * matching inbound scan (fresh, and no later than `receivedAt + skew`) and
 * its weights agree. Otherwise the first reason that applies, in the
 * contract's precedence: the weight check comes last, so a receipt without
 * any inbound scan is RECEIPT_WITHOUT_INBOUND_SCAN whatever weight the clerk
 * typed (R7 counts it).
 */
export function assessReceipt(
  auth: ReturnAuthorization,
  receipt: WarehouseReceipt,
  scans: readonly CarrierScan[],
  settings: MatchSettings,
  peers: readonly ParcelPeer[] = [],
): ReceiptAssessment {
  if (receipt.warehouseId !== auth.warehouseId) return { matched: false, reason: REASON.RECEIPT_AT_OTHER_WAREHOUSE };
  if (receipt.condition === 'WRONG_ITEM' || receipt.condition === 'EMPTY_BOX') {
    return { matched: false, reason: REASON.CONDITION_MISMATCH };
  }
  const sharing = sharingPeers(auth, peers, settings.sharedParcelWindowMs);
  if (sharing.length > 0) return { matched: false, reason: REASON.PARCEL_EVIDENCE_REUSED, sharedWith: sortedPeers(peers) };
  const delivered = deliveredScans(scans);
  const atWarehouse = scansAtWarehouse(auth, scans);
  const inbound = inboundScans(auth, scans, settings.evidenceWindowMs);
  if (atWarehouse.length > 0 && inbound.length === 0) {
    return { matched: false, reason: REASON.PARCEL_EVIDENCE_REUSED, staleScans: atWarehouse };
  }
  const latestAcceptedMs = toEpochMs(receipt.receivedAt) + settings.skewMs;
  const matching = inbound.filter((s) => toEpochMs(s.scannedAt) <= latestAcceptedMs);
  if (matching.length === 0) {
    if (delivered.length > 0 && atWarehouse.length === 0) return { matched: false, reason: REASON.INBOUND_SCAN_AT_OTHER_FACILITY };
    if (inbound.length > 0) return { matched: false, reason: REASON.RECEIPT_BEFORE_INBOUND_SCAN };
    return { matched: false, reason: REASON.RECEIPT_WITHOUT_INBOUND_SCAN };
  }
  const weights = knownWeights(auth, receipt, matching, boxmates(auth, peers, settings.sharedParcelWindowMs));
  const verdict = weightsAgree(weights, settings);
  if (!verdict.agree) return { matched: false, reason: REASON.WEIGHT_MISMATCH, weightVerdict: verdict, weights };
  return { matched: true, scan: matching[0]!, weights };
}
