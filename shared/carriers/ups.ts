import * as z from 'zod';
import type { ScanStatus } from '../contract/inbound.js';
import { parseShape, present } from './payload.js';
import type { CarrierProvider, ProviderPayload, ProviderTrackingEvent } from './provider.js';
import { constantTimeEqual } from './signature.js';
import { normaliseInstant } from './time.js';

/**
 * UPS Track Alert `activityStatus.type` → contract status
 * (docs/producers/carriers.md has the table). `MV` (manifest voided) and `U`
 * (a new delivery date, not a scan) are skipped and counted, as is any type
 * not listed.
 */
export const UPS_STATUS_TYPE: ReadonlyMap<string, ScanStatus> = new Map<string, ScanStatus>([
  ['M', 'LABEL_CREATED'],
  ['I', 'IN_TRANSIT'],
  ['X', 'EXCEPTION'],
  ['D', 'DELIVERED'],
]);

/** `activityStatus.code`s that say more than their type (type `I`). */
export const UPS_STATUS_CODE: ReadonlyMap<string, ScanStatus> = new Map<string, ScanStatus>([
  // "UPS has your package": the origin scan.
  ['OR', 'PICKED_UP'],
  ['OT', 'OUT_FOR_DELIVERY'],
]);

/**
 * UPS's integration (CIE) test tracking numbers start with this; UPS sends
 * events for them on demand, so they are test-mode events.
 */
export const UPS_TEST_TRACKING_PREFIX = '1ZCIETST';

const Text = z.string().nullish();
const TrackingEvent = z.looseObject({
  trackingNumber: z.string().trim().min(1).max(128),
  activityStatus: z.looseObject({ type: z.string().trim().min(1), code: Text, description: Text }),
  activityLocation: z.looseObject({ city: Text, stateProvince: Text, postalCode: Text, country: Text }).nullish(),
  gmtActivityDate: Text,
  gmtActivityTime: Text,
  actualDeliveryDate: Text,
});

/**
 * UPS Track Alert `TrackingEvent` webhooks: one event per POST, no HMAC.
 * The subscription's `destination.credential` comes back in the `credential`
 * header of every delivery; it is compared in constant time with the
 * configured secret (so it must be a long random value, never reused).
 */
export const ups: CarrierProvider = {
  name: 'ups',
  signatureHeader: 'credential',
  authentication: 'credential',
  sign(_rawBody, secret) {
    return secret;
  },
  verify(_rawBody, headerValue, secret) {
    return constantTimeEqual(headerValue.trim(), secret);
  },
  parse(body): ProviderPayload {
    const event = parseShape(TrackingEvent, body, 'a UPS Track Alert TrackingEvent');
    const trackingNumber = event.trackingNumber.trim();
    const type = event.activityStatus.type.trim().toUpperCase();
    const code = present(event.activityStatus.code)?.toUpperCase();
    const location = event.activityLocation ?? {};
    const providerTime = `${event.gmtActivityDate ?? ''} ${event.gmtActivityTime ?? ''}`.trim();
    const tracked: ProviderTrackingEvent = {
      providerStatus: code === undefined ? type : `${type}/${code}`,
      status: statusOf(type, code, present(event.actualDeliveryDate)),
      providerTime,
      scannedAt: gmtInstant(event.gmtActivityDate, event.gmtActivityTime),
      location: {
        postalCode: present(location.postalCode),
        city: present(location.city),
        state: present(location.stateProvince),
        country: present(location.country),
      },
    };
    return {
      kind: 'tracking',
      testMode: trackingNumber.toUpperCase().startsWith(UPS_TEST_TRACKING_PREFIX),
      shipment: { objectId: trackingNumber, carrier: 'ups', trackingNumber, weight: undefined, events: [tracked] },
    };
  },
};

/**
 * UPS's own FAQ says type `D` also covers "loaded on delivery vehicle, out
 * for delivery"; its `actualDeliveryDate` is blank until the delivery
 * happens. So a `D` event is DELIVERED only with that date, and
 * OUT_FOR_DELIVERY otherwise: never a delivery UPS has not reported.
 */
function statusOf(type: string, code: string | undefined, actualDeliveryDate: string | undefined): ScanStatus | undefined {
  if (type === 'D') return actualDeliveryDate === undefined || code === 'OT' ? 'OUT_FOR_DELIVERY' : 'DELIVERED';
  if (type === 'I' && code !== undefined && UPS_STATUS_CODE.has(code)) return UPS_STATUS_CODE.get(code);
  return UPS_STATUS_TYPE.get(type);
}

/**
 * `gmtActivityDate` (YYYYMMDD) and `gmtActivityTime` (HHMMSS) are UTC. The
 * local date and time next to them carry no offset and are never used.
 */
export function gmtInstant(date: string | null | undefined, time: string | null | undefined): string | undefined {
  const d = present(date);
  const t = present(time);
  if (d === undefined || t === undefined || !/^\d{8}$/.test(d) || !/^\d{6}$/.test(t)) return undefined;
  return normaliseInstant(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4)}Z`, { withoutOffset: 'reject' });
}
