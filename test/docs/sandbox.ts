import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');

/**
 * A scratch directory in which a page's shell blocks run as written, through
 * bash, with the tools a reader has. Three names are shims:
 * - `npx refund-gate …` runs this checkout's CLI; `npx cdk deploy …` runs
 *   `cdk synth` with the same arguments (deploying needs an AWS account);
 *   `npx cdk bootstrap` is recorded and skipped;
 * - `aws …` and `curl` to a non-local host are recorded and skipped (AWS and
 *   carriers' APIs are out of reach here).
 * Files the pages name (`facilities.json`, `body.json`, `refund-gate.json`)
 * are there, made from the test fixtures.
 */
export function makeSandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rg-doc-'));
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  const shim = (name: string, body: string): void => {
    writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  shim(
    'npx',
    [
      'case "$1" in',
      `  refund-gate) shift; exec node ${ROOT}/cli/bin.mjs "$@" ;;`,
      '  cdk) shift; sub="$1"; shift',
      '    case "$sub" in',
      '      bootstrap) echo "doc-test: skipped cdk bootstrap (needs an AWS account)" >&2; exit 0 ;;',
      `      deploy|synth) exec node ${ROOT}/node_modules/aws-cdk/bin/cdk synth --app "node ${ROOT}/node_modules/tsx/dist/cli.mjs --tsconfig ${ROOT}/tsconfig.json ${ROOT}/infra/app.ts" -o "$PWD/.cdk.out" --quiet --no-notices "$@" ;;`,
      '    esac ;;',
      'esac',
      'echo "doc-test: npx $* is not a documented tool" >&2; exit 127',
    ].join('\n'),
  );
  shim('aws', 'echo "doc-test: skipped aws $1 $2 (needs an AWS account)" >&2; exit 0');
  shim(
    'curl',
    [
      'for a in "$@"; do case "$a" in http://127.0.0.1*|http://localhost*) exec /usr/bin/curl "$@" ;; esac; done',
      'echo "doc-test: skipped curl to a carrier API" >&2; exit 0',
    ].join('\n'),
  );
  // cdk.json next to the commands, so `cdk synth` finds the project's feature flags from here.
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'cdk.json'), JSON.stringify({ ...cdkJson, app: undefined, watch: undefined }));
  copyFileSync(join(ROOT, 'test/fixtures/carriers/facilities.json'), join(dir, 'facilities.json'));
  return dir;
}

export interface StepResult {
  readonly command: string;
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run a block's commands in order in one bash (so a variable set by one is
 * seen by the next), each one's status and output kept apart.
 */
export function runCommands(dir: string, commands: readonly string[], env: NodeJS.ProcessEnv = {}): StepResult[] {
  const script = commands
    .map((c, i) => `{\n${c}\n} >"$RG_OUT/${i}.out" 2>"$RG_OUT/${i}.err" </dev/null; echo $? >"$RG_OUT/${i}.rc"`)
    .join('\n');
  const out = mkdtempSync(join(dir, '.out-'));
  const run = spawnSync('bash', ['-c', script], {
    cwd: dir,
    env: { ...process.env, ...env, RG_OUT: out, PATH: `${join(dir, '.bin')}:${process.env['PATH'] ?? ''}`, CI: 'true' },
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (run.error) throw run.error;
  return commands.map((command, i) => ({
    command,
    status: Number(readOr(join(out, `${i}.rc`), '-1')),
    stdout: readOr(join(out, `${i}.out`), ''),
    stderr: readOr(join(out, `${i}.err`), ''),
  }));
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
