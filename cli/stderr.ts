import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { StderrChannel } from './channel.js';

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
