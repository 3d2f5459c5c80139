import { describe, expect, it } from 'vitest';
import {
  ContractValidationError,
  DEFAULT_SOURCES,
  SETTING_NAMES,
  closestName,
  isRfc3339,
  parseInboundEvent,
  resolveSettings,
} from '../../shared/contract/index.js';

const envelope = (detailType: keyof typeof DEFAULT_SOURCES, detail: Record<string, unknown>) => ({
  version: '0',
  id: 'e-1',
  'detail-type': detailType,
  source: DEFAULT_SOURCES[detailType],
  time: '2026-11-02T10:04:00Z',
  detail,
});
const receipt = (extra: Record<string, unknown> = {}) =>
  envelope('WarehouseReceipt', { receiptId: 'rc-1', returnId: 'r-1', warehouseId: 'WH-1', employeeId: 'emp-7', receivedAt: '2026-11-02T11:10:00Z', ...extra });
const scan = (extra: Record<string, unknown> = {}) =>
  envelope('CarrierScan', { scanId: 's-1', carrier: 'UPS', trackingNumber: '1Z', status: 'DELIVERED', scannedAt: '2026-11-02T11:00:00Z', ...extra });
const authorized = (extra: Record<string, unknown> = {}) =>
  envelope('ReturnAuthorized', {
    returnId: 'r-1',
    orderId: 'o-1',
    customerId: 'c-1',
    warehouseId: 'WH-1',
    carrier: 'UPS',
    trackingNumber: '1Z',
    refund: { amount: 4999, currency: 'EUR' },
    authorizedAt: '2026-11-02T09:00:00Z',
    ...extra,
  });
const parse = (raw: unknown) => parseInboundEvent(raw, DEFAULT_SOURCES);
/** The field the rejection names. */
const fieldOf = (raw: unknown): string => {
  try {
    parse(raw);
  } catch (error) {
    if (error instanceof ContractValidationError) return error.field;
    throw error;
  }
  return 'accepted';
};

describe('§1 timestamps: strict RFC 3339', () => {
  it.each([
    '2026-11-02T11:10:00Z',
    '2026-11-02T11:10:00.5Z',
    '2026-11-02T11:10:00.123456789Z',
    '2026-11-02T11:10:00+02:00',
    '2026-11-02T11:10:00.123-05:30',
    '2024-02-29T00:00:00Z',
  ])('accepts %s', (text) => {
    expect(isRfc3339(text)).toBe(true);
    expect(fieldOf(receipt({ receivedAt: text }))).toBe('accepted');
  });

  it.each([
    ['no offset', '2026-11-02T11:10:00'],
    ['offset without colon', '2026-11-02T11:10:00+0200'],
    ['offset hours only', '2026-11-02T11:10:00+02'],
    ['ten fraction digits', '2026-11-02T11:10:00.1234567890Z'],
    ['empty fraction', '2026-11-02T11:10:00.Z'],
    ['lower-case t', '2026-11-02t11:10:00Z'],
    ['lower-case z', '2026-11-02T11:10:00z'],
    ['space separator', '2026-11-02 11:10:00Z'],
    ['no seconds', '2026-11-02T11:10Z'],
    ['31 February', '2026-02-31T11:10:00Z'],
    ['29 February of a common year', '2026-02-29T11:10:00Z'],
    ['hour 24', '2026-11-02T24:00:00Z'],
    ['leap second', '2026-12-31T23:59:60Z'],
    ['offset minutes 60', '2026-11-02T11:10:00+01:60'],
    ['a date only', '2026-11-02'],
  ])('rejects %s, naming the field', (_, text) => {
    expect(isRfc3339(text)).toBe(false);
    expect(fieldOf(receipt({ receivedAt: text }))).toBe('detail.receivedAt');
  });
});

describe('§1 money: integer 0 ≤ amount ≤ 2^53 − 1', () => {
  it.each([
    [0, 'accepted'],
    [Number.MAX_SAFE_INTEGER, 'accepted'],
    [2 ** 53, 'detail.refund.amount'],
    [-1, 'detail.refund.amount'],
    [1.5, 'detail.refund.amount'],
  ])('amount %d → %s', (amount, field) => {
    expect(fieldOf(authorized({ refund: { amount, currency: 'EUR' } }))).toBe(field);
  });
});

describe('§1 weights', () => {
  it.each([
    ['expectedWeight', authorized, { value: 2.3, unit: 'kg' }, 'accepted'],
    ['weight', scan, { value: 81.2, unit: 'oz' }, 'accepted'],
    ['weight', receipt, { value: 5, unit: 'lb' }, 'accepted'],
    ['weight', receipt, { value: 0, unit: 'g' }, 'detail.weight.value'],
    ['weight', receipt, { value: -3, unit: 'g' }, 'detail.weight.value'],
    ['weight', receipt, { value: '3', unit: 'g' }, 'detail.weight.value'],
    ['weight', scan, { value: 3, unit: 'stone' }, 'detail.weight.unit'],
    ['weight', scan, { value: 3 }, 'detail.weight.unit'],
    ['expectedWeight', authorized, 2300, 'detail.expectedWeight'],
  ] as const)('%s %j → %s', (field, build, weight, expected) => {
    expect(fieldOf(build({ [field]: weight }))).toBe(expected);
  });

  it('keeps the weight on the parsed detail', () => {
    const event = parse(receipt({ weight: { value: 350, unit: 'g' } }));
    expect(event.detail).toMatchObject({ weight: { value: 350, unit: 'g' } });
  });
});

describe('§1 a present but malformed optional field rejects the event', () => {
  it.each([
    ['facilityId', scan, null, 'detail.facilityId'],
    ['facilityId', scan, '', 'detail.facilityId'],
    ['stationId', receipt, 42, 'detail.stationId'],
    ['condition', receipt, null, 'detail.condition'],
    ['condition', receipt, 'LOST', 'detail.condition'],
    ['items', authorized, 'laptop', 'detail.items'],
    ['weight', receipt, null, 'detail.weight'],
  ] as const)('%s = %j → %s', (field, build, value, expected) => {
    expect(fieldOf(build({ [field]: value }))).toBe(expected);
  });

  it('accepts an id of 128 code points made of emoji, rejects 129', () => {
    expect(fieldOf(receipt({ receiptId: '🦆'.repeat(128) }))).toBe('accepted');
    expect(fieldOf(receipt({ receiptId: '🦆'.repeat(129) }))).toBe('detail.receiptId');
  });
});

describe('settings', () => {
  it('resolves the weight tolerances with their defaults', () => {
    expect(resolveSettings()).toMatchObject({ weightTolerance: 0.15, weightToleranceGrams: 150 });
    expect(resolveSettings({ weightTolerance: 0.2, weightToleranceGrams: 50 })).toMatchObject({ weightTolerance: 0.2, weightToleranceGrams: 50 });
  });

  it.each([
    [{ weightTolerance: 1.5 }, 'weightTolerance'],
    [{ weightTolerance: -0.1 }, 'weightTolerance'],
    [{ weightToleranceGrams: '150' }, 'weightToleranceGrams'],
  ])('rejects %j naming %s', (input, field) => {
    expect(() => resolveSettings(input)).toThrow(ContractValidationError);
    expect(() => resolveSettings(input)).toThrow(new RegExp(`^${field}:`));
  });

  it('an unknown setting is an error naming it and the closest known name', () => {
    expect(() => resolveSettings({ theshold: 3 })).toThrow(ContractValidationError);
    expect(() => resolveSettings({ theshold: 3 })).toThrow('theshold: unknown setting "theshold" (did you mean "threshold"?)');
    expect(() => resolveSettings({ weightTolerence: 0.1 })).toThrow('(did you mean "weightTolerance"?)');
    expect(() => resolveSettings({ sources: { WarehouseReciept: 'x' } })).toThrow('sources.WarehouseReciept: unknown detail-type "WarehouseReciept" (did you mean "WarehouseReceipt"?)');
    expect(() => resolveSettings({ zzz: 1 })).toThrow(/unknown setting "zzz" \(known: sources, skew/);
  });

  it('lists every setting name and offers the closest', () => {
    expect([...SETTING_NAMES].sort()).toEqual(
      ['evidenceWindow', 'flagFor', 'grace', 'maxHold', 'orphanTimeout', 'sharedParcelWindow', 'skew', 'sources', 'threshold', 'weightTolerance', 'weightToleranceGrams', 'window'].sort(),
    );
    expect(closestName('MAXHOLD', SETTING_NAMES)).toBe('maxHold');
    expect(closestName('windw', SETTING_NAMES)).toBe('window');
    expect(closestName('completely-different', SETTING_NAMES)).toBeUndefined();
  });
});

describe('a decision names any review refund-gate can raise', () => {
  it('accepts the reviewId of a receipt review whose ids are 128 emoji with separators', async () => {
    const { reviewIdFor } = await import('../../shared/domain/identity.js');
    const long = '#🦆\\'.repeat(42) + '🦆🦆';
    const reviewId = reviewIdFor.receipt(long, long);
    const decision = envelope('ReviewDecided', { decisionId: 'd-1', reviewId, returnId: long, reviewerId: 'rev-1', decision: 'DENY', decidedAt: '2026-11-02T12:00:00Z' });
    expect([...long].length).toBe(128);
    expect(fieldOf(decision)).toBe('accepted');
  });
});
