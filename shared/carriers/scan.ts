import { createHash } from 'node:crypto';
import type { CarrierScanDetail, ScanStatus } from '../contract/inbound.js';
import { encodeTuple } from '../domain/ids.js';
import { carrierLocationId, type FacilityMap } from './facilities.js';
import type { CarrierWeight, ProviderName, ProviderShipment, ProviderTrackingEvent } from './provider.js';

/** The `CarrierScan` detail refund-gate puts on the bus (contract §1, with the v1.1 `weight`). */
export type CarrierScan = Omit<CarrierScanDetail, 'weight'> & { readonly weight?: CarrierWeight };

/** A CarrierScan as an inbound EventBridge envelope (contract §1): what the local runtime and `refund-gate webhook` use. */
export interface CarrierScanEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'CarrierScan';
  readonly source: string;
  readonly time: string;
  readonly resources: readonly string[];
  readonly detail: CarrierScan;
}

/** A tracking event that did not become a scan, and why (logged and counted, never put). */
export interface SkippedEvent {
  readonly reason: 'UNMAPPED_STATUS' | 'NO_INSTANT';
  readonly providerStatus: string;
  readonly providerTime: string;
}

export interface NormalisedShipment {
  readonly scans: readonly CarrierScan[];
  readonly skipped: readonly SkippedEvent[];
}

/**
 * Tracking events → contract CarrierScans.
 *
 * Identity (R8): everything in a scan comes from its own tracking event, the
 * shipment's identifiers and weight, and the facility map: never from the
 * webhook's own id or time. The scanId is a hash of the provider's
 * identifiers (provider, tracking object id, the event's raw status and raw
 * time) *and* of every other field of the scan. So a re-sent webhook, or the
 * full history EasyPost repeats in every `tracker.updated`, yields the same
 * scanIds with the same details (a redelivery), and anything that would
 * change a detail (a corrected location, a re-measured weight, a new
 * facility map) yields a new scan instead of a conflict.
 *
 * `facilityId`: for DELIVERED, the warehouse whose delivery address the
 * carrier's location matches, else the carrier's location tagged
 * `carrier-location` (never a warehouseId); other statuses always carry the
 * carrier's location, as they are not deliveries to anyone.
 */
export function normaliseShipment(provider: ProviderName, shipment: ProviderShipment, facilities: FacilityMap): NormalisedShipment {
  const scans: CarrierScan[] = [];
  const skipped: SkippedEvent[] = [];
  const byId = new Set<string>();
  for (const event of shipment.events) {
    if (event.status === undefined) {
      skipped.push({ reason: 'UNMAPPED_STATUS', providerStatus: event.providerStatus, providerTime: event.providerTime });
      continue;
    }
    if (event.scannedAt === undefined) {
      skipped.push({ reason: 'NO_INSTANT', providerStatus: event.providerStatus, providerTime: event.providerTime });
      continue;
    }
    const scan = toScan(provider, shipment, event, event.status, event.scannedAt, facilities);
    // The same event listed twice in one body is one scan.
    if (byId.has(scan.scanId)) continue;
    byId.add(scan.scanId);
    scans.push(scan);
  }
  return { scans, skipped };
}

function toScan(
  provider: ProviderName,
  shipment: ProviderShipment,
  event: ProviderTrackingEvent,
  status: ScanStatus,
  scannedAt: string,
  facilities: FacilityMap,
): CarrierScan {
  const facilityId = status === 'DELIVERED' ? (facilities.warehouseAt(event.location) ?? carrierLocationId(event.location)) : carrierLocationId(event.location);
  const fields = {
    carrier: shipment.carrier.trim(),
    trackingNumber: shipment.trackingNumber.trim(),
    status,
    ...(facilityId === undefined ? {} : { facilityId }),
    scannedAt,
    ...(shipment.weight === undefined ? {} : { weight: shipment.weight }),
  };
  const identity = encodeTuple(
    'carrier-scan',
    provider,
    shipment.objectId,
    event.providerStatus,
    event.providerTime,
    fields.carrier,
    fields.trackingNumber,
    status,
    facilityId ?? '',
    scannedAt,
    shipment.weight === undefined ? '' : `${shipment.weight.value} ${shipment.weight.unit}`,
  );
  const scanId = `${provider}:${createHash('sha256').update(identity, 'utf8').digest('base64url')}`;
  return { scanId, ...fields };
}

/**
 * The inbound envelope for a scan. `id` is derived from the scanId and
 * `time` is the scan's own time, so the same webhook prints the same bytes;
 * in AWS, EventBridge sets both itself when the scan is put.
 */
export function toEnvelope(scan: CarrierScan, source: string): CarrierScanEnvelope {
  const hex = createHash('sha256').update(encodeTuple('envelope', scan.scanId)).digest('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  return { version: '0', id, 'detail-type': 'CarrierScan', source, time: scan.scannedAt, resources: [], detail: scan };
}
