import { GetCommand, paginateQuery, paginateScan, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { openReviewIndexOf, type QueueEntry } from '../domain/review-queue.js';
import { toEpochMs, toIso } from '../domain/time.js';
import type { EmployeeFlag, ReturnState, ReviewRaised } from '../domain/types.js';
import { stateOfItem } from './item-codec.js';
import { flagOf } from './item-codec.js';
import type { AlertAnswer } from '../domain/alert-decision.js';
import { ownerOfReview } from '../domain/identity.js';
import type { Effect } from '../domain/types.js';
import { outboxOfItem } from './item-codec.js';
import { employeeFlagKey, ledgerKey, returnKey, reviewShardKey } from './keys.js';
import { callDynamo, pagesOf } from './dynamo-call.js';
import { OPEN_REVIEWS_INDEX, REVIEW_SHARDS } from './table.js';

/*
 * The review tools' reader (explain, reviews, decide, console): read-only
 * access to return items, the sparse `open-reviews` index and the R7 flag
 * items. Writes stay in store.ts/employees.ts; the index attributes they set
 * come from the two functions at the end of this file.
 */

/** A queue entry as the index stores it; anomaly entries also carry their flag's end. */
export type StoredQueueEntry = QueueEntry & { readonly flaggedUntil?: string; readonly returnIds?: readonly string[] };

export interface IndexedItem {
  /** The return's id for a return item; null for an employee flag item. */
  readonly returnId: string | null;
  readonly employeeId: string | null;
  readonly openSince: string;
  readonly queue: readonly StoredQueueEntry[];
}

export class ReviewReader {
  public constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The stored decider state of one return (strongly consistent), or null. */
  public async returnState(returnId: string): Promise<ReturnState | null> {
    const out = await callDynamo('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: returnKey(returnId), ConsistentRead: true })),
    );
    return stateOfItem(out.Item);
  }

  /** The R7 flag of each employee that has one (expired or not). */
  public async employeeFlags(employeeIds: readonly string[]): Promise<EmployeeFlag[]> {
    const out: EmployeeFlag[] = [];
    for (const employeeId of new Set(employeeIds)) {
      const got = await callDynamo('GetItem', () =>
        this.doc.send(
          new GetCommand({
            TableName: this.tableName,
            // The flag item's key as shared/store/employees.ts writes it.
            Key: employeeFlagKey(employeeId),
          }),
        ),
      );
      const item = got.Item;
      // With liftedAt (v1.2): a flag whose alert was answered RELEASE no longer holds later receipts.
      if (item) out.push(flagOf(employeeId, item));
    }
    return out;
  }

  /**
   * Items with open reviews, oldest open review first: one Query per shard of
   * the sparse index (never a Scan), merged. Eventually consistent in AWS.
   */
  public async openReviewItems(): Promise<IndexedItem[]> {
    const all: IndexedItem[] = [];
    for (let shard = 0; shard < REVIEW_SHARDS; shard++) {
      const pages = paginateQuery(
        { client: this.doc },
        {
          TableName: this.tableName,
          IndexName: OPEN_REVIEWS_INDEX.name,
          KeyConditionExpression: '#shard = :shard',
          ExpressionAttributeNames: { '#shard': OPEN_REVIEWS_INDEX.partitionKey },
          ExpressionAttributeValues: { ':shard': reviewShardName(shard) },
        },
      );
      for await (const page of pagesOf('Query', pages)) for (const item of page.Items ?? []) all.push(indexedItemOf(item));
    }
    return all.sort((a, b) => toEpochMs(a.openSince) - toEpochMs(b.openSince));
  }

  /**
   * Every return state in the table: a paged Scan, for listing closed reviews
   * too. Only `reviews` without `--open` uses it; the queue never does.
   */
  public async *allReturnStates(): AsyncGenerator<ReturnState> {
    const pages = paginateScan(
      { client: this.doc },
      {
        TableName: this.tableName,
        FilterExpression: '#kind = :kind',
        ExpressionAttributeNames: { '#kind': 'kind' },
        ExpressionAttributeValues: { ':kind': 'return' },
      },
    );
    for await (const page of pagesOf('Scan', pages)) {
      for (const item of page.Items ?? []) {
        const state = stateOfItem(item);
        if (state !== null) yield state;
      }
    }
  }

  /**
   * The open queue at `now`: every entry of the index, an R7 anomaly only
   * while its flag stands. What `reviews --open` lists and what the
   * review-level metrics count.
   */
  public async openQueue(now: string): Promise<QueueEntry[]> {
    const out: QueueEntry[] = [];
    for (const item of await this.openReviewItems()) {
      for (const entry of item.queue) {
        const { flaggedUntil, returnIds: _returnIds, ...rest } = entry;
        const open = flaggedUntil === undefined || toEpochMs(now) <= toEpochMs(flaggedUntil);
        out.push(open ? rest : { ...rest, status: 'CLOSED' });
      }
    }
    return out;
  }

  /**
   * v1.2: what refund-gate did with a decision answering an R7 alert (no
   * returnId): the alert's answer when this decision closed it, else the
   * effect the decision's ledger entry was answered with (self-review or
   * ignored), else null (not processed yet).
   */
  public async alertDecision(reviewId: string, decisionId: string): Promise<{ closed: AlertAnswer & { liftedAt?: string } } | { effect: Effect } | null> {
    const owner = ownerOfReview(reviewId);
    if (owner !== null && 'employeeId' in owner) {
      const flag = await this.get(employeeFlagKey(owner.employeeId));
      const answer = flag?.['answer'] as AlertAnswer | undefined;
      if (flag?.['anomalyReviewId'] === reviewId && answer?.decisionId === decisionId) {
        return { closed: { ...answer, ...(typeof flag['liftedAt'] === 'string' ? { liftedAt: flag['liftedAt'] } : {}) } };
      }
    }
    const ledger = await this.get(ledgerKey('ReviewDecided', decisionId));
    const [effect] = ledger?.['answered'] === true ? outboxOfItem(ledger) : [];
    return effect ? { effect } : null;
  }

  private async get(key: Record<string, string>): Promise<Record<string, unknown> | undefined> {
    const out = await callDynamo('GetItem', () => this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })));
    return out.Item;
  }

  /** Is this reviewId an R7 alert in the open-reviews index (a review with no return)? */
  public async isOpenAlert(reviewId: string): Promise<boolean> {
    for (const item of await this.openReviewItems()) {
      if (item.returnId === null && item.queue.some((q) => q.reviewId === reviewId)) return true;
    }
    return false;
  }

  /** The return a review belongs to, found in the open-reviews index (null when it is not open). */
  public async returnOfOpenReview(reviewId: string): Promise<string | null> {
    for (const item of await this.openReviewItems()) {
      if (item.returnId !== null && item.queue.some((q) => q.reviewId === reviewId)) return item.returnId;
    }
    return null;
  }
}

/** An index entry: ids come from the queue it carries, never from parsing a key. */
function indexedItemOf(item: Record<string, unknown>): IndexedItem {
  const queue = (item['reviewQueue'] as StoredQueueEntry[] | undefined) ?? [];
  const isReturn = item['kind'] === 'return';
  return {
    returnId: isReturn ? (queue[0]?.returnId ?? null) : null,
    employeeId: isReturn ? null : (queue[0]?.employeeId ?? null),
    openSince: String(item[OPEN_REVIEWS_INDEX.sortKey]),
    queue,
  };
}

// ---------------------------------------------------------------- index attributes (write side)

const reviewShardName = reviewShardKey;

/** Spread queue items over a few partitions (FNV-1a of the item's id) so the index has no hot key. */
export function reviewShardOf(id: string): string {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return reviewShardName((h >>> 0) % REVIEW_SHARDS);
}

/**
 * The open-reviews index attributes of a return item: present while the
 * return has open reviews, absent otherwise (a full PutItem without them
 * removes the item from the sparse index).
 */
export function openReviewAttributes(state: ReturnState): Record<string, unknown> {
  const entry = openReviewIndexOf(state);
  if (!entry) return {};
  return {
    [OPEN_REVIEWS_INDEX.partitionKey]: reviewShardOf(state.returnId),
    [OPEN_REVIEWS_INDEX.sortKey]: entry.openSince,
    reviewQueue: entry.queue,
  };
}

/** The open-reviews index attributes of an R7 flag item carrying its anomaly review. */
export function anomalyReviewAttributes(review: ReviewRaised, flaggedUntil: string): Record<string, unknown> {
  const entry: StoredQueueEntry = {
    reviewId: review.reviewId,
    returnId: null,
    employeeId: review.employeeId ?? null,
    reason: review.reason,
    severity: review.severity,
    raisedAt: toIso(toEpochMs(review.raisedAt)),
    warehouseId: review.warehouseId ?? null,
    atStake: review.refund ?? null,
    status: 'OPEN',
    flaggedUntil,
    returnIds: Array.isArray(review.evidence['returnIds']) ? (review.evidence['returnIds'] as string[]) : [],
  };
  return {
    [OPEN_REVIEWS_INDEX.partitionKey]: reviewShardOf(review.employeeId ?? review.reviewId),
    [OPEN_REVIEWS_INDEX.sortKey]: entry.raisedAt,
    reviewQueue: [entry],
  };
}
