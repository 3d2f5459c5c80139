import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

// A CDK App synthesized without an `outdir` writes to CDK_OUTDIR, else to a new
// temporary directory it never removes. Each test file gets one directory under
// the run's own parent (cdk-outdir-global.ts). With CDK_OUTDIR set, an App also
// synthesizes by itself when its process is about to exit (autoSynth), after the
// file's tests, so the files never remove their directories: the main process
// removes the parent when the run is over, once every worker is gone.
process.env['CDK_OUTDIR'] = mkdtempSync(join(inject('cdkTestRoot'), 'cdk-'));
