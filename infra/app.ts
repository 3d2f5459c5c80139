import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { stackFromContext } from './context.js';
import { RefundGatePropsError } from './constructs/errors.js';
import { RefundGateStack } from './refund-gate-stack.js';

/**
 * `npx cdk deploy -c eventBusName=orders` (docs/operators/deploy.md lists every
 * context key). Offline: no lookups, the bus is imported by name or ARN.
 */
// CfnEventBusPolicy reads its own deprecated `principal` property when it is built, and jsii
// prints a deprecation warning for that at every synth although refund-gate never sets it.
// Its documented switch silences deprecation notices only; a value already set wins.
process.env['JSII_DEPRECATED'] ??= 'quiet';
const app = new App();
try {
  const { stackName, props } = stackFromContext(app.node);
  new RefundGateStack(app, stackName, {
    ...props,
    description: 'refund-gate: holds refunds until a carrier inbound scan and a warehouse receipt agree',
  });
} catch (error) {
  if (!(error instanceof RefundGatePropsError)) throw error;
  // A wrong setting is the operator's to fix: say which, in one line, without a stack trace.
  process.stderr.write(`refund-gate: ${error.message.replace(/\s*\n\s*/g, '; ')}\n`);
  process.exit(1);
}
// Every synth is checked: a finding that is neither fixed nor acknowledged with a reason fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
app.synth();
