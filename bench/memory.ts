import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { returnEvents } from './scenarios.js';

export interface MemoryRun {
  readonly events: number;
  readonly maxRssBytes: number;
  /** DynamoDB Local's JVM (the replay's child processes), peak RSS sampled each second. */
  readonly dynamoLocalMaxRssBytes: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}
export interface MemoryResult {
  readonly small: MemoryRun;
  readonly large: MemoryRun;
  /** large / small peak RSS of the Node process: near 1 means replay streams its input. */
  readonly ratio: number;
  /** The same for DynamoDB Local's JVM (reported; its heap holds the table). */
  readonly dynamoLocalRatio: number;
}

const BIN = fileURLToPath(new URL('../cli/bin.mjs', import.meta.url));
const HOOK = fileURLToPath(new URL('./rss-hook.mjs', import.meta.url));

/** Write `events` honest-return events (8 per return) as JSON lines, streaming. */
async function writeInput(path: string, events: number): Promise<void> {
  const out = createWriteStream(path);
  let written = 0;
  for (let i = 0; written < events; i++) {
    for (const event of returnEvents('honest', i)) {
      if (written === events) break;
      if (!out.write(`${JSON.stringify(event)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
      written += 1;
    }
  }
  await new Promise<void>((resolve, reject) => {
    out.on('error', reject);
    out.end(() => resolve());
  });
}

/** Run `refund-gate replay` as its own process and read its peak RSS. */
async function replayRss(path: string, events: number): Promise<MemoryRun> {
  const t = performance.now();
  const child = spawn(process.execPath, ['--import', HOOK, BIN, 'replay', path], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const seconds = (performance.now() - t) / 1000;
  const match = /REFUND_GATE_MAXRSS_BYTES=(\d+)/.exec(stderr);
  if (code !== 0 || !match) throw new Error(`replay of ${events} events failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const jvm = /REFUND_GATE_CHILD_MAXRSS_BYTES=(\d+)/.exec(stderr);
  return { events, maxRssBytes: Number(match[1]), dynamoLocalMaxRssBytes: Number(jvm?.[1] ?? 0), seconds, eventsPerSecond: events / seconds };
}

export async function measureMemory(sizes: { small: number; large: number }): Promise<MemoryResult> {
  const dir = mkdtempSync(join(tmpdir(), 'refund-gate-bench-'));
  try {
    const smallPath = join(dir, 'small.jsonl');
    const largePath = join(dir, 'large.jsonl');
    await writeInput(smallPath, sizes.small);
    await writeInput(largePath, sizes.large);
    const small = await replayRss(smallPath, sizes.small);
    const large = await replayRss(largePath, sizes.large);
    return { small, large, ratio: large.maxRssBytes / small.maxRssBytes, dynamoLocalRatio: small.dynamoLocalMaxRssBytes > 0 ? large.dynamoLocalMaxRssBytes / small.dynamoLocalMaxRssBytes : 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
