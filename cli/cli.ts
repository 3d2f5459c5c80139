import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { resolveSettings, type Settings } from '../shared/contract/config.js';
import { ContractValidationError } from '../shared/contract/errors.js';
import { parseJson } from '../shared/contract/parse.js';
import { Timestamp } from '../shared/contract/primitives.js';
import { CarrierOptionError } from './commands/carrier-options.js';
import { SERVE_HELP, SERVE_USAGE, serveCommand } from './commands/serve.js';
import { WEBHOOK_HELP, WEBHOOK_USAGE, webhookCommand } from './commands/webhook.js';
import { RefundGateError } from '../shared/errors.js';
import { runDemo, DEMO_DEFAULTS } from './demo/run.js';
import { DynamoLocalStartError, JavaMissingError } from './dynamo.js';
import { JsonLinesOutput } from './output.js';
import { Progress, integer } from './progress.js';
import { InputUnreadableError, InterruptedError, openInput, replayInput } from './replay.js';
import { LocalRuntime } from './runtime.js';
import { StderrChannel, StderrLogger } from './stderr.js';
import { keptRunWiring, R7_WIRING } from './wiring.js';
import { ReviewToolError } from './commands/errors.js';
import type { CommandContext } from './commands/common.js';
import { DbDirInUseError, DbDirSettingsError, openLocalDb, type LocalDb } from './db-dir.js';
import { OutputDirError, prepareOutDir, version } from './cli-support.js';
import { loggerOptions } from '../shared/app/telemetry.js';

/** Exit statuses (README: "Exit codes"). */
export const EXIT = {
  /** The whole input was read (bad lines are `rejected` output, not failures). */
  ok: 0,
  /** The run could not happen: no Java, DynamoDB Local failed, unreadable input, a broken runtime. */
  failed: 1,
  /** Wrong command line: unknown command or option, bad --config, bad --until, bad number. */
  usage: 2,
  /** Interrupted (Ctrl-C) or terminated; DynamoDB Local was stopped. */
  sigint: 130,
  sigterm: 143,
} as const;

export const USAGE = `Usage:
  refund-gate replay <events.jsonl | -> [--until <ISO time>] [--config <file.json>]
  refund-gate demo [--seed <n>] [--returns <n>] [--out <dir>]
${WEBHOOK_USAGE}
${SERVE_USAGE}
  refund-gate explain <returnId> (--db <dir> | --table <name> --region <r> [--archive-bucket <b>]) [--from <day>] [--to <day>] [--json]
  refund-gate reviews (--db <dir> | --table …) [--open] [--severity HIGH|MEDIUM|LOW] [--warehouse W] [--json]
  refund-gate decide <reviewId> --release|--deny (--db <dir> --reviewer <id> | --table … --decision-url <url>) [--note …] [--return <returnId>]
  refund-gate console (--db <dir> | --table … --bus <bus>) [--port <n>]
  refund-gate --version

replay  runs the real refund-gate handlers against DynamoDB Local on the
        EventBridge events in the file (one per line, in arrival order) and
        prints what refund-gate decides, one JSON object per line.
demo    generates a realistic receiving day (seeded) and replays it, then
        prints a loss-prevention summary. This is what \`npm start\` runs.
${WEBHOOK_HELP}
${SERVE_HELP}
explain, reviews, decide, console: the reviewer's tools (docs/analysts/tools.md);
        replay --db <dir> keeps its data in <dir> for them, and the evidence
        of the returns it closes in <dir>/archive (explain reads it).

Needs a Java runtime (17+) for DynamoDB Local. Logs and progress go to standard error.`;

/** The command line is wrong; the message says how. */
export class UsageError extends RefundGateError {
  public constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The CLI: parse arguments, run a command, map failures to one line on
 * standard error and an exit status. Never throws.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const stderr = new StderrChannel();
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (abort.signal.aborted) {
      // Second Ctrl-C: leave now; the exit hook in dynamo.ts kills DynamoDB Local.
      process.exit(signal === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint);
    }
    abort.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run(argv, stderr, abort.signal);
  } catch (error) {
    return report(error, stderr, abort.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function run(argv: readonly string[], stderr: StderrChannel, signal: AbortSignal): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'replay':
      return replayCommand(rest, stderr, signal);
    case 'demo':
      return demoCommand(rest, stderr, signal);
    case 'webhook':
      return webhookCommand(rest, stderr);
    case 'serve':
      return serveCommand(rest, { stderr, signal, logger: cliLogger(stderr, 'WARN'), loadConfig });
    case 'explain':
      return (await import('./commands/explain.js')).explainCommand(rest, reviewContext(stderr, signal));
    case 'reviews':
      return (await import('./commands/reviews.js')).reviewsCommand(rest, reviewContext(stderr, signal));
    case 'decide':
      return (await import('./commands/decide.js')).decideCommand(rest, reviewContext(stderr, signal));
    case 'console':
      return (await import('./commands/console.js')).consoleCommand(rest, reviewContext(stderr, signal));
    case '--version':
    case '-v':
    case 'version':
      process.stdout.write(`refund-gate ${version()}\n`);
      return EXIT.ok;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? EXIT.usage : EXIT.ok;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

// ---------------------------------------------------------------- replay

async function replayCommand(args: readonly string[], stderr: StderrChannel, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse(args, {
    until: { type: 'string' },
    config: { type: 'string' },
    db: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'replay needs an events file (or - for standard input)' : 'replay takes one events file');
  const until = values.until === undefined ? undefined : parseUntil(values.until);
  let settings = values.config === undefined ? resolveSettings({}) : await loadConfig(values.config);
  // Open the input first: a wrong path fails before DynamoDB Local starts.
  const input = await openInput(positionals[0]!);
  // --db <dir>: keep DynamoDB Local's data (and the clock) in <dir> for the review tools and later replays.
  let db: LocalDb | undefined;
  try {
    db = values.db === undefined ? undefined : await openLocalDb(values.db, values.config === undefined ? undefined : parseJson(await readFile(values.config, 'utf8')));
  } catch (error) {
    input.stream.destroy();
    throw error;
  }
  if (db) settings = db.settings;

  const stdout = new JsonLinesOutput(process.stdout);
  const logger = cliLogger(stderr, 'WARN');
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
    const progress = new Progress(stderr, 'replay', input.size, () => `line ${integer(lineCount)}`);
    const result = await replayInput(runtime, input, {
      until,
      signal,
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
}

function parseUntil(text: string): string {
  if (!Timestamp.safeParse(text).success) {
    throw new UsageError(`--until: expected an ISO 8601 timestamp with offset (Z or ±hh:mm), got "${text}"`);
  }
  return text;
}

async function loadConfig(path: string): Promise<Settings> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new UsageError(`--config: ${new InputUnreadableError(path, { cause }).message}`);
  }
  try {
    return resolveSettings(parseJson(text));
  } catch (error) {
    if (error instanceof ContractValidationError) throw new UsageError(`--config ${path}: ${error.message}`);
    throw error;
  }
}

// ---------------------------------------------------------------- demo

async function demoCommand(args: readonly string[], stderr: StderrChannel, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse(args, {
    seed: { type: 'string' },
    returns: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`demo takes no file (got "${positionals[0]}")`);
  const seed = values.seed === undefined ? DEMO_DEFAULTS.seed : integerOption('--seed', values.seed, 0, 2 ** 32 - 1);
  const returns = values.returns === undefined ? DEMO_DEFAULTS.returns : integerOption('--returns', values.returns, 20, 20_000);
  // An impossible --out fails here, in one line, before the day is generated and DynamoDB Local starts.
  if (values.out !== undefined) await prepareOutDir('--out', values.out);
  const summary = await runDemo({ seed, returns, outDir: values.out, stderr, logger: cliLogger(stderr, 'ERROR'), signal, extensions: R7_WIRING });
  process.stdout.write(summary);
  return EXIT.ok;
}

function integerOption(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${name}: expected a whole number from ${integer(min)} to ${integer(max)}, got "${text}"`);
  }
  return n;
}

// ---------------------------------------------------------------- shared

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function parse<T extends OptionSpec>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Handler logs go to standard error: at WARN by default for replay (a
 * rejected event, a flagged employee), ERROR for the demo, whose summary says
 * it all. POWERTOOLS_LOG_LEVEL or LOG_LEVEL (e.g. INFO, DEBUG, SILENT) change
 * that, as they do in Lambda.
 */
function cliLogger(stderr: StderrChannel, defaultLevel: 'WARN' | 'ERROR'): StderrLogger {
  const fromEnv = process.env['POWERTOOLS_LOG_LEVEL'] ?? process.env['LOG_LEVEL'];
  return new StderrLogger(loggerOptions({ logLevel: (fromEnv?.toUpperCase() ?? defaultLevel) as 'WARN' }), stderr);
}

function report(error: unknown, stderr: StderrChannel, signal: AbortSignal): number {
  stderr.endStatus();
  if (signal.aborted || error instanceof InterruptedError) {
    const reason = String(signal.reason ?? (error as InterruptedError).context['signal'] ?? 'SIGINT');
    stderr.line(`refund-gate: interrupted (${reason}); DynamoDB Local stopped`);
    return reason === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint;
  }
  if (isBrokenPipe(error)) return EXIT.failed;
  if (error instanceof UsageError || error instanceof CarrierOptionError) {
    stderr.line(`refund-gate: ${oneLine(error.message)} (see "refund-gate help")`);
    return EXIT.usage;
  }
  if (
    error instanceof JavaMissingError ||
    error instanceof DynamoLocalStartError ||
    error instanceof InputUnreadableError ||
    error instanceof OutputDirError ||
    error instanceof ReviewToolError ||
    error instanceof DbDirInUseError ||
    error instanceof DbDirSettingsError
  ) {
    stderr.line(`refund-gate: ${oneLine(error.message)}`);
    return EXIT.failed;
  }
  const e = error instanceof Error ? error : new Error(String(error));
  stderr.line(`refund-gate: ${e.name}: ${oneLine(e.message)}`);
  if (process.env['REFUND_GATE_DEBUG']) stderr.line(e.stack ?? '');
  return EXIT.failed;
}

/** The review tools' context: their output on standard output, logs (WARN) on standard error. */
function reviewContext(stderr: StderrChannel, signal: AbortSignal): CommandContext {
  return {
    stderr,
    stdout: (text) => void process.stdout.write(text),
    usage: (message) => new UsageError(message),
    logger: cliLogger(stderr, 'WARN'),
    signal,
  };
}

/** Every error is one line on standard error (a stack only with REFUND_GATE_DEBUG). */
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();

/** Standard output was closed by its reader (`| head`): stop quietly. */
function isBrokenPipe(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return true;
  }
  return false;
}
