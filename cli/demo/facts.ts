import { DEFAULT_SOURCES } from '../../shared/contract/config.js';
import type { DetailType } from '../../shared/contract/inbound.js';
import type { Rng } from './prng.js';
import type { Envelope, Money } from './scenarios.js';
import { CARRIERS, CURRENCY, DAY_START_MS, HOUR, ORIGINS, SECOND, expectedPackagingGrams, type Carrier, type Employee, type Product, type Warehouse } from './world.js';

/**
 * The facts of the demo day as producers publish them: authorizations,
 * carrier scans, receipts, refund requests, each with the time it arrives.
 * The scenarios (generator.ts, ring.ts) tell their stories with these.
 */

export interface Pending {
  readonly seq: number;
  readonly detailType: DetailType;
  readonly detail: Record<string, unknown>;
  readonly businessMs: number;
  arrivalMs: number;
  /** May be delayed out of order (decisions and the late-scan story are timed on purpose). */
  readonly delayable: boolean;
}

export interface NewReturn {
  readonly returnId: string;
  readonly warehouse: Warehouse;
  readonly carrier: Carrier;
  readonly trackingNumber: string;
  readonly refund: Money;
}

export interface Timing {
  readonly arrivalMs?: number;
  readonly delayable?: boolean;
}

export const toIso = (ms: number): string => new Date(Math.floor(ms / SECOND) * SECOND).toISOString().replace('.000Z', 'Z');
export const at = (hours: number): number => DAY_START_MS + hours * HOUR;
export const itemGrams = (items: readonly Product[]): number => items.reduce((sum, p) => sum + p.grams, 0);

export class FactWriter {
  public readonly pending: Pending[] = [];
  private readonly trackingNumbers = new Set<string>();
  private seq = 0;
  private receiptSeq = 310_000;
  private refundSeq = 770_000;

  public constructor(public readonly rng: Rng) {}

  public nextSeq(): number {
    return this.seq++;
  }

  /** A new return's parcel: its carrier, a fresh tracking number (or the one given: the ring reuses them), its refund. */
  public newReturn(returnId: string, warehouse: Warehouse, items: Product[], parcel?: { carrier: Carrier; trackingNumber: string }): NewReturn {
    const carrier = parcel?.carrier ?? this.rng.pick(CARRIERS);
    const trackingNumber = parcel?.trackingNumber ?? this.trackingNumber(carrier);
    return { returnId, warehouse, carrier, trackingNumber, refund: { amount: items.reduce((s, p) => s + p.price, 0), currency: CURRENCY } };
  }

  public emitAuthorization(ret: NewReturn, authorizedAt: number, items: Product[]): void {
    this.emit(
      'ReturnAuthorized',
      {
        returnId: ret.returnId,
        orderId: `ORD-${this.rng.digits(9)}`,
        customerId: `CUST-${this.rng.digits(7)}`,
        warehouseId: ret.warehouse.id,
        carrier: ret.carrier.name,
        trackingNumber: ret.trackingNumber,
        refund: ret.refund,
        authorizedAt: toIso(authorizedAt),
        items: items.map((p) => ({ sku: p.sku, quantity: 1 })),
        expectedWeight: { value: itemGrams(items) + expectedPackagingGrams(itemGrams(items)), unit: 'g' },
      },
      authorizedAt,
    );
  }

  /**
   * PICKED_UP, IN_TRANSIT, then DELIVERED at `deliveredTo` (omitted when
   * `delivered` is null: the caller reports it itself). `timing` sets when
   * they arrive (a carrier feed replaying an old history sends them at once).
   */
  public travel(
    ret: NewReturn,
    authorizedAt: number,
    deliveredAt: number,
    deliveredTo: string,
    parcelGrams: number,
    delivered?: null,
    arrival?: (scannedAt: number) => Timing,
  ): void {
    const span = deliveredAt - authorizedAt;
    const pickedUp = authorizedAt + Math.floor(span * (0.1 + 0.2 * this.rng.float()));
    const inTransit = pickedUp + Math.floor((deliveredAt - pickedUp) * (0.4 + 0.3 * this.rng.float()));
    this.scan(ret, 'PICKED_UP', this.rng.pick(ORIGINS), pickedUp, arrival?.(pickedUp));
    this.scan(ret, 'IN_TRANSIT', this.rng.pick(ret.carrier.hubs), inTransit, arrival?.(inTransit));
    if (delivered !== null) this.scan(ret, 'DELIVERED', deliveredTo, deliveredAt, { ...arrival?.(deliveredAt), parcelGrams });
  }

  public scan(ret: NewReturn, status: string, facilityId: string | undefined, scannedAt: number, timing: Timing & { parcelGrams?: number } = {}): Pending {
    const { parcelGrams, ...when } = timing;
    return this.emit(
      'CarrierScan',
      {
        scanId: `${ret.carrier.name.toUpperCase()}-SCN-${this.rng.alnum(12)}`,
        carrier: ret.carrier.name,
        trackingNumber: ret.trackingNumber,
        status,
        ...(facilityId !== undefined ? { facilityId } : {}),
        scannedAt: toIso(scannedAt),
        ...(parcelGrams !== undefined ? { weight: carrierWeight(ret.carrier, parcelGrams) } : {}),
      },
      scannedAt,
      when,
    );
  }

  public receipt(
    ret: NewReturn,
    employee: Employee,
    receivedAt: number,
    condition: string,
    options: Timing & { stationId?: string; dockGrams?: number } = {},
  ): Pending {
    const { dockGrams, stationId, ...when } = options;
    return this.emit(
      'WarehouseReceipt',
      {
        receiptId: `RCV-${ret.warehouse.short.toUpperCase()}-${this.receiptSeq++}`,
        returnId: ret.returnId,
        warehouseId: ret.warehouse.id,
        employeeId: employee.id,
        stationId: stationId ?? employee.stationId,
        receivedAt: toIso(receivedAt),
        condition,
        // A dock scale reads to 5 g.
        ...(dockGrams !== undefined ? { weight: { value: Math.round(dockGrams / 5) * 5, unit: 'g' } } : {}),
      },
      receivedAt,
      when,
    );
  }

  public refund(ret: NewReturn, requestedAt: number): void {
    this.emit('RefundRequested', { refundId: `RFD-${this.refundSeq++}`, returnId: ret.returnId, amount: ret.refund, requestedAt: toIso(requestedAt) }, requestedAt);
  }

  public emit(detailType: DetailType, detail: Record<string, unknown>, businessMs: number, timing: Timing = {}): Pending {
    const event: Pending = {
      seq: this.seq++,
      detailType,
      detail,
      businessMs,
      // Producers publish within seconds; EventBridge delivers within a second or two.
      arrivalMs: timing.arrivalMs ?? businessMs + this.rng.between(200, 45 * SECOND),
      delayable: timing.delayable ?? true,
    };
    this.pending.push(event);
    return event;
  }

  public envelope(event: Pending): Envelope {
    return {
      version: '0',
      id: this.rng.uuid(),
      'detail-type': event.detailType,
      source: DEFAULT_SOURCES[event.detailType],
      account: '123456789012',
      time: toIso(event.arrivalMs),
      region: 'us-east-1',
      resources: [],
      detail: event.detail,
    };
  }

  private trackingNumber(carrier: Carrier): string {
    for (;;) {
      const n =
        carrier.name === 'UPS'
          ? `1Z${this.rng.alnum(6)}03${this.rng.digits(8)}`
          : carrier.name === 'FedEx'
            ? this.rng.digits(12)
            : `9400${this.rng.digits(18)}`;
      if (!this.trackingNumbers.has(n)) {
        this.trackingNumbers.add(n);
        return n;
      }
    }
  }
}

const GRAMS_PER_OZ = 28.349523125;
const GRAMS_PER_LB = 453.59237;

/**
 * The weight a carrier reports for a parcel, rounded up as carriers do:
 * USPS to the next ounce; UPS to the next 0.1 lb; FedEx to the next 0.1 lb,
 * and to the next whole pound from 5 kg.
 */
export function carrierWeight(carrier: Carrier, grams: number): { value: number; unit: 'oz' | 'lb' } {
  if (carrier.name === 'USPS') return { value: Math.ceil(grams / GRAMS_PER_OZ), unit: 'oz' };
  const pounds = grams / GRAMS_PER_LB;
  if (carrier.name === 'FedEx' && grams >= 5_000) return { value: Math.ceil(pounds), unit: 'lb' };
  return { value: Math.ceil(pounds * 10) / 10, unit: 'lb' };
}
