import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SOURCES } from '../../shared/contract/config.js';
import { parseInboundEvent } from '../../shared/contract/parse.js';
import { CARRIER_LOCATION_TAG, FacilityMap, REFUSAL_STATUS, type CarrierScan } from '../../shared/carriers/index.js';
import { normaliseInstant } from '../../shared/carriers/time.js';
import { tuplePrefix } from '../../shared/domain/ids.js';
import { facilities, json, receiveFixture, receiveSigned, refusal } from './carriers-fixtures.js';

const WAREHOUSES = ['WH-NYC-1', 'WH-ATL-1'];
const byId = (scans: readonly CarrierScan[]) => new Map(scans.map((s) => [s.scanId, s]));


describe('EasyPost tracker.updated → CarrierScan', () => {
  it('turns the published example Event into one scan per tracking detail, none delivered', () => {
    // Act
    const { scans, skipped } = receiveFixture('easypost-in-transit.json');
    // Assess
    expect(skipped).toEqual([]);
    expect(scans.map((s) => [s.status, s.scannedAt, s.facilityId])).toEqual([
      ['LABEL_CREATED', '2024-07-31T15:00:00.000Z', 'carrier-location#US#32837##'],
      ['IN_TRANSIT', '2024-07-31T19:27:00.000Z', 'carrier-location#US#32809#FL#ORLANDO'],
      ['IN_TRANSIT', '2024-07-31T22:35:00.000Z', 'carrier-location#US#32809#FL#ORLANDO'],
      ['IN_TRANSIT', '2024-08-01T14:42:13.000Z', 'carrier-location#US#32809#FL#ORLANDO'],
      ['IN_TRANSIT', '2024-08-02T02:46:19.000Z', 'carrier-location#US#27542#NC#KENLY'],
      ['IN_TRANSIT', '2024-08-02T18:35:20.000Z', 'carrier-location#US#08817#NJ#EDISON TWP'],
      ['IN_TRANSIT', '2024-08-02T18:50:00.000Z', 'carrier-location#US#08817#NJ#EDISON'],
    ]);
    for (const scan of scans) {
      expect(scan).toMatchObject({ carrier: 'FedEx', trackingNumber: '1', weight: { value: 614.4, unit: 'oz' } });
    }
    expect(new Set(scans.map((s) => s.scanId)).size).toBe(7);
  });

  it('sets the warehouse as facilityId of a delivery at its address (ZIP+4, local offset) and skips the unknown status', () => {
    // Act
    const { scans, skipped } = receiveFixture('easypost-delivered.json');
    // Assess
    const delivered = scans.filter((s) => s.status === 'DELIVERED');
    expect(delivered).toEqual([expect.objectContaining({ facilityId: 'WH-NYC-1', scannedAt: '2024-08-05T14:12:00.000Z' })]);
    // Not a delivery: the out-for-delivery scan in the warehouse's ZIP keeps the carrier's location.
    expect(scans.find((s) => s.status === 'OUT_FOR_DELIVERY')?.facilityId).toBe('carrier-location#US#11201#NY#BROOKLYN');
    expect(skipped).toEqual([{ reason: 'UNMAPPED_STATUS', providerStatus: 'unknown', providerTime: '2024-08-03T06:00:00Z' }]);
  });

  it('keeps the carrier location, never a warehouseId, for a delivery anywhere else', () => {
    const { scans } = receiveFixture('easypost-delivered-elsewhere.json');
    const delivered = scans.find((s) => s.status === 'DELIVERED')!;
    expect(delivered.facilityId).toBe('carrier-location#US#11434#NY#JAMAICA');
    expect(WAREHOUSES).not.toContain(delivered.facilityId);
  });

  it('repeats the history of earlier webhooks with the same scanIds and details (R8 redeliveries, never conflicts)', () => {
    // Prepare: EasyPost resends every earlier tracking detail in each tracker.updated
    const first = byId(receiveFixture('easypost-in-transit.json').scans);
    const later = byId(receiveFixture('easypost-delivered.json').scans);
    // Assess: every earlier scan is in the later webhook, identical
    for (const [scanId, scan] of first) expect(later.get(scanId)).toEqual(scan);
    expect(later.size).toBe(first.size + 3);
    // The very same webhook again: the same scans, byte for byte
    expect(JSON.stringify(receiveFixture('easypost-delivered.json').envelopes)).toBe(JSON.stringify(receiveFixture('easypost-delivered.json').envelopes));
  });

  it("derives nothing from the webhook's own id or times, and nothing from the order of the details", () => {
    // Prepare: the same tracker, re-sent as another Event with the details reversed
    const original = json('easypost-delivered.json');
    const resent = structuredClone(original);
    resent.id = 'evt_resent';
    resent.created_at = resent.updated_at = '2024-08-09T00:00:00.000Z';
    resent.result.updated_at = '2024-08-09T00:00:00Z';
    resent.result.tracking_details.reverse();
    // Act
    const a = receiveSigned('easypost', original).scans;
    const b = receiveSigned('easypost', resent).scans;
    // Assess
    expect(byId(b)).toEqual(byId(a));
  });

  it('gives a re-measured weight or a changed location a new scanId instead of a conflicting detail', () => {
    const original = json('easypost-delivered.json');
    const reweighed = structuredClone(original);
    reweighed.result.weight = 600;
    const a = byId(receiveSigned('easypost', original).scans);
    const b = receiveSigned('easypost', reweighed).scans;
    for (const scan of b) expect(a.has(scan.scanId)).toBe(false);
    expect(b[0]!.weight).toEqual({ value: 600, unit: 'oz' });
  });

  it('skips and counts statuses it has no mapping for, and never makes them DELIVERED', () => {
    const body = json('easypost-in-transit.json');
    body.result.tracking_details = [
      { ...body.result.tracking_details[1], status: 'held_at_customs' },
      { ...body.result.tracking_details[1], status: 'DELIVERED' },
      { ...body.result.tracking_details[1], status: 'unknown' },
      { ...body.result.tracking_details[1], status: '__proto__' },
    ];
    const { scans, skipped } = receiveSigned('easypost', body);
    expect(scans).toEqual([]);
    expect(skipped.map((s) => s.providerStatus)).toEqual(['held_at_customs', 'DELIVERED', 'unknown', '__proto__']);
  });

  it('omits the weight when the tracker has none', () => {
    const body = json('easypost-in-transit.json');
    body.result.weight = null;
    expect(receiveSigned('easypost', body).scans.every((s) => s.weight === undefined)).toBe(true);
  });

  it('ignores Events that are not about trackers (200, nothing put)', () => {
    const received = receiveSigned('easypost', { object: 'Event', description: 'batch.updated', result: { object: 'Batch' } });
    expect(received).toMatchObject({ ignoredEventType: 'batch.updated', envelopes: [] });
  });

  it.each([
    ['result.tracking_details', (b: any) => delete b.result.tracking_details],
    ['result.tracking_details[2].datetime', (b: any) => (b.result.tracking_details[2].datetime = 17)],
    ['result.object', (b: any) => (b.result.object = 'Shipment')],
    ['object', (b: any) => (b.object = 'Batch')],
  ])('refuses a tracker.updated whose %s is wrong (400, naming it)', (field, change) => {
    const body = json('easypost-in-transit.json');
    change(body);
    const error = refusal(() => receiveSigned('easypost', body));
    expect(error.status).toBe(REFUSAL_STATUS.badRequest);
    expect(error.context['field']).toBe(field);
  });
});

describe('AfterShip tracking_update → CarrierScan', () => {
  it('maps tags and sub-tags, converts offsets to UTC and falls back to created_at for a time without offset', () => {
    const { scans, skipped } = receiveFixture('aftership-delivered.json');
    expect(skipped).toEqual([]);
    expect(scans.map((s) => [s.status, s.scannedAt, s.facilityId])).toEqual([
      ['LABEL_CREATED', '2021-01-02T15:01:00.000Z', 'carrier-location#USA#37211#TN#NASHVILLE'],
      ['PICKED_UP', '2021-01-02T22:45:00.000Z', 'carrier-location#USA#37211#TN#NASHVILLE'],
      // "2021-01-03T08:30:00" is local time somewhere: created_at (UTC) stands in
      ['IN_TRANSIT', '2021-01-03T14:02:11.000Z', 'carrier-location#USA#30320#GA#ATLANTA'],
      ['OUT_FOR_DELIVERY', '2021-01-05T12:10:00.000Z', 'carrier-location#USA#30336#GA#ATLANTA'],
      ['DELIVERED', '2021-01-05T15:31:00.000Z', 'WH-ATL-1'],
    ]);
    for (const scan of scans) expect(scan).toMatchObject({ carrier: 'usps', trackingNumber: '9361289676091361892011', weight: { value: 2.3, unit: 'kg' } });
  });

  it('keeps the carrier location for a delivery elsewhere', () => {
    const delivered = receiveFixture('aftership-delivered-elsewhere.json').scans.find((s) => s.status === 'DELIVERED')!;
    expect(delivered.facilityId).toBe('carrier-location#USA#30354#GA#HAPEVILLE');
  });

  it('reads the 2024+ weight object, and leaves out a weight in an unknown unit, saying so', () => {
    const body = json('aftership-delivered.json');
    body.msg.shipment_weight = { value: 5.1, unit: 'lb' };
    delete body.msg.shipment_weight_unit;
    expect(receiveSigned('aftership', body).scans[0]!.weight).toEqual({ value: 5.1, unit: 'lb' });
    body.msg.shipment_weight = 3;
    body.msg.shipment_weight_unit = 'stone';
    const received = receiveSigned('aftership', body);
    expect(received.scans[0]!.weight).toBeUndefined();
    expect(received.weightProblem).toContain('stone');
  });

  it('skips Pending, Expired, unknown tags and checkpoints with no usable time', () => {
    const body = json('aftership-delivered.json');
    const cp = body.msg.checkpoints[4];
    body.msg.checkpoints = [
      { ...cp, tag: 'Pending', subtag: 'Pending_001' },
      { ...cp, tag: 'Expired', subtag: 'Expired_001' },
      { ...cp, tag: 'Teleported', subtag: null },
      { ...cp, checkpoint_time: '2021-01-05', created_at: null },
    ];
    const { scans, skipped } = receiveSigned('aftership', body);
    expect(scans).toEqual([]);
    expect(skipped.map((s) => s.reason)).toEqual(['UNMAPPED_STATUS', 'UNMAPPED_STATUS', 'UNMAPPED_STATUS', 'NO_INSTANT']);
  });

  it('ignores edd_revise and tracking_pending_time events', () => {
    for (const event of ['edd_revise', 'tracking_pending_time']) {
      expect(receiveSigned('aftership', { event, msg: {} })).toMatchObject({ ignoredEventType: event, envelopes: [] });
    }
  });

  it('refuses a tracking_update without msg.checkpoints[n].tag (400, naming it)', () => {
    const body = json('aftership-delivered.json');
    delete body.msg.checkpoints[1].tag;
    const error = refusal(() => receiveSigned('aftership', body));
    expect(error.status).toBe(400);
    expect(error.context['field']).toBe('msg.checkpoints[1].tag');
  });
});

describe('envelopes and facilities', () => {
  it('makes envelopes the contract accepts from the configured source, and only from it', () => {
    const custom = { ...DEFAULT_SOURCES, CarrierScan: 'acme.carriers' };
    for (const envelope of receiveFixture('easypost-delivered.json', { source: 'acme.carriers' }).envelopes) {
      const parsed = parseInboundEvent(envelope, custom);
      expect(parsed.detailType).toBe('CarrierScan');
      expect(() => parseInboundEvent(envelope, DEFAULT_SOURCES)).toThrow();
    }
  });

  it('refuses a warehouseId that could be mistaken for a carrier location', () => {
    expect(() => FacilityMap.parse({ warehouses: [{ warehouseId: `${tuplePrefix(CARRIER_LOCATION_TAG)}X`, addresses: [{ postalCode: '1' }] }] })).toThrow(/warehouses\[0\]\.warehouseId/);
    expect(() => FacilityMap.parse({ warehouses: [{ warehouseId: 'W', addresses: [] }] })).toThrow(/addresses/);
    expect(() => FacilityMap.parse({ warehouses: [{ warehouseId: 'W', addresses: [{ zip: '1' }] }] })).toThrow(/postalCode/);
  });

  it('refuses one address listed for two warehouses', () => {
    const twice = { warehouses: ['A', 'B'].map((warehouseId) => ({ warehouseId, addresses: [{ postalCode: 'SW1A 1AA', city: 'London' }] })) };
    expect(() => FacilityMap.parse(twice)).toThrow(/A.*B/);
  });

  it('compares postal codes, cities and streets normalised', () => {
    const map = FacilityMap.parse({
      warehouses: [
        { warehouseId: 'LON', addresses: [{ postalCode: 'sw1a 1aa' }] },
        { warehouseId: 'STE', addresses: [{ postalCode: '42000', city: 'Saint-Étienne' }] },
        { warehouseId: 'ATL', addresses: [{ postalCode: '30336', street: '4400 Fulton Industrial Blvd' }] },
        { warehouseId: 'ATL-2', addresses: [{ postalCode: '30336' }] },
      ],
    });
    expect(map.warehouseAt({ postalCode: 'SW1A1AA' })).toBe('LON');
    expect(map.warehouseAt({ postalCode: '42000', city: 'SAINT ETIENNE' })).toBe('STE');
    expect(map.warehouseAt({ postalCode: '42000', city: 'Lyon' })).toBeUndefined();
    expect(map.warehouseAt({ postalCode: '42000' })).toBeUndefined();
    // The street decides between two warehouses in one ZIP when the carrier reports one.
    expect(map.warehouseAt({ postalCode: '30336-0001', street: '4400 FULTON INDUSTRIAL BLVD SW, ATLANTA' })).toBe('ATL');
    expect(map.warehouseAt({ postalCode: '30336', street: '12 Other Road' })).toBe('ATL-2');
    expect(map.warehouseAt({ postalCode: '303361' })).toBeUndefined();
    expect(map.warehouseAt({})).toBeUndefined();
  });

  it('gives different carrier locations different facilityIds whatever they contain, and stays within 128 code points', () => {
    const fm = facilities();
    const body = json('aftership-delivered-elsewhere.json');
    const delivered = (city: string, zip: string) => {
      const b = structuredClone(body);
      Object.assign(b.msg.checkpoints[4], { city, zip });
      return receiveSigned('aftership', b, fm).scans.find((s) => s.status === 'DELIVERED')!.facilityId!;
    };
    expect(delivered('A#B', 'C')).not.toBe(delivered('A', 'B#C'));
    const long = delivered('X'.repeat(300), '1');
    expect([...long].length).toBeLessThanOrEqual(128);
    expect(long.startsWith(tuplePrefix(CARRIER_LOCATION_TAG))).toBe(true);
  });
});

describe('redelivery and order, as a property', () => {
  it('gives any re-ordering, duplication or split of the tracking details the same scans by scanId, never two details for one scanId', async () => {
    const full = json('easypost-delivered.json');
    const details: unknown[] = full.result.tracking_details;
    const reference = byId(receiveSigned('easypost', full).scans);
    fc.assert(
      fc.property(
        // Several webhooks, each a shuffled selection (with repeats) of the history.
        fc.array(fc.array(fc.nat({ max: details.length - 1 }), { minLength: 1, maxLength: 15 }), { minLength: 1, maxLength: 4 }),
        (webhooks) => {
          const seen = new Map<string, CarrierScan>();
          for (const picks of webhooks) {
            const body = structuredClone(full);
            body.result.tracking_details = picks.map((i) => details[i]);
            for (const scan of receiveSigned('easypost', body).scans) {
              const before = seen.get(scan.scanId);
              if (before !== undefined) expect(scan).toEqual(before);
              expect(reference.get(scan.scanId)).toEqual(scan);
              seen.set(scan.scanId, scan);
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('provider times → strict RFC 3339 UTC', () => {
  it.each([
    ['2024-08-05T10:12:00-04:00', 'reject', '2024-08-05T14:12:00.000Z'],
    ['2024-08-05T10:12:00-0400', 'reject', '2024-08-05T14:12:00.000Z'],
    ['2024-08-05 10:12-04:00', 'reject', '2024-08-05T14:12:00.000Z'],
    ['2024-08-05T10:12:00.123456789Z', 'reject', '2024-08-05T10:12:00.123Z'],
    // RFC 3339 allows a lower-case t and z.
    ['2024-08-05t10:12:00z', 'reject', '2024-08-05T10:12:00.000Z'],
    ['2024-08-05T10:12:00', 'utc', '2024-08-05T10:12:00.000Z'],
    ['2024-08-05T10:12:00', 'reject', undefined],
    ['2024-08-05', 'utc', undefined],
    ['2024-02-30T10:12:00Z', 'reject', undefined],
    ['2024-08-05T24:12:00Z', 'reject', undefined],
    ['2024-08-05T10:12:00+25:00', 'reject', undefined],
    ['yesterday', 'utc', undefined],
  ] as const)('%s (without offset: %s) → %s', (raw, withoutOffset, expected) => {
    expect(normaliseInstant(raw, { withoutOffset })).toBe(expected);
  });
});
