import { gunzipSync } from 'node:zlib';
import { RefundGateError } from '../errors.js';
import { stateOfItem } from '../store/item-codec.js';
import { returnKey } from '../store/keys.js';
import { TABLE_KEYS } from '../store/table.js';

/*
 * Reading the evidence archive (functions/archiver/app.ts writes it): one
 * gzipped JSON-lines object per stream batch, under
 * `returns/<YYYY-MM-DD of the batch's first record>/<firstSeq>-<lastSeq>.jsonl.gz`,
 * each line `{sequenceNumber, approximateCreation, eventName, item}` with the
 * item's `state` and `outbox` as plain JSON. Where the objects are (an S3
 * bucket, a kept local run's directory) is behind {@link ArchiveStore}; this
 * module knows the layout, nothing of DynamoDB or S3.
 */

/** Where the archive's objects are: the one port the reader needs. */
export interface ArchiveStore {
  /** For messages: `s3://<bucket>` or the directory's path. */
  readonly location: string;
  /** Every key that starts with `prefix` (a `returns/<day>/` folder), whole keys, any order. */
  list(prefix: string): Promise<string[]>;
  /** One object's bytes, or undefined when it is gone since it was listed (expired). */
  get(key: string): Promise<Uint8Array | undefined>;
}

/** The archive cannot be read: access, a missing bucket or directory, a corrupt object. One line for a person. */
export class ArchiveError extends RefundGateError {
  public constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'ArchiveError';
  }
}

/** The top-level folder of the archive's objects (the archiver's key, the investigators' IAM prefix). */
export const ARCHIVE_PREFIX = 'returns/';

/** One archived image of a return: the item as one write left it, and where it was read. */
export interface ArchivedImage {
  /** The object's key, e.g. `returns/2026-11-20/100-105.jsonl.gz`. */
  readonly key: string;
  /** 1-based line of the object. */
  readonly line: number;
  /** The stream record's sequence number (a decimal string). */
  readonly sequenceNumber: string;
  /** When DynamoDB wrote it (epoch seconds, the stream's ApproximateCreationDateTime), if recorded. */
  readonly approximateCreation: number | null;
  readonly eventName: string | null;
  /** The return item, `state` and `outbox` as plain JSON. */
  readonly item: Record<string, unknown>;
}

export interface ArchiveProgress {
  /** Listing the day folders, then reading the objects. */
  readonly phase: 'list' | 'read';
  readonly done: number;
  readonly total: number;
}

export interface ArchiveSearch {
  readonly returnId: string;
  /** First business day searched, `YYYY-MM-DD` (UTC); the day before is listed too. */
  readonly from: string;
  /** Last day searched, `YYYY-MM-DD` (UTC), inclusive. */
  readonly to: string;
  readonly onProgress?: (progress: ArchiveProgress) => void;
  /** Requests in flight at once. @default 8 */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

export interface ArchiveSearchResult {
  /** The return's last image in the range (highest sequence number), or null. */
  readonly image: ArchivedImage | null;
  /**
   * Every employee flag item archived in the range (a flag is archived when
   * its TTL deletes it, as it stood then), the last image of each alert: what
   * `explain` needs for a closed return whose receipts fell under a flag that
   * has since left the table. Flag items are few; the caller keeps its employees'.
   */
  readonly flags: readonly ArchivedImage[];
  /** The day folders listed, oldest first. */
  readonly days: readonly string[];
  /** Objects read. */
  readonly objects: number;
}

/** The longest range one search lists (a typo like --from 1926 would otherwise list a century of days). */
export const MAX_SEARCH_DAYS = 1_100;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Whether `text` is a real calendar day written `YYYY-MM-DD`. */
export function isDay(text: string): boolean {
  const m = DAY.exec(text);
  if (!m) return false;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === text;
}

/** The UTC day of an instant, `YYYY-MM-DD`. */
export function dayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** `day` moved by `days` (negative: earlier). */
export function addDays(day: string, days: number): string {
  return dayOf(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS);
}

/**
 * The day folders a search of [from, to] lists: from the day before `from`
 * (a batch is filed under its FIRST record's day, so a record of `from` may
 * sit in a batch that began the evening before) to `to`, oldest first.
 */
export function daysToList(from: string, to: string): string[] {
  for (const [name, day] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!isDay(day)) throw new ArchiveError(`${name}: expected a day YYYY-MM-DD, got ${JSON.stringify(day)}`);
  }
  if (from > to) throw new ArchiveError(`from ${from} is after to ${to}`);
  const days: string[] = [];
  for (let day = addDays(from, -1); day <= to; day = addDays(day, 1)) {
    days.push(day);
    if (days.length > MAX_SEARCH_DAYS + 1) throw new ArchiveError(`the range ${from} to ${to} is longer than ${MAX_SEARCH_DAYS} days; search a shorter one`);
  }
  return days;
}

/**
 * The last archived image of one return between two days: list every day's
 * folder, read each object (gunzip, JSON lines) and keep the image with the
 * highest sequence number. A return closed once and written again later (a
 * decision that changed nothing, a late fact) has several images, possibly
 * in several objects; a retried batch may repeat one. Sequence numbers are
 * decimal strings of varying length, compared as integers.
 * @throws {ArchiveError} when an object cannot be listed or read, or is not what the archiver writes (the key is named)
 */
export async function findLastImage(store: ArchiveStore, search: ArchiveSearch): Promise<ArchiveSearchResult> {
  const days = daysToList(search.from, search.to);
  const concurrency = Math.max(1, search.concurrency ?? 8);
  let listed = 0;
  search.onProgress?.({ phase: 'list', done: 0, total: days.length });
  const perDay = await mapLimit(days, concurrency, search.signal, async (day) => {
    const keys = await store.list(`${ARCHIVE_PREFIX}${day}/`);
    search.onProgress?.({ phase: 'list', done: ++listed, total: days.length });
    return keys;
  });
  const keys = perDay.flatMap((k) => [...k].sort(compareKeys));
  let read = 0;
  search.onProgress?.({ phase: 'read', done: 0, total: keys.length });
  const found = await mapLimit(keys, concurrency, search.signal, async (key) => {
    const bytes = await store.get(key);
    const images = bytes === undefined ? { image: null, flags: [] } : imagesIn(store.location, key, bytes, search.returnId);
    search.onProgress?.({ phase: 'read', done: ++read, total: keys.length });
    return images;
  });
  let best: ArchivedImage | null = null;
  const flags = new Map<string, ArchivedImage>();
  for (const { image, flags: flagImages } of found) {
    if (image !== null && isLater(image, best)) best = image;
    for (const flag of flagImages) {
      const alert = String(flag.item['anomalyReviewId']);
      if (isLater(flag, flags.get(alert))) flags.set(alert, flag);
    }
  }
  return { image: best, flags: [...flags.values()], days, objects: keys.length };
}

/**
 * Whether `image` is a later record than `than` (none: yes). Sequence numbers are decimal strings of
 * varying length, compared as integers; a tie (the same record in two objects, after a bisected
 * retry) keeps the one found first: the same image either way.
 */
function isLater(image: ArchivedImage, than: ArchivedImage | null | undefined): boolean {
  return !than || BigInt(image.sequenceNumber) > BigInt(than.sequenceNumber);
}

/** An employee flag item as the archiver writes it (its TTL deletion's old image). */
const FLAG_NEEDLE = '"kind":"employee-flag"';

/**
 * The return's last image in one object, and every employee flag image in it.
 * Only lines that mention the return id (as JSON writes it) or a flag item are parsed.
 * @throws {ArchiveError} naming the object (and line) when it is not gzipped JSON lines of the archiver's shape
 */
export function imagesIn(location: string, key: string, bytes: Uint8Array, returnId: string): { image: ArchivedImage | null; flags: ArchivedImage[] } {
  const where = `${location.replace(/\/+$/, '')}/${key}`;
  let text: string;
  try {
    text = gunzipSync(bytes).toString('utf8');
  } catch (cause) {
    throw new ArchiveError(`${where}: not a gzipped archive object (${(cause as Error).message}); is it corrupt?`, { cause, context: { key } });
  }
  // A line names the return in its plain state, or only in its key when the state is still the
  // compressed `body` (an archiver that wrote the raw item): look for either before parsing.
  const pk = returnKey(returnId)[TABLE_KEYS.partitionKey];
  const needles = [JSON.stringify(returnId), JSON.stringify(pk), FLAG_NEEDLE];
  let best: ArchivedImage | null = null;
  const flags: ArchivedImage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!needles.some((needle) => line.includes(needle))) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (cause) {
      throw new ArchiveError(`${where} line ${i + 1}: not JSON (${(cause as Error).message}); is the object corrupt?`, { cause, context: { key, line: i + 1 } });
    }
    const record = parsed as { sequenceNumber?: unknown; approximateCreation?: unknown; eventName?: unknown; item?: unknown } | null;
    if (record === null || typeof record !== 'object' || typeof record.sequenceNumber !== 'string' || !/^\d+$/.test(record.sequenceNumber)) {
      throw new ArchiveError(`${where} line ${i + 1}: not an archive line (no decimal sequenceNumber)`, { context: { key, line: i + 1 } });
    }
    const item = record.item as Record<string, unknown> | null | undefined;
    const image: ArchivedImage = {
      key,
      line: i + 1,
      sequenceNumber: record.sequenceNumber,
      approximateCreation: typeof record.approximateCreation === 'number' ? record.approximateCreation : null,
      eventName: typeof record.eventName === 'string' ? record.eventName : null,
      item: item!,
    };
    if (isImageOf(item, returnId, pk)) {
      if (isLater(image, best)) best = image;
    } else if (isFlagImage(item)) {
      flags.push(image);
    }
  }
  return { image: best, flags };
}

/** An employee flag item (shared/store/employees.ts raiseFlag) with what a flag is read from. */
function isFlagImage(item: Record<string, unknown> | null | undefined): boolean {
  return (
    item !== null &&
    typeof item === 'object' &&
    item['kind'] === 'employee-flag' &&
    typeof item['employeeId'] === 'string' &&
    ['anomalyReviewId', 'flaggedAt', 'flaggedUntil'].every((field) => typeof item[field] === 'string')
  );
}

/** A return item of this return, with its decider state in plain JSON. */
function isImageOf(item: Record<string, unknown> | null | undefined, returnId: string, pk: string): boolean {
  if (item === null || typeof item !== 'object' || item['kind'] !== 'return') return false;
  // Every archived item carries its key; the state is the fallback for a line without one.
  const key = item[TABLE_KEYS.partitionKey];
  if (typeof key === 'string') return key === pk;
  return stateOfItem(item)?.returnId === returnId;
}

/** Keys of one day in stream order: by first sequence number as an integer, then as text. */
function compareKeys(a: string, b: string): number {
  const first = (key: string): bigint | undefined => {
    const m = /\/(\d+)-\d+\.jsonl\.gz$/.exec(key);
    return m ? BigInt(m[1]!) : undefined;
  };
  const fa = first(a);
  const fb = first(b);
  if (fa !== undefined && fb !== undefined && fa !== fb) return fa < fb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `fn` over `items`, at most `limit` at a time, results in input order; stops at the first failure or abort. */
async function mapLimit<T, R>(items: readonly T[], limit: number, signal: AbortSignal | undefined, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new ArchiveError(`interrupted (${String(signal.reason)})`);
      const i = next++;
      try {
        results[i] = await fn(items[i]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
