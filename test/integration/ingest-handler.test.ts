import { readFileSync } from 'node:fs';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIngestHandler } from '../../functions/ingest/app.js';
import { Pipeline } from '../../shared/app/pipeline.js';
import { SqsRejectedSink } from '../../shared/app/rejected-queue.js';
import { resolveSettings } from '../../shared/contract/config.js';
import { RefundGateStore, returnKey } from '../../shared/store/store.js';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { freshTable, type TestTable } from '../support/dynamo.js';
import { lambdaContext, quietTelemetry } from '../support/lambda.js';
import { stateOfItem } from '../../shared/store/item-codec.js';

const sqs = mockClient(SQSClient);
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/refund-gate-rejected';
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/eventbridge/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

let table: TestTable;
beforeAll(async () => {
  table = await freshTable('ingest');
});
afterAll(async () => {
  await table.drop();
});

function build() {
  const settings = resolveSettings({});
  const telemetry = quietTelemetry();
  const handler = createIngestHandler({
    ...telemetry,
    settings,
    pipeline: new Pipeline({ store: new RefundGateStore(table.doc, table.tableName), settings }),
    rejected: new SqsRejectedSink(new SQSClient({ region: 'us-east-1' }), QUEUE),
    now: () => '2026-11-02T12:00:00.000Z',
  });
  return { handler, ...telemetry };
}

describe('ingest handler (middy, Powertools) on DynamoDB Local', () => {
  beforeEach(() => {
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  });

  it('processes a valid WarehouseReceipt and writes the return item', async () => {
    const { handler, metrics } = build();
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const status = await handler(fixture('warehouse-receipt.json'), lambdaContext('ingest'));
    expect(status).toBe('processed');
    const item = await table.doc.send(new GetCommand({ TableName: table.tableName, Key: returnKey('r-1001') }));
    expect(stateOfItem(item.Item)).toMatchObject({ returnId: 'r-1001', status: 'AWAITING_AUTHORIZATION' });
    // Processed events are counted by Lambda (ingest Invocations), not by an EMF line per event.
    expect(addMetric).not.toHaveBeenCalled();
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
  });

  it('sends an invalid event to the dead-letter queue with the field error, counts it and does not throw', async () => {
    const { handler, metrics } = build();
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const bad = fixture('refund-requested-bad-amount.json');
    const status = await handler(bad, lambdaContext('ingest'));
    expect(status).toBe('rejected');
    expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    const input = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(input.QueueUrl).toBe(QUEUE);
    expect(input.MessageAttributes?.['field']?.StringValue).toBe('detail.amount.amount');
    const body = JSON.parse(input.MessageBody!);
    expect(body).toMatchObject({ errorType: 'ContractValidationError', field: 'detail.amount.amount', event: bad });
    expect(body.error).toContain('detail.amount.amount: expected integer');
    expect(addMetric).toHaveBeenCalledWith('EventsRejected', 'Count', 1);
    const item = await table.doc.send(new GetCommand({ TableName: table.tableName, Key: returnKey('r-1001-bad') }));
    expect(item.Item).toBeUndefined();
  });

  it('rejects a WarehouseReceipt from a forged source without touching the table', async () => {
    const { handler } = build();
    const forged = { ...fixture('warehouse-receipt.json'), source: 'retail.returns', detail: { ...(fixture('warehouse-receipt.json')['detail'] as object), returnId: 'r-forged', receiptId: 'rc-forged' } };
    expect(await handler(forged, lambdaContext('ingest'))).toBe('rejected');
    const body = JSON.parse(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageBody!);
    expect(body).toMatchObject({ errorType: 'UntrustedSourceError', field: 'source' });
    const item = await table.doc.send(new GetCommand({ TableName: table.tableName, Key: returnKey('r-forged') }));
    expect(item.Item).toBeUndefined();
  });

  it('lets an infrastructure error escape so Lambda retries the event', async () => {
    const settings = resolveSettings({});
    const telemetry = quietTelemetry();
    const handler = createIngestHandler({
      ...telemetry,
      settings,
      pipeline: new Pipeline({ store: new RefundGateStore(table.doc, 'no-such-table'), settings }),
      rejected: new SqsRejectedSink(new SQSClient({ region: 'us-east-1' }), QUEUE),
      now: () => '2026-11-02T12:00:00.000Z',
    });
    await expect(handler(fixture('warehouse-receipt.json'), lambdaContext('ingest'))).rejects.toMatchObject({ name: 'StoreUnavailableError' });
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
  });
});
