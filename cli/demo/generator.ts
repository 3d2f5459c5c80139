import { reviewIdFor } from '../../shared/domain/identity.js';
import { FactWriter, at, itemGrams, toIso, type Pending } from './facts.js';
import { Rng } from './prng.js';
import { parcelRing } from './ring.js';
import {
  PER_1000,
  SCENARIOS,
  scenarioCounts,
  type DemoDay,
  type GenerateOptions,
  type Insider,
  type Scenario,
  type TruthReturn,
} from './scenarios.js';
import {
  DAY,
  EMPLOYEES,
  EVERYDAY,
  HIGH_VALUE,
  HOUR,
  MID_VALUE,
  MINUTE,
  OTHER_FACILITIES,
  SECOND,
  expectedPackagingGrams,
  WAREHOUSES,
  onShift,
  type Employee,
  type Product,
  type Warehouse,
} from './world.js';

export { carrierWeight } from './facts.js';
export { SCENARIOS, scenarioCounts } from './scenarios.js';
export type { DemoDay, Envelope, GenerateOptions, Insider, Money, Scenario, TruthReturn } from './scenarios.js';

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
 * items and packaging weigh, the carrier weighed the parcel. And a parcel
 * ring (ring.ts): customers who name a tracking number delivered for someone
 * else, or delivered long ago.
 *
 * Weights are realistic for honest parcels: packaging varies (85–120 % of the
 * estimate), USPS rounds up to the next ounce, UPS and FedEx to the next
 * 0.1 lb (FedEx to the next whole pound from 5 kg), dock scales read to 5 g
 * and about half the stations have one.
 *
 * Events are written in arrival order: about 10% are delayed by minutes to
 * hours (out of order) and about 5% delivered twice, as real producers do.
 */


/** Bribed receipts' value per 1,000 returns: about $100,000 (cents). */
const BRIBED_VALUE_PER_1000 = 10_000_000;
const DUPLICATE_RATE = 0.05;
const DELAY_RATE = 0.1;

export function generateDay(options: GenerateOptions): DemoDay {
  return new DayBuilder(options).build();
}

// ---------------------------------------------------------------- builder

interface PendingDecision {
  readonly receipt: Pending;
  readonly returnId: string;
  readonly receiptId: string;
  readonly decision: 'RELEASE' | 'DENY';
  readonly note: string;
}

class DayBuilder extends FactWriter {
  private readonly decisions: PendingDecision[] = [];
  private readonly truth: TruthReturn[] = [];
  private readonly lateScanLoad = new Map<string, number>();
  private readonly reconcileLoad = new Map<string, number>();
  private decisionSeq = 5_000;
  private lateScans = 0;

  public constructor(private readonly options: GenerateOptions) {
    super(new Rng(options.seed));
  }

  public build(): DemoDay {
    const { insiders, ringClerk } = this.cast();
    this.tellStories(insiders, ringClerk);
    const delayed = this.delaySome();
    const decisions = this.decide();
    const duplicates = this.duplicateSome();
    const ordered = [...this.pending].sort((a, b) => a.arrivalMs - b.arrivalMs || a.seq - b.seq);
    return {
      seed: this.options.seed,
      day: DAY,
      events: ordered.map((e) => this.envelope(e)),
      truth: this.truth,
      insiders,
      ringClerk: { employeeId: ringClerk.id, warehouseId: ringClerk.warehouseId },
      decisions,
      duplicates,
      delayed,
      lateScans: this.lateScans,
      until: `${DAY}T23:59:59Z`,
    };
  }

  /** The insiders: a bribed employee, a phished account, the empty-box ring's clerk and the parcel ring's. */
  private cast(): { insiders: Insider[]; ringClerk: Employee } {
    const dfwEarly = EMPLOYEES.filter((e) => e.warehouseId === 'WH-DFW' && e.shift === 'early');
    const rno = EMPLOYEES.filter((e) => e.warehouseId === 'WH-RNO');
    const insiders: Insider[] = [
      { employeeId: this.rng.pick(dfwEarly).id, warehouseId: 'WH-DFW', kind: 'bribed-employee' },
      { employeeId: this.rng.pick(rno).id, warehouseId: 'WH-RNO', kind: 'phished-account' },
    ];
    const ringClerk = this.rng.pick(EMPLOYEES.filter((e) => e.warehouseId === 'WH-CMH' && e.shift === 'early'));
    // The parcel ring's clerk works the late shift, when the ring's parcels are "received".
    const parcelClerk = this.rng.pick(EMPLOYEES.filter((e) => e.warehouseId === 'WH-CMH' && e.shift === 'late'));
    insiders.push({ employeeId: parcelClerk.id, warehouseId: parcelClerk.warehouseId, kind: 'parcel-ring' });
    return { insiders, ringClerk };
  }

  private tellStories(insiders: readonly Insider[], ringClerk: Employee): void {
    const counts = scenarioCounts(this.options.returns);
    const employee = (kind: Insider['kind']) => EMPLOYEES.find((e) => e.id === insiders.find((i) => i.kind === kind)!.employeeId)!;
    const [bribed, phished, parcelClerk] = [employee('bribed-employee'), employee('phished-account'), employee('parcel-ring')];
    // Scenario slots in random order, so return ids say nothing about the scenario.
    const slots = this.rng.shuffle((Object.keys(counts) as Scenario[]).flatMap((s) => Array<Scenario>(counts[s]).fill(s)));
    const bribedTarget = Math.round((BRIBED_VALUE_PER_1000 * counts['bribed-employee']) / PER_1000['bribed-employee']);
    const bribedValue = { left: bribedTarget, count: counts['bribed-employee'] };
    const ring = { shared: [] as string[], stale: [] as string[] };
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
        case 'shared-parcel':
          return void ring.shared.push(returnId);
        case 'stale-scan':
          return void ring.stale.push(returnId);
      }
    });
    this.truth.push(...parcelRing(this, parcelClerk, ring.shared, ring.stale));
  }

  /** About 10% of events arrive late, after events that happened after them. */
  private delaySome(): number {
    let delayed = 0;
    for (const event of this.pending) {
      if (event.delayable && this.rng.chance(DELAY_RATE)) {
        event.arrivalMs += this.rng.between(2 * MINUTE, 90 * MINUTE);
        delayed += 1;
      }
    }
    return delayed;
  }

  /** Reviewers decide after the receipt (and so its review) has arrived. Returns decisionId → reviewId. */
  private decide(): Map<string, string> {
    const decisionIndex = new Map<string, string>();
    for (const d of this.decisions) {
      const decidedAt = d.receipt.arrivalMs + this.rng.between(30 * MINUTE, 3 * HOUR);
      const decisionId = `DEC-${this.decisionSeq++}`;
      const reviewId = reviewIdFor.receipt(d.returnId, d.receiptId);
      decisionIndex.set(decisionId, reviewId);
      const reviewerId = this.rng.pick(['lp-reviewer-ana', 'lp-reviewer-marcus']);
      const detail = { decisionId, reviewId, returnId: d.returnId, reviewerId, decision: d.decision, decidedAt: toIso(decidedAt), note: d.note };
      this.emit('ReviewDecided', detail, decidedAt, { delayable: false });
    }
    return decisionIndex;
  }

  /** About 5% delivered twice: same detail, a new envelope, a little later. */
  private duplicateSome(): number {
    let duplicates = 0;
    for (const event of [...this.pending]) {
      if (!this.rng.chance(DUPLICATE_RATE)) continue;
      duplicates += 1;
      this.pending.push({ ...event, seq: this.nextSeq(), arrivalMs: event.arrivalMs + this.rng.between(SECOND, 30 * MINUTE), delayable: false });
    }
    return duplicates;
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
}
