import { createArchiverHandler } from '../functions/archiver/app.js';
import { createInsiderHandler } from '../functions/insider/app.js';
import { InsiderDetector } from '../shared/app/insider.js';
import { DirectoryArchive } from '../shared/archive/directory.js';
import { EmployeeStore } from '../shared/store/employees.js';
import type { LocalEnvironment, LocalExtensions, StreamConsumer } from './runtime.js';

/**
 * R7 (insider detection), wired as functions/insider/handler.ts and
 * functions/ingest/handler.ts wire it in AWS: the insider handler is a second
 * consumer of the table's stream (after the outbox publisher), and the ingest
 * pipeline reads employee flags from the same store. The detector's flag item
 * carries its anomaly review in an outbox, so the alert comes back on the
 * stream and the publisher prints it like any other effect.
 */
export const R7_WIRING: LocalExtensions = {
  flags: ({ doc, tableName }) => new EmployeeStore(doc, tableName),
  alerts: ({ doc, tableName }) => new EmployeeStore(doc, tableName),
  consumers: [
    ({ doc, tableName, settings, logger, metrics }) => ({
      name: 'refund-gate-insider',
      filter: 'insider',
      handler: createInsiderHandler({
        detector: new InsiderDetector(new EmployeeStore(doc, tableName), settings),
        logger: logger.createChild(),
        metrics,
      }),
    }),
  ],
};

/**
 * The evidence archiver, as functions/archiver/handler.ts wires it in AWS but
 * with a directory for the bucket: the real handler, behind the `archiver`
 * filter (closed returns only), writes one gzipped JSON-lines object per
 * batch under `dir` with the bucket's keys. It publishes nothing, so replay's
 * standard output is the same with it or without it. Batches are the local
 * runtime's (what one input line or sweep wrote), not AWS's 300-second window.
 */
export function evidenceArchiver(dir: string): (env: LocalEnvironment) => StreamConsumer {
  return ({ logger, metrics }) => ({
    name: 'refund-gate-archiver',
    filter: 'archiver',
    handler: createArchiverHandler({ sink: new DirectoryArchive(dir), logger: logger.createChild(), metrics }),
  });
}

/**
 * A kept local run (`--db <dir>`): R7, plus the evidence archiver writing to
 * the directory's `archive/` (`LocalDb.archiveDir`). Without a kept directory
 * there is nowhere to archive to, so nothing is archived.
 */
export function keptRunWiring(archiveDir: string): LocalExtensions {
  return { ...R7_WIRING, consumers: [...(R7_WIRING.consumers ?? []), evidenceArchiver(archiveDir)] };
}
