import * as z from 'zod';
import type { ScanStatus } from '../contract/inbound.js';
import { parseShape, present } from './payload.js';
import type { CarrierProvider, ProviderPayload, ProviderTrackingEvent } from './provider.js';
import { constantTimeEqual, hmacSha256 } from './signature.js';
import { normaliseInstant } from './time.js';

/**
 * EasyPost tracker status → contract status (docs/producers/carriers.md has
 * the table and the reasons). `unknown` and any status not listed are
 * skipped and counted: they carry no evidence, and a scan refund-gate cannot
 * read must never be guessed into one (least of all into DELIVERED).
 */
export const EASYPOST_STATUS: ReadonlyMap<string, ScanStatus> = new Map<string, ScanStatus>([
  ['pre_transit', 'LABEL_CREATED'],
  ['in_transit', 'IN_TRANSIT'],
  ['out_for_delivery', 'OUT_FOR_DELIVERY'],
  ['delivered', 'DELIVERED'],
  // Held at a carrier counter or locker: not delivered to the warehouse.
  ['available_for_pickup', 'IN_TRANSIT'],
  ['return_to_sender', 'RETURNED_TO_SENDER'],
  ['failure', 'EXCEPTION'],
  ['cancelled', 'EXCEPTION'],
  ['error', 'EXCEPTION'],
]);

/** EasyPost Event descriptions whose `result` is a Tracker. */
const TRACKER_EVENTS: ReadonlySet<string> = new Set(['tracker.created', 'tracker.updated']);

const NullableText = z.string().nullish();
const TrackingLocation = z.looseObject({ city: NullableText, state: NullableText, country: NullableText, zip: NullableText }).nullish();
const TrackingDetail = z.looseObject({
  status: z.string().min(1),
  datetime: z.string().min(1),
  tracking_location: TrackingLocation,
});
const Tracker = z.looseObject({
  object: z.literal('Tracker'),
  id: z.string().min(1).max(256),
  tracking_code: z.string().trim().min(1).max(128),
  carrier: z.string().trim().min(1).max(128),
  // Ounces (EasyPost's unit for every weight); null when the carrier gave none.
  weight: z.number().nullish(),
  tracking_details: z.array(TrackingDetail).max(2000),
});
const Event = z.looseObject({ object: z.literal('Event'), description: z.string().min(1), mode: z.string().nullish(), result: z.unknown() });

const PREFIX = 'hmac-sha256-hex=';

/**
 * EasyPost webhooks (`tracker.updated` Events). Signature: header
 * `X-Hmac-Signature: hmac-sha256-hex=<lower-case hex HMAC-SHA256>` over the
 * raw body, keyed with the webhook secret NFKD-normalised and UTF-8 encoded,
 * as EasyPost's own client libraries compute it.
 */
export const easypost: CarrierProvider = {
  name: 'easypost',
  signatureHeader: 'x-hmac-signature',
  authentication: 'hmac',
  sign(rawBody, secret) {
    return PREFIX + hmacSha256(Buffer.from(secret.normalize('NFKD'), 'utf8'), rawBody).toString('hex');
  },
  verify(rawBody, headerValue, secret) {
    return constantTimeEqual(headerValue.trim(), easypost.sign(rawBody, secret));
  },
  parse(body): ProviderPayload {
    const event = parseShape(Event, body, 'an EasyPost Event');
    // Events of EasyPost's test environment say `mode: "test"` (test API keys, simulated trackers).
    const testMode = event.mode === 'test';
    if (!TRACKER_EVENTS.has(event.description)) return { kind: 'ignored', eventType: event.description, testMode };
    const tracker = parseShape(Tracker, event.result, 'an EasyPost Tracker', 'result');
    const weight = typeof tracker.weight === 'number' && Number.isFinite(tracker.weight) && tracker.weight > 0 ? { value: tracker.weight, unit: 'oz' as const } : undefined;
    const events = tracker.tracking_details.map((detail): ProviderTrackingEvent => {
      const location = detail.tracking_location ?? {};
      return {
        providerStatus: detail.status,
        status: EASYPOST_STATUS.get(detail.status),
        providerTime: detail.datetime,
        // EasyPost: "when location information is incomplete, timestamps default to UTC".
        scannedAt: normaliseInstant(detail.datetime, { withoutOffset: 'utc' }),
        location: {
          postalCode: present(location.zip),
          city: present(location.city),
          state: present(location.state),
          country: present(location.country),
        },
      };
    });
    return {
      kind: 'tracking',
      testMode,
      shipment: { objectId: tracker.id, carrier: tracker.carrier, trackingNumber: tracker.tracking_code, weight, events },
    };
  },
};
