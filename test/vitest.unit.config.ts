import { defineConfig } from 'vitest/config';

/**
 * The pure core, one suite per kind of test (`npm test` runs them all, and
 * the DynamoDB Local ones, through vitest.config.ts):
 * - `npm run test:unit`: the domain (rules, decider, insider, ids, weights),
 *   contract parsing and message mapping. No I/O, no SDK, no CDK: seconds.
 */
export const PURE_CORE = [
  'test/unit/rules/**/*.test.ts',
  'test/unit/decider*.test.ts',
  'test/unit/rules.test.ts',
  'test/unit/insider.test.ts',
  'test/unit/ids.test.ts',
  'test/unit/weights.test.ts',
  'test/unit/contract-parsing.test.ts',
  'test/unit/messages.test.ts',
  'test/unit/routing.test.ts',
];

/** Under rules/ by its rule, but on DynamoDB Local (test/support/runtime.ts): `npm test` runs it. */
export const NOT_PURE = ['test/unit/rules/insider-alert-decision.test.ts'];

/**
 * Every suite's environment. CDK_VALIDATION=false turns off the CDK's built-in
 * CloudFormation validation (a WebAssembly rule engine that costs 3–4 s of CPU
 * at every synth); it never changes a template. The synths that deploy would
 * run keep it: app.test.ts's `npx cdk synth` and the README's deploy block in
 * the doc-test. cfn-lint.test.ts lints every variant with cfn-lint itself.
 */
export const ENV = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_METRICS_DISABLED: 'true', JSII_DEPRECATED: 'quiet', CDK_VALIDATION: 'false' };

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: PURE_CORE,
    exclude: NOT_PURE,
    env: ENV,
    testTimeout: 30_000,
    pool: 'threads',
    reporters: ['default'],
  },
});
