import { DEFAULT_SOURCES } from '../../shared/contract/config.js';
import type { DetailType } from '../../shared/contract/inbound.js';
import { reviewIdFor } from '../../shared/domain/identity.js';
import { Rng } from './prng.js';
import {
  CARRIERS,
  CURRENCY,
  DAY,
  DAY_START_MS,
  EMPLOYEES,
  EVERYDAY,
  HIGH_VALUE,
  HOUR,
  MID_VALUE,
  MINUTE,
  ORIGINS,
  OTHER_FACILITIES,
  SECOND,
  expectedPackagingGrams,
  WAREHOUSES,
  onShift,
  type Carrier,
  type Employee,
  type Product,
  type Warehouse,
} from './world.js';

/**
 * A realistic receiving day at three returns centres, with its ground truth.
 *
 * Every return is one scenario. Honest ones ship, are delivered to their
 * returns centre and received there; some benign ones look odd (a receipt a
 * few minutes before the carrier's delivery time, within the skew; a
 * DELIVERED scan the carrier reports hours late; a wrong item a reviewer
 * releases). The frauds: a bribed employee marking never-shipped returns as
 * received (about $100,000 of electronics per 1,000 returns), a phished
 * account marking phantom receipts at night at another centre, customers
 * whose tracking number shows a parcel delivered somewhere else, empty
 * boxes an honest employee catches at the dock, and an empty-box ring:
 * customers mail empty boxes and a bribed clerk marks them received in good
 * condition. Only the weights give the ring away: the catalogue says what the
 * items and packaging weigh, the carrier weighed the parcel.
 *
 * Weights are realistic for honest parcels: packaging varies (85–120 % of the
 * estimate), USPS rounds up to the next ounce, UPS and FedEx to the next
 * 0.1 lb (FedEx to the next whole pound from 5 kg), dock scales read to 5 g
 * and about half the stations have one.
 *
 * Events are written in arrival order: about 10% are delayed by minutes to
 * hours (out of order) and about 5% delivered twice, as real producers do.
 */

export type Scenario =
  | 'honest'
  | 'honest-early-receipt'
  | 'honest-late-scan'
  | 'honest-wrong-item'
  | 'bribed-employee'
  | 'phished-account'
  | 'fake-tracking'
  | 'empty-box'
  | 'empty-box-ring';

export const SCENARIOS: Record<Scenario, { readonly fraud: boolean; readonly label: string }> = {
  honest: { fraud: false, label: 'honest' },
  'honest-early-receipt': { fraud: false, label: 'received minutes before the delivery scan (within skew)' },
  'honest-late-scan': { fraud: false, label: 'delivery scan reported hours late' },
  'honest-wrong-item': { fraud: false, label: 'wrong item flagged, released by a reviewer' },
  'bribed-employee': { fraud: true, label: 'bribed employee: never-shipped returns marked received' },
  'phished-account': { fraud: true, label: 'phished account: phantom receipts at night' },
  'fake-tracking': { fraud: true, label: 'fake tracking: parcel delivered to another facility' },
  'empty-box': { fraud: true, label: 'empty box, caught at the dock and denied' },
  'empty-box-ring': { fraud: true, label: 'empty-box ring: clerk marks empty boxes received in good condition' },
};

export interface Money {
  readonly amount: number;
  readonly currency: string;
}

/** The generator's ground truth for one return. */
export interface TruthReturn {
  readonly returnId: string;
  readonly scenario: Scenario;
  readonly fraud: boolean;
  readonly refund: Money;
  readonly warehouseId: string;
  /** The employee (account) that marked it received, if anyone did. */
  readonly receivedBy?: string | undefined;
  /** The insider behind it, for insider frauds. */
  readonly insider?: string | undefined;
}

export interface Insider {
  readonly employeeId: string;
  readonly warehouseId: string;
  readonly kind: 'bribed-employee' | 'phished-account' | 'empty-box-ring';
}

export interface Envelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': DetailType;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

export interface DemoDay {
  readonly seed: number;
  readonly day: string;
  /** Inbound events in arrival order. */
  readonly events: readonly Envelope[];
  readonly truth: readonly TruthReturn[];
  readonly insiders: readonly Insider[];
  /** The clerk of the empty-box ring: R7 does not count weight mismatches, the weight check holds the money. */
  readonly ringClerk: { readonly employeeId: string; readonly warehouseId: string };
  /** decisionId → the reviewId it answers, for the summary. */
  readonly decisions: ReadonlyMap<string, string>;
  readonly duplicates: number;
  /** Events delayed past later ones (out of order), late carrier scans not included. */
  readonly delayed: number;
  readonly lateScans: number;
  /** Where replay should move the clock after the last event: the end of the business day. */
  readonly until: string;
}

export interface GenerateOptions {
  readonly seed: number;
  readonly returns: number;
}

const PER_1000 = {
  'bribed-employee': 76,
  'phished-account': 14,
  'fake-tracking': 20,
  'empty-box': 10,
  'empty-box-ring': 12,
  'honest-wrong-item': 6,
  'honest-late-scan': 30,
  'honest-early-receipt': 50,
} as const;
const MINIMUM = {
  // Enough for R7's default threshold (3 in 24 h) to have something to find.
  'bribed-employee': 4,
  'phished-account': 3,
  'fake-tracking': 3,
  'empty-box': 1,
  'empty-box-ring': 2,
  'honest-wrong-item': 1,
  'honest-late-scan': 2,
  'honest-early-receipt': 2,
} as const;

/** Bribed receipts' value per 1,000 returns: about $100,000 (cents). */
const BRIBED_VALUE_PER_1000 = 10_000_000;
const DUPLICATE_RATE = 0.05;
const DELAY_RATE = 0.1;

export function scenarioCounts(returns: number): Record<Scenario, number> {
  const counts = Object.fromEntries(
    (Object.keys(PER_1000) as Array<keyof typeof PER_1000>).map((s) => [s, Math.max(MINIMUM[s], Math.round((PER_1000[s] * returns) / 1000))]),
  ) as Record<Exclude<Scenario, 'honest'>, number>;
  const special = Object.values(counts).reduce((a, b) => a + b, 0);
  if (special > returns) throw new RangeError(`at least ${special} returns are needed for every scenario`);
  return { honest: returns - special, ...counts };
}

export function generateDay(options: GenerateOptions): DemoDay {
  return new DayBuilder(options).build();
}

// ---------------------------------------------------------------- builder

interface Pending {
  readonly seq: number;
  readonly detailType: DetailType;
  readonly detail: Record<string, unknown>;
  readonly businessMs: number;
  arrivalMs: number;
  /** May be delayed out of order (decisions and the late-scan story are timed on purpose). */
  readonly delayable: boolean;
}

interface PendingDecision {
  readonly receipt: Pending;
  readonly returnId: string;
  readonly receiptId: string;
  readonly decision: 'RELEASE' | 'DENY';
  readonly note: string;
}

interface NewReturn {
  readonly returnId: string;
  readonly warehouse: Warehouse;
  readonly carrier: Carrier;
  readonly trackingNumber: string;
  readonly refund: Money;
}

const toIso = (ms: number): string => new Date(Math.floor(ms / SECOND) * SECOND).toISOString().replace('.000Z', 'Z');
const at = (hours: number): number => DAY_START_MS + hours * HOUR;

class DayBuilder {
  private readonly rng: Rng;
  private readonly pending: Pending[] = [];
  private readonly decisions: PendingDecision[] = [];
  private readonly truth: TruthReturn[] = [];
  private readonly trackingNumbers = new Set<string>();
  private readonly lateScanLoad = new Map<string, number>();
  private readonly reconcileLoad = new Map<string, number>();
  private seq = 0;
  private receiptSeq = 310_000;
  private refundSeq = 770_000;
  private decisionSeq = 5_000;
  private lateScans = 0;

  public constructor(private readonly options: GenerateOptions) {
    this.rng = new Rng(options.seed);
  }

  public build(): DemoDay {
    const counts = scenarioCounts(this.options.returns);
    const dfwEarly = EMPLOYEES.filter((e) => e.warehouseId === 'WH-DFW' && e.shift === 'early');
    const rno = EMPLOYEES.filter((e) => e.warehouseId === 'WH-RNO');
    const insiders: Insider[] = [
      { employeeId: this.rng.pick(dfwEarly).id, warehouseId: 'WH-DFW', kind: 'bribed-employee' },
      { employeeId: this.rng.pick(rno).id, warehouseId: 'WH-RNO', kind: 'phished-account' },
    ];
    const bribed = EMPLOYEES.find((e) => e.id === insiders[0]!.employeeId)!;
    const phished = EMPLOYEES.find((e) => e.id === insiders[1]!.employeeId)!;
    const ringClerk = this.rng.pick(EMPLOYEES.filter((e) => e.warehouseId === 'WH-CMH' && e.shift === 'early'));

    // Scenario slots in random order, so return ids say nothing about the scenario.
    const slots = this.rng.shuffle((Object.keys(counts) as Scenario[]).flatMap((s) => Array<Scenario>(counts[s]).fill(s)));
    const bribedTarget = Math.round((BRIBED_VALUE_PER_1000 * counts['bribed-employee']) / PER_1000['bribed-employee']);
    const bribedValue = { left: bribedTarget, count: counts['bribed-employee'] };
    let fakeIndex = 0;
    slots.forEach((scenario, i) => {
      const returnId = `RMA-${4_100_000 + i * 17 + this.rng.int(0, 16)}`;
      switch (scenario) {
        case 'honest':
        case 'honest-early-receipt':
        case 'honest-late-scan':
        case 'honest-wrong-item':
        case 'empty-box':
          return this.shipped(returnId, scenario);
        case 'fake-tracking':
          return this.fakeTracking(returnId, fakeIndex++);
        case 'bribed-employee':
          return this.phantom(returnId, scenario, bribed, this.bribedItem(bribedValue));
        case 'phished-account':
          return this.phantom(returnId, scenario, phished, this.rng.pick(MID_VALUE));
        case 'empty-box-ring':
          return this.emptyBoxRing(returnId, ringClerk);
      }
    });

    // About 10% of events arrive late, after events that happened after them.
    let delayed = 0;
    for (const event of this.pending) {
      if (event.delayable && this.rng.chance(DELAY_RATE)) {
        event.arrivalMs += this.rng.between(2 * MINUTE, 90 * MINUTE);
        delayed += 1;
      }
    }
    // Reviewers decide after the receipt (and so its review) has arrived.
    const decisionIndex = new Map<string, string>();
    for (const d of this.decisions) {
      const decidedAt = d.receipt.arrivalMs + this.rng.between(30 * MINUTE, 3 * HOUR);
      const decisionId = `DEC-${this.decisionSeq++}`;
      const reviewId = reviewIdFor.receipt(d.returnId, d.receiptId);
      decisionIndex.set(decisionId, reviewId);
      this.emit(
        'ReviewDecided',
        {
          decisionId,
          reviewId,
          returnId: d.returnId,
          reviewerId: this.rng.pick(['lp-reviewer-ana', 'lp-reviewer-marcus']),
          decision: d.decision,
          decidedAt: toIso(decidedAt),
          note: d.note,
        },
        decidedAt,
        { delayable: false },
      );
    }
    // About 5% delivered twice: same detail, a new envelope, a little later.
    const originals = [...this.pending];
    let duplicates = 0;
    for (const event of originals) {
      if (!this.rng.chance(DUPLICATE_RATE)) continue;
      duplicates += 1;
      this.pending.push({ ...event, seq: this.seq++, arrivalMs: event.arrivalMs + this.rng.between(SECOND, 30 * MINUTE), delayable: false });
    }
    const ordered = [...this.pending].sort((a, b) => a.arrivalMs - b.arrivalMs || a.seq - b.seq);
    const events = ordered.map((e) => this.envelope(e));
    return {
      seed: this.options.seed,
      day: DAY,
      events,
      truth: this.truth,
      insiders,
      ringClerk: { employeeId: ringClerk.id, warehouseId: ringClerk.warehouseId },
      decisions: decisionIndex,
      duplicates,
      delayed,
      lateScans: this.lateScans,
      until: `${DAY}T23:59:59Z`,
    };
  }

  // ------------------------------------------------------------ scenarios

  /** A parcel that really travels to its returns centre and is received there. */
  private shipped(returnId: string, scenario: Scenario): void {
    const warehouse = this.rng.pick(WAREHOUSES);
    const decided = scenario === 'honest-wrong-item' || scenario === 'empty-box';
    // Deliveries 06:20–19:00; ones a reviewer decides on by 15:00, so decisions land the same day.
    const deliveredAt = at(6.34) + this.rng.between(0, (decided ? 8.5 : 12.6) * HOUR);
    const items = this.everydayItems();
    const { authorizedAt, ret } = this.authorize(returnId, warehouse, deliveredAt, items);
    // What the parcel really weighs: the items (none if the box is empty) and its packaging.
    const parcelGrams = this.packedGrams(scenario === 'empty-box' ? 0 : itemGrams(items), itemGrams(items));

    let receivedAt: number;
    let employee: Employee;
    if (scenario === 'honest-early-receipt') {
      // The dock scanned it before the driver's handheld timestamped the delivery.
      receivedAt = deliveredAt - this.rng.between(1 * MINUTE, 14 * MINUTE);
      employee = this.rng.pick(onShift(warehouse.id, receivedAt));
    } else if (scenario === 'honest-late-scan') {
      receivedAt = deliveredAt + this.rng.between(15 * MINUTE, 90 * MINUTE);
      // A carrier feed backlog hits every dock alike: spread over the staff on shift.
      employee = this.leastLoaded(onShift(warehouse.id, receivedAt), this.lateScanLoad);
    } else {
      receivedAt = Math.min(deliveredAt + this.rng.between(20 * MINUTE, 3.5 * HOUR), at(21.9));
      employee = this.rng.pick(onShift(warehouse.id, receivedAt));
    }
    const condition =
      scenario === 'empty-box' ? 'EMPTY_BOX' : scenario === 'honest-wrong-item' ? 'WRONG_ITEM' : this.rng.chance(0.03) ? 'DAMAGED' : 'AS_EXPECTED';

    this.travel(ret, authorizedAt, deliveredAt, warehouse.id, parcelGrams, scenario === 'honest-late-scan' ? null : undefined);
    const dock = this.rng.chance(0.5) ? { dockGrams: parcelGrams } : {};
    const receipt = this.receipt(ret, employee, receivedAt, condition, { delayable: scenario !== 'honest-late-scan', ...dock });
    if (scenario === 'honest-late-scan') {
      // The carrier's DELIVERED scan reaches us one to six hours after the receipt.
      this.lateScans += 1;
      this.scan(ret, 'DELIVERED', warehouse.id, deliveredAt, { arrivalMs: receipt.arrivalMs + this.rng.between(1 * HOUR, 6 * HOUR), delayable: false, parcelGrams });
    }
    // Instant-refund customers ask at drop-off and are held until the evidence agrees.
    const early = this.rng.chance(scenario === 'empty-box' ? 0.6 : 0.35);
    this.refund(ret, early ? authorizedAt + this.rng.between(0, 10 * MINUTE) : receivedAt + this.rng.between(2 * MINUTE, 40 * MINUTE));
    if (scenario === 'honest-wrong-item') {
      this.decisions.push({ receipt, returnId, receiptId: String(receipt.detail['receiptId']), decision: 'RELEASE', note: 'Same model in another colour; customer confirmed. OK to refund.' });
    } else if (scenario === 'empty-box') {
      this.decisions.push({ receipt, returnId, receiptId: String(receipt.detail['receiptId']), decision: 'DENY', note: 'Box arrived sealed and empty; weight matches carrier record. Deny.' });
    }
    this.truth.push({ returnId, scenario, fraud: SCENARIOS[scenario].fraud, refund: ret.refund, warehouseId: warehouse.id, receivedBy: employee.id });
  }

  /** A tracking number whose parcel is delivered somewhere else; the refund is asked on "delivered". */
  private fakeTracking(returnId: string, index: number): void {
    const warehouse = this.rng.pick(WAREHOUSES);
    const deliveredAt = at(7) + this.rng.between(0, 11 * HOUR);
    const { authorizedAt, ret } = this.authorize(returnId, warehouse, deliveredAt, [this.rng.pick(MID_VALUE)]);
    this.travel(ret, authorizedAt, deliveredAt, this.rng.pick(OTHER_FACILITIES), this.rng.between(200, 2_000));
    this.refund(ret, deliveredAt + this.rng.between(5 * MINUTE, 60 * MINUTE));
    let receivedBy: string | undefined;
    if (index % 3 === 0) {
      // End-of-shift reconciliation: an honest clerk closes "carrier says delivered" parcels unseen.
      const receivedAt = at(20.5) + this.rng.between(0, 75 * MINUTE);
      const clerk = this.leastLoaded(onShift(warehouse.id, receivedAt), this.reconcileLoad);
      this.receipt(ret, clerk, receivedAt, 'AS_EXPECTED');
      receivedBy = clerk.id;
    }
    this.truth.push({ returnId, scenario: 'fake-tracking', fraud: true, refund: ret.refund, warehouseId: warehouse.id, receivedBy });
  }

  /** A return that never ships (only a label is printed), marked received by an insider or a stolen account. */
  private phantom(returnId: string, scenario: 'bribed-employee' | 'phished-account', account: Employee, item: Product): void {
    const warehouse = WAREHOUSES.find((w) => w.id === account.warehouseId)!;
    const receivedAt =
      scenario === 'bribed-employee'
        ? at(6.5) + this.rng.between(0, 7.75 * HOUR) // during the insider's own early shift
        : at(1.67) + this.rng.between(0, 2.15 * HOUR); // 01:40–03:50, nobody on shift
    const authorizedAt = receivedAt - this.rng.between(1 * 24 * HOUR, 5 * 24 * HOUR);
    const ret = this.newReturn(returnId, warehouse, [item]);
    this.emitAuthorization(ret, authorizedAt, [item]);
    this.scan(ret, 'LABEL_CREATED', undefined, authorizedAt + this.rng.between(MINUTE, 30 * MINUTE));
    const stationId = scenario === 'phished-account' ? 'RNO-HANDHELD-UNREGISTERED' : account.stationId;
    this.receipt(ret, account, receivedAt, 'AS_EXPECTED', { stationId });
    this.refund(ret, receivedAt + this.rng.between(MINUTE, 25 * MINUTE));
    this.truth.push({ returnId, scenario, fraud: true, refund: ret.refund, warehouseId: warehouse.id, receivedBy: account.id, insider: account.id });
  }

  /**
   * The empty-box ring: the customer mails an empty box (the carrier weighs
   * it), a bribed clerk marks it received AS_EXPECTED without weighing it,
   * and the refund is requested. Carrier and warehouse agree; only the
   * weights do not.
   */
  private emptyBoxRing(returnId: string, clerk: Employee): void {
    const warehouse = WAREHOUSES.find((w) => w.id === clerk.warehouseId)!;
    const item = this.rng.pick(HIGH_VALUE);
    const deliveredAt = at(6.34) + this.rng.between(0, 6 * HOUR);
    const { authorizedAt, ret } = this.authorize(returnId, warehouse, deliveredAt, [item]);
    // Packaging and a little crumpled paper, no laptop.
    const parcelGrams = this.packedGrams(this.rng.between(0, 120), item.grams);
    this.travel(ret, authorizedAt, deliveredAt, warehouse.id, parcelGrams);
    const receivedAt = Math.min(deliveredAt + this.rng.between(20 * MINUTE, 2 * HOUR), at(14.4));
    this.receipt(ret, clerk, receivedAt, 'AS_EXPECTED');
    this.refund(ret, this.rng.chance(0.6) ? authorizedAt + this.rng.between(0, 10 * MINUTE) : receivedAt + this.rng.between(2 * MINUTE, 40 * MINUTE));
    this.truth.push({ returnId, scenario: 'empty-box-ring', fraud: true, refund: ret.refund, warehouseId: warehouse.id, receivedBy: clerk.id, insider: clerk.id });
  }

  // ------------------------------------------------------------ weights

  /** Contents plus packaging, which varies from 85 % to 120 % of the estimate for the expected items. */
  private packedGrams(contentGrams: number, expectedItemGrams: number): number {
    return contentGrams + expectedPackagingGrams(expectedItemGrams) * (0.85 + 0.35 * this.rng.float());
  }

  // ------------------------------------------------------------ facts

  private authorize(returnId: string, warehouse: Warehouse, deliveredAt: number, items: Product[]) {
    const ret = this.newReturn(returnId, warehouse, items);
    // Work back from the delivery: in transit, picked up, authorized, hours to days apart.
    const authorizedAt = deliveredAt - this.rng.between(20 * HOUR, 6 * 24 * HOUR);
    this.emitAuthorization(ret, authorizedAt, items);
    return { authorizedAt, ret };
  }

  private newReturn(returnId: string, warehouse: Warehouse, items: Product[]): NewReturn {
    const carrier = this.rng.pick(CARRIERS);
    return { returnId, warehouse, carrier, trackingNumber: this.trackingNumber(carrier), refund: { amount: items.reduce((s, p) => s + p.price, 0), currency: CURRENCY } };
  }

  private emitAuthorization(ret: NewReturn, authorizedAt: number, items: Product[]): void {
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
   * `delivered` is null: the caller reports it itself).
   */
  private travel(ret: NewReturn, authorizedAt: number, deliveredAt: number, deliveredTo: string, parcelGrams: number, delivered?: null): void {
    const span = deliveredAt - authorizedAt;
    const pickedUp = authorizedAt + Math.floor(span * (0.1 + 0.2 * this.rng.float()));
    const inTransit = pickedUp + Math.floor((deliveredAt - pickedUp) * (0.4 + 0.3 * this.rng.float()));
    this.scan(ret, 'PICKED_UP', this.rng.pick(ORIGINS), pickedUp);
    this.scan(ret, 'IN_TRANSIT', this.rng.pick(ret.carrier.hubs), inTransit);
    if (delivered !== null) this.scan(ret, 'DELIVERED', deliveredTo, deliveredAt, { parcelGrams });
  }

  private scan(ret: NewReturn, status: string, facilityId: string | undefined, scannedAt: number, timing: Timing & { parcelGrams?: number } = {}): Pending {
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

  private receipt(
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

  private refund(ret: NewReturn, requestedAt: number): void {
    this.emit('RefundRequested', { refundId: `RFD-${this.refundSeq++}`, returnId: ret.returnId, amount: ret.refund, requestedAt: toIso(requestedAt) }, requestedAt);
  }

  private emit(detailType: DetailType, detail: Record<string, unknown>, businessMs: number, timing: Timing = {}): Pending {
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

  private envelope(event: Pending): Envelope {
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

  // ------------------------------------------------------------ helpers

  private everydayItems(): Product[] {
    return this.rng.chance(0.2) ? [this.rng.pick(EVERYDAY), this.rng.pick(EVERYDAY)] : [this.rng.pick(EVERYDAY)];
  }

  /** High-value items whose total comes close to the target: each pick aims at what is left per return. */
  private bribedItem(budget: { left: number; count: number }): Product {
    const aim = budget.left / Math.max(1, budget.count);
    const nearest = [...HIGH_VALUE].sort((a, b) => Math.abs(a.price - aim) - Math.abs(b.price - aim)).slice(0, 3);
    const item = this.rng.pick(nearest);
    budget.left -= item.price;
    budget.count -= 1;
    return item;
  }

  private leastLoaded(staff: readonly Employee[], load: Map<string, number>): Employee {
    const least = Math.min(...staff.map((e) => load.get(e.id) ?? 0));
    const employee = this.rng.pick(staff.filter((e) => (load.get(e.id) ?? 0) === least));
    load.set(employee.id, least + 1);
    return employee;
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

interface Timing {
  readonly arrivalMs?: number;
  readonly delayable?: boolean;
}

const itemGrams = (items: readonly Product[]): number => items.reduce((sum, p) => sum + p.grams, 0);

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
