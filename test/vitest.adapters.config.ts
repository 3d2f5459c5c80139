import { defineConfig } from 'vitest/config';
import { ENV, PURE_CORE } from './vitest.unit.config.js';

/**
 * `npm run test:adapters`: the rest of test/unit, the code around the core
 * with its SDK clients mocked (aws-sdk-client-mock): the store, the
 * handlers, the review backends, the CLI's table, the import graph. No
 * DynamoDB Local, no CDK.
 */
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/unit/**/*.test.ts'],
    exclude: [...PURE_CORE, 'test/unit/review-metrics.test.ts'],
    env: ENV,
    testTimeout: 30_000,
    pool: 'threads',
    reporters: ['default'],
  },
});
