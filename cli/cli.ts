import { commandHelp, globalUsage, nearest, parseInvocation } from './args.js';
import { StderrChannel } from './channel.js';
import { version } from './cli-support.js';
import type { CliContext } from './context.js';
import { EXIT, exitStatusOf, UsageError } from './exit.js';
import { InterruptedError } from './replay.js';
import { COMMANDS, commandNamed, type CommandSpec } from './table.js';

export { EXIT, UsageError };

const FOOTER = `explain, reviews, decide and console are the reviewer's tools (docs/analysts/tools.md);
replay --db <dir> keeps its data in <dir> for them, and the evidence of the
returns it closes in <dir>/archive (explain reads it).

Needs a Java runtime (17+) for DynamoDB Local. Logs and progress go to standard error.`;

export const USAGE = globalUsage(COMMANDS, FOOTER);

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
  const ctx: CliContext = {
    stderr,
    stdout: (text) => void process.stdout.write(text),
    usage: (message) => new UsageError(message),
    signal: abort.signal,
  };
  try {
    return await run(argv, ctx);
  } catch (error) {
    return report(error, stderr, abort.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function run(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [name, ...rest] = argv;
  switch (name) {
    case '--version':
    case '-v':
    case 'version':
      ctx.stdout(`refund-gate ${version()}\n`);
      return EXIT.ok;
    case undefined:
    case 'help':
    case '--help':
    case '-h': {
      const topic = name === 'help' && rest[0] !== undefined ? commandNamed(rest[0]) : undefined;
      ctx.stdout(topic ? commandHelp(topic) : `${USAGE}\n`);
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
  }
  const spec = commandNamed(name);
  if (spec === undefined) {
    const near = nearest(name, COMMANDS.map((c) => c.name));
    throw new UsageError(`unknown command "${name}"${near === undefined ? '' : `; did you mean "${near}"?`}`);
  }
  return runCommand(spec, rest, ctx);
}

/** Parse a command's arguments against its options, then load and run it (`--help` loads nothing). */
export async function runCommand(spec: CommandSpec, args: readonly string[], ctx: CliContext): Promise<number> {
  const { help, ...invocation } = parseInvocation(spec, args, ctx.usage);
  if (help) {
    ctx.stdout(commandHelp(spec));
    return EXIT.ok;
  }
  const runner = await spec.load();
  return runner(invocation, ctx);
}

function report(error: unknown, stderr: StderrChannel, signal: AbortSignal): number {
  stderr.endStatus();
  if (signal.aborted || error instanceof InterruptedError) {
    const reason = String(signal.reason ?? (error as InterruptedError).context['signal'] ?? 'SIGINT');
    stderr.line(`refund-gate: interrupted (${reason}); DynamoDB Local stopped`);
    return reason === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint;
  }
  if (isBrokenPipe(error)) return EXIT.failed;
  const status = exitStatusOf(error);
  if (status !== undefined) {
    const hint = status === EXIT.usage ? ' (see "refund-gate help")' : '';
    stderr.line(`refund-gate: ${oneLine((error as Error).message)}${hint}`);
    return status;
  }
  const e = error instanceof Error ? error : new Error(String(error));
  stderr.line(`refund-gate: ${e.name}: ${oneLine(e.message)}`);
  if (process.env['REFUND_GATE_DEBUG']) stderr.line(e.stack ?? '');
  return EXIT.failed;
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
