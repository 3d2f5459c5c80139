import { openLocalDb } from '../db-dir.js';
import { stopDbServer } from '../db-server.js';
import { text, type Runner } from '../context.js';
import { reviewContext } from './common.js';

/**
 * `refund-gate stop --db <dir>`: stop the DynamoDB Local a kept run's
 * commands left running for the next one (`../db-server.ts`). It stops by
 * itself after REFUND_GATE_DB_IDLE_SECONDS without a command (default 900).
 */
export const stopRunner: Runner = async (invocation, cliContext) => {
  const ctx = reviewContext(cliContext);
  const dir = text(invocation, 'db');
  if (invocation.positionals.length > 0) throw ctx.usage(`stop takes no arguments, got "${invocation.positionals[0]}" (${invocation.usage})`);
  if (dir === undefined) throw ctx.usage(`stop needs --db <dir> (${invocation.usage})`);
  // Holding the lock: a command using the directory (a console) is never cut off; it says so instead.
  const db = await openLocalDb(dir, undefined, { create: false });
  try {
    const stopped = await stopDbServer(db.path);
    ctx.stdout(
      stopped === undefined ? `No DynamoDB Local is running for ${dir}.\n` : `Stopped DynamoDB Local for ${dir} (port ${stopped.port}, pid ${stopped.javaPid}).\n`,
    );
    return 0;
  } finally {
    await db.release();
  }
};
