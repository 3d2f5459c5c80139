/*
 * Publisher faults: SNS and EventBridge throttling, 5xx and refused entries,
 * and a poison record, against the real stream records of real writes in
 * DynamoDB Local. AWS is replaced by aws-sdk-client-mock; the stream event
 * source mapping by `streamEsm` (support.ts).
 */
import { EventBridgeClient, InternalException, PutEventsCommand, ThrottlingException, type PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { InternalErrorException, InvalidParameterException, KMSThrottlingException, PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPublisherHandler } from '../../functions/publisher/app.js';
import { STREAM_CONSUMER } from '../../infra/refund-gate.js';
import { effectsInRecord } from '../../shared/publish/outbox.js';
import { AwsOutboundSink } from '../../shared/publish/sinks.js';
import { freshTable, type TestTable } from '../support/dynamo.js';
import { lambdaContext, quietTelemetry } from '../support/lambda.js';
import { harness } from '../support/runtime.js';
import { mixedStories } from './stories.js';
import { openStream, streamEsm } from './support.js';

const sns = mockClient(SNSClient);
const eventBridge = mockClient(EventBridgeClient);
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:refund-gate-reviews';

type Channel = 'sns' | 'eventbridge';
/** What one publish call does: succeed, throw, or (EventBridge) come back with a refused entry. */
type Outcome = 'ok' | Error | { refused: string };

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });
const FAULTS: Record<string, { channel: Channel; make: () => Exclude<Outcome, 'ok'> }> = {
  'SNS ThrottledException (429)': { channel: 'sns', make: () => new ThrottledException({ message: 'Rate exceeded', ...meta(429) }) },
  'SNS KMSThrottlingException': { channel: 'sns', make: () => new KMSThrottlingException({ message: 'KMS rate exceeded', ...meta(400) }) },
  'SNS InternalErrorException (500)': { channel: 'sns', make: () => new InternalErrorException({ message: 'internal', ...meta(500) }) },
  'EventBridge ThrottlingException': { channel: 'eventbridge', make: () => new ThrottlingException({ message: 'Rate exceeded', ...meta(400) }) },
  'EventBridge InternalException (500)': { channel: 'eventbridge', make: () => new InternalException({ message: 'internal', ...meta(500) }) },
  'EventBridge refused entry (ThrottlingException)': { channel: 'eventbridge', make: () => ({ refused: 'ThrottlingException' }) },
  'EventBridge refused entry (InternalFailure)': { channel: 'eventbridge', make: () => ({ refused: 'InternalFailure' }) },
};

/** The transport as seen from AWS: every delivered message, by the invocation it was sent in. */
class Transport {
  public readonly delivered: { channel: Channel; effectId: string; invocation: number }[] = [];
  public invocation = 0;
  private readonly attempts = new Map<string, number>();

  public constructor(private readonly decide: (channel: Channel, effectId: string, attempt: number) => Outcome = () => 'ok') {
    sns.reset();
    eventBridge.reset();
    sns.on(PublishCommand).callsFake(async (input: { MessageAttributes?: Record<string, { StringValue?: string }> }) => {
      const effectId = input.MessageAttributes?.['effectId']?.StringValue ?? '';
      const outcome = this.next('sns', effectId);
      if (outcome !== 'ok') throw outcome instanceof Error ? outcome : new Error('unexpected');
      this.delivered.push({ channel: 'sns', effectId, invocation: this.invocation });
      return { MessageId: `m-${this.delivered.length}` };
    });
    eventBridge.on(PutEventsCommand).callsFake(async (input: { Entries?: { Detail?: string }[] }): Promise<Partial<PutEventsCommandOutput>> => {
      const effectId = String(JSON.parse(input.Entries?.[0]?.Detail ?? '{}').effectId);
      const outcome = this.next('eventbridge', effectId);
      if (outcome instanceof Error) throw outcome;
      if (outcome !== 'ok') return { FailedEntryCount: 1, Entries: [{ ErrorCode: outcome.refused, ErrorMessage: 'refused' }] };
      this.delivered.push({ channel: 'eventbridge', effectId, invocation: this.invocation });
      return { FailedEntryCount: 0, Entries: [{ EventId: `e-${this.delivered.length}` }] };
    });
  }

  private next(channel: Channel, effectId: string): Outcome {
    const attempt = (this.attempts.get(effectId) ?? 0) + 1;
    this.attempts.set(effectId, attempt);
    return this.decide(channel, effectId, attempt);
  }

  public deliveredIds(): string[] {
    return this.delivered.map((d) => d.effectId).sort();
  }
}

function publisher(transport: Transport) {
  const handle = createPublisherHandler({
    ...quietTelemetry(),
    sink: new AwsOutboundSink({
      sns: new SNSClient({ region: 'us-east-1' }),
      eventBridge: new EventBridgeClient({ region: 'us-east-1' }),
      reviewTopicArn: TOPIC,
      eventBusName: 'orders',
    }),
  });
  return async (event: DynamoDBStreamEvent) => {
    transport.invocation += 1;
    return handle(event, lambdaContext('publisher'));
  };
}

const DEPLOYED_MAPPING = { batchSize: STREAM_CONSUMER.batchSize, maxRetryAttempts: STREAM_CONSUMER.retryAttempts, bisect: STREAM_CONSUMER.bisectBatchOnError };

const idsOf = (records: readonly DynamoDBRecord[]) => records.flatMap((r) => effectsInRecord(r).map((e) => e.effectId));

let table: TestTable;
let records: DynamoDBRecord[];
let expected: string[];

beforeAll(async () => {
  table = await freshTable('pubfault');
  const h = harness(table);
  for (const e of mixedStories('r-pub')) expect((await h.send(e)).status).toBe('processed');
  records = await openStream(table).poll();
  expected = idsOf(records).sort();
});
afterAll(async () => {
  await table.drop();
});

describe('publisher under SNS and EventBridge faults (real stream records)', () => {
  beforeEach(() => {
    sns.reset();
    eventBridge.reset();
  });

  it('the fixture stream carries every outbound effect type, each effectId in exactly one record', () => {
    const types = records.flatMap(effectsInRecord).map((e) => e.type);
    expect(new Set(types)).toEqual(new Set(['RefundReleased', 'RefundDenied', 'ReviewRaised', 'ReviewCleared']));
    expect(new Set(expected).size).toBe(expected.length);
    expect(records.length).toBeGreaterThan(10);
  });

  it('publishes each effect exactly once when nothing fails', async () => {
    const transport = new Transport();
    const run = await streamEsm(publisher(transport), records, DEPLOYED_MAPPING);
    expect(run.invocations).toBe(1);
    expect(transport.deliveredIds()).toEqual(expected);
  });

  it.each(Object.keys(FAULTS))('%s on the first two attempts of every message: retried, nothing lost, no effectId twice in one pass', async (name) => {
    // Prepare: every message on the faulty channel fails twice, then goes through.
    const fault = FAULTS[name]!;
    const transport = new Transport((channel, _id, attempt) => (channel === fault.channel && attempt <= 2 ? fault.make() : 'ok'));
    // Act
    const run = await streamEsm(publisher(transport), records, DEPLOYED_MAPPING);
    // Assess: nothing lost, nothing parked in the on-failure destination.
    expect(run.onFailure).toEqual([]);
    expect(new Set(transport.deliveredIds())).toEqual(new Set(expected));
    expect(run.passes.some((p) => p.response.batchItemFailures.length > 0)).toBe(true);
    for (let i = 1; i <= run.invocations; i++) {
      const inPass = transport.delivered.filter((d) => d.invocation === i).map((d) => d.effectId);
      expect(new Set(inPass).size).toBe(inPass.length);
    }
    // The last pass succeeded, and what it published it published once.
    expect(run.passes.at(-1)!.response.batchItemFailures).toEqual([]);
  });

  it('property: for any finite fault schedule every effect is published, duplicates only from retried records', async () => {
    const faultNames = Object.keys(FAULTS);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(fc.constantFrom(...faultNames), { nil: undefined, freq: 2 }), { maxLength: 40 }), async (schedule) => {
        // The n-th publish call (either channel) fails as scheduled; calls past the schedule succeed.
        let call = 0;
        const transport = new Transport((channel) => {
          const name = schedule[call++];
          const fault = name === undefined ? undefined : FAULTS[name];
          return fault && fault.channel === channel ? fault.make() : 'ok';
        });
        // More retries than the schedule has faults, so none is exhausted here (exhaustion: the poison tests).
        const run = await streamEsm(publisher(transport), records, { ...DEPLOYED_MAPPING, maxRetryAttempts: 50 });
        expect(run.onFailure).toEqual([]);
        expect(new Set(transport.deliveredIds())).toEqual(new Set(expected));
        // An effect goes out more than once only if its record was handed to the publisher more than once.
        const handedOut = new Map<string, number>();
        for (const pass of run.passes) for (const id of idsOf(pass.batch)) handedOut.set(id, (handedOut.get(id) ?? 0) + 1);
        for (const id of expected) {
          const times = transport.delivered.filter((d) => d.effectId === id).length;
          expect(times).toBeGreaterThanOrEqual(1);
          expect(times).toBeLessThanOrEqual(handedOut.get(id)!);
        }
        for (let i = 1; i <= run.invocations; i++) {
          const inPass = transport.delivered.filter((d) => d.invocation === i).map((d) => d.effectId);
          expect(new Set(inPass).size).toBe(inPass.length);
        }
      }),
      { seed: 20261102, numRuns: 40 },
    );
  });

  describe('a poison record (its publish always fails)', () => {
    const poisonOf = () => {
      const index = records.findIndex((r) => {
        const effects = effectsInRecord(r);
        return effects.length === 1 && effects[0]!.type === 'ReviewRaised';
      });
      expect(index).toBeGreaterThan(0);
      expect(index).toBeLessThan(records.length - 1);
      return { index, record: records[index]!, effectId: effectsInRecord(records[index]!)[0]!.effectId };
    };

    it('is the only batch item failure; every other record of the batch is published once', async () => {
      // Prepare: SNS refuses this one message for good (e.g. a KMS key policy that denies it).
      const poison = poisonOf();
      const transport = new Transport((_c, id) => (id === poison.effectId ? new InvalidParameterException({ message: 'refused', ...meta(400) }) : 'ok'));
      // Act: one invocation with the whole batch.
      const response = await publisher(transport)({ Records: records });
      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: poison.record.dynamodb!.SequenceNumber }]);
      expect(transport.deliveredIds()).toEqual(expected.filter((id) => id !== poison.effectId));
      expect(sns).toHaveReceivedCommandWith(PublishCommand, { MessageAttributes: expect.objectContaining({ effectId: { DataType: 'String', StringValue: poison.effectId } }) });
    });

    it('ends in the on-failure destination after the retries; everything else is published', async () => {
      const poison = poisonOf();
      const transport = new Transport((_c, id) => (id === poison.effectId ? new InternalErrorException({ message: 'always', ...meta(500) }) : 'ok'));
      // The deployed mapping's settings (infra/refund-gate.ts, asserted on the template in security-template.test.ts).
      const run = await streamEsm(publisher(transport), records, DEPLOYED_MAPPING);
      const seq = poison.record.dynamodb!.SequenceNumber!;
      expect(run.onFailure).toEqual([{ startSequenceNumber: seq, endSequenceNumber: seq, batchSize: 1, attempts: STREAM_CONSUMER.retryAttempts + 1 }]);
      expect(new Set(transport.deliveredIds())).toEqual(new Set(expected.filter((id) => id !== poison.effectId)));
    });
  });
});
