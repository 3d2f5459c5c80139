import { GetCommand, PutCommand, paginateQuery, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AlertConflictError } from '../app/errors.js';
import type { AlertRepository, EmployeeRepository, StoredAlert } from '../app/ports.js';
import { liftedFor, type AlertAnswer } from '../domain/alert-decision.js';
import type { SuspectReceipt } from '../domain/insider.js';
import { addMs, toEpochMs } from '../domain/time.js';
import type { Effect, EmployeeFlag, Money, ReviewRaised } from '../domain/types.js';
import { streamMarkersFor } from '../routing.js';
import { anomalyReviewAttributes } from './reviews.js';
import { flagOf } from './item-codec.js';
import { employeeFlagKey, employeePk, employeeSelfReviewFlagKey, FLAG_SORT_PREFIX, suspectKey, suspectRange } from './keys.js';
import { callDynamo, isConditionFailure, pagesOf, translateError } from './dynamo-call.js';
import { DEFAULT_RETENTION_DAYS, OPEN_REVIEWS_INDEX, TABLE_KEYS } from './table.js';

/*
 * R7 items, one partition per employee (keys from ./keys.ts):
 *   (EMPLOYEE, id) / (SUSPECT, receivedAt, receiptId)  one small item per receipt under an insider-reason
 *                                                      review; a cleared one is overwritten by a tombstone
 *   (EMPLOYEE, id) / (FLAG)                            the active flag and, in `outbox`, its one anomaly review;
 *                                                      v1.2: the alert's answer (`answer`, `liftedAt` for a RELEASE)
 *                                                      and the receipts it counted (`counted`)
 * Only suspect receipts touch the partition, so an honest employee never makes it hot.
 * No id is ever an attribute name: the receipt is a value of its own item.
 */
export class EmployeeStore implements EmployeeRepository, AlertRepository {
  private readonly retentionSec: number;

  public constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: { retentionDays?: number } = {},
  ) {
    this.retentionSec = (options.retentionDays ?? DEFAULT_RETENTION_DAYS) * 86_400;
  }

  /**
   * The flag covering a receipt by this employee, if any (read on every
   * receipt): the R7 alert's or (v1.2) a self-review attempt's, both read by
   * one Query of the employee's flag items.
   */
  public async flagFor(employeeId: string, receivedAt: string): Promise<EmployeeFlag | null> {
    // Eventually consistent (half a read unit): the flag itself is written by the insider consumer
    // up to 30 s (its batching window) after the receipts that caused it, so a read that may lag
    // by about a second changes nothing a strongly consistent one would catch.
    const out = await callDynamo('Query', () =>
      this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :flag)',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey },
          ExpressionAttributeValues: { ':pk': employeePk(employeeId), ':flag': FLAG_SORT_PREFIX },
          ConsistentRead: false,
        }),
      ),
    );
    const t = toEpochMs(receivedAt);
    const flags = (out.Items ?? []).filter((item) => item['flaggedAt'] !== undefined).map((item) => flagOf(employeeId, item));
    return flags.find((flag) => t >= toEpochMs(flag.flaggedAt) && t <= toEpochMs(flag.flaggedUntil) && !liftedFor(flag.liftedAt, receivedAt)) ?? null;
  }

  public async raiseSelfReviewFlag(employeeId: string, reviewId: string, decidedAt: string, flagForMs: number): Promise<void> {
    const flaggedUntil = addMs(decidedAt, flagForMs);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...employeeSelfReviewFlagKey(employeeId),
            kind: 'employee-self-review-flag',
            employeeId,
            anomalyReviewId: reviewId,
            flaggedAt: addMs(decidedAt, 0),
            flaggedUntil,
            [TABLE_KEYS.ttlAttribute]: Math.floor(toEpochMs(flaggedUntil) / 1000) + this.retentionSec,
          },
          // Only ever later: a redelivered or older attempt never shortens a newer one's flag.
          ConditionExpression: 'attribute_not_exists(#pk) OR #until < :until',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#until': 'flaggedUntil' },
          ExpressionAttributeValues: { ':until': flaggedUntil },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw translateError('PutItem', error);
    }
  }

  /** The employee's latest flag, expired or not, with (v1.2) the receipts its alert counted. */
  public async currentFlag(employeeId: string, options: { consistent?: boolean } = {}): Promise<(EmployeeFlag & { counted: readonly string[] }) | null> {
    const out = await callDynamo('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: employeeFlagKey(employeeId), ConsistentRead: options.consistent ?? true })),
    );
    if (!out.Item) return null;
    const counted = Array.isArray(out.Item['counted']) ? (out.Item['counted'] as string[]) : [];
    return { ...flagOf(employeeId, out.Item), counted };
  }

  /** v1.2: the employee's current alert (the flag item's), strongly consistent. */
  public async loadAlert(employeeId: string): Promise<StoredAlert | null> {
    const out = await callDynamo('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: employeeFlagKey(employeeId), ConsistentRead: true })),
    );
    const item = out.Item;
    if (item?.['kind'] !== 'employee-flag') return null;
    return {
      revision: typeof item['revision'] === 'number' ? item['revision'] : 0,
      alert: {
        reviewId: String(item['anomalyReviewId']),
        employeeId: String(item['employeeId']),
        raisedAt: String(item['flaggedAt']),
        flaggedUntil: String(item['flaggedUntil']),
        warehouseId: typeof item['warehouseId'] === 'string' ? item['warehouseId'] : undefined,
        refund: (item['atStake'] as Money | undefined) ?? undefined,
        answer: (item['answer'] as AlertAnswer | undefined) ?? undefined,
      },
    };
  }

  /**
   * v1.2: close the alert in one conditional write: its answer, `liftedAt`
   * for a RELEASE, the ReviewCleared in the item's outbox (the publisher
   * sends it from this write's stream record) and the open-reviews index
   * attributes removed, so the queue and its money at stake drop it.
   */
  public async answerAlert(stored: StoredAlert, answer: AlertAnswer, effects: readonly Effect[]): Promise<void> {
    const { alert, revision } = stored;
    const lift = answer.decision === 'RELEASE';
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: employeeFlagKey(alert.employeeId),
          UpdateExpression: `SET #answer = :answer, #outbox = :outbox, #revision = :next${lift ? ', #lifted = :lifted' : ''} REMOVE #shard, #since, #queue`,
          // Timeline: the alert read is still the item's (not replaced by a later alert), unanswered, and unchanged since.
          ConditionExpression: '#review = :review AND attribute_not_exists(#answer) AND (attribute_not_exists(#revision) OR #revision = :revision)',
          ExpressionAttributeNames: {
            '#answer': 'answer',
            '#outbox': 'outbox',
            '#revision': 'revision',
            '#review': 'anomalyReviewId',
            '#shard': OPEN_REVIEWS_INDEX.partitionKey,
            '#since': OPEN_REVIEWS_INDEX.sortKey,
            '#queue': 'reviewQueue',
            ...(lift ? { '#lifted': 'liftedAt' } : {}),
          },
          ExpressionAttributeValues: {
            ':answer': answer,
            ':outbox': effects,
            ':next': revision + 1,
            ':revision': revision,
            ':review': alert.reviewId,
            ...(lift ? { ':lifted': answer.decidedAt } : {}),
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new AlertConflictError(alert.reviewId, { cause: error });
      throw translateError('UpdateItem', error);
    }
  }

  /** Add (idempotently: same key, same item) a receipt now under an insider-reason review. */
  public async addSuspect(receipt: SuspectReceipt): Promise<void> {
    await this.putSuspect(receipt.employeeId, receipt.receivedAt, receipt.receiptId, { receipt });
  }

  /** Remove a receipt whose review was cleared (R4): it no longer counts. */
  public async removeSuspect(employeeId: string, receivedAt: string, receiptId: string): Promise<void> {
    await this.putSuspect(employeeId, receivedAt, receiptId, { cleared: true });
  }

  /** Suspect receipts of an employee with receivedAt in [from, to], read consistently. */
  public async suspects(employeeId: string, from: string, to: string): Promise<SuspectReceipt[]> {
    const out: SuspectReceipt[] = [];
    const range = suspectRange(from, to);
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#sk': TABLE_KEYS.sortKey },
        ExpressionAttributeValues: { ':pk': employeePk(employeeId), ':from': range.from, ':to': range.to },
        ConsistentRead: true,
      },
    );
    for await (const page of pagesOf('Query', pages)) {
      for (const item of page.Items ?? []) {
        if (item['kind'] === 'employee-suspect' && item['receipt']) out.push(item['receipt'] as SuspectReceipt);
      }
    }
    const [fromMs, toMs] = [toEpochMs(from), toEpochMs(to)];
    return out.filter((r) => toEpochMs(r.receivedAt) >= fromMs && toEpochMs(r.receivedAt) <= toMs);
  }

  /**
   * Raise the flag and its one anomaly review, unless a flag already covers
   * `raisedAt`. The condition makes concurrent detectors agree on one alert;
   * the review leaves through the item's outbox like every other effect.
   * @returns whether this call raised the alert
   */
  public async raiseFlag(review: ReviewRaised, flagForMs: number): Promise<boolean> {
    const employeeId = review.employeeId!;
    const flaggedUntil = addMs(review.raisedAt, flagForMs);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...employeeFlagKey(employeeId),
            kind: 'employee-flag',
            employeeId,
            anomalyReviewId: review.reviewId,
            flaggedAt: review.raisedAt,
            flaggedUntil,
            outbox: [review],
            // v1.2: what answering the alert needs without its outbox, and which receipts it counted.
            counted: countedReceiptIds(review),
            ...(review.refund ? { atStake: review.refund } : {}),
            ...(review.warehouseId ? { warehouseId: review.warehouseId } : {}),
            // The publisher's stream filter selects items carrying effects (shared/routing.ts).
            ...streamMarkersFor([review], { insider: false }),
            // The review queue's open-reviews index lists the anomaly while the flag stands.
            ...anomalyReviewAttributes(review, flaggedUntil),
            [TABLE_KEYS.ttlAttribute]: Math.floor(toEpochMs(flaggedUntil) / 1000) + this.retentionSec,
          },
          // Timeline: a flag whose flaggedUntil is before this alert's raisedAt has expired;
          // v1.2: one lifted (RELEASE) at or before it no longer stands either.
          ConditionExpression: 'attribute_not_exists(#pk) OR #until < :raisedAt OR #lifted <= :raisedAt',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#until': 'flaggedUntil', '#lifted': 'liftedAt' },
          ExpressionAttributeValues: { ':raisedAt': review.raisedAt },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw translateError('PutItem', error);
    }
  }

  private async putSuspect(employeeId: string, receivedAt: string, receiptId: string, body: { receipt: SuspectReceipt } | { cleared: true }): Promise<void> {
    await callDynamo('PutItem', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...suspectKey(employeeId, receivedAt, receiptId),
            kind: 'employee-suspect',
            ...body,
            [TABLE_KEYS.ttlAttribute]: Math.floor(toEpochMs(receivedAt) / 1000) + this.retentionSec,
          },
        }),
      ),
    );
  }
}


/** The receipts an anomaly review counted (its evidence), so an answered alert's receipts never count again. */
function countedReceiptIds(review: ReviewRaised): string[] {
  const receipts = review.evidence['receipts'];
  if (!Array.isArray(receipts)) return [];
  return receipts.map((r) => (r as { receiptId?: unknown }).receiptId).filter((id): id is string => typeof id === 'string');
}
