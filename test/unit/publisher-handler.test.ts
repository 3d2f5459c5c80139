import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPublisherHandler } from '../../functions/publisher/app.js';
import type { Effect, ReturnState } from '../../shared/domain/types.js';
import { packBody } from '../../shared/store/item-codec.js';
import { AwsOutboundSink } from '../../shared/publish/sinks.js';
import { lambdaContext, quietTelemetry } from '../support/lambda.js';

const sns = mockClient(SNSClient);
const eventBridge = mockClient(EventBridgeClient);
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:refund-gate-reviews';

const released: Effect = {
  type: 'RefundReleased',
  effectId: 'refund/r-1/rf-1#released',
  returnId: 'r-1',
  refundId: 'rf-1',
  amount: { amount: 12999, currency: 'USD' },
  releasedAt: '2026-11-02T10:30:00.000Z',
  basis: 'EVIDENCE_MATCHED',
  receiptId: 'rc-1',
  scanId: 's-1',
};
const raised: Effect = {
  type: 'ReviewRaised',
  effectId: 'rv/receipt/r-2/rc-2#raised',
  reviewId: 'rv/receipt/r-2/rc-2',
  reason: 'RECEIPT_WITHOUT_INBOUND_SCAN',
  severity: 'MEDIUM',
  raisedAt: '2026-11-02T10:05:00.000Z',
  returnId: 'r-2',
  receiptId: 'rc-2',
  employeeId: 'emp-7',
  warehouseId: 'WH-1',
  refund: { amount: 5000, currency: 'USD' },
  evidence: { deliveredScans: [] },
};

/** The return state a write with this outbox leaves: RELEASED with its release, if it carries one. */
function stateFor(outbox: readonly Effect[], returnId = 'r-1'): ReturnState {
  const base = { returnId, scans: [], receipts: [], refunds: [], decisions: [], reviews: [], authorization: null };
  const release = outbox.find((e) => e.type === 'RefundReleased');
  return (release ? { ...base, status: 'RELEASED', release } : { ...base, status: 'AWAITING_AUTHORIZATION' }) as unknown as ReturnState;
}

let seq = 0;
function record(outbox: Effect[], overrides: Partial<DynamoDBRecord> = {}, state: ReturnState = stateFor(outbox)): DynamoDBRecord {
  seq += 1;
  return imageRecord({ pk: 'RETURN#x', sk: 'RETURN', kind: 'return', version: 2, body: packBody(state, outbox) }, overrides);
}

function imageRecord(item: Record<string, unknown>, overrides: Partial<DynamoDBRecord> = {}): DynamoDBRecord {
  seq += 1;
  return {
    eventID: `e${seq}`,
    eventName: 'MODIFY',
    eventSource: 'aws:dynamodb',
    dynamodb: { SequenceNumber: String(100 + seq), NewImage: marshall(item, { removeUndefinedValues: true }) as never, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    ...overrides,
  };
}

function handler() {
  const sink = new AwsOutboundSink({
    sns: new SNSClient({ region: 'us-east-1' }),
    eventBridge: new EventBridgeClient({ region: 'us-east-1' }),
    reviewTopicArn: TOPIC,
    eventBusName: 'orders',
  });
  const telemetry = quietTelemetry();
  return { handle: createPublisherHandler({ sink, ...telemetry }), ...telemetry };
}

describe('outbox publisher handler', () => {
  beforeEach(() => {
    sns.reset();
    eventBridge.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  });

  it('publishes a release to the bus with source refund-gate and the effectId in the detail', async () => {
    const { handle } = handler();
    const event: DynamoDBStreamEvent = { Records: [record([released])] };
    const result = await handle(event, lambdaContext('publisher'));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({ EventBusName: 'orders', Source: 'refund-gate', DetailType: 'RefundReleased' });
    expect(JSON.parse(entry.Detail!)).toEqual({
      effectId: 'refund/r-1/rf-1#released',
      returnId: 'r-1',
      refundId: 'rf-1',
      amount: { amount: 12999, currency: 'USD' },
      releasedAt: '2026-11-02T10:30:00.000Z',
      basis: 'EVIDENCE_MATCHED',
      receiptId: 'rc-1',
      scanId: 's-1',
    });
  });

  it('publishes a review to SNS with filterable message attributes', async () => {
    const { handle } = handler();
    await handle({ Records: [record([raised])] }, lambdaContext('publisher'));
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      MessageAttributes: {
        type: { DataType: 'String', StringValue: 'ReviewRequested' },
        reason: { DataType: 'String', StringValue: 'RECEIPT_WITHOUT_INBOUND_SCAN' },
        severity: { DataType: 'String', StringValue: 'MEDIUM' },
        warehouseId: { DataType: 'String', StringValue: 'WH-1' },
        effectId: { DataType: 'String', StringValue: 'rv/receipt/r-2/rc-2#raised' },
      },
    });
    const message = JSON.parse(sns.commandCalls(PublishCommand)[0]!.args[0].input.Message!);
    expect(message).toMatchObject({ type: 'ReviewRequested', reviewId: 'rv/receipt/r-2/rc-2', reason: 'RECEIPT_WITHOUT_INBOUND_SCAN', severity: 'MEDIUM', employeeId: 'emp-7' });
  });

  it('reports only the failing record when SNS throttles, and publishes the others', async () => {
    const { handle, metrics } = handler();
    const addMetric = vi.spyOn(metrics, 'addMetric');
    sns.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' }));
    const failing = record([raised]);
    const ok = record([released]);
    const result = await handle({ Records: [failing, ok] }, lambdaContext('publisher'));
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: failing.dynamodb!.SequenceNumber }] });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(addMetric).toHaveBeenCalledWith('PublishFailures', 'Count', 1);
  });

  it('treats an entry EventBridge refused as a failure so the record is retried', async () => {
    const { handle } = handler();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] });
    const r = record([released]);
    const result = await handle({ Records: [r] }, lambdaContext('publisher'));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: r.dynamodb!.SequenceNumber }]);
  });

  it('publishes the effect on the retry of a record that failed, under the same effectId', async () => {
    const { handle } = handler();
    eventBridge.on(PutEventsCommand).rejectsOnce(Object.assign(new Error('boom'), { name: 'InternalException', $fault: 'server' })).resolves({ FailedEntryCount: 0, Entries: [{}] });
    const r = record([released]);
    const first = await handle({ Records: [r] }, lambdaContext('publisher'));
    const retry = await handle({ Records: [r] }, lambdaContext('publisher'));
    expect(first.batchItemFailures).toHaveLength(1);
    expect(retry.batchItemFailures).toEqual([]);
    const details = eventBridge.commandCalls(PutEventsCommand).map((c) => JSON.parse(c.args[0].input.Entries![0]!.Detail!).effectId);
    expect(new Set(details)).toEqual(new Set(['refund/r-1/rf-1#released']));
  });

  it('ignores TTL deletions and records with an empty outbox', async () => {
    const { handle } = handler();
    const ttl = record([released], {
      eventName: 'REMOVE',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    });
    const empty = record([]);
    const result = await handle({ Records: [ttl, empty] }, lambdaContext('publisher'));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  describe('contract §6: only what the stored state says is paid', () => {
    it('refuses a RefundReleased the return\'s state does not hold (another amount, another refund, not released): not sent, retried, then parked', async () => {
      const { handle } = handler();
      const forged = [
        record([released], {}, stateFor([{ ...released, amount: { amount: 99999, currency: 'USD' } } as Effect])),
        record([released], {}, stateFor([{ ...released, refundId: 'rf-other' } as Effect])),
        record([released], {}, stateFor([])),
        record([{ ...released, returnId: 'r-9' } as Effect], {}, stateFor([{ ...released, returnId: 'r-9' } as Effect], 'r-1')),
      ];
      const response = await handle({ Records: forged } satisfies DynamoDBStreamEvent, lambdaContext('publisher'));
      expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
      expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(forged.map((r) => r.dynamodb!.SequenceNumber));
    });

    it('publishes nothing from the legacy plain outbox of a return item, nor money from an employee item', async () => {
      const { handle } = handler();
      const legacy = imageRecord({ pk: 'RETURN#x', sk: 'RETURN', kind: 'return', outbox: [released] });
      const employeeMoney = imageRecord({ pk: 'EMPLOYEE#e', sk: 'FLAG', kind: 'employee-flag', outbox: [released] });
      const response = await handle({ Records: [legacy, employeeMoney] } satisfies DynamoDBStreamEvent, lambdaContext('publisher'));
      expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
      expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([employeeMoney.dynamodb!.SequenceNumber]);
    });

    it('still publishes an employee flag\'s own review', async () => {
      const { handle } = handler();
      const flag = imageRecord({ pk: 'EMPLOYEE#e', sk: 'FLAG', kind: 'employee-flag', outbox: [raised] });
      await handle({ Records: [flag] } satisfies DynamoDBStreamEvent, lambdaContext('publisher'));
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    });
  });
});
