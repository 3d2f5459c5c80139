/*
 * Fault-injection and platform models for the reliability suite.
 *
 * - `faultyDocumentClient`: a real DynamoDB document client on DynamoDB Local
 *   with one SDK middleware that can throttle a call (before it reaches
 *   DynamoDB) or let it succeed and then fail (a crash after the write).
 * - `streamEsm`: Lambda's DynamoDB-stream event source mapping, as far as the
 *   guarantees depend on it (checkpoint at the first reported failure, bounded
 *   retries, bisection, on-failure destination). The real mapping's settings
 *   are asserted on the synthesized template in security.test.ts.
 * - `StreamTail` reads the table's real stream, so the publisher is fed the
 *   records Lambda would hand it.
 */
import { ProvisionedThroughputExceededException, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { localDocumentClient, localDynamoClient, localStreamsClient } from '../../cli/dynamo.js';
import { TableStreamReader } from '../../cli/stream.js';
import type { Effect } from '../../shared/domain/types.js';
import { effectsInRecord } from '../../shared/publish/outbox.js';
import type { TestTable } from '../support/dynamo.js';

// ------------------------------------------------------------------ DynamoDB faults

export type Fault = 'throttle' | 'crash-after' | 'none';

export interface DynamoCall {
  readonly index: number;
  /** `GetItem`, `PutItem`, `UpdateItem`, `Query`. */
  readonly operation: string;
  /** The document-client input (not yet marshalled). */
  readonly input: Record<string, unknown>;
}

/** The process died (timeout, OOM) after DynamoDB applied the write: the invocation fails. */
export class InjectedCrashError extends Error {
  public constructor(operation: string) {
    super(`injected crash after ${operation} succeeded`);
    this.name = 'InjectedCrashError';
  }
}

export interface FaultyClient {
  readonly doc: DynamoDBDocumentClient;
  readonly calls: DynamoCall[];
  /** Replace the fault plan (e.g. heal the client before the redelivery). */
  plan(decide: (call: DynamoCall) => Fault): void;
}

/**
 * A document client whose calls pass through `decide`. Installed at the
 * `initialize` step, so it sees the plain input and sits outside the SDK's
 * retry loop: a throttle here is what the store sees once the SDK's own
 * retries are exhausted.
 */
export function faultyDocumentClient(table: TestTable, decide: (call: DynamoCall) => Fault = () => 'none'): FaultyClient {
  const doc = localDocumentClient(table.endpoint);
  const calls: DynamoCall[] = [];
  let current = decide;
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const call: DynamoCall = {
        index: calls.length,
        operation: String(context.commandName ?? '').replace(/Command$/, ''),
        input: args.input as Record<string, unknown>,
      };
      calls.push(call);
      const fault = current(call);
      if (fault === 'throttle') {
        throw new ProvisionedThroughputExceededException({ message: 'injected: rate of requests exceeds the allowed throughput', $metadata: { httpStatusCode: 400 } });
      }
      const out = await next(args);
      if (fault === 'crash-after') throw new InjectedCrashError(call.operation);
      return out;
    },
    { step: 'initialize', name: 'refundGateFaultInjection' },
  );
  return { doc, calls, plan: (d) => (current = d) };
}

export const isWrite = (call: DynamoCall) => call.operation === 'PutItem' || call.operation === 'UpdateItem';

const scanClients = new WeakMap<TestTable, ReturnType<typeof localDynamoClient>>();

/** Every item of the table (DynamoDB Local is small here), sorted by key, for before/after comparisons. */
export async function snapshot(table: TestTable): Promise<Record<string, unknown>[]> {
  const client = scanClients.get(table) ?? localDynamoClient(table.endpoint);
  scanClients.set(table, client);
  const items: Record<string, unknown>[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) items.push(unmarshall(item));
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  return items.sort((a, b) => (`${a['pk']}|${a['sk']}` < `${b['pk']}|${b['sk']}` ? -1 : 1));
}

// ------------------------------------------------------------------ the real stream

/**
 * The table's real DynamoDB stream (DynamoDB Local's Streams API) through
 * cli's `TableStreamReader`, which converts records to the shape
 * Lambda delivers. A new tail starts at TRIM_HORIZON.
 */
export class StreamTail {
  private reader: TableStreamReader | undefined;

  public constructor(private readonly table: TestTable) {}

  /** Every record written since the last call. */
  public async poll(): Promise<DynamoDBRecord[]> {
    if (!this.reader) {
      this.reader = new TableStreamReader(localDynamoClient(this.table.endpoint), localStreamsClient(this.table.endpoint), this.table.tableName);
      await this.reader.open();
    }
    return this.reader.poll();
  }
}

/** A tail at TRIM_HORIZON: its first poll returns everything written so far. */
export function openStream(table: TestTable): StreamTail {
  return new StreamTail(table);
}

/** The outbox effects of stream records, optionally only those of items whose pk starts with `pkPrefix`. */
export function outboxEffects(records: readonly DynamoDBRecord[], pkPrefix = ''): Effect[] {
  return records.filter((r) => (r.dynamodb?.Keys?.['pk']?.S ?? '').startsWith(pkPrefix)).flatMap(effectsInRecord);
}

// ------------------------------------------------------------------ the stream event source mapping

export interface EsmOptions {
  /** @default 100 (the mapping's BatchSize) */
  readonly batchSize?: number;
  /** MaximumRetryAttempts of the mapping. */
  readonly maxRetryAttempts: number;
  /** BisectBatchOnFunctionError. */
  readonly bisect: boolean;
}

/** What an on-failure destination receives for a stream batch: its sequence-number range, never the record itself. */
export interface OnFailureRecord {
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly batchSize: number;
  readonly attempts: number;
}

export interface EsmRun {
  readonly invocations: number;
  readonly onFailure: OnFailureRecord[];
  /** Per invocation: the batch and the response. */
  readonly passes: { batch: DynamoDBRecord[]; response: DynamoDBBatchResponse }[];
}

/**
 * Lambda's stream mapping with ReportBatchItemFailures, modelled from the AWS
 * docs: a batch whose response lists failures is retried from the lowest
 * failed sequence number (the records before it are checkpointed); with
 * bisection the remainder is split in two and each half retried on its own;
 * when a (sub)batch has used up its retries, its range goes to the on-failure
 * destination and the shard moves on.
 */
export async function streamEsm(
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>,
  records: readonly DynamoDBRecord[],
  options: EsmOptions,
): Promise<EsmRun> {
  const onFailure: OnFailureRecord[] = [];
  const passes: EsmRun['passes'] = [];
  const size = options.batchSize ?? 100;
  const work: { batch: DynamoDBRecord[]; retries: number }[] = [];
  for (let i = 0; i < records.length; i += size) work.push({ batch: records.slice(i, i + size), retries: 0 });
  while (work.length > 0) {
    const { batch, retries } = work.shift()!;
    const response = await handler({ Records: batch });
    passes.push({ batch, response });
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    const first = batch.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
    if (first < 0) continue;
    const remainder = batch.slice(first);
    if (retries >= options.maxRetryAttempts) {
      onFailure.push({
        startSequenceNumber: remainder[0]!.dynamodb!.SequenceNumber!,
        endSequenceNumber: remainder.at(-1)!.dynamodb!.SequenceNumber!,
        batchSize: remainder.length,
        attempts: retries + 1,
      });
      continue;
    }
    if (options.bisect && remainder.length > 1) {
      const half = Math.ceil(remainder.length / 2);
      // Splitting a batch does not count against MaximumRetryAttempts.
      work.unshift({ batch: remainder.slice(0, half), retries }, { batch: remainder.slice(half), retries });
    } else {
      work.unshift({ batch: remainder, retries: retries + 1 });
    }
  }
  return { invocations: passes.length, onFailure, passes };
}
