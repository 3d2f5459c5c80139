import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SOURCES } from '../../shared/contract/config.js';
import { parseInboundEvent } from '../../shared/contract/parse.js';
import {
  providerNamed,
  receiveWebhook,
  REFUSAL_STATUS,
  WebhookNotConfiguredError,
  type ReceiverSettings,
} from '../../shared/carriers/index.js';
import { encodeTuple } from '../../shared/domain/ids.js';
import { body, facilities, independentSign, json, receiveFile, receiveSigned, refusal, request, SECRETS } from './carriers-fixtures.js';

const settings = (extra: Partial<ReceiverSettings> = {}): ReceiverSettings => ({ source: 'retail.carrier', facilities: facilities(), ...extra });
const upsExamples = (): Array<{ example: string; summary: string; value: Record<string, unknown> }> => json('ups-trackalert-examples.json');
const bytesOf = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
const here = (...parts: string[]) => encodeTuple('carrier-location', ...parts);


describe('UPS Track Alert TrackingEvent → CarrierScan', () => {
  it("turns UPS's seven published example events into the documented scans (GMT time, postal code → facility, no weight)", () => {
    // Act: each published example POSTed as its own delivery, with the subscription's credential
    const scans = upsExamples().map((e) => {
      const received = receiveWebhook(providerNamed('ups'), request('ups', bytesOf(e.value), SECRETS.ups), [SECRETS.ups], settings());
      expect(received.skipped, `example ${e.example}`).toEqual([]);
      expect(received.scans, `example ${e.example}`).toHaveLength(1);
      return received.scans[0]!;
    });
    // Assess: the mapping table of docs/producers/carriers.md, times from gmtActivityDate/Time (never the local ones)
    expect(scans.map((s) => [s.carrier, s.trackingNumber, s.status, s.scannedAt, s.facilityId])).toEqual([
      ['ups', '1ZABCXYZ0112346789', 'LABEL_CREATED', '2024-04-22T04:12:30.000Z', here('US', '', '', '')],
      ['ups', '1ZABCXYZ0112346789', 'PICKED_UP', '2024-04-23T01:29:01.000Z', here('US', '', 'NC', 'HICKORY')],
      ['ups', '1ZABCXYZ0112346789', 'IN_TRANSIT', '2024-04-23T02:54:00.000Z', here('US', '', 'NC', 'HICKORY')],
      ['ups', '1ZABCXYZ0112346789', 'IN_TRANSIT', '2024-04-23T04:30:52.000Z', here('US', '', 'NC', 'CHARLOTTE')],
      ['ups', '1ZABCXYZ0112346789', 'IN_TRANSIT', '2024-04-23T10:39:36.000Z', here('US', '', 'NC', 'CHARLOTTE')],
      ['ups', '1Z204W4R0308071865', 'OUT_FOR_DELIVERY', '2024-04-23T13:15:19.000Z', here('US', '', 'NC', 'CHARLOTTE')],
      ['ups', '1Z204W4R0308071865', 'DELIVERED', '2024-04-23T13:50:04.000Z', 'WH-CLT-1'],
    ]);
    expect(scans.every((s) => s.weight === undefined)).toBe(true);
    expect(new Set(scans.map((s) => s.scanId)).size).toBe(7);
    // Every scan is a valid contract CarrierScan.
    for (const scan of scans) {
      const envelope = { version: '0', id: 'x', 'detail-type': 'CarrierScan', source: DEFAULT_SOURCES.CarrierScan, time: scan.scannedAt, resources: [], detail: scan };
      expect(parseInboundEvent(envelope, DEFAULT_SOURCES).detail).toEqual(scan);
    }
  });

  it('never reads the local date and time as UTC, and skips an event without a GMT time', () => {
    const delivered = json('ups-delivered.json');
    // The local time (09:50:04 in Charlotte) differs from the GMT one (13:50:04): only the GMT one is used.
    expect(receiveSigned('ups', delivered).scans[0]!.scannedAt).toBe('2024-04-23T13:50:04.000Z');
    const { scans, skipped } = receiveSigned('ups', { ...delivered, gmtActivityDate: '', gmtActivityTime: '' });
    expect(scans).toEqual([]);
    expect(skipped).toEqual([{ reason: 'NO_INSTANT', providerStatus: 'D/FS', providerTime: '' }]);
    expect(receiveSigned('ups', { ...delivered, gmtActivityTime: '25:00:00' }).skipped).toHaveLength(1);
  });

  it('reads a type D event without an actual delivery date as out for delivery, never as delivered', () => {
    const delivered = json('ups-delivered.json');
    const loaded = { ...delivered, activityStatus: { type: 'D', code: 'XD', description: 'Loaded on Delivery Vehicle' }, actualDeliveryDate: '' };
    expect(receiveSigned('ups', loaded).scans.map((s) => s.status)).toEqual(['OUT_FOR_DELIVERY']);
  });

  it('skips types that are no scan (MV manifest void, U new delivery date) and counts them', () => {
    const delivered = json('ups-delivered.json');
    for (const type of ['MV', 'U']) {
      const { scans, skipped } = receiveSigned('ups', { ...delivered, activityStatus: { type, code: 'ZZ' } });
      expect(scans).toEqual([]);
      expect(skipped.map((s) => s.reason)).toEqual(['UNMAPPED_STATUS']);
    }
  });

  it('gives a redelivered event the same scanId and detail', () => {
    expect(receiveFile('ups', 'ups-delivered.json').scans).toEqual(receiveFile('ups', 'ups-delivered.json').scans);
  });

  it.each([
    ['a missing credential header', undefined],
    ['an empty credential', ''],
    ['another credential of the same length', 'X'.repeat(SECRETS.ups.length)],
    ['the credential with a character changed', `${SECRETS.ups.slice(0, -1)}X`],
    ['a prefix of the credential', SECRETS.ups.slice(0, 20)],
  ])('refuses a UPS delivery with %s (401), before reading the body', (_name, header) => {
    // Not even JSON: the credential is checked first.
    const error = refusal(() => receiveWebhook(providerNamed('ups'), request('ups', Buffer.from('not json'), header), [SECRETS.ups], settings()));
    expect(error.status).toBe(REFUSAL_STATUS.unauthorized);
  });

  it('refuses events for UPS test tracking numbers (1ZCIETST…) unless test mode is allowed (403)', () => {
    expect(refusal(() => receiveFile('ups', 'ups-test-mode.json')).status).toBe(REFUSAL_STATUS.forbidden);
    expect(receiveFile('ups', 'ups-test-mode.json', { allowTestMode: true }).scans[0]).toMatchObject({ trackingNumber: '1ZCIETST0111111114', status: 'DELIVERED' });
  });

  it('refuses a body that is not a TrackingEvent (400 naming the field)', () => {
    const error = refusal(() => receiveSigned('ups', { trackingNumber: '1Z204W4R0308071865' }));
    expect(error.status).toBe(REFUSAL_STATUS.badRequest);
    expect(error.message).toMatch(/activityStatus/);
  });
});

describe('Shippo track_updated → CarrierScan', () => {
  it("refuses Shippo's published example (test: true) unless test mode is allowed, then maps it", () => {
    // Act / Assess: the published body is a test event
    expect(refusal(() => receiveFile('shippo', 'shippo-track-updated.json')).status).toBe(REFUSAL_STATUS.forbidden);
    const { scans, skipped } = receiveFile('shippo', 'shippo-track-updated.json', { allowTestMode: true });
    // tracking_status repeats the history's delivery: one scan.
    expect(skipped).toEqual([]);
    expect(scans).toEqual([
      { scanId: expect.stringMatching(/^shippo:/), carrier: 'usps', trackingNumber: '9205590164917312751089', status: 'DELIVERED', facilityId: 'WH-LAS-1', scannedAt: '2016-07-23T00:00:00.000Z' },
    ]);
  });

  it('maps each tracking_history entry and tracking_status of a live update (substatus refines TRANSIT; UNKNOWN skipped)', () => {
    const { scans, skipped } = receiveFile('shippo', 'shippo-delivered.json');
    expect(scans.map((s) => [s.status, s.scannedAt, s.facilityId])).toEqual([
      ['PICKED_UP', '2016-07-21T15:33:00.000Z', here('US', '85043', 'AZ', 'PHOENIX')],
      ['OUT_FOR_DELIVERY', '2016-07-23T07:58:00.000Z', here('US', '89101', 'NV', 'LAS VEGAS')],
      ['DELIVERED', '2016-07-23T00:00:00.000Z', 'WH-LAS-1'],
    ]);
    expect(skipped).toEqual([{ reason: 'UNMAPPED_STATUS', providerStatus: 'UNKNOWN', providerTime: '2016-07-23T08:30:00Z' }]);
    expect(scans.every((s) => s.weight === undefined && s.carrier === 'usps')).toBe(true);
  });

  it.each([
    ['FAILURE', 'EXCEPTION'],
    ['RETURNED', 'RETURNED_TO_SENDER'],
    ['PRE_TRANSIT', 'LABEL_CREATED'],
    ['TRANSIT', 'IN_TRANSIT'],
  ])('maps %s to %s', (status, expected) => {
    const live = json('shippo-delivered.json');
    live.data.tracking_history = [];
    live.data.tracking_status = { ...live.data.tracking_status, status, substatus: null };
    expect(receiveSigned('shippo', live).scans.map((s) => s.status)).toEqual([expected]);
  });

  it('uses "shippo" as the carrier of an allowed test event whose data.carrier is null, and refuses a live one (400)', () => {
    expect(receiveFile('shippo', 'shippo-test-carrier-null.json', { allowTestMode: true }).scans[0]!.carrier).toBe('shippo');
    const live = { ...json('shippo-test-carrier-null.json'), test: false };
    const error = refusal(() => receiveSigned('shippo', live));
    expect(error.status).toBe(REFUSAL_STATUS.badRequest);
    expect(error.message).toMatch(/data\.carrier/);
  });

  it('takes object_created when status_date has no offset, and skips an entry with neither', () => {
    const live = json('shippo-delivered.json');
    live.data.tracking_history = [];
    live.data.tracking_status = { ...live.data.tracking_status, status_date: '2016-07-23T13:03:00', object_created: '2016-07-23T20:35:26.129Z' };
    expect(receiveSigned('shippo', live).scans[0]!.scannedAt).toBe('2016-07-23T20:35:26.129Z');
    live.data.tracking_status.object_created = '2016-07-23T20:35:26.129';
    expect(receiveSigned('shippo', live).skipped.map((s) => s.reason)).toEqual(['NO_INSTANT']);
  });

  const NOW = Date.UTC(2026, 10, 2, 10, 0, 0);
  const live = () => body('shippo-delivered.json');
  const receive = (header: string | undefined, extra: Partial<ReceiverSettings> = {}) =>
    receiveWebhook(providerNamed('shippo'), request('shippo', live(), header), [SECRETS.shippo], settings({ nowMs: () => NOW, ...extra }));

  it('accepts a signature made independently with node:crypto over "<t>." + the raw body, within the window', () => {
    expect(receive(independentSign.shippo(live(), SECRETS.shippo, NOW - 299_000)).scans).toHaveLength(3);
    expect(receive(independentSign.shippo(live(), SECRETS.shippo, NOW + 60_000)).scans).toHaveLength(3);
  });

  it.each([
    ['a t older than 5 minutes', () => independentSign.shippo(live(), SECRETS.shippo, NOW - 301_000)],
    ['a t more than 5 minutes ahead', () => independentSign.shippo(live(), SECRETS.shippo, NOW + 301_000)],
    ['another secret', () => independentSign.shippo(live(), 'another-secret-0123456789abcdef0123456', NOW)],
    ['the signature of another t', () => independentSign.shippo(live(), SECRETS.shippo, NOW).replace(/^t=\d+/, `t=${NOW / 1000 - 1}`)],
    ['a signature over the body alone', () => `t=${NOW / 1000},v1=${createHmac('sha256', SECRETS.shippo).update(live()).digest('hex')}`],
    ['no t', () => independentSign.shippo(live(), SECRETS.shippo, NOW).replace(/^t=\d+,/, '')],
    ['a missing header', () => undefined],
  ])('refuses %s (401)', (_name, header) => {
    expect(refusal(() => receive(header())).status).toBe(REFUSAL_STATUS.unauthorized);
  });

  it('takes a configured replay window', () => {
    const header = independentSign.shippo(live(), SECRETS.shippo, NOW - 600_000);
    expect(refusal(() => receive(header)).message).toMatch(/replay window/);
    expect(receive(header, { replayWindowMs: 900_000 }).scans).toHaveLength(3);
  });
});

describe('carrier trust settings', () => {
  it('refuses EasyPost test-mode Events unless test mode is allowed', () => {
    const event = json('easypost-delivered.json');
    const test = { ...event, mode: 'test' };
    expect(refusal(() => receiveSigned('easypost', test)).status).toBe(REFUSAL_STATUS.forbidden);
    expect(receiveSigned('easypost', test, facilities(), { allowTestMode: true }).scans.length).toBeGreaterThan(0);
    expect(receiveSigned('easypost', event).scans.length).toBeGreaterThan(0);
  });

  it.each(['easypost', 'aftership', 'ups', 'shippo'] as const)('treats %s secrets shorter than 32 bytes as not configured (503), never as a weaker check', (provider) => {
    const short = 'x'.repeat(31);
    const bytes = provider === 'ups' ? bytesOf(json('ups-delivered.json')) : body(`${provider === 'shippo' ? 'shippo-delivered' : `${provider}-delivered`}.json`);
    const run = () => receiveWebhook(providerNamed(provider), request(provider, bytes, independentSign[provider](bytes, short)), [short], settings());
    expect(run).toThrow(WebhookNotConfiguredError);
    expect(run).toThrow(/31 bytes; at least 32/);
    // A 32-byte secret is accepted.
    const enough = 'y'.repeat(32);
    expect(() => receiveWebhook(providerNamed(provider), request(provider, bytes, independentSign[provider](bytes, enough)), [enough], settings())).not.toThrow();
  });

  it('counts bytes, not characters: 16 two-byte characters make 32 bytes', () => {
    const secret = 'é'.repeat(16);
    const bytes = bytesOf(json('ups-delivered.json'));
    expect(receiveWebhook(providerNamed('ups'), request('ups', bytes, secret), [secret], settings()).scans).toHaveLength(1);
    expect(() => receiveWebhook(providerNamed('ups'), request('ups', bytes, 'é'.repeat(15)), ['é'.repeat(15)], settings())).toThrow(WebhookNotConfiguredError);
  });
});
