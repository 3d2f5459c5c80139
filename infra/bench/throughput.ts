import { performance } from 'node:perf_hooks';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { businessTimeOf, ingest } from '../../shared/app/ingest.js';
import { Pipeline } from '../../shared/app/pipeline.js';
import type { Settings } from '../../shared/contract/config.js';
import { EmployeeStore } from '../../shared/store/employees.js';
import { RefundGateStore } from '../../shared/store/store.js';
import { createTable, localDynamoClient } from '../local/dynamo.js';
import { returnEvents } from './scenarios.js';

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Events per second through ingest (each return's events in order, returns in parallel). */
async function pipelineRate(endpoint: string, settings: Settings, returns: number, concurrency: number, round: number): Promise<{ events: number; perSecond: number }> {
  const client = localDynamoClient(endpoint);
  const tableName = `bench-tp-${round}-${Date.now()}`;
  await createTable(client, tableName);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const pipeline = new Pipeline({ store: new RefundGateStore(doc, tableName), settings, flags: new EmployeeStore(doc, tableName) });
  const deps = { pipeline, settings, rejected: { reject: async () => {} }, now: businessTimeOf };
  const lifecycles = Array.from({ length: returns }, (_, i) => returnEvents('honest', round * 100_000 + i));
  const events = lifecycles.reduce((n, l) => n + l.length, 0);
  const t = performance.now();
  await pool(lifecycles, concurrency, async (lifecycle) => {
    for (const event of lifecycle) await ingest(event, deps);
  });
  const seconds = (performance.now() - t) / 1000;
  client.destroy();
  return { events, perSecond: events / seconds };
}

/** Single conditional UpdateItem calls per second at the same concurrency: the floor DynamoDB Local sets. */
async function rawRate(endpoint: string, count: number, concurrency: number, round: number): Promise<number> {
  const client = localDynamoClient(endpoint);
  const tableName = `bench-raw-${round}-${Date.now()}`;
  await createTable(client, tableName);
  const ids = Array.from({ length: count }, (_, i) => i);
  const t = performance.now();
  await pool(ids, concurrency, async (i) => {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: `RAW#${i % 500}` }, sk: { S: 'RAW' } },
        UpdateExpression: 'SET version = if_not_exists(version, :zero) + :one',
        ConditionExpression: 'attribute_not_exists(version) OR version >= :zero',
        ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' } },
      }),
    );
  });
  const rate = count / ((performance.now() - t) / 1000);
  client.destroy();
  return rate;
}

export interface ThroughputResult {
  readonly concurrency: number;
  readonly rounds: number;
  readonly pipelineEventsPerSecond: number;
  readonly rawUpdatesPerSecond: number;
  readonly ratio: number;
}

/** Side by side, alternating, median of rounds: the ratio is what the noisy machine cannot distort much. */
export async function measureThroughput(endpoint: string, settings: Settings, opts: { returns: number; concurrency: number; rounds: number }): Promise<ThroughputResult> {
  const pipelineRates: number[] = [];
  const rawRates: number[] = [];
  for (let round = 0; round < opts.rounds; round++) {
    const p = await pipelineRate(endpoint, settings, opts.returns, opts.concurrency, round);
    pipelineRates.push(p.perSecond);
    rawRates.push(await rawRate(endpoint, p.events, opts.concurrency, round));
  }
  const pipelineEventsPerSecond = median(pipelineRates);
  const rawUpdatesPerSecond = median(rawRates);
  return { concurrency: opts.concurrency, rounds: opts.rounds, pipelineEventsPerSecond, rawUpdatesPerSecond, ratio: pipelineEventsPerSecond / rawUpdatesPerSecond };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
