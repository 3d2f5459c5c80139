import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { safeText } from './text-safe.js';

/**
 * Standard error, shared by logs and the progress bar: a log line first wipes
 * the bar, then the bar is drawn again under it. Standard output is reserved
 * for the contract's lines (replay) or the summary (demo).
 */
export class StderrChannel {
  private status = '';

  public constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  public get isTTY(): boolean {
    return this.stream.isTTY === true;
  }

  public get columns(): number {
    return this.stream.columns ?? 80;
  }

  /** Print one whole line (logs, notices); a terminal control inside it (an id) is shown escaped, never acted on. */
  public line(text: string): void {
    if (this.status) this.stream.write('\r\x1b[2K');
    this.stream.write(`${safeText(text)}\n`);
    if (this.status) this.stream.write(this.status);
  }

  /** Replace the status line in place (TTY only). */
  public setStatus(text: string): void {
    if (!this.isTTY) return;
    this.status = text;
    this.stream.write(`\r\x1b[2K${text}`);
  }

  /** Leave the status line as it is and move below it. */
  public endStatus(): void {
    if (!this.status) return;
    this.stream.write('\n');
    this.status = '';
  }
}

/** The ingest handler's log of a rejected event (functions/ingest/app.ts). */
const REJECTED_LOG = 'inbound event rejected';
/** Powertools' numeric WARN level. */
const WARN_LEVEL = 16;

/**
 * A Powertools Logger that writes to standard error instead of standard
 * output. `printLog` and `createLogger` are the protected extension points
 * Powertools documents for subclasses; formatting, levels, keys and the
 * middleware (`injectLambdaContext`) are untouched.
 */
export class StderrLogger extends Logger {
  public constructor(
    options: ConstructorOptions = {},
    private readonly channel: StderrChannel = new StderrChannel(),
  ) {
    super(options);
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    // Locally a rejected event is already said where the person looks (replay's `rejected` line,
    // serve's answer, decide's outcome): its WARN log says it again only when asked (INFO, DEBUG).
    if (log.getAttributes().message === REJECTED_LOG && logLevel >= WARN_LEVEL && this.level >= WARN_LEVEL) return;
    log.prepareForPrint();
    const text = JSON.stringify(log.getAttributes(), this.getJsonReplacer());
    // The base constructor may log before this class's fields are assigned.
    if (this.channel) this.channel.line(text);
    else process.stderr.write(`${text}\n`);
  }

  protected override createLogger(options?: ConstructorOptions): Logger {
    return new StderrLogger(options, this.channel);
  }
}
