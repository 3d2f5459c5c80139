import { createHash } from 'node:crypto';
import { DOMAIN_ID_FIELD, type DetailType, type InboundEvent } from '../contract/inbound.js';

/**
 * What "the same detail" means for R8 (contract §3): the parsed detail
 * (unknown fields already dropped by the schema, defaults such as
 * `condition: AS_EXPECTED` already applied), with every timestamp replaced by
 * one canonical form of its instant, serialised with sorted keys and hashed
 * with SHA-256, so a producer cannot craft a different detail with the same
 * fingerprint. The `v1` prefix names this canonical form: changing it (a new
 * field, another normalisation) needs a new prefix and a migration note.
 */
const TIMESTAMP_FIELDS = {
  ReturnAuthorized: ['authorizedAt'],
  CarrierScan: ['scannedAt'],
  WarehouseReceipt: ['receivedAt'],
  RefundRequested: ['requestedAt'],
  ReviewDecided: ['decidedAt'],
} as const satisfies Record<DetailType, readonly string[]>;

export interface FactIdentity {
  readonly detailType: DetailType;
  readonly idField: string;
  readonly id: string;
  readonly fingerprint: string;
}

/** The domain id of an inbound event and the fingerprint of its canonical detail. */
export function identityOf(event: InboundEvent): FactIdentity {
  const idField = DOMAIN_ID_FIELD[event.detailType];
  const detail = event.detail as unknown as Readonly<Record<string, unknown>>;
  return { detailType: event.detailType, idField, id: String(detail[idField]), fingerprint: fingerprintOf(event) };
}

export function fingerprintOf(event: InboundEvent): string {
  return `v1:${createHash('sha256').update(canonicalDetail(event)).digest('base64url')}`;
}

/** The canonical text of a parsed detail (exported for tests and investigations). */
export function canonicalDetail(event: InboundEvent): string {
  const detail = event.detail as unknown as Readonly<Record<string, unknown>>;
  const timestamps: readonly string[] = TIMESTAMP_FIELDS[event.detailType];
  const normalised = new Map<string, unknown>();
  for (const name of Object.keys(detail)) {
    const value = detail[name];
    normalised.set(name, timestamps.includes(name) && typeof value === 'string' ? canonicalInstant(value) : value);
  }
  return canonicalJson(normalised);
}

/** JSON with object keys sorted and undefined members dropped (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = value instanceof Map ? [...(value as Map<string, unknown>)] : Object.entries(value as Record<string, unknown>);
  const kept = entries.filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${kept.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2})?)$/;

/**
 * One text per instant, at full (nanosecond) precision: UTC,
 * `YYYY-MM-DDThh:mm:ss.nnnnnnnnnZ`. `2026-11-02T10:00:00+01:00` and
 * `2026-11-02T09:00:00.000Z` give the same text; two instants a nanosecond
 * apart do not (epoch milliseconds would merge them).
 */
export function canonicalInstant(timestamp: string): string {
  const m = RFC3339.exec(timestamp);
  if (!m) return timestamp;
  const [, y, mo, d, h, mi, s, fraction, , sign, oh, om] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), 0);
  const offsetMinutes = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om ?? 0)) : 0;
  const utc = new Date(date.getTime() - offsetMinutes * 60_000);
  const nanos = (fraction ?? '').padEnd(9, '0');
  return `${utc.toISOString().slice(0, -5)}.${nanos}Z`;
}
