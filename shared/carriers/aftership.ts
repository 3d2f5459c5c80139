import * as z from 'zod';
import type { ScanStatus } from '../contract/inbound.js';
import { parseShape, present } from './payload.js';
import type { CarrierProvider, CarrierWeight, ProviderPayload, ProviderTrackingEvent } from './provider.js';
import { constantTimeEqual, hmacSha256 } from './signature.js';
import { normaliseInstant } from './time.js';

/**
 * AfterShip checkpoint `tag` → contract status (docs/producers/carriers.md).
 * `Pending` (no carrier information yet), `Expired` (tracking stopped, not a
 * scan) and any tag not listed are skipped and counted, never guessed.
 */
export const AFTERSHIP_TAG: ReadonlyMap<string, ScanStatus> = new Map<string, ScanStatus>([
  ['InfoReceived', 'LABEL_CREATED'],
  ['InTransit', 'IN_TRANSIT'],
  ['OutForDelivery', 'OUT_FOR_DELIVERY'],
  ['AttemptFail', 'EXCEPTION'],
  ['Delivered', 'DELIVERED'],
  // Held at a pickup point: not delivered to the warehouse.
  ['AvailableForPickup', 'IN_TRANSIT'],
  ['Exception', 'EXCEPTION'],
]);

/** Sub-statuses (`subtag`) that say more than their tag. */
export const AFTERSHIP_SUBTAG: ReadonlyMap<string, ScanStatus> = new Map<string, ScanStatus>([
  // Acceptance scan: the carrier has the parcel.
  ['InTransit_002', 'PICKED_UP'],
  // Returning to sender / returned to sender.
  ['Exception_010', 'RETURNED_TO_SENDER'],
  ['Exception_011', 'RETURNED_TO_SENDER'],
]);

/** AfterShip's weight units, as it spells them, in the contract's. */
const WEIGHT_UNITS: ReadonlyMap<string, CarrierWeight['unit']> = new Map<string, CarrierWeight['unit']>([
  ['g', 'g'],
  ['gram', 'g'],
  ['grams', 'g'],
  ['kg', 'kg'],
  ['kgs', 'kg'],
  ['kilogram', 'kg'],
  ['kilograms', 'kg'],
  ['oz', 'oz'],
  ['ounce', 'oz'],
  ['ounces', 'oz'],
  ['lb', 'lb'],
  ['lbs', 'lb'],
  ['pound', 'lb'],
  ['pounds', 'lb'],
]);

const NullableText = z.string().nullish();
const Checkpoint = z.looseObject({
  tag: z.string().min(1),
  subtag: NullableText,
  checkpoint_time: NullableText,
  // When AfterShip recorded the checkpoint (UTC); used when checkpoint_time has no offset.
  created_at: NullableText,
  zip: NullableText,
  postal_code: NullableText,
  city: NullableText,
  state: NullableText,
  location: NullableText,
  country_iso3: NullableText,
  country_region: NullableText,
});
const Tracking = z.looseObject({
  id: z.string().min(1).max(256),
  tracking_number: z.string().trim().min(1).max(128),
  slug: z.string().trim().min(1).max(128),
  checkpoints: z.array(Checkpoint).max(2000),
  // Legacy webhooks: a number and a unit field; 2024+ versions: { value, unit }.
  shipment_weight: z.union([z.number(), z.looseObject({ value: z.number().nullish(), unit: NullableText })]).nullish(),
  shipment_weight_unit: NullableText,
});
const Body = z.looseObject({ event: z.string().min(1), msg: z.unknown() });

/**
 * AfterShip Tracking webhooks (`tracking_update`). Signature: header
 * `aftership-hmac-sha256`, the base64 HMAC-SHA256 of the raw body keyed with
 * the webhook secret (Settings → Webhooks in AfterShip).
 */
export const aftership: CarrierProvider = {
  name: 'aftership',
  signatureHeader: 'aftership-hmac-sha256',
  authentication: 'hmac',
  sign(rawBody, secret) {
    return hmacSha256(Buffer.from(secret, 'utf8'), rawBody).toString('base64');
  },
  verify(rawBody, headerValue, secret) {
    return constantTimeEqual(headerValue.trim(), aftership.sign(rawBody, secret));
  },
  parse(body): ProviderPayload {
    const envelope = parseShape(Body, body, 'an AfterShip webhook');
    // AfterShip marks no event as test mode: its test webhooks are signed with the same secret and carry sample data.
    if (envelope.event !== 'tracking_update') return { kind: 'ignored', eventType: envelope.event, testMode: false };
    const tracking = parseShape(Tracking, envelope.msg, 'an AfterShip tracking', 'msg');
    const { weight, problem } = weightOf(tracking.shipment_weight, tracking.shipment_weight_unit);
    const events = tracking.checkpoints.map((checkpoint): ProviderTrackingEvent => {
      const subtag = present(checkpoint.subtag);
      const rawTime = present(checkpoint.checkpoint_time) ?? '';
      return {
        providerStatus: subtag === undefined ? checkpoint.tag : `${checkpoint.tag}/${subtag}`,
        status: (subtag === undefined ? undefined : AFTERSHIP_SUBTAG.get(subtag)) ?? AFTERSHIP_TAG.get(checkpoint.tag),
        providerTime: rawTime,
        scannedAt: instantOf(rawTime, present(checkpoint.created_at)),
        location: {
          postalCode: present(checkpoint.zip) ?? present(checkpoint.postal_code),
          city: present(checkpoint.city),
          state: present(checkpoint.state),
          country: present(checkpoint.country_iso3) ?? present(checkpoint.country_region),
          street: present(checkpoint.location),
        },
      };
    });
    return {
      kind: 'tracking',
      testMode: false,
      shipment: { objectId: tracking.id, carrier: tracking.slug, trackingNumber: tracking.tracking_number, weight, weightProblem: problem, events },
    };
  },
};

/**
 * `checkpoint_time` is in the checkpoint's local time and may lack an offset
 * (AfterShip passes on what the carrier gives). Without one it names no
 * instant; then the checkpoint's `created_at` (UTC, when AfterShip recorded
 * it, so never earlier than the scan) stands in. A later scannedAt can only
 * hold a refund longer (RECEIPT_BEFORE_INBOUND_SCAN), never release one early.
 */
function instantOf(checkpointTime: string, createdAt: string | undefined): string | undefined {
  return normaliseInstant(checkpointTime, { withoutOffset: 'reject' }) ?? (createdAt === undefined ? undefined : normaliseInstant(createdAt, { withoutOffset: 'reject' }));
}

function weightOf(
  weight: number | { value?: number | null | undefined; unit?: string | null | undefined } | null | undefined,
  unitField: string | null | undefined,
): { weight: CarrierWeight | undefined; problem?: string } {
  const value = typeof weight === 'number' ? weight : weight?.value;
  const unit = typeof weight === 'number' ? present(unitField) : (present(weight?.unit ?? undefined) ?? present(unitField));
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return { weight: undefined };
  const known = unit === undefined ? undefined : WEIGHT_UNITS.get(unit.toLowerCase());
  if (known === undefined) return { weight: undefined, problem: `shipment weight ${value} in unknown unit ${JSON.stringify(unit ?? null)} left out` };
  return { weight: { value, unit: known } };
}
