import { createHash } from 'node:crypto';
import * as z from 'zod';
import { issuesOf } from '../contract/issues.js';
import { Id } from '../contract/primitives.js';
import { encodeTuple, tuplePrefix } from '../domain/ids.js';
import { FacilityMapError } from './errors.js';

/**
 * Where a carrier says it scanned or delivered a parcel. Every part is
 * optional: carriers report what they have (EasyPost `tracking_location`,
 * AfterShip checkpoint `zip`/`city`/`state`/`location`).
 */
export interface CarrierLocation {
  readonly postalCode?: string | undefined;
  readonly city?: string | undefined;
  readonly state?: string | undefined;
  readonly country?: string | undefined;
  /** Free text that may name a street (AfterShip's checkpoint `location`); EasyPost has none. */
  readonly street?: string | undefined;
}

/**
 * The first part of every facilityId refund-gate makes for a place that is not
 * a configured warehouse. A warehouseId may not start with it (checked when
 * the facility map is loaded), so such a facilityId never equals a warehouse.
 */
export const CARRIER_LOCATION_TAG = 'carrier-location';
const RESERVED_PREFIX = tuplePrefix(CARRIER_LOCATION_TAG);

const Text = z.string().trim().min(1).max(200);
const AddressSchema = z.strictObject({
  postalCode: Text,
  city: Text.optional(),
  street: Text.optional(),
});
const WarehouseSchema = z.strictObject({
  warehouseId: Id.refine((id) => !id.startsWith(RESERVED_PREFIX), {
    message: `must not start with "${RESERVED_PREFIX}" (reserved for deliveries that match no warehouse)`,
  }),
  addresses: z.array(AddressSchema).min(1).max(100),
});
/** The facility map: each warehouse and the delivery addresses carriers report for it. */
export const FacilityMapSchema = z.strictObject({
  warehouses: z.array(WarehouseSchema).max(1000),
});
export type FacilityMapInput = z.infer<typeof FacilityMapSchema>;

interface NormalisedAddress {
  readonly warehouseId: string;
  readonly postalCode: string;
  readonly city: string | undefined;
  readonly street: string | undefined;
  /** 1 postal code only, 2 with city, 3 with street, 4 with both: the most specific match wins. */
  readonly specificity: number;
}

/** A loaded, validated facility map. Matching compares normalised text, never raw strings. */
export class FacilityMap {
  private constructor(private readonly addresses: readonly NormalisedAddress[]) {}

  /** No warehouse configured: every delivery is "elsewhere" (useful for local tries only). */
  public static empty(): FacilityMap {
    return new FacilityMap([]);
  }

  /** Validate and load; throws {@link FacilityMapError} naming the field. */
  public static parse(input: unknown): FacilityMap {
    const parsed = FacilityMapSchema.safeParse(input);
    if (!parsed.success) {
      const first = issuesOf(parsed.error)[0]!;
      throw new FacilityMapError(`facility map: ${first.path}: ${first.message}`);
    }
    const addresses: NormalisedAddress[] = [];
    const seen = new Map<string, string>();
    for (const warehouse of parsed.data.warehouses) {
      for (const address of warehouse.addresses) {
        const entry: NormalisedAddress = {
          warehouseId: warehouse.warehouseId,
          postalCode: normalisePostalCode(address.postalCode),
          city: address.city === undefined ? undefined : normaliseText(address.city),
          street: address.street === undefined ? undefined : normaliseText(address.street),
          specificity: 1 + (address.city === undefined ? 0 : 1) + (address.street === undefined ? 0 : 2),
        };
        const key = encodeTuple(entry.postalCode, entry.city ?? '', entry.street ?? '');
        const other = seen.get(key);
        if (other !== undefined && other !== warehouse.warehouseId) {
          throw new FacilityMapError(
            `facility map: the address ${JSON.stringify(address)} is listed for warehouses ${JSON.stringify(other)} and ${JSON.stringify(warehouse.warehouseId)}; add a city or street that tells them apart`,
          );
        }
        seen.set(key, warehouse.warehouseId);
        addresses.push(entry);
      }
    }
    return new FacilityMap(addresses);
  }

  public get size(): number {
    return new Set(this.addresses.map((a) => a.warehouseId)).size;
  }

  /**
   * The warehouse a delivery location belongs to, or undefined. A configured
   * city must equal the reported one; a configured street must appear in the
   * reported street text when the carrier reports one (EasyPost never does:
   * there the postal code and city decide). The most specific matching
   * address wins; two warehouses matching equally well match neither.
   */
  public warehouseAt(location: CarrierLocation): string | undefined {
    if (location.postalCode === undefined) return undefined;
    const postal = normalisePostalCode(location.postalCode);
    if (postal === '') return undefined;
    const city = location.city === undefined ? undefined : normaliseText(location.city);
    const street = location.street === undefined ? undefined : ` ${normaliseText(location.street)} `;
    let best: { specificity: number; ids: Set<string> } = { specificity: 0, ids: new Set() };
    for (const address of this.addresses) {
      if (!postalCodesMatch(address.postalCode, postal)) continue;
      if (address.city !== undefined && address.city !== city) continue;
      if (address.street !== undefined && street !== undefined && !street.includes(` ${address.street} `)) continue;
      if (address.specificity > best.specificity) best = { specificity: address.specificity, ids: new Set([address.warehouseId]) };
      else if (address.specificity === best.specificity) best.ids.add(address.warehouseId);
    }
    return best.ids.size === 1 ? [...best.ids][0] : undefined;
  }
}

/**
 * The facilityId of a place that is no configured warehouse: the carrier's
 * own location, kept so a reviewer can see where the parcel went, as a tuple
 * tagged {@link CARRIER_LOCATION_TAG} (country, postal code, state, city).
 * Undefined when the carrier reported no location at all. Contract ids have
 * at most 128 code points: a longer tuple is replaced by a hash of it.
 */
export function carrierLocationId(location: CarrierLocation): string | undefined {
  const parts = [location.country, location.postalCode, location.state, location.city].map((p) => (p ?? '').trim().toUpperCase());
  if (parts.every((p) => p === '')) return undefined;
  const id = encodeTuple(CARRIER_LOCATION_TAG, ...parts);
  if ([...id].length <= 128) return id;
  return encodeTuple(CARRIER_LOCATION_TAG, 'sha256', createHash('sha256').update(id).digest('hex'));
}

/** Upper case, no spaces: "sw1a 1aa" and "SW1A1AA" are one code. */
export function normalisePostalCode(code: string): string {
  return code.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
}

/** Case, accents, punctuation and spacing do not matter: "Saint-Étienne" = "saint etienne". */
export function normaliseText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Equal, or the carrier's US ZIP+4 ("30336-1234", "303361234") extends the configured ZIP. */
function postalCodesMatch(configured: string, reported: string): boolean {
  if (configured === reported) return true;
  return /^\d{5}$/.test(configured) && /^\d{5}-?\d{4}$/.test(reported) && reported.startsWith(configured);
}
