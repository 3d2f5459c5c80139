import { defineConfig } from 'vitest/config';

/**
 * `npm run test:unit`: the pure core (decider, ids, insider rules, publisher
 * mapping) in seconds. No global setup, so no DynamoDB Local and no Java.
 */
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/unit/**/*.test.ts'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_METRICS_DISABLED: 'true', JSII_DEPRECATED: 'quiet' },
    testTimeout: 30_000,
    pool: 'threads',
    reporters: ['default'],
  },
});
