/*
 * Inbound faults, injected with SDK middleware on a real document client
 * against DynamoDB Local: DynamoDB throttling at every call of a story, a
 * crash after every write of a story, and 50 concurrent deliveries for one
 * return and for one employee. Lambda's retry is modelled by redelivering
 * the same event to the same middy handler.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../functions/ingest/app.js';
import { createInsiderHandler } from '../../functions/insider/app.js';
import { createPublisherHandler } from '../../functions/publisher/app.js';
import { businessTimeOf } from '../../shared/app/ingest.js';
import { InsiderDetector } from '../../shared/app/insider.js';
import { Pipeline } from '../../shared/app/pipeline.js';
import type { Observer } from '../../shared/app/ports.js';
import { SqsRejectedSink } from '../../shared/app/rejected-queue.js';
import { resolveSettings } from '../../shared/contract/config.js';
import type { Effect, ReturnState } from '../../shared/domain/types.js';
import { effectsInRecord } from '../../shared/publish/outbox.js';
import { AwsOutboundSink } from '../../shared/publish/sinks.js';
import { EmployeeStore } from '../../shared/store/employees.js';
import { TooManyConflictsError } from '../../shared/app/errors.js';
import { StoreThrottledError, StoreUnavailableError } from '../../shared/store/errors.js';
import { employeeFlagKey, returnPk } from '../../shared/store/keys.js';
import { RefundGateStore, returnKey } from '../../shared/store/store.js';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { freshTable, type TestTable } from '../support/dynamo.js';
import { envelope, honestReturn, T } from '../support/envelopes.js';
import { lambdaContext, quietTelemetry } from '../support/lambda.js';
import { phantomReturn } from './stories.js';
import { faultyDocumentClient, InjectedCrashError, isWrite, openStream, outboxEffects, snapshot, StreamTail, streamEsm, type DynamoCall } from './support.js';
import { stateOfItem } from '../../shared/store/item-codec.js';

const sqs = mockClient(SQSClient);
const sns = mockClient(SNSClient);
const eventBridge = mockClient(EventBridgeClient);
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/refund-gate-rejected';

let table: TestTable;
let stream: StreamTail;
beforeAll(async () => {
  table = await freshTable('ingfault');
  stream = openStream(table);
});
afterAll(async () => {
  await table.drop();
});
beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
});

const settings = resolveSettings({});

/** The production ingest handler (middy, Powertools) on a given document client. */
function ingestHandler(doc: DynamoDBDocumentClient, observer?: Observer) {
  const handler = createIngestHandler({
    ...quietTelemetry(),
    settings,
    pipeline: new Pipeline({ store: new RefundGateStore(doc, table.tableName), settings, flags: new EmployeeStore(doc, table.tableName), observer }),
    rejected: new SqsRejectedSink(new SQSClient({ region: 'us-east-1' }), QUEUE),
    now: (e) => businessTimeOf(e),
  });
  return (event: unknown) => handler(event, lambdaContext('ingest'));
}

/** A full honest story, with an IN_TRANSIT scan that touches only the parcel item. */
function story(returnId: string) {
  const s = honestReturn(returnId);
  return [s.authorized, s.inTransit, s.delivered, s.receipt, s.refund];
}

const stateOf = async (returnId: string) =>
  (await table.doc.send(new GetCommand({ TableName: table.tableName, Key: returnKey(returnId), ConsistentRead: true }))).Item;

/** The state with the return's own ids replaced, so stories of different returns compare. */
const normalized = (item: Record<string, unknown> | undefined, returnId: string): ReturnState => {
  expect(stateOfItem(item)).not.toBeNull();
  const state = JSON.parse(JSON.stringify(stateOfItem(item)).replaceAll(returnId, 'ID')) as ReturnState;
  return state;
};
const effectShape = (effects: Effect[], returnId: string) =>
  effects.map((e) => JSON.parse(JSON.stringify(e).replaceAll(returnId, 'ID')) as Effect);

/** Records of this return's item among those the stream handed out since the last poll. */
const recordsOf = (records: DynamoDBRecord[], returnId: string) => records.filter((r) => r.dynamodb?.Keys?.['pk']?.S === returnPk(returnId));

interface Baseline {
  readonly calls: DynamoCall[];
  /** Writes of the return item per event of the story. */
  readonly returnWrites: number[];
  readonly state: ReturnState;
  readonly effects: Effect[];
}
let baseline: Baseline;

const returnWritesIn = (calls: DynamoCall[], returnId: string) =>
  calls.filter((c) => c.operation === 'PutItem' && (c.input['Item'] as Record<string, unknown>)['pk'] === returnPk(returnId)).length;

describe('DynamoDB faults on the inbound path (ingest handler, DynamoDB Local)', () => {
  beforeAll(async () => {
    await stream.poll();
    const client = faultyDocumentClient(table);
    const handle = ingestHandler(client.doc);
    const returnWrites: number[] = [];
    for (const e of story('r-base')) {
      const before = client.calls.length;
      expect(await handle(e)).toBe('processed');
      returnWrites.push(returnWritesIn(client.calls.slice(before), 'r-base'));
    }
    const records = recordsOf(await stream.poll(), 'r-base');
    baseline = { calls: [...client.calls], returnWrites, state: normalized(await stateOf('r-base'), 'r-base'), effects: effectShape(outboxEffects(records), 'r-base') };
    expect(baseline.state.status).toBe('RELEASED');
    expect(baseline.effects.map((e) => e.type)).toEqual(['RefundReleased']);
    // Reads and writes of every kind are on the path (the exact list is the store's business;
    // v1.2: the receipt's employee-flag lookup is one Query over the R7 and self-review flags).
    expect(new Set(baseline.calls.map((c) => c.operation))).toEqual(new Set(['GetItem', 'Query', 'UpdateItem', 'PutItem']));
  });

  it('throttling at each DynamoDB call of a story, one at a time: the handler throws StoreThrottledError (Lambda retries), nothing goes to the DLQ, the retry gives the same outcome', async () => {
    expect(baseline.calls.length).toBeGreaterThanOrEqual(12);
    for (let k = 0; k < baseline.calls.length; k++) {
      // Prepare: call k is throttled once (the SDK's own retries already used up).
      const returnId = `r-throttle-${k}`;
      await stream.poll();
      const client = faultyDocumentClient(table, (call) => (call.index === k ? 'throttle' : 'none'));
      const handle = ingestHandler(client.doc);
      const failures: unknown[] = [];
      // Act: deliver each event; a thrown invocation is retried by the platform.
      for (const event of story(returnId)) {
        const first = await handle(event).then(
          (status) => ({ status }),
          (error: unknown) => ({ error }),
        );
        if ('error' in first) {
          failures.push(first.error);
          expect(await handle(event), `retry after throttled call #${k}`).toBe('processed');
        } else {
          expect(first.status).toBe('processed');
        }
      }
      // Assess
      expect(failures, `throttled call #${k} (${baseline.calls[k]!.operation})`).toHaveLength(1);
      expect(failures[0]).toBeInstanceOf(StoreThrottledError);
      expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
      expect(normalized(await stateOf(returnId), returnId), `state after throttled call #${k}`).toEqual(baseline.state);
      expect(effectShape(outboxEffects(recordsOf(await stream.poll(), returnId)), returnId), `effects after throttled call #${k}`).toEqual(baseline.effects);
    }
  });

  it('throttling on every call: every attempt throws StoreThrottledError, nothing is written or dead-lettered; once healed the event is applied', async () => {
    const client = faultyDocumentClient(table, () => 'throttle');
    const handle = ingestHandler(client.doc);
    const [authorized] = story('r-throttle-always');
    const before = await snapshot(table);
    for (let attempt = 0; attempt < 3; attempt++) await expect(handle(authorized)).rejects.toBeInstanceOf(StoreThrottledError);
    expect(await snapshot(table)).toEqual(before);
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
    client.plan(() => 'none');
    expect(await handle(authorized)).toBe('processed');
    expect(normalized(await stateOf('r-throttle-always'), 'r-throttle-always').status).toBe('AUTHORIZED');
  });

  it('crash after each write of a story, one at a time: the invocation fails, the redelivery completes or is a no-op, every effect is in the stream once', async () => {
    const writesInStory = baseline.calls.filter(isWrite).length;
    expect(writesInStory).toBeGreaterThanOrEqual(7);
    for (let k = 0; k < writesInStory; k++) {
      // Prepare: the k-th write reaches DynamoDB, then the function dies before returning.
      const returnId = `r-crash-${k}`;
      await stream.poll();
      let writes = 0;
      let crashed: DynamoCall | undefined;
      const client = faultyDocumentClient(table, (call) => {
        if (!isWrite(call) || writes++ !== k) return 'none';
        crashed = call;
        return 'crash-after';
      });
      const handle = ingestHandler(client.doc);
      // Act
      for (const [i, event] of story(returnId).entries()) {
        const start = client.calls.length;
        const first = await handle(event).then(
          () => null,
          (error: unknown) => error,
        );
        if (first === null) continue;
        expect(first).toBeInstanceOf(StoreUnavailableError);
        expect((first as Error).cause).toBeInstanceOf(InjectedCrashError);
        const crashedReturnWrite = (crashed!.input['Item'] as Record<string, unknown> | undefined)?.['pk'] === returnPk(returnId);
        const itemBefore = await stateOf(returnId);
        const recordsBefore = recordsOf(await stream.poll(), returnId);
        // The redelivery, with a healthy client.
        client.plan(() => 'none');
        expect(await handle(event)).toBe('processed');
        // The return item is written as often as without the crash: the decision is not taken twice.
        expect(returnWritesIn(client.calls.slice(start), returnId), `return writes around crash #${k}`).toBe(baseline.returnWrites[i]);
        const recordsAfter = recordsOf(await stream.poll(), returnId);
        if (crashedReturnWrite) {
          // The state write had landed: the redelivery writes nothing (same item, same version, no stream record).
          expect(await stateOf(returnId)).toEqual(itemBefore);
          expect(recordsAfter).toEqual([]);
          // …and the crashed write's own stream record still carries its effects to the publisher.
          expect(recordsBefore.length).toBeGreaterThan(0);
        }
      }
      // Assess: same end state and the same effects, each decided once.
      expect(crashed).toBeDefined();
      expect(normalized(await stateOf(returnId), returnId)).toEqual(baseline.state);
      const all = outboxEffects(
        (await new StreamTail(table).poll()).filter((r) => r.dynamodb?.Keys?.['pk']?.S === returnPk(returnId)),
      );
      expect(effectShape(all, returnId)).toEqual(baseline.effects);
      expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
    }
  });

  it('crash between the two return writes of one DELIVERED scan: the redelivery finishes the second return without repeating the first', async () => {
    // Prepare: one customer's two returns share a parcel (one box; v1.2: two customers' would be a shared parcel); the scan fans out to both.
    const a = honestReturn('r-fan-a', { tracking: 'FAN-1', customerId: 'c-fan' });
    const b = honestReturn('r-fan-b', { tracking: 'FAN-1', customerId: 'c-fan' });
    const healthy = ingestHandler(table.doc);
    for (const e of [a.authorized, b.authorized, a.receipt, b.receipt, a.refund, b.refund]) expect(await healthy(e)).toBe('processed');
    const scan = envelope('CarrierScan', { ...a.delivered.detail, scanId: 's-fan' });
    const client = faultyDocumentClient(table, (call) => (call.operation === 'PutItem' && (call.input['Item'] as Record<string, unknown>)['pk'] === returnPk('r-fan-a') ? 'crash-after' : 'none'));
    const handle = ingestHandler(client.doc);
    // Act
    await expect(handle(scan)).rejects.toBeInstanceOf(StoreUnavailableError);
    const aAfterCrash = await stateOf('r-fan-a');
    client.plan(() => 'none');
    expect(await handle(scan)).toBe('processed');
    // Assess: a was released by the first attempt and untouched by the redelivery; b released by the redelivery.
    expect(await stateOf('r-fan-a')).toEqual(aAfterCrash);
    expect(stateOfItem(aAfterCrash)?.status).toBe('RELEASED');
    expect(stateOfItem(await stateOf('r-fan-b'))?.status).toBe('RELEASED');
    const releases = outboxEffects(await new StreamTail(table).poll(), 'RETURN#r-fan-').filter((e) => e.type === 'RefundReleased');
    expect(releases.map((e) => e.returnId).sort()).toEqual(['r-fan-a', 'r-fan-b']);
  });
});

describe('faults around the inbound path: the DLQ and the insider consumer', () => {
  it('the rejected-event queue throttles: the handler throws (Lambda retries) instead of dropping the bad event; the retry dead-letters it', async () => {
    const handle = ingestHandler(table.doc);
    const bad = { ...honestReturn('r-dlq-throttle').refund, detail: { refundId: 'rf-x', returnId: 'r-dlq-throttle', amount: { amount: -1, currency: 'USD' }, requestedAt: T('10:30') } };
    sqs.reset();
    sqs.on(SendMessageCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'RequestThrottled', $metadata: { httpStatusCode: 403 } }))
      .resolves({ MessageId: 'dlq-2' });
    await expect(handle(bad)).rejects.toMatchObject({ name: 'RequestThrottled' });
    expect(await handle(bad)).toBe('rejected');
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 2);
    expect(sqs.commandCalls(SendMessageCommand)[1]!.args[0].input.MessageAttributes?.['field']?.StringValue).toBe('detail.amount.amount');
  });

  it.each(['throttle', 'crash-after'] as const)('insider consumer, %s on the flag write: the record is a batch item failure, the retry leaves exactly one alert', async (fault) => {
    // Prepare: three phantom receipts by one employee; their stream records.
    const handle = ingestHandler(table.doc);
    const employeeId = `emp-flagfault-${fault}`;
    const stories = [0, 1, 2].map((i) => phantomReturn(`r-flagfault-${fault}-${i}`, employeeId, new Date(Date.UTC(2026, 10, 2, 9, i)).toISOString()));
    for (const st of stories) expect(await handle(st.authorized)).toBe('processed');
    await stream.poll();
    for (const st of stories) expect(await handle(st.receipt)).toBe('processed');
    const receiptRecords = (await stream.poll()).filter((r) => r.dynamodb?.Keys?.['pk']?.S?.startsWith(`RETURN#r-flagfault-${fault}-`));
    expect(receiptRecords.flatMap(effectsInRecord).map((e) => e.type === 'ReviewRaised' && e.reason)).toEqual(Array(3).fill('RECEIPT_WITHOUT_INBOUND_SCAN'));
    let injected = 0;
    const client = faultyDocumentClient(table, (call) => {
      const item = call.input['Item'] as Record<string, unknown> | undefined;
      const flag = employeeFlagKey(employeeId);
      if (call.operation !== 'PutItem' || item?.['pk'] !== flag.pk || item?.['sk'] !== flag.sk || injected > 0) return 'none';
      injected += 1;
      return fault;
    });
    const insider = createInsiderHandler({ ...quietTelemetry(), detector: new InsiderDetector(new EmployeeStore(client.doc, table.tableName), settings) });
    // Act: the stream mapping retries from the failed record.
    const run = await streamEsm((event) => insider(event, lambdaContext('insider')), receiptRecords, { maxRetryAttempts: 3, bisect: true });
    // Assess
    expect(injected).toBe(1);
    expect(run.passes[0]!.response.batchItemFailures).toEqual([{ itemIdentifier: receiptRecords[2]!.dynamodb!.SequenceNumber }]);
    expect(run.onFailure).toEqual([]);
    const flagRecords = (await stream.poll()).filter((r) => r.dynamodb?.Keys?.['pk']?.S === employeeFlagKey(employeeId).pk && r.dynamodb?.Keys?.['sk']?.S === employeeFlagKey(employeeId).sk);
    expect(flagRecords.flatMap(effectsInRecord).map((e) => e.type === 'ReviewRaised' && e.reason)).toEqual(['EMPLOYEE_RECEIPT_ANOMALY']);
  });
});

describe('50 concurrent deliveries', () => {
  it('for one return: no lost update, exactly one release', async () => {
    // Prepare: the story four times over plus 30 more receipts of the same parcel, all in flight at once.
    const returnId = 'r-stampede';
    const s = honestReturn(returnId);
    const extra = Array.from({ length: 30 }, (_, i) =>
      envelope('WarehouseReceipt', { ...s.receipt.detail, receiptId: `rc-extra-${i}`, employeeId: `emp-${i}`, receivedAt: T('10:10') }),
    );
    const deliveries = [...Array.from({ length: 4 }, () => [s.authorized, s.inTransit, s.delivered, s.receipt, s.refund]).flat(), ...extra];
    expect(deliveries).toHaveLength(50);
    let conflicts = 0;
    const handle = ingestHandler(table.doc, { duplicate: () => {}, conflictRetry: () => void conflicts++ });
    await stream.poll();
    // Act: all 50 at once. An invocation that threw is delivered again once the previous wave has
    // settled (Lambda's async retry comes about a minute later; past its 2 retries the on-failure
    // destination holds the event for a redrive, modelled here as further waves).
    // Measured: ~20-25 of 50 exhaust the pipeline's 8 conflict retries in wave 1, ~8-10 in wave 2, and
    // in about 1 run of 6 some still fail in wave 3, i.e. would need the redrive (see the report).
    let pending = deliveries;
    const waves: number[] = [];
    for (let wave = 1; wave <= 8 && pending.length > 0; wave++) {
      waves.push(pending.length);
      const results = await Promise.all(pending.map((event) => handle(event).then(() => null, (error: unknown) => ({ event, error }))));
      const failed = results.filter((r) => r !== null);
      for (const f of failed) expect(f.error).toBeInstanceOf(TooManyConflictsError);
      pending = failed.map((f) => f.event);
    }
    const outcomes = pending.map(() => ({ status: 'never applied' }));
    // Assess
    expect(conflicts).toBeGreaterThan(0); // the race really happened
    expect(outcomes).toEqual([]);
    expect(waves[0]).toBe(50);
    const item = await stateOf(returnId);
    const state = stateOfItem(item)!;
    expect(state.receipts.map((r) => r.receiptId).sort()).toEqual([`rc-${returnId}`, ...extra.map((e) => String(e.detail['receiptId']))].sort());
    // The authorization, the refund request, the DELIVERED scan and 31 receipts, each recorded once.
    expect([state.authorization !== null, state.refunds.length, state.scans.length, state.receipts.length]).toEqual([true, 1, 1, 31]);
    const records = recordsOf(await stream.poll(), returnId);
    expect(records).toHaveLength(Number(item?.['version']));
    const effects = outboxEffects(records);
    expect(effects.filter((e) => e.type === 'RefundReleased')).toHaveLength(1);
    expect(state.status).toBe('RELEASED');
  });

  it('for one employee: 50 concurrent phantom receipts, insider consumers on concurrent batches, redelivered: exactly one anomaly alert, published once', async () => {
    // Prepare
    const employees = new EmployeeStore(table.doc, table.tableName);
    const handle = ingestHandler(table.doc);
    const stories = Array.from({ length: 50 }, (_, i) => phantomReturn(`r-insider-${i}`, 'emp-insider', new Date(Date.UTC(2026, 10, 2, 9, i)).toISOString()));
    await Promise.all(stories.map(async (st) => expect(await handle(st.authorized)).toBe('processed')));
    await stream.poll();
    const receiptOutcomes = await Promise.all(stories.map((st) => handle(st.receipt)));
    expect(receiptOutcomes.every((o) => o === 'processed')).toBe(true);
    const returnRecords = (await stream.poll()).filter((r) => r.dynamodb?.Keys?.['pk']?.S?.startsWith('RETURN#r-insider-'));
    expect(returnRecords).toHaveLength(50);
    // Act: five concurrent batches (parallel shards), then every batch again (a redelivery).
    const insider = createInsiderHandler({ ...quietTelemetry(), detector: new InsiderDetector(employees, settings) });
    const batches = Array.from({ length: 5 }, (_, i) => returnRecords.slice(i * 10, i * 10 + 10));
    const responses = await Promise.all([...batches, ...batches].map((Records) => insider({ Records }, lambdaContext('insider'))));
    // Assess: the FLAG item was written once, with one alert in its outbox.
    expect(responses.every((r) => r.batchItemFailures.length === 0)).toBe(true);
    const flagRecords = (await stream.poll()).filter((r) => r.dynamodb?.Keys?.['pk']?.S === employeeFlagKey('emp-insider').pk && r.dynamodb?.Keys?.['sk']?.S === employeeFlagKey('emp-insider').sk);
    const alerts = flagRecords.flatMap(effectsInRecord);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ type: 'ReviewRaised', reason: 'EMPLOYEE_RECEIPT_ANOMALY', severity: 'HIGH', employeeId: 'emp-insider' });
    // …and the publisher sends it once to SNS.
    sns.reset();
    eventBridge.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    const publisher = createPublisherHandler({
      ...quietTelemetry(),
      sink: new AwsOutboundSink({ sns: new SNSClient({ region: 'us-east-1' }), eventBridge: new EventBridgeClient({ region: 'us-east-1' }), reviewTopicArn: 'arn:aws:sns:us-east-1:123456789012:reviews', eventBusName: 'orders' }),
    });
    expect((await publisher({ Records: flagRecords }, lambdaContext('publisher'))).batchItemFailures).toEqual([]);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      MessageAttributes: expect.objectContaining({ reason: { DataType: 'String', StringValue: 'EMPLOYEE_RECEIPT_ANOMALY' } }),
    });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });
});
