import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

// A CDK App synthesized without an `outdir` writes to CDK_OUTDIR, else to a new
// temporary directory it never removes. Each test file gets one directory
// (its Apps synthesize in turn), removed when the file is done.
const dir = mkdtempSync(join(tmpdir(), 'refund-gate-cdk-'));
process.env['CDK_OUTDIR'] = dir;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
