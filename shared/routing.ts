import { DETAIL_TYPES, ScanStatus, type DetailType } from './contract/inbound.js';
import { isInsiderReason, isSelfReviewFlag, suspectFromReview } from './domain/insider.js';
import type { Effect } from './domain/types.js';

/**
 * The one routing table of refund-gate: which inbound events reach the ingest
 * function (the CDK's EventBridge rules) and which stream records reach each
 * stream consumer (the event source mappings' filter criteria). The CDK and
 * the local runtime both take their patterns from here and the local runtime
 * evaluates them with {@link matchesPattern}, so replay routes exactly as AWS
 * does. docs/maintainers/cost.md says why each filter is there.
 */
export const INBOUND_HANDLER = 'ingest' as const;

export interface Route {
  readonly detailType: DetailType;
  readonly source: string;
  readonly handler: typeof INBOUND_HANDLER;
}

export function routesFor(sources: Readonly<Record<DetailType, string>>): Route[] {
  return DETAIL_TYPES.map((detailType) => ({ detailType, source: sources[detailType], handler: INBOUND_HANDLER }));
}

/**
 * The carrier statuses no rule reads: every valid status but `DELIVERED`.
 * EventBridge drops a scan with one of these before it costs an invocation.
 */
export const UNREAD_SCAN_STATUSES: readonly ScanStatus[] = ScanStatus.options.filter((s) => s !== 'DELIVERED');

/**
 * What a CarrierScan rule delivers besides its source and detail-type: a
 * `status` that is not one of {@link UNREAD_SCAN_STATUSES}, or no `status`
 * leaf at all. The second branch keeps malformed scans (status missing,
 * `null`, an object) reaching the ingest function, which rejects them
 * with the field named: only well-formed statuses no rule reads are dropped.
 */
export const CARRIER_SCAN_DETAIL_PATTERN = {
  $or: [{ status: [{ 'anything-but': [...UNREAD_SCAN_STATUSES] }] }, { status: [{ exists: false }] }],
} as const;

export type InboundPattern = { source: string[]; 'detail-type': string[]; detail?: typeof CARRIER_SCAN_DETAIL_PATTERN };

/** The EventBridge event pattern of one route, as the CDK rule and the local bus both apply it. */
export function eventPatternOf(route: Route): InboundPattern {
  return {
    source: [route.source],
    'detail-type': [route.detailType],
    ...(route.detailType === 'CarrierScan' ? { detail: CARRIER_SCAN_DETAIL_PATTERN } : {}),
  };
}

/** Local-bus matching: the route whose whole pattern (detail filter included) matches, as EventBridge would pick it. */
export function matchingRoute(routes: readonly Route[], envelope: unknown): Route | undefined {
  return routes.find((r) => matchesPattern(eventPatternOf(r), envelope));
}

/**
 * A route whose source and detail-type match but whose detail filter does
 * not: in AWS the event is dropped by the rule, never invoked, never rejected.
 */
export function filteringRoute(routes: readonly Route[], envelope: unknown): Route | undefined {
  return routes.find((r) => {
    const { detail, ...envelopeOnly } = eventPatternOf(r);
    return detail !== undefined && matchesPattern(envelopeOnly, envelope) && !matchesPattern(eventPatternOf(r), envelope);
  });
}

// ------------------------------------------------------------------ stream consumers

/**
 * Sparse attributes the store writes on an item whose outbox is not empty
 * (`fx`), and on a return whose outbox holds an effect R7 acts on (`r7`).
 * Items without effects do not carry them, so the consumers' filters drop
 * their stream records before Lambda is invoked.
 */
export const STREAM_MARKER = { effects: 'fx', insider: 'r7' } as const;

/**
 * Whether R7 (shared/app/insider.ts) does anything with this effect: a
 * suspect receipt raised, or cleared by late evidence, or (v1.2) a
 * SELF_REVIEW_ATTEMPT, which flags the employee.
 */
export function concernsInsider(effect: Effect): boolean {
  if (effect.type === 'ReviewRaised') return suspectFromReview(effect) !== null || isSelfReviewFlag(effect);
  if (effect.type === 'ReviewCleared') {
    return effect.cause === 'LATE_EVIDENCE_MATCHED' && isInsiderReason(effect.reason) && !!effect.employeeId && !!effect.receiptId && !!effect.receivedAt;
  }
  return false;
}

/** The marker attributes of an item written with `outbox` (empty when it carries none). */
export function streamMarkersFor(outbox: readonly Effect[], options: { readonly insider: boolean }): Record<string, true> {
  const markers: Record<string, true> = {};
  if (outbox.length > 0) markers[STREAM_MARKER.effects] = true;
  if (options.insider && outbox.some(concernsInsider)) markers[STREAM_MARKER.insider] = true;
  return markers;
}

/** The statuses of a closed return: its writes are archived (docs/maintainers/cost.md). */
export const CLOSED_RETURN_STATUSES = ['RELEASED', 'DENIED'] as const;

/** The `userIdentity` of a stream record DynamoDB's TTL wrote (a deletion by the service itself). */
export const TTL_DELETION = { type: ['Service'], principalId: ['dynamodb.amazonaws.com'] } as const;

/** Names of the stream consumers, as their functions are named under `functions/`. */
export type StreamConsumerName = 'publisher' | 'insider' | 'archiver';

/**
 * The Lambda filter criteria of each stream consumer (one pattern each).
 * A REMOVE has no NewImage: the publisher and the insider never see one; the
 * archiver sees the TTL deletions of employee flags and open returns.
 */
export const STREAM_FILTERS: Readonly<Record<StreamConsumerName, readonly Record<string, unknown>[]>> = {
  publisher: [{ dynamodb: { NewImage: { [STREAM_MARKER.effects]: { BOOL: [true] } } } }],
  insider: [{ dynamodb: { NewImage: { [STREAM_MARKER.insider]: { BOOL: [true] } } } }],
  archiver: [
    { dynamodb: { NewImage: { kind: { S: ['return'] }, status: { S: [...CLOSED_RETURN_STATUSES] } } } },
    // What TTL is about to forget: an employee flag, or a return that never closed (its last image, whatever its age).
    { eventName: ['REMOVE'], userIdentity: TTL_DELETION, dynamodb: { OldImage: { kind: { S: ['employee-flag'] } } } },
    { eventName: ['REMOVE'], userIdentity: TTL_DELETION, dynamodb: { OldImage: { kind: { S: ['return'] }, status: { S: [{ 'anything-but': [...CLOSED_RETURN_STATUSES] }] } } } },
  ],
};

/**
 * How long each event source mapping may gather records before invoking
 * (seconds). The publisher's window bounds what batching adds to a
 * release's latency; R7 alerts are not time-critical.
 */
export const STREAM_BATCHING_WINDOW_SECONDS: Readonly<Record<StreamConsumerName, number>> = { publisher: 1, insider: 30, archiver: 300 };

/** Whether a stream record (as Lambda delivers it) passes a consumer's filters: any one pattern is enough. */
export function passesStreamFilters(consumer: StreamConsumerName, record: unknown): boolean {
  return STREAM_FILTERS[consumer].some((pattern) => matchesPattern(pattern, record));
}

// ------------------------------------------------------------------ pattern matcher

/**
 * EventBridge / Lambda event-filter matching, for the subset of the syntax
 * refund-gate's patterns use: nested objects, `$or`, exact values (string,
 * number, boolean, null), `exists` and `anything-but` (a value or a list).
 * Semantics as documented by AWS: the event is seen as its leaf values
 * (arrays are flattened: a field matches when any element matches); an
 * object is not a leaf, so a field holding one is absent for `exists`; a
 * missing field matches only `exists: false`. Any other operator throws,
 * so a pattern this matcher does not understand cannot be silently
 * evaluated wrong.
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (!isPlainObject(pattern)) throw new TypeError('an event pattern is an object');
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(rule) || rule.length < 2) throw new TypeError('$or takes a list of at least two patterns');
      if (!rule.some((branch) => matchesPattern(branch, event))) return false;
      continue;
    }
    const value = isPlainObject(event) && Object.hasOwn(event, key) ? event[key] : undefined;
    if (Array.isArray(rule)) {
      if (!matchesLeaf(rule, value)) return false;
    } else if (isPlainObject(rule)) {
      if (!matchesPattern(rule, value)) return false;
    } else {
      throw new TypeError(`pattern field ${JSON.stringify(key)}: a list of values or a nested pattern`);
    }
  }
  return true;
}

type Scalar = string | number | boolean | null;

/** The leaf values at a field: a scalar, the scalars of an array, nothing for a missing field or an object. */
function leavesOf(value: unknown): Scalar[] {
  if (Array.isArray(value)) return value.filter(isScalar);
  return isScalar(value) ? [value] : [];
}

function matchesLeaf(matchers: readonly unknown[], value: unknown): boolean {
  const leaves = leavesOf(value);
  return matchers.some((m) => {
    if (isScalar(m)) return leaves.some((leaf) => leaf === m);
    if (!isPlainObject(m)) throw new TypeError('a pattern value is a scalar or an operator object');
    const ops = Object.keys(m);
    if (ops.length !== 1) throw new TypeError(`one operator per matcher, got ${ops.join(', ')}`);
    if (Object.hasOwn(m, 'exists')) {
      if (typeof m['exists'] !== 'boolean') throw new TypeError('exists takes true or false');
      return m['exists'] ? leaves.length > 0 : leaves.length === 0;
    }
    if (Object.hasOwn(m, 'anything-but')) {
      const excluded = m['anything-but'];
      const list = Array.isArray(excluded) ? excluded : [excluded];
      if (!list.every(isScalar)) throw new TypeError('anything-but takes a value or a list of values');
      return leaves.some((leaf) => !list.includes(leaf));
    }
    throw new TypeError(`unsupported pattern operator ${JSON.stringify(ops[0])}`);
  });
}

function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
