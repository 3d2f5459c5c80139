import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notInstalled, synth, VARIANTS } from './support.js';

interface Finding {
  readonly Level: string;
  readonly Rule: { readonly Id: string };
  readonly Message: string;
  readonly Filename: string;
}

// cfn-lint is a Python tool (`pip install cfn-lint`); CI has it, a laptop may not: the lint run itself
// tells (notInstalled), where a `--version` probe was one more Python start-up, about 2 s of CPU.
describe('cfn-lint on every synthesized variant', () => {
  const dir = mkdtempSync(join(tmpdir(), 'refund-gate-cfn-lint-'));
  const files = new Map<string, string>();
  let findings: Finding[] = [];
  let installed = true;

  beforeAll(() => {
    for (const [i, [name, props]] of Object.entries(VARIANTS).entries()) {
      const file = join(dir, `variant-${i}.template.json`);
      writeFileSync(file, JSON.stringify(synth(props).template.toJSON()));
      files.set(file, name);
    }
    // One cfn-lint process for all templates (its start-up is the slow part).
    const run = spawnSync('cfn-lint', ['--format', 'json', '--', ...files.keys()], { encoding: 'utf8' });
    if (notInstalled(run)) {
      installed = false;
      process.stderr.write('test/infra/cfn-lint.test.ts: SKIPPED, cfn-lint is not installed (pip install cfn-lint)\n');
      return;
    }
    expect(run.error).toBeUndefined();
    findings = JSON.parse(run.stdout || '[]') as Finding[];
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('linted every variant, and every finding belongs to one of them (none silently dropped)', (ctx) => {
    if (!installed) ctx.skip();
    expect(files.size).toBe(Object.keys(VARIANTS).length);
    for (const f of findings) expect([...files.keys()], `${f.Rule.Id} in ${f.Filename}`).toContain(f.Filename);
  });

  it.for(Object.keys(VARIANTS))('finds no error in %s', (name, ctx) => {
    if (!installed) ctx.skip();
    const errors = findings
      .filter((f) => files.get(f.Filename) === name && f.Level === 'Error')
      .map((f) => `${f.Rule.Id}: ${f.Message}`);
    expect(errors).toEqual([]);
  });
});
