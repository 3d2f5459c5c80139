import { parseArgs } from 'node:util';
import type { Invocation } from './context.js';
import type { CommandSpec, OptionSpec } from './table.js';

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', help: 'this help' };

/**
 * Parse a command line against the command's options (`parseArgs`, strict):
 * an unknown option or a missing value throws `usage(message)`, with the
 * nearest option named when there is one. `--help` is every command's.
 */
export function parseInvocation(spec: CommandSpec, args: readonly string[], usage: (message: string) => Error): Invocation & { readonly help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, option] of Object.entries({ ...spec.options, help: HELP_OPTION })) {
    options[name] = option.short === undefined ? { type: option.type } : { type: option.type, short: option.short };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /^Unknown option '--([^']+)'/.exec(message)?.[1];
    const near = unknown === undefined ? undefined : nearest(unknown, Object.keys(spec.options));
    throw usage(near === undefined ? message : `${message}; did you mean --${near}?`);
  }
  const { help, ...values } = parsed.values as Record<string, string | boolean | undefined>;
  return { values, positionals: parsed.positionals, usage: `refund-gate ${spec.synopsis}`, help: help === true };
}

/** `refund-gate <command> --help`: the command line, what it does, and every option. */
export function commandHelp(spec: CommandSpec): string {
  const rows = Object.entries({ ...spec.options, help: HELP_OPTION }).map(([name, option]) => {
    const short = option.short === undefined ? '    ' : `-${option.short}, `;
    return [`${short}--${name}${option.value === undefined ? '' : ` ${option.value}`}`, option.help] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length));
  const options = rows.map(([left, help]) => `  ${left.padEnd(width)}  ${help}`);
  return `Usage: refund-gate ${spec.synopsis}\n\n${spec.description}\n\nOptions:\n${options.join('\n')}\n`;
}

/** `refund-gate help`: every command's line and summary. */
export function globalUsage(commands: readonly CommandSpec[], footer: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage:',
    ...commands.map((c) => `  refund-gate ${c.synopsis}`),
    '  refund-gate --version',
    '  refund-gate <command> --help',
    '',
    ...commands.map((c) => `${c.name.padEnd(width)}  ${c.summary}`),
    '',
    footer,
  ].join('\n');
}

/** The candidate closest to `word` (edit distance at most 2, and at most a third of its length), if any. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(word, name);
    if (distance <= 2 && distance <= word.length / 3 && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}
