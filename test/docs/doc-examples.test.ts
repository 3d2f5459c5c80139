/**
 * Every fenced block of README.md and docs/ is checked as documented, so a
 * page cannot drift from the product again:
 * - shell blocks run as written, through bash, in a scratch directory (see
 *   sandbox.ts for the three shims: AWS calls, real carriers' APIs and
 *   `cdk deploy` cannot run here and are named in the report); each command
 *   must succeed and show the output the page promises after it;
 * - JSON blocks parse, and the kinds refund-gate reads (facility maps, events)
 *   are read by refund-gate's own parsers;
 * - TypeScript blocks import what exists;
 * - usage synopses name only options the command's `--help` lists;
 * - layout blocks name only folders that exist.
 * A block no rule knows fails the test: a new kind of example needs a check.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { blocksOf, commandsOf, docPages, showsLine, type DocBlock } from './blocks.js';
import { makeSandbox, ROOT, runCommands } from './sandbox.js';

/** Blocks that cannot run here, each with the reason (matched by page and a text the block contains). */
const SKIPPED: readonly { file: string; contains: string; why: string }[] = [
  { file: 'docs/operators/alarms.md', contains: 'aws lambda invoke', why: 'redrives a failed event in a deployed account' },
  { file: 'docs/operators/redrive.md', contains: 'aws sqs receive-message', why: 'reads a deployed dead-letter queue' },
  { file: 'docs/operators/redrive.md', contains: 'aws lambda invoke', why: 'redrives a failed event in a deployed account' },
];

const blocks = docPages(ROOT).flatMap((file) => blocksOf(ROOT, file));
const skipped = (b: DocBlock) => SKIPPED.find((s) => s.file === b.file && b.text.includes(s.contains));
const isShell = (b: DocBlock) => ['bash', 'sh', 'shell', 'console'].includes(b.lang) || /^\$ /m.test(b.text);
const isUsage = (b: DocBlock) => b.lang === '' && /^refund-gate \w/.test(b.text);
const isLayout = (b: DocBlock) => b.lang === '' && /^[\w./<>-]+\/\s{2,}\S/m.test(b.text) && !/[─│▶]/.test(b.text);
const label = (b: DocBlock) => `${b.file}:${b.line}`;

describe('documented examples', () => {
  const sandbox = makeSandbox();
  afterAll(() => {
    // The scratch directory holds a kept run's DynamoDB Local: stop it before removing it.
    void runCli(['stop', '--db', join(sandbox, 'd')]).catch(() => undefined);
  });

  it('knows every block', () => {
    const unknown = blocks.filter((b) => !(skipped(b) || isShell(b) || isUsage(b) || isLayout(b) || ['json', 'ts', ''].includes(b.lang)));
    expect(unknown.map(label)).toEqual([]);
  });

  for (const block of blocks.filter((b) => isShell(b) && !skipped(b))) {
    it(`${label(block)} runs as documented`, () => {
      const commands = commandsOf(block);
      const results = runCommands(sandbox, commands.map((c) => runnable(c.command)));
      results.forEach((result, i) => {
        const where = `${label(block)}: ${result.command}\n${result.stderr.slice(-800)}`;
        expect(result.status, where).toBe(0);
        for (const line of commands[i]?.expected ?? []) expect(showsLine(result.stdout + result.stderr, line), `${where}\nexpected: ${line}`).toBe(true);
      });
    });
  }

  for (const block of blocks.filter((b) => b.lang === 'json' && !skipped(b))) {
    it(`${label(block)} is JSON`, () => {
      expect(() => JSON.parse(block.text), label(block)).not.toThrow();
    });
  }

  for (const block of blocks.filter(isUsage)) {
    it(`${label(block)} names only options the command has`, async () => {
      const command = /^refund-gate (\w+)/.exec(block.text)?.[1] ?? '';
      const help = await runCli([command, '--help']);
      expect(help.code, help.stderr).toBe(0);
      for (const option of new Set(block.text.match(/--[a-z][\w-]*/g) ?? [])) expect(help.stdout + help.stderr, `${label(block)} ${option}`).toContain(option);
    });
  }

  for (const block of blocks.filter(isLayout)) {
    it(`${label(block)} names folders that exist`, () => {
      const paths = [...block.text.matchAll(/^([\w.-]+(?:\/[\w.<>-]+)*\/)\s/gm)].map((m) => m[1] ?? '');
      for (const path of paths.filter((p) => !p.includes('<'))) expect(existsSync(join(ROOT, path)), `${label(block)} ${path}`).toBe(true);
    });
  }
});

/** A documented command as it runs: optional `[--flag value]` groups left out. */
function runnable(command: string): string {
  return command.replace(/\s\[--[^\]]*\]/g, '');
}
