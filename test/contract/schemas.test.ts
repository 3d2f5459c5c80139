/*
 * The contract as files (`npm run schemas`): checked in and current, valid
 * JSON Schema draft-04 and AsyncAPI 3.0, and true of the product: every
 * fixture event the code accepts is accepted by its schema, every example
 * entry is accepted by both, and every message a replay publishes matches
 * its outbound schema exactly (no field the schema does not list).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import AjvModule from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { DETAIL_SCHEMAS, DETAIL_TYPES, EventBridgeEnvelope, type DetailType } from '../../shared/contract/inbound.js';
import { DEFAULT_SOURCES } from '../../shared/contract/config.js';
import { contractMessages, type JsonSchema } from '../../shared/contract/json-schema.js';
import { OUTBOUND_DETAIL_SCHEMAS, REVIEW_MESSAGE_SCHEMAS, ReviewMessageAttributes } from '../../shared/contract/outbound.js';
import { renderAll } from '../../scripts/contract/render.js';
import { replayShared } from '../support/cli.js';

const ROOT = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');
const files = renderAll();
const schemaFile = (name: string) => JSON.parse(read(`schemas/json/${name}.json`)) as JsonSchema;

// CommonJS modules with a default export: under NodeNext the class is on `.default`.
const Ajv = AjvModule.default;
type Ajv = InstanceType<typeof Ajv>;
const addFormats = addFormatsModule.default;

function draft04(): Ajv {
  // Strict: a keyword ajv does not know (a draft-06+ keyword zod might emit) fails compilation.
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  addFormats(ajv);
  ajv.addVocabulary(['x-amazon-events-detail-type', 'x-amazon-events-source', 'x-refund-gate-contract-version', 'x-refund-gate-channel']);
  return ajv;
}
const ajv = draft04();
const validatorOf = (name: string) => {
  if (!ajv.getSchema(name)) ajv.addSchema(schemaFile(name), name);
  return ajv.getSchema(name)!;
};
const errorsOf = (name: string, value: unknown): string => {
  const validate = validatorOf(name);
  return validate(value) ? '' : ajv.errorsText(validate.errors);
};

describe('npm run schemas output', () => {
  it('is checked in and current (run `npm run schemas` after changing shared/contract)', () => {
    for (const [path, content] of files) {
      expect(existsSync(new URL(path, ROOT)), `${path} is missing`).toBe(true);
      expect(read(path), `${path} is stale`).toBe(content);
    }
    for (const dir of ['schemas/json', 'docs/producers/examples']) {
      const extra = readdirSync(new URL(dir, ROOT)).filter((name) => !files.has(`${dir}/${name}`));
      expect(extra, `${dir} holds files the generator does not write`).toEqual([]);
    }
  });

  it('has one JSON Schema per inbound detail-type and outbound message', () => {
    const names = contractMessages().map((m) => m.name);
    expect(names).toEqual([...DETAIL_TYPES, ...Object.keys(OUTBOUND_DETAIL_SCHEMAS), ...Object.keys(REVIEW_MESSAGE_SCHEMAS)]);
    for (const name of names) expect(files.has(`schemas/json/${name}.json`), name).toBe(true);
  });

  it.each(contractMessages().map((m) => [m.name]))('schemas/json/%s.json is valid JSON Schema draft-04 and compiles strictly', (name) => {
    const schema = schemaFile(name);
    expect(schema['$schema']).toBe('http://json-schema.org/draft-04/schema#');
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    expect(() => validatorOf(name)).not.toThrow();
    // Keywords draft-04 does not have: EventBridge's registry would misread them.
    const later = ['const', '$defs', 'examples', 'contains', 'propertyNames', 'if', 'then', 'else', '$comment'];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) {
        for (const [i, n] of node.entries()) walk(n, `${path}/${i}`);
        return;
      }
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        const inValues = path.endsWith('/properties') || path.endsWith('/definitions');
        if (!inValues) expect(later, `${path}/${key}`).not.toContain(key);
        if (!inValues && (key === 'exclusiveMinimum' || key === 'exclusiveMaximum')) expect(typeof value, `${path}/${key}`).toBe('boolean');
        walk(value, `${path}/${key}`);
      }
    };
    walk(schema, '#');
  });

  it('schemas/asyncapi.yaml is a valid AsyncAPI 3.0 document with every message', async () => {
    const parser = new Parser();
    const { document, diagnostics } = await parser.parse(read('schemas/asyncapi.yaml'));
    const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
    expect(errors).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    const names = document!.allMessages().all().map((m) => m.name());
    expect(names.sort()).toEqual(contractMessages().map((m) => m.name).sort());
  });
});

// ---------------------------------------------------------------- inbound: fixtures and examples

/** Every event of the fixtures, with what the code (zod) says of it. */
function fixtureEvents(): Array<{ where: string; event: unknown; detailType: DetailType | undefined; acceptedByCode: boolean }> {
  const out: Array<{ where: string; event: unknown; detailType: DetailType | undefined; acceptedByCode: boolean }> = [];
  const consider = (where: string, text: string) => {
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      return; // not JSON: no schema applies
    }
    const envelope = EventBridgeEnvelope.safeParse(event);
    const type = envelope.success ? envelope.data['detail-type'] : undefined;
    const detailType = type !== undefined && (DETAIL_TYPES as string[]).includes(type) ? (type as DetailType) : undefined;
    const acceptedByCode = envelope.success && detailType !== undefined && DETAIL_SCHEMAS[detailType].safeParse(envelope.data.detail).success;
    out.push({ where, event, detailType, acceptedByCode });
  };
  const dir = new URL('test/fixtures/', ROOT);
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.jsonl')) continue;
    for (const [i, line] of read(`test/fixtures/${name}`).split('\n').entries()) if (line.trim()) consider(`${name}:${i + 1}`, line);
  }
  for (const name of readdirSync(new URL('eventbridge/', dir))) consider(`eventbridge/${name}`, read(`test/fixtures/eventbridge/${name}`));
  return out;
}

describe('inbound schemas against the fixtures and the examples', () => {
  const events = fixtureEvents();

  it('accept every fixture event the code accepts', () => {
    const accepted = events.filter((e) => e.acceptedByCode);
    expect(accepted.length).toBeGreaterThan(20);
    expect(new Set(accepted.map((e) => e.detailType))).toEqual(new Set(DETAIL_TYPES));
    const refused = accepted.map((e) => [e.where, errorsOf(e.detailType!, e.event)]).filter(([, errors]) => errors !== '');
    expect(refused).toEqual([]);
  });

  it('refuse the malformed fixture events the schema can express (bad-inputs corpus)', () => {
    // Prepare: the corpus's events of a known detail-type that the code rejects for a detail field.
    const expected = JSON.parse(read('test/fixtures/bad-inputs.expected.json')) as Record<string, { field: string; case: string }>;
    const bad = events.filter((e) => {
      if (!e.where.startsWith('bad-inputs.jsonl:') || e.acceptedByCode || e.detailType === undefined) return false;
      const line = e.where.split(':')[1]!;
      return expected[line]?.field.startsWith('detail') ?? false;
    });
    // What a JSON Schema cannot say: a currency code that matches [A-Z]{3} but is not ISO 4217, and text that is blank once trimmed.
    const beyondSchema = (c: string) => /unknown .*currency|whitespace|blank/i.test(c);
    // Act
    const missed = bad
      .filter((e) => errorsOf(e.detailType!, e.event) === '')
      .map((e) => expected[e.where.split(':')[1]!]!.case)
      .filter((c) => !beyondSchema(c));
    // Assess
    expect(bad.length).toBeGreaterThan(20);
    expect(missed).toEqual([]);
  });

  it.each(DETAIL_TYPES.map((t) => [t]))('docs/producers/examples/%s.json is a put-events entry the schema and the code accept', (detailType) => {
    const entries = JSON.parse(read(`docs/producers/examples/${detailType}.json`)) as Array<Record<string, string>>;
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry).toMatchObject({ Source: DEFAULT_SOURCES[detailType], DetailType: detailType });
    const detail = JSON.parse(entry!['Detail']!) as unknown;
    const event = { version: '0', id: 'example', 'detail-type': detailType, source: entry!['Source'], time: '2026-11-02T10:00:00Z', detail };
    expect(errorsOf(detailType, event)).toBe('');
    expect(DETAIL_SCHEMAS[detailType].safeParse(detail).error).toBeUndefined();
  });
});

// ---------------------------------------------------------------- outbound: what a replay publishes

/** `refund-gate replay` on the test run's DynamoDB Local (no JVM of its own), its lines parsed; a failed replay fails the suite. */
async function replay(args: readonly string[]): Promise<Array<Record<string, any>>> {
  const run = await replayShared(args);
  if (run.code !== 0) throw new Error(`replay exited ${run.code}: ${run.stderr}`);
  return run.lines;
}

describe('outbound schemas against what a replay of the fixtures publishes', { timeout: 120_000 }, () => {
  let published: Array<Record<string, any>> = [];

  beforeAll(async () => {
    const fixture = (name: string) => new URL(`test/fixtures/${name}`, ROOT).pathname;
    const runs = await Promise.all([
      replay([fixture('example.jsonl')]),
      replay([fixture('replay-timers.jsonl'), '--config', fixture('replay-timers.config.json'), '--until', '2026-11-04T00:00:00Z']),
    ]);
    published = runs.flat().filter((l) => l['channel'] !== 'rejected');
  }, 120_000);

  it('publishes releases, reviews and clearances (the check below is not vacuous)', () => {
    const kinds = new Set(published.map((l) => (l['channel'] === 'sns' ? l['message']['type'] : l['detailType'])));
    expect([...kinds]).toEqual(expect.arrayContaining(['RefundReleased', 'ReviewRequested']));
    expect(published.length).toBeGreaterThan(3);
  });

  it('every EventBridge detail matches its schema exactly', () => {
    for (const line of published.filter((l) => l['channel'] === 'eventbridge')) {
      const name = line['detailType'] as keyof typeof OUTBOUND_DETAIL_SCHEMAS;
      const event = { version: '0', id: 'replay', 'detail-type': name, source: line['source'], time: '2026-11-02T10:00:00Z', detail: line['detail'] };
      expect(errorsOf(name, event), JSON.stringify(line)).toBe('');
      expect(OUTBOUND_DETAIL_SCHEMAS[name].safeParse(line['detail']).error, JSON.stringify(line)).toBeUndefined();
    }
  });

  it('every review topic message and its attributes match their schemas exactly', () => {
    for (const line of published.filter((l) => l['channel'] === 'sns')) {
      const name = line['message']['type'] as keyof typeof REVIEW_MESSAGE_SCHEMAS;
      expect(errorsOf(name, line['message']), JSON.stringify(line)).toBe('');
      expect(REVIEW_MESSAGE_SCHEMAS[name].safeParse(line['message']).error, JSON.stringify(line)).toBeUndefined();
      expect(ReviewMessageAttributes.safeParse(line['attributes']).error, JSON.stringify(line)).toBeUndefined();
    }
  });

  it('refuses a published message with a field the schema does not list (strict)', () => {
    const line = published.find((l) => l['channel'] === 'sns')!;
    const name = line['message']['type'] as string;
    expect(errorsOf(name, { ...line['message'], surprise: 1 })).toMatch(/additional properties/);
  });
});
