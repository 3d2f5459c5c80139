import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { RefundGateError } from '../errors.js';
import type { CarrierScanEnvelope } from './scan.js';

/** PutEvents takes at most 10 entries per call. */
const ENTRIES_PER_CALL = 10;

/** Some scans could not be put on the bus (after retries); they went to the dead-letter queue where it could take them. */
export class ScanPublishError extends RefundGateError {
  public constructor(
    public readonly failed: number,
    public readonly deadLettered: number,
    options: { cause?: unknown } = {},
  ) {
    super(`${failed} scan(s) could not be put on the bus; ${deadLettered} sent to the dead-letter queue`, { ...options, context: { failed, deadLettered } });
    this.name = 'ScanPublishError';
  }
}

export interface ScanBusOptions {
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
  readonly sqs: SQSClient;
  readonly deadLetterQueueUrl: string;
  /** Attempts for the entries PutEvents reports as failed (FailedEntryCount). @default 3 */
  readonly attempts?: number;
  /** Injected for tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Puts CarrierScans on the bus. PutEvents can succeed while failing some
 * entries (`FailedEntryCount`): those, and only those, are put again with a
 * short back-off. Whatever still fails is sent to the dead-letter queue as
 * the PutEvents entry it was (an operator can put it again as is), and
 * {@link ScanPublishError} is thrown so the webhook answers 5xx and the
 * provider re-sends: a re-sent scan is a redelivery (same scanId, same
 * detail), so nothing is doubled either way.
 */
export class ScanBus {
  private readonly attempts: number;
  private readonly sleep: (ms: number) => Promise<void>;

  public constructor(private readonly options: ScanBusOptions) {
    this.attempts = options.attempts ?? 3;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  public async put(envelopes: readonly CarrierScanEnvelope[]): Promise<void> {
    let pending: PutEventsRequestEntry[] = envelopes.map((e) => ({
      EventBusName: this.options.eventBusName,
      Source: e.source,
      DetailType: e['detail-type'],
      Detail: JSON.stringify(e.detail),
    }));
    let lastError: unknown;
    const errorCodes = new Map<PutEventsRequestEntry, string>();
    for (let attempt = 1; attempt <= this.attempts && pending.length > 0; attempt++) {
      if (attempt > 1) await this.sleep(100 * 2 ** (attempt - 2));
      const failed: PutEventsRequestEntry[] = [];
      for (let i = 0; i < pending.length; i += ENTRIES_PER_CALL) {
        const batch = pending.slice(i, i + ENTRIES_PER_CALL);
        try {
          const out = await this.options.eventBridge.send(new PutEventsCommand({ Entries: batch }));
          if ((out.FailedEntryCount ?? 0) === 0) continue;
          // Result entries are in request order; a failed one has an ErrorCode.
          (out.Entries ?? []).forEach((result, index) => {
            if (result.ErrorCode) {
              failed.push(batch[index]!);
              errorCodes.set(batch[index]!, `${result.ErrorCode}: ${result.ErrorMessage ?? ''}`);
            }
          });
        } catch (error) {
          lastError = error;
          failed.push(...batch);
          for (const entry of batch) errorCodes.set(entry, (error as Error).name);
        }
      }
      pending = failed;
    }
    if (pending.length === 0) return;
    let deadLettered = 0;
    for (const entry of pending) {
      try {
        await this.options.sqs.send(
          new SendMessageCommand({
            QueueUrl: this.options.deadLetterQueueUrl,
            MessageBody: JSON.stringify({ entry, error: errorCodes.get(entry) ?? 'unknown' }),
          }),
        );
        deadLettered += 1;
      } catch (error) {
        lastError = error;
      }
    }
    throw new ScanPublishError(pending.length, deadLettered, { cause: lastError });
  }
}
