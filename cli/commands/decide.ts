import { formatMoney } from '../../shared/app/explain.js';
import { Timestamp } from '../../shared/contract/primitives.js';
import type { DecisionResult, ReviewBackend } from '../backends/backend.js';
import { openBackend } from '../backends/open.js';
import { returnOfReview } from '../backends/reads.js';
import { flag, text, type Invocation, type Runner } from '../context.js';
import { reviewContext, targetOf, type CommandContext } from './common.js';
import { safeText } from '../text-safe.js';
import { evidenceTime } from '../time-text.js';

/** Exit status of decide when the decision was not applied (ignored, refused, rejected, or not processed yet). */
export const DECIDE_NOT_APPLIED = 3;

/** `refund-gate decide`: submit a decision (locally as a ReviewDecided, in AWS through the decision endpoint), then report what refund-gate did with it. */
export const decideRunner: Runner = (invocation, ctx) => decideCommand(invocation, reviewContext(ctx));

async function decideCommand(invocation: Invocation, ctx: CommandContext): Promise<number> {
  const { positionals } = invocation;
  const values = {
    db: text(invocation, 'db'),
    release: flag(invocation, 'release'),
    deny: flag(invocation, 'deny'),
    reviewer: text(invocation, 'reviewer'),
    note: text(invocation, 'note'),
    return: text(invocation, 'return'),
    at: text(invocation, 'at'),
    json: flag(invocation, 'json'),
    'decision-url': text(invocation, 'decision-url'),
  };
  if (positionals.length !== 1) throw ctx.usage(`decide takes one reviewId (${invocation.usage})`);
  if (values.release === values.deny) throw ctx.usage('decide needs exactly one of --release or --deny');
  if (values.at !== undefined && !Timestamp.safeParse(values.at).success) throw ctx.usage(`--at: expected an ISO 8601 timestamp with offset, got "${values.at}"`);
  if (values.db !== undefined && values.reviewer === undefined) throw ctx.usage('decide --db needs --reviewer <id>');
  const backend = await openBackend(targetOf(invocation), ctx, ctx.usage);
  try {
    const result = await decide(backend, {
      reviewId: positionals[0]!,
      givenReturnId: values.return,
      decision: values.release ? 'RELEASE' : 'DENY',
      reviewerId: values.reviewer,
      note: values.note,
      decidedAt: values.at,
      decisionUrl: values['decision-url'],
    });
    ctx.stdout(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${safeText(outcomeText(result))}\n`);
    return applied(result) ? 0 : DECIDE_NOT_APPLIED;
  } finally {
    await backend.close();
  }
}

export interface DecideInput {
  readonly reviewId: string;
  readonly givenReturnId?: string | undefined;
  readonly decision: 'RELEASE' | 'DENY';
  readonly reviewerId?: string | undefined;
  readonly note?: string | undefined;
  readonly decidedAt?: string | undefined;
  readonly decisionUrl?: string | undefined;
}

export async function decide(backend: ReviewBackend, input: DecideInput): Promise<DecisionResult> {
  // In AWS the decision function finds the review's return itself: a reviewer needs no table access ('' = not given).
  const returnId = backend.mode === 'aws' ? (input.givenReturnId ?? '') : await returnOfReview(backend, input.reviewId, input.givenReturnId);
  return backend.decide({
    reviewId: input.reviewId,
    returnId,
    decision: input.decision,
    reviewerId: input.reviewerId,
    note: input.note,
    decidedAt: input.decidedAt,
    decisionUrl: input.decisionUrl,
  });
}

export function applied(result: DecisionResult): boolean {
  const k = result.outcome.kind;
  return k === 'RELEASED' || k === 'DENIED' || k === 'ACCEPTED_AWAITING_REFUND_REQUEST' || k === 'ALERT_CLOSED';
}

const WHY_TEXT = {
  UNKNOWN_REVIEW: 'the return has no such review',
  REVIEW_OF_OTHER_RETURN: "the review belongs to another return (an employee alert takes no returnId; a return's review needs its own)",
  REVIEW_NOT_OPEN: 'the review is no longer open (cleared or decided)',
  RETURN_ALREADY_DECIDED: 'the return was already decided; the first decision is final',
} as const;

/** One line for a person: what the decision did. */
export function outcomeText(r: DecisionResult): string {
  const o = r.outcome;
  const who = `${r.decision} by ${r.reviewerId} on ${r.reviewId} (${r.returnId === undefined ? 'employee alert' : `return ${r.returnId}`}, decision ${r.decisionId})`;
  switch (o.kind) {
    case 'RELEASED':
      return `released: ${formatMoney(o.amount)} at ${evidenceTime(o.releasedAt)}; ${who}`;
    case 'DENIED':
      return `denied: ${formatMoney(o.amount)} at ${evidenceTime(o.deniedAt)}; ${who}`;
    case 'ACCEPTED_AWAITING_REFUND_REQUEST':
      return `accepted: ${o.decision === 'RELEASE' ? 'released' : 'denied'} when the refund is requested; ${who}`;
    case 'ALERT_CLOSED':
      return o.decision === 'RELEASE'
        ? `alert closed, employee cleared: the flag is lifted from ${evidenceTime(o.flagLiftedAt ?? o.closedAt)} (receipts received before it stay held); ${who}`
        : `alert closed, confirmed: the employee stays flagged until the flag ends; ${who}`;
    case 'SELF_REVIEW_REFUSED':
      return r.returnId === undefined
        ? `refused as self-review: ${r.reviewerId} is the employee this alert is about; review ${o.selfReviewId} (SELF_REVIEW_ATTEMPT, HIGH) was raised`
        : `refused as self-review: ${r.reviewerId} received this return, so may not decide it; review ${o.selfReviewId} (SELF_REVIEW_ATTEMPT, HIGH) was raised`;
    case 'IGNORED':
      return `ignored (${o.why}): ${WHY_TEXT[o.why]}; ${who}`;
    case 'PENDING':
      return r.returnId === undefined
        ? `submitted (event ${r.eventId}) but not processed yet; check with: refund-gate reviews --open`
        : `submitted (event ${r.eventId}) but not processed yet; check with: refund-gate explain ${r.returnId}`;
    case 'REJECTED':
      return `rejected: ${o.error}`;
  }
}
