import { resolveSettings } from '../../shared/contract/config.js';
import { parseJson } from '../../shared/contract/parse.js';
import { Timestamp } from '../../shared/contract/primitives.js';
import { loadConfig } from '../config-file.js';
import { text, type Runner } from '../context.js';
import { openLocalDb, type LocalDb } from '../db-dir.js';
import { EXIT } from '../exit.js';
import { cliLogger } from '../logging.js';
import { JsonLinesOutput } from '../output.js';
import { Progress, integer } from '../progress.js';
import { openInput, replayInput } from '../replay.js';
import { MAX_CONFIG_BYTES, readFileCapped } from '../read-capped.js';
import { LocalRuntime } from '../runtime.js';
import { keptRunWiring, R7_WIRING } from '../wiring.js';

/** `refund-gate replay <events.jsonl | ->`: the contract's lines on standard output, progress on standard error. */
export const replayRunner: Runner = async (invocation, ctx) => {
  const { positionals } = invocation;
  const [untilText, configPath, dbDir] = [text(invocation, 'until'), text(invocation, 'config'), text(invocation, 'db')];
  if (positionals.length !== 1) throw ctx.usage(positionals.length === 0 ? 'replay needs an events file (or - for standard input)' : 'replay takes one events file');
  const until = untilText === undefined ? undefined : parseUntil(untilText, ctx.usage);
  let settings = configPath === undefined ? resolveSettings({}) : await loadConfig(configPath);
  // Open the input first: a wrong path fails before DynamoDB Local starts.
  const input = await openInput(positionals[0]!);
  // --db <dir>: keep DynamoDB Local's data (and the clock) in <dir> for the review tools and later replays.
  let db: LocalDb | undefined;
  try {
    db = dbDir === undefined ? undefined : await openLocalDb(dbDir, configPath === undefined ? undefined : parseJson((await readFileCapped(configPath, MAX_CONFIG_BYTES)).toString('utf8')));
  } catch (error) {
    input.stream.destroy();
    throw error;
  }
  if (db) settings = db.settings;

  const stdout = new JsonLinesOutput(process.stdout);
  const logger = cliLogger(ctx.stderr, 'WARN');
  let runtime: LocalRuntime;
  try {
    runtime = await LocalRuntime.start({ settings, output: stdout, logger, ...(db ? { ...keptRunWiring(db.archiveDir), dbPath: db.path, resume: db.resume } : R7_WIRING) });
  } catch (error) {
    input.stream.destroy();
    await db?.release();
    throw error;
  }
  try {
    let lineCount = 0;
    const progress = new Progress(ctx.stderr, 'replay', input.size, () => `line ${integer(lineCount)}`);
    const result = await replayInput(runtime, input, {
      until,
      signal: ctx.signal,
      onNotice: (text) => ctx.stderr.line(text),
      onLine: (line, bytes) => {
        lineCount = line;
        progress.update(bytes);
      },
    });
    const s = runtime.stats;
    progress.finish(
      `replay: ${integer(result.lines)} lines, ${integer(s.rejected)} rejected; published ${integer(s.eventbridge)} to EventBridge, ${integer(s.sns)} to SNS; clock ${result.finalClock ?? '(no valid event)'}; ${(progress.elapsedMs() / 1000).toFixed(1)} s`,
    );
    return EXIT.ok;
  } finally {
    await db?.save(runtime.snapshot());
    await runtime.stop();
    await db?.release();
  }
};

function parseUntil(value: string, usage: (message: string) => Error): string {
  if (!Timestamp.safeParse(value).success) {
    throw usage(`--until: expected an ISO 8601 timestamp with offset (Z or ±hh:mm), got "${value}"`);
  }
  return value;
}
