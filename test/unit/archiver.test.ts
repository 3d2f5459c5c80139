import { gunzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { archiveKey, createArchiverHandler } from '../../functions/archiver/app.js';
import { passesStreamFilters } from '../../shared/routing.js';
import { packBody } from '../../shared/store/item-codec.js';

const record = (seq: string, item: Record<string, unknown>): DynamoDBRecord => ({
  eventName: 'MODIFY',
  dynamodb: { SequenceNumber: seq, ApproximateCreationDateTime: Date.parse('2026-11-02T10:30:00Z') / 1000, NewImage: marshall(item) as never },
});
const context = { functionName: 'archiver', awsRequestId: 'req-1' } as Context;
const closed = { pk: 'RETURN#r-1', sk: 'RETURN', kind: 'return', status: 'RELEASED', state: { returnId: 'r-1' }, outbox: [{ type: 'RefundReleased', effectId: 'fx' }], parcels: new Set(['b', 'a']) };

describe('evidence archiver', () => {
  it('selects what TTL is about to forget: an expiring employee flag or open return, never a user\'s delete or a closed return (archived when it closed)', () => {
    // Prepare
    const ttl = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };
    const removed = (item: Record<string, unknown>, userIdentity?: unknown) => ({ eventName: 'REMOVE', ...(userIdentity ? { userIdentity } : {}), dynamodb: { OldImage: marshall(item) } });
    const flag = { pk: 'EMPLOYEE#e-1', sk: 'FLAG', kind: 'employee-flag', flaggedAt: '2026-11-02T10:00:00Z' };
    const open = { ...closed, status: 'AUTHORIZED' };
    // Act, Assess
    expect(passesStreamFilters('archiver', removed(flag, ttl))).toBe(true);
    expect(passesStreamFilters('archiver', removed(open, ttl))).toBe(true);
    expect(passesStreamFilters('archiver', removed(flag, { type: 'Service', principalId: 'someone-else' }))).toBe(false);
    expect(passesStreamFilters('archiver', removed(flag))).toBe(false);
    expect(passesStreamFilters('archiver', removed(closed, ttl))).toBe(false);
    expect(passesStreamFilters('archiver', removed({ ...flag, kind: 'parcel' }, ttl))).toBe(false);
    expect(passesStreamFilters('archiver', { eventName: 'MODIFY', userIdentity: ttl, dynamodb: { NewImage: marshall(flag) } })).toBe(false);
  });

  it('archives a TTL deletion as its old image, the item as it was when it expired', async () => {
    const puts: Array<{ key: string; body: Uint8Array }> = [];
    const handler = createArchiverHandler({ sink: { put: async (key, body) => void puts.push({ key, body }) }, logger: new Logger({ logLevel: 'ERROR' }), metrics: new Metrics({ namespace: 'T' }) });
    const flag = { pk: 'EMPLOYEE#e-1', sk: 'FLAG', kind: 'employee-flag', flaggedAt: '2026-11-02T10:00:00Z' };
    await handler(
      { Records: [{ eventName: 'REMOVE', userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' }, dynamodb: { SequenceNumber: '7', ApproximateCreationDateTime: 1_793_000_000, OldImage: marshall(flag) as never } }] },
      context,
    );
    const line = JSON.parse(gunzipSync(puts[0]!.body).toString('utf8').trim());
    expect(line).toMatchObject({ sequenceNumber: '7', eventName: 'REMOVE', item: flag });
  });

  it('selects closed returns only', () => {
    expect(passesStreamFilters('archiver', record('1', closed))).toBe(true);
    expect(passesStreamFilters('archiver', record('1', { ...closed, status: 'DENIED' }))).toBe(true);
    expect(passesStreamFilters('archiver', record('1', { ...closed, status: 'AUTHORIZED' }))).toBe(false);
    expect(passesStreamFilters('archiver', record('1', { ...closed, kind: 'parcel' }))).toBe(false);
    expect(passesStreamFilters('archiver', { eventName: 'REMOVE', dynamodb: { OldImage: marshall(closed) } })).toBe(false);
  });

  it('writes the whole batch as one gzipped JSON-lines object, keyed by day and sequence numbers', async () => {
    const puts: Array<{ key: string; body: Uint8Array }> = [];
    const handler = createArchiverHandler({ sink: { put: async (key, body) => void puts.push({ key, body }) }, logger: new Logger({ logLevel: 'ERROR' }), metrics: new Metrics({ namespace: 'T' }) });
    await handler({ Records: [record('100', closed), record('105', { ...closed, version: 5 })] }, context);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.key).toBe('returns/2026-11-02/100-105.jsonl.gz');
    const lines = gunzipSync(puts[0]!.body).toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.sequenceNumber)).toEqual(['100', '105']);
    expect(lines[0].item).toMatchObject({ status: 'RELEASED', state: { returnId: 'r-1' }, outbox: [{ effectId: 'fx' }], parcels: ['a', 'b'] });
    expect(archiveKey([record('7', closed)])).toBe('returns/2026-11-02/7-7.jsonl.gz');
  });

  it('writes a compressed return item as plain state and outbox (Lambda hands the body over as base64)', async () => {
    const { state, outbox, ...rest } = closed;
    const packed = marshall({ ...rest, body: packBody(state as never, outbox as never) });
    packed['body'] = { B: Buffer.from(packed['body']!.B!).toString('base64') } as never;
    const puts: Uint8Array[] = [];
    const handler = createArchiverHandler({ sink: { put: async (_key, body) => void puts.push(body) }, logger: new Logger({ logLevel: 'ERROR' }), metrics: new Metrics({ namespace: 'T' }) });
    await handler({ Records: [{ eventName: 'MODIFY', dynamodb: { SequenceNumber: '9', ApproximateCreationDateTime: 1, NewImage: packed as never } }] }, context);
    const line = JSON.parse(gunzipSync(puts[0]!).toString());
    expect(line.item).toEqual({ ...rest, parcels: ['a', 'b'], state, outbox });
    expect(line.item).not.toHaveProperty('body');
  });

  it('fails the whole batch when S3 refuses, so Lambda retries it', async () => {
    const handler = createArchiverHandler({ sink: { put: async () => Promise.reject(new Error('SlowDown')) }, logger: new Logger({ logLevel: 'CRITICAL' }), metrics: new Metrics({ namespace: 'T' }) });
    await expect(handler({ Records: [record('1', closed)] }, context)).rejects.toThrow('SlowDown');
  });
});
