/*
 * Fuzzing with fast-check (fixed seeds): arbitrary values and JSON, and
 * mutated valid events, into the parser and into the production ingest
 * handler on DynamoDB Local. Only the typed validation error ever escapes the
 * parser; the handler never throws on input, rejects to the DLQ naming a
 * field, and a rejected event writes nothing.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import fc from 'fast-check';
import { reviewIdFor } from '../../shared/domain/identity.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestHandler } from '../../functions/ingest/app.js';
import { businessTimeOf } from '../../shared/app/ingest.js';
import { Pipeline } from '../../shared/app/pipeline.js';
import { SqsRejectedSink } from '../../shared/app/rejected-queue.js';
import { DEFAULT_SOURCES, resolveSettings } from '../../shared/contract/config.js';
import { ContractValidationError } from '../../shared/contract/errors.js';
import type { DetailType } from '../../shared/contract/inbound.js';
import { parseInboundEvent, parseJson } from '../../shared/contract/parse.js';
import { EmployeeStore } from '../../shared/store/employees.js';
import { RefundGateStore } from '../../shared/store/store.js';
import { freshTable, type TestTable } from '../support/dynamo.js';
import { envelope, T } from '../support/envelopes.js';
import { lambdaContext, quietTelemetry } from '../support/lambda.js';
import { snapshot } from './support.js';

const SEED = 20261102;
const settings = resolveSettings({});
const sqs = mockClient(SQSClient);

/** The parser's whole contract: a parsed event, or a ContractValidationError (incl. UntrustedSourceError) naming a field. */
function parseOutcome(raw: unknown): { ok: true } | { ok: false; error: unknown } {
  try {
    parseInboundEvent(raw, settings.sources);
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}
function expectTypedRejection(outcome: ReturnType<typeof parseOutcome>): void {
  if (outcome.ok) return;
  expect(outcome.error).toBeInstanceOf(ContractValidationError);
  const error = outcome.error as ContractValidationError;
  expect(error.field).not.toBe('');
  expect(error.message.startsWith(`${error.field}:`)).toBe(true);
}

// ------------------------------------------------------------------ valid events and their mutations

/** One valid event of each detail-type, ids unique per `n`. */
function validEvent(type: DetailType, n: string): Record<string, unknown> {
  const returnId = `fz-${n}`;
  const details: Record<DetailType, Record<string, unknown>> = {
    ReturnAuthorized: {
      returnId,
      orderId: `o-${n}`,
      customerId: `c-${n}`,
      warehouseId: 'WH-1',
      carrier: 'UPS',
      trackingNumber: `1Z${n}`,
      refund: { amount: 4999, currency: 'EUR' },
      authorizedAt: T('08:00'),
      items: [{ sku: 'SKU-1', quantity: 2 }],
    },
    CarrierScan: { scanId: `s-${n}`, carrier: 'UPS', trackingNumber: `1Z${n}`, status: 'DELIVERED', facilityId: 'WH-1', scannedAt: T('09:00') },
    WarehouseReceipt: { receiptId: `rc-${n}`, returnId, warehouseId: 'WH-1', employeeId: 'emp-1', stationId: 'dock-1', receivedAt: T('09:30'), condition: 'DAMAGED' },
    RefundRequested: { refundId: `rf-${n}`, returnId, amount: { amount: 4999, currency: 'EUR' }, requestedAt: T('10:00') },
    ReviewDecided: {
      decisionId: `d-${n}`,
      reviewId: reviewIdFor.receipt(returnId, `rc-${n}`),
      returnId,
      reviewerId: 'rev-1',
      decision: 'RELEASE',
      decidedAt: T('11:00'),
      note: 'checked the CCTV',
    },
  };
  return envelope(type, details[type]) as Record<string, unknown>;
}

type Path = readonly (string | number)[];

/** Every path inside an event (objects, arrays and leaves), the root excluded. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
}

function apply(event: unknown, path: Path, change: { drop: true } | { value: unknown }): unknown {
  const copy = structuredClone(event) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if ('drop' in change) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = change.value;
  return copy;
}

const dotted = (path: Path) => path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '');

/** Values an upstream system, a bug or an attacker might put anywhere in an event. */
const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ minLength: 129, maxLength: 3000 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ max: -1 }),
  fc.double({ noDefaultInfinity: true, noNaN: true }),
  fc.constantFrom('', '   ', null, 0, -0.5, 12.5, 'usd', 'EURO', 'XYZ', 'DELIVERED', '2026-11-02T10:00:00', '2026-13-01T00:00:00Z', '2026-11-02T10:00:00+24:00', 1e21, '𝟙𝟚𝟛', 'Ω'.repeat(129)),
);

interface Mutation {
  readonly pick: number;
  readonly change: { drop: true } | { value: unknown };
}
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  change: fc.oneof(fc.constant({ drop: true as const }), hostileValue.map((value) => ({ value }))),
});

function mutate(event: unknown, mutations: readonly Mutation[]): { event: unknown; paths: string[] } {
  let current = event;
  const paths: string[] = [];
  for (const m of mutations) {
    const candidates = pathsOf(current);
    if (candidates.length === 0) break;
    const path = candidates[m.pick % candidates.length]!;
    paths.push(dotted(path));
    current = apply(current, path, m.change);
  }
  return { event: current, paths };
}

const typeArb = fc.constantFrom<DetailType>('ReturnAuthorized', 'CarrierScan', 'WarehouseReceipt', 'RefundRequested', 'ReviewDecided');

// ------------------------------------------------------------------ parser

describe('parser fuzzing (parseInboundEvent, parseJson)', () => {
  it('anything at all: a parsed event or a ContractValidationError naming a field, never another error', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true }), (raw) => {
        expectTypedRejection(parseOutcome(raw));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('arbitrary JSON objects with envelope-like keys', () => {
    const envelopeLike = fc.record(
      {
        version: fc.oneof(fc.constant('0'), fc.jsonValue()),
        id: fc.oneof(fc.string(), fc.jsonValue()),
        'detail-type': fc.oneof(typeArb, fc.string(), fc.jsonValue()),
        source: fc.oneof(fc.constantFrom(...Object.values(DEFAULT_SOURCES)), fc.string(), fc.jsonValue()),
        time: fc.oneof(fc.constant('2026-11-02T10:00:00Z'), fc.string(), fc.jsonValue()),
        detail: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(envelopeLike, (raw) => expectTypedRejection(parseOutcome(raw))),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('arbitrary text lines (replay): parseJson gives a value or a ContractValidationError at (root)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1)))), (text) => {
        let raw: unknown;
        try {
          raw = parseJson(text);
        } catch (error) {
          expect(error).toBeInstanceOf(ContractValidationError);
          expect((error as ContractValidationError).field).toBe('(root)');
          return;
        }
        expectTypedRejection(parseOutcome(raw));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('mutated valid events: accepted, or rejected with the mutated field (or one inside it) named', () => {
    fc.assert(
      fc.property(typeArb, mutationArb, (type, mutation) => {
        const { event, paths } = mutate(validEvent(type, 'p'), [mutation]);
        const outcome = parseOutcome(event);
        expectTypedRejection(outcome);
        if (outcome.ok || paths[0] === 'detail-type') return;
        const field = (outcome.error as ContractValidationError).field;
        const mutated = paths[0]!;
        // The error is about the mutated location: the field itself, something inside it, or its container.
        const related = field === mutated || field.startsWith(`${mutated}.`) || field.startsWith(`${mutated}[`) || mutated.startsWith(`${field}.`) || mutated.startsWith(`${field}[`) || (field === '(root)' && mutated.split(/[.[]/).length === 1);
        expect({ mutated, field, related }).toEqual({ mutated, field, related: true });
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('unknown extra fields in the envelope or the detail are ignored, never a rejection', () => {
    const unknownKey = fc.oneof(fc.constantFrom('priority', 'traceId', 'legacyRmaCode', 'metadata', '__typename', 'replay-name'), fc.string({ maxLength: 12 }).map((k) => `x_${k}`));
    fc.assert(
      fc.property(typeArb, fc.dictionary(unknownKey, fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 4 }), fc.boolean(), (type, extra, inDetail) => {
        const event = validEvent(type, 'x');
        const withExtra = inDetail ? { ...event, detail: { ...(event['detail'] as object), ...extra } } : { ...extra, ...event };
        expect(parseOutcome(withExtra)).toEqual({ ok: true });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

// ------------------------------------------------------------------ handler on DynamoDB Local

describe('handler fuzzing (production ingest handler on DynamoDB Local)', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await freshTable('fuzz');
  });
  afterAll(async () => {
    await table.drop();
  });

  it('mutated events: processed, or rejected to the DLQ with a field and nothing written; the handler never throws', async () => {
    const handler = createIngestHandler({
      ...quietTelemetry(),
      settings,
      pipeline: new Pipeline({ store: new RefundGateStore(table.doc, table.tableName), settings, flags: new EmployeeStore(table.doc, table.tableName) }),
      rejected: new SqsRejectedSink(new SQSClient({ region: 'us-east-1' }), 'https://sqs.us-east-1.amazonaws.com/123456789012/rejected'),
      now: (e) => businessTimeOf(e),
    });
    let run = 0;
    const tally = { processed: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(typeArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), fc.boolean(), async (type, mutations, authorizedFirst) => {
        // Prepare: a fresh return, authorized or not, and one mutated event about it.
        run += 1;
        const n = `h${run}`;
        if (authorizedFirst && type !== 'ReturnAuthorized') expect(await handler(validEvent('ReturnAuthorized', n), lambdaContext('ingest'))).toBe('processed');
        const { event } = mutate(validEvent(type, n), mutations);
        sqs.reset();
        sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq' });
        const before = await snapshot(table);
        // Act: the handler must not throw (DynamoDB is healthy; bad input is not a reason to retry).
        const status = await handler(event, lambdaContext('ingest'));
        // Assess
        expect(['processed', 'rejected']).toContain(status);
        if (status === 'rejected') {
          tally.rejected += 1;
          expect(sqs).toHaveReceivedCommandTimes(SendMessageCommand, 1);
          const field = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageAttributes?.['field']?.StringValue;
          expect(field).toMatch(/^(\(root\)|version|id|detail-type|source|account|time|region|resources|detail)/);
          expect(await snapshot(table)).toEqual(before);
        } else {
          tally.processed += 1;
          expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
    // Both branches were exercised.
    expect(tally.processed).toBeGreaterThan(5);
    expect(tally.rejected).toBeGreaterThan(20);
  });
});
