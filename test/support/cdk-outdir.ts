import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CDK_TEST_ROOT } from './cdk-outdir-root.js';

// A CDK App synthesized without an `outdir` writes to CDK_OUTDIR, else to a new
// temporary directory it never removes. Each test file gets one directory under
// one parent. With CDK_OUTDIR set, an App also synthesizes by itself when its
// process is about to exit (autoSynth), after the file's tests, so the files
// never remove their directories: the main process removes the parent when the
// run is over (cdk-outdir-global.ts), once every worker is gone.
mkdirSync(join(tmpdir(), CDK_TEST_ROOT), { recursive: true });
process.env['CDK_OUTDIR'] = mkdtempSync(join(tmpdir(), CDK_TEST_ROOT, 'cdk-'));
