import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { StderrChannel } from './channel.js';

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

  protected override printLog(_logLevel: number, log: LogItem): void {
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
