/*
 * Least privilege, checked against behaviour: the production handlers
 * (functions/<name>/handler.ts, wired from the environment exactly as in
 * Lambda) run a story against DynamoDB Local, every DynamoDB command each
 * one actually sends is recorded, and the synthesized role of that function
 * must allow it. A new command in the store code that the construct does not
 * grant fails here, whichever file or helper builds the command.
 */
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FUNCTION_NAMES } from '../../infra/refund-gate.js';
import { ENV } from '../../shared/app/environment.js';
import { openStream } from '../reliability/support.js';
import { freshTable, type TestTable } from '../support/dynamo.js';
import { lambdaContext } from '../support/lambda.js';
import { permissionsOf, roleOf, synth } from './support.js';

type Fn = 'ingest' | 'insider' | 'sweeper';
const sent = new Map<Fn, Set<string>>([
  ['ingest', new Set()],
  ['insider', new Set()],
  ['sweeper', new Set()],
]);
let current: Fn | undefined;

/** SDK command class → IAM action (document-client and low-level names). */
const ACTION_OF: ReadonlyMap<string, string> = new Map([
  ['Get', 'GetItem'],
  ['GetItem', 'GetItem'],
  ['Put', 'PutItem'],
  ['PutItem', 'PutItem'],
  ['Update', 'UpdateItem'],
  ['UpdateItem', 'UpdateItem'],
  ['Delete', 'DeleteItem'],
  ['DeleteItem', 'DeleteItem'],
  ['Query', 'Query'],
  ['Scan', 'Scan'],
  ['BatchGet', 'BatchGetItem'],
  ['BatchGetItem', 'BatchGetItem'],
  ['BatchWrite', 'BatchWriteItem'],
  ['BatchWriteItem', 'BatchWriteItem'],
  ['TransactWrite', 'TransactWriteItems'],
  ['TransactWriteItems', 'TransactWriteItems'],
  ['TransactGet', 'TransactGetItems'],
  ['TransactGetItems', 'TransactGetItems'],
]);

const events = readFileSync(new URL('../fixtures/example.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { 'detail-type': string; detail: Record<string, any> });

/** Three phantom receipts by one employee (R7), on top of the example's story. */
function phantomReceipts(): unknown[] {
  return [1, 2, 3].map((n) => ({
    version: '0',
    id: `iam-phantom-${n}`,
    'detail-type': 'WarehouseReceipt',
    source: 'retail.warehouse',
    account: '123456789012',
    time: `2026-11-02T1${n}:00:00Z`,
    region: 'us-east-1',
    resources: [],
    detail: { receiptId: `RCV-IAM-${n}`, returnId: `RMA-IAM-${n}`, warehouseId: 'WH-DFW', employeeId: 'emp-iam', receivedAt: `2026-11-02T1${n}:00:00Z` },
  }));
}

describe('each function’s role allows every DynamoDB command its production handler sends', { timeout: 120_000 }, () => {
  let table: TestTable;

  beforeAll(async () => {
    // Prepare: the Lambda environment the construct writes, pointed at DynamoDB Local.
    table = await freshTable('iam');
    vi.stubEnv(ENV.tableName, table.tableName);
    vi.stubEnv(ENV.rejectedQueueUrl, 'https://sqs.us-east-1.amazonaws.com/123456789012/unused');
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', table.endpoint);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    for (const client of [DynamoDBDocumentClient, DynamoDBClient]) {
      const original = client.prototype.send as (...args: unknown[]) => Promise<unknown>;
      vi.spyOn(client.prototype, 'send').mockImplementation(function (this: unknown, ...args: unknown[]) {
        const name = (args[0] as object).constructor.name.replace(/Command$/, '');
        if (current) sent.get(current)!.add(name);
        return original.apply(this, args) as never;
      });
    }
    const ctx = (name: string): Context => lambdaContext(name);
    const { handler: ingest } = await import('../../functions/ingest/handler.js');
    const { handler: insider } = await import('../../functions/insider/handler.js');
    const { handler: sweeper } = await import('../../functions/sweeper/handler.js');

    // Act: the example's valid events and three phantom receipts, then the stream through the insider
    // detector, then a sweep far enough in the future that every timer is due.
    current = 'ingest';
    const valid = events.filter((e) => e.detail['amount']?.['amount'] === undefined || e.detail['amount']['amount'] >= 0);
    for (const event of [...valid, ...phantomReceipts()]) await ingest(event as never, ctx('ingest'));
    current = undefined; // the test's own stream reader is not a function
    const records = await openStream(table).poll();
    current = 'insider';
    await insider({ Records: records } as DynamoDBStreamEvent, ctx('insider'));
    current = 'sweeper';
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2027-06-01T00:00:00Z'));
    try {
      await sweeper({} as never, ctx('sweeper'));
    } finally {
      vi.useRealTimers();
      current = undefined;
    }
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    await table.drop();
  });

  it('records the commands of a real run (the check below is not vacuous)', () => {
    expect([...sent.get('ingest')!]).toEqual(expect.arrayContaining(['Get', 'Put']));
    expect(sent.get('insider')!.size).toBeGreaterThan(0);
    expect(sent.get('sweeper')!.size).toBeGreaterThan(0);
  });

  it.each([['ingest'], ['insider'], ['sweeper']] as const)('%s', (name) => {
    expect(FUNCTION_NAMES).toContain(name);
    const s = synth();
    const role = roleOf(s.template, s.id(s.stack.refundGate[`${name}Function`]));
    const granted = permissionsOf(s.template, role)
      .filter((p) => p.resource.includes('RefundGateTable'))
      .map((p) => p.action);
    for (const command of sent.get(name)!) {
      const action = ACTION_OF.get(command);
      expect(action, `no IAM action known for ${command}Command: add it to ACTION_OF`).toBeDefined();
      expect(granted, `${name} sends ${command}Command`).toContain(`dynamodb:${action}`);
    }
  });
});
