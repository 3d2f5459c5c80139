import { DEFAULT_SOURCES } from '../shared/contract/config.js';
import type { DetailType } from '../shared/contract/inbound.js';

/**
 * Canonical return lifecycles for the benchmark, as EventBridge envelopes in
 * arrival order. Deterministic: the same scenario and size give the same bytes.
 */
export type ScenarioName = 'honest' | 'honest-late-scan' | 'phantom-receipt' | 'duplicated-shuffled';
export const SCENARIOS: readonly ScenarioName[] = ['honest', 'honest-late-scan', 'phantom-receipt', 'duplicated-shuffled'];

const BASE_MS = Date.UTC(2026, 10, 2, 6, 0, 0);
const at = (minutes: number) => new Date(BASE_MS + minutes * 60_000).toISOString().replace('.000Z', 'Z');

function envelope(detailType: DetailType, detail: Record<string, unknown>, id: string) {
  return { version: '0', id, 'detail-type': detailType, source: DEFAULT_SOURCES[detailType], account: '123456789012', time: at(0), region: 'us-east-1', resources: [], detail };
}

/** The events of one return in a scenario (arrival order). */
export function returnEvents(scenario: ScenarioName, index: number): ReturnType<typeof envelope>[] {
  const returnId = `r-${scenario}-${index}`;
  const tracking = `1Z${String(index).padStart(8, '0')}${scenario.length}`;
  const warehouseId = `WH-${(index % 3) + 1}`;
  const t0 = (index % 600) + 0;
  const amount = 2_000 + ((index * 7919) % 30_000);
  const ev = (type: DetailType, detail: Record<string, unknown>, n: number) => envelope(type, detail, `${returnId}-e${n}`);
  const authorized = ev('ReturnAuthorized', { returnId, orderId: `o-${index}`, customerId: `c-${index}`, warehouseId, carrier: 'UPS', trackingNumber: tracking, refund: { amount, currency: 'USD' }, authorizedAt: at(t0) }, 1);
  const scan = (n: number, status: string, minutes: number, facilityId: string) =>
    ev('CarrierScan', { scanId: `${returnId}-s${n}`, carrier: 'UPS', trackingNumber: tracking, status, facilityId, scannedAt: at(minutes) }, 10 + n);
  const scans = [scan(1, 'LABEL_CREATED', t0 + 5, 'ORIGIN'), scan(2, 'PICKED_UP', t0 + 60, 'ORIGIN'), scan(3, 'IN_TRANSIT', t0 + 300, 'HUB-4'), scan(4, 'OUT_FOR_DELIVERY', t0 + 700, 'DEPOT-2')];
  const delivered = scan(5, 'DELIVERED', t0 + 900, warehouseId);
  const receipt = ev('WarehouseReceipt', { receiptId: `${returnId}-rc`, returnId, warehouseId, employeeId: `emp-${index % 40}`, stationId: `dock-${index % 5}`, receivedAt: at(t0 + 910) }, 20);
  const refund = ev('RefundRequested', { refundId: `${returnId}-rf`, returnId, amount: { amount, currency: 'USD' }, requestedAt: at(t0 + 930) }, 30);
  switch (scenario) {
    case 'honest':
      return [authorized, ...scans, delivered, receipt, refund];
    case 'honest-late-scan':
      // The carrier's DELIVERED scan is reported after the receipt and the refund request.
      return [authorized, ...scans, receipt, refund, delivered];
    case 'phantom-receipt': {
      // Bribed staff: the parcel never moved, the receipt is marked anyway (by one of 8 employees).
      const phantom = { ...receipt, detail: { ...receipt.detail, employeeId: `emp-bribed-${index % 8}` } };
      return [authorized, phantom, refund];
    }
    case 'duplicated-shuffled': {
      const all = [authorized, ...scans, delivered, receipt, refund];
      const doubled = all.flatMap((e, i) => [e, { ...e, id: `${e.id}-retry`, time: at(t0 + i) }]);
      // Deterministic shuffle (LCG) so the bench is reproducible.
      let seed = index + 1;
      for (let i = doubled.length - 1; i > 0; i--) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const j = seed % (i + 1);
        [doubled[i], doubled[j]] = [doubled[j]!, doubled[i]!];
      }
      return doubled;
    }
  }
}
