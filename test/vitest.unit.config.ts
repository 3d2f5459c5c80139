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

export const ENV = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_METRICS_DISABLED: 'true', JSII_DEPRECATED: 'quiet' };

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
