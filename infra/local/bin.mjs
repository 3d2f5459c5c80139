#!/usr/bin/env node
// `refund-gate` (npm bin) and `npm start`: register tsx, then run the TypeScript CLI.
// Process-wide defaults are set here, at the very edge and before anything is
// imported, because the libraries read them once when they load:
//  - the AWS SDK warns on Node 20 that releases after January 2027 need Node 22;
//    the lockfile pins releases that run on 20, so the warning is noise here
//    (its documented switch; every other warning still prints);
//  - Powertools Metrics prints EMF to standard output, which is the contract's
//    output channel in replay: disable it (its documented switch);
//  - DynamoDB Local sends usage telemetry unless told not to (its documented switch).
// Each is only a default: a value already in the environment wins.
import { register } from 'tsx/esm/api';

const defaults = {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_METRICS_DISABLED: 'true',
  DDB_LOCAL_TELEMETRY: '0',
};
for (const [name, value] of Object.entries(defaults)) process.env[name] ??= value;

// The project's own tsconfig, whatever directory the command is run from.
register({ tsconfig: new URL('../../tsconfig.json', import.meta.url).pathname });
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
