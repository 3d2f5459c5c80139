import { App } from 'aws-cdk-lib';
import { synthApp } from './synth-app.js';

/**
 * `npx cdk deploy -c eventBusName=orders` (docs/operators/deploy.md lists every
 * context key). Offline: no lookups, the bus is imported by name or ARN.
 */
// CfnEventBusPolicy reads its own deprecated `principal` property when it is built, and jsii
// prints a deprecation warning for that at every synth although refund-gate never sets it.
// Its documented switch silences deprecation notices only; a value already set wins.
process.env['JSII_DEPRECATED'] ??= 'quiet';
process.exitCode = synthApp(new App(), (line) => process.stderr.write(line));
