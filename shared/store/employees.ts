import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EmployeeFlagReader } from '../app/ports.js';
import type { SuspectReceipt } from '../domain/insider.js';
import { addMs, toEpochMs } from '../domain/time.js';
import type { EmployeeFlag, ReviewRaised } from '../domain/types.js';
import { anomalyReviewAttributes } from './reviews.js';
import { callDynamo, translateError } from './store.js';
import { TABLE_KEYS } from './table.js';

/*
 * R7 items, one partition per employee:
 *   EMPLOYEE#<id> / SUSPECT#<yyyy-mm-dd>  receipts under an insider-reason review, by receivedAt day,
 *                                         one attribute `r:<receiptId>` each (set/remove: idempotent)
 *   EMPLOYEE#<id> / FLAG                  the active flag and, in `outbox`, its one anomaly review
 * Only suspect receipts touch the partition, so an honest employee never makes it hot.
 */
const SUSPECT_PREFIX = 'r:';
const employeePk = (employeeId: string) => `EMPLOYEE#${employeeId}`;
const dayOf = (iso: string) => new Date(toEpochMs(iso)).toISOString().slice(0, 10);

export class EmployeeStore implements EmployeeFlagReader {
  private readonly retentionSec: number;

  public constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: { retentionDays?: number } = {},
  ) {
    this.retentionSec = (options.retentionDays ?? 400) * 86_400;
  }

  /** The flag covering a receipt by this employee, if any (read on every receipt). */
  public async flagFor(employeeId: string, receivedAt: string): Promise<EmployeeFlag | null> {
    const flag = await this.currentFlag(employeeId);
    if (!flag) return null;
    const t = toEpochMs(receivedAt);
    return t >= toEpochMs(flag.flaggedAt) && t <= toEpochMs(flag.flaggedUntil) ? flag : null;
  }

  /** The employee's latest flag, expired or not. */
  public async currentFlag(employeeId: string): Promise<EmployeeFlag | null> {
    const out = await this.call('GetItem', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEYS.partitionKey]: employeePk(employeeId), [TABLE_KEYS.sortKey]: 'FLAG' },
          ConsistentRead: true,
        }),
      ),
    );
    const item = out.Item;
    if (!item) return null;
    const flag: EmployeeFlag = {
      employeeId,
      anomalyReviewId: String(item['anomalyReviewId']),
      flaggedAt: String(item['flaggedAt']),
      flaggedUntil: String(item['flaggedUntil']),
    };
    return flag;
  }

  /** Add (idempotently) a receipt now under an insider-reason review. */
  public async addSuspect(receipt: SuspectReceipt): Promise<void> {
    await this.updateSuspect(receipt.employeeId, receipt.receivedAt, receipt.receiptId, receipt);
  }

  /** Remove a receipt whose review was cleared (R4): it no longer counts. */
  public async removeSuspect(employeeId: string, receivedAt: string, receiptId: string): Promise<void> {
    await this.updateSuspect(employeeId, receivedAt, receiptId, null);
  }

  /** Suspect receipts of an employee with receivedAt in [from, to], read consistently. */
  public async suspects(employeeId: string, from: string, to: string): Promise<SuspectReceipt[]> {
    const out: SuspectReceipt[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call('Query', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':pk': employeePk(employeeId), ':from': `SUSPECT#${dayOf(from)}`, ':to': `SUSPECT#${dayOf(to)}` },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        for (const [name, value] of Object.entries(item)) {
          if (name.startsWith(SUSPECT_PREFIX)) out.push(value as SuspectReceipt);
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
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
            [TABLE_KEYS.partitionKey]: employeePk(employeeId),
            [TABLE_KEYS.sortKey]: 'FLAG',
            kind: 'employee-flag',
            employeeId,
            anomalyReviewId: review.reviewId,
            flaggedAt: review.raisedAt,
            flaggedUntil,
            outbox: [review],
            // The review queue's open-reviews index lists the anomaly while the flag stands.
            ...anomalyReviewAttributes(review, flaggedUntil),
            [TABLE_KEYS.ttlAttribute]: Math.floor(toEpochMs(flaggedUntil) / 1000) + this.retentionSec,
          },
          // Timeline: a flag whose flaggedUntil is before this alert's raisedAt has expired.
          ConditionExpression: 'attribute_not_exists(pk) OR flaggedUntil < :raisedAt',
          ExpressionAttributeValues: { ':raisedAt': review.raisedAt },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw translateError('PutItem', error);
    }
  }

  private async updateSuspect(employeeId: string, receivedAt: string, receiptId: string, value: SuspectReceipt | null): Promise<void> {
    await this.call('UpdateItem', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEYS.partitionKey]: employeePk(employeeId), [TABLE_KEYS.sortKey]: `SUSPECT#${dayOf(receivedAt)}` },
          UpdateExpression: value ? 'SET #r = :r, kind = :kind, #ttl = :ttl' : 'REMOVE #r',
          ExpressionAttributeNames: { '#r': SUSPECT_PREFIX + receiptId, ...(value ? { '#ttl': TABLE_KEYS.ttlAttribute } : {}) },
          ...(value
            ? {
                ExpressionAttributeValues: {
                  ':r': value,
                  ':kind': 'employee-suspects',
                  ':ttl': Math.floor(toEpochMs(receivedAt) / 1000) + this.retentionSec,
                },
              }
            : {}),
        }),
      ),
    );
  }

  private call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return callDynamo(operation, fn);
  }
}
