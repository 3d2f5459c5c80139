/*
 * The reviewer's tools as an analyst runs them, on a kept local run:
 * `replay --db d`, then `explain`, `reviews --open --json` and `decide`
 * against d, each a subprocess that starts DynamoDB Local on the kept data.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from '../support/cli.js';

const FIXTURE = new URL('../fixtures/review-queue.jsonl', import.meta.url).pathname;

type Run = CliRun;
const cli = runCli;

/** The receipt review's id as the domain names it (encodeTuple of tag, returnId, receiptId). */
interface DecideJson {
  readonly decisionId: string;
  readonly outcome: unknown;
  readonly published: ReadonlyArray<{ readonly channel: string; readonly message?: Record<string, unknown> }>;
}

const PHANTOM_REVIEW = 'rv-receipt#RMA-2001#RCV-RQ-2001';

describe('review tools on a kept --db run', () => {
  let dir: string;
  let db: string;
  let replay: Run;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rg-review-'));
    db = join(dir, 'd');
    replay = await cli(['replay', FIXTURE, '--db', db]);
  }, 180_000);

  afterAll(async () => {
    // The kept run's DynamoDB Local outlives each command (cli/db-server.ts): stop it.
    await cli(['stop', '--db', db]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('replay --db keeps the data and prints what the run decided', () => {
    expect(replay.code).toBe(0);
    const lines = replay.stdout.trim().split('\n').map((l) => JSON.parse(l) as { channel: string; message?: { reason?: string } });
    expect(lines.filter((l) => l.channel === 'sns').map((l) => l.message?.reason)).toContain('RECEIPT_WITHOUT_INBOUND_SCAN');
  });

  it('reviews --open --json lists the queue oldest first with money at stake', async () => {
    const run = await cli(['reviews', '--open', '--json', '--db', db]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { reviews: Array<{ reviewId: string; raisedAt: string; atStake: unknown; status: string }>; atStake: unknown };
    const ids = out.reviews.map((r) => r.reviewId);
    expect(ids[0]).toBe(PHANTOM_REVIEW);
    expect(ids).toContain('rv-flagged#RMA-2008#RCV-RQ-2008');
    expect(out.reviews.every((r) => r.status === 'OPEN')).toBe(true);
    const times = out.reviews.map((r) => Date.parse(r.raisedAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(out.reviews[0]!.atStake).toEqual({ amount: 89900, currency: 'USD' });
    // Six held returns, each counted once: 899 + 129.99 + 450 + 45 + 649 + 1299 + 79.99
    expect(out.atStake).toEqual([{ amount: 355198, currency: 'USD' }]);

    const text = await cli(['reviews', '--open', '--db', db]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n')[1]).toMatch(/^20 Nov 2026 09:00 UTC {2}MEDIUM {4}OPEN {4}RECEIPT_WITHOUT_INBOUND_SCAN /);
  });

  it('explain shows the timeline, the evidence, the open review and what is missing', async () => {
    const run = await cli(['explain', 'RMA-2001', '--json', '--db', db]);
    expect(run.code, run.stderr).toBe(0);
    const e = JSON.parse(run.stdout);
    expect(e.status).toBe('HELD');
    expect(e.moneyHeld).toEqual({ amount: 89900, currency: 'USD' });
    expect(e.timeline.map((t: { detailType: string; source: string }) => `${t.detailType}/${t.source}`)).toEqual([
      'ReturnAuthorized/retail.returns',
      'WarehouseReceipt/retail.warehouse',
      'ReviewRequested/refund-gate',
      'RefundRequested/retail.refunds',
    ]);
    expect(e.evidence.receipts[0]).toMatchObject({ receiptId: 'RCV-RQ-2001', employeeId: 'emp-dfw-07', matched: false, unmatchedReason: 'RECEIPT_WITHOUT_INBOUND_SCAN' });
    expect(e.openReviews.map((r: { reviewId: string }) => r.reviewId)).toEqual([PHANTOM_REVIEW]);
    expect(e.missing.map((m: { code: string }) => m.code)).toEqual(['MATCHED_RECEIPT', 'REVIEW_DECISION']);

    expect(e.timeline[1].at).toBe('2026-11-20T09:00:00.000Z');

    const text = await cli(['explain', 'RMA-2001', '--db', db]);
    expect(text.stdout).toContain('money held: USD 899.00');
    // Times for a person in the text; --json above keeps them exact.
    expect(text.stdout).toMatch(/^ {2}20 Nov 2026 09:00 UTC {2}WarehouseReceipt retail\.warehouse /m);
    expect(text.stdout).toContain('raised 20 Nov 2026 09:00 UTC, at stake USD 899.00');
    expect(text.stdout).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
  }, 120_000);

  it('explain of an unknown return says so in one line and fails', async () => {
    const run = await cli(['explain', 'RMA-NOPE', '--db', db]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    // Not in the table, nor in the kept run's evidence archive (test/integration/archive-explain.test.ts).
    expect(run.stderr).toMatch(/^refund-gate: no return "RMA-NOPE" in this table, nor in the evidence archive /);
  });

  it('decide by the receiving clerk is refused as self-review; a reviewer release then works; a second decision is ignored', async () => {
    const self = await cli(['decide', PHANTOM_REVIEW, '--release', '--reviewer', 'emp-dfw-07', '--note', 'it came in', '--json', '--db', db]);
    expect(self.code, self.stderr).toBe(3);
    const refused = JSON.parse(self.stdout) as DecideJson;
    expect(refused.outcome).toEqual({ kind: 'SELF_REVIEW_REFUSED', selfReviewId: `rv-self-review#RMA-2001#${refused.decisionId}` });
    expect(refused.published.map((l) => [l.message?.type, l.message?.reason])).toContainEqual(['ReviewRequested', 'SELF_REVIEW_ATTEMPT']);

    const release = await cli(['decide', PHANTOM_REVIEW, '--release', '--reviewer', 'lp-ana', '--note', 'parcel found at dock', '--db', db]);
    expect(release.code, release.stderr).toBe(0);
    expect(release.stdout).toMatch(/^released: USD 899\.00 at 20 Nov 2026 14:05 UTC; RELEASE by lp-ana /);

    const again = await cli(['decide', PHANTOM_REVIEW, '--deny', '--reviewer', 'lp-bob', '--note', 'late', '--return', 'RMA-2001', '--json', '--db', db]);
    expect(again.code).toBe(3);
    const ignored = JSON.parse(again.stdout) as DecideJson;
    expect(ignored.outcome).toEqual({ kind: 'IGNORED', why: 'RETURN_ALREADY_DECIDED' });
    // The why is the one refund-gate published (R5 v1.1: DecisionIgnored), not a guess from the state.
    expect(ignored.published.map((l) => l.message)).toContainEqual(
      expect.objectContaining({ type: 'DecisionIgnored', decisionId: ignored.decisionId, reviewId: PHANTOM_REVIEW, why: 'RETURN_ALREADY_DECIDED' }),
    );

    const after = JSON.parse((await cli(['explain', 'RMA-2001', '--json', '--db', db])).stdout);
    expect(after.status).toBe('RELEASED');
    expect(after.openReviews).toEqual([]);
    expect(after.closedReviews.map((r: { reason: string }) => r.reason)).toContain('SELF_REVIEW_ATTEMPT');
    expect(after.decisions.map((d: { reviewerId: string; outcome: string }) => [d.reviewerId, d.outcome])).toEqual([
      ['emp-dfw-07', 'SELF_REVIEW'],
      ['lp-ana', 'FINAL'],
      ['lp-bob', 'IGNORED'],
    ]);
    expect(after.headline).toBe('Refund released by a reviewer at 2026-11-20T14:05:00.000Z.');
    const afterText = (await cli(['explain', 'RMA-2001', '--db', db])).stdout;
    expect(afterText).toContain('\n  Refund released by a reviewer at 20 Nov 2026 14:05 UTC.\n');
  }, 300_000);

  it('an insider alert (no return, v1.2): its employee may not answer it; a RELEASE closes it and takes it off the queue; a second answer is ignored', async () => {
    const open = JSON.parse((await cli(['reviews', '--open', '--json', '--db', db])).stdout) as { reviews: Array<Record<string, unknown>> };
    const alert = open.reviews.find((r) => r['reason'] === 'EMPLOYEE_RECEIPT_ANOMALY');
    expect(alert).toMatchObject({ returnId: null, employeeId: 'emp-dfw-07', status: 'OPEN' });
    const reviewId = String(alert!['reviewId']);
    const self = await cli(['decide', reviewId, '--release', '--reviewer', ' EMP-DFW-07', '--json', '--db', db]);
    expect(self.code, self.stderr).toBe(3);
    expect((JSON.parse(self.stdout) as DecideJson).outcome).toMatchObject({ kind: 'SELF_REVIEW_REFUSED' });
    const release = await cli(['decide', reviewId, '--release', '--reviewer', 'lp-ana', '--db', db]);
    expect(release.code, release.stderr).toBe(0);
    expect(release.stdout).toMatch(/^alert closed, employee cleared: the flag is lifted from \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}(:\d{2})? UTC \(/);
    const after = JSON.parse((await cli(['reviews', '--open', '--json', '--db', db])).stdout) as { reviews: Array<Record<string, unknown>> };
    expect(after.reviews.map((r) => r['reviewId'])).not.toContain(reviewId);
    const again = await cli(['decide', reviewId, '--deny', '--reviewer', 'lp-bob', '--json', '--db', db]);
    expect(again.code).toBe(3);
    const ignored = JSON.parse(again.stdout) as DecideJson & { returnId?: string };
    expect(ignored.outcome).toEqual({ kind: 'IGNORED', why: 'REVIEW_NOT_OPEN' });
    expect(ignored.returnId).toBeUndefined();
  }, 300_000);

  it('a later replay on the same directory carries on: nothing published twice, the clock moves on and timers fire', async () => {
    const again = await cli(['replay', FIXTURE, '--db', db]);
    expect(again.code, again.stderr).toBe(0);
    // Every line is a redelivery (R8) and no earlier effect is read off the stream again.
    expect(again.stdout).toBe('');

    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const later = await cli(['replay', empty, '--until', '2026-12-10T00:00:00Z', '--db', db]);
    expect(later.code, later.stderr).toBe(0);
    const reasons = later.stdout.trim().split('\n').map((l) => JSON.parse(l) as { message?: { reason?: string; returnId?: string } });
    // maxHold (14 days) after the refund requests of 2026-11-20 ran out: only returns still held expire.
    expect(reasons.filter((l) => l.message?.reason === 'HOLD_EXPIRED').map((l) => l.message?.returnId).sort()).toEqual(['RMA-2002', 'RMA-2003', 'RMA-2005', 'RMA-2006', 'RMA-2007', 'RMA-2008']);
    const meta = JSON.parse(readFileSync(join(db, 'refund-gate.json'), 'utf8')) as { snapshot: { clock: string } };
    expect(meta.snapshot.clock).toBe('2026-12-10T00:00:00.000Z');
  }, 180_000);
});
