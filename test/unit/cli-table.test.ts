import { describe, expect, it } from 'vitest';
import { commandHelp, globalUsage, nearest, parseInvocation } from '../../cli/args.js';
import { UsageError } from '../../cli/exit.js';
import { COMMANDS, commandNamed } from '../../cli/table.js';

const usage = (message: string) => new UsageError(message);

describe('the command table', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s: its synopsis and its --help name every option it parses', (_name, spec) => {
    const help = commandHelp(spec);
    for (const name of Object.keys(spec.options)) {
      expect(spec.synopsis, `--${name} missing from the synopsis`).toContain(`--${name}`);
      expect(help).toMatch(new RegExp(`^ +--${name}\\b`, 'm'));
    }
    expect(help).toMatch(/^ {2}-h, --help +this help$/m);
    expect(globalUsage(COMMANDS, '')).toContain(`  refund-gate ${spec.synopsis}\n`);
  });

  it('parses only the declared options, and names the nearest one when an option is mistyped', () => {
    const decide = commandNamed('decide')!;
    expect(parseInvocation(decide, ['rv-1', '--release', '--note', 'ok'], usage)).toMatchObject({
      values: { release: true, note: 'ok' },
      positionals: ['rv-1'],
      help: false,
    });
    expect(() => parseInvocation(decide, ['rv-1', '--relase'], usage)).toThrow(/Unknown option '--relase'.*; did you mean --release\?$/);
    expect(() => parseInvocation(decide, ['rv-1', '--zzz'], usage)).toThrow(/Unknown option '--zzz'.*"--zzz"$/);
    expect(parseInvocation(commandNamed('replay')!, ['-h'], usage).help).toBe(true);
  });

  it('suggests a command only when it is close', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(nearest('replya', names)).toBe('replay');
    expect(nearest('review', names)).toBe('reviews');
    expect(nearest('rewind', names)).toBeUndefined();
    expect(nearest('x', names)).toBeUndefined();
  });

  it('command names are unique', () => {
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
  });
});
