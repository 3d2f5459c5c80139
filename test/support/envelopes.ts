import { DEFAULT_SOURCES } from '../../shared/contract/config.js';
import type { DetailType } from '../../shared/contract/inbound.js';

let counter = 0;

/** An EventBridge event exactly as EventBridge hands it to a Lambda target. */
export function envelope(detailType: DetailType, detail: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    version: '0',
    id: `evt-${counter}`,
    'detail-type': detailType,
    source: DEFAULT_SOURCES[detailType],
    account: '123456789012',
    time: '2026-11-02T10:04:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
    ...overrides,
  };
}

export const T = (hhmm: string, day = '2026-11-02') => `${day}T${hhmm}:00Z`;

/** One return's honest story: authorized, delivered to its warehouse, received, refund requested. */
export function honestReturn(returnId: string, opts: { warehouseId?: string; tracking?: string; amount?: number; customerId?: string } = {}) {
  const warehouseId = opts.warehouseId ?? 'WH-1';
  const tracking = opts.tracking ?? `1Z${returnId}`;
  const amount = opts.amount ?? 12_999;
  return {
    authorized: envelope('ReturnAuthorized', {
      returnId,
      orderId: `o-${returnId}`,
      customerId: opts.customerId ?? `c-${returnId}`,
      warehouseId,
      carrier: 'UPS',
      trackingNumber: tracking,
      refund: { amount, currency: 'USD' },
      authorizedAt: T('08:00'),
    }),
    inTransit: envelope('CarrierScan', {
      scanId: `s-${returnId}-1`,
      carrier: 'UPS',
      trackingNumber: tracking,
      status: 'IN_TRANSIT',
      facilityId: 'HUB-9',
      scannedAt: T('09:00'),
    }),
    delivered: envelope('CarrierScan', {
      scanId: `s-${returnId}-2`,
      carrier: 'ups',
      trackingNumber: ` ${tracking.toLowerCase()} `,
      status: 'DELIVERED',
      facilityId: warehouseId,
      scannedAt: T('10:00'),
    }),
    receipt: envelope('WarehouseReceipt', {
      receiptId: `rc-${returnId}`,
      returnId,
      warehouseId,
      employeeId: 'emp-7',
      stationId: 'dock-2',
      receivedAt: T('10:05'),
    }),
    refund: envelope('RefundRequested', {
      refundId: `rf-${returnId}`,
      returnId,
      amount: { amount, currency: 'USD' },
      requestedAt: T('10:30'),
    }),
  };
}
