import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../../shared/contract/index.js';
import { isInsiderReason, suspectFromReview } from '../../../shared/domain/insider.js';
import { createDecider, REASON, reviewById, reviewIdFor, severityOf, type ParcelPeer, type ReturnCommand, type ReviewRaised } from '../../../shared/domain/index.js';
import {
  DAY,
  T,
  authorize,
  carrierScan,
  recordReceipt,
  recordScan,
  refundRequested,
  requestRefund,
  returnAuthorized,
  warehouseReceipt,
} from '../../support/facts.js';
import { spec } from '../../support/given-when-then.js';

/*
 * R3 / §2 (contract v1.2): evidence that is not this return's. A DELIVERED
 * scan long before the authorization (stale) and a parcel named by another
 * customer's return (shared) match no receipt and raise
 * PARCEL_EVIDENCE_REUSED (HIGH), which R7 counts. One customer's returns in
 * one box are weighed against the sum of their expected weights.
 */
const decider = createDecider(resolveSettings());
const RECEIPT_REVIEW = reviewIdFor.receipt('r-1', 'rc-1');
const auth = authorize();
const honest = [auth, recordScan(), recordReceipt()];

const peer = (o: Partial<ParcelPeer> = {}): ParcelPeer => ({ returnId: 'r-2', customerId: 'c-2', authorizedAt: T('08:00'), ...o });
const link = (p: ParcelPeer, now = T('12:00')): ReturnCommand => ({ type: 'LinkParcelPeer', peer: p, now });
const authorizeWithPeers = (peers: readonly ParcelPeer[], o = {}): ReturnCommand => ({
  type: 'AuthorizeReturn',
  authorization: returnAuthorized(o),
  scans: [],
  peers,
  now: T('09:00'),
});
const atOffset = (ms: number) => new Date(Date.parse(T('09:00')) + ms).toISOString();

describe('stale scans', () => {
  it('given a DELIVERED scan from 2024 only, when the refund is requested, then PARCEL_EVIDENCE_REUSED (HIGH) lists the stale scan and authorizedAt, and nothing is released', () => {
    const old = carrierScan({ scanId: 's-2024', scannedAt: '2024-03-01T10:00:00Z' });
    const given = spec(decider).given([auth, recordScan(old, T('10:30')), recordReceipt()]);
    const { effects } = given.when(requestRefund(refundRequested({ requestedAt: T('11:20') }))).then([]);
    expect(effects).toEqual([]);
    const review = spec(decider).given([auth, recordScan(old, T('10:30'))]).when(recordReceipt()).then([
      { type: 'ReviewRaised', reviewId: RECEIPT_REVIEW, reason: REASON.PARCEL_EVIDENCE_REUSED, severity: 'HIGH', raisedAt: '2026-11-02T11:10:00.000Z' },
    ]).effects[0] as ReviewRaised;
    expect(review.evidence).toMatchObject({
      evidenceProblem: 'STALE_SCANS',
      authorizedAt: T('09:00'),
      evidenceWindowMs: 7 * DAY,
      staleScans: [{ scanId: 's-2024', facilityId: 'WH-1', scannedAt: '2024-03-01T10:00:00Z' }],
    });
  });

  it('given a scan exactly evidenceWindow before authorizedAt, then it is an inbound scan and the refund is released; one millisecond earlier it is stale', () => {
    const edge = carrierScan({ scanId: 's-edge', scannedAt: atOffset(-7 * DAY) });
    spec(decider).given([auth, recordScan(edge, T('09:30')), recordReceipt()]).when(requestRefund(refundRequested({ requestedAt: T('11:20') }))).then([
      { type: 'RefundReleased', scanId: 's-edge', basis: 'EVIDENCE_MATCHED' },
    ]);
    const stale = carrierScan({ scanId: 's-stale', scannedAt: atOffset(-7 * DAY - 1) });
    spec(decider).given([auth, recordScan(stale, T('09:30'))]).when(recordReceipt()).then([{ type: 'ReviewRaised', reason: REASON.PARCEL_EVIDENCE_REUSED }]);
  });

  it('follows the evidenceWindow setting', () => {
    const strict = createDecider(resolveSettings({ evidenceWindow: 'P1D' }));
    const twoDaysBefore = carrierScan({ scanId: 's-early', scannedAt: atOffset(-2 * DAY) });
    spec(strict).given([auth, recordScan(twoDaysBefore, T('09:30'))]).when(recordReceipt()).then([{ type: 'ReviewRaised', reason: REASON.PARCEL_EVIDENCE_REUSED }]);
    spec(decider).given([auth, recordScan(twoDaysBefore, T('09:30'))]).when(recordReceipt()).thenNothing();
  });

  it('given a stale scan and a fresh one after the receipt, then the reason is RECEIPT_BEFORE_INBOUND_SCAN (not every delivery is stale)', () => {
    const old = carrierScan({ scanId: 's-old', scannedAt: '2025-01-01T00:00:00Z' });
    const late = carrierScan({ scanId: 's-late', scannedAt: T('13:00') });
    spec(decider).given([auth, recordScan(old, T('09:30')), recordScan(late, T('13:00'))]).when(recordReceipt(warehouseReceipt(), null, T('13:00'))).then([
      { type: 'ReviewRaised', reason: REASON.RECEIPT_BEFORE_INBOUND_SCAN },
    ]);
  });

  it('given a stale scan and a late fresh one, then R4 clears the stale-scan review', () => {
    const old = carrierScan({ scanId: 's-old', scannedAt: '2025-01-01T00:00:00Z' });
    spec(decider).given([auth, recordScan(old, T('09:30')), recordReceipt()]).when(recordScan(carrierScan({ scanId: 's-new', scannedAt: T('11:05') }), T('11:30'))).then([
      { type: 'ReviewCleared', reviewId: RECEIPT_REVIEW, cause: 'LATE_EVIDENCE_MATCHED', scanId: 's-new' },
    ]);
  });
});

describe('shared parcels', () => {
  it('given another customer named the parcel, when the matched evidence arrives, then PARCEL_EVIDENCE_REUSED lists the other return and nothing is released', () => {
    const given = spec(decider).given([authorizeWithPeers([peer({ released: true })]), recordScan(), requestRefund()]);
    const review = given.when(recordReceipt()).then([
      { type: 'ReviewRaised', reviewId: RECEIPT_REVIEW, reason: REASON.PARCEL_EVIDENCE_REUSED, severity: 'HIGH', raisedAt: '2026-11-02T11:10:00.000Z' },
    ]).effects[0] as ReviewRaised;
    expect(review.evidence).toMatchObject({
      evidenceProblem: 'SHARED_PARCEL',
      customerId: 'c-1',
      parcelReturns: [{ returnId: 'r-2', customerId: 'c-2', authorizedAt: T('08:00'), released: true }],
    });
  });

  it('given the other customer authorized more than sharedParcelWindow apart, then the parcel is not shared (tracking numbers are recycled)', () => {
    const recycled = peer({ authorizedAt: atOffset(-90 * DAY - 1) });
    spec(decider).given([authorizeWithPeers([recycled]), recordScan(), recordReceipt()]).when(requestRefund(refundRequested({ requestedAt: T('11:20') }))).then([
      { type: 'RefundReleased', basis: 'EVIDENCE_MATCHED' },
    ]);
    // Exactly sharedParcelWindow apart still shares it (inclusive).
    spec(decider).given([authorizeWithPeers([peer({ authorizedAt: atOffset(-90 * DAY) })]), recordScan()]).when(recordReceipt()).then([
      { type: 'ReviewRaised', reason: REASON.PARCEL_EVIDENCE_REUSED },
    ]);
  });

  it('given the same customer has another return in the box, then the parcel is not shared and the weights are compared with the sum of expected weights', () => {
    const kg = (value: number) => ({ value, unit: 'kg' as const });
    const mate = peer({ customerId: 'c-1', expectedWeight: kg(1) });
    const own = { expectedWeight: kg(1.2) };
    const box = [authorizeWithPeers([mate], own), recordScan(carrierScan({ weight: kg(2.2) })), recordReceipt(warehouseReceipt({ weight: kg(2.25) }))];
    spec(decider).given(box).when(requestRefund(refundRequested({ requestedAt: T('11:20') }))).then([{ type: 'RefundReleased', basis: 'EVIDENCE_MATCHED' }]);
    // Alone, 1.2 kg expected against a 2.2 kg parcel disagrees.
    spec(decider).given([authorizeWithPeers([], own), recordScan(carrierScan({ weight: kg(2.2) }))]).when(recordReceipt(warehouseReceipt({ weight: kg(2.25) }))).then([
      { type: 'ReviewRaised', reason: REASON.WEIGHT_MISMATCH },
    ]);
    // A box-mate without an expected weight makes the expected weight unknown: carrier and dock still agree.
    const unknown = [authorizeWithPeers([peer({ customerId: 'c-1' })], own), recordScan(carrierScan({ weight: kg(2.2) }))];
    spec(decider).given(unknown).when(recordReceipt(warehouseReceipt({ weight: kg(2.25) }))).thenNothing();
  });

  it('given a matched receipt whose refund is not requested yet, when another customer names the parcel, then the review is raised at once, from the sharing', () => {
    spec(decider).given(honest).when(link(peer({ authorizedAt: T('11:30') }))).then([
      { type: 'ReviewRaised', reviewId: RECEIPT_REVIEW, reason: REASON.PARCEL_EVIDENCE_REUSED, raisedAt: '2026-11-02T11:30:00.000Z' },
    ]);
  });

  it('given a released return, when another customer names the parcel, then nothing changes and nothing is written (a release is never taken back)', () => {
    spec(decider).given([...honest, requestRefund(refundRequested({ requestedAt: T('11:20') }))]).when(link(peer())).thenIgnored();
  });

  it('given an open review, when the parcel becomes shared, then it keeps its reason, lists the other return in the state, and late evidence no longer clears it', () => {
    const given = spec(decider).given([auth, recordReceipt(), link(peer())]);
    const { state } = given.when(recordScan(carrierScan({ scannedAt: T('11:05') }), T('12:30'))).thenNothing();
    expect(reviewById(state, RECEIPT_REVIEW)).toMatchObject({ reason: REASON.RECEIPT_WITHOUT_INBOUND_SCAN, status: 'OPEN' });
    expect(state.peers).toEqual([peer()]);
  });

  it('given a review cleared by late evidence, when the parcel becomes shared, then a second PARCEL_EVIDENCE_REUSED review holds the receipt', () => {
    const cleared = [auth, recordReceipt(), recordScan(carrierScan({ scannedAt: T('11:05') }), T('11:30'))];
    spec(decider).given(cleared).when(link(peer({ authorizedAt: T('12:00') }))).then([
      { type: 'ReviewRaised', reviewId: reviewIdFor.parcelReused('r-1', 'rc-1'), reason: REASON.PARCEL_EVIDENCE_REUSED, raisedAt: '2026-11-02T12:00:00.000Z' },
    ]);
  });

  it('a peer link redelivered, or naming the return itself, changes nothing', () => {
    spec(decider).given([auth, link(peer())]).when(link(peer(), T('13:00'))).thenIgnored();
    spec(decider).given([auth]).when(link(peer({ returnId: 'r-1' }))).thenIgnored();
  });
});

describe('R7 and severity', () => {
  it('PARCEL_EVIDENCE_REUSED is HIGH and counts toward the insider pattern', () => {
    expect(severityOf(REASON.PARCEL_EVIDENCE_REUSED)).toBe('HIGH');
    expect(isInsiderReason(REASON.PARCEL_EVIDENCE_REUSED)).toBe(true);
    const review = spec(decider).given([authorizeWithPeers([peer()]), recordScan()]).when(recordReceipt()).then([{ reason: REASON.PARCEL_EVIDENCE_REUSED }]).effects[0] as ReviewRaised;
    expect(suspectFromReview(review)).toMatchObject({ employeeId: 'emp-7', receiptId: 'rc-1', receivedAt: T('11:10') });
  });

  it('is placed after CONDITION_MISMATCH: an empty box on a shared parcel is a condition mismatch', () => {
    spec(decider).given([authorizeWithPeers([peer()]), recordScan()]).when(recordReceipt(warehouseReceipt({ condition: 'EMPTY_BOX' }))).then([
      { reason: REASON.CONDITION_MISMATCH },
    ]);
  });
});

describe('explain', () => {
  it('names the reason and does not blame a missing scan for a weight mismatch', async () => {
    const { explainReturn } = await import('../../../shared/app/explain.js');
    const { whyText } = await import('../../../shared/domain/review-queue.js');
    const kg = (value: number) => ({ value, unit: 'kg' as const });
    const settings = resolveSettings();
    const { state } = spec(decider)
      .given([authorize(returnAuthorized({ expectedWeight: kg(1) })), recordScan(carrierScan({ weight: kg(5) })), requestRefund()])
      .when(recordReceipt())
      .then([{ reason: REASON.WEIGHT_MISMATCH }]);
    const view = explainReturn({ state, sources: settings.sources, settings });
    const text = JSON.stringify(view);
    expect(text).toContain('No receipt is matched (rc-1: WEIGHT_MISMATCH)');
    expect(text).not.toContain('matched by an inbound scan');
    expect(whyText(REASON.PARCEL_EVIDENCE_REUSED)).toMatch(/another customer/);
    const shared = spec(decider).given([authorizeWithPeers([peer()]), recordScan(), requestRefund()]).when(recordReceipt()).then([{ reason: REASON.PARCEL_EVIDENCE_REUSED }]).state;
    expect(explainReturn({ state: shared, sources: settings.sources, settings }).evidence.receipts[0]).toMatchObject({ unmatchedReason: REASON.PARCEL_EVIDENCE_REUSED });
  });
});
