import { explanationText } from './explain-text.js';
import { addDays, ArchiveError, dayOf, isDay, MAX_SEARCH_DAYS, type ArchiveProgress } from '../../shared/archive/reader.js';
import { integer, Progress, seconds } from '../progress.js';
import { openBackend } from '../backends/open.js';
import { explainFromArchive, explainFrom, type ArchivedExplanation } from '../backends/reads.js';
import { ReviewToolError } from './errors.js';
import { flag, text, type Invocation, type Runner } from '../context.js';
import { reviewContext, targetOf, type CommandContext } from './common.js';
import { safeText } from '../text-safe.js';
import { evidenceTime } from '../time-text.js';

/** The archive bucket when `--archive-bucket` is not given (AWS only). */
export const ARCHIVE_BUCKET_ENV = 'REFUND_GATE_ARCHIVE_BUCKET';

/** Days of archive searched by default, up to today. */
export const DEFAULT_ARCHIVE_DAYS = 90;

/** A search that runs longer than this ends with a line on standard error saying what it read. */
const REPORT_AFTER_MS = 2_000;

/**
 * `refund-gate explain <returnId>`: why a return's refund is held (or what
 * released or denied it). A return the table no longer holds (a closed
 * return's item expires after the table's retention) is explained from its
 * last image in the evidence archive: the kept run's `archive/` with `--db`,
 * the bucket with `--archive-bucket` in AWS.
 */
export const explainRunner: Runner = (invocation, ctx) => explainCommand(invocation, reviewContext(ctx));

async function explainCommand(invocation: Invocation, ctx: CommandContext): Promise<number> {
  const { positionals } = invocation;
  const values = { db: text(invocation, 'db'), json: flag(invocation, 'json'), 'archive-bucket': text(invocation, 'archive-bucket'), from: text(invocation, 'from'), to: text(invocation, 'to') };
  if (positionals.length !== 1) throw ctx.usage(`explain takes one returnId (${invocation.usage})`);
  const returnId = positionals[0]!;
  if (values.db !== undefined && values['archive-bucket'] !== undefined) {
    throw ctx.usage('--archive-bucket goes with --table; with --db the archive is the directory\'s archive/');
  }
  const range = archiveRange(values.from, values.to, (ctx.wallClock ?? Date.now)(), ctx.usage);
  const bucket = values.db === undefined ? (values['archive-bucket'] ?? nonEmpty(process.env[ARCHIVE_BUCKET_ENV])) : undefined;
  const backend = await openBackend(targetOf(invocation), ctx, ctx.usage);
  try {
    const explanation = await explainFrom(backend, returnId);
    if (explanation) {
      ctx.stdout(values.json ? `${JSON.stringify(explanation, null, 2)}\n` : safeText(explanationText(explanation)));
      return 0;
    }
    const archive = await backend.evidenceArchive(bucket);
    if (archive === undefined) {
      throw new ReviewToolError(
        `no return ${JSON.stringify(returnId)} in this table; a closed return's item leaves it after the table's retention (30 days by default) and lives on in the evidence archive: give --archive-bucket <name> (the stack output EvidenceArchiveBucketName) or set ${ARCHIVE_BUCKET_ENV}`,
        { context: { returnId } },
      );
    }
    const progress = new SearchProgress(ctx);
    let found: Awaited<ReturnType<typeof explainFromArchive>>;
    try {
      found = await explainFromArchive(backend, archive, returnId, { ...range, onProgress: (p) => progress.update(p), signal: ctx.signal });
    } catch (error) {
      progress.end();
      if (error instanceof ArchiveError) throw new ReviewToolError(error.message, { cause: error });
      throw error;
    }
    progress.end(`archive: read ${integer(found.search.objects)} objects of ${archive.location} (${range.from} to ${range.to})`);
    if (!found.archived) {
      throw new ReviewToolError(
        `no return ${JSON.stringify(returnId)} in this table, nor in the evidence archive ${archive.location} from ${range.from} to ${range.to} (${integer(found.search.objects)} object${found.search.objects === 1 ? "" : "s"} read); search other days with --from YYYY-MM-DD and --to YYYY-MM-DD`,
        { context: { returnId, ...range } },
      );
    }
    const { explanation: archived, archive: view } = found.archived;
    ctx.stdout(values.json ? `${JSON.stringify({ ...archived, archive: view }, null, 2)}\n` : safeText(archivedText(found.archived)));
    return 0;
  } finally {
    await backend.close();
  }
}

/** The days to search: --from/--to, else the last {@link DEFAULT_ARCHIVE_DAYS} days up to today (UTC). */
export function archiveRange(from: string | undefined, to: string | undefined, nowMs: number, usage: (message: string) => Error): { from: string; to: string } {
  for (const [name, value] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    if (value !== undefined && !isDay(value)) throw usage(`${name}: expected a day YYYY-MM-DD, got "${value}"`);
  }
  const last = to ?? dayOf(nowMs);
  const first = from ?? addDays(last, -(DEFAULT_ARCHIVE_DAYS - 1));
  if (first > last) throw usage(`--from ${first} is after ${to === undefined ? `today (${last})` : `--to ${last}`}`);
  if (Date.parse(last) - Date.parse(first) >= MAX_SEARCH_DAYS * 86_400_000) {
    throw usage(`--from ${first} to ${last} is more than ${integer(MAX_SEARCH_DAYS)} days; search a shorter range`);
  }
  return { from: first, to: last };
}

/** The archive note, then the explanation exactly as for a live item. */
export function archivedText(found: ArchivedExplanation): string {
  const a = found.archive;
  const lines = [
    `From the evidence archive: ${a.closed ? 'the return is closed and its item has left the table' : 'its item has left the table'}.`,
    `  object ${a.location.replace(/\/+$/, '')}/${a.key} line ${a.line} (sequence ${a.sequenceNumber}${a.writtenAt ? `, written ${evidenceTime(a.writtenAt)}` : ''})`,
  ];
  if (a.archivedFlags > 0) {
    lines.push(`  employee flags: ${a.archivedFlags} read from the evidence archive (they have left the table since), beside the table's`);
  }
  if (a.employeeFlags === 'unavailable') {
    lines.push(`  employee flags could not be read from the table (${found.flagsProblem ?? 'unknown error'}): receipts show no insider flag; the reviews below still say what held the refund`);
  }
  return `${lines.join('\n')}\n\n${explanationText(found.explanation)}`;
}

/**
 * Progress of an archive search on standard error (a bar on a terminal, a
 * plain line every 15 s otherwise): days listed, then objects read. Never on
 * standard output, which is the explanation's.
 */
class SearchProgress {
  private bar: Progress | undefined;
  private phase: ArchiveProgress['phase'] | undefined;
  private latest: ArchiveProgress = { phase: 'list', done: 0, total: 0 };
  private readonly startedMs = performance.now();

  public constructor(private readonly ctx: CommandContext) {}

  public update(p: ArchiveProgress): void {
    this.latest = p;
    if (p.phase !== this.phase) {
      this.phase = p.phase;
      // The next phase's bar takes the same line.
      this.ctx.stderr.setStatus('');
      const noun = p.phase === 'list' ? 'days listed' : 'objects read';
      this.bar = new Progress(this.ctx.stderr, 'archive', p.total, () => `${integer(this.latest.done)}/${integer(this.latest.total)} ${noun}`);
    }
    this.bar?.update(p.done);
  }

  /** Wipe the bar; after a long search, say what was read. */
  public end(summary?: string): void {
    this.ctx.stderr.setStatus('');
    const elapsed = performance.now() - this.startedMs;
    if (summary !== undefined && elapsed >= REPORT_AFTER_MS) this.ctx.stderr.line(`${summary} in ${seconds(elapsed)}`);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
