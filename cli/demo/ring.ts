import { type FactWriter, at, itemGrams } from './facts.js';
import type { TruthReturn } from './scenarios.js';
import { DAY_MS, HOUR, MID_VALUE, MINUTE, WAREHOUSES, expectedPackagingGrams, type Carrier, type Employee } from './world.js';

/**
 * The parcel ring (contract v1.2, R3 reason 3): returns backed by a delivery
 * that is not theirs, all received by one bribed clerk late in the shift.
 *
 * - Shared parcel: one real parcel is delivered to the returns centre, and
 *   the tracking number is given to several customers, each of whom claims a
 *   return on it. One DELIVERED scan, one receipt per return.
 * - Stale scan: a tracking number that was delivered to the warehouse long
 *   ago. The carrier feed replays the tracker's whole history when it is
 *   created (at authorization), so the old DELIVERED scan arrives on time,
 *   with a `scannedAt` months before the return existed.
 *
 * Every return of the ring is authorized days before any of its receipts, so
 * a shared parcel is known as shared before anything could be released.
 */
export function parcelRing(w: FactWriter, clerk: Employee, shared: readonly string[], stale: readonly string[]): TruthReturn[] {
  return [...groupsOf(shared).flatMap((group) => sharedParcel(w, clerk, group)), ...stale.map((returnId) => staleScan(w, clerk, returnId))];
}

/** Groups of three customers per tracking number; a remainder joins the last group. */
function groupsOf(ids: readonly string[]): string[][] {
  const groups: string[][] = [];
  for (let i = 0; i < ids.length; i += 3) groups.push(ids.slice(i, i + 3));
  const last = groups.at(-1);
  if (groups.length > 1 && last && last.length < 3) groups[groups.length - 2]!.push(...groups.pop()!);
  return groups;
}

function sharedParcel(w: FactWriter, clerk: Employee, returnIds: readonly string[]): TruthReturn[] {
  const warehouse = WAREHOUSES.find((x) => x.id === clerk.warehouseId)!;
  const deliveredAt = at(16.5) + w.rng.between(0, 2 * HOUR);
  const truth: TruthReturn[] = [];
  let parcel: { carrier: Carrier; trackingNumber: string } | undefined;
  for (const returnId of returnIds) {
    const item = w.rng.pick(MID_VALUE);
    const ret = w.newReturn(returnId, warehouse, [item], parcel);
    parcel ??= { carrier: ret.carrier, trackingNumber: ret.trackingNumber };
    const authorizedAt = deliveredAt - w.rng.between(1 * DAY_MS, 5 * DAY_MS);
    w.emitAuthorization(ret, authorizedAt, [item]);
    const receivedAt = Math.min(deliveredAt + w.rng.between(20 * MINUTE, 3 * HOUR), at(21.9));
    w.receipt(ret, clerk, receivedAt, 'AS_EXPECTED');
    w.refund(ret, w.rng.chance(0.5) ? authorizedAt + w.rng.between(0, 10 * MINUTE) : receivedAt + w.rng.between(2 * MINUTE, 40 * MINUTE));
    truth.push(ringTruth(returnId, 'shared-parcel', ret.refund, clerk, ret.trackingNumber));
    if (truth.length === 1) {
      // The one real parcel, travelling from the first customer's authorization.
      const grams = itemGrams([item]) + expectedPackagingGrams(itemGrams([item]));
      w.travel(ret, authorizedAt, deliveredAt, warehouse.id, grams);
    }
  }
  return truth;
}

function staleScan(w: FactWriter, clerk: Employee, returnId: string): TruthReturn {
  const warehouse = WAREHOUSES.find((x) => x.id === clerk.warehouseId)!;
  const item = w.rng.pick(MID_VALUE);
  const ret = w.newReturn(returnId, warehouse, [item]);
  const authorizedAt = at(8) - w.rng.between(1 * DAY_MS, 4 * DAY_MS);
  w.emitAuthorization(ret, authorizedAt, [item]);
  // The old journey, months before the return existed, sent at once when the tracker is created.
  const oldDelivered = authorizedAt - w.rng.between(200 * DAY_MS, 500 * DAY_MS);
  const oldPickedUp = oldDelivered - w.rng.between(2 * DAY_MS, 5 * DAY_MS);
  let sent = authorizedAt + w.rng.between(2 * MINUTE, 20 * MINUTE);
  const grams = itemGrams([item]) + expectedPackagingGrams(itemGrams([item]));
  w.travel(ret, oldPickedUp, oldDelivered, warehouse.id, grams, undefined, () => ({ arrivalMs: (sent += 1_000), delayable: false }));
  const receivedAt = at(18.5) + w.rng.between(0, 3.3 * HOUR);
  w.receipt(ret, clerk, receivedAt, 'AS_EXPECTED');
  w.refund(ret, receivedAt + w.rng.between(2 * MINUTE, 40 * MINUTE));
  return ringTruth(returnId, 'stale-scan', ret.refund, clerk, ret.trackingNumber);
}

function ringTruth(returnId: string, scenario: 'shared-parcel' | 'stale-scan', refund: TruthReturn['refund'], clerk: Employee, trackingNumber: string): TruthReturn {
  return { returnId, scenario, fraud: true, refund, warehouseId: clerk.warehouseId, receivedBy: clerk.id, insider: clerk.id, trackingNumber };
}
