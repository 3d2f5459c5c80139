import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyResultV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { z } from 'zod';
import { alertOutcome, isAlertReview, type AlertDecisionOutcome, type AlertReader } from '../../shared/app/alert-outcome.js';
import { decisionOutcome, type DecisionOutcome } from '../../shared/app/decision-outcome.js';
import { employeeIdOfCaller, iamIdentityOf, ReviewerRefusedError, type TagReader } from '../../shared/app/reviewer-identity.js';
import { ReviewDecidedDetail } from '../../shared/contract/inbound.js';
import type { ReturnState } from '../../shared/domain/types.js';

/** What a reviewer sends: which review, the decision, an optional note. Never who they are. */
export const DecisionBody = z.strictObject({
  reviewId: z.string().min(1).max(544),
  returnId: z.string().min(1).max(256).optional(),
  decision: z.enum(['RELEASE', 'DENY']),
  note: z.string().max(4096).optional(),
});
export type DecisionBody = z.infer<typeof DecisionBody>;

export interface DecisionDeps {
  readonly logger: Logger;
  readonly tags: TagReader;
  readonly reader: AlertReader & {
    returnState(returnId: string): Promise<ReturnState | null>;
    returnOfOpenReview(reviewId: string): Promise<string | null>;
  };
  /** Put one ReviewDecided on the bus; returns its event id or throws. */
  readonly put: (detail: ReviewDecidedDetail) => Promise<string>;
  readonly now: () => number;
  /** How long to wait for the pipeline to process the decision. @default 20000 */
  readonly waitMs?: number;
  /** @default 500 */
  readonly pollMs?: number;
}

export interface DecisionResponse extends Omit<ReviewDecidedDetail, 'note'> {
  readonly eventId: string;
  readonly outcome: DecisionOutcome | AlertDecisionOutcome;
}

const reply = (statusCode: number, body: unknown): APIGatewayProxyResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/**
 * The decision path: Lambda has authenticated the SigV4-signed caller (the
 * Function URL's AWS_IAM auth); the caller's IAM user or role tag gives the
 * employee id that becomes `reviewerId`. The function puts the ReviewDecided,
 * waits for the pipeline to record it and returns what it did, so the
 * reviewer needs no other permission than calling this URL.
 */
export function createDecisionHandler(deps: DecisionDeps) {
  const { logger } = deps;
  return middy<LambdaFunctionURLEvent, APIGatewayProxyResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      const callerArn = (event.requestContext as { authorizer?: { iam?: { userArn?: string } } }).authorizer?.iam?.userArn;
      if (event.requestContext.http.method !== 'POST') return reply(405, { error: 'POST a decision' });
      if (!callerArn) return reply(403, { error: 'no authenticated caller (the Function URL must use AWS_IAM auth)' });
      let reviewerId: string;
      try {
        // A caller of another account names a user or role this account's IAM cannot read the tags of.
        if (iamIdentityOf(callerArn).accountId !== event.requestContext.accountId) throw new ReviewerRefusedError(`caller ${callerArn}: not of this account`);
        reviewerId = await employeeIdOfCaller(callerArn, deps.tags);
      } catch (error) {
        if (!(error instanceof ReviewerRefusedError)) throw error;
        logger.warn('decision refused: caller is not a mapped reviewer', { callerArn, error: error.message });
        return reply(403, { error: error.message });
      }
      const body = parseBody(event);
      if (!body.success) return reply(400, { error: body.error });
      const request = body.data;
      const returnId = request.returnId ?? (await deps.reader.returnOfOpenReview(request.reviewId)) ?? undefined;
      // v1.2: an R7 alert has no return; its decision names none (contract §1 ReviewDecided).
      if (returnId === undefined && !(await isAlertReview(deps.reader, request.reviewId))) {
        return reply(404, { error: `review ${request.reviewId} is not in the open-review queue; give its returnId` });
      }
      const before = returnId === undefined ? null : await deps.reader.returnState(returnId);
      // Nothing is put: a decision can only answer a review the item holds (a put would store an empty return).
      if (returnId !== undefined && before === null) {
        return reply(404, {
          error: `return ${JSON.stringify(returnId)} is not in the table: its item expired (a closed return is in the evidence archive: refund-gate explain ${returnId}) or refund-gate never saw it. decide answers open reviews only; nothing was submitted`,
        });
      }
      const detail = ReviewDecidedDetail.parse({
        decisionId: `dec-${randomUUID()}`,
        reviewId: request.reviewId,
        ...(returnId === undefined ? {} : { returnId }),
        reviewerId,
        decision: request.decision,
        decidedAt: new Date(deps.now()).toISOString(),
        ...(request.note === undefined ? {} : { note: request.note }),
      });
      const eventId = await deps.put(detail);
      // The decision's own audit line: who (authenticated), as whom (the tag), what.
      logger.info('decision submitted', { callerArn, reviewerId, decisionId: detail.decisionId, reviewId: detail.reviewId, returnId, decision: detail.decision, eventId });
      const outcome = before === null ? await waitForAlert(deps, detail) : await waitForOutcome(deps, before, detail);
      const { note: _note, ...submitted } = detail;
      return reply(200, { ...submitted, eventId, outcome } satisfies DecisionResponse);
    });
}

function parseBody(event: LambdaFunctionURLEvent): { success: true; data: DecisionBody } | { success: false; error: string } {
  let json: unknown;
  try {
    const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
    json = JSON.parse(text);
  } catch {
    return { success: false, error: 'body: expected JSON {"reviewId", "decision": "RELEASE"|"DENY", "returnId"?, "note"?}' };
  }
  const parsed = DecisionBody.safeParse(json);
  if (parsed.success) return { success: true, data: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { success: false, error: `${issue.path.join('.') || 'body'}: ${issue.message}` };
}

async function waitForAlert(deps: DecisionDeps, detail: ReviewDecidedDetail): Promise<AlertDecisionOutcome> {
  const deadline = deps.now() + (deps.waitMs ?? 20_000);
  for (;;) {
    const outcome = await alertOutcome(deps.reader, detail.reviewId, detail.decisionId);
    if (outcome.kind !== 'PENDING' || deps.now() >= deadline) return outcome;
    await new Promise((r) => setTimeout(r, deps.pollMs ?? 500));
  }
}

async function waitForOutcome(deps: DecisionDeps, before: ReturnState, detail: ReviewDecidedDetail): Promise<DecisionOutcome> {
  const deadline = deps.now() + (deps.waitMs ?? 20_000);
  const returnId = before.returnId;
  for (;;) {
    const outcome = decisionOutcome(before, await deps.reader.returnState(returnId), detail);
    if (outcome.kind !== 'PENDING' || deps.now() >= deadline) return outcome;
    await new Promise((r) => setTimeout(r, deps.pollMs ?? 500));
  }
}
