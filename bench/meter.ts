import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';

/**
 * Counts DynamoDB requests exactly, with an SDK middleware on the client the
 * pipeline uses: reads, writes and transactional writes, and the request
 * units they would consume on AWS (on-demand: a write unit per started KB of
 * the item, a read unit per started 4 KB for a strongly consistent read).
 */
export interface Meter {
  readonly reads: number;
  readonly writes: number;
  readonly transactWrites: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly writeBytes: number;
  /**
   * Writes to the sparse due-timers index: one per write that carries a
   * timer, doubled for the later removal the meter cannot see (an upper bound).
   */
  readonly indexWriteUnits: number;
  readonly byOperation: Record<string, number>;
  /** Conditional writes DynamoDB refused: nothing changes, but each is billed one write unit (counted in writeUnits). */
  readonly refused: number;
  /** The largest single item written, in bytes (DynamoDB's size rules). */
  readonly largestItemBytes: number;
}

const READS = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand', 'ScanCommand']);
const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);
const TRANSACT = new Set(['TransactWriteItemsCommand']);

export class DynamoMeter {
  private counts = empty();

  public attach(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        let result;
        try {
          result = await next(args);
        } catch (error) {
          if ((error as Error).name === 'ConditionalCheckFailedException') {
            this.counts.refused += 1;
            this.counts.writeUnits += 1;
          }
          throw error;
        }
        this.record(context.commandName ?? 'unknown', args.input as Record<string, unknown>, result.output as unknown as Record<string, unknown>);
        return result;
      },
      { step: 'initialize', name: 'refundGateBenchMeter', override: true },
    );
  }

  public reset(): void {
    this.counts = empty();
  }

  public snapshot(): Meter {
    return { ...this.counts, byOperation: { ...this.counts.byOperation } };
  }

  private record(command: string, input: Record<string, unknown>, output: Record<string, unknown>): void {
    const c = this.counts;
    c.byOperation[command] = (c.byOperation[command] ?? 0) + 1;
    if (READS.has(command)) {
      c.reads += 1;
      const items = (output['Items'] as Record<string, AttributeValue>[] | undefined) ?? (output['Item'] ? [output['Item'] as Record<string, AttributeValue>] : []);
      const bytes = items.reduce((sum, item) => sum + itemSizeBytes(item), 0);
      const consistent = input['ConsistentRead'] === true;
      c.readUnits += Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
    } else if (WRITES.has(command)) {
      c.writes += 1;
      // PutItem: the item written. UpdateItem: the item after the update (ALL_NEW when returned).
      const item = (input['Item'] as Record<string, AttributeValue> | undefined) ?? (output['Attributes'] as Record<string, AttributeValue> | undefined);
      const bytes = item ? itemSizeBytes(item) : 1024;
      c.writeBytes += bytes;
      c.writeUnits += Math.max(1, Math.ceil(bytes / 1024));
      c.largestItemBytes = Math.max(c.largestItemBytes, bytes);
      if (item && 'dueAt' in item) c.indexWriteUnits += 2;
    } else if (TRANSACT.has(command)) {
      c.transactWrites += 1;
      const items = ((input['TransactItems'] as Array<{ Put?: { Item: Record<string, AttributeValue> } }>) ?? []).map((t) => t.Put?.Item);
      for (const item of items) c.writeUnits += 2 * Math.max(1, Math.ceil((item ? itemSizeBytes(item) : 1024) / 1024));
    }
  }
}

function empty() {
  return { reads: 0, writes: 0, transactWrites: 0, readUnits: 0, writeUnits: 0, writeBytes: 0, indexWriteUnits: 0, refused: 0, largestItemBytes: 0, byOperation: {} as Record<string, number> };
}

/** DynamoDB's item size rules: attribute names plus values (strings UTF-8, numbers ~1 byte per 2 digits + 1). */
export function itemSizeBytes(item: Record<string, AttributeValue> | Record<string, unknown>): number {
  const attrs = isMarshalled(item) ? (item as Record<string, AttributeValue>) : (marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>);
  return Object.entries(attrs).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);
}

function isMarshalled(item: Record<string, unknown>): boolean {
  const first = Object.values(item)[0];
  return typeof first === 'object' && first !== null && Object.keys(first).length === 1 && /^(S|N|M|L|BOOL|NULL|SS|NS|B|BS)$/.test(Object.keys(first)[0]!);
}

function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return Math.ceil(v.N.replace(/^-|\.|e.*$/gi, '').replace(/^0+/, '').length / 2) + 1;
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS) return v.SS.reduce((s, x) => s + Buffer.byteLength(x), 0);
  if (v.NS) return v.NS.reduce((s, x) => s + Math.ceil(x.length / 2) + 1, 0);
  if (v.L) return 3 + v.L.reduce((s, x) => s + 1 + valueSize(x), 0);
  if (v.M) return 3 + Object.entries(v.M).reduce((s, [k, x]) => s + 1 + Buffer.byteLength(k) + valueSize(x), 0);
  return 0;
}

/** Measured at the end of a run: the table's items and the archive's bytes. */
export interface StorageMeasurement {
  /** Bytes per return of every item left in the table (DynamoDB's size rules + 100 bytes of index overhead per item). */
  readonly tableBytesPerReturn: number;
  /** Bytes per closed return of its final item image, gzipped as the archiver writes it. */
  readonly archiveBytesPerReturn: number;
  readonly closedShare: number;
}
