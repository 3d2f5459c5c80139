import type { StderrChannel } from './channel.js';

const TTY_REDRAW_MS = 100;
/** Without a terminal (CI logs), one plain line this often at most. */
const PLAIN_EVERY_MS = 15_000;
const BAR_WIDTH = 20;

export const integer = (n: number): string => Math.round(n).toLocaleString('en-US');

export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * A progress bar on standard error: redrawn in place on a terminal, a plain
 * line now and then otherwise, so CI logs stay short.
 */
export class Progress {
  private readonly startedMs: number;
  private lastDrawMs = -Infinity;
  private lastPlainMs: number;

  /**
   * @param total the amount that means done (bytes of a file, events), or undefined when unknown (a pipe)
   * @param describe how to say how far along we are, e.g. `1,200/6,000 events`
   */
  public constructor(
    private readonly channel: StderrChannel,
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly describe: () => string,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.startedMs = clock();
    this.lastPlainMs = this.startedMs;
  }

  public update(done: number): void {
    const now = this.clock();
    if (this.channel.isTTY) {
      if (now - this.lastDrawMs < TTY_REDRAW_MS) return;
      this.lastDrawMs = now;
      this.channel.setStatus(this.render(done, now));
    } else if (now - this.lastPlainMs >= PLAIN_EVERY_MS) {
      this.lastPlainMs = now;
      this.channel.line(this.render(done, now));
    }
  }

  /** Finish the bar and print one closing line. */
  public finish(message: string): void {
    if (this.channel.isTTY) this.channel.setStatus(this.render(this.total ?? 0, this.clock(), true));
    this.channel.endStatus();
    this.channel.line(message);
  }

  public elapsedMs(): number {
    return this.clock() - this.startedMs;
  }

  private render(done: number, now: number, complete = false): string {
    const elapsed = now - this.startedMs;
    const head = `${this.label} ${this.describe()}  ${seconds(elapsed)}`;
    if (this.total === undefined || this.total <= 0) return head;
    const fraction = complete ? 1 : Math.min(1, Math.max(0, done / this.total));
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
    const eta = fraction > 0.02 && !complete ? `  ~${seconds((elapsed / fraction) * (1 - fraction))} left` : '';
    const text = `${this.label} ${bar} ${String(Math.floor(fraction * 100)).padStart(3)}%  ${this.describe()}  ${seconds(elapsed)}${eta}`;
    return text.length > this.channel.columns - 1 ? text.slice(0, this.channel.columns - 1) : text;
  }
}
