import { GetCommand, PutCommand, paginateQuery, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictingDuplicateError, VersionConflictError } from '../app/errors.js';
import type { DecisionAnswers, FactClaim, IdLedger, ParcelLinks, ParcelRepository, ReturnRepository, SaveReturnInput, StoredReturn } from '../app/ports.js';
import type { CarrierScan, Effect, ReturnAuthorization } from '../domain/types.js';
import { toEpochMs } from '../domain/time.js';
import { ledgerKey, parcelKey, returnIdOfKey, returnKey, timerShardKey, timerShardOf } from './keys.js';
import { CLOSED_RETURN_STATUSES, streamMarkersFor } from '../routing.js';
import { addToParcel, linkOf, PARCEL_ATTR, peersOf, returnIdsOf, scansOf } from './parcels.js';
import { BODY_ATTRIBUTE, ItemCodecError, packBody, stateOfItem } from './item-codec.js';
import { openReviewAttributes } from './reviews.js';
import { callDynamo, isConditionFailure, oldItemOf, pagesOf, translateError } from './dynamo-call.js';
import { DEFAULT_RETENTION_DAYS, DUE_TIMERS_INDEX, OPEN_RETENTION_DAYS, TABLE_KEYS, TIMER_SHARDS } from './table.js';

export type { SaveReturnInput, StoredReturn } from '../app/ports.js';
export { returnKey, timerShardOf } from './keys.js';

export interface StoreOptions {
  /** Days to keep an item after its last write, or its return's next timer when later (DynamoDB TTL). @default DEFAULT_RETENTION_DAYS (30) */
  readonly retentionDays?: number;
}

/** Item attributes (names are constants: no id is ever an attribute name). */
const ATTR = {
  kind: 'kind',
  version: 'version',
  status: 'status',
  authorizationPrint: 'authorizationPrint',
  fingerprint: 'fingerprint',
  answered: 'answered',
} as const;

/**
 * The DynamoDB adapter of the returns, parcels and id-ledger ports: the only
 * code that speaks DynamoDB for them. Every key comes from ./keys.ts; SDK
 * errors become typed errors at this boundary.
 */
export class RefundGateStore implements ReturnRepository, ParcelRepository, IdLedger, DecisionAnswers {
  private readonly retentionSec: number;

  public constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: StoreOptions = {},
  ) {
    this.retentionSec = (options.retentionDays ?? DEFAULT_RETENTION_DAYS) * 86_400;
  }

  // ------------------------------------------------------------------ id ledger (R8)

  /**
   * Claim a domain id for a fingerprint, deployment-wide: one conditional
   * PutItem of a small item (< 1 KB, 1 WRU). A redelivery is refused by the
   * condition and the refusal carries the stored fingerprint (ALL_OLD), so
   * neither the first delivery nor a redelivery needs a read.
   */
  public async claim(fact: FactClaim): Promise<'claimed' | 'seen'> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...ledgerKey(fact.detailType, fact.id),
            [ATTR.kind]: 'id',
            [ATTR.fingerprint]: fact.fingerprint,
            [TABLE_KEYS.ttlAttribute]: this.expiresAt(fact.now),
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!isConditionFailure(error)) throw translateError('PutItem', error);
      const old = oldItemOf(error);
      if (old?.[ATTR.fingerprint] === fact.fingerprint) return 'seen';
      throw new ConflictingDuplicateError(fact.detailType, fact.idField, fact.id);
    }
  }

  /** v1.2: whether a decision's ledger entry carries its answer (a decision without returnId that changed nothing). */
  public async decisionAnswered(decisionId: string): Promise<boolean> {
    const out = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: ledgerKey('ReviewDecided', decisionId), ConsistentRead: true })),
    );
    return out.Item?.[ATTR.answered] === true;
  }

  /**
   * v1.2: answer a claimed decision with the effects it published, once: the
   * entry's own outbox (with the publisher's stream marker), written only if
   * not answered yet, so a redelivery after a crash publishes nothing twice.
   */
  public async answerDecision(decisionId: string, effects: readonly Effect[]): Promise<boolean> {
    const markers = streamMarkersFor(effects, { insider: false });
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: ledgerKey('ReviewDecided', decisionId),
          UpdateExpression: `SET #answered = :true, #outbox = :outbox${Object.keys(markers).map((_, i) => `, #m${i} = :true`).join('')}`,
          ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#answered)',
          ExpressionAttributeNames: {
            '#pk': TABLE_KEYS.partitionKey,
            '#answered': ATTR.answered,
            '#outbox': 'outbox',
            ...Object.fromEntries(Object.keys(markers).map((name, i) => [`#m${i}`, name])),
          },
          ExpressionAttributeValues: { ':true': true, ':outbox': effects },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw translateError('UpdateItem', error);
    }
  }

  // ------------------------------------------------------------------ returns

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
   * The item also carries the authorization's fingerprint: it is the ledger
   * entry of the returnId, checked by the application on the item it read and
   * protected by the same version condition.
   *
   * @throws {VersionConflictError} with the current return when another writer won
   */
  public async saveReturn(input: SaveReturnInput): Promise<number> {
    const returnId = input.state.returnId;
    const version = input.expectedVersion + 1;
    const item: Record<string, unknown> = {
      ...returnKey(returnId),
      [ATTR.kind]: 'return',
      [ATTR.version]: version,
      // State and outbox, compressed together (./item-codec.ts): keeps the item under 1 KB, 1 WRU a write.
      [BODY_ATTRIBUTE]: packBody(input.state, input.effects),
      [ATTR.status]: input.state.status,
      [TABLE_KEYS.ttlAttribute]: this.returnExpiresAt(input),
      ...(input.authorizationPrint !== undefined ? { [ATTR.authorizationPrint]: input.authorizationPrint } : {}),
      ...(input.dueAt !== null ? { [DUE_TIMERS_INDEX.partitionKey]: timerShardOf(returnId), [DUE_TIMERS_INDEX.sortKey]: input.dueAt } : {}),
      // The sparse open-reviews index (review queue): present only while reviews are open.
      ...openReviewAttributes(input.state),
      // Sparse markers the stream consumers' filters select on (shared/routing.ts): no effects, no invocation.
      ...streamMarkersFor(input.effects, { insider: true }),
    };
    const first = input.expectedVersion === 0;
    await this.call(
      'PutItem',
      () =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            // First write: the item must not exist. Later writes: nobody wrote since our read.
            ConditionExpression: first ? 'attribute_not_exists(#pk)' : '#version = :expected',
            ExpressionAttributeNames: first ? { '#pk': TABLE_KEYS.partitionKey } : { '#version': ATTR.version },
            ...(first ? {} : { ExpressionAttributeValues: { ':expected': input.expectedVersion } }),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      (old) => new VersionConflictError(returnId, old ? toStoredReturn(old) : null),
    );
    return version;
  }

  /** Returns whose next timer is due at or before `now`, from the sparse index (never a Scan). */
  public async *dueReturnIds(now: string): AsyncGenerator<string> {
    for (let shard = 0; shard < TIMER_SHARDS; shard++) {
      const pages = paginateQuery(
        { client: this.doc },
        {
          TableName: this.tableName,
          IndexName: DUE_TIMERS_INDEX.name,
          KeyConditionExpression: '#shard = :shard AND #due <= :now',
          ExpressionAttributeNames: { '#shard': DUE_TIMERS_INDEX.partitionKey, '#due': DUE_TIMERS_INDEX.sortKey },
          ExpressionAttributeValues: { ':shard': timerShardKey(shard), ':now': now },
        },
      );
      for await (const page of pagesOf('Query', pages)) {
        for (const item of page.Items ?? []) {
          const returnId = returnIdOfKey(item[TABLE_KEYS.partitionKey] as string | undefined);
          if (returnId !== undefined) yield returnId;
        }
      }
    }
  }

  /**
   * The earliest `dueAt` in the sparse timer index (the first item of each
   * shard, in key order), or undefined when no timer is pending. Lets the
   * local runtime skip sweeps that would find nothing.
   */
  public async earliestDueAt(): Promise<string | undefined> {
    const firsts = await Promise.all(
      Array.from({ length: TIMER_SHARDS }, (_, shard) =>
        this.call('Query', () =>
          this.doc.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: DUE_TIMERS_INDEX.name,
              KeyConditionExpression: '#shard = :shard',
              ExpressionAttributeNames: { '#shard': DUE_TIMERS_INDEX.partitionKey },
              ExpressionAttributeValues: { ':shard': timerShardKey(shard) },
              Limit: 1,
            }),
          ),
        ),
      ),
    );
    const due = firsts.flatMap((page) => (page.Items ?? []).map((item) => String(item[DUE_TIMERS_INDEX.sortKey])));
    return due.sort((a, b) => toEpochMs(a) - toEpochMs(b))[0];
  }

  // ------------------------------------------------------------------ parcels

  /**
   * Record a DELIVERED scan on its parcel and return the returns linked to it.
   * Scans are kept as a string set of their JSON, so a redelivery (after a
   * crash) adds nothing: no read. Only DELIVERED scans are stored: no rule
   * reads any other status.
   *
   * Timeline that makes scans-before-authorization safe: this update and
   * {@link linkReturn} write the same item, so DynamoDB orders them. If the
   * scan lands first, the link's ALL_NEW image carries the scan; if the link
   * lands first, this ALL_NEW image carries the returnId.
   */
  public async recordDelivered(scan: CarrierScan): Promise<string[]> {
    const item = await addToParcel(
      this.doc,
      this.tableName,
      parcelKey(scan.carrier, scan.trackingNumber),
      { [PARCEL_ATTR.deliveredScans]: new Set([JSON.stringify(scan)]) },
      this.parcelExpiresAt(scan.scannedAt),
    );
    return returnIdsOf(item);
  }

  public async deliveredOn(scan: CarrierScan): Promise<string[] | undefined> {
    const out = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: parcelKey(scan.carrier, scan.trackingNumber), ConsistentRead: true })),
    );
    const stored = out.Item?.[PARCEL_ATTR.deliveredScans] as Set<string> | undefined;
    return stored?.has(JSON.stringify(scan)) ? returnIdsOf(out.Item) : undefined;
  }

  /** Link a return to its parcel and return every DELIVERED scan (one per scanId) and every return linked to it. */
  public async linkReturn(auth: ReturnAuthorization): Promise<ParcelLinks> {
    const item = await addToParcel(
      this.doc,
      this.tableName,
      parcelKey(auth.carrier, auth.trackingNumber),
      { [PARCEL_ATTR.returnIds]: new Set([auth.returnId]), [PARCEL_ATTR.links]: new Set([linkOf(auth)]) },
      this.parcelExpiresAt(auth.authorizedAt),
    );
    return { scans: scansOf(item), peers: peersOf(item) };
  }

  /**
   * A parcel lives as long as an open return may wait for its scan, and at
   * least as long as a later return could still share it (v1.2, 90 days by
   * default): OPEN_RETENTION_DAYS after its latest fact, never earlier.
   */
  private parcelExpiresAt(iso: string): number {
    return this.expiresAt(iso, Math.max(this.retentionSec, OPEN_RETENTION_DAYS * 86_400));
  }

  private expiresAt(iso: string, retentionSec = this.retentionSec): number {
    return Math.floor(toEpochMs(iso) / 1000) + retentionSec;
  }

  /**
   * A closed return (released or denied: its evidence is in the archive)
   * stays `retentionDays` after its last write; an open one, which may be
   * waiting for a reviewer or a shipment with no timer pending,
   * OPEN_RETENTION_DAYS. Never before its next timer is due.
   */
  private returnExpiresAt(input: SaveReturnInput): number {
    const closed = (CLOSED_RETURN_STATUSES as readonly string[]).includes(input.state.status);
    const from = input.dueAt !== null && toEpochMs(input.dueAt) > toEpochMs(input.now) ? input.dueAt : input.now;
    return this.expiresAt(from, closed ? this.retentionSec : Math.max(this.retentionSec, OPEN_RETENTION_DAYS * 86_400));
  }

  private call<T>(operation: string, fn: () => Promise<T>, onConditionFailed?: (oldItem: Record<string, unknown> | undefined) => Error): Promise<T> {
    return callDynamo(operation, fn, onConditionFailed);
  }
}







export function toStoredReturn(item: Record<string, unknown>): StoredReturn {
  const print = item[ATTR.authorizationPrint];
  const state = stateOfItem(item);
  if (state === null) throw new ItemCodecError('a return item without a state');
  return {
    state,
    version: Number(item[ATTR.version]),
    authorizationPrint: typeof print === 'string' ? print : undefined,
  };
}
