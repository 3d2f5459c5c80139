import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateDay } from '../cli/demo/generator.js';

/**
 * `npm run bench:triage`: an analyst's session on a kept 1,000-return demo
 * day, timed as a person would see it, through the real `refund-gate` bin.
 * `replay --db` keeps the day (and leaves its DynamoDB Local running, see
 * cli/db-server.ts); then `reviews --open`, `explain`, `decide`,
 * `reviews --open`, each a new process. Target: the four after the replay
 * take ≤ 10 s in all, each ≤ 2 s. Prints the figures; asserts nothing.
 * `--keep <dir>` keeps the directory (and its server: `refund-gate stop --db <dir>/d`).
 */
const { values } = parseArgs({ options: { returns: { type: 'string', default: '1000' }, seed: { type: 'string', default: '7' }, keep: { type: 'string' } } });
const BIN = new URL('../cli/bin.mjs', import.meta.url).pathname;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

function cli(args: readonly string[]): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'ERROR' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

function must(run: Run, what: string): Run {
  if (run.code !== 0) throw new Error(`${what} failed (${run.code}): ${run.stderr.trim()}`);
  return run;
}

const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'rg-triage-'));
const db = join(dir, 'd');
try {
  const day = generateDay({ seed: Number(values.seed), returns: Number(values.returns) });
  const events = join(dir, 'events.jsonl');
  writeFileSync(events, day.events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  const replay = must(await cli(['replay', events, '--db', db]), 'replay');
  console.log(`replay --db of ${day.events.length} events (${values.returns} returns; starts DynamoDB Local): ${(replay.ms / 1000).toFixed(1)} s`);

  const steps: Array<{ readonly name: string; readonly run: Run }> = [];
  const queue = must(await cli(['reviews', '--open', '--json', '--db', db]), 'reviews');
  steps.push({ name: 'reviews --open', run: queue });
  const first = (JSON.parse(queue.stdout) as { reviews: Array<{ reviewId: string; returnId: string | null }> }).reviews.find((r) => r.returnId !== null);
  if (first === undefined) throw new Error('the demo day raised no review on a return');
  steps.push({ name: `explain ${first.returnId}`, run: must(await cli(['explain', first.returnId!, '--db', db]), 'explain') });
  steps.push({
    name: 'decide … --release',
    run: must(await cli(['decide', first.reviewId, '--release', '--reviewer', 'lp-bench', '--note', 'triage bench', '--return', first.returnId!, '--db', db]), 'decide'),
  });
  steps.push({ name: 'reviews --open', run: must(await cli(['reviews', '--open', '--db', db]), 'reviews') });

  const total = steps.reduce((sum, s) => sum + s.run.ms, 0);
  for (const s of steps) console.log(`  ${s.name.padEnd(24)} ${(s.run.ms / 1000).toFixed(2)} s  ${s.run.ms <= 2000 ? 'met' : 'missed'} (≤ 2 s)`);
  console.log(`triage after the first command: ${(total / 1000).toFixed(2)} s in all  ${total <= 10_000 ? 'met' : 'missed'} (≤ 10 s)`);
} finally {
  if (values.keep === undefined) {
    await cli(['stop', '--db', db]);
    rmSync(dir, { recursive: true, force: true });
  }
}
