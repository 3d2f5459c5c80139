import type { DetailType } from '../../shared/contract/inbound.js';

/** The demo's scenarios, their ground truth and how many of each a day has. */

export type Scenario =
  | 'honest'
  | 'honest-early-receipt'
  | 'honest-late-scan'
  | 'honest-wrong-item'
  | 'bribed-employee'
  | 'phished-account'
  | 'fake-tracking'
  | 'empty-box'
  | 'empty-box-ring'
  | 'shared-parcel'
  | 'stale-scan';

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
  'shared-parcel': { fraud: true, label: 'parcel ring: several customers name one delivered tracking number' },
  'stale-scan': { fraud: true, label: 'parcel ring: a tracking number delivered long ago, replayed by the carrier feed' },
};

/** The parcel ring's scenarios: evidence that belongs to another parcel (contract v1.2, R3 reason 3). */
export const PARCEL_RING: readonly Scenario[] = ['shared-parcel', 'stale-scan'];

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
  /** The parcel ring: the tracking number the return names. */
  readonly trackingNumber?: string | undefined;
}

export interface Insider {
  readonly employeeId: string;
  readonly warehouseId: string;
  readonly kind: 'bribed-employee' | 'phished-account' | 'empty-box-ring' | 'parcel-ring';
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
  /** Insiders R7 can find: the bribed employee, the phished account, the parcel ring's clerk. */
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

export const PER_1000 = {
  'bribed-employee': 76,
  'phished-account': 14,
  'fake-tracking': 20,
  'empty-box': 10,
  'empty-box-ring': 12,
  'shared-parcel': 9,
  'stale-scan': 3,
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
  // One tracking number named by three customers.
  'shared-parcel': 3,
  'stale-scan': 1,
  'honest-wrong-item': 1,
  'honest-late-scan': 2,
  'honest-early-receipt': 2,
} as const;

export function scenarioCounts(returns: number): Record<Scenario, number> {
  const counts = Object.fromEntries(
    (Object.keys(PER_1000) as Array<keyof typeof PER_1000>).map((s) => [s, Math.max(MINIMUM[s], Math.round((PER_1000[s] * returns) / 1000))]),
  ) as Record<Exclude<Scenario, 'honest'>, number>;
  const special = Object.values(counts).reduce((a, b) => a + b, 0);
  if (special > returns) throw new RangeError(`at least ${special} returns are needed for every scenario`);
  return { honest: returns - special, ...counts };
}
