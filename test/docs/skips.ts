/**
 * What the doc-test does not run, and why: the one list that the sandbox's
 * shims (sandbox.ts), the blocks the test leaves out (doc-examples.test.ts)
 * and the maintainers' page are checked against. The page's two tables
 * (SKIP_DOC, under SKIP_HEADING) must read exactly as {@link skipTableRows}
 * writes them, and every entry must still be used by some page.
 */

/** A kind of command a shim answers without running it: it prints `doc-test: skipped [kind] <command>` on standard error. */
export interface SkippedCommand {
  /** The tag in the shim's line; a word of lower-case letters and hyphens. */
  readonly kind: string;
  /** The commands, as the page lists them (Markdown). */
  readonly commands: string;
  readonly why: string;
}

export const SKIPPED_COMMANDS: readonly SkippedCommand[] = [
  { kind: 'aws', commands: '`aws …`', why: 'needs an AWS account' },
  { kind: 'cdk-bootstrap', commands: '`npx cdk bootstrap`', why: 'needs an AWS account' },
  { kind: 'carrier-api', commands: '`curl` to a host other than 127.0.0.1 or localhost', why: "calls a carrier's API (EasyPost, UPS), which needs a real account" },
  { kind: 'npm', commands: '`npm ci`, `npm start`, `npm test`', why: 'CI runs them (`.ci/run`); test/integration/demo.test.ts runs the demo that `npm start` starts' },
];

/** A whole block left out: the first of the page's blocks containing `contains` (and every other one that does). */
export interface SkippedBlock {
  readonly file: string;
  readonly contains: string;
  readonly why: string;
}

export const SKIPPED_BLOCKS: readonly SkippedBlock[] = [
  { file: 'docs/operators/alarms.md', contains: 'aws lambda invoke', why: 'redrives a failed event in a deployed account' },
  { file: 'docs/operators/redrive.md', contains: 'aws sqs receive-message', why: 'reads a deployed dead-letter queue' },
  { file: 'docs/operators/redrive.md', contains: 'aws lambda invoke', why: 'redrives a failed event in a deployed account' },
  { file: 'docs/producers/carriers.md', contains: 'curl -X POST http://127.0.0.1:8787', why: 'posts to a running serve: the same request is tested in test/integration/serve.test.ts' },
];

/** The page that lists them for maintainers, and the heading of its section. */
export const SKIP_DOC = 'docs/maintainers/reliability.md';
export const SKIP_HEADING = '### What the doc-test does not run';

/** A shim's line on standard error: `doc-test: skipped [kind] <command>`. */
export const SKIP_LINE = /^doc-test: skipped \[([a-z-]+)\] (.*)$/gm;

/** The bash line a shim prints, for a kind this list names. */
export function skipEcho(kind: string, command: string): string {
  if (!SKIPPED_COMMANDS.some((s) => s.kind === kind)) throw new Error(`doc-test: no skipped kind ${kind} in test/docs/skips.ts`);
  return `echo "doc-test: skipped [${kind}] ${command}" >&2`;
}

/** The rows of the two Markdown tables the page shows, exactly (header rows included). */
export function skipTableRows(): string[] {
  return [
    '| kind | commands | why |',
    '|---|---|---|',
    ...SKIPPED_COMMANDS.map((s) => `| \`${s.kind}\` | ${s.commands} | ${s.why} |`),
    '| page | the block holding | why |',
    '|---|---|---|',
    ...SKIPPED_BLOCKS.map((s) => `| ${s.file} | \`${s.contains}\` | ${s.why} |`),
  ];
}

/** The table rows of the page's section, in order; undefined when the page has no such section. */
export function tableRowsIn(page: string): string[] | undefined {
  const lines = page.split('\n');
  const start = lines.indexOf(SKIP_HEADING);
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && /^#{1,3} /.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).filter((l) => l.startsWith('|'));
}
