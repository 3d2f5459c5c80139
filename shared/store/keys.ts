import { decodeTuple, encodeTuple } from '../domain/ids.js';
import { personKey } from '../domain/people.js';
import { toEpochMs, toIso } from '../domain/time.js';
import { TABLE_KEYS, TIMER_SHARDS } from './table.js';

/**
 * Every partition, sort and index key of the table, built from its parts with
 * `encodeTuple` (shared/domain/ids.ts): each part is escaped and the first
 * part is a constant tag, so two different tuples never give the same key,
 * whatever an id contains (`#`, `\`, `/`, `:`, spaces, emoji, `__proto__`…).
 * No other module writes a key literal; readers recover parts with
 * {@link returnIdOfKey} (never by splitting on a separator).
 *
 * | item            | pk                                   | sk                                   |
 * |-----------------|--------------------------------------|--------------------------------------|
 * | return          | (RETURN, returnId)                   | (RETURN)                             |
 * | parcel          | (PARCEL, carrier*, trackingNumber*)  | (PARCEL)                             |
 * | id ledger       | (ID, detail-type, domain id)         | (ID)                                 |
 * | employee flag   | (EMPLOYEE, employeeId†)              | (FLAG)                               |
 * | self-review flag| (EMPLOYEE, employeeId†)              | (FLAG, SELF_REVIEW)                  |
 * | suspect receipt | (EMPLOYEE, employeeId†)              | (SUSPECT, receivedAt UTC, receiptId) |
 * | due-timers GSI  | timerShard (T, n)                    | dueAt                                |
 * | open-reviews GSI| reviewShard (R, n)                   | openSince                            |
 *
 * `*`: trimmed and case-folded (contract §1: compared trimmed and case-insensitively).
 * `†`: trimmed, NFKC, case-folded (v1.2: one person, shared/domain/people.ts).
 */
export const KEY_TAG = {
  return: 'RETURN',
  parcel: 'PARCEL',
  ledger: 'ID',
  employee: 'EMPLOYEE',
  flag: 'FLAG',
  suspect: 'SUSPECT',
  timerShard: 'T',
  reviewShard: 'R',
} as const;

export type ItemKey = { readonly [TABLE_KEYS.partitionKey]: string; readonly [TABLE_KEYS.sortKey]: string };

const key = (pk: string, sk: string): ItemKey => ({ [TABLE_KEYS.partitionKey]: pk, [TABLE_KEYS.sortKey]: sk });

/** Carrier and tracking number as the contract compares them: trimmed, case-insensitive. */
export function foldTracking(text: string): string {
  return text.trim().toLowerCase();
}

export const returnPk = (returnId: string): string => encodeTuple(KEY_TAG.return, returnId);
export const returnKey = (returnId: string): ItemKey => key(returnPk(returnId), encodeTuple(KEY_TAG.return));

export const parcelKey = (carrier: string, trackingNumber: string): ItemKey =>
  key(encodeTuple(KEY_TAG.parcel, foldTracking(carrier), foldTracking(trackingNumber)), encodeTuple(KEY_TAG.parcel));

/** The ledger entry of one domain id of one detail-type (R8: unique deployment-wide). */
export const ledgerKey = (detailType: string, id: string): ItemKey =>
  key(encodeTuple(KEY_TAG.ledger, detailType, id), encodeTuple(KEY_TAG.ledger));

/** v1.2: one partition per person, so `emp-7` and ` EMP-7 ` share their suspects and flags (shared/domain/people.ts). */
export const employeePk = (employeeId: string): string => encodeTuple(KEY_TAG.employee, personKey(employeeId));
export const employeeFlagKey = (employeeId: string): ItemKey => key(employeePk(employeeId), encodeTuple(KEY_TAG.flag));
/** v1.2: the flag a SELF_REVIEW_ATTEMPT puts on the employee, beside (never instead of) an R7 alert's. */
export const employeeSelfReviewFlagKey = (employeeId: string): ItemKey => key(employeePk(employeeId), encodeTuple(KEY_TAG.flag, 'SELF_REVIEW'));
/** Sort-key prefix every flag item of an employee begins with (and no suspect does). */
export const FLAG_SORT_PREFIX = encodeTuple(KEY_TAG.flag);

/** Fixed-width UTC instant (ms): sorts as it compares, for sort keys. */
const sortableInstant = (iso: string): string => toIso(toEpochMs(iso));

export const suspectKey = (employeeId: string, receivedAt: string, receiptId: string): ItemKey =>
  key(employeePk(employeeId), encodeTuple(KEY_TAG.suspect, sortableInstant(receivedAt), receiptId));

/**
 * Sort-key bounds for suspect receipts with receivedAt in [from, to] (ms).
 * Every suspect key at `to` is `SUSPECT#<to>#…`, and `#` sorts just before
 * `$`, so the upper bound is `SUSPECT#<to>$`; a later instant differs inside
 * the fixed-width timestamp and sorts after it.
 */
export function suspectRange(from: string, to: string): { readonly from: string; readonly to: string } {
  return { from: encodeTuple(KEY_TAG.suspect, sortableInstant(from)), to: `${encodeTuple(KEY_TAG.suspect, sortableInstant(to))}$` };
}

/** The due-timers index partition of shard `n`. */
export const timerShardKey = (shard: number): string => encodeTuple(KEY_TAG.timerShard, String(shard));

/** Spread timers over a few partitions so the index has no hot key (FNV-1a of the returnId). */
export function timerShardOf(returnId: string): string {
  let h = 2166136261;
  for (let i = 0; i < returnId.length; i++) h = Math.imul(h ^ returnId.charCodeAt(i), 16777619);
  return timerShardKey((h >>> 0) % TIMER_SHARDS);
}

/** The open-reviews index partition of shard `n`. */
export const reviewShardKey = (shard: number): string => encodeTuple(KEY_TAG.reviewShard, String(shard));

/** The returnId of a return item's partition key, or undefined for any other item. */
export function returnIdOfKey(pk: string | undefined): string | undefined {
  if (pk === undefined) return undefined;
  let parts: string[];
  try {
    parts = decodeTuple(pk);
  } catch {
    return undefined;
  }
  return parts.length === 2 && parts[0] === KEY_TAG.return ? parts[1] : undefined;
}

/** Is this a return item's partition key (the only items with decided effects)? */
export const isReturnKey = (pk: string | undefined): boolean => returnIdOfKey(pk) !== undefined;
