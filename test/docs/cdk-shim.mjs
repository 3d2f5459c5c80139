// `npx cdk deploy|synth …` inside the doc sandbox: the app runs directly with the same context (what
// the CDK CLI hands it through CDK_CONTEXT_JSON), asset bundling skipped (test/infra/app.test.ts runs
// the real `npx cdk synth`, bundling included). The sandboxes hold the same files, so one context
// gives one result: each distinct context (whatever the order of its -c pairs, deploy or synth) runs
// once per test run, its output and status cached under RG_CDK_CACHE; a block that asks for a context
// another block is synthesizing waits for that result instead of synthesizing it again. The app runs
// in the doc-test's synth server (RG_SYNTH_SERVER, synth-server.ts), started for the whole doc-test.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [root, ...args] = process.argv.slice(2);
const given = {};
for (let i = 0; i < args.length; i++) {
  if (args[i] !== '-c' && args[i] !== '--context') continue;
  const pair = args[++i] ?? '';
  // As the CDK CLI does: the value stops at its first line break.
  given[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1).split('\n')[0];
}
const sorted = Object.keys(given).sort().map((key) => [key, given[key]]);
const key = createHash('sha256').update(JSON.stringify([process.env.CDK_VALIDATION, sorted])).digest('hex').slice(0, 16);
const cacheRoot = process.env.RG_CDK_CACHE ?? '/tmp';
const cache = join(cacheRoot, key);
mkdirSync(cacheRoot, { recursive: true });

let owner = false;
try {
  mkdirSync(cache); // atomic: the first block to ask synthesizes
  owner = true;
} catch (error) {
  if (error.code !== 'EEXIST') throw error;
}
if (owner) {
  const context = { ...JSON.parse(readFileSync(`${root}/cdk.json`, 'utf8')).context, 'aws:cdk:bundling-stacks': [], ...given };
  const outdir = join(cache, 'out');
  const server = process.env.RG_SYNTH_SERVER;
  if (!server) throw new Error('doc-test cdk shim: RG_SYNTH_SERVER is not set (doc-examples.test.ts starts test/docs/synth-server.ts)');
  const run = await fetch(server, { method: 'POST', body: JSON.stringify({ context, cwd: process.cwd(), outdir }) }).then((r) => r.json());
  writeFileSync(join(cache, 'stdout'), run.stdout);
  writeFileSync(join(cache, 'stderr'), run.stderr);
  writeFileSync(join(cache, 'rc'), String(run.rc)); // last: its presence means the result is complete
} else {
  const deadline = Date.now() + 240_000;
  while (!existsSync(join(cache, 'rc'))) {
    if (Date.now() > deadline) throw new Error(`doc-test cdk shim: no result for ${args.join(' ')} after 240 s`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
}
process.stdout.write(readFileSync(join(cache, 'stdout')));
process.stderr.write(readFileSync(join(cache, 'stderr')));
process.exit(Number(readFileSync(join(cache, 'rc'), 'utf8')));
