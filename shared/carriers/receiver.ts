import { jsonDepthProblem } from '../contract/parse.js';
import { aftership } from './aftership.js';
import { easypost } from './easypost.js';
import { REFUSAL_STATUS, WebhookNotConfiguredError, WebhookRefusedError } from './errors.js';
import type { FacilityMap } from './facilities.js';
import type { CarrierProvider, ProviderName } from './provider.js';
import { normaliseShipment, toEnvelope, type CarrierScan, type CarrierScanEnvelope, type SkippedEvent } from './scan.js';
import { DEFAULT_SHIPPO_REPLAY_WINDOW_MS, shippo } from './shippo.js';
import { ups } from './ups.js';

/** Every provider by name: the seam's registry. */
export const PROVIDERS: ReadonlyMap<string, CarrierProvider> = new Map<string, CarrierProvider>([
  [easypost.name, easypost],
  [aftership.name, aftership],
  [ups.name, ups],
  [shippo.name, shippo],
]);

/**
 * A webhook secret (or UPS credential) shorter than this many UTF-8 bytes is
 * refused: an HMAC key or a presented credential is only as strong as its
 * length, and a short one can be guessed.
 */
export const MIN_SECRET_BYTES = 32;

/** Why a secret cannot be used, or undefined when it can. */
export function secretProblem(secret: string): string | undefined {
  const bytes = Buffer.byteLength(secret, 'utf8');
  return bytes >= MIN_SECRET_BYTES ? undefined : `the webhook secret is ${bytes} bytes; at least ${MIN_SECRET_BYTES} are required`;
}

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
  /** Accept events the provider marks as test mode (contract §6). @default false */
  readonly allowTestMode?: boolean;
  /** How far a signed time (Shippo's `t`) may be from now. @default 5 minutes */
  readonly replayWindowMs?: number;
  /** The clock the replay window is measured on. @default Date.now */
  readonly nowMs?: () => number;
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
 * matters: method, size, then the signature (or credential) over the raw
 * bytes against every usable secret (the previous one too, during a
 * rotation), the replay window of a signed time, and only then is the body
 * decoded; a test-mode event is refused after parsing, before any scan is
 * made. Refusals throw {@link WebhookRefusedError} with the HTTP status;
 * nothing is returned to put on the bus.
 */
export function receiveWebhook(provider: CarrierProvider, request: WebhookRequest, secrets: readonly string[], settings: ReceiverSettings): ReceivedWebhook {
  if (request.method.toUpperCase() !== 'POST') throw new WebhookRefusedError(REFUSAL_STATUS.methodNotAllowed, `method ${request.method} not allowed; webhooks are POSTed`);
  const max = settings.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (request.body.byteLength > max) throw new WebhookRefusedError(REFUSAL_STATUS.tooLarge, `body of ${request.body.byteLength} bytes is larger than ${max}`);
  authenticate(provider, request, secrets, settings);

  const body = decodeJson(request.body);
  const payload = provider.parse(body);
  if (payload.testMode && settings.allowTestMode !== true) {
    throw new WebhookRefusedError(REFUSAL_STATUS.forbidden, `${provider.name} test-mode event refused; test mode is not allowed on this receiver`);
  }
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

function authenticate(provider: CarrierProvider, request: WebhookRequest, secrets: readonly string[], settings: ReceiverSettings): void {
  const given = secrets.filter((s) => s !== '');
  if (given.length === 0) throw new WebhookNotConfiguredError(provider.name);
  // A short secret is a configuration fault (503, alarmed), never a weaker check.
  const usable = given.filter((s) => secretProblem(s) === undefined);
  if (usable.length === 0) throw new WebhookNotConfiguredError(provider.name, secretProblem(given[0]!)!);
  const what = provider.authentication === 'credential' ? 'credential' : 'signature';
  const header = request.header(provider.signatureHeader);
  if (header === undefined || header.trim() === '') throw new WebhookRefusedError(REFUSAL_STATUS.unauthorized, `missing ${provider.signatureHeader} header (the ${what})`);
  // Every secret is tried (no early exit), so timing does not tell which one matched.
  let verified = false;
  for (const secret of usable) verified = provider.verify(request.body, header, secret) || verified;
  if (!verified) {
    throw new WebhookRefusedError(
      REFUSAL_STATUS.unauthorized,
      provider.authentication === 'credential' ? `${provider.signatureHeader} header does not match the configured credential` : `${provider.signatureHeader} does not match the body`,
    );
  }
  const stale = provider.staleness?.(header, (settings.nowMs ?? Date.now)(), settings.replayWindowMs ?? DEFAULT_SHIPPO_REPLAY_WINDOW_MS);
  if (stale !== undefined) throw new WebhookRefusedError(REFUSAL_STATUS.unauthorized, stale);
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
