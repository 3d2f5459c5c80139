// `npx cdk deploy|synth …` inside the doc sandbox. With RG_CDK_REAL=1 a real `cdk synth`
// (bundling and the CDK's CloudFormation validation included); otherwise the app runs directly with the same context (what the CDK CLI
// hands it through CDK_CONTEXT_JSON), asset bundling skipped. Either way each distinct command
// runs once per test run: its output and status are cached under RG_CDK_CACHE.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [root, ...args] = process.argv.slice(2);
const real = process.env.RG_CDK_REAL === '1';
const key = createHash('sha256').update(JSON.stringify([real, args])).digest('hex').slice(0, 16);
const cache = join(process.env.RG_CDK_CACHE ?? '/tmp', key);
if (!existsSync(join(cache, 'rc'))) {
  mkdirSync(cache, { recursive: true });
  const tsx = `${root}/node_modules/tsx/dist/cli.mjs`;
  let run;
  if (real) {
    run = spawnSync('node', [`${root}/node_modules/aws-cdk/bin/cdk`, 'synth', '--app', `node ${tsx} ${root}/infra/app.ts`, '-o', join(cache, 'out'), '--quiet', '--no-notices', ...args], {
      encoding: 'utf8',
      // As deploy runs it: the CDK's built-in CloudFormation validation on (the test run turns it off elsewhere).
      env: { ...process.env, CDK_VALIDATION: 'true' },
    });
  } else {
    const context = { ...JSON.parse(readFileSync(`${root}/cdk.json`, 'utf8')).context, 'aws:cdk:bundling-stacks': [] };
    for (let i = 0; i < args.length; i++) {
      if (args[i] !== '-c' && args[i] !== '--context') continue;
      const pair = args[++i] ?? '';
      // As the CDK CLI does: the value stops at its first line break.
      context[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1).split('\n')[0];
    }
    run = spawnSync('node', [tsx, `${root}/infra/app.ts`], { encoding: 'utf8', env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: join(cache, 'out') } });
  }
  writeFileSync(join(cache, 'stdout'), run.stdout ?? '');
  writeFileSync(join(cache, 'stderr'), run.stderr ?? String(run.error ?? ''));
  writeFileSync(join(cache, 'rc'), String(run.status ?? 1));
}
process.stdout.write(readFileSync(join(cache, 'stdout')));
process.stderr.write(readFileSync(join(cache, 'stderr')));
process.exit(Number(readFileSync(join(cache, 'rc'), 'utf8')));
