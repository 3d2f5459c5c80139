import { formatMoney } from '../../shared/app/explain.js';
import { queueAtStake, type QueueEntry } from '../../shared/domain/review-queue.js';
import { SEVERITY } from '../../shared/domain/reasons.js';
import { openBackend } from '../backends/open.js';
import { listReviews } from '../backends/reads.js';
import { flag, text, type Invocation, type Runner } from '../context.js';
import { reviewContext, targetOf, type CommandContext } from './common.js';
import { safeText } from '../text-safe.js';
import { evidenceTime } from '../time-text.js';

/** `refund-gate reviews`: the review queue with money at stake, oldest first. */
export const reviewsRunner: Runner = (invocation, ctx) => reviewsCommand(invocation, reviewContext(ctx));

async function reviewsCommand(invocation: Invocation, ctx: CommandContext): Promise<number> {
  const { positionals } = invocation;
  const values = { open: flag(invocation, 'open'), severity: text(invocation, 'severity'), warehouse: text(invocation, 'warehouse'), json: flag(invocation, 'json') };
  if (positionals.length > 0) throw ctx.usage(`reviews takes no arguments, got "${positionals[0]}" (${invocation.usage})`);
  const severity = values.severity?.toUpperCase();
  if (severity !== undefined && !Object.hasOwn(SEVERITY, severity)) throw ctx.usage(`--severity: expected HIGH, MEDIUM or LOW, got "${values.severity}"`);
  const backend = await openBackend(targetOf(invocation), ctx, ctx.usage);
  try {
    if (!values.open && backend.mode === 'aws') ctx.stderr.line('refund-gate: listing closed reviews too reads the whole table (Scan); use --open for the queue');
    const entries = await listReviews(backend, { open: values.open === true, severity, warehouse: values.warehouse });
    ctx.stdout(values.json ? `${JSON.stringify({ reviews: entries, atStake: queueAtStake(entries) }, null, 2)}\n` : queueText(entries));
    return 0;
  } finally {
    await backend.close();
  }
}

export function queueText(entries: readonly QueueEntry[]): string {
  if (entries.length === 0) return 'No reviews.\n';
  // Ids are opaque: a cell is escaped (cli/text-safe.ts) before the columns are measured.
  const rows = entries.map((e) => [
    evidenceTime(e.raisedAt),
    e.severity,
    e.status,
    e.reason,
    formatMoney(e.atStake),
    e.warehouseId ?? '-',
    e.returnId ?? `employee ${e.employeeId ?? '?'}`,
    e.reviewId,
  ].map((cell) => safeText(cell, { oneLine: true })));
  const header = ['RAISED', 'SEVERITY', 'STATUS', 'REASON', 'AT STAKE', 'WAREHOUSE', 'RETURN', 'REVIEW'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const open = entries.filter((e) => e.status === 'OPEN');
  const total = queueAtStake(entries).map(formatMoney).join(' + ') || '-';
  return `${[line(header), ...rows.map(line)].join('\n')}\n\n${open.length} open review(s); money at stake ${total}\n${sharedParcelsText(entries)}`;
}

/** Under the table: each review whose parcel other returns also name, with those returns (explain shows their customers). */
function sharedParcelsText(entries: readonly QueueEntry[]): string {
  const shared = entries.filter((e) => e.parcelReturns?.length);
  if (shared.length === 0) return '';
  const lines = shared.map((e) => {
    const others = e.parcelReturns!.map((id) => safeText(id, { oneLine: true }));
    return `  ${safeText(e.returnId ?? '-', { oneLine: true })}: its parcel is also named by ${others.join(', ')}`;
  });
  return `\nParcels named by several returns (PARCEL_EVIDENCE_REUSED; refund-gate explain <return> shows whose):\n${lines.join('\n')}\n`;
}
