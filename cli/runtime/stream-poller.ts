import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { passesStreamFilters } from '../../shared/routing.js';
import type { LocalLambdaContexts } from '../lambda.js';
import { LocalStreamError, type TableStreamReader } from '../stream.js';
import { LocalRuntimeError, type StreamConsumer } from './options.js';

/** Lambda's default batch size for a DynamoDB stream event source mapping. */
const STREAM_BATCH_SIZE = 100;
/** Invocations per batch before a failing record stops the run (Lambda would retry, then use the on-failure queue). */
const CONSUMER_ATTEMPTS = 3;
/** Stream polls per drain before we conclude consumers keep writing forever (a bug). */
const MAX_DRAIN_ROUNDS = 50;
/** Requests that never write; anything else may, and makes the next drain read the stream. */
const READ_COMMANDS: ReadonlySet<string> = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'TransactGetItemsCommand',
  'DescribeTableCommand',
]);

/**
 * Count the requests on `doc` that may have written (`onWrite`). Every
 * writer (handlers and consumers) shares this client, and nothing else writes
 * to the table, so no counted write means nothing new on the stream.
 */
export function countWrites(doc: DynamoDBDocumentClient, onWrite: () => void): void {
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      if (READ_COMMANDS.has(String(context.commandName))) return next(args);
      try {
        const result = await next(args);
        onWrite();
        return result;
      } catch (error) {
        if (!wroteNothing(error)) onWrite();
        throw error;
      }
    },
    { step: 'initialize', name: 'refundGateLocalWriteCounter' },
  );
}

/** What the poller needs from the runtime around it. */
export interface StreamPollerDeps {
  readonly stream: TableStreamReader;
  /** Run on every batch, in this order. */
  readonly consumers: readonly StreamConsumer[];
  readonly contexts: LocalLambdaContexts;
  /** Counts one Lambda invocation of the named function. */
  readonly count: (functionName: string) => void;
  /** Sees every record read, before any consumer does (the schedule's timer bound). */
  readonly onRecord: (record: DynamoDBRecord) => void;
}

/**
 * The table's stream as Lambda's event source mappings read it: batch by
 * batch to every consumer in order, each through its filter criteria, with
 * ReportBatchItemFailures retries. Read only when a write may have put
 * something on it.
 */
export class StreamPoller {
  /** Requests that may have written to the table since the stream was last read. */
  public unreadWrites = 0;

  public constructor(private readonly deps: StreamPollerDeps) {}

  /**
   * Read the stream until it is quiet, feeding each batch to every consumer
   * in order. Consumers may write (R7's flag item, with its outbox): their
   * writes come back on the stream and are read in the next round.
   */
  public async drain(): Promise<void> {
    for (let round = 0; round < MAX_DRAIN_ROUNDS; round++) {
      if (this.unreadWrites === 0) return;
      await this.readStream();
    }
    throw new LocalStreamError(`the stream did not settle after ${MAX_DRAIN_ROUNDS} rounds`);
  }

  /** One read of the stream: what it holds now, batch by batch to every consumer in order. */
  public async readStream(): Promise<void> {
    this.unreadWrites = 0;
    const records = await this.deps.stream.poll();
    for (const record of records) this.deps.onRecord(record);
    for (let i = 0; i < records.length; i += STREAM_BATCH_SIZE) {
      const batch = records.slice(i, i + STREAM_BATCH_SIZE);
      for (const consumer of this.deps.consumers) {
        // The mapping's filter criteria: records that do not match never reach the function.
        const filtered = consumer.filter ? batch.filter((r) => passesStreamFilters(consumer.filter!, r)) : batch;
        if (filtered.length > 0) await this.invoke(consumer, filtered);
      }
    }
  }

  /**
   * One consumer on one batch, with Lambda's ReportBatchItemFailures
   * semantics: a reported failure is retried from that record on.
   */
  private async invoke(consumer: StreamConsumer, batch: readonly DynamoDBRecord[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      this.deps.count(consumer.name);
      const response = await consumer.handler({ Records: [...pending] }, this.deps.contexts.next(consumer.name));
      const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      if (failed.size === 0) return;
      const first = pending.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
      if (attempt >= CONSUMER_ATTEMPTS) {
        throw new LocalRuntimeError(
          `${consumer.name} failed on stream record ${pending[Math.max(first, 0)]?.dynamodb?.SequenceNumber ?? '?'} ${attempt} times`,
        );
      }
      pending = pending.slice(Math.max(first, 0));
    }
  }
}

/**
 * A write request DynamoDB refused as a whole, on its only attempt: a failed
 * condition (a duplicate, a lost race) or a cancelled transaction changes no
 * item, so it puts nothing on the stream. Any other failure, or a refusal
 * after a retried attempt (which may have written before its answer was
 * lost), counts as a write.
 */
function wroteNothing(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as { name?: unknown; $metadata?: { attempts?: unknown } };
  return (name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException') && $metadata?.attempts === 1;
}
