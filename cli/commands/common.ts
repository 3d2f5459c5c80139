import type { CliContext, Invocation } from '../context.js';
import { cliLogger } from '../logging.js';
import type { BackendContext, TargetOptions } from '../backends/backend.js';

/** What every review command gets: the CLI's context, a logger, and (tests) the clients and clock. */
export interface CommandContext extends CliContext, BackendContext {}

/** The review tools' context: logs (WARN) on standard error unless the caller gave a logger. */
export function reviewContext(ctx: CliContext | CommandContext): CommandContext {
  return 'logger' in ctx ? ctx : { ...ctx, logger: cliLogger(ctx.stderr, 'WARN') };
}

export function targetOf(invocation: Invocation): TargetOptions {
  const s = (name: string) => (typeof invocation.values[name] === 'string' ? (invocation.values[name] as string) : undefined);
  return { db: s('db'), table: s('table'), region: s('region'), bus: s('bus'), config: s('config') };
}
