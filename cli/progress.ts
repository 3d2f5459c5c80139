import type { StderrChannel } from './channel.js';

const TTY_REDRAW_MS = 100;
/** Without a terminal (CI logs), one plain line this often at most. */
const PLAIN_EVERY_MS = 15_000;
const BAR_WIDTH = 20;
/** The estimate uses the throughput of the last this-many ms (a slow start, e.g. DynamoDB Local warming up, is forgotten). */
const ETA_WINDOW_MS = 10_000;
/** No estimate before this much of the work or this much time: too little evidence. */
const ETA_MIN_FRACTION = 0.1;
const ETA_MIN_ELAPSED_MS = 5_000;

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
  /** (time, done) samples within the ETA window, oldest first. */
  private readonly samples: Array<{ at: number; done: number }> = [];

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
    this.sample(now, done);
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
    const left = complete ? undefined : this.estimateLeftMs(done, now, fraction);
    const eta = left === undefined ? '' : `  ~${seconds(left)} left`;
    const text = `${this.label} ${bar} ${String(Math.floor(fraction * 100)).padStart(3)}%  ${this.describe()}  ${seconds(elapsed)}${eta}`;
    return text.length > this.channel.columns - 1 ? text.slice(0, this.channel.columns - 1) : text;
  }

  private sample(now: number, done: number): void {
    this.samples.push({ at: now, done });
    while (this.samples.length > 2 && now - this.samples[1]!.at >= ETA_WINDOW_MS) this.samples.shift();
  }

  /** Time left at the recent throughput, or undefined while there is too little evidence for an honest figure. */
  private estimateLeftMs(done: number, now: number, fraction: number): number | undefined {
    if (this.total === undefined) return undefined;
    if (fraction < ETA_MIN_FRACTION && now - this.startedMs < ETA_MIN_ELAPSED_MS) return undefined;
    const oldest = this.samples[0];
    if (!oldest || now - oldest.at < 1_000 || done <= oldest.done) return undefined;
    const perMs = (done - oldest.done) / (now - oldest.at);
    return Math.max(0, this.total - done) / perMs;
  }
}
