/**
 * The single table's layout, shared by the CDK construct and the local
 * runtime (which creates it in DynamoDB Local from this definition).
 *
 * Items (returns, parcels, id-ledger entries, employee flags and suspect
 * receipts) and their keys are listed in ./keys.ts, the only module that
 * builds keys. The sparse `due-timers` index holds only items with a pending
 * timer: `timerShard` (eight shards, spread by returnId so no hot key) and
 * `dueAt`.
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAtEpochSec',
} as const;

export const DUE_TIMERS_INDEX = {
  name: 'due-timers',
  partitionKey: 'timerShard',
  sortKey: 'dueAt',
} as const;

export const TIMER_SHARDS = 8;

/**
 * Days an item stays in the table after its last write, or after its
 * return's next timer when that is later (DynamoDB TTL). Closed returns live
 * on in the evidence archive, 2 years by default (docs/maintainers/cost.md).
 * Deployments set it with `tableRetentionDays` (docs/operators/settings.md).
 */
export const DEFAULT_RETENTION_DAYS = 30;

/**
 * How long an OPEN return's item (and the parcel link of a return still
 * waiting for its DELIVERED scan) stays after its last write. An open return
 * may wait a long time with no timer pending: a review nobody has decided
 * yet, a customer who has not shipped. Expiring it would drop a held refund
 * from the review queue, and a late scan would find no link. Long enough for
 * any of that; short enough that an abandoned return does not stay forever.
 */
export const OPEN_RETENTION_DAYS = 400;



export const OPEN_REVIEWS_INDEX = {
  name: 'open-reviews',
  partitionKey: 'reviewShard',
  sortKey: 'openSince',
  /** Non-key attributes the index projects: enough to list the queue without reading items. */
  projected: ['reviewQueue', 'kind'],
} as const;

export const REVIEW_SHARDS = 8;

/**
 * What the stream carries: the new image for the outbox, and the old image so
 * that a TTL deletion (a REMOVE by DynamoDB itself) still shows what expired:
 * the archiver keeps employee flags and open returns that way (contract §6).
 */
export const STREAM_VIEW = 'NEW_AND_OLD_IMAGES' as const;

/** CreateTable input for DynamoDB Local; the CDK construct declares the same keys and index. */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' as const },
      { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' as const },
      { AttributeName: DUE_TIMERS_INDEX.partitionKey, AttributeType: 'S' as const },
      { AttributeName: DUE_TIMERS_INDEX.sortKey, AttributeType: 'S' as const },
      { AttributeName: OPEN_REVIEWS_INDEX.partitionKey, AttributeType: 'S' as const },
      { AttributeName: OPEN_REVIEWS_INDEX.sortKey, AttributeType: 'S' as const },
    ],
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: DUE_TIMERS_INDEX.name,
        KeySchema: [
          { AttributeName: DUE_TIMERS_INDEX.partitionKey, KeyType: 'HASH' as const },
          { AttributeName: DUE_TIMERS_INDEX.sortKey, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' as const },
      },
      {
        IndexName: OPEN_REVIEWS_INDEX.name,
        KeySchema: [
          { AttributeName: OPEN_REVIEWS_INDEX.partitionKey, KeyType: 'HASH' as const },
          { AttributeName: OPEN_REVIEWS_INDEX.sortKey, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...OPEN_REVIEWS_INDEX.projected] },
      },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: STREAM_VIEW },
  };
}
