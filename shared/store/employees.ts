import { GetCommand, PutCommand, paginateQuery, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EmployeeRepository } from '../app/ports.js';
import type { SuspectReceipt } from '../domain/insider.js';
import { addMs, toEpochMs } from '../domain/time.js';
import type { EmployeeFlag, ReviewRaised } from '../domain/types.js';
import { streamMarkersFor } from '../routing.js';
import { anomalyReviewAttributes } from './reviews.js';
import { employeeFlagKey, employeePk, employeeSelfReviewFlagKey, FLAG_SORT_PREFIX, suspectKey, suspectRange } from './keys.js';
import { callDynamo, isConditionFailure, pagesOf, translateError } from './dynamo-call.js';
import { DEFAULT_RETENTION_DAYS, TABLE_KEYS } from './table.js';

/*
 * R7 items, one partition per employee (keys from ./keys.ts):
 *   (EMPLOYEE, id) / (SUSPECT, receivedAt, receiptId)  one small item per receipt under an insider-reason
 *                                                      review; a cleared one is overwritten by a tombstone
 *   (EMPLOYEE, id) / (FLAG)                            the active flag and, in `outbox`, its one anomaly review
 * Only suspect receipts touch the partition, so an honest employee never makes it hot.
 * No id is ever an attribute name: the receipt is a value of its own item.
 */
export class EmployeeStore implements EmployeeRepository {
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
    return flags.find((flag) => t >= toEpochMs(flag.flaggedAt) && t <= toEpochMs(flag.flaggedUntil)) ?? null;
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

  /** The employee's latest flag, expired or not. */
  public async currentFlag(employeeId: string, options: { consistent?: boolean } = {}): Promise<EmployeeFlag | null> {
    const out = await callDynamo('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: employeeFlagKey(employeeId), ConsistentRead: options.consistent ?? true })),
    );
    return out.Item ? flagOf(employeeId, out.Item) : null;
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
            // The publisher's stream filter selects items carrying effects (shared/routing.ts).
            ...streamMarkersFor([review], { insider: false }),
            // The review queue's open-reviews index lists the anomaly while the flag stands.
            ...anomalyReviewAttributes(review, flaggedUntil),
            [TABLE_KEYS.ttlAttribute]: Math.floor(toEpochMs(flaggedUntil) / 1000) + this.retentionSec,
          },
          // Timeline: a flag whose flaggedUntil is before this alert's raisedAt has expired.
          ConditionExpression: 'attribute_not_exists(#pk) OR #until < :raisedAt',
          ExpressionAttributeNames: { '#pk': TABLE_KEYS.partitionKey, '#until': 'flaggedUntil' },
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

function flagOf(employeeId: string, item: Record<string, unknown>): EmployeeFlag {
  return {
    employeeId,
    anomalyReviewId: String(item['anomalyReviewId']),
    flaggedAt: String(item['flaggedAt']),
    flaggedUntil: String(item['flaggedUntil']),
  };
}
