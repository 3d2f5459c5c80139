/** The review backend of a kept local run: the real handlers on DynamoDB Local, in-process. */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { decisionOutcome, ignoredWhyFrom, type DecisionOutcome } from '../../shared/app/decision-outcome.js';
import { DirectoryArchive } from '../../shared/archive/directory.js';
import type { ArchiveStore } from '../../shared/archive/reader.js';
import type { Settings } from '../../shared/contract/config.js';
import { toIso } from '../../shared/domain/time.js';
import type { ReturnState, ReviewDecision } from '../../shared/domain/types.js';
import { ReviewReader } from '../../shared/store/reviews.js';
import { openLocalDb, type LocalDb } from '../db-dir.js';
import type { ReplayLine, ReplayOutput } from '../output.js';
import { LocalRuntime } from '../runtime.js';
import { keptRunWiring } from '../wiring.js';
import { ReviewToolError } from '../commands/errors.js';
import type { DecisionRequest, DecisionResult, ReviewBackend } from './backend.js';
import { detailOf, envelopeOf, ignoredWhyIn } from './decision-event.js';
import { alertOutcome } from '../../shared/app/alert-outcome.js';
import { notInTableError } from './reads.js';

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
    const db = await openLocalDb(dir, config, { create: false });
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
