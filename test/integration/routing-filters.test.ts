/*
 * The local runtime routes with the same patterns as the CDK rules and the
 * stream mappings (shared/routing.ts): a scan status no rule reads is dropped
 * (nothing invoked, nothing printed, the clock still moves), a malformed
 * status still reaches the ingest function and is rejected, and the stream
 * consumers are invoked only for records that carry their marker.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DescribeTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { resolveSettings } from '../../shared/contract/config.js';
import { localDynamoClient } from '../../cli/dynamo.js';
import type { ReplayLine } from '../../cli/output.js';
import { LocalRuntime } from '../../cli/runtime.js';
import { StderrChannel } from '../../cli/channel.js';
import { StderrLogger } from '../../cli/stderr.js';
import { R7_WIRING } from '../../cli/wiring.js';
import { honestReturn } from '../support/envelopes.js';

const lines: ReplayLine[] = [];
let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await LocalRuntime.start({
    // This test run's DynamoDB Local (test/global-setup.ts), a table of the runtime's own.
    endpoint: inject('dynamoEndpoint'),
    settings: resolveSettings({}),
    output: { emit: async (l) => void lines.push(l), close: async () => {} },
    logger: new StderrLogger({ serviceName: 'test', logLevel: 'ERROR' }, new StderrChannel()),
    ...R7_WIRING,
  });
});
afterAll(async () => {
  await runtime?.stop();
});

describe('local routing = AWS routing', () => {
  it('drops valid non-DELIVERED scans before any invocation, moves the clock, and still rejects malformed ones', async () => {
    const story = honestReturn('r-filter');
    let n = 0;
    const deliver = (event: unknown) => runtime.deliver(JSON.stringify(event), ++n);
    await deliver(story.authorized);
    const before = { ...runtime.stats.invocations };
    await deliver(story.inTransit);
    expect(runtime.stats.filtered).toBe(1);
    expect(runtime.stats.invocations).toEqual(before);
    expect(runtime.clock).toBe(new Date(Date.parse(String(story.inTransit.detail["scannedAt"]))).toISOString());
    expect(lines).toEqual([]);

    // A missing status is not a status no rule reads: it reaches ingest, which names the field.
    const { status: _status, ...noStatus } = (story.inTransit as { detail: Record<string, unknown> }).detail;
    await deliver({ ...story.inTransit, id: 'no-status', detail: { ...noStatus, scanId: 'scan-no-status' } });
    expect(lines.at(-1)).toMatchObject({ channel: 'rejected', line: 3 });
    expect((lines.at(-1) as { error: string }).error).toMatch(/status/);
    lines.length = 0;

    // The honest rest: only the release's write carries effects, so the publisher runs once and R7 never.
    const consumers = () => [runtime.stats.invocations['refund-gate-publisher'] ?? 0, runtime.stats.invocations['refund-gate-insider'] ?? 0];
    const [pub0, ins0] = consumers();
    await deliver(story.delivered);
    await deliver(story.receipt);
    await deliver(story.refund);
    const [pub1, ins1] = consumers();
    expect(pub1! - pub0!).toBe(1);
    expect(ins1! - ins0!).toBe(0);
    expect(lines.map((l) => (l as { detailType?: string }).detailType)).toEqual(['RefundReleased']);
  });
});

describe('a runtime on an already running DynamoDB Local (REFUND_GATE_DYNAMODB_ENDPOINT)', () => {
  it('works in a table of its own there, deletes it on stop, and leaves the server running', async () => {
    const endpoint = inject('dynamoEndpoint');
    const other = await LocalRuntime.start({
      endpoint,
      settings: resolveSettings({}),
      output: { emit: async () => {}, close: async () => {} },
      logger: new StderrLogger({ serviceName: 'test', logLevel: 'ERROR' }, new StderrChannel()),
    });
    const own = other.table.tableName;
    expect(own).not.toBe(runtime.table.tableName);
    const client = localDynamoClient(endpoint);
    try {
      expect((await client.send(new DescribeTableCommand({ TableName: own }))).Table?.TableStatus).toBe('ACTIVE');
      await other.stop();
      await expect(client.send(new DescribeTableCommand({ TableName: own }))).rejects.toBeInstanceOf(ResourceNotFoundException);
      // The server and the other runtime's table are still there.
      expect((await client.send(new DescribeTableCommand({ TableName: runtime.table.tableName }))).Table?.TableStatus).toBe('ACTIVE');
    } finally {
      client.destroy();
    }
  });
});
