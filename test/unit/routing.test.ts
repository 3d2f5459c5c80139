import { describe, expect, it } from 'vitest';
import { DEFAULT_SOURCES } from '../../shared/contract/config.js';
import {
  CARRIER_SCAN_DETAIL_PATTERN,
  filteringRoute,
  matchesPattern,
  matchingRoute,
  passesStreamFilters,
  routesFor,
  STREAM_MARKER,
  streamMarkersFor,
  UNREAD_SCAN_STATUSES,
} from '../../shared/routing.js';
import type { Effect } from '../../shared/domain/types.js';

const routes = routesFor(DEFAULT_SOURCES);
const scan = (detail: Record<string, unknown>) => ({ source: DEFAULT_SOURCES.CarrierScan, 'detail-type': 'CarrierScan', detail });
const valid = { scanId: 's-1', carrier: 'UPS', trackingNumber: '1Z', scannedAt: '2026-11-02T10:00:00Z' };

describe('the pattern matcher (EventBridge / Lambda filter subset)', () => {
  it('matches exact values, and any element of an array field', () => {
    expect(matchesPattern({ a: ['x'] }, { a: 'x' })).toBe(true);
    expect(matchesPattern({ a: ['x'] }, { a: 'y' })).toBe(false);
    expect(matchesPattern({ a: ['x'] }, { a: ['y', 'x'] })).toBe(true);
    expect(matchesPattern({ a: [true] }, { a: 'true' })).toBe(false);
    expect(matchesPattern({ a: { b: [1] } }, { a: { b: 1 } })).toBe(true);
    expect(matchesPattern({ a: { b: [1] } }, { a: 1 })).toBe(false);
  });

  it('treats a missing field and an object as no leaf: only exists:false matches them', () => {
    expect(matchesPattern({ a: [{ exists: false }] }, {})).toBe(true);
    expect(matchesPattern({ a: [{ exists: false }] }, { a: { b: 1 } })).toBe(true);
    expect(matchesPattern({ a: [{ exists: true }] }, { a: { b: 1 } })).toBe(false);
    expect(matchesPattern({ a: [{ exists: true }] }, { a: null })).toBe(true);
    expect(matchesPattern({ a: [{ 'anything-but': ['x'] }] }, {})).toBe(false);
    expect(matchesPattern({ a: { b: [{ exists: false }] } }, { c: 1 })).toBe(true);
  });

  it('anything-but: a value not in the list; an array field when any element is not', () => {
    expect(matchesPattern({ a: [{ 'anything-but': ['x', 'y'] }] }, { a: 'z' })).toBe(true);
    expect(matchesPattern({ a: [{ 'anything-but': ['x', 'y'] }] }, { a: 'y' })).toBe(false);
    expect(matchesPattern({ a: [{ 'anything-but': 'x' }] }, { a: 5 })).toBe(true);
    expect(matchesPattern({ a: [{ 'anything-but': ['x'] }] }, { a: ['x', 'q'] })).toBe(true);
    expect(matchesPattern({ a: [{ 'anything-but': ['x'] }] }, { a: ['x'] })).toBe(false);
  });

  it('$or: any branch', () => {
    const p = { $or: [{ a: ['1'] }, { b: ['2'] }] };
    expect(matchesPattern(p, { b: '2' })).toBe(true);
    expect(matchesPattern(p, { a: '2', b: '1' })).toBe(false);
  });

  it('refuses operators it does not implement instead of guessing', () => {
    expect(() => matchesPattern({ a: [{ prefix: 'x' }] }, { a: 'xy' })).toThrow(/unsupported pattern operator "prefix"/);
    expect(() => matchesPattern({ a: 'x' }, { a: 'x' })).toThrow(/pattern field "a"/);
  });

  it('is not fooled by inherited property names', () => {
    expect(matchesPattern({ constructor: [{ exists: true }] }, {})).toBe(false);
    expect(matchesPattern({ __proto__x: [{ exists: false }] }, {})).toBe(true);
  });
});

describe('inbound routes', () => {
  it('drop exactly the valid statuses no rule reads', () => {
    expect(UNREAD_SCAN_STATUSES).not.toContain('DELIVERED');
    for (const status of UNREAD_SCAN_STATUSES) {
      expect(matchingRoute(routes, scan({ ...valid, status }))).toBeUndefined();
      expect(filteringRoute(routes, scan({ ...valid, status }))).toMatchObject({ detailType: 'CarrierScan' });
    }
    expect(matchingRoute(routes, scan({ ...valid, status: 'DELIVERED' }))).toMatchObject({ detailType: 'CarrierScan' });
  });

  it('deliver malformed statuses to the ingest function, which rejects them with the field named', () => {
    for (const status of [undefined, null, 'in_transit', 'LOST', 7, { s: 'IN_TRANSIT' }, [], ['DELIVERED', 'IN_TRANSIT']]) {
      const detail = status === undefined ? valid : { ...valid, status };
      expect(matchingRoute(routes, scan(detail)), JSON.stringify(status)).toMatchObject({ detailType: 'CarrierScan' });
    }
    expect(matchingRoute(routes, { source: DEFAULT_SOURCES.CarrierScan, 'detail-type': 'CarrierScan' })).toMatchObject({ detailType: 'CarrierScan' });
    expect(matchingRoute(routes, { source: DEFAULT_SOURCES.CarrierScan, 'detail-type': 'CarrierScan', detail: 'x' })).toMatchObject({ detailType: 'CarrierScan' });
  });

  it('leave the other detail-types unfiltered and other sources unrouted', () => {
    expect(matchingRoute(routes, { source: DEFAULT_SOURCES.WarehouseReceipt, 'detail-type': 'WarehouseReceipt', detail: { status: 'IN_TRANSIT' } })).toMatchObject({
      detailType: 'WarehouseReceipt',
    });
    expect(matchingRoute(routes, { ...scan({ ...valid, status: 'DELIVERED' }), source: 'forged' })).toBeUndefined();
    expect(filteringRoute(routes, { ...scan({ ...valid, status: 'IN_TRANSIT' }), source: 'forged' })).toBeUndefined();
    expect(CARRIER_SCAN_DETAIL_PATTERN.$or).toHaveLength(2);
  });
});

describe('stream filters', () => {
  const raised = (reason: string, employeeId?: string): Effect =>
    ({
      type: 'ReviewRaised',
      effectId: 'e',
      reviewId: 'rv',
      reason,
      severity: 'HIGH',
      raisedAt: '2026-11-02T10:00:00Z',
      returnId: 'R-1',
      receiptId: 'rc-1',
      employeeId,
      warehouseId: 'WH-1',
      evidence: { receivedAt: '2026-11-02T10:00:00Z' },
    }) as unknown as Effect;
  const record = (image: Record<string, unknown> | undefined) => ({ eventName: 'MODIFY', dynamodb: { ...(image ? { NewImage: image } : {}) } });

  it('mark an item with effects for the publisher and one with a suspect receipt for R7', () => {
    expect(streamMarkersFor([], { insider: true })).toEqual({});
    expect(streamMarkersFor([raised('RECEIPT_WITHOUT_INBOUND_SCAN', 'emp-1')], { insider: true })).toEqual({ [STREAM_MARKER.effects]: true, [STREAM_MARKER.insider]: true });
    expect(streamMarkersFor([raised('RECEIPT_WITHOUT_INBOUND_SCAN')], { insider: true })).toEqual({ [STREAM_MARKER.effects]: true });
    expect(streamMarkersFor([raised('RECEIPT_WITHOUT_INBOUND_SCAN', 'emp-1')], { insider: false })).toEqual({ [STREAM_MARKER.effects]: true });
  });

  it('pass only records whose new image carries the marker', () => {
    expect(passesStreamFilters('publisher', record({ [STREAM_MARKER.effects]: { BOOL: true } }))).toBe(true);
    expect(passesStreamFilters('publisher', record({ [STREAM_MARKER.effects]: { S: 'true' } }))).toBe(false);
    expect(passesStreamFilters('publisher', record({ other: { BOOL: true } }))).toBe(false);
    expect(passesStreamFilters('publisher', { eventName: 'REMOVE', dynamodb: { OldImage: { [STREAM_MARKER.effects]: { BOOL: true } } } })).toBe(false);
    expect(passesStreamFilters('insider', record({ [STREAM_MARKER.effects]: { BOOL: true } }))).toBe(false);
    expect(passesStreamFilters('insider', record({ [STREAM_MARKER.insider]: { BOOL: true } }))).toBe(true);
  });
});
