import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CarrierScan, ParcelPeer, ReturnAuthorization } from '../domain/types.js';
import type { ItemKey } from './keys.js';
import { callDynamo, isConditionFailure, translateError } from './dynamo-call.js';
import { TABLE_KEYS } from './table.js';

/*
 * The parcel item (one per carrier and tracking number): the meeting point
 * of DELIVERED scans and the returns that name the parcel. Scans and links
 * are string sets of JSON, so a redelivery adds nothing.
 */
export const PARCEL_ATTR = {
  kind: 'kind',
  returnIds: 'returnIds',
  /** v1.2: each linked return's customer and authorization (a shared parcel backs none of them). */
  links: 'links',
  deliveredScans: 'deliveredScans',
} as const;

/**
 * Add one member to a parcel's set and move its TTL to `ttlEpochSec`, but
 * only ever later: a carrier feed replaying a 2024 delivery must not pull
 * the item (its scans and its links to returns) into the past, where TTL
 * would delete it. DynamoDB has no `max()` in an update expression, so the
 * TTL is set under a condition; in the rare case the item already lives
 * longer (a fact older than one seen before), the same ADD is repeated
 * without touching the TTL. Facts in business order cost one write.
 */
export async function addToParcel(
  doc: DynamoDBDocumentClient,
  tableName: string,
  key: ItemKey,
  add: Readonly<Record<string, Set<string>>>,
  ttlEpochSec: number,
): Promise<Record<string, unknown> | undefined> {
  const names: Record<string, string> = { '#kind': PARCEL_ATTR.kind };
  const values: Record<string, unknown> = { ':kind': 'parcel' };
  const adds: string[] = [];
  Object.entries(add).forEach(([attribute, members], i) => {
    names[`#a${i}`] = attribute;
    values[`:a${i}`] = members;
    adds.push(`#a${i} :a${i}`);
  });
  const base = `ADD ${adds.join(', ')} SET #kind = :kind`;
  try {
    const out = await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: `${base}, #ttl = :ttl`,
        ConditionExpression: 'attribute_not_exists(#ttl) OR #ttl <= :ttl',
        ExpressionAttributeNames: { ...names, '#ttl': TABLE_KEYS.ttlAttribute },
        ExpressionAttributeValues: { ...values, ':ttl': ttlEpochSec },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return out.Attributes;
  } catch (error) {
    if (!isConditionFailure(error)) throw translateError('UpdateItem', error);
  }
  const out = await callDynamo('UpdateItem', () =>
    doc.send(new UpdateCommand({ TableName: tableName, Key: key, UpdateExpression: base, ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValues: 'ALL_NEW' })),
  );
  return out.Attributes;
}

/** The link a return leaves on its parcel (v1.2): no more than sharing and box weights need. */
export function linkOf(auth: ReturnAuthorization): string {
  const peer: ParcelPeer = {
    returnId: auth.returnId,
    customerId: auth.customerId,
    authorizedAt: auth.authorizedAt,
    ...(auth.expectedWeight ? { expectedWeight: auth.expectedWeight } : {}),
  };
  return JSON.stringify(peer);
}

export function returnIdsOf(item: Record<string, unknown> | undefined): string[] {
  return [...((item?.[PARCEL_ATTR.returnIds] as Set<string> | undefined) ?? [])].sort();
}

/**
 * Members of a JSON string set, one per id. The ledger gives an id one
 * detail, but a redelivery may spell a timestamp differently (same instant,
 * other text): the smallest text wins, so every reader picks the same one.
 */
function onePerId<T>(stored: Set<string> | undefined, idOf: (member: T) => string): T[] {
  const seen = new Set<string>();
  const members: T[] = [];
  for (const text of [...(stored ?? [])].sort()) {
    const member = JSON.parse(text) as T;
    if (seen.has(idOf(member))) continue;
    seen.add(idOf(member));
    members.push(member);
  }
  return members;
}

export const scansOf = (item: Record<string, unknown> | undefined): CarrierScan[] =>
  onePerId<CarrierScan>(item?.[PARCEL_ATTR.deliveredScans] as Set<string> | undefined, (s) => s.scanId);

/** Returns linked to the parcel (v1.2 links; a return linked before v1.2 has no link and is not known here). */
export const peersOf = (item: Record<string, unknown> | undefined): ParcelPeer[] =>
  onePerId<ParcelPeer>(item?.[PARCEL_ATTR.links] as Set<string> | undefined, (p) => p.returnId);
