import { execSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipEcho } from './skips.js';

/** npx as the reader has it, found before the shims go first on PATH. */
const REAL_NPX = execSync('command -v npx', { encoding: 'utf8', shell: '/bin/bash' }).trim();

export const ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');

/** Secrets a reader exports before a carriers.md block (test values, ASCII so openssl signs what refund-gate checks). */
export const READER_ENV = {
  SECRET: 'doc-test-secret-0123456789abcdef0123456789',
  EASYPOST_SECRET: 'doc-test-secret-0123456789abcdef0123456789',
  AFTERSHIP_SECRET: 'doc-test-secret-0123456789abcdef0123456789',
  SHIPPO_SECRET: 'doc-test-secret-0123456789abcdef0123456789',
  UPS_CREDENTIAL: 'doc-test-secret-0123456789abcdef0123456789',
  PRESENTED: 'doc-test-secret-0123456789abcdef0123456789',
  EASYPOST_API_KEY: 'doc-test-key',
  UPS_TOKEN: 'doc-test-token',
};

const CARRIER_BODY: Record<string, string> = {
  aftership: 'aftership-delivered.json',
  easypost: 'easypost-delivered.json',
  shippo: 'shippo-delivered.json',
  ups: 'ups-delivered.json',
};

/**
 * A scratch directory laid out like a clone of the repository (test/, docs/,
 * schemas/ linked from this checkout) in which one block's shell commands run
 * as written, through bash. Shims:
 * - `npx refund-gate …` runs this checkout's CLI; `npx cdk deploy|synth …`
 *   synthesizes with the same context (cdk-shim.mjs: once per distinct
 *   context, asset bundling skipped);
 * - `npx cdk bootstrap`, `npm ci|start|test`, `aws …` and `curl` to a
 *   non-local host are skipped, each with a `doc-test: skipped [kind] …` line
 *   on standard error; the kinds and why are in skips.ts (and, checked, in
 *   docs/maintainers/reliability.md).
 * The files the pages name are there: facilities.json, body.json (the
 * fixture of the carrier the block names), event.json (a UPS body),
 * refund-gate.json (pretty-printed settings), producers.json.
 */
export function makeSandbox(block: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rg-doc-'));
  for (const name of ['test', 'docs', 'schemas']) symlinkSync(join(ROOT, name), join(dir, name));
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
      `      bootstrap) ${skipEcho('cdk-bootstrap', 'npx cdk bootstrap $*')}; exit 0 ;;`,
      `      deploy|synth) exec node ${ROOT}/test/docs/cdk-shim.mjs ${ROOT} "$@" ;;`,
      '    esac ;;',
      'esac',
      // Anything else (the CDK's own bundling runs `npx esbuild`) is the real npx.
      `exec ${REAL_NPX} "$@"`,
    ].join('\n'),
  );
  shim('npm', `case "$1" in ci|start|test) ${skipEcho('npm', 'npm $1')}; exit 0 ;; esac\necho "doc-test: npm $* is not documented" >&2; exit 127`);
  shim('aws', `${skipEcho('aws', 'aws $1 $2')}; exit 0`);
  shim(
    'curl',
    [
      'for a in "$@"; do case "$a" in http://127.0.0.1*|http://localhost*) exec /usr/bin/curl "$@" ;; http*) url="$a" ;; esac; done',
      `${skipEcho('carrier-api', 'curl $url')}; exit 0`,
    ].join('\n'),
  );
  const fixtures = join(ROOT, 'test/fixtures/carriers');
  copyFileSync(join(fixtures, 'facilities.json'), join(dir, 'facilities.json'));
  const provider = /webhook (\w+) body\.json/.exec(block)?.[1] ?? 'aftership';
  copyFileSync(join(fixtures, CARRIER_BODY[provider] ?? CARRIER_BODY['aftership']!), join(dir, 'body.json'));
  copyFileSync(join(fixtures, 'ups-delivered.json'), join(dir, 'event.json'));
  writeFileSync(join(dir, 'refund-gate.json'), `${JSON.stringify({ skew: 'PT30M', sources: { WarehouseReceipt: 'acme.wms' }, threshold: 5 }, null, 2)}\n`);
  const roles = { ReturnAuthorized: 'oms-events', CarrierScan: 'carrier-events', WarehouseReceipt: 'wms-events', RefundRequested: 'payments-events' };
  const producers = Object.fromEntries(Object.entries(roles).map(([type, role]) => [type, [`arn:aws:iam::123456789012:role/${role}`]]));
  writeFileSync(join(dir, 'producers.json'), `${JSON.stringify(producers, null, 2)}\n`);
  return dir;
}

export interface StepResult {
  readonly command: string;
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `serve` and `console` run until stopped: run one on a free port, wait for
 * its listening line, stop it, and print what it said.
 */
const UNTIL_LISTENING = `rg_until_listening() {
  local log; log=$(mktemp); "$@" >"$log" 2>&1 & local pid=$!
  for _ in $(seq 1 300); do
    if grep -q 'http://[^ ]*:[1-9]' "$log"; then kill "$pid"; wait "$pid" 2>/dev/null; cat "$log"; return 0; fi
    kill -0 "$pid" 2>/dev/null || break; sleep 0.1
  done
  kill "$pid" 2>/dev/null; cat "$log"; return 1
}`;

/**
 * Run a block's commands in order in one bash (so a variable set by one is
 * seen by the next), each one's status and output kept apart.
 */
export async function runCommands(dir: string, commands: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<StepResult[]> {
  const script = [UNTIL_LISTENING, ...commands.map((c, i) => `{\n${c}\n} >"$RG_OUT/${i}.out" 2>"$RG_OUT/${i}.err" </dev/null; echo $? >"$RG_OUT/${i}.rc"`)].join('\n');
  const out = mkdtempSync(join(dir, '.out-'));
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', ['-c', script], {
      cwd: dir,
      env: { ...process.env, ...READER_ENV, ...env, RG_OUT: out, PATH: `${join(dir, '.bin')}:${process.env['PATH'] ?? ''}`, CI: 'true' },
      stdio: 'ignore',
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
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

/**
 * The synth server (synth-server.ts) the cdk shim posts each distinct context to; its URL once it
 * listens. A server that fails to start fails the doc-test's setup with what it printed.
 */
export function startSynthServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/docs/synth-server.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.once('data', (chunk: Buffer) => {
      const port = Number(chunk.toString().split('\n')[0]);
      if (port > 0) resolve({ url: `http://127.0.0.1:${port}/`, stop: () => child.kill() });
      else reject(new Error(`doc-test synth server: ${chunk.toString()}${output}`));
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`doc-test synth server exited (${code}): ${output}`)));
  });
}
