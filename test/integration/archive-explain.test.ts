/*
 * The evidence archive of a kept local run, through the real CLI: `replay
 * --db d` (and `decide --db d`) archive the returns they close into
 * d/archive with the real archiver handler; once a closed return's item has
 * left the table (deleted here, as TTL would), `explain` reads its last image
 * from the archive and explains it exactly as it explained the live item.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalDb } from '../../cli/db-dir.js';
import { localDocumentClient, startDynamoLocal } from '../../cli/dynamo.js';
import { returnKey } from '../../shared/store/keys.js';
import { type CliRun, runCli, sharedDynamoEnv } from '../support/cli.js';

const FIXTURE = new URL('../fixtures/review-queue.jsonl', import.meta.url).pathname;
const TABLE = 'refund-gate-local';
const KEY = /^returns\/\d{4}-\d{2}-\d{2}\/\d+-\d+\.jsonl\.gz$/;

/** Delete return items from a kept directory's table, as TTL does after the retention (taking the directory's lock meanwhile). */
async function expire(dir: string, returnIds: readonly string[]): Promise<void> {
  const db = await openLocalDb(dir, undefined);
  const dynamo = await startDynamoLocal({ dbPath: db.path });
  const doc = localDocumentClient(dynamo.endpoint);
  try {
    for (const returnId of returnIds) await doc.send(new DeleteCommand({ TableName: TABLE, Key: returnKey(returnId), ConditionExpression: 'attribute_exists(pk)' }));
  } finally {
    doc.destroy();
    await dynamo.stop();
    await db.release();
  }
}

describe('explain on a closed return whose item has left the table (kept --db run)', () => {
  let dir: string;
  let db: string;
  let replay: CliRun;
  let plainReplay: CliRun;
  const live: Record<string, unknown> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rg-archive-'));
    db = join(dir, 'd');
    // The plain replay's tables live in the test run's DynamoDB Local: where they live is not what is compared.
    [replay, plainReplay] = await Promise.all([runCli(['replay', FIXTURE, '--db', db]), runCli(['replay', FIXTURE], sharedDynamoEnv())]);
    // RMA-2004 was released on matched evidence by the replay; RMA-2002 is released here by a reviewer.
    const decided = await runCli(['decide', 'rv-receipt#RMA-2002#RCV-RQ-2002', '--release', '--reviewer', 'lp-ana', '--note', 'carrier misrouted', '--db', db]);
    expect(decided.code, decided.stderr).toBe(0);
    for (const returnId of ['RMA-2004', 'RMA-2002']) {
      const run = await runCli(['explain', returnId, '--json', '--db', db]);
      expect(run.code, run.stderr).toBe(0);
      live[returnId] = JSON.parse(run.stdout);
    }
    await expire(db, ['RMA-2004', 'RMA-2002']);
  }, 300_000);

  afterAll(async () => {
    // The kept run's DynamoDB Local outlives each command (cli/db-server.ts): stop it.
    await runCli(['stop', '--db', db]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('replay --db prints exactly what replay without it prints, and archives what it closed under d/archive', () => {
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toBe(plainReplay.stdout);
    const days = readdirSync(join(db, 'archive', 'returns'));
    expect(days.length).toBeGreaterThan(0);
    for (const day of days) {
      for (const name of readdirSync(join(db, 'archive', 'returns', day))) expect(`returns/${day}/${name}`).toMatch(KEY);
    }
  });

  it('explain --json gives the live explanation again, from the archive, with the object it came from', async () => {
    const run = await runCli(['explain', 'RMA-2004', '--json', '--db', db]);
    expect(run.code, run.stderr).toBe(0);
    const { archive, ...explanation } = JSON.parse(run.stdout);
    expect(explanation).toEqual(live['RMA-2004']);
    expect(explanation.status).toBe('RELEASED');
    expect(archive).toMatchObject({ source: 'evidence-archive', location: join(db, 'archive'), closed: true, employeeFlags: 'table' });
    expect(archive.key).toMatch(KEY);
    expect(archive.sequenceNumber).toMatch(/^\d+$/);
  }, 120_000);

  it('explain says in text that the return is closed and comes from the archive, with the reviewer decision decide made', async () => {
    const run = await runCli(['explain', 'RMA-2002', '--db', db]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('From the evidence archive: the return is closed and its item has left the table.');
    expect(lines[1]).toMatch(new RegExp(`^ {2}object ${join(db, 'archive')}/returns/\\d{4}-\\d{2}-\\d{2}/\\d+-\\d+\\.jsonl\\.gz line \\d+ \\(sequence \\d+, written \\d{1,2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}(:\\d{2})? UTC\\)$`));
    expect(run.stdout).toContain('Return RMA-2002: RELEASED');
    expect(run.stdout).toContain('Decision: RELEASE by lp-ana');
    expect(run.stderr).toBe('');
  }, 120_000);

  it('a return in neither place: one line with the range searched and how to widen it', async () => {
    const run = await runCli(['explain', 'RMA-NOPE', '--db', db]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^refund-gate: no return "RMA-NOPE" in this table, nor in the evidence archive .* from \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2} \(\d+ objects? read\); search other days with --from YYYY-MM-DD and --to YYYY-MM-DD\n$/);
  }, 120_000);

  it('decide on the archived return says it is closed and archived, and submits nothing', async () => {
    const run = await runCli(['decide', 'rv-receipt#RMA-2002#RCV-RQ-2002', '--deny', '--reviewer', 'lp-bob', '--return', 'RMA-2002', '--db', db]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^refund-gate: return "RMA-2002" is not in the table: its item expired \(a closed return is in the evidence archive/);
    // Nothing was stored under the id: explain still reads the archive.
    const after = await runCli(['explain', 'RMA-2002', '--json', '--db', db]);
    expect(JSON.parse(after.stdout).archive).toBeDefined();
  }, 120_000);
});
