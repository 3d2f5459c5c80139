/*
 * A kept run's DynamoDB Local outlives the command that started it
 * (cli/db-server.ts): the next commands reuse it, `stop` and the idle timeout
 * end it, a stale record is cleared, two commands never start two JVMs on
 * one directory, and a --db that is no kept run is one line.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type CliRun, runCli } from '../support/cli.js';
import { isAlive } from '../support/processes.js';

const FIXTURE = new URL('../fixtures/review-queue.jsonl', import.meta.url).pathname;
const RECORD = 'dynamodb-local.json';

interface Record {
  readonly keeperPid: number;
  readonly javaPid: number;
  readonly port: number;
}

/** The pids of the JVMs whose command line names this data directory. */
function jvmsOn(db: string): number[] {
  let out = '';
  try {
    out = execFileSync('pgrep', ['-f', `DynamoDBLocal.jar -dbPath ${db} `], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return out.split('\n').filter(Boolean).map(Number);
}

const record = (db: string): Record => JSON.parse(readFileSync(join(db, RECORD), 'utf8'));

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

describe('the kept run keeps its DynamoDB Local running between commands', () => {
  let dir: string;
  let db: string;
  let replay: CliRun;
  const env = { ...process.env, REFUND_GATE_DB_IDLE_SECONDS: '120', LOG_LEVEL: 'ERROR' };
  const cli = (args: readonly string[], extra: NodeJS.ProcessEnv = {}) => runCli([...args, '--db', db], { ...env, ...extra });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rg-dbserver-'));
    db = join(dir, 'd');
    replay = await cli(['replay', FIXTURE]);
  }, 180_000);

  afterAll(async () => {
    if (existsSync(db)) await cli(['stop']);
    rmSync(dir, { recursive: true, force: true });
    expect(jvmsOn(db)).toEqual([]);
  });

  it('replay leaves one server; later commands reuse it', async () => {
    expect(replay.code, replay.stderr).toBe(0);
    const first = record(db);
    expect(jvmsOn(db)).toEqual([first.javaPid]);
    const a = await cli(['reviews', '--open']);
    const b = await cli(['reviews', '--open', '--json']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain('8 open review(s)');
    expect(JSON.parse(b.stdout).reviews).toHaveLength(8);
    expect(record(db)).toEqual(first);
    expect(jvmsOn(db)).toEqual([first.javaPid]);
  }, 120_000);

  // The server replay left: its keeper is killed, so the next command finds a stale record.
  it('a stale record whose keeper is gone (its JVM orphaned) is cleared, never trusted: the orphan is stopped, a new server started; stop ends it', async () => {
    const before = record(db);
    process.kill(before.keeperPid, 'SIGKILL');
    const again = await cli(['reviews', '--open']);
    expect(again.code, again.stderr).toBe(0);
    const after = record(db);
    expect(after.javaPid).not.toBe(before.javaPid);
    expect(isAlive(before.javaPid)).toBe(false);
    expect(jvmsOn(db)).toEqual([after.javaPid]);

    const stopped = await cli(['stop']);
    expect(stopped.stdout).toBe(`Stopped DynamoDB Local for ${db} (port ${after.port}, pid ${after.javaPid}).\n`);
    expect(isAlive(after.javaPid) || isAlive(after.keeperPid)).toBe(false);
    expect(existsSync(join(db, RECORD))).toBe(false);
    expect((await cli(['stop'])).stdout).toBe(`No DynamoDB Local is running for ${db}.\n`);
  }, 180_000);

  // One JVM start for three behaviours: each first command must start a server, so they share one.
  it('a record naming someone else’s port with dead pids is not used; two first commands at once start one JVM (the other is told the directory is in use); it stops by itself after the idle timeout', async () => {
    // The test run's own DynamoDB Local answers on that port: the record must not be used (nor stopped).
    const other = Number(new URL(inject('dynamoEndpoint')).port);
    writeFileSync(join(db, RECORD), JSON.stringify({ keeperPid: 2147483646, javaPid: 2147483645, port: other }));

    const runs = await Promise.all([0, 1].map(() => cli(['reviews', '--open'], { REFUND_GATE_DB_IDLE_SECONDS: '5' })));
    expect(runs.filter((r) => r.code === 0).length).toBeGreaterThanOrEqual(1);
    for (const r of runs.filter((r) => r.code !== 0)) expect(r.stderr).toMatch(/is in use by another refund-gate command \(pid \d+\)/);
    const { javaPid, keeperPid, port } = record(db);
    expect(port).not.toBe(other);
    expect(await fetch(inject('dynamoEndpoint')).then((r) => r.status)).toBeGreaterThan(0);
    expect(jvmsOn(db)).toEqual([javaPid]);

    expect(await until(() => !isAlive(javaPid) && !isAlive(keeperPid), 20_000)).toBe(true);
    expect(existsSync(join(db, RECORD))).toBe(false);
    expect(existsSync(join(db, 'refund-gate.lock'))).toBe(false);
  }, 180_000);
});

describe('--db that is not a kept run', () => {
  it('says so in one line, exits non-zero, and creates nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rg-dbmissing-'));
    try {
      const missing = join(dir, 'typo');
      const run = await runCli(['reviews', '--open', '--db', missing]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`refund-gate: --db ${missing} is not a kept run (no such directory); make one with: refund-gate replay <events.jsonl> --db ${missing}\n`);
      expect(existsSync(missing)).toBe(false);

      const empty = await runCli(['explain', 'RMA-1', '--db', dir]);
      expect(empty.stderr).toMatch(/^refund-gate: --db .* is not a kept run \(no refund-gate\.json in it\); make one with: .*\n$/);

      const file = join(dir, 'a-file');
      writeFileSync(file, 'x');
      for (const args of [['reviews', '--db', file], ['replay', FIXTURE, '--db', file], ['stop', '--db', file]]) {
        const r = await runCli(args);
        expect(r.code).toBe(1);
        expect(r.stderr).toBe(`refund-gate: --db ${file} is a file; --db names a directory (a kept run: refund-gate replay <events.jsonl> --db <dir> makes one)\n`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
