import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewRaised } from '../../shared/domain/types.js';
import { parcelKey } from '../../shared/store/keys.js';
import { OPEN_RETENTION_DAYS } from '../../shared/store/table.js';
import { ReviewReader } from '../../shared/store/reviews.js';
import { queueText } from '../../cli/commands/reviews.js';
import { freshTable, type TestTable } from '../support/dynamo.js';
import { envelope, honestReturn, T } from '../support/envelopes.js';
import { harness } from '../support/runtime.js';

/*
 * v1.2 shared parcels and stale scans through the real pipeline on DynamoDB
 * Local: the parcel item tells a new return which other customers' returns
 * name it, and fans the new link out to them as it fans scans out.
 */
let table: TestTable;
beforeAll(async () => {
  table = await freshTable('parcel-evidence');
});
afterAll(async () => {
  await table.drop();
});

const effectsOf = (results: Awaited<ReturnType<ReturnType<typeof harness>['send']>>[]) =>
  results.flatMap((r) => (r.status === 'processed' ? r.outcome.effects : []));

/** A return of `customerId` on `tracking`, received by `employeeId`. */
function ringReturn(returnId: string, customerId: string, tracking: string, authorizedAt = T('08:00')) {
  const story = honestReturn(returnId, { tracking });
  return {
    ...story,
    authorized: envelope('ReturnAuthorized', { ...story.authorized.detail, customerId, authorizedAt }),
  };
}

describe('shared parcel (R3 v1.2)', () => {
  it('three customers on one tracking number: the first one processed is paid, the others are held with PARCEL_EVIDENCE_REUSED naming each other', async () => {
    const h = harness(table);
    const [a, b, c] = [ringReturn('ring-a', 'c-a', 'RING1'), ringReturn('ring-b', 'c-b', 'RING1'), ringReturn('ring-c', 'c-c', 'RING1')];
    const results = [];
    // A's whole story first: released before anyone else names the parcel.
    for (const e of [a.authorized, a.delivered, a.receipt, a.refund]) results.push(await h.send(e));
    for (const e of [b.authorized, b.receipt, b.refund, c.authorized, c.receipt, c.refund]) results.push(await h.send(e));
    const effects = effectsOf(results);
    expect(effects.filter((e) => e.type === 'RefundReleased').map((e) => e.returnId)).toEqual(['ring-a']);
    const reviews = effects.filter((e): e is ReviewRaised => e.type === 'ReviewRaised');
    expect(reviews.map((r) => [r.returnId, r.reason])).toEqual([
      ['ring-b', 'PARCEL_EVIDENCE_REUSED'],
      ['ring-c', 'PARCEL_EVIDENCE_REUSED'],
    ]);
    expect(reviews[1]!.evidence['parcelReturns']).toEqual([
      { returnId: 'ring-a', customerId: 'c-a', authorizedAt: T('08:00'), released: true },
      { returnId: 'ring-b', customerId: 'c-b', authorizedAt: T('08:00'), released: false },
    ]);
  });

  it('the open-review queue carries the other returns naming each held return\'s parcel, so `reviews --open` shows them without reading the items', async () => {
    const queue = await new ReviewReader(table.doc, table.tableName).openQueue(T('23:00'));
    const ring = queue.filter((e) => e.returnId?.startsWith('ring-'));
    expect(ring.map((e) => [e.returnId, e.reason, e.parcelReturns])).toEqual([
      ['ring-b', 'PARCEL_EVIDENCE_REUSED', ['ring-a', 'ring-c']],
      ['ring-c', 'PARCEL_EVIDENCE_REUSED', ['ring-a', 'ring-b']],
    ]);
    expect(queueText(ring)).toContain('\n  ring-b: its parcel is also named by ring-a, ring-c\n  ring-c: its parcel is also named by ring-a, ring-b\n');
  });

  it('a return matched before the parcel became shared is held when another customer names it (the link fans out)', async () => {
    const h = harness(table);
    const [a, b] = [ringReturn('late-a', 'c-a', 'RING2'), ringReturn('late-b', 'c-b', 'RING2', T('12:00'))];
    for (const e of [a.authorized, a.delivered, a.receipt]) await h.send(e);
    const linked = await h.send(b.authorized);
    expect(linked.status === 'processed' && linked.outcome.effects.map((e) => [e.type, e.returnId, e.type === 'ReviewRaised' ? e.reason : ''])).toEqual([
      ['ReviewRaised', 'late-a', 'PARCEL_EVIDENCE_REUSED'],
    ]);
    const refunded = await h.send(a.refund);
    expect(refunded.status === 'processed' && refunded.outcome.effects.filter((e) => e.type === 'RefundReleased')).toEqual([]);
  });

  it('one customer, two returns in one box: not shared, released', async () => {
    const h = harness(table);
    const [a, b] = [ringReturn('box-a', 'c-same', 'BOX1'), ringReturn('box-b', 'c-same', 'BOX1')];
    const results = [];
    for (const e of [a.authorized, b.authorized, a.delivered, a.receipt, a.refund, b.receipt, b.refund]) results.push(await h.send(e));
    expect(effectsOf(results).map((e) => [e.type, e.returnId])).toEqual([
      ['RefundReleased', 'box-a'],
      ['RefundReleased', 'box-b'],
    ]);
  });
});

describe('stale scans and the parcel TTL', () => {
  it('a replayed 2024 delivery neither backs a 2026 return nor pulls the parcel item into the past (its TTL only moves later)', async () => {
    const h = harness(table);
    const story = honestReturn('stale-1', { tracking: 'OLD1' });
    await h.send(story.authorized);
    const key = parcelKey('UPS', 'OLD1');
    const ttlOf = async () => (await table.doc.send(new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }))).Item?.['expiresAtEpochSec'];
    const linkedTtl = await ttlOf();
    expect(linkedTtl).toBe(Date.parse(T('08:00')) / 1000 + OPEN_RETENTION_DAYS * 86_400);
    const old = envelope('CarrierScan', { ...story.delivered.detail, scanId: 's-2024', scannedAt: '2024-02-01T10:00:00Z' });
    await h.send(old);
    expect(await ttlOf()).toBe(linkedTtl);
    const results = [await h.send(story.receipt), await h.send(story.refund)];
    expect(effectsOf(results).map((e) => [e.type, e.type === 'ReviewRaised' ? e.reason : ''])).toEqual([['ReviewRaised', 'PARCEL_EVIDENCE_REUSED']]);
    // The stale scan is still on the parcel: it was added, only the TTL was left alone.
    const parcel = (await table.doc.send(new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }))).Item;
    expect([...(parcel?.['deliveredScans'] as Set<string>)].map((s) => JSON.parse(s).scanId)).toEqual(['s-2024']);
    // A later fact moves it later.
    await h.send(story.delivered);
    expect(await ttlOf()).toBe(Date.parse(T('10:00')) / 1000 + OPEN_RETENTION_DAYS * 86_400);
  });
});
