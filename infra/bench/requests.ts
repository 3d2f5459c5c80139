import { performance } from 'node:perf_hooks';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InsiderDetector } from '../../shared/app/insider.js';
import { businessTimeOf, ingest } from '../../shared/app/ingest.js';
import { Pipeline } from '../../shared/app/pipeline.js';
import type { Settings } from '../../shared/contract/config.js';
import type { Effect } from '../../shared/domain/types.js';
import { toOutboundMessage } from '../../shared/publish/messages.js';
import { EmployeeStore } from '../../shared/store/employees.js';
import { RefundGateStore } from '../../shared/store/store.js';
import { createTable, localDynamoClient } from '../local/dynamo.js';
import { DynamoMeter, type Meter } from './meter.js';
import { returnEvents, type ScenarioName } from './scenarios.js';

export interface FunctionUsage {
  invocations: number;
  /** Handler time measured in-process against DynamoDB Local (ms), summed. */
  durationMs: number;
  dynamo: Meter;
}

export interface ScenarioResult {
  readonly scenario: ScenarioName;
  readonly returns: number;
  readonly events: number;
  readonly ingest: FunctionUsage;
  readonly insider: FunctionUsage;
  readonly publisher: { invocations: number; sns: number; eventBridge: number };
  readonly effects: Record<string, number>;
  readonly maxReturnItemBytes: number;
}

/** Combine two meter readings with `sign` = 1 (add) or -1 (subtract). */
function combine(a: Meter, b: Meter, sign: 1 | -1): Meter {
  const ops = new Set([...Object.keys(a.byOperation), ...Object.keys(b.byOperation)]);
  return {
    reads: a.reads + sign * b.reads,
    writes: a.writes + sign * b.writes,
    transactWrites: a.transactWrites + sign * b.transactWrites,
    readUnits: a.readUnits + sign * b.readUnits,
    writeUnits: a.writeUnits + sign * b.writeUnits,
    writeBytes: a.writeBytes + sign * b.writeBytes,
    indexWriteUnits: a.indexWriteUnits + sign * b.indexWriteUnits,
    byOperation: Object.fromEntries([...ops].map((op) => [op, (a.byOperation[op] ?? 0) + sign * (b.byOperation[op] ?? 0)])),
  };
}
const add = (a: Meter, b: Meter) => combine(a, b, 1);
const sub = (a: Meter, b: Meter) => combine(a, b, -1);
const zero = (): Meter => ({ reads: 0, writes: 0, transactWrites: 0, readUnits: 0, writeUnits: 0, writeBytes: 0, indexWriteUnits: 0, byOperation: {} });

/**
 * Run `returns` lifecycles of one scenario through the real pipeline on a
 * fresh DynamoDB Local table and count every DynamoDB request exactly, per
 * function (ingest, insider consumer), plus what the publisher would send.
 */
export async function measureScenario(endpoint: string, settings: Settings, scenario: ScenarioName, returns: number): Promise<ScenarioResult> {
  const client = localDynamoClient(endpoint);
  const tableName = `bench-${scenario}-${Date.now()}`;
  await createTable(client, tableName);
  const meter = new DynamoMeter();
  meter.attach(client);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const employees = new EmployeeStore(doc, tableName);
  const pipeline = new Pipeline({ store: new RefundGateStore(doc, tableName), settings, flags: employees });
  const detector = new InsiderDetector(employees, settings);
  const ingestUsage: FunctionUsage = { invocations: 0, durationMs: 0, dynamo: zero() };
  const insiderUsage: FunctionUsage = { invocations: 0, durationMs: 0, dynamo: zero() };
  const publisher = { invocations: 0, sns: 0, eventBridge: 0 };
  const effects: Record<string, number> = {};
  let events = 0;
  let maxReturnItemBytes = 0;
  const deps = { pipeline, settings, rejected: { reject: async () => {} }, now: businessTimeOf };

  for (let i = 0; i < returns; i++) {
    for (const event of returnEvents(scenario, i)) {
      events += 1;
      const before = meter.snapshot();
      const t = performance.now();
      const result = await ingest(event, deps);
      ingestUsage.durationMs += performance.now() - t;
      ingestUsage.invocations += 1;
      const delta = sub(meter.snapshot(), before);
      ingestUsage.dynamo = add(ingestUsage.dynamo, delta);
      if (result.status !== 'processed' || result.outcome.writes === 0) continue;
      maxReturnItemBytes = Math.max(maxReturnItemBytes, Math.round(delta.writeBytes / Math.max(1, delta.writes)));
      // Every write reaches both stream consumers (Lambda polls the stream for each).
      publisher.invocations += result.outcome.writes;
      insiderUsage.invocations += result.outcome.writes;
      await consume(result.outcome.effects);
    }
  }

  async function consume(decided: readonly Effect[]): Promise<void> {
    for (const effect of decided) {
      effects[effect.type] = (effects[effect.type] ?? 0) + 1;
      const message = toOutboundMessage(effect);
      if (message.channel === 'sns') publisher.sns += 1;
      else publisher.eventBridge += 1;
    }
    const before = meter.snapshot();
    const t = performance.now();
    const alerts = await detector.onEffects(decided);
    insiderUsage.durationMs += performance.now() - t;
    insiderUsage.dynamo = add(insiderUsage.dynamo, sub(meter.snapshot(), before));
    if (alerts.length > 0) {
      // The flag item's write is one more stream record, published by the publisher.
      publisher.invocations += alerts.length;
      publisher.sns += alerts.length;
      effects['EmployeeAnomaly'] = (effects['EmployeeAnomaly'] ?? 0) + alerts.length;
    }
  }

  client.destroy();
  return { scenario, returns, events, ingest: ingestUsage, insider: insiderUsage, publisher, effects, maxReturnItemBytes };
}
