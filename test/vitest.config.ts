import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { ENV } from './vitest.unit.config.js';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts', 'test/support/cdk-outdir-global.ts'],
    setupFiles: ['test/support/cdk-outdir.ts'],
    // The SDK warns that releases after January 2027 need Node 22 (the pinned lockfile is fine on 20); CDK_VALIDATION: see ENV.
    env: ENV,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the CPUs: one worker on a 2-core CI machine, every file in
    // turn. Most files wait on DynamoDB Local, a JVM or a CDK synth subprocess, so one more worker than
    // CPUs keeps both cores busy.
    maxWorkers: availableParallelism() + 1,
    reporters: ['default'],
  },
});
