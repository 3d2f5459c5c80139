import { explanationText } from '../../../shared/app/explain.js';
import { explainFrom, openBackend, ReviewToolError } from './backend.js';
import { parseCommand, targetOf, TARGET_OPTIONS, type CommandContext } from './common.js';

export const EXPLAIN_USAGE = 'refund-gate explain <returnId> (--db <dir> | --table <name> --region <r>) [--json]';

/** `refund-gate explain <returnId>`: why a return's refund is held (or what released or denied it). */
export async function explainCommand(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand(args, { ...TARGET_OPTIONS, json: { type: 'boolean' } }, ctx.usage);
  if (positionals.length !== 1) throw ctx.usage(`explain takes one returnId (${EXPLAIN_USAGE})`);
  const returnId = positionals[0]!;
  const backend = await openBackend(targetOf(values), ctx, ctx.usage);
  try {
    const explanation = await explainFrom(backend, returnId);
    if (!explanation) throw new ReviewToolError(`no return ${JSON.stringify(returnId)} in this table`);
    ctx.stdout(values.json ? `${JSON.stringify(explanation, null, 2)}\n` : explanationText(explanation));
    return 0;
  } finally {
    await backend.close();
  }
}
