/** The review backend of a deployment: the table, the bus and the caller's AWS identity. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ArchiveStore } from '../../shared/archive/reader.js';
import type { Settings } from '../../shared/contract/config.js';
import { toIso } from '../../shared/domain/time.js';
import { ReviewReader } from '../../shared/store/reviews.js';
import { ReviewToolError } from '../commands/errors.js';
import type { AwsClients, DecisionRequest, DecisionResult, ReviewBackend } from './backend.js';
import { decideInAws } from './decision-client.js';

/** The default credential chain (the caller's own profile, SSO session or role) in the given region. */
export function awsClients(region: string | undefined): AwsClients {
  const config = region === undefined ? {} : { region };
  return { dynamo: new DynamoDBClient(config), eventBridge: new EventBridgeClient(config), sts: new STSClient(config) };
}

/**
 * The environment setting that lets `--reviewer` name someone other than the
 * caller (a deployment whose decisions come from a shared service identity).
 * Off by default: a reviewer cannot pose as someone else.
 */
export const REVIEWER_FROM_FLAG_ENV = 'REFUND_GATE_REVIEWER_FROM_FLAG';

export interface AwsTarget {
  readonly tableName: string;
  readonly region: string | undefined;
  readonly bus: string | undefined;
  readonly settings: Settings;
  /** Seconds to wait for the pipeline to process a decision. @default 20 */
  readonly waitSeconds?: number;
  /** Poll interval while waiting (tests pass 0). @default 1000 */
  readonly pollMs?: number;
}

export class AwsBackend implements ReviewBackend {
  public readonly mode = 'aws' as const;
  public readonly reader: ReviewReader;
  private caller: string | undefined;
  private s3: S3Client | undefined;

  public constructor(
    private readonly target: AwsTarget,
    private readonly clients: AwsClients,
    private readonly wallClock: () => number,
  ) {
    this.reader = new ReviewReader(DynamoDBDocumentClient.from(clients.dynamo, { marshallOptions: { removeUndefinedValues: true } }), target.tableName);
  }

  public get settings(): Settings {
    return this.target.settings;
  }

  public now(): string {
    return toIso(this.wallClock());
  }

  /** The caller's name from STS: the role session name, or the IAM user name. */
  public async fixedReviewer(): Promise<string | null> {
    if (process.env[REVIEWER_FROM_FLAG_ENV] === 'true') return null;
    if (this.caller === undefined) {
      const identity = await this.clients.sts.send(new GetCallerIdentityCommand({}));
      if (!identity.Arn) throw new ReviewToolError('STS GetCallerIdentity returned no ARN');
      this.caller = reviewerIdFromArn(identity.Arn);
    }
    return this.caller;
  }

  /** Through the decision function's IAM-authenticated URL (./decision-client.ts): the caller's IAM identity is the reviewer. */
  public async decide(request: DecisionRequest): Promise<DecisionResult> {
    return decideInAws(request, this.clients.decisionCall);
  }

  /** The archive bucket, read with the caller's credentials (S3 follows the bucket to its region). */
  public async evidenceArchive(bucket: string | undefined): Promise<ArchiveStore | undefined> {
    if (bucket === undefined) return undefined;
    // Loaded here: the other commands never need the S3 client.
    const { S3Archive } = await import('../../shared/archive/s3.js');
    if (this.s3 === undefined) {
      const { S3Client: Client } = await import('@aws-sdk/client-s3');
      this.s3 = this.clients.s3 ?? new Client({ ...(this.target.region === undefined ? {} : { region: this.target.region }), followRegionRedirects: true });
    }
    return new S3Archive(this.s3, bucket);
  }

  public async close(): Promise<void> {
    this.clients.dynamo.destroy();
    this.clients.eventBridge.destroy();
    this.clients.sts.destroy();
    this.s3?.destroy();
  }
}

/**
 * `arn:aws:sts::123:assumed-role/Role/jane` → `jane`;
 * `arn:aws:iam::123:user/team/jane` → `jane`; `…:federated-user/jane` → `jane`.
 * The account root is refused: nobody should review as root.
 */
export function reviewerIdFromArn(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  if (resource === 'root') throw new ReviewToolError('refusing to decide as the account root user; use your own IAM identity');
  const parts = resource.split('/');
  const name = parts.at(-1);
  if (parts.length < 2 || !name) throw new ReviewToolError(`cannot tell a reviewer name from the caller ARN ${arn}`);
  return name;
}
