import { jsonDepthProblem } from '../contract/parse.js';
import { aftership } from './aftership.js';
import { easypost } from './easypost.js';
import { REFUSAL_STATUS, WebhookNotConfiguredError, WebhookRefusedError } from './errors.js';
import type { FacilityMap } from './facilities.js';
import type { CarrierProvider, ProviderName } from './provider.js';
import { normaliseShipment, toEnvelope, type CarrierScan, type CarrierScanEnvelope, type SkippedEvent } from './scan.js';

/** Every provider by name: the seam's registry. */
export const PROVIDERS: ReadonlyMap<string, CarrierProvider> = new Map<string, CarrierProvider>([
  [easypost.name, easypost],
  [aftership.name, aftership],
]);

/**
 * Bodies above this are refused (413) before they are hashed. An EasyPost
 * tracker with a hundred tracking details is about 50 KB.
 */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** An HTTP request as the receiver needs it: the raw body bytes, never a parsed body. */
export interface WebhookRequest {
  readonly method: string;
  /** Case-insensitive header lookup. */
  readonly header: (name: string) => string | undefined;
  readonly body: Uint8Array;
}

export interface ReceiverSettings {
  /** The configured CarrierScan source (contract §1; default `retail.carrier`). */
  readonly source: string;
  readonly facilities: FacilityMap;
  /** @default DEFAULT_MAX_BODY_BYTES */
  readonly maxBodyBytes?: number;
}

/** A verified webhook and what it becomes. */
export interface ReceivedWebhook {
  readonly provider: ProviderName;
  /** Set when the event is of a kind that carries no scans (answered 200, nothing put). */
  readonly ignoredEventType?: string;
  readonly scans: readonly CarrierScan[];
  readonly envelopes: readonly CarrierScanEnvelope[];
  readonly skipped: readonly SkippedEvent[];
  readonly weightProblem?: string;
}

/** The provider for a path segment, or a 404. */
export function providerNamed(name: string): CarrierProvider {
  const provider = PROVIDERS.get(name);
  if (!provider) throw new WebhookRefusedError(REFUSAL_STATUS.notFound, `no webhook receiver for "${name}" (known: ${[...PROVIDERS.keys()].join(', ')})`);
  return provider;
}

/**
 * Check a webhook request and turn it into CarrierScan envelopes. Order
 * matters: method, size, then the signature over the raw bytes against every
 * current secret (the previous one too, during a rotation), and only then is
 * the body decoded. Refusals throw {@link WebhookRefusedError} with the HTTP
 * status; nothing is returned to put on the bus.
 */
export function receiveWebhook(provider: CarrierProvider, request: WebhookRequest, secrets: readonly string[], settings: ReceiverSettings): ReceivedWebhook {
  if (request.method.toUpperCase() !== 'POST') throw new WebhookRefusedError(REFUSAL_STATUS.methodNotAllowed, `method ${request.method} not allowed; webhooks are POSTed`);
  const max = settings.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (request.body.byteLength > max) throw new WebhookRefusedError(REFUSAL_STATUS.tooLarge, `body of ${request.body.byteLength} bytes is larger than ${max}`);
  const usable = secrets.filter((s) => s !== '');
  if (usable.length === 0) throw new WebhookNotConfiguredError(provider.name);
  const signature = request.header(provider.signatureHeader);
  if (signature === undefined || signature.trim() === '') throw new WebhookRefusedError(REFUSAL_STATUS.unauthorized, `missing ${provider.signatureHeader} header`);
  // Every secret is tried (no early exit), so timing does not tell which one matched.
  let verified = false;
  for (const secret of usable) verified = provider.verify(request.body, signature, secret) || verified;
  if (!verified) throw new WebhookRefusedError(REFUSAL_STATUS.unauthorized, `${provider.signatureHeader} does not match the body`);

  const body = decodeJson(request.body);
  const payload = provider.parse(body);
  if (payload.kind === 'ignored') return { provider: provider.name, ignoredEventType: payload.eventType, scans: [], envelopes: [], skipped: [] };
  const { scans, skipped } = normaliseShipment(provider.name, payload.shipment, settings.facilities);
  return {
    provider: provider.name,
    scans,
    envelopes: scans.map((scan) => toEnvelope(scan, settings.source)),
    skipped,
    ...(payload.shipment.weightProblem === undefined ? {} : { weightProblem: payload.shipment.weightProblem }),
  };
}

function decodeJson(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new WebhookRefusedError(REFUSAL_STATUS.badRequest, 'body is not UTF-8 text', { cause });
  }
  const tooDeep = jsonDepthProblem(text);
  if (tooDeep !== undefined) throw new WebhookRefusedError(REFUSAL_STATUS.badRequest, `body refused: ${tooDeep}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new WebhookRefusedError(REFUSAL_STATUS.badRequest, `body is not JSON: ${(cause as Error).message}`, { cause });
  }
}

/** A case-insensitive header lookup over a plain header record (Lambda, node:http). */
export function headerLookup(headers: Readonly<Record<string, string | string[] | undefined>> | undefined): (name: string) => string | undefined {
  const byName = new Map<string, string>();
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    byName.set(name.toLowerCase(), Array.isArray(value) ? value.join(',') : value);
  }
  return (name) => byName.get(name.toLowerCase());
}
