import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  TrimmedDataAccessException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type AttributeValue as StreamAttributeValue,
  type DynamoDBStreamsClient,
  type _Record as StreamRecordOut,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue as LambdaAttributeValue, DynamoDBRecord } from 'aws-lambda';
import { RefundGateError } from '../shared/errors.js';

/** The table has no stream, or the stream cannot be read. */
export class LocalStreamError extends RefundGateError {
  public constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'LocalStreamError';
  }
}

/** Records per GetRecords call (the API's maximum). */
const GET_RECORDS_LIMIT = 1000;

/** The last sequence number read per shard. */
export type StreamCheckpoint = ReadonlyArray<{ readonly shardId: string; readonly sequenceNumber: string }>;

interface ShardCursor {
  readonly shardId: string;
  readonly parentShardId: string | undefined;
  iterator: string | undefined;
  /** Last sequence number handed out, to resume after an expired iterator. */
  lastSequenceNumber: string | undefined;
  closed: boolean;
}

/**
 * Reads the table's real DynamoDB stream (DynamoDB Local's implementation of
 * the Streams API) the way Lambda's event source mapping does: every shard
 * from TRIM_HORIZON, a child shard only after its parent is read to the end,
 * and records converted to the exact `DynamoDBRecord` shape Lambda delivers.
 */
export class TableStreamReader {
  private streamArn: string | undefined;
  private readonly shards = new Map<string, ShardCursor>();

  public constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly streams: DynamoDBStreamsClient,
    private readonly tableName: string,
  ) {}

  /**
   * Find the stream (DescribeTable → LatestStreamArn) and its shards. With a
   * checkpoint (a kept `--db` directory), each shard resumes after the last
   * record handed out before, as an event source mapping resumes.
   */
  public async open(checkpoint: StreamCheckpoint = []): Promise<void> {
    const table = await this.dynamo.send(new DescribeTableCommand({ TableName: this.tableName }));
    this.streamArn = table.Table?.LatestStreamArn;
    if (!this.streamArn) throw new LocalStreamError(`table ${this.tableName} has no stream`);
    await this.refreshShards();
    for (const { shardId, sequenceNumber } of checkpoint) {
      const cursor = this.shards.get(shardId);
      if (cursor) cursor.lastSequenceNumber = sequenceNumber;
    }
  }

  /** Where each shard has been read to, to resume from in a later process. */
  public checkpoint(): StreamCheckpoint {
    return [...this.shards.values()]
      .filter((s) => s.lastSequenceNumber !== undefined)
      .map((s) => ({ shardId: s.shardId, sequenceNumber: s.lastSequenceNumber! }));
  }

  /**
   * Every record written since the last call, in stream order.
   *
   * DynamoDB Local appends a write's stream record before the write returns
   * (checked: a GetRecords right after each PutItem returns exactly that
   * record), so one GetRecords per open shard that comes back short of the
   * limit means the shard is read up to now. In AWS a short or empty
   * GetRecords proves nothing; this shortcut is local-only.
   */
  public async poll(): Promise<DynamoDBRecord[]> {
    const arn = this.requireArn();
    const out: DynamoDBRecord[] = [];
    for (let pass = 0; pass < 1000; pass++) {
      let discovered = false;
      for (const cursor of this.readableShards()) {
        for (;;) {
          const page = await this.getRecords(arn, cursor);
          for (const record of page) out.push(toLambdaRecord(record, arn));
          if (cursor.closed) {
            // A closed shard's children become readable: describe the stream again.
            discovered = true;
            break;
          }
          if (page.length < GET_RECORDS_LIMIT) break;
        }
      }
      if (!discovered) return out;
      await this.refreshShards();
    }
    throw new LocalStreamError('stream shards kept splitting while being read');
  }

  private requireArn(): string {
    if (!this.streamArn) throw new LocalStreamError('stream not opened');
    return this.streamArn;
  }

  /** Open shards whose parent (if we know it) has been read to its end. */
  private readableShards(): ShardCursor[] {
    return [...this.shards.values()].filter((s) => {
      if (s.closed) return false;
      const parent = s.parentShardId ? this.shards.get(s.parentShardId) : undefined;
      return parent === undefined || parent.closed;
    });
  }

  private async refreshShards(): Promise<void> {
    const arn = this.requireArn();
    let start: string | undefined;
    do {
      const out = await this.streams.send(new DescribeStreamCommand({ StreamArn: arn, ExclusiveStartShardId: start }));
      for (const shard of out.StreamDescription?.Shards ?? []) this.track(shard);
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
  }

  private track(shard: Shard): void {
    if (!shard.ShardId || this.shards.has(shard.ShardId)) return;
    this.shards.set(shard.ShardId, {
      shardId: shard.ShardId,
      parentShardId: shard.ParentShardId,
      iterator: undefined,
      lastSequenceNumber: undefined,
      closed: false,
    });
  }

  private async getRecords(arn: string, cursor: ShardCursor): Promise<StreamRecordOut[]> {
    for (let attempt = 0; attempt < 2; attempt++) {
      cursor.iterator ??= await this.iteratorFor(arn, cursor);
      try {
        const out = await this.streams.send(new GetRecordsCommand({ ShardIterator: cursor.iterator, Limit: GET_RECORDS_LIMIT }));
        const records = out.Records ?? [];
        const last = records.at(-1)?.dynamodb?.SequenceNumber;
        if (last) cursor.lastSequenceNumber = last;
        cursor.iterator = out.NextShardIterator;
        // No next iterator: the shard is closed and has been read to its end.
        if (cursor.iterator === undefined) cursor.closed = true;
        return records;
      } catch (error) {
        // Iterators expire (15 minutes in AWS); resume after the last record handed out.
        // DynamoDB Local also answers TrimmedDataAccessException to an iterator taken
        // while the shard was still empty, once a first record arrives (a known
        // DynamoDB Local bug: nothing is trimmed from a local table's stream): a
        // fresh iterator from the same position reads on.
        const stale = error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException;
        if (!stale || attempt > 0) throw error;
        cursor.iterator = undefined;
      }
    }
    return [];
  }

  private async iteratorFor(arn: string, cursor: ShardCursor): Promise<string> {
    const out = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: arn,
        ShardId: cursor.shardId,
        ...(cursor.lastSequenceNumber
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: cursor.lastSequenceNumber }
          : { ShardIteratorType: 'TRIM_HORIZON' as const }),
      }),
    );
    if (!out.ShardIterator) throw new LocalStreamError(`no iterator for shard ${cursor.shardId}`);
    return out.ShardIterator;
  }
}

/**
 * A GetRecords record as Lambda's event source mapping hands it to a function:
 * binary values base64-encoded, the creation time in epoch seconds, and the
 * event source ARN added.
 */
export function toLambdaRecord(record: StreamRecordOut, streamArn: string): DynamoDBRecord {
  const ddb = record.dynamodb;
  const created = ddb?.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource ?? 'aws:dynamodb',
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(created !== undefined ? { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) } : {}),
      ...(ddb?.Keys ? { Keys: toLambdaImage(ddb.Keys) } : {}),
      ...(ddb?.NewImage ? { NewImage: toLambdaImage(ddb.NewImage) } : {}),
      ...(ddb?.OldImage ? { OldImage: toLambdaImage(ddb.OldImage) } : {}),
      SequenceNumber: ddb?.SequenceNumber,
      SizeBytes: ddb?.SizeBytes,
      StreamViewType: ddb?.StreamViewType,
    },
    ...(record.userIdentity ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } } : {}),
  };
}

function toLambdaImage(image: Record<string, StreamAttributeValue>): Record<string, LambdaAttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toLambdaValue(v)]));
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

function toLambdaValue(value: StreamAttributeValue): LambdaAttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  // The Streams client deserialises an empty map ({"M":{}} on the wire) to `{}`;
  // nothing else comes back without a type key.
  if (Object.keys(value).length === 0) return { M: {} };
  throw new LocalStreamError(`unknown attribute value type: ${Object.keys(value).join(',')}`);
}

/** Call `onRead` on every GetRecords the client sends: the stream-read counter of the bench and the tests. */
export function onStreamRead(client: DynamoDBStreamsClient, onRead: () => void): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetRecordsCommand') onRead();
      return next(args);
    },
    { step: 'initialize', name: 'refundGateStreamReadCounter' },
  );
}
