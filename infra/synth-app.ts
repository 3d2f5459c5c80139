import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { stackFromContext } from './context.js';
import { RefundGatePropsError } from './constructs/errors.js';
import { RefundGateStack } from './refund-gate-stack.js';

/**
 * What `npx cdk deploy|synth` runs (infra/app.ts): the stack the context
 * names, checked by cdk-nag, synthesized into the app's output folder.
 * A wrong setting is the operator's to fix: it is written as one line naming
 * it, without a stack trace, and the exit status is 1; anything else throws.
 */
export function synthApp(app: App, writeError: (line: string) => void): number {
  try {
    const { stackName, props } = stackFromContext(app.node);
    new RefundGateStack(app, stackName, {
      ...props,
      description: 'refund-gate: holds refunds until a carrier inbound scan and a warehouse receipt agree',
    });
  } catch (error) {
    if (!(error instanceof RefundGatePropsError)) throw error;
    writeError(`refund-gate: ${error.message.replace(/\s*\n\s*/g, '; ')}\n`);
    return 1;
  }
  // Every synth is checked: a finding that is neither fixed nor acknowledged with a reason fails it.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  app.synth();
  return 0;
}
