import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { SlowestFirst } from './support/sequencer.js';
import { ENV } from './vitest.unit.config.js';

/**
 * Files that replace a module with `vi.mock`: they need a module registry of
 * their own, so they run isolated. Every other file shares its worker's
 * modules with the files that ran before it (isolate: false), which spares
 * each file re-importing the AWS SDK, the CDK and the pipeline: about a third
 * of the suite's CPU time on a 2-core machine. A file must therefore leave
 * what it changes as it found it (environment variables, SDK mocks), as the
 * rest already do; test/support/restore-mocks.ts puts back spies and the SDK
 * clients a file mocked with aws-sdk-client-mock.
 */
const ISOLATED = ['test/infra/iam-commands.test.ts', 'test/infra/table-layout.test.ts', 'test/unit/review-metrics.test.ts'];

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    globalSetup: ['test/global-setup.ts', 'test/support/cdk-outdir-global.ts'],
    setupFiles: ['test/support/cdk-outdir.ts', 'test/support/restore-mocks.ts'],
    // The SDK warns that releases after January 2027 need Node 22 (the pinned lockfile is fine on 20); CDK_VALIDATION: see ENV.
    env: ENV,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the CPUs: one worker on a 2-core CI machine, every file in
    // turn. Most files wait on DynamoDB Local, a JVM or a CDK synth subprocess, so one more worker than
    // CPUs keeps both cores busy (measured: 2 cores, 3 workers 255 s, 4 workers 261 s).
    maxWorkers: availableParallelism() + 1,
    // The minute-long files first, on a fresh clone too (test/support/sequencer.ts).
    sequence: { sequencer: SlowestFirst },
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'isolated', include: ISOLATED, isolate: true } },
      { extends: true, test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: ISOLATED, isolate: false } },
    ],
  },
});
