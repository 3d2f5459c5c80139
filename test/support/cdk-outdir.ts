import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A CDK App synthesized without an `outdir` writes to CDK_OUTDIR, else to a new
// temporary directory it never removes. Each test file gets one directory.
// With CDK_OUTDIR set, an App also synthesizes by itself when the process is
// about to exit (autoSynth, on 'beforeExit'), so the directory is removed on
// 'exit', after that, rather than when the file's tests end.
const dir = mkdtempSync(join(tmpdir(), 'refund-gate-cdk-'));
process.env['CDK_OUTDIR'] = dir;
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
