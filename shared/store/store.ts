import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConflictingDuplicateError } from '../domain/errors.js';
import { trackingKey } from '../domain/matching.js';
import type { CarrierScan, Effect, ReturnAuthorization, ReturnState } from '../domain/types.js';
import { toEpochMs } from '../domain/time.js';
import { StoreThrottledError, StoreUnavailableError, VersionConflictError } from './errors.js';
import { openReviewAttributes } from './reviews.js';
import { DUE_TIMERS_INDEX, TABLE_KEYS, TIMER_SHARDS } from './table.js';

/** A return as stored: the decider state and its optimistic-lock version. */
export interface StoredReturn {
  readonly state: ReturnState;
  readonly version: number;
}

export interface SaveReturnInput {
  readonly state: ReturnState;
  /** The version read (0 when the item did not exist). */
  readonly expectedVersion: number;
  /** Effects produced by this decision: the outbox the stream publisher sends. */
  readonly effects: readonly Effect[];
  readonly dueAt: string | null;
  readonly now: string;
}

export interface StoreOptions {
  /** Days to keep an item after its last write (DynamoDB TTL). @default 400 */
  readonly retentionDays?: number;
}

const RETURN_SK = 'RETURN';
const PARCEL_SK = 'PARCEL';
const PRINT_PREFIX = 'scan:';
const DELIVERED_PREFIX = 'delivered:';

export const returnKey = (returnId: string) => ({ [TABLE_KEYS.partitionKey]: `RETURN#${returnId}`, [TABLE_KEYS.sortKey]: RETURN_SK });
const parcelKey = (carrier: string, trackingNumber: string) => ({
  [TABLE_KEYS.partitionKey]: `PARCEL#${trackingKey(carrier, trackingNumber)}`,
  [TABLE_KEYS.sortKey]: PARCEL_SK,
});

/** Spread timers over a few partitions so the index has no hot key. */
export function timerShardOf(returnId: string): string {
  let h = 2166136261;
  for (let i = 0; i < returnId.length; i++) h = Math.imul(h ^ returnId.charCodeAt(i), 16777619);
  return `T#${(h >>> 0) % TIMER_SHARDS}`;
}

/**
 * The only code that speaks DynamoDB. Every key, expression and marshalling
 * call lives here; SDK errors become typed errors at this boundary.
 */
export class RefundGateStore {
  private readonly retentionSec: number;

  public constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: StoreOptions = {},
  ) {
    this.retentionSec = (options.retentionDays ?? 400) * 86_400;
  }

  /** Strongly consistent read of one return. */
  public async loadReturn(returnId: string): Promise<StoredReturn | null> {
    const out = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: returnKey(returnId), ConsistentRead: true })),
    );
    return out.Item ? toStoredReturn(out.Item) : null;
  }

  /**
   * Write the new state and its outbox in one conditional PutItem.
   *
   * The outbox holds only this decision's effects: the stream record of this
   * very write carries them to the publisher, and a retried stream record
   * carries the same ones again (at least once, deduplicated by effectId).
   *
   * @throws {VersionConflictError} with the current item when another writer won
   */
  public async saveReturn(input: SaveReturnInput): Promise<number> {
    const version = input.expectedVersion + 1;
    const item: Record<string, unknown> = {
      ...returnKey(input.state.returnId),
      kind: 'return',
      version,
      state: input.state,
      outbox: input.effects,
      status: input.state.status,
      [TABLE_KEYS.ttlAttribute]: Math.floor(toEpochMs(input.now) / 1000) + this.retentionSec,
      ...(input.dueAt !== null
        ? { [DUE_TIMERS_INDEX.partitionKey]: timerShardOf(input.state.returnId), [DUE_TIMERS_INDEX.sortKey]: input.dueAt }
        : {}),
      // The sparse open-reviews index (review queue): present only while reviews are open.
      ...openReviewAttributes(input.state),
    };
    await this.call(
      'PutItem',
      () =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            // First write: the item must not exist. Later writes: nobody wrote since our read.
            ConditionExpression: input.expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
            ...(input.expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':expected': input.expectedVersion } }),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      (old) => new VersionConflictError(`RETURN#${input.state.returnId}`, old),
    );
    return version;
  }

  /**
   * Record a scan on its parcel item and return the returns linked to the
   * parcel. The fingerprint check is R8 for scans: the same scanId with
   * another detail is a conflict and is not applied.
   *
   * Timeline that makes scans-before-authorization safe: both this update and
   * {@link linkReturn} write the same parcel item, so DynamoDB orders them.
   * If the scan lands first, the link's ALL_NEW image carries the scan; if the
   * link lands first, this ALL_NEW image carries the returnId.
   */
  public async recordScan(scan: CarrierScan, print: string): Promise<{ returnIds: string[]; duplicate: boolean }> {
    // A redelivered scan costs a read, not a write (a refused conditional write is billed too).
    const current = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: parcelKey(scan.carrier, scan.trackingNumber), ConsistentRead: true })),
    );
    const known = current.Item?.[PRINT_PREFIX + scan.scanId];
    if (known !== undefined && known !== print) {
      throw new ConflictingDuplicateError(`CarrierScan:${scan.scanId}`, { context: { idField: 'scanId' } });
    }
    if (known === print) return { returnIds: returnIdsOf(current.Item), duplicate: true };
    const delivered = scan.status === 'DELIVERED';
    const out = await this.call(
      'UpdateItem',
      () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: parcelKey(scan.carrier, scan.trackingNumber),
            UpdateExpression: `SET #print = :print, kind = :kind, #ttl = :ttl${delivered ? ', #delivered = :scan' : ''}`,
            ConditionExpression: 'attribute_not_exists(#print) OR #print = :print',
            ExpressionAttributeNames: {
              '#print': PRINT_PREFIX + scan.scanId,
              '#ttl': TABLE_KEYS.ttlAttribute,
              ...(delivered ? { '#delivered': DELIVERED_PREFIX + scan.scanId } : {}),
            },
            ExpressionAttributeValues: {
              ':print': print,
              ':kind': 'parcel',
              ':ttl': Math.floor(toEpochMs(scan.scannedAt) / 1000) + this.retentionSec,
              ...(delivered ? { ':scan': scan } : {}),
            },
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'NONE',
          }),
        ),
      () => new ConflictingDuplicateError(`CarrierScan:${scan.scanId}`, { context: { idField: 'scanId' } }),
    );
    return { returnIds: returnIdsOf(out.Attributes), duplicate: false };
  }

  /** Link a return to its parcel and return every DELIVERED scan known for it. */
  public async linkReturn(auth: ReturnAuthorization): Promise<CarrierScan[]> {
    const out = await this.call('UpdateItem', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: parcelKey(auth.carrier, auth.trackingNumber),
          UpdateExpression: 'ADD returnIds :ids SET kind = :kind, #ttl = if_not_exists(#ttl, :ttl)',
          ExpressionAttributeNames: { '#ttl': TABLE_KEYS.ttlAttribute },
          ExpressionAttributeValues: {
            ':ids': new Set([auth.returnId]),
            ':kind': 'parcel',
            ':ttl': Math.floor(toEpochMs(auth.authorizedAt) / 1000) + this.retentionSec,
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return Object.entries(out.Attributes ?? {})
      .filter(([name]) => name.startsWith(DELIVERED_PREFIX))
      .map(([, scan]) => scan as CarrierScan);
  }

  /** Returns whose next timer is due at or before `now`, from the sparse index (never a Scan). */
  public async *dueReturnIds(now: string): AsyncGenerator<string> {
    for (let shard = 0; shard < TIMER_SHARDS; shard++) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.call('Query', () =>
          this.doc.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: DUE_TIMERS_INDEX.name,
              KeyConditionExpression: '#shard = :shard AND #due <= :now',
              ExpressionAttributeNames: { '#shard': DUE_TIMERS_INDEX.partitionKey, '#due': DUE_TIMERS_INDEX.sortKey },
              ExpressionAttributeValues: { ':shard': `T#${shard}`, ':now': now },
              ExclusiveStartKey: startKey,
            }),
          ),
        );
        for (const item of page.Items ?? []) {
          const pk = String(item[TABLE_KEYS.partitionKey]);
          if (pk.startsWith('RETURN#')) yield pk.slice('RETURN#'.length);
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }
  }

  private call<T>(operation: string, fn: () => Promise<T>, onConditionFailed?: (oldItem: Record<string, unknown> | undefined) => Error): Promise<T> {
    return callDynamo(operation, fn, onConditionFailed);
  }
}

/** Run one SDK call and translate its failure into the store's typed errors. */
export async function callDynamo<T>(
  operation: string,
  fn: () => Promise<T>,
  onConditionFailed?: (oldItem: Record<string, unknown> | undefined) => Error,
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translateError(operation, error, onConditionFailed);
  }
}

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
]);

export function translateError(
  operation: string,
  error: unknown,
  onConditionFailed?: (oldItem: Record<string, unknown> | undefined) => Error,
): Error {
  if (error instanceof ConditionalCheckFailedException || (error as Error | undefined)?.name === 'ConditionalCheckFailedException') {
    const raw = (error as { Item?: Record<string, unknown> }).Item;
    const old = raw ? toPlainItem(raw) : undefined;
    if (onConditionFailed) return onConditionFailed(old);
  }
  const name = (error as Error | undefined)?.name ?? '';
  if (THROTTLING.has(name)) return new StoreThrottledError(operation, { cause: error });
  return new StoreUnavailableError(operation, { cause: error });
}

/** ALL_OLD items on a condition failure arrive marshalled, even through the document client. */
function toPlainItem(raw: Record<string, unknown>): Record<string, unknown> {
  const first = Object.values(raw)[0];
  const marshalled = typeof first === 'object' && first !== null && Object.keys(first).length === 1 && /^(S|N|M|L|BOOL|NULL|SS|NS|B|BS)$/.test(Object.keys(first)[0]!);
  return marshalled ? unmarshall(raw as Parameters<typeof unmarshall>[0]) : raw;
}

function returnIdsOf(item: Record<string, unknown> | undefined): string[] {
  return [...((item?.['returnIds'] as Set<string> | undefined) ?? [])].sort();
}

export function toStoredReturn(item: Record<string, unknown>): StoredReturn {
  return { state: item['state'] as ReturnState, version: Number(item['version']) };
}
