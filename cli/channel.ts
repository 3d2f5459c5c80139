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
