#!/usr/bin/env node
// `refund-gate` (npm bin) and `npm start`. Runs the CLI from its compiled bundle
// (cli/dist/cli.mjs, built by `npm ci` through the `prepare` script),
// and from the TypeScript sources through tsx when the bundle is missing or
// older than any source it was built from, so an edit is never shadowed.
// REFUND_GATE_FROM_SOURCE=1 forces the sources.
//
// Process-wide defaults are set here, at the very edge and before anything is
// imported, because the libraries read them once when they load:
//  - the AWS SDK warns on Node 20 that releases after January 2027 need Node 22;
//    the lockfile pins releases that run on 20, so the warning is noise here
//    (its documented switch; every other warning still prints);
//  - Powertools Metrics prints EMF to standard output, which is the contract's
//    output channel in replay: disable it (its documented switch).
// DynamoDB Local's own environment (telemetry off, JVM flags) is set where it
// is started, in cli/dynamo.ts, so that tests and the bench get it too.
// Each is only a default: a value already in the environment wins.
import { freshBundle } from './bundle.mjs';

const defaults = {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_METRICS_DISABLED: 'true',
};
for (const [name, value] of Object.entries(defaults)) process.env[name] ??= value;

const root = new URL('../', import.meta.url);

async function loadCli() {
  const fresh = process.env['REFUND_GATE_FROM_SOURCE']
    ? undefined
    : freshBundle({ bundle: new URL('dist/cli.mjs', import.meta.url), meta: new URL('dist/cli.meta.json', import.meta.url), root });
  if (fresh) return import(fresh.href);
  const { register } = await import('tsx/esm/api');
  // The project's own tsconfig, whatever directory the command is run from.
  register({ tsconfig: new URL('tsconfig.json', root).pathname });
  return import('./cli.ts');
}

try {
  const { main } = await loadCli();
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // Only a CLI that cannot even load gets here (main() never throws): one line, non-zero.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`refund-gate: cannot start: ${message.split('\n')[0]}\n`);
  process.exitCode = 1;
}
