/**
 * The demo's fixed world: three returns centres, their receiving staff and
 * shifts, three carriers, and a product catalogue with US prices (cents).
 */

export const DAY = '2026-11-02';
export const DAY_START_MS = Date.parse(`${DAY}T00:00:00Z`);
export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const SECOND = 1_000;
export const DAY_MS = 24 * HOUR;
export const CURRENCY = 'USD';

export interface Warehouse {
  readonly id: string;
  readonly city: string;
  readonly short: string;
  readonly staff: number;
}

export const WAREHOUSES: readonly Warehouse[] = [
  { id: 'WH-DFW', city: 'Dallas–Fort Worth', short: 'dfw', staff: 14 },
  { id: 'WH-RNO', city: 'Reno', short: 'rno', staff: 13 },
  { id: 'WH-CMH', city: 'Columbus', short: 'cmh', staff: 13 },
];

export type Shift = 'early' | 'late';

/** Receiving shifts, in hours of the day (UTC for simplicity), overlapping at handover. */
export const SHIFTS: Record<Shift, { readonly from: number; readonly to: number }> = {
  early: { from: 6, to: 14.5 },
  late: { from: 13.5, to: 22 },
};

export interface Employee {
  readonly id: string;
  readonly warehouseId: string;
  readonly shift: Shift;
  /** The dock station the employee usually works at. */
  readonly stationId: string;
}

export const EMPLOYEES: readonly Employee[] = WAREHOUSES.flatMap((w) =>
  Array.from({ length: w.staff }, (_, i) => ({
    id: `emp-${w.short}-${String(i + 1).padStart(2, '0')}`,
    warehouseId: w.id,
    shift: (i % 2 === 0 ? 'early' : 'late') as Shift,
    stationId: `${w.short.toUpperCase()}-DOCK-${(i % 4) + 1}`,
  })),
);

export function onShift(warehouseId: string, atMs: number): Employee[] {
  const hour = (atMs - DAY_START_MS) / HOUR;
  return EMPLOYEES.filter((e) => e.warehouseId === warehouseId && hour >= SHIFTS[e.shift].from && hour < SHIFTS[e.shift].to);
}

export interface Carrier {
  readonly name: string;
  /** Hubs a parcel passes on its way (IN_TRANSIT scans). */
  readonly hubs: readonly string[];
}

export const CARRIERS: readonly Carrier[] = [
  { name: 'UPS', hubs: ['UPS-LOUISVILLE-WORLDPORT', 'UPS-HODGKINS-IL', 'UPS-ONTARIO-CA'] },
  { name: 'FedEx', hubs: ['FDX-MEMPHIS-HUB', 'FDX-INDIANAPOLIS-HUB', 'FDX-FORTWORTH-ALLIANCE'] },
  { name: 'USPS', hubs: ['USPS-NDC-DALLAS', 'USPS-NDC-SAN-FRANCISCO', 'USPS-NDC-COLUMBUS'] },
];

/** Customer-side pickup points (PICKED_UP scans). */
export const ORIGINS: readonly string[] = [
  'ORIGIN-PHX-85004',
  'ORIGIN-DEN-80202',
  'ORIGIN-SEA-98101',
  'ORIGIN-ATL-30303',
  'ORIGIN-CHI-60601',
  'ORIGIN-BOS-02108',
  'ORIGIN-MIA-33131',
  'ORIGIN-SLC-84101',
];

/** Places that are not a returns centre: where fake-tracking parcels are really delivered. */
export const OTHER_FACILITIES: readonly string[] = [
  'USPS-PO-75201',
  'UPS-ACCESS-POINT-89501',
  'FDX-OFFICE-43215',
  'RESIDENTIAL-75034',
  'USPS-PO-89502',
];

export interface Product {
  readonly sku: string;
  readonly price: number;
  /** What the item weighs in its retail box, as the catalogue says. */
  readonly grams: number;
}

/**
 * Packaging the retailer expects around returned items (mailer, filler):
 * 150 g plus 8 % of the items. `expectedWeight` is items + this estimate.
 */
export const expectedPackagingGrams = (itemGrams: number): number => Math.round(150 + 0.08 * itemGrams);

/** Everyday returns: apparel, home, small electronics. */
export const EVERYDAY: readonly Product[] = [
  { sku: 'APP-JEANS-32', price: 5_999, grams: 650 },
  { sku: 'APP-DRESS-M', price: 7_900, grams: 400 },
  { sku: 'APP-SNEAKER-10', price: 11_999, grams: 1100 },
  { sku: 'APP-JACKET-L', price: 14_950, grams: 1300 },
  { sku: 'APP-TEE-3PK', price: 2_499, grams: 450 },
  { sku: 'HOME-LAMP', price: 4_599, grams: 1800 },
  { sku: 'HOME-KNIFE-SET', price: 8_999, grams: 2400 },
  { sku: 'HOME-AIRFRYER', price: 12_999, grams: 4800 },
  { sku: 'HOME-DUVET-Q', price: 9_900, grams: 2100 },
  { sku: 'EL-EARBUDS', price: 17_999, grams: 250 },
  { sku: 'EL-SMARTWATCH', price: 24_900, grams: 300 },
  { sku: 'EL-SPEAKER', price: 9_999, grams: 900 },
  { sku: 'TOY-BRICKS-XL', price: 6_999, grams: 2600 },
  { sku: 'BEAUTY-DRYER', price: 39_900, grams: 700 },
];

/** Mid-priced goods fraudsters like: easy to resell. */
export const MID_VALUE: readonly Product[] = [
  { sku: 'EL-TABLET-64', price: 32_900, grams: 850 },
  { sku: 'EL-HEADPHONES-NC', price: 34_999, grams: 700 },
  { sku: 'EL-CONSOLE-HANDHELD', price: 39_999, grams: 1100 },
  { sku: 'EL-ROBOVAC', price: 49_900, grams: 4200 },
  { sku: 'EL-SMARTPHONE-B', price: 69_900, grams: 450 },
  { sku: 'EL-CAMERA-COMPACT', price: 74_900, grams: 600 },
];

/** High-value electronics: what a bribed insider marks as received. */
export const HIGH_VALUE: readonly Product[] = [
  { sku: 'EL-LAPTOP-14', price: 99_900, grams: 2000 },
  { sku: 'EL-SMARTPHONE-PRO', price: 109_900, grams: 550 },
  { sku: 'EL-TABLET-PRO', price: 119_900, grams: 1200 },
  { sku: 'EL-LAPTOP-16', price: 129_900, grams: 2700 },
  { sku: 'EL-CAMERA-MIRRORLESS', price: 139_900, grams: 1500 },
  { sku: 'EL-DRONE-4K', price: 149_900, grams: 1900 },
  { sku: 'EL-LAPTOP-PRO-16', price: 179_900, grams: 3000 },
];
