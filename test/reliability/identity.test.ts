/*
 * Identity, tried as an attacker would (issue #12, contract §1 and R8 v1.1):
 * arbitrary Unicode ids, separators of every kind, whitespace, emoji and
 * JavaScript property names, through the production ingest handler on
 * DynamoDB Local, each run on a fresh table.
 *
 * (a) distinct facts never share a key, a reviewId or an effectId;
 * (b) any id reused with any other detail is a conflict and changes nothing;
 * (c) the pipeline (and the R7 consumer) never crashes on a valid id.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../functions/ingest/app.js';
import { createSweeperHandler } from '../../functions/sweeper/app.js';
import { businessTimeOf } from '../../shared/app/ingest.js';
import { InsiderDetector } from '../../shared/app/insider.js';
import { Pipeline } from '../../shared/app/pipeline.js';
import type { Rejection } from '../../shared/app/ports.js';
import { resolveSettings } from '../../shared/contract/config.js';
import { DOMAIN_ID_FIELD, type DetailType } from '../../shared/contract/inbound.js';
import { decodeTuple } from '../../shared/domain/ids.js';
import type { Effect, RefundReleased, ReturnState } from '../../shared/domain/types.js';
import { EmployeeStore } from '../../shared/store/employees.js';
import { employeePk, foldTracking, KEY_TAG, returnPk } from '../../shared/store/keys.js';
import { RefundGateStore } from '../../shared/store/store.js';
import { freshTable, type TestTable } from '../support/dynamo.js';
import { envelope, T } from '../support/envelopes.js';
import { lambdaContext, quietTelemetry } from '../support/lambda.js';
import { openStream, outboxEffects, snapshot } from './support.js';
import { stateOfItem } from '../../shared/store/item-codec.js';

const settings = resolveSettings({});
const RUNS = 25;

// ------------------------------------------------------------------ ids an attacker would pick

const tricky = fc.constantFrom(
  '#', '\\', '/', ':', '|', ' ', '\t', '\n', '\u00a0', '\u2028', '\u0000', '"', "'", '%23', '$',
  '😀', '👩‍👩‍👧', 'é', 'e\u0301', 'İ', 'ß',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__',
  'a#b', 'a\\#b', '#\\', '\\\\', 'RETURN#x', 'rv/receipt/a', 'T#0',
);
/** A valid id (contract §1: non-empty, at most 128 characters, any character). */
const anyId: fc.Arbitrary<string> = fc
  .oneof(
    tricky,
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
    fc.tuple(tricky, fc.string({ unit: 'grapheme', maxLength: 4 }), tricky).map(([a, b, c]) => a + b + c),
  )
  .filter((id) => id.length >= 1 && id.length <= 100);

const SEPARATORS = ['#', '/', ':', '\\', '|', ' '];
/**
 * Two pairs of neighbouring ids, often made to collide under a naive join:
 * A = (p·q, r) and B = (p, q·r) for a separator ·, the classic ambiguity
 * of keys and reviewIds built by joining strings.
 */
const neighbours: fc.Arbitrary<{ a: [string, string]; b: [string, string] }> = fc.oneof(
  fc.record({ a: fc.tuple(anyId, anyId), b: fc.tuple(anyId, anyId) }),
  fc.record({ p: anyId, q: anyId, r: anyId, sep: fc.constantFrom(...SEPARATORS) }).map(({ p, q, r, sep }) => ({
    a: [`${p}${sep}${q}`, r] as [string, string],
    b: [p, `${q}${sep}${r}`] as [string, string],
  })),
);
const trackingNeighbours = neighbours.filter(({ a, b }) => [...a, ...b].every((t) => t.trim().length > 0));

interface Ids {
  returnId: string;
  receiptId: string;
  refundId: string;
  scanId: string;
  carrier: string;
  trackingNumber: string;
  employeeId: string;
  warehouseId: string;
}

/** Two stories whose ids of each kind are distinct, and often neighbours in the sense above. */
const twoStories: fc.Arbitrary<[Ids, Ids]> = fc
  .record({ rr: neighbours, fs: neighbours, parcel: trackingNeighbours, emp: anyId, wh: anyId })
  .map(({ rr, fs, parcel, emp, wh }) => {
    const ids = (k: 'a' | 'b'): Ids => ({
      returnId: rr[k][0],
      receiptId: rr[k][1],
      refundId: fs[k][0],
      scanId: fs[k][1],
      carrier: parcel[k][0],
      trackingNumber: parcel[k][1],
      employeeId: emp,
      warehouseId: wh,
    });
    return [ids('a'), ids('b')] as [Ids, Ids];
  })
  .filter(([a, b]) =>
    a.returnId !== b.returnId && a.receiptId !== b.receiptId && a.refundId !== b.refundId && a.scanId !== b.scanId &&
    (foldTracking(a.carrier) !== foldTracking(b.carrier) || foldTracking(a.trackingNumber) !== foldTracking(b.trackingNumber)),
  );

/** Pairs a join of ids with `/`, `#` or `:` would confuse; tried first, on every run of the properties below. */
const base: Ids = { returnId: 'r', receiptId: 'rc', refundId: 'rf', scanId: 's', carrier: 'UPS', trackingNumber: '1Z', employeeId: 'emp', warehouseId: 'WH-1' };
const JOIN_COLLISIONS: [[Ids, Ids]][] = ['/', '#', ':'].map((sep) => [
  [
    { ...base, returnId: `p${sep}q`, receiptId: 'r', refundId: `f${sep}1`, carrier: `UPS${sep}A`, trackingNumber: '1' },
    { ...base, returnId: 'p', receiptId: `q${sep}r`, refundId: 'f', scanId: 's2', carrier: 'UPS', trackingNumber: `A${sep}1` },
  ],
]);

function story(ids: Ids) {
  const { returnId, receiptId, refundId, scanId, carrier, trackingNumber, employeeId, warehouseId } = ids;
  return {
    authorized: envelope('ReturnAuthorized', { returnId, orderId: returnId, customerId: receiptId, warehouseId, carrier, trackingNumber, refund: { amount: 5_000, currency: 'USD' }, authorizedAt: T('08:00') }),
    delivered: envelope('CarrierScan', { scanId, carrier, trackingNumber, status: 'DELIVERED', facilityId: warehouseId, scannedAt: T('10:00') }),
    receipt: envelope('WarehouseReceipt', { receiptId, returnId, warehouseId, employeeId, stationId: scanId, receivedAt: T('10:05') }),
    refund: envelope('RefundRequested', { refundId, returnId, amount: { amount: 5_000, currency: 'USD' }, requestedAt: T('10:30') }),
  };
}

// ------------------------------------------------------------------ the production handler on a fresh table

interface World {
  readonly table: TestTable;
  readonly rejected: Rejection[];
  send(event: unknown): Promise<string>;
  effects(): Promise<Effect[]>;
  stateOf(returnId: string): Promise<ReturnState | undefined>;
}

const tables: TestTable[] = [];
afterEach(async () => {
  await Promise.all(tables.splice(0).map((t) => t.drop()));
});

async function world(): Promise<World> {
  const table = await freshTable('identity');
  tables.push(table);
  const rejected: Rejection[] = [];
  const employees = new EmployeeStore(table.doc, table.tableName);
  const handler = createIngestHandler({
    ...quietTelemetry(),
    settings,
    pipeline: new Pipeline({ store: new RefundGateStore(table.doc, table.tableName), settings, flags: employees, sleep: async () => {} }),
    rejected: { reject: async (r) => void rejected.push(r) },
    now: businessTimeOf,
  });
  const stream = openStream(table);
  const seen: Effect[] = [];
  return {
    table,
    rejected,
    send: async (event) => String(await handler(event, lambdaContext('ingest'))),
    effects: async () => {
      seen.push(...outboxEffects(await stream.poll()));
      return seen;
    },
    stateOf: async (returnId) => stateOfItem((await snapshot(table)).find((i) => i['pk'] === returnPk(returnId))) ?? undefined,
  };
}

/** The release and denial of a stored return, whichever shape the decider state has. */
const releaseOf = (state: ReturnState | undefined) => (state as { release?: RefundReleased | null } | undefined)?.release ?? undefined;

const partsOf = (item: Record<string, unknown>) => [...decodeTuple(String(item['pk'])), '|', ...decodeTuple(String(item['sk']))];

// ------------------------------------------------------------------ (a) and (c)

describe('identity properties on DynamoDB Local (fast-check, fixed seeds)', () => {
  it('(a, c) two honest returns with arbitrary distinct ids: each released on its own evidence, every item its own key, no shared effectId', async () => {
    await fc.assert(
      fc.asyncProperty(twoStories, async ([ia, ib]) => {
        const w = await world();
        const a = story(ia);
        const b = story(ib);
        // Interleaved, scans before authorizations, so every meeting point is exercised.
        for (const e of [a.delivered, b.receipt, b.delivered, a.authorized, a.receipt, b.authorized, a.refund, b.refund]) {
          expect(await w.send(e)).toBe('processed');
        }
        expect(w.rejected).toEqual([]);
        for (const [ids, other] of [[ia, ib], [ib, ia]] as const) {
          const state = await w.stateOf(ids.returnId);
          expect(state?.status).toBe('RELEASED');
          expect(releaseOf(state)).toMatchObject({ returnId: ids.returnId, refundId: ids.refundId, receiptId: ids.receiptId, scanId: ids.scanId });
          expect(releaseOf(state)?.scanId).not.toBe(other.scanId);
        }
        // Every item decodes back to its own parts: 2 returns, 2 parcels, 6 ledger entries.
        const items = await snapshot(w.table);
        const parts = items.map(partsOf);
        expect(new Set(parts.map((p) => JSON.stringify(p))).size).toBe(items.length);
        const byTag = (tag: string) => parts.filter((p) => p[0] === tag);
        expect(byTag(KEY_TAG.return).map((p) => p[1]).sort()).toEqual([ia.returnId, ib.returnId].sort());
        expect(byTag(KEY_TAG.parcel)).toHaveLength(2);
        expect(byTag(KEY_TAG.ledger).map((p) => `${p[1]} ${p[2]}`).sort()).toEqual(
          [ia, ib].flatMap((ids) => [`CarrierScan ${ids.scanId}`, `WarehouseReceipt ${ids.receiptId}`, `RefundRequested ${ids.refundId}`]).sort(),
        );
        // Two releases, two effectIds.
        const effects = await w.effects();
        expect(effects.filter((e) => e.type === 'RefundReleased').map((e) => e.returnId).sort()).toEqual([ia.returnId, ib.returnId].sort());
        expect(new Set(effects.map((e) => e.effectId)).size).toBe(effects.length);
      }),
      { seed: 20261130, numRuns: RUNS, examples: JOIN_COLLISIONS },
    );
  });

  it('(a) reviews of distinct receipts never share a reviewId or an effectId, whatever the ids contain', async () => {
    await fc.assert(
      fc.asyncProperty(twoStories, async ([ia, ib]) => {
        const w = await world();
        // Phantom receipts (no scan): each raises one review, then a denial closes each.
        for (const ids of [ia, ib]) {
          const s = story(ids);
          for (const e of [s.authorized, s.receipt, s.refund]) expect(await w.send(e)).toBe('processed');
        }
        const reviews = (await w.effects()).filter((e) => e.type === 'ReviewRaised');
        expect(reviews.map((r) => r.returnId).sort()).toEqual([ia.returnId, ib.returnId].sort());
        expect(new Set(reviews.map((r) => r.reviewId)).size).toBe(2);
        expect(new Set(reviews.map((r) => r.effectId)).size).toBe(2);
        for (const review of reviews) {
          const decision = envelope('ReviewDecided', { decisionId: review.reviewId, reviewId: review.reviewId, returnId: review.returnId!, reviewerId: review.effectId, decision: 'DENY', decidedAt: T('12:00') });
          expect(await w.send(decision)).toBe('processed');
        }
        const effects = await w.effects();
        expect(effects.filter((e) => e.type === 'RefundDenied').map((e) => e.returnId).sort()).toEqual([ia.returnId, ib.returnId].sort());
        expect(new Set(effects.map((e) => e.effectId)).size).toBe(effects.length);
      }),
      { seed: 7, numRuns: RUNS, examples: JOIN_COLLISIONS },
    );
  });

  it('(c) R7 with arbitrary employee and receipt ids: suspects and the flag are kept per employee and the anomaly names the right receipts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(anyId, { minLength: 3, maxLength: 3 }), anyId, anyId, async (receiptIds, employeeId, other) => {
        fc.pre(employeeId !== other);
        const w = await world();
        const employees = new EmployeeStore(w.table.doc, w.table.tableName);
        const detector = new InsiderDetector(employees, settings);
        const alerts = [];
        for (const [i, receiptId] of receiptIds.entries()) {
          const ids: Ids = { returnId: `${receiptId}${i}`, receiptId, refundId: receiptId, scanId: receiptId, carrier: 'UPS', trackingNumber: `${i}${receiptId}`, employeeId, warehouseId: 'WH-1' };
          const s = story(ids);
          for (const e of [s.authorized, s.receipt]) expect(await w.send(e)).toBe('processed');
        }
        alerts.push(...(await detector.onEffects(await w.effects())));
        expect(alerts).toHaveLength(1);
        expect(alerts[0]).toMatchObject({ reason: 'EMPLOYEE_RECEIPT_ANOMALY', employeeId });
        expect(await employees.currentFlag(other)).toBeNull();
        expect((await employees.suspects(employeeId, T('00:00'), T('23:59'))).map((r) => r.receiptId).sort()).toEqual([...receiptIds].sort());
        // Every employee item sits in that employee's partition.
        const employeeItems = (await snapshot(w.table)).filter((i) => decodeTuple(String(i['pk']))[0] === KEY_TAG.employee);
        expect(employeeItems.length).toBeGreaterThan(0);
        for (const item of employeeItems) expect(item['pk']).toBe(employeePk(employeeId));
      }),
      { seed: 42, numRuns: 15 },
    );
  });

  it('(c) the sweeper finds due timers of returns with arbitrary ids and fires each on its own return', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(anyId, { minLength: 1, maxLength: 3 }), async (returnIds) => {
        const w = await world();
        const pipeline = new Pipeline({ store: new RefundGateStore(w.table.doc, w.table.tableName), settings, sleep: async () => {} });
        // Receipts for returns never authorized: each sets an orphan timer in the sparse index.
        for (const [i, returnId] of returnIds.entries()) {
          const receipt = envelope('WarehouseReceipt', { receiptId: `${i}${returnId}`, returnId, warehouseId: 'WH-1', employeeId: returnId, receivedAt: T('10:00') });
          expect(await w.send(receipt)).toBe('processed');
        }
        const sweeper = createSweeperHandler({ ...quietTelemetry(), pipeline, now: () => '2026-11-03T12:00:00.000Z' });
        expect(await sweeper({}, lambdaContext('sweeper'))).toEqual({ returns: returnIds.length, effects: returnIds.length });
        const orphans = (await w.effects()).filter((e) => e.type === 'ReviewRaised' && e.reason === 'RECEIPT_FOR_UNKNOWN_RETURN');
        expect(orphans.map((e) => e.returnId).sort()).toEqual([...returnIds].sort());
      }),
      { seed: 99, numRuns: 10 },
    );
  });

  // ------------------------------------------------------------------ (b)

  /** One field of a detail given another valid value: the same id, another detail. */
  const mutation = (detailType: DetailType) =>
    fc.record({ pick: fc.nat(), text: anyId, delta: fc.integer({ min: 1, max: 10_000_000 }) }).map(({ pick, text, delta }) => (detail: Record<string, unknown>) => {
      const idField = DOMAIN_ID_FIELD[detailType];
      const fields = Object.keys(detail).filter((f) => f !== idField);
      const field = fields[pick % fields.length]!;
      const value = detail[field];
      const changed = (() => {
        if (field.endsWith('At')) return new Date(Date.parse(String(value)) + delta).toISOString();
        if (field === 'status') return value === 'DELIVERED' ? 'IN_TRANSIT' : 'DELIVERED';
        if (field === 'decision') return value === 'DENY' ? 'RELEASE' : 'DENY';
        if (field === 'refund' || field === 'amount') return { amount: (value as { amount: number }).amount + delta, currency: 'USD' };
        const trimmed = field === 'carrier' || field === 'trackingNumber';
        const next = trimmed ? text.trim() || 'X' : text;
        return next === (trimmed ? String(value).trim() : value) ? `${next}.` : next;
      })();
      return { ...detail, [field]: changed };
    });

  it('(b) any id of any detail-type reused with any other detail is rejected naming the id field, and changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ ids: twoStories.map(([a]) => a), detailType: fc.constantFrom<DetailType>('ReturnAuthorized', 'CarrierScan', 'WarehouseReceipt', 'RefundRequested', 'ReviewDecided') }).chain(({ ids, detailType }) =>
          fc.record({ ids: fc.constant(ids), detailType: fc.constant(detailType), mutate: mutation(detailType), decisionId: anyId }),
        ),
        async ({ ids, detailType, mutate, decisionId }) => {
          const w = await world();
          const s = story(ids);
          const decision = envelope('ReviewDecided', { decisionId, reviewId: decisionId, returnId: ids.returnId, reviewerId: 'rev-1', decision: 'DENY', decidedAt: T('12:00') });
          for (const e of [s.authorized, s.delivered, s.receipt, s.refund, decision]) expect(await w.send(e)).toBe('processed');
          const original = { ReturnAuthorized: s.authorized, CarrierScan: s.delivered, WarehouseReceipt: s.receipt, RefundRequested: s.refund, ReviewDecided: decision }[detailType];
          const before = await snapshot(w.table);
          const reused = envelope(detailType, mutate(original.detail));
          expect(await w.send(reused)).toBe('rejected');
          expect(w.rejected).toEqual([expect.objectContaining({ errorType: 'ConflictingDuplicateError', field: `detail.${DOMAIN_ID_FIELD[detailType]}` })]);
          expect(await snapshot(w.table)).toEqual(before);
        },
      ),
      { seed: 1102, numRuns: 40 },
    );
  });
});
