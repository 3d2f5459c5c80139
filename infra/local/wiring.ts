import { createInsiderHandler } from '../../functions/insider/app.js';
import { InsiderDetector } from '../../shared/app/insider.js';
import { EmployeeStore } from '../../shared/store/employees.js';
import type { LocalExtensions } from './runtime.js';

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
