import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    cdkTestRoot: string;
  }
}

/**
 * Vitest global setup: one new folder per run for the test files' CDK output
 * (cdk-outdir.ts), removed when the whole run ends. Its own name per run, so two
 * runs on one machine (two checkouts, a helper's and CI's) never remove each other's.
 */
let root: string | undefined;

export function setup(project: TestProject): void {
  root = mkdtempSync(join(tmpdir(), 'refund-gate-cdk-tests-'));
  project.provide('cdkTestRoot', root);
}

export function teardown(): void {
  if (root) rmSync(root, { recursive: true, force: true });
}
