import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InsiderDetector } from '../../shared/app/insider.js';
import { reviewIdFor } from '../../shared/domain/identity.js';
import type { Effect } from '../../shared/domain/types.js';
import { EmployeeStore } from '../../shared/store/employees.js';
import { freshTable, type TestTable } from '../support/dynamo.js';
import { envelope, honestReturn, T } from '../support/envelopes.js';
import { harness } from '../support/runtime.js';

/*
 * R5 / R7 (contract v1.2) through the pipeline and the insider consumer on
 * DynamoDB Local: a self-review through case and spacing is refused, and it
 * flags the employee from the decision's decidedAt, whatever the spelling
 * of the employee's next receipts.
 */
let table: TestTable;
beforeAll(async () => {
  table = await freshTable('self-review');
});
afterAll(async () => {
  await table.drop();
});

const effectsOf = (results: Awaited<ReturnType<ReturnType<typeof harness>['send']>>[]): Effect[] =>
  results.flatMap((r) => (r.status === 'processed' ? r.outcome.effects : []));

describe('self-review (R5 v1.2)', () => {
  it('a RELEASE by EMP-BRIBED on a receipt by emp-bribed releases nothing, and flags the employee: a later matched receipt by " Emp-Bribed" is held', async () => {
    const employees = new EmployeeStore(table.doc, table.tableName);
    const h = harness(table, {}, employees);
    const detector = new InsiderDetector(employees, h.settings);
    const first = honestReturn('sr-1');
    const receipt = envelope('WarehouseReceipt', { ...first.receipt.detail, employeeId: 'emp-bribed' });
    const results = [await h.send(first.authorized), await h.send(receipt), await h.send(first.refund)];
    const decision = envelope('ReviewDecided', {
      decisionId: 'd-self',
      reviewId: reviewIdFor.receipt('sr-1', 'rc-sr-1'),
      returnId: 'sr-1',
      reviewerId: 'EMP-BRIBED',
      decision: 'RELEASE',
      decidedAt: T('12:00'),
    });
    results.push(await h.send(decision));
    const effects = effectsOf(results);
    expect(effects.filter((e) => e.type === 'RefundReleased')).toEqual([]);
    const attempt = effects.find((e) => e.type === 'ReviewRaised' && e.reason === 'SELF_REVIEW_ATTEMPT');
    expect(attempt).toMatchObject({ raisedAt: '2026-11-02T12:00:00.000Z', employeeId: 'EMP-BRIBED' });
    // The insider consumer sees the attempt: no anomaly of its own, a flag from decidedAt.
    expect(await detector.onEffects(effects)).toEqual([]);
    const flag = await employees.flagFor('emp-bribed', T('13:00'));
    expect(flag).toMatchObject({ anomalyReviewId: attempt!.type === 'ReviewRaised' ? attempt!.reviewId : '', flaggedAt: '2026-11-02T12:00:00.000Z' });
    expect(await employees.flagFor('emp-bribed', T('11:59'))).toBeNull();
    // A later honest-looking return received by the same person, spelled otherwise, is held.
    const second = honestReturn('sr-2');
    const held = [await h.send(second.authorized), await h.send(second.delivered)];
    held.push(await h.send(envelope('WarehouseReceipt', { ...second.receipt.detail, employeeId: ' Emp-Bribed', receivedAt: T('13:00') })));
    held.push(await h.send(envelope('RefundRequested', { ...second.refund.detail, requestedAt: T('13:05') })));
    const later = effectsOf(held);
    expect(later.map((e) => [e.type, e.type === 'ReviewRaised' ? e.reason : ''])).toEqual([['ReviewRaised', 'RECEIPT_BY_FLAGGED_EMPLOYEE']]);
  });
});
