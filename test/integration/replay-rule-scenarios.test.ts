/*
 * Hand-written rule scenarios (test/fixtures/v1-1: weights, late
 * authorization, decisions, bad lines) through `refund-gate replay`, as a subprocess: the real CLI, handlers, store and
 * outbox against DynamoDB Local.
 */
import { describe, expect, it } from 'vitest';
import { replayShared } from '../support/cli.js';

const fixture = (name: string) => new URL(`../fixtures/v1-1/${name}.jsonl`, import.meta.url).pathname;
type Line = Record<string, any>;

function replay(name: string, ...args: string[]): Promise<{ code: number | null; lines: Line[] }> {
  return replayShared([fixture(name), '--until', '2026-11-04T00:00:00Z', ...args]);
}

/** One short string per output line, to compare a whole run at once. */
const outline = (l: Line): string =>
  l['channel'] === 'eventbridge'
    ? `${l['detailType']} ${l['detail']['returnId']}`
    : l['channel'] === 'sns'
      ? [l['message']['type'], l['message']['returnId'], l['message']['reason'] ?? l['message']['why'], l['message']['cause']].filter(Boolean).join(' ')
      : `rejected ${l['line']}: ${String(l['error']).split(':')[0]}`;

describe('rule scenarios through refund-gate replay: weights, late authorization, decisions, bad lines', { timeout: 120_000 }, () => {
  it('weights: the empty box is held by WEIGHT_MISMATCH naming the pair in grams, the honest parcel in ounces is released', async () => {
    const { code, lines } = await replay('weights');
    expect(code).toBe(0);
    expect(lines.map(outline)).toEqual(['ReviewRequested r-empty WEIGHT_MISMATCH', 'RefundReleased r-honest']);
    expect(lines[0]!['message']['evidence']['disagreeing']).toEqual([
      { grams: 362.9, scanId: 's-empty', source: 'scan', unit: 'lb', value: 0.8 },
      { grams: 2300, source: 'expectedWeight', unit: 'kg', value: 2.3 },
    ]);
    expect(lines[0]!['attributes']).toMatchObject({ type: 'ReviewRequested', reason: 'WEIGHT_MISMATCH', severity: 'MEDIUM', warehouseId: 'WH-1' });
  });

  it('--config sets the weight tolerances: lenient enough, the empty box is released too', async () => {
    const config = new URL('../fixtures/v1-1/lenient-weights.config.json', import.meta.url).pathname;
    const { code, lines } = await replay('weights', '--config', config);
    expect(code).toBe(0);
    expect(lines.map(outline)).toEqual(['RefundReleased r-empty', 'RefundReleased r-honest']);
  });

  it('late authorization clears RECEIPT_FOR_UNKNOWN_RETURN and the receipt is assessed (and released)', async () => {
    const { code, lines } = await replay('late-authorization');
    expect(code).toBe(0);
    expect(lines.map(outline)).toEqual([
      'ReviewRequested r-late RECEIPT_FOR_UNKNOWN_RETURN',
      'ReviewCleared r-late RECEIPT_FOR_UNKNOWN_RETURN LATE_AUTHORIZATION',
      'RefundReleased r-late',
    ]);
  });

  it('decisions: ignored ones say why, a DENY closes the other review with cause DECIDED', async () => {
    const { code, lines } = await replay('decisions');
    expect(code).toBe(0);
    expect(lines.map(outline)).toEqual([
      'ReviewRequested r-d SECOND_REFUND_REQUEST',
      'ReviewRequested r-d RECEIPT_WITHOUT_INBOUND_SCAN',
      'DecisionIgnored r-d UNKNOWN_REVIEW',
      'DecisionIgnored r-d REVIEW_OF_OTHER_RETURN',
      'ReviewCleared r-d SECOND_REFUND_REQUEST DECIDED',
      'RefundDenied r-d',
      'DecisionIgnored r-d RETURN_ALREADY_DECIDED',
    ]);
    const ignored = lines.find((l) => l['message']?.['type'] === 'DecisionIgnored')!;
    expect(ignored['attributes']).toMatchObject({ type: 'DecisionIgnored', severity: 'LOW', warehouseId: 'WH-1' });
    expect(Object.keys(ignored['message'])).toEqual(['type', 'decisionId', 'reviewId', 'returnId', 'reviewerId', 'why', 'decidedAt', 'warehouseId', 'effectId']);
  });

  it('bad lines are rejected naming their field; the good one between them is applied', async () => {
    const { code, lines } = await replay('bad-lines');
    expect(code).toBe(0);
    expect(lines.map(outline)).toEqual([
      'rejected 1: detail.receivedAt',
      'rejected 2: detail.amount.amount',
      'rejected 3: detail.weight.unit',
      'rejected 5: detail.receivedAt',
      'rejected 6: detail.stationId',
      'rejected 7: detail.expectedWeight.value',
    ]);
  });
});
