import { deliveredScans, type ReceiptAssessment } from '../matching.js';
import { REASON } from '../reasons.js';
import type { DeciderSettings, ParcelPeer, ReturnAuthorization, ReturnState, WarehouseReceipt } from '../types.js';
import { describeWeight, roundTenth } from '../weights.js';

/** What a reviewer needs to see the receipt's story at once. */
export function receiptEvidence(
  state: ReturnState,
  auth: ReturnAuthorization,
  receipt: WarehouseReceipt,
  assessment: Extract<ReceiptAssessment, { matched: false }>,
  settings: DeciderSettings,
): Record<string, unknown> {
  const mismatch = assessment.weightVerdict;
  return {
    returnWarehouseId: auth.warehouseId,
    receiptWarehouseId: receipt.warehouseId,
    condition: receipt.condition,
    receivedAt: receipt.receivedAt,
    stationId: receipt.stationId,
    skewMs: settings.skewMs,
    carrier: auth.carrier,
    trackingNumber: auth.trackingNumber,
    deliveredScans: deliveredScans(state.scans).map((s) => ({
      scanId: s.scanId,
      facilityId: s.facilityId ?? null,
      scannedAt: s.scannedAt,
    })),
    ...(assessment.reason === REASON.PARCEL_EVIDENCE_REUSED ? parcelEvidence(auth, assessment, settings) : {}),
    ...(mismatch
      ? {
          weights: assessment.weights?.map(describeWeight),
          disagreeing: mismatch.pair.map(describeWeight),
          differenceGrams: roundTenth(mismatch.differenceGrams),
          toleranceGrams: roundTenth(mismatch.toleranceGrams),
        }
      : {}),
  };
}

/**
 * The evidence of a PARCEL_EVIDENCE_REUSED review: every other return naming
 * the parcel (who, and whether it was paid), or the stale deliveries beside
 * the return's own authorization.
 */
export function parcelEvidence(
  auth: ReturnAuthorization,
  assessment: Extract<ReceiptAssessment, { matched: false }>,
  settings: DeciderSettings,
): Record<string, unknown> {
  if (assessment.sharedWith) {
    return {
      evidenceProblem: 'SHARED_PARCEL',
      customerId: auth.customerId,
      authorizedAt: auth.authorizedAt,
      sharedParcelWindowMs: settings.sharedParcelWindowMs,
      parcelReturns: assessment.sharedWith.map(describePeer),
    };
  }
  return {
    evidenceProblem: 'STALE_SCANS',
    authorizedAt: auth.authorizedAt,
    evidenceWindowMs: settings.evidenceWindowMs,
    staleScans: (assessment.staleScans ?? []).map((s) => ({ scanId: s.scanId, facilityId: s.facilityId ?? null, scannedAt: s.scannedAt })),
  };
}

const describePeer = (p: ParcelPeer) => ({
  returnId: p.returnId,
  customerId: p.customerId,
  authorizedAt: p.authorizedAt,
  released: p.released === true,
});
