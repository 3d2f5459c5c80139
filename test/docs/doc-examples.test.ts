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
 * - docs/producers/examples/*.json parse, each entry's Detail passes the
 *   contract parser, and replayed after test/fixtures/review-queue.jsonl none
 *   is ignored.
 * A block no rule knows fails the test: a new kind of example needs a check.
 *
 * Every `npx cdk deploy` runs as a synth with the same context (bundling
 * skipped; app.test.ts runs the real one); `serve` and `console` run on a
 * free port until they print their listening line. What is not run at all
 * (AWS calls, carriers' APIs, `npm ci|start|test`, a few whole blocks) is
 * listed with why in skips.ts, and the last test here checks that
 * docs/maintainers/reliability.md lists exactly that, and that every entry
 * was used by this run.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli, sharedDynamoEnv } from '../support/cli.js';
import { DYNAMODB_ENDPOINT_VARIABLE } from '../../cli/dynamo.js';
import { SERVER_RECORD } from '../../cli/db-server.js';
import { blocksOf, commandsOf, docPages, showsLine, type DocBlock } from './blocks.js';
import { parseInboundEvent } from '../../shared/contract/parse.js';
import { resolveSettings } from '../../shared/contract/config.js';
import { makeSandbox, ROOT, runCommands, startSynthServer } from './sandbox.js';
import { SKIP_DOC, SKIP_HEADING, SKIP_LINE, SKIPPED_BLOCKS, SKIPPED_COMMANDS, skipTableRows, tableRowsIn } from './skips.js';

const blocks = docPages(ROOT).flatMap((file) => blocksOf(ROOT, file));
/** Blocks that cannot run here (skips.ts: matched by page and a text the block contains). */
const skipped = (b: DocBlock) => SKIPPED_BLOCKS.find((s) => s.file === b.file && b.text.includes(s.contains));
const isShell = (b: DocBlock) => ['bash', 'sh', 'shell', 'console'].includes(b.lang) || /^\$ /m.test(b.text);
const isUsage = (b: DocBlock) => b.lang === '' && /^refund-gate \w/.test(b.text);
const isLayout = (b: DocBlock) => b.lang === '' && /^[\w./<>-]+\/\s{2,}\S/m.test(b.text) && !/[─│▶]/.test(b.text);
const label = (b: DocBlock) => `${b.file}:${b.line}`;
const shellBlocks = blocks.filter((b) => isShell(b) && !skipped(b));

/** What this run's shims skipped (`doc-test: skipped [kind] …`), and how many shell blocks ran. */
const skips: { kind: string; where: string; command: string }[] = [];
let shellBlocksRun = 0;

describe('documented examples', () => {
  const sandboxes: string[] = [];
  const cdkCache = mkdtempSync(join(tmpdir(), 'rg-doc-cdk-'));
  let synthServer: { url: string; stop: () => void } | undefined;
  beforeAll(async () => {
    synthServer = await startSynthServer();
  }, 60_000);
  afterAll(async () => {
    synthServer?.stop();
    // A block that failed half-way may have left a kept run's DynamoDB Local running: stop it.
    const kept = sandboxes.map((dir) => join(dir, 'd')).filter((db) => existsSync(join(db, SERVER_RECORD)));
    await Promise.all(kept.map((db) => runCli(['stop', '--db', db]).catch(() => undefined)));
    // Then leave nothing behind (the sandboxes link the checkout's folders: rmSync removes the links, not what they point at).
    for (const dir of [...sandboxes, cdkCache]) rmSync(dir, { recursive: true, force: true });
  });

  it('knows every block', () => {
    const unknown = blocks.filter((b) => !(skipped(b) || isShell(b) || isUsage(b) || isLayout(b) || ['json', 'ts', ''].includes(b.lang)));
    expect(unknown.map(label)).toEqual([]);
  });

  for (const block of shellBlocks) {
    it.concurrent(`${label(block)} runs as documented`, async () => {
      const sandbox = makeSandbox(block.text);
      sandboxes.push(sandbox);
      const commands = commandsOf(block);
      // A replay without --db uses this test run's DynamoDB Local (REFUND_GATE_DYNAMODB_ENDPOINT); one of
      // its own, as a new user's first replay starts it, is test/integration/cli.test.ts's README example.
      // A deploy synthesizes without the CDK's built-in CloudFormation validation (the test run's
      // CDK_VALIDATION=false): test/infra/app.test.ts runs the real `npx cdk synth` with it on, bundling
      // included, and cfn-lint.test.ts lints every variant.
      // The deploys' app runs in one synth server for the whole doc-test (synth-server.ts), not a process each.
      const env = { RG_CDK_CACHE: cdkCache, RG_SYNTH_SERVER: synthServer?.url, [DYNAMODB_ENDPOINT_VARIABLE]: inject('dynamoEndpoint') };
      const results = await runCommands(sandbox, commands.map((c) => runnable(c.command)), env);
      shellBlocksRun += 1;
      for (const result of results) for (const m of result.stderr.matchAll(SKIP_LINE)) skips.push({ kind: m[1] ?? '', where: label(block), command: m[2] ?? '' });
      results.forEach((result, i) => {
        const where = `${label(block)}: ${result.command}\n${result.stdout.slice(-400)}\n${result.stderr.slice(-800)}`;
        const expected = commands[i]?.expected ?? [];
        // A console block showing an error promises a failure with that text, not success.
        if (/^refund-gate:? /.test(expected[0] ?? '') && /error|unknown|expected|cannot|invalid/.test(expected[0] ?? '')) expect(result.status, where).not.toBe(0);
        // decide's documented exit 3: the decision was not applied (refused as self-review, or ignored).
        else if (/^(refused|ignored)\b/.test(expected[0] ?? '')) expect(result.status, where).toBe(3);
        else expect(result.status, where).toBe(0);
        for (const line of expected) expect(showsLine(result.stdout + result.stderr, line), `${where}\nexpected: ${line}`).toBe(true);
      });
    }, 180_000);
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

describe(`what the doc-test does not run (${SKIP_DOC})`, () => {
  it('is listed for maintainers exactly as skips.ts has it', () => {
    const rows = tableRowsIn(readFileSync(join(ROOT, SKIP_DOC), 'utf8'));
    const expected = skipTableRows();
    expect(rows, `${SKIP_DOC} needs a section "${SKIP_HEADING}" with these two tables:\n${expected.join('\n')}`).toEqual(expected);
  });

  it('names only blocks that are still there', () => {
    const stale = SKIPPED_BLOCKS.filter((s) => !blocks.some((b) => b.file === s.file && b.text.includes(s.contains)));
    expect(stale, 'skips.ts: SKIPPED_BLOCKS names a block no page has any more; remove it (and its row in the doc)').toEqual([]);
  });

  it('names every kind of command this run skipped, and only those', (ctx) => {
    // Run after every shell block (a file's suites run in order); with a filter (-t), not all of them ran.
    if (shellBlocksRun < shellBlocks.length) ctx.skip();
    const summary = skips.map((s) => `  [${s.kind}] ${s.where}: ${s.command}`).join('\n');
    console.log(`doc-test: ${skips.length} commands skipped, as ${SKIP_DOC} says:\n${summary}`);
    const used = [...new Set(skips.map((s) => s.kind))].sort();
    expect(used, `skips.ts: SKIPPED_COMMANDS lists a kind no page uses any more, or a shim skipped a kind it does not list\n${summary}`).toEqual(
      SKIPPED_COMMANDS.map((s) => s.kind).sort(),
    );
  });
});

/** A documented command as it runs: optional `[--flag value]` groups left out; a server on a free port until it listens. */
function runnable(command: string): string {
  const bare = command.replace(/\s\[--[^\]]*\]/g, '');
  // `<EasyPostSecretArn>`-style placeholders are words the reader fills in, not redirections.
  const filled = bare.replace(/<([A-Za-z][\w -]*)>/g, (_m, word: string) => `'${word}'`);
  return /refund-gate (serve|console)\b/.test(filled) ? `rg_until_listening ${filled} --port 0` : filled;
}

describe('put-events examples (docs/producers/examples)', () => {
  const dir = join(ROOT, 'docs/producers/examples');
  const order = ['ReturnAuthorized', 'CarrierScan', 'WarehouseReceipt', 'RefundRequested', 'ReviewDecided'];
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  const entriesOf = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as { Source: string; DetailType: string; Detail: string }[];
  const envelope = (e: { Source: string; DetailType: string; Detail: string }, i: number) => ({
    version: '0', id: `doc-example-${i}`, 'detail-type': e.DetailType, source: e.Source, account: '123456789012',
    time: '2026-11-20T15:00:00Z', region: 'us-east-1', resources: [], detail: JSON.parse(e.Detail) as unknown,
  });

  it('has one file per inbound detail-type', () => {
    expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual([...order].sort());
  });

  for (const file of files) {
    it(`${file}: each entry's Detail passes the contract parser`, () => {
      const entries = entriesOf(file);
      expect(entries.length).toBeGreaterThan(0);
      entries.forEach((entry, i) => {
        const parsed = parseInboundEvent(envelope(entry, i), resolveSettings({}).sources);
        expect(parsed.detailType).toBe(entry.DetailType);
      });
    });
  }

  it('replayed in order after the review queue fixture, none is ignored or rejected', async () => {
    const lines = order.flatMap((type) => entriesOf(`${type}.json`)).map((e, i) => JSON.stringify(envelope(e, i)));
    const dir = mkdtempSync(join(tmpdir(), 'rg-doc-ex-'));
    const input = join(dir, 'events.jsonl');
    writeFileSync(input, `${readFileSync(join(ROOT, 'test/fixtures/review-queue.jsonl'), 'utf8').trimEnd()}\n${lines.join('\n')}\n`);
    const run = await runCli(['replay', input], sharedDynamoEnv());
    rmSync(dir, { recursive: true, force: true });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(/UNKNOWN_REVIEW|DecisionIgnored|"channel":"rejected"/);
    // The ReviewDecided example answers a review the fixture raised: its outcome is published.
    expect(run.stdout).toContain('rv-receipt#RMA-2003#RCV-RQ-2003');
  });
});
