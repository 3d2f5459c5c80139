// `npm test`: build the CLI and lint, then type-check and run every suite side by side.
// The type check (about 20 s of one core on a fresh clone) overlaps the suites instead of
// holding them up; its output is printed when it ends, and either failing fails the run.
import { spawn, spawnSync } from 'node:child_process';

const run = (command, args) => spawnSync(command, args, { stdio: 'inherit' }).status ?? 1;

for (const [command, args] of [
  ['node', ['cli/build.mjs']],
  ['npx', ['biome', 'lint']],
]) {
  const status = run(command, args);
  if (status !== 0) process.exit(status);
}

const tsc = spawn('npx', ['tsc', '--noEmit', '--incremental', '--tsBuildInfoFile', 'node_modules/.cache/tsconfig.tsbuildinfo'], { stdio: ['ignore', 'pipe', 'pipe'] });
let typeErrors = '';
tsc.stdout.on('data', (chunk) => (typeErrors += chunk));
tsc.stderr.on('data', (chunk) => (typeErrors += chunk));
const typeCheck = new Promise((resolve) => tsc.on('close', (code) => resolve(code ?? 1)));

const vitest = spawn('npx', ['vitest', 'run', '--config', 'test/vitest.config.ts', ...process.argv.slice(2)], { stdio: 'inherit' });
const suites = await new Promise((resolve) => vitest.on('close', (code) => resolve(code ?? 1)));

const types = await typeCheck;
if (types !== 0) process.stderr.write(`\ntype check (tsc) failed:\n${typeErrors}`);
else process.stdout.write('type check (tsc): no errors\n');
process.exit(suites !== 0 ? suites : types);
