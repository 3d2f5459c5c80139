import { openLocalDb } from '../db-dir.js';
import { stopDbServer } from '../db-server.js';
import { parseCommand, type CommandContext } from './common.js';

export const STOP_USAGE = '  refund-gate stop --db <dir>';

/**
 * `refund-gate stop --db <dir>`: stop the DynamoDB Local a kept run's
 * commands left running for the next one (`../db-server.ts`). It stops by
 * itself after REFUND_GATE_DB_IDLE_SECONDS without a command (default 900).
 */
export async function stopCommand(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand(args, { db: { type: 'string' } }, ctx.usage);
  if (positionals.length > 0) throw ctx.usage(`stop takes no arguments, got "${positionals[0]}" (${STOP_USAGE.trim()})`);
  if (values.db === undefined) throw ctx.usage(`stop needs --db <dir> (${STOP_USAGE.trim()})`);
  // Holding the lock: a command using the directory (a console) is never cut off; it says so instead.
  const db = await openLocalDb(values.db, undefined, { create: false });
  try {
    const stopped = await stopDbServer(db.path);
    ctx.stdout(
      stopped === undefined
        ? `No DynamoDB Local is running for ${values.db}.\n`
        : `Stopped DynamoDB Local for ${values.db} (port ${stopped.port}, pid ${stopped.javaPid}).\n`,
    );
    return 0;
  } finally {
    await db.release();
  }
}
