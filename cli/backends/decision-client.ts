import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, SourceData } from '@smithy/types';
import type { DecisionOutcome } from '../../shared/app/decision-outcome.js';
import type { ReviewDecision } from '../../shared/domain/types.js';
import type { DecisionCallOptions, DecisionRequest, DecisionResult } from './backend.js';

export type { DecisionCallOptions } from './backend.js';
import { ReviewToolError } from '../commands/errors.js';

/** Where `decide` finds the decision endpoint when `--decision-url` is not given (the stack output DecisionUrl). */
export const DECISION_URL_ENV = 'REFUND_GATE_DECISION_URL';

/** What the decision function answers (functions/decision/app.ts). */
export interface DecisionReply extends Omit<ReviewDecision, 'note'> {
  readonly eventId: string;
  readonly outcome: DecisionOutcome;
}

export interface DecisionCall {
  readonly reviewId: string;
  /** Omitted: the function finds the review's return in the open-review index. */
  readonly returnId?: string | undefined;
  readonly decision: 'RELEASE' | 'DENY';
  readonly note?: string | undefined;
}

export interface DecisionClientOptions extends DecisionCallOptions {
  readonly url: string;
}

/** SHA-256 (or its HMAC with a secret) from node:crypto, in the shape SigV4 asks for. */
class NodeSha256 {
  private hash: Hash | Hmac;
  private readonly secret: string | Uint8Array | undefined;
  public constructor(secret?: SourceData) {
    this.secret = secret === undefined ? undefined : bytes(secret);
    this.hash = this.fresh();
  }
  public update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  public async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  public reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/** The region of a Function URL (`https://<id>.lambda-url.<region>.on.aws/`), which SigV4 signs for. */
export function regionOfFunctionUrl(url: URL): string {
  const m = /^[a-z0-9]+\.lambda-url\.([a-z]{2}(-[a-z]+)+-\d)\.on\.aws$/.exec(url.hostname);
  if (!m) throw new ReviewToolError(`--decision-url: expected a Lambda Function URL (https://<id>.lambda-url.<region>.on.aws/), got ${url.href}`);
  return m[1]!;
}

/**
 * `refund-gate decide` in AWS: the decision goes to refund-gate's decision
 * function through its IAM-authenticated Function URL, signed (SigV4) with
 * the caller's own credentials. Who decides is not sent: the function takes
 * it from the signature (contract §6).
 */
export async function callDecisionUrl(call: DecisionCall, options: DecisionClientOptions): Promise<DecisionReply> {
  const url = new URL(options.url);
  if (url.protocol !== 'https:') throw new ReviewToolError(`--decision-url: expected https, got ${url.href}`);
  const region = regionOfFunctionUrl(url);
  const credentials = options.credentials ?? (await defaultCredentials());
  const body = JSON.stringify({ reviewId: call.reviewId, decision: call.decision, ...(call.returnId ? { returnId: call.returnId } : {}), ...(call.note === undefined ? {} : { note: call.note }) });
  const signer = new SignatureV4({ service: 'lambda', region, credentials, sha256: NodeSha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    path: url.pathname,
    headers: { host: url.hostname, 'content-type': 'application/json' },
    body,
  });
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url.href, { method: 'POST', headers: signed.headers as Record<string, string>, body });
  } catch (cause) {
    throw new ReviewToolError(`cannot reach the decision endpoint ${url.host}: ${(cause as Error).message}`, { cause });
  }
  const text = await response.text();
  let reply: unknown;
  try {
    reply = JSON.parse(text);
  } catch {
    reply = { error: text.slice(0, 300) };
  }
  if (!response.ok) {
    const message = (reply as { error?: unknown; Message?: unknown } | null)?.error ?? (reply as { Message?: unknown } | null)?.Message ?? response.statusText;
    // The function's own refusals (unknown return or review, bad input) are already one line for a person.
    if (response.status === 404 || response.status === 400) throw new ReviewToolError(String(message), { context: { status: response.status } });
    const hint = response.status === 403 ? ' (your identity needs lambda:InvokeFunctionUrl on the decision function, and the refund-gate-employee-id tag: docs/operators/deploy.md#reviewers)' : '';
    throw new ReviewToolError(`the decision endpoint refused (HTTP ${response.status}): ${String(message)}${hint}`, { context: { status: response.status } });
  }
  return reply as DecisionReply;
}

async function defaultCredentials(): Promise<AwsCredentialIdentityProvider> {
  // Loaded on use: the local commands never need the credential chain.
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  const provider = defaultProvider();
  return async (): Promise<AwsCredentialIdentity> => provider();
}

/** The test seams of {@link callDecisionUrl}: credentials and fetch. */

/** `decide` in AWS: checks what only a local run may give, then calls the decision endpoint. */
export async function decideInAws(request: DecisionRequest, options: DecisionCallOptions = {}): Promise<DecisionResult> {
  if (request.decidedAt !== undefined) throw new ReviewToolError('--at is for local runs only; in AWS a decision is made now');
  if (request.reviewerId !== undefined) {
    throw new ReviewToolError("--reviewer is for local runs only; in AWS the reviewer is your IAM identity's refund-gate-employee-id tag");
  }
  const url = request.decisionUrl ?? process.env[DECISION_URL_ENV];
  if (!url) throw new ReviewToolError(`decide in AWS needs --decision-url <url> (the stack output DecisionUrl) or ${DECISION_URL_ENV}`);
  const reply = await callDecisionUrl({ reviewId: request.reviewId, returnId: request.returnId || undefined, decision: request.decision, note: request.note }, { ...options, url });
  return { ...reply, published: [] };
}
