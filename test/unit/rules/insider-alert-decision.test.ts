import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityOf } from '../../../shared/app/identity.js';
import { InsiderDetector } from '../../../shared/app/insider.js';
import { parseInboundEvent } from '../../../shared/contract/parse.js';
import { resolveSettings } from '../../../shared/contract/index.js';
import { decideOnAlert, type AlertRecord } from '../../../shared/domain/alert-decision.js';
import { createDecider, REASON, reviewIdFor, type DecisionFact, type Effect, type ReviewRaised } from '../../../shared/domain/index.js';
import { EmployeeStore } from '../../../shared/store/employees.js';
import { ReviewReader } from '../../../shared/store/reviews.js';
import { freshTable, type TestTable } from '../../support/dynamo.js';
import { envelope, honestReturn } from '../../support/envelopes.js';
import { authorize, decideReview, employeeFlag, recordReceipt, requestRefund, reviewDecided, T, warehouseReceipt } from '../../support/facts.js';
import { spec } from '../../support/given-when-then.js';
import { harness } from '../../support/runtime.js';

/*
 * R7 v1.2: the insider alert is answerable. A ReviewDecided naming an
 * EMPLOYEE_RECEIPT_ANOMALY review, without returnId: RELEASE lifts the flag
 * from decidedAt, DENY keeps it; either closes the alert (ReviewCleared,
 * DECIDED, no returnId). First as the pure decision, then through the
 * pipeline, the insider consumer and the table (DynamoDB Local).
 */
const ALERT_ID = reviewIdFor.employeeAnomaly('emp-7', '2026-11-02T09:02:00.000Z');
const openAlert: AlertRecord = { reviewId: ALERT_ID, employeeId: 'emp-7', raisedAt: '2026-11-02T09:02:00.000Z', flaggedUntil: '2026-11-09T09:02:00.000Z', warehouseId: 'WH-1' };
const decision = (o: Partial<DecisionFact> = {}): DecisionFact => ({
  decisionId: 'd-1',
  reviewId: ALERT_ID,
  reviewerId: 'rev-1',
  decision: 'RELEASE',
  decidedAt: '2026-11-02T12:00:00Z',
  ...o,
});
const given = (alert: AlertRecord | null) => ({ when: (d: DecisionFact) => ({ gives: (expected: unknown) => expect(decideOnAlert(alert, d)).toMatchObject(expected as object) }) });

describe('answering an alert (pure)', () => {
  it.each(['RELEASE', 'DENY'] as const)('given an open alert, when %s without returnId, then the alert is closed: ReviewCleared DECIDED with no returnId', (verdict) => {
    const result = decideOnAlert(openAlert, decision({ decision: verdict }));
    expect(result).toMatchObject({ kind: 'DECIDED', answer: { decisionId: 'd-1', decision: verdict, decidedAt: '2026-11-02T12:00:00.000Z' } });
    const [cleared] = result.kind === 'DECIDED' ? result.effects : [];
    expect(cleared).toMatchObject({ type: 'ReviewCleared', reviewId: ALERT_ID, cause: 'DECIDED', reason: 'EMPLOYEE_RECEIPT_ANOMALY', clearedAt: '2026-11-02T12:00:00.000Z' });
    expect(cleared).not.toHaveProperty('returnId');
  });

  it('given an open alert, when the employee themself (" EMP-7 ") answers it, then nothing changes and SELF_REVIEW_ATTEMPT (no returnId) is raised', () => {
    const result = decideOnAlert(openAlert, decision({ reviewerId: ' EMP-7 ' }));
    expect(result.kind).toBe('UNCHANGED');
    const [attempt] = result.kind === 'UNCHANGED' ? result.effects : [];
    expect(attempt).toMatchObject({ type: 'ReviewRaised', reason: REASON.SELF_REVIEW_ATTEMPT, severity: 'HIGH', employeeId: ' EMP-7 ', reviewId: reviewIdFor.alertSelfReview(ALERT_ID, 'd-1') });
    expect(attempt).not.toHaveProperty('returnId');
  });

  it('given an answered alert, when another decision names it, then REVIEW_NOT_OPEN; the same decision again is a redelivery', () => {
    const answered = { ...openAlert, answer: { decisionId: 'd-1', reviewerId: 'rev-1', decision: 'DENY' as const, decidedAt: '2026-11-02T12:00:00.000Z' } };
    given(answered).when(decision({ decisionId: 'd-2' })).gives({ kind: 'UNCHANGED', effects: [{ type: 'DecisionIgnored', why: 'REVIEW_NOT_OPEN' }] });
    given(answered).when(decision()).gives({ kind: 'ALREADY_APPLIED' });
  });

  it("given any alert, when a return's review is named without its returnId, then REVIEW_OF_OTHER_RETURN with no returnId", () => {
    const result = decideOnAlert(null, decision({ reviewId: reviewIdFor.receipt('r-1', 'rc-1') }));
    expect(result).toMatchObject({ kind: 'UNCHANGED', effects: [{ type: 'DecisionIgnored', why: 'REVIEW_OF_OTHER_RETURN', reviewId: reviewIdFor.receipt('r-1', 'rc-1') }] });
    expect(result.kind === 'UNCHANGED' && result.effects[0]).not.toHaveProperty('returnId');
  });

  it('given no alert, when an unknown or not-yet-raised alert is named, then UNKNOWN_REVIEW; an earlier alert replaced by a later one is REVIEW_NOT_OPEN', () => {
    given(null).when(decision({ reviewId: 'no-such-review' })).gives({ effects: [{ why: 'UNKNOWN_REVIEW' }] });
    given(null).when(decision()).gives({ effects: [{ why: 'UNKNOWN_REVIEW' }] });
    given(openAlert).when(decision({ reviewId: reviewIdFor.employeeAnomaly('emp-7', '2026-10-01T09:00:00.000Z') })).gives({ effects: [{ why: 'REVIEW_NOT_OPEN' }] });
  });

  it('given a return, when a decision gives its returnId but names an alert, then REVIEW_OF_OTHER_RETURN with the returnId as given', () => {
    spec(createDecider(resolveSettings()))
      .given([authorize(), requestRefund(), recordReceipt(warehouseReceipt())])
      .when(decideReview(reviewDecided({ reviewId: ALERT_ID })))
      .then([{ type: 'DecisionIgnored', why: 'REVIEW_OF_OTHER_RETURN', returnId: 'r-1' }]);
  });

  it('given a flag lifted at 12:00 by a RELEASE, a receipt received at 11:59 is held and one at 12:00 is not', () => {
    const lifted = employeeFlag({ employeeId: 'emp-7', flaggedAt: T('09:00'), liftedAt: '2026-11-02T12:00:00.000Z' });
    const history = [authorize(), requestRefund()];
    spec(createDecider(resolveSettings()))
      .given(history)
      .when(recordReceipt(warehouseReceipt({ employeeId: 'emp-7', receivedAt: T('11:59') }), lifted))
      .then([{ type: 'ReviewRaised', reason: REASON.RECEIPT_BY_FLAGGED_EMPLOYEE }, { type: 'ReviewRaised', reason: REASON.RECEIPT_WITHOUT_INBOUND_SCAN }]);
    spec(createDecider(resolveSettings()))
      .given(history)
      .when(recordReceipt(warehouseReceipt({ employeeId: 'emp-7', receivedAt: T('12:00') }), lifted))
      .then([{ type: 'ReviewRaised', reason: REASON.RECEIPT_WITHOUT_INBOUND_SCAN }]);
  });
});

// ------------------------------------------------------------------ through the pipeline and the table

let table: TestTable;
beforeAll(async () => {
  table = await freshTable('alert-decision');
});
afterAll(async () => {
  await table.drop();
});

const minute = (n: number) => new Date(Date.UTC(2026, 10, 2, 9, 0) + n * 60_000).toISOString();
const effectsOf = (results: Awaited<ReturnType<ReturnType<typeof harness>['send']>>[]): Effect[] =>
  results.flatMap((r) => (r.status === 'processed' ? r.outcome.effects : []));

/** A pipeline wired with R7 as the deployment wires it, and a way to make `employeeId` an alert. */
function setup() {
  const employees = new EmployeeStore(table.doc, table.tableName);
  const h = harness(table, { threshold: 3, window: 'PT24H', flagFor: 'P7D' }, employees, employees);
  const detector = new InsiderDetector(employees, h.settings);
  /** A phantom receipt (authorized, never scanned) by the employee at minute `n`, through R7. */
  const phantom = async (returnId: string, employeeId: string, n: number) => {
    const story = honestReturn(returnId, { amount: 50_000 });
    await h.send(story.authorized);
    const receipt = envelope('WarehouseReceipt', { ...story.receipt.detail, employeeId, receivedAt: minute(n) });
    return detector.onEffects(effectsOf([await h.send(receipt)]));
  };
  /** A matched receipt by the employee at minute `n`: held only by a flag. */
  const honest = async (returnId: string, employeeId: string, n: number) => {
    const story = honestReturn(returnId);
    const out = [await h.send(story.authorized), await h.send(envelope('CarrierScan', { ...story.delivered.detail, scannedAt: minute(n - 5) }))];
    out.push(await h.send(envelope('WarehouseReceipt', { ...story.receipt.detail, employeeId, receivedAt: minute(n) })));
    out.push(await h.send(envelope('RefundRequested', { ...story.refund.detail, requestedAt: minute(n + 1) })));
    return effectsOf(out).map((e) => (e.type === 'ReviewRaised' ? e.reason : e.type));
  };
  const decide = (o: Record<string, unknown>) => h.send(envelope('ReviewDecided', { decisionId: 'd-x', reviewerId: 'rev-1', decision: 'RELEASE', decidedAt: minute(120), ...o }));
  return { h, employees, detector, phantom, honest, decide };
}

async function raiseAlert(s: ReturnType<typeof setup>, employeeId: string, prefix: string): Promise<ReviewRaised> {
  const alerts = [...(await s.phantom(`${prefix}-1`, employeeId, 0)), ...(await s.phantom(`${prefix}-2`, employeeId, 1)), ...(await s.phantom(`${prefix}-3`, employeeId, 2))];
  expect(alerts.map((a) => a.reason)).toEqual(['EMPLOYEE_RECEIPT_ANOMALY']);
  return alerts[0]!;
}

describe('answering an alert through the pipeline (DynamoDB Local)', () => {
  it('RELEASE closes the alert, lifts the flag from decidedAt and takes it off the open queue; its receipts never count again', async () => {
    const s = setup();
    const alert = await raiseAlert(s, 'emp-cleared', 'cl');
    const reader = new ReviewReader(table.doc, table.tableName);
    expect((await reader.openQueue(minute(10))).map((q) => q.reviewId)).toContain(alert.reviewId);
    const answered = await s.decide({ decisionId: 'd-cleared', reviewId: alert.reviewId });
    expect(answered.status === 'processed' && answered.outcome.effects).toEqual([expect.objectContaining({ type: 'ReviewCleared', reviewId: alert.reviewId, cause: 'DECIDED', clearedAt: minute(120) })]);
    expect((await reader.openQueue(minute(130))).map((q) => q.reviewId)).not.toContain(alert.reviewId);
    // Received before the decision (processed after the alert): still held; at or after it: released.
    expect(await s.honest('cl-before', 'emp-cleared', 119)).toEqual(['RECEIPT_BY_FLAGGED_EMPLOYEE']);
    expect(await s.honest('cl-after', 'emp-cleared', 121)).toEqual(['RefundReleased']);
    // Two new suspects after the decision: with the three answered ones they would be five, but those never count again.
    expect([...(await s.phantom('cl-4', 'emp-cleared', 125)), ...(await s.phantom('cl-5', 'emp-cleared', 126))]).toEqual([]);
    const third = await s.phantom('cl-6', 'emp-cleared', 127);
    expect(third.map((a) => [a.reason, a.evidence['returnIds']])).toEqual([['EMPLOYEE_RECEIPT_ANOMALY', ['cl-4', 'cl-5', 'cl-6']]]);
  });

  it('DENY closes the alert and keeps the flag until flagFor ends', async () => {
    const s = setup();
    const alert = await raiseAlert(s, 'emp-confirmed', 'cf');
    const answered = await s.decide({ decisionId: 'd-confirmed', reviewId: alert.reviewId, decision: 'DENY' });
    expect(answered.status === 'processed' && answered.outcome.effects.map((e) => [e.type, e.type === 'ReviewCleared' ? e.cause : ''])).toEqual([['ReviewCleared', 'DECIDED']]);
    expect(await s.honest('cf-after', 'emp-confirmed', 180)).toEqual(['RECEIPT_BY_FLAGGED_EMPLOYEE']);
    expect((await s.employees.flagFor('emp-confirmed', minute(2 + 7 * 24 * 60)))?.anomalyReviewId).toBe(alert.reviewId);
  });

  it('the employee answering their own alert (spelled otherwise) changes nothing and raises SELF_REVIEW_ATTEMPT; the alert stays open', async () => {
    const s = setup();
    const alert = await raiseAlert(s, 'emp-self', 'sf');
    const attempt = await s.decide({ decisionId: 'd-self', reviewId: alert.reviewId, reviewerId: ' EMP-SELF' });
    expect(attempt.status === 'processed' && attempt.outcome.effects).toEqual([expect.objectContaining({ type: 'ReviewRaised', reason: 'SELF_REVIEW_ATTEMPT' })]);
    expect((await s.employees.loadAlert('emp-self'))?.alert.answer).toBeUndefined();
    expect(await s.honest('sf-after', 'emp-self', 180)).toEqual(['RECEIPT_BY_FLAGGED_EMPLOYEE']);
  });

  it("a returnId for an alert, or none for a return's review: DecisionIgnored REVIEW_OF_OTHER_RETURN, returnId as the decision gave it", async () => {
    const s = setup();
    const alert = await raiseAlert(s, 'emp-mixed', 'mx');
    const withReturn = await s.decide({ decisionId: 'd-with', reviewId: alert.reviewId, returnId: 'mx-1' });
    const withoutReturn = await s.decide({ decisionId: 'd-without', reviewId: reviewIdFor.receipt('mx-1', 'rc-mx-1') });
    const ignored = effectsOf([withReturn, withoutReturn]);
    expect(ignored.map((e) => [e.type, e.type === 'DecisionIgnored' ? e.why : '', e.returnId])).toEqual([
      ['DecisionIgnored', 'REVIEW_OF_OTHER_RETURN', 'mx-1'],
      ['DecisionIgnored', 'REVIEW_OF_OTHER_RETURN', undefined],
    ]);
    expect((await s.employees.loadAlert('emp-mixed'))?.alert.answer).toBeUndefined();
  });

  it('is idempotent on redelivery and after a crash at any point: one ReviewCleared, one DecisionIgnored, never a second effect', async () => {
    const s = setup();
    const alert = await raiseAlert(s, 'emp-crash', 'cr');
    const release = { decisionId: 'd-crash', reviewId: alert.reviewId };
    // Crash after the ledger claim, before the alert write: the redelivery applies it.
    const claimed = identityOf(parseInboundEvent(envelope('ReviewDecided', { reviewerId: 'rev-1', decision: 'RELEASE', decidedAt: minute(120), ...release }), s.h.settings.sources));
    expect(await s.h.store.claim({ ...claimed, now: minute(120) })).toBe('claimed');
    const first = await s.decide(release);
    const again = await s.decide(release);
    // A second decision on the closed alert is ignored once, however often it is delivered.
    const late = [await s.decide({ ...release, decisionId: 'd-late' }), await s.decide({ ...release, decisionId: 'd-late' })];
    expect(effectsOf([first, again, ...late]).map((e) => [e.type, e.type === 'DecisionIgnored' ? e.why : e.type === 'ReviewCleared' ? e.cause : ''])).toEqual([
      ['ReviewCleared', 'DECIDED'],
      ['DecisionIgnored', 'REVIEW_NOT_OPEN'],
    ]);
  });
});
