import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

// A CDK App synthesized without an `outdir` writes to CDK_OUTDIR, else to a new
// temporary directory it never removes. Each test file gets one directory under
// the run's own parent (cdk-outdir-global.ts); the main process removes the
// parent when the run is over, once every worker is gone. With CDK_OUTDIR set, an
// App would also synthesize by itself when its process is about to exit (autoSynth:
// one process listener per App, which Node warns about past ten in a worker that
// runs many files): the tests' Apps are made with autoSynth off.
process.env['CDK_OUTDIR'] = mkdtempSync(join(inject('cdkTestRoot'), 'cdk-'));
