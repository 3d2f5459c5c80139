import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  decisionOutcome,
  explainReturn,
  ignoredWhyFrom,
  receiptEmployeeIds,
  type DecisionOutcome,
  type Explanation,
  type IgnoredWhy,
  type QueueEntry,
  reviewsOf,
  queueEntryOf,
} from '../../shared/app/explain.js';
import { DirectoryArchive } from '../../shared/archive/directory.js';
import { ArchiveError, findLastImage, type ArchiveProgress, type ArchiveSearchResult, type ArchiveStore } from '../../shared/archive/reader.js';
import { resolveSettings, type Settings } from '../../shared/contract/config.js';
import { ContractValidationError } from '../../shared/contract/errors.js';
import { parseJson } from '../../shared/contract/parse.js';
import { toEpochMs, toIso } from '../../shared/domain/time.js';
import type { DecisionFact, EmployeeFlag, ReturnState, ReviewDecision } from '../../shared/domain/types.js';
import { alertOutcome, isAlertReview, type AlertDecisionOutcome } from './alert-decision.js';
import { stateOfItem } from '../../shared/store/item-codec.js';
import { ReviewReader } from '../../shared/store/reviews.js';
import { openLocalDb, type LocalDb } from '../db-dir.js';
import type { ReplayLine, ReplayOutput } from '../output.js';
import { LocalRuntime } from '../runtime.js';
import { keptRunWiring } from '../wiring.js';
import { ReviewerIdentityError, ReviewToolError } from './errors.js';

export { ReviewToolError, ReviewerIdentityError };

export interface DecisionRequest {
  readonly reviewId: string;
  /** Absent for a decision answering an R7 alert, which has no return (v1.2). */
  readonly returnId?: string | undefined;
  readonly decision: 'RELEASE' | 'DENY';
  /** As given on the command line (locally) or the console's reviewer; AWS replaces it with the caller. */
  readonly reviewerId: string | undefined;
  readonly note?: string | undefined;
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

/** Open the backend the options name; a usage problem throws `usage(message)`. */
export async function openBackend(options: TargetOptions, context: BackendContext, usage: (message: string) => Error): Promise<ReviewBackend> {
  if (options.db !== undefined && options.table !== undefined) throw usage('give either --db <dir> or --table <name>, not both');
  if (options.db !== undefined) {
    if (options.region !== undefined || options.bus !== undefined) throw usage('--region and --bus go with --table, not --db');
    const config = options.config === undefined ? undefined : await readConfigInput(options.config, usage);
    return LocalBackend.open(options.db, config, context.logger);
  }
  if (options.table !== undefined) {
    const config = options.config === undefined ? {} : await readConfigInput(options.config, usage);
    return new AwsBackend(
      { tableName: options.table, region: options.region, bus: options.bus, settings: resolveSettings(config) },
      context.clients ?? awsClients(options.region),
      context.wallClock ?? Date.now,
    );
  }
  throw usage('say where the data is: --db <dir> (a kept local run) or --table <name> --region <r> (AWS)');
}

export async function readConfigInput(path: string, usage: (message: string) => Error): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw usage(`--config: cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`);
  }
  try {
    const input = parseJson(text);
    resolveSettings(input);
    return input;
  } catch (error) {
    if (error instanceof ContractValidationError) throw usage(`--config ${path}: ${error.message}`);
    throw error;
  }
}

// ---------------------------------------------------------------- reads shared by both backends

/** Explain one return, or null when the table has no such return. */
export async function explainFrom(backend: ReviewBackend, returnId: string): Promise<Explanation | null> {
  const state = await backend.reader.returnState(returnId);
  if (!state) return null;
  const employeeFlags = await backend.reader.employeeFlags(receiptEmployeeIds(state));
  return explainReturn({ state, sources: backend.settings.sources, settings: backend.settings, employeeFlags });
}

/** Where an explanation read from the evidence archive comes from (`explain --json`: its `archive` field). */
export interface ArchiveView {
  readonly source: 'evidence-archive';
  /** `s3://<bucket>` or the kept run's archive directory. */
  readonly location: string;
  /** The object the image was read from, and its line. */
  readonly key: string;
  readonly line: number;
  /** The stream record's sequence number: the image is the return's last in the range searched. */
  readonly sequenceNumber: string;
  /** When DynamoDB wrote the image (the stream's ApproximateCreationDateTime), UTC. */
  readonly writtenAt: string | null;
  /** RELEASED or DENIED: only closed returns are archived. */
  readonly closed: boolean;
  /**
   * The employees' R7 flags are read from the table as it is now: `table`
   * when that worked (a flag that has expired since is simply not there), or
   * `unavailable` when it could not be read; the return's reviews still say
   * what held it.
   */
  readonly employeeFlags: 'table' | 'unavailable';
}

export interface ArchivedExplanation {
  readonly explanation: Explanation;
  readonly archive: ArchiveView;
  /** Why the flags could not be read, when `archive.employeeFlags` is `unavailable`. */
  readonly flagsProblem?: string;
}

export interface ArchiveRange {
  /** `YYYY-MM-DD`, UTC, inclusive. */
  readonly from: string;
  readonly to: string;
  readonly onProgress?: (progress: ArchiveProgress) => void;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Explain a return from its last image in the evidence archive (for a closed
 * return whose item has left the table): the same {@link explainReturn} as
 * for a live item, on the archived state. Null `archived` when the range
 * holds no image of the return.
 * @throws {ArchiveError} when the archive cannot be read or an object is corrupt
 */
export async function explainFromArchive(
  backend: ReviewBackend,
  archive: ArchiveStore,
  returnId: string,
  range: ArchiveRange,
): Promise<{ readonly search: ArchiveSearchResult; readonly archived: ArchivedExplanation | null }> {
  const search = await findLastImage(archive, { returnId, from: range.from, to: range.to, onProgress: range.onProgress, signal: range.signal });
  const image = search.image;
  if (image === null) return { search, archived: null };
  let state: ReturnState | null;
  try {
    state = stateOfItem(image.item);
  } catch {
    state = null;
  }
  if (state === null) throw new ArchiveError(`${archive.location}/${image.key} line ${image.line}: the return item has no readable state`);
  let employeeFlags: EmployeeFlag[] = [];
  let flagsProblem: string | undefined;
  try {
    employeeFlags = await backend.reader.employeeFlags(receiptEmployeeIds(state));
  } catch (error) {
    flagsProblem = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  const explanation = explainReturn({ state, sources: backend.settings.sources, settings: backend.settings, employeeFlags });
  return {
    search,
    archived: {
      explanation,
      archive: {
        source: 'evidence-archive',
        location: archive.location,
        key: image.key,
        line: image.line,
        sequenceNumber: image.sequenceNumber,
        writtenAt: image.approximateCreation === null ? null : toIso(image.approximateCreation * 1000),
        closed: explanation.status === 'RELEASED' || explanation.status === 'DENIED',
        employeeFlags: flagsProblem === undefined ? 'table' : 'unavailable',
      },
      ...(flagsProblem === undefined ? {} : { flagsProblem }),
    },
  };
}

/**
 * The one line `decide` says when the return has no item in the table:
 * nothing is submitted (a decision can only answer a review the item holds,
 * and submitting one would store a new, empty return under that id).
 */
export function notInTableError(returnId: string): ReviewToolError {
  return new ReviewToolError(
    `return ${JSON.stringify(returnId)} is not in the table: its item expired (a closed return is in the evidence archive: refund-gate explain ${returnId}) or refund-gate never saw it. decide answers open reviews only; nothing was submitted`,
    { context: { returnId } },
  );
}

export interface QueueFilter {
  readonly open: boolean;
  readonly severity?: string | undefined;
  readonly warehouse?: string | undefined;
}

/**
 * The review queue, oldest first. Open reviews come from the sparse index
 * (never a Scan); all reviews (without --open) need a Scan of return items.
 */
export async function listReviews(backend: ReviewBackend, filter: QueueFilter): Promise<QueueEntry[]> {
  const entries: QueueEntry[] = [];
  const queue = await backend.reader.openQueue(backend.now());
  if (filter.open) {
    entries.push(...queue);
  } else {
    for await (const state of backend.reader.allReturnStates()) entries.push(...reviewsOf(state).map(queueEntryOf));
    entries.push(...queue.filter((e) => e.returnId === null));
  }
  return entries
    .filter((e) => !filter.open || e.status === 'OPEN')
    .filter((e) => filter.severity === undefined || e.severity === filter.severity)
    .filter((e) => filter.warehouse === undefined || e.warehouseId === filter.warehouse)
    .sort((a, b) => toEpochMs(a.raisedAt) - toEpochMs(b.raisedAt) || (a.reviewId < b.reviewId ? -1 : a.reviewId > b.reviewId ? 1 : 0));
}

/**
 * The return a review belongs to: the one given (--return), else the one the
 * open-reviews index lists it under. Review ids are opaque to the tools.
 */
export async function returnOfReview(backend: ReviewBackend, reviewId: string, given: string | undefined): Promise<string | undefined> {
  if (given !== undefined) return given;
  const indexed = await backend.reader.returnOfOpenReview(reviewId);
  if (indexed !== null) return indexed;
  // v1.2: an R7 alert has no return; its decision names none.
  if (await isAlertReview(backend.reader, reviewId)) return undefined;
  throw new ReviewToolError(`review ${reviewId} is not in the open-review queue; name its return with --return <returnId>`, {
    context: { reviewId },
  });
}

function envelopeOf(source: string, detail: DecisionFact, time: string, eventId: string) {
  return {
    version: '0',
    id: eventId,
    'detail-type': 'ReviewDecided',
    source,
    account: '000000000000',
    time,
    region: 'local',
    resources: [],
    detail,
  };
}

function detailOf(request: DecisionRequest, decisionId: string, reviewerId: string, decidedAt: string): DecisionFact {
  return {
    decisionId,
    reviewId: request.reviewId,
    ...(request.returnId !== undefined ? { returnId: request.returnId } : {}),
    reviewerId,
    decision: request.decision,
    decidedAt,
    ...(request.note !== undefined && request.note !== '' ? { note: request.note } : {}),
  };
}

/** The `why` of a DecisionIgnored message refund-gate published for this decision, if any. */
function ignoredWhyIn(lines: readonly ReplayLine[], decisionId: string): IgnoredWhy | undefined {
  for (const line of lines) {
    if (line.channel !== 'sns') continue;
    const m = line.message;
    if (m['type'] === 'DecisionIgnored' && m['decisionId'] === decisionId && typeof m['why'] === 'string') return m['why'] as IgnoredWhy;
  }
  return undefined;
}

// ---------------------------------------------------------------- local

/** Lines the runtime publishes, kept for the command that caused them. */
class CapturingOutput implements ReplayOutput {
  public lines: ReplayLine[] = [];

  public constructor(private readonly logger: Logger) {}

  public async emit(line: ReplayLine): Promise<void> {
    this.lines.push(line);
    this.logger.debug('published', { line });
  }

  public async close(): Promise<void> {}
}

export class LocalBackend implements ReviewBackend {
  public readonly mode = 'local' as const;
  public readonly reader: ReviewReader;

  private constructor(
    private readonly db: LocalDb,
    private readonly runtime: LocalRuntime,
    private readonly output: CapturingOutput,
  ) {
    const { doc, tableName } = runtime.table;
    this.reader = new ReviewReader(doc, tableName);
  }

  public static async open(dir: string, config: unknown | undefined, logger: Logger): Promise<LocalBackend> {
    const db = await openLocalDb(dir, config);
    const output = new CapturingOutput(logger);
    try {
      const runtime = await LocalRuntime.start({ settings: db.settings, output, logger, dbPath: db.path, resume: db.resume, ...keptRunWiring(db.archiveDir) });
      return new LocalBackend(db, runtime, output);
    } catch (error) {
      await db.release();
      throw error;
    }
  }

  public get settings(): Settings {
    return this.db.settings;
  }

  public now(): string {
    return this.runtime.clock ?? toIso(Date.now());
  }

  public async fixedReviewer(): Promise<string | null> {
    return null;
  }

  /** Deliver the ReviewDecided through the local bus and ingest handler, as a producer's PutEvents would. */
  public async decide(request: DecisionRequest): Promise<DecisionResult> {
    if (request.reviewerId === undefined || request.reviewerId === '') throw new ReviewToolError('a reviewer id is required (--reviewer <id>)');
    const decisionId = `dec-${randomUUID()}`;
    const eventId = randomUUID();
    const decidedAt = request.decidedAt ?? this.now();
    const { returnId } = request;
    const before = returnId === undefined ? null : await this.reader.returnState(returnId);
    if (returnId !== undefined && before === null) throw notInTableError(returnId);
    const detail = detailOf(request, decisionId, request.reviewerId, decidedAt);
    const from = this.output.lines.length;
    await this.runtime.deliver(JSON.stringify(envelopeOf(this.settings.sources.ReviewDecided, detail, decidedAt, eventId)), 1);
    const published = this.output.lines.slice(from);
    await this.db.save(this.runtime.snapshot());
    const rejected = published.find((l) => l.channel === 'rejected');
    const { note: _note, ...submitted } = detail;
    return {
      ...submitted,
      eventId,
      outcome:
        rejected?.channel === 'rejected'
          ? { kind: 'REJECTED', error: rejected.error }
          : returnId === undefined
            ? await alertOutcome(this.reader, detail.reviewId, decisionId)
            : localOutcome(before, await this.reader.returnState(returnId), { ...detail, returnId }, published),
      published: published.filter((l) => l.channel !== 'rejected'),
    };
  }

  public async evidenceArchive(): Promise<ArchiveStore> {
    return new DirectoryArchive(this.db.archiveDir);
  }

  public async close(): Promise<void> {
    try {
      await this.db.save(this.runtime.snapshot());
      await this.runtime.stop();
    } finally {
      await this.db.release();
    }
  }
}

function localOutcome(before: ReturnState | null, after: ReturnState | null, decision: ReviewDecision, published: readonly ReplayLine[]): DecisionOutcome {
  const outcome = decisionOutcome(before, after, decision, ignoredWhyIn(published, decision.decisionId));
  // Locally the handlers have run to completion: a decision with no visible effect was ignored.
  return outcome.kind === 'PENDING' ? { kind: 'IGNORED', why: ignoredWhyFrom(before, decision.reviewId, decision.returnId) } : outcome;
}

// ---------------------------------------------------------------- AWS

export interface AwsClients {
  readonly dynamo: DynamoDBClient;
  readonly eventBridge: EventBridgeClient;
  readonly sts: STSClient;
  /** For the evidence archive; made on first use when not given. */
  readonly s3?: S3Client;
}

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

  /** PutEvents on the bus, as any producer of ReviewDecided; then read what the pipeline did. */
  public async decide(request: DecisionRequest): Promise<DecisionResult> {
    if (this.target.bus === undefined) throw new ReviewToolError('decide in AWS needs --bus <name|arn> (the bus refund-gate listens on)');
    if (request.decidedAt !== undefined) throw new ReviewToolError('--at is for local runs only; in AWS a decision is made now');
    const caller = await this.fixedReviewer();
    if (caller !== null && request.reviewerId !== undefined && request.reviewerId !== caller) throw new ReviewerIdentityError(request.reviewerId, caller);
    const reviewerId = caller ?? request.reviewerId;
    if (!reviewerId) throw new ReviewToolError('a reviewer id is required (--reviewer <id>)');
    const decisionId = `dec-${randomUUID()}`;
    const decidedAt = this.now();
    const { returnId } = request;
    const before = returnId === undefined ? null : await this.reader.returnState(returnId);
    if (returnId !== undefined && before === null) throw notInTableError(returnId);
    const detail = detailOf(request, decisionId, reviewerId, decidedAt);
    const out = await this.clients.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.target.bus,
            Source: this.settings.sources.ReviewDecided,
            DetailType: 'ReviewDecided',
            Detail: JSON.stringify(detail),
            Time: new Date(decidedAt),
          },
        ],
      }),
    );
    const entry = out.Entries?.[0];
    if ((out.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
      throw new ReviewToolError(`EventBridge refused the decision: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim());
    }
    let outcome: DecisionOutcome | AlertDecisionOutcome = { kind: 'PENDING' };
    const deadline = this.wallClock() + (this.target.waitSeconds ?? 20) * 1000;
    for (;;) {
      outcome =
        returnId === undefined
          ? await alertOutcome(this.reader, detail.reviewId, decisionId)
          : decisionOutcome(before, await this.reader.returnState(returnId), detail);
      if (outcome.kind !== 'PENDING' || this.wallClock() >= deadline) break;
      await new Promise((r) => setTimeout(r, this.target.pollMs ?? 1000));
    }
    const { note: _note, ...submitted } = detail;
    return {
      ...submitted,
      eventId: entry.EventId,
      outcome,
      published: [],
    };
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
