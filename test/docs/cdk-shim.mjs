// `npx cdk deploy|synth …` inside the doc sandbox: the app runs directly with the same context (what
// the CDK CLI hands it through CDK_CONTEXT_JSON), asset bundling skipped (test/infra/app.test.ts runs
// the real `npx cdk synth`, bundling included). Each distinct command runs once per test run: its
// output and status are cached under RG_CDK_CACHE.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [root, ...args] = process.argv.slice(2);
const key = createHash('sha256').update(JSON.stringify([process.env.CDK_VALIDATION, args])).digest('hex').slice(0, 16);
const cache = join(process.env.RG_CDK_CACHE ?? '/tmp', key);
if (!existsSync(join(cache, 'rc'))) {
  mkdirSync(cache, { recursive: true });
  const tsx = `${root}/node_modules/tsx/dist/cli.mjs`;
  const context = { ...JSON.parse(readFileSync(`${root}/cdk.json`, 'utf8')).context, 'aws:cdk:bundling-stacks': [] };
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '-c' && args[i] !== '--context') continue;
    const pair = args[++i] ?? '';
    // As the CDK CLI does: the value stops at its first line break.
    context[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1).split('\n')[0];
  }
  const run = spawnSync('node', [tsx, `${root}/infra/app.ts`], { encoding: 'utf8', env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: join(cache, 'out') } });
  writeFileSync(join(cache, 'stdout'), run.stdout ?? '');
  writeFileSync(join(cache, 'stderr'), run.stderr ?? String(run.error ?? ''));
  writeFileSync(join(cache, 'rc'), String(run.status ?? 1));
}
process.stdout.write(readFileSync(join(cache, 'stdout')));
process.stderr.write(readFileSync(join(cache, 'stderr')));
process.exit(Number(readFileSync(join(cache, 'rc'), 'utf8')));
