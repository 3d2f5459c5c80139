
import { explainReturn, receiptEmployeeIds } from '../../shared/app/explain.js';
import type { Explanation } from '../../shared/app/explanation.js';
import { queueEntryOf, reviewsOf, type QueueEntry } from '../../shared/domain/review-queue.js';
import { ArchiveError, findLastImage, type ArchiveProgress, type ArchiveSearchResult, type ArchiveStore } from '../../shared/archive/reader.js';
import { toEpochMs, toIso } from '../../shared/domain/time.js';
import type { EmployeeFlag, ReturnState } from '../../shared/domain/types.js';
import { flagOf, stateOfItem } from '../../shared/store/item-codec.js';
import { samePerson } from '../../shared/domain/people.js';
import { ReviewToolError } from '../commands/errors.js';
import type { ReviewBackend } from './backend.js';
import { isAlertReview } from '../../shared/app/alert-outcome.js';

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
   * when that worked, or `unavailable` when it could not be read; the
   * return's reviews still say what held it. A flag that has expired since
   * left the table for the evidence archive, and is read from there (the
   * days searched): see {@link archivedFlags}.
   */
  readonly employeeFlags: 'table' | 'unavailable';
  /**
   * Flags of the receipts' employees read from the evidence archive (a flag
   * is archived as it stood when its TTL deleted it), beside the table's.
   */
  readonly archivedFlags: number;
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
  const employeeIds = receiptEmployeeIds(state);
  let tableFlags: EmployeeFlag[] = [];
  let flagsProblem: string | undefined;
  try {
    tableFlags = await backend.reader.employeeFlags(employeeIds);
  } catch (error) {
    flagsProblem = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  const archivedFlags = archivedFlagsOf(search.flags, employeeIds, tableFlags);
  const employeeFlags = [...tableFlags, ...archivedFlags];
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
        archivedFlags: archivedFlags.length,
      },
      ...(flagsProblem === undefined ? {} : { flagsProblem }),
    },
  };
}

/**
 * The archived flags of these employees (as the table names them, compared as
 * people are: samePerson) that the table no longer has (same alert: the table's
 * is the newer), one per alert.
 */
function archivedFlagsOf(images: ArchiveSearchResult['flags'], employeeIds: readonly string[], inTable: readonly EmployeeFlag[]): EmployeeFlag[] {
  const alerts = new Set(inTable.map((f) => f.anomalyReviewId));
  return images
    .map((image) => flagOf(String(image.item['employeeId']), image.item))
    .filter((flag) => employeeIds.some((id) => samePerson(id, flag.employeeId)) && !alerts.has(flag.anomalyReviewId));
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
