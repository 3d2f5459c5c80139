import { loggerOptions } from '../shared/app/telemetry.js';
import type { StderrChannel } from './channel.js';
import { StderrLogger } from './stderr.js';

/**
 * Handler logs go to standard error: at WARN by default for replay (a
 * rejected event, a flagged employee), ERROR for the demo, whose summary says
 * it all. POWERTOOLS_LOG_LEVEL or LOG_LEVEL (e.g. INFO, DEBUG, SILENT) change
 * that, as they do in Lambda.
 */
export function cliLogger(stderr: StderrChannel, defaultLevel: 'WARN' | 'ERROR'): StderrLogger {
  const fromEnv = process.env['POWERTOOLS_LOG_LEVEL'] ?? process.env['LOG_LEVEL'];
  return new StderrLogger(loggerOptions({ logLevel: (fromEnv?.toUpperCase() ?? defaultLevel) as 'WARN' }), stderr);
}
