// `npm test`: build the CLI and lint, then type-check and run every suite side by side.
// The type check overlaps the suites instead of holding them up; its output is printed when it
// ends, and either failing fails the run. It runs TypeScript 7 (the native compiler, package
// alias typescript-7): 5 s and 9 s of CPU on a fresh clone where TypeScript 5.9's tsc took 18 s
// and 27 s of CPU, same files, same errors. TypeScript 5.9 stays for editors and for the compiler
// API that scripts/size-limits.ts walks (TypeScript 7 has no stable JavaScript API yet).
import { spawn, spawnSync } from 'node:child_process';

const run = (command, args) => spawnSync(command, args, { stdio: 'inherit' }).status ?? 1;

for (const [command, args] of [
  ['node', ['cli/build.mjs']],
  ['npx', ['biome', 'lint']],
]) {
  const status = run(command, args);
  if (status !== 0) process.exit(status);
}

const tsc = spawn(process.execPath, ['node_modules/typescript-7/bin/tsc', '--noEmit', '--incremental', '--tsBuildInfoFile', 'node_modules/.cache/tsconfig.tsbuildinfo'], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
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
