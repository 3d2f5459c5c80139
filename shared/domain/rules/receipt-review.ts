import { raise } from '../effects.js';
import { reviewIdFor } from '../identity.js';
import { assessReceipt, deliveredScans } from '../matching.js';
import { reviewById, sortedReceipts } from '../state.js';
import { addMs, toEpochMs } from '../time.js';
import { describeWeight, roundTenth } from '../weights.js';
import { due, type Rule } from './rule.js';

/**
 * R3: a receipt of an authorized return that is not matched at
 * `receivedAt + grace` raises one review, with the first reason that applies
 * (1–6; WEIGHT_MISMATCH last). The reason is fixed when the review is raised.
 */
export const receiptReview: Rule = {
  contract: 'R3',
  name: 'unmatched receipt',
  pending(state, settings) {
    const auth = state.authorization;
    if (auth === null) return [];
    return sortedReceipts(state).flatMap((receipt) => {
      const reviewId = reviewIdFor.receipt(state.returnId, receipt.receiptId);
      if (reviewById(state, reviewId)) return [];
      const assessment = assessReceipt(auth, receipt, state.scans, settings);
      if (assessment.matched) return [];
      const assessAt = addMs(receipt.receivedAt, settings.graceMs);
      const mismatch = assessment.weightVerdict;
      return [
        due(toEpochMs(assessAt), () => [
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
              deliveredScans: deliveredScans(state.scans).map((s) => ({
                scanId: s.scanId,
                facilityId: s.facilityId ?? null,
                scannedAt: s.scannedAt,
              })),
              ...(mismatch
                ? {
                    weights: assessment.weights?.map(describeWeight),
                    disagreeing: mismatch.pair.map(describeWeight),
                    differenceGrams: roundTenth(mismatch.differenceGrams),
                    toleranceGrams: roundTenth(mismatch.toleranceGrams),
                  }
                : {}),
            },
          }),
        ]),
      ];
    });
  },
};
