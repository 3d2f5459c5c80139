import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { resolveSettings } from '../../shared/contract/config.js';
import { JsonLinesOutput, TeeOutput, type ReplayOutput } from '../output.js';
import { Progress, integer } from '../progress.js';
import { openInput, replayInput } from '../replay.js';
import { LocalRuntime, type LocalExtensions } from '../runtime.js';
import type { StderrChannel } from '../channel.js';
import { generateDay } from './generator.js';
import { formatSummary } from './summary-text.js';
import { DemoTally, summarize, type DemoSummary } from './summary.js';

export const DEMO_DEFAULTS = { seed: 42, returns: 1000 } as const;

export interface DemoOptions {
  readonly seed: number;
  readonly returns: number;
  /** Keep events.jsonl, outputs.jsonl, truth.jsonl, summary.json and summary.txt here. */
  readonly outDir?: string | undefined;
  readonly stderr: StderrChannel;
  readonly logger: Logger;
  readonly signal?: AbortSignal | undefined;
  readonly extensions?: LocalExtensions;
}

/**
 * Generate the day, write it as JSON lines, and replay that file through the
 * same local runtime and replay loop as `refund-gate replay`. Returns the
 * summary text.
 */
export async function runDemo(options: DemoOptions): Promise<string> {
  const { stderr } = options;
  const day = generateDay({ seed: options.seed, returns: options.returns });
  const dir = options.outDir ? resolve(options.outDir) : await mkdtemp(join(tmpdir(), 'refund-gate-demo-'));
  if (options.outDir) await mkdir(dir, { recursive: true });
  try {
    const eventsPath = join(dir, 'events.jsonl');
    await writeLines(eventsPath, day.events);
    if (options.outDir) await writeLines(join(dir, 'truth.jsonl'), day.truth);
    stderr.line(
      `refund-gate demo: ${integer(day.truth.length)} returns, ${integer(day.events.length)} events (seed ${day.seed}); starting DynamoDB Local…`,
    );

    const tally = new DemoTally();
    const output: ReplayOutput = options.outDir ? new TeeOutput(tally, JsonLinesOutput.toFile(join(dir, 'outputs.jsonl'))) : tally;
    let summary: DemoSummary;
    try {
      const runtime = await LocalRuntime.start({ settings: resolveSettings({}), output, logger: options.logger, ...options.extensions });
      try {
        const input = await openInput(eventsPath);
        let events = 0;
        const progress = new Progress(stderr, 'demo', day.events.length, () => `${integer(events)}/${integer(day.events.length)} events`);
        await replayInput(runtime, input, {
          until: day.until,
          signal: options.signal,
          onLine: (line) => {
            events = line;
            progress.update(line);
          },
        });
        const elapsedMs = progress.elapsedMs();
        progress.finish(`demo: replayed ${integer(day.events.length)} events in ${(elapsedMs / 1000).toFixed(1)} s`);
        summary = summarize(day, tally, elapsedMs);
      } finally {
        await runtime.stop();
      }
    } finally {
      await output.close();
    }
    const text = formatSummary(summary);
    if (options.outDir) {
      await writeFile(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
      await writeFile(join(dir, 'summary.txt'), text);
      stderr.line(`demo: wrote events.jsonl, outputs.jsonl, truth.jsonl, summary.json and summary.txt to ${dir}`);
    }
    return text;
  } finally {
    if (!options.outDir) await rm(dir, { recursive: true, force: true });
  }
}

async function writeLines(path: string, values: readonly unknown[]): Promise<void> {
  const out = JsonLinesOutput.toFile(path);
  try {
    for (const value of values) await out.write(value);
  } finally {
    await out.close();
  }
}
