import { defineConfig } from 'vitest/config';
import { ENV } from './vitest.unit.config.js';

/**
 * `npm run test:infra`: the CDK stack synthesized and asserted (test/infra,
 * and the review metrics, whose dashboard lives in infra/). Every App
 * synthesizes into a temporary directory removed after its file.
 */
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/infra/**/*.test.ts', 'test/unit/review-metrics.test.ts'],
    setupFiles: ['test/support/cdk-outdir.ts'],
    // DynamoDB Local too: iam-commands.test.ts runs the documented IAM commands against it.
    globalSetup: ['test/global-setup.ts', 'test/support/cdk-outdir-global.ts'],
    env: ENV,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
