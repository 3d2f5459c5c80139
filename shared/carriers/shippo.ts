import { createHmac } from 'node:crypto';
import * as z from 'zod';
import type { ScanStatus } from '../contract/inbound.js';
import { REFUSAL_STATUS, WebhookRefusedError } from './errors.js';
import { parseShape, present } from './payload.js';
import type { CarrierProvider, ProviderPayload, ProviderTrackingEvent } from './provider.js';
import { constantTimeEqual } from './signature.js';
import { normaliseInstant } from './time.js';

/**
 * Shippo tracking `status` → contract status (docs/producers/carriers.md).
 * `UNKNOWN` (the carrier has no record of the parcel) and anything not
 * listed are skipped and counted.
 */
export const SHIPPO_STATUS: ReadonlyMap<string, ScanStatus> = new Map<string, ScanStatus>([
  ['PRE_TRANSIT', 'LABEL_CREATED'],
  ['TRANSIT', 'IN_TRANSIT'],
  ['DELIVERED', 'DELIVERED'],
  ['RETURNED', 'RETURNED_TO_SENDER'],
  ['FAILURE', 'EXCEPTION'],
]);

/** `substatus.code`s of a TRANSIT event that say more than TRANSIT. */
export const SHIPPO_TRANSIT_SUBSTATUS: ReadonlyMap<string, ScanStatus> = new Map<string, ScanStatus>([
  ['package_accepted', 'PICKED_UP'],
  ['out_for_delivery', 'OUT_FOR_DELIVERY'],
]);

/** The carrier token Shippo's test mode uses; stands in for a null `data.carrier` in an allowed test event. */
export const SHIPPO_TEST_CARRIER = 'shippo';

/** Shippo's replay window on the signed `t`, unless configured otherwise. */
export const DEFAULT_SHIPPO_REPLAY_WINDOW_MS = 5 * 60_000;

const Text = z.string().nullish();
const Location = z.looseObject({ city: Text, state: Text, zip: Text, country: Text }).nullish();
const Status = z.looseObject({
  status: z.string().trim().min(1),
  status_date: Text,
  object_created: Text,
  location: Location,
  substatus: z.looseObject({ code: Text }).nullish(),
});
const Track = z.looseObject({
  carrier: z.string().trim().min(1).max(128).nullish(),
  tracking_number: z.string().trim().min(1).max(128),
  tracking_status: Status.nullish(),
  tracking_history: z.array(Status).max(2000).nullish(),
});
const Body = z.looseObject({ event: z.string().min(1), test: z.boolean().nullish(), data: z.unknown() });

const HEADER = /^t=(\d{1,12}),v1=([0-9a-fA-F]{64})$/;

/**
 * Shippo webhooks (`track_updated`). Signature: header
 * `Shippo-Auth-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over the
 * bytes `"<t>." + raw body`, keyed with the webhook's HMAC secret; `t` must
 * lie within the replay window of the receiver's clock.
 */
export const shippo: CarrierProvider = {
  name: 'shippo',
  signatureHeader: 'shippo-auth-signature',
  authentication: 'hmac',
  sign(rawBody, secret, nowMs = Date.now()) {
    const t = String(Math.floor(nowMs / 1000));
    return `t=${t},v1=${hmacOf(t, rawBody, secret)}`;
  },
  verify(rawBody, headerValue, secret) {
    const match = HEADER.exec(headerValue.replace(/\s+/g, ''));
    // A malformed header still costs one comparison, so its timing matches a wrong signature's.
    const [t, v1] = match ? [match[1]!, match[2]!.toLowerCase()] : ['0', ''];
    return constantTimeEqual(v1, hmacOf(t, rawBody, secret)) && match !== null;
  },
  staleness(headerValue, nowMs, windowMs) {
    const t = Number(HEADER.exec(headerValue.replace(/\s+/g, ''))?.[1]);
    const skewMs = Math.abs(nowMs - t * 1000);
    if (Number.isFinite(skewMs) && skewMs <= windowMs) return undefined;
    return `shippo-auth-signature t=${t} is ${Math.round(skewMs / 1000)} s away from now, outside the ${windowMs / 1000} s replay window`;
  },
  parse(body): ProviderPayload {
    const envelope = parseShape(Body, body, 'a Shippo webhook');
    const testMode = envelope.test === true;
    if (envelope.event !== 'track_updated') return { kind: 'ignored', eventType: envelope.event, testMode };
    const track = parseShape(Track, envelope.data, 'a Shippo Track', 'data');
    const carrier = present(track.carrier) ?? (testMode ? SHIPPO_TEST_CARRIER : undefined);
    if (carrier === undefined) {
      throw new WebhookRefusedError(REFUSAL_STATUS.badRequest, 'not a Shippo Track: data.carrier: is null; a live tracking update must name its carrier', {
        context: { field: 'data.carrier' },
      });
    }
    const statuses = [...(track.tracking_history ?? []), ...(track.tracking_status ? [track.tracking_status] : [])];
    const trackingNumber = track.tracking_number.trim();
    return {
      kind: 'tracking',
      testMode,
      // tracking_status repeats the latest history entry: the same event gives the same scanId and is kept once.
      shipment: { objectId: trackingNumber, carrier, trackingNumber, weight: undefined, events: statuses.map(eventOf) },
    };
  },
};

function eventOf(entry: z.infer<typeof Status>): ProviderTrackingEvent {
  const status = entry.status.trim().toUpperCase();
  const substatus = present(entry.substatus?.code);
  const rawTime = present(entry.status_date) ?? '';
  const location = entry.location ?? {};
  return {
    providerStatus: substatus === undefined ? status : `${status}/${substatus}`,
    status: (status === 'TRANSIT' && substatus !== undefined ? SHIPPO_TRANSIT_SUBSTATUS.get(substatus) : undefined) ?? SHIPPO_STATUS.get(status),
    providerTime: rawTime,
    scannedAt: instantOf(rawTime, present(entry.object_created)),
    location: { postalCode: present(location.zip), city: present(location.city), state: present(location.state), country: present(location.country) },
  };
}

/**
 * `status_date` names an instant only with an offset (Shippo's live examples
 * end in `Z`; its test-mode examples have none). Without one, the entry's
 * `object_created` (when Shippo recorded it, never before the scan) stands
 * in when it has an offset; otherwise the event is skipped, never guessed.
 */
function instantOf(statusDate: string, objectCreated: string | undefined): string | undefined {
  return normaliseInstant(statusDate, { withoutOffset: 'reject' }) ?? (objectCreated === undefined ? undefined : normaliseInstant(objectCreated, { withoutOffset: 'reject' }));
}

function hmacOf(t: string, rawBody: Uint8Array, secret: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${t}.`, 'utf8').update(rawBody).digest('hex');
}
