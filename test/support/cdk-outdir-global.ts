import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CDK_TEST_ROOT } from './cdk-outdir-root.js';

/** Vitest global setup: the test files' CDK output (cdk-outdir.ts) is removed when the whole run ends. */
const root = join(tmpdir(), CDK_TEST_ROOT);

export function setup(): void {
  rmSync(root, { recursive: true, force: true });
}

export function teardown(): void {
  rmSync(root, { recursive: true, force: true });
}
