/*
 * How `refund-gate` starts: the compiled bundle when it is up to date, the
 * TypeScript sources otherwise; `--version`; one-line errors before any work.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
// @ts-expect-error plain ES modules without type declarations
import { buildCli } from '../../cli/build.mjs';
// @ts-expect-error plain ES modules without type declarations
import { freshBundle } from '../../cli/bundle.mjs';

const BIN = new URL('../../cli/bin.mjs', import.meta.url).pathname;
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const dir = mkdtempSync(join(tmpdir(), 'rg-cli-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: readonly string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });

describe('which CLI runs', () => {
  // Prepare: a fake tree with one source, a bundle and its metadata.
  const root = join(dir, 'tree') + '/';
  mkdirSync(join(root, 'src'), { recursive: true });
  mkdirSync(join(root, 'dist'));
  const source = join(root, 'src', 'a.ts');
  const bundle = join(root, 'dist', 'cli.mjs');
  const meta = join(root, 'dist', 'cli.meta.json');
  const where = { bundle: pathToFileURL(bundle), meta: pathToFileURL(meta), root: pathToFileURL(root) };
  const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);

  it('is the bundle when every source it was built from is older', () => {
    writeFileSync(source, 'export {}');
    writeFileSync(bundle, '');
    writeFileSync(meta, JSON.stringify({ inputs: ['src/a.ts'] }));
    at(source, 1_000);
    at(bundle, 2_000);
    expect(freshBundle(where)?.href).toBe(where.bundle.href);
  });

  it('is the sources when one of them changed after the build', () => {
    at(source, 3_000);
    expect(freshBundle(where)).toBeUndefined();
  });

  it('is the sources when a source the bundle lists is gone, or the bundle or its metadata is missing', () => {
    at(source, 1_000);
    writeFileSync(meta, JSON.stringify({ inputs: ['src/a.ts', 'src/gone.ts'] }));
    expect(freshBundle(where)).toBeUndefined();
    writeFileSync(meta, JSON.stringify({ inputs: ['src/a.ts'] }));
    rmSync(bundle);
    expect(freshBundle(where)).toBeUndefined();
    writeFileSync(bundle, '');
    at(bundle, 2_000);
    rmSync(meta);
    expect(freshBundle(where)).toBeUndefined();
  });
});

describe('the bundle', () => {
  it('is built from cli.ts and runs as the sources do (files found next to their sources)', async () => {
    // Act: build into another directory of the project (packages resolve from node_modules), so a path
    // relative to a source (package.json for --version) only works if the build keeps it per file.
    mkdirSync(new URL('../../node_modules/.cache/', import.meta.url), { recursive: true });
    const out = mkdtempSync(new URL('../../node_modules/.cache/rg-cli-build-', import.meta.url).pathname);
    onTestFinished(() => rmSync(out, { recursive: true, force: true }));
    const { inputs } = (await buildCli(out)) as { inputs: string[] };
    const run = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(pathToFileURL(join(out, 'cli.mjs')).href)}); process.exitCode = await main(['--version']);`],
      { encoding: 'utf8' },
    );
    // Assess
    expect(inputs).toContain('cli/cli.ts');
    expect(inputs.every((p) => !p.startsWith('node_modules'))).toBe(true);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`refund-gate ${VERSION}\n`);
  }, 60_000);
});

describe('refund-gate (subprocess)', () => {
  it.each([['--version'], ['-v']])('%s prints the package version and exits 0, from the bundle or the sources', (flag) => {
    for (const env of [{}, { REFUND_GATE_FROM_SOURCE: '1' }]) {
      const run = cli([flag], env);
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(`refund-gate ${VERSION}\n`);
      expect(run.stderr).toBe('');
    }
  });

  it.each([
    ['a path under a file', () => {
      const file = join(dir, 'a-file');
      writeFileSync(file, '');
      return join(file, 'out');
    }],
    ['a path the user may not create', () => '/proc/refund-gate-nowhere/out'],
  ])('demo --out into %s fails in one line, exit 1, before any work', (_what, path) => {
    // Act
    const run = cli(['demo', '--returns', '20', '--out', path()]);
    // Assess
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^refund-gate: --out .+: cannot write there \(.+\)$/);
  });

  it('an unknown command is one line and exit 2', () => {
    const run = cli(['rewind']);
    expect(run.status).toBe(2);
    expect(run.stderr.split('\n').filter(Boolean)).toEqual(['refund-gate: unknown command "rewind" (see "refund-gate help")']);
  });
});
