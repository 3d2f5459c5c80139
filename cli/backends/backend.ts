
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DecisionOutcome } from '../../shared/app/decision-outcome.js';
import type { ArchiveStore } from '../../shared/archive/reader.js';
import type { Settings } from '../../shared/contract/config.js';
import type { DecisionFact } from '../../shared/domain/types.js';
import type { AlertDecisionOutcome } from '../../shared/app/alert-outcome.js';
import type { ReviewReader } from '../../shared/store/reviews.js';
import type { ReplayLine } from '../output.js';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export interface DecisionRequest {
  readonly reviewId: string;
  /** Absent for a decision answering an R7 alert, which has no return (v1.2). */
  readonly returnId?: string | undefined;
  readonly decision: 'RELEASE' | 'DENY';
  /** As given on the command line (locally) or the console's reviewer; AWS replaces it with the caller. */
  readonly reviewerId: string | undefined;
  readonly note?: string | undefined;
  /** AWS only: the decision function's URL (default: REFUND_GATE_DECISION_URL). */
  readonly decisionUrl?: string | undefined;
  /** Local only: the decision's business time (default: the kept run's clock). */
  readonly decidedAt?: string | undefined;
}

/** The decision as submitted (the ReviewDecided detail, note aside), and what came of it. */
export interface DecisionResult extends Omit<DecisionFact, 'note'> {
  /** The ReviewDecided event as submitted (its envelope id is the producer's, not an idempotency key). */
  readonly eventId: string;
  readonly outcome: DecisionOutcome | AlertDecisionOutcome | { readonly kind: 'REJECTED'; readonly error: string };
  /** What refund-gate published in reaction (locally; empty in AWS, where it goes to SNS/EventBridge). */
  readonly published: readonly ReplayLine[];
}

/**
 * Where the review tools read and decide: a kept local deployment (`--db`)
 * running the real handlers on DynamoDB Local, or a deployed table and bus
 * (`--table/--region/--bus`) with the caller's AWS credentials.
 */
export interface ReviewBackend {
  readonly mode: 'local' | 'aws';
  readonly settings: Settings;
  readonly reader: ReviewReader;
  /** The deployment's now: the kept run's business clock locally, the wall clock in AWS. */
  now(): string;
  /** The reviewer id decisions are made under, when the backend fixes it (AWS: the caller). */
  fixedReviewer(): Promise<string | null>;
  decide(request: DecisionRequest): Promise<DecisionResult>;
  /**
   * The evidence archive closed returns live on in once their items leave
   * the table: the kept run's `archive/` locally (`bucket` is not used),
   * the bucket named in AWS (undefined without one).
   */
  evidenceArchive(bucket: string | undefined): Promise<ArchiveStore | undefined>;
  close(): Promise<void>;
}

export interface TargetOptions {
  readonly db?: string | undefined;
  readonly table?: string | undefined;
  readonly region?: string | undefined;
  readonly bus?: string | undefined;
  readonly config?: string | undefined;
}

export interface BackendContext {
  readonly logger: Logger;
  /** For tests: SDK clients to use instead of building them. */
  readonly clients?: AwsClients;
  /** For tests and the AWS paths: the wall clock. */
  readonly wallClock?: () => number;
}

export interface AwsClients {
  readonly dynamo: DynamoDBClient;
  readonly eventBridge: EventBridgeClient;
  readonly sts: STSClient;
  /** For the evidence archive; made on first use when not given. */
  readonly s3?: S3Client;
  /** The decision endpoint's credentials and fetch (tests); default: the SDK's credential chain and global fetch. */
  readonly decisionCall?: DecisionCallOptions;
}

/** How `decide` in AWS reaches the decision endpoint (tests inject both). */
export interface DecisionCallOptions {
  /** @default the SDK's default credential chain (profile, SSO, environment, role) */
  readonly credentials?: AwsCredentialIdentityProvider;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}
