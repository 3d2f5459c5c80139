import { describe, expect, it } from 'vitest';
import type { Explanation } from '../../shared/app/explanation.js';
import { explanationText } from '../../cli/commands/explain-text.js';

/** An explanation with only what the evidence lines read; the rest empty. */
function explanation(evidence: Partial<Explanation['evidence']>): Explanation {
  return {
    returnId: 'RMA-2',
    status: 'UNDER_REVIEW',
    headline: 'held',
    warehouseId: 'WH-CMH',
    carrier: 'UPS',
    trackingNumber: '1ZRING',
    timeline: [],
    decisions: [],
    openReviews: [],
    closedReviews: [],
    missing: [],
    excludedReviewers: [],
    evidence: { expectedWeight: null, scans: [], receipts: [], ...evidence },
  } as unknown as Explanation;
}

describe('explain shows PARCEL_EVIDENCE_REUSED evidence readably', () => {
  it('lists the other returns on a shared parcel: returnId, customer, released or not', () => {
    const text = explanationText(
      explanation({
        parcelReturns: [
          { returnId: 'RMA-1', customerId: 'CUST-A', authorizedAt: '2026-10-30T08:00:00.000Z', released: true },
          { returnId: 'RMA-3', customerId: 'CUST-C', authorizedAt: '2026-10-31T08:00:00.000Z', released: false },
        ],
      }),
    );
    expect(text).toContain('other returns on parcel UPS 1ZRING:');
    expect(text).toContain('RMA-1: customer CUST-A, authorized 30 Oct 2026 08:00 UTC, RELEASED');
    expect(text).toContain('RMA-3: customer CUST-C, authorized 31 Oct 2026 08:00 UTC, not released');
  });

  it('lists stale deliveries at the warehouse beside the return’s authorizedAt, and not inbound ones', () => {
    const scans = [
      { scanId: 'S-OLD', status: 'DELIVERED', facilityId: 'WH-CMH', scannedAt: '2025-03-01T10:00:00.000Z', inbound: false, weight: null },
      { scanId: 'S-ELSEWHERE', status: 'DELIVERED', facilityId: 'PO-1', scannedAt: '2026-11-01T10:00:00.000Z', inbound: false, weight: null },
    ];
    const text = explanationText(explanation({ scans, authorizedAt: '2026-10-30T08:00:00.000Z' } as never));
    expect(text).toContain('stale deliveries (before the return existed; authorized 30 Oct 2026 08:00 UTC): S-OLD 1 Mar 2025 10:00 UTC');
    expect(text).not.toMatch(/stale deliveries.*S-ELSEWHERE/);
  });
});
