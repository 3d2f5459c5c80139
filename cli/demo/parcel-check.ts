import { PARCEL_RING, type DemoDay, type TruthReturn } from './scenarios.js';
import type { ParcelCheck, ParcelStory, Tally } from './summary-types.js';

/** What the parcel check reads of the replay's tally (summary.ts's DemoTally). */
interface DemoTally {
  readonly released: ReadonlyMap<string, unknown>;
  readonly reviews: ReadonlyMap<string, { readonly reason: string; readonly returnId?: string; readonly evidence: Record<string, unknown> }>;
}

/**
 * What PARCEL_EVIDENCE_REUSED (contract v1.2) held, set against the parcel
 * ring of the ground truth, with each ring parcel's story as the reviews tell
 * it: who else named the tracking number, or when it was really delivered.
 */
export function parcelCheckOf(day: DemoDay, tally: DemoTally): ParcelCheck {
  const problems = new Map<string, { problem: string; evidence: Record<string, unknown> }>();
  for (const review of tally.reviews.values()) {
    if (review.reason !== 'PARCEL_EVIDENCE_REUSED' || !review.returnId) continue;
    problems.set(review.returnId, { problem: String(review.evidence['evidenceProblem'] ?? ''), evidence: review.evidence });
  }
  const check = { heldShared: zero(), heldStale: zero(), ring: zero(), ringStopped: zero(), ringMissed: zero(), honestHeld: zero() };
  for (const r of day.truth) {
    const released = tally.released.has(r.returnId);
    const found = problems.get(r.returnId);
    if (found && !released) {
      add(found.problem === 'STALE_SCANS' ? check.heldStale : check.heldShared, r.refund.amount);
      if (!r.fraud) add(check.honestHeld, r.refund.amount);
    }
    if (PARCEL_RING.includes(r.scenario)) {
      add(check.ring, r.refund.amount);
      add(released ? check.ringMissed : check.ringStopped, r.refund.amount);
    }
  }
  return { ...check, parcels: stories(day, tally, problems) };
}

function stories(day: DemoDay, tally: DemoTally, problems: ReadonlyMap<string, { problem: string; evidence: Record<string, unknown> }>): ParcelStory[] {
  const customers = new Map<string, string>();
  for (const e of day.events) {
    if (e['detail-type'] === 'ReturnAuthorized') customers.set(String(e.detail['returnId']), String(e.detail['customerId']));
  }
  const byParcel = new Map<string, TruthReturn[]>();
  for (const r of day.truth) {
    if (PARCEL_RING.includes(r.scenario) && r.trackingNumber !== undefined) byParcel.set(r.trackingNumber, [...(byParcel.get(r.trackingNumber) ?? []), r]);
  }
  return [...byParcel].map(([trackingNumber, returns]): ParcelStory => {
    const held = zero();
    for (const r of returns) if (!tally.released.has(r.returnId)) add(held, r.refund.amount);
    const first = returns[0]!;
    const evidence = problems.get(first.returnId)?.evidence;
    const staleScans = Array.isArray(evidence?.['staleScans'])
      ? (evidence['staleScans'] as Array<Record<string, unknown>>).map((s) => ({ scannedAt: String(s['scannedAt']), facilityId: typeof s['facilityId'] === 'string' ? s['facilityId'] : null }))
      : undefined;
    return {
      kind: first.scenario === 'stale-scan' ? 'STALE_SCANS' : 'SHARED_PARCEL',
      trackingNumber,
      returns: returns.map((r) => ({ returnId: r.returnId, customerId: customers.get(r.returnId) ?? null, released: tally.released.has(r.returnId) })),
      ...(first.scenario === 'stale-scan' ? { authorizedAt: typeof evidence?.['authorizedAt'] === 'string' ? evidence['authorizedAt'] : undefined, staleScans } : {}),
      receivedBy: first.receivedBy,
      held,
    };
  });
}

const zero = (): Tally => ({ count: 0, amount: 0 });
function add(t: Tally, amount: number): void {
  t.count += 1;
  t.amount += amount;
}
