import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InsiderDetector } from '../../shared/app/insider.js';
import type { Effect, ReviewRaised } from '../../shared/domain/types.js';
import { EmployeeStore } from '../../shared/store/employees.js';
import { employeeFlagKey } from '../../shared/store/keys.js';
import { freshTable, type TestTable } from '../support/dynamo.js';
import { envelope, honestReturn } from '../support/envelopes.js';
import { harness } from '../support/runtime.js';

let table: TestTable;
beforeAll(async () => {
  table = await freshTable('insider');
});
afterAll(async () => {
  await table.drop();
});

const minute = (n: number) => new Date(Date.UTC(2026, 10, 2, 9, 0) + n * 60_000).toISOString();

/** A phantom receipt: the return is authorized but the parcel never moved. */
function phantom(returnId: string, employeeId: string, at: string, warehouseId = 'WH-1') {
  const story = honestReturn(returnId, { warehouseId, amount: 131_500 });
  const receipt = envelope('WarehouseReceipt', {
    receiptId: `rc-${returnId}`,
    returnId,
    warehouseId,
    employeeId,
    stationId: 'dock-9',
    receivedAt: at,
  });
  return { authorized: story.authorized, receipt };
}

function setup() {
  const employees = new EmployeeStore(table.doc, table.tableName);
  const h = harness(table, { threshold: 3, window: 'PT24H', flagFor: 'P7D' }, employees);
  const detector = new InsiderDetector(employees, h.settings);
  return { h, detector, employees };
}

const effectsOf = (results: Awaited<ReturnType<ReturnType<typeof harness>['send']>>[]): Effect[] =>
  results.flatMap((r) => (r.status === 'processed' ? r.outcome.effects : []));

describe('R7 insider detection on DynamoDB Local', () => {
  it('raises exactly one anomaly for 50 concurrent phantom receipts by one employee, even when redelivered', async () => {
    // Prepare
    const { h, detector } = setup();
    const stories = Array.from({ length: 50 }, (_, i) => phantom(`r-bribe-${i}`, 'emp-bribed', minute(i)));
    await Promise.all(stories.map((s) => h.send(s.authorized)));
    const results = await Promise.all(stories.map((s) => h.send(s.receipt)));
    const effects = effectsOf(results);
    expect(effects.filter((e) => e.type === 'ReviewRaised' && e.reason === 'RECEIPT_WITHOUT_INBOUND_SCAN')).toHaveLength(50);
    // Act: the stream consumer sees every record concurrently, then every record again.
    const first = await Promise.all(effects.map((e) => detector.onEffects([e])));
    const again = await Promise.all(effects.map((e) => detector.onEffects([e])));
    // Assess
    const alerts = [...first, ...again].flat();
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(alert).toMatchObject({ reason: 'EMPLOYEE_RECEIPT_ANOMALY', severity: 'HIGH', employeeId: 'emp-bribed' });
    // Which receipt crossed the threshold depends on which concurrent detector won; it is one of them.
    expect(stories.map((_, i) => minute(i))).toContain(alert.raisedAt);
    const listed = alert.evidence['returnIds'] as string[];
    expect(listed.length).toBeGreaterThanOrEqual(3);
    expect(alert.evidence['refundAtStake']).toEqual([{ amount: listed.length * 131_500, currency: 'USD' }]);
    expect(alert.evidence['stations']).toEqual(['dock-9']);
  });

  it('holds every later receipt by the flagged employee, even a matched one', async () => {
    const { h, detector } = setup();
    const stories = [0, 1, 2].map((i) => phantom(`r-flag-${i}`, 'emp-flagged', minute(i)));
    for (const s of stories) await h.send(s.authorized);
    for (const s of stories) await detector.onEffects(effectsOf([await h.send(s.receipt)]));
    // An honest parcel, delivered and received by the flagged employee an hour later.
    const honest = honestReturn('r-flag-honest');
    const receipt = { ...honest.receipt, detail: { ...honest.receipt.detail, employeeId: 'emp-flagged', receivedAt: minute(60) } };
    const delivered = { ...honest.delivered, detail: { ...honest.delivered.detail, scannedAt: minute(55) } };
    const results = [];
    for (const e of [honest.authorized, delivered, receipt, honest.refund]) results.push(await h.send(e));
    const effects = effectsOf(results);
    expect(effects.map((e) => (e.type === 'ReviewRaised' ? e.reason : e.type))).toEqual(['RECEIPT_BY_FLAGGED_EMPLOYEE']);
    expect(effects.some((e) => e.type === 'RefundReleased')).toBe(false);
  });

  it('does not count a receipt whose review was cleared by late evidence', async () => {
    // Prepare: suspect a; c is reviewed then cleared by a late scan; then suspect b.
    const { h, detector, employees } = setup();
    const a = phantom('r-late-a', 'emp-late', minute(0));
    const b = phantom('r-late-b', 'emp-late', minute(2));
    const c = honestReturn('r-late-c', { tracking: 'C-TRK' });
    for (const e of [a.authorized, b.authorized, c.authorized]) await h.send(e);
    const cReceipt = { ...c.receipt, detail: { ...c.receipt.detail, employeeId: 'emp-late', receivedAt: minute(1) } };
    const cLateScan = { ...c.delivered, detail: { ...c.delivered.detail, scannedAt: minute(0) } };
    const alerts = [];
    // Act
    alerts.push(...(await detector.onEffects(effectsOf([await h.send(a.receipt)]))));
    alerts.push(...(await detector.onEffects(effectsOf([await h.send(cReceipt)]))));
    const cleared = effectsOf([await h.send(cLateScan)]);
    alerts.push(...(await detector.onEffects(cleared)));
    alerts.push(...(await detector.onEffects(effectsOf([await h.send(b.receipt)]))));
    // Assess: without the clearing, b would be the third suspect in the window.
    expect(cleared.map((x) => x.type)).toEqual(['ReviewCleared']);
    expect(alerts).toEqual([]);
    const suspects = await employees.suspects('emp-late', minute(-60), minute(60));
    expect(suspects.map((x) => x.receiptId).sort()).toEqual(['rc-r-late-a', 'rc-r-late-b']);
  });

  it('stores the alert with its review in the flag item outbox, for the publisher', async () => {
    const { h, detector } = setup();
    const stories = [0, 1, 2].map((i) => phantom(`r-outbox-${i}`, 'emp-outbox', minute(i * 10)));
    for (const s of stories) await h.send(s.authorized);
    for (const s of stories) await detector.onEffects(effectsOf([await h.send(s.receipt)]));
    const flag = await table.doc.send(new GetCommand({ TableName: table.tableName, Key: employeeFlagKey('emp-outbox') }));
    const outbox = flag.Item?.['outbox'] as ReviewRaised[];
    expect(outbox.map((r) => [r.reason, r.raisedAt])).toEqual([['EMPLOYEE_RECEIPT_ANOMALY', minute(20)]]);
    expect(flag.Item?.['flaggedUntil']).toBe(new Date(Date.parse(minute(20)) + 7 * 86_400_000).toISOString());
  });

  it('does not flag an employee whose suspects are spread wider than the window', async () => {
    const { h, detector } = setup();
    const stories = [0, 25 * 60, 50 * 60].map((m, i) => phantom(`r-spread-${i}`, 'emp-spread', minute(m)));
    for (const s of stories) await h.send(s.authorized);
    const alerts = [];
    for (const s of stories) alerts.push(...(await detector.onEffects(effectsOf([await h.send(s.receipt)]))));
    expect(alerts).toEqual([]);
  });
});
