import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { OutboundMessage } from '../shared/publish/messages.js';
import type { OutboundSink } from '../shared/publish/sinks.js';

/** One line of replay's standard output (contract §5), `channel` first. */
export type ReplayLine =
  | {
      readonly channel: 'eventbridge';
      readonly source: string;
      readonly detailType: 'RefundReleased' | 'RefundDenied';
      readonly detail: Record<string, unknown>;
    }
  | { readonly channel: 'sns'; readonly attributes: Record<string, string>; readonly message: Record<string, unknown> }
  | { readonly channel: 'rejected'; readonly line: number; readonly error: string };

/** Where replay's lines go: standard output, a file, the demo's tally, or several of them. */
export interface ReplayOutput {
  emit(line: ReplayLine): Promise<void>;
  /** Flush and release what the output holds (files); idempotent. */
  close(): Promise<void>;
}

/**
 * The contract's line for an outbound message. The `effectId` the outbox
 * carries beside the message is internal; consumers find it inside `detail` /
 * `message` (and in the SNS attributes), where AWS delivers it too.
 */
export function toReplayLine(message: OutboundMessage): ReplayLine {
  if (message.channel === 'eventbridge') {
    return { channel: 'eventbridge', source: message.source, detailType: message.detailType, detail: message.detail };
  }
  return { channel: 'sns', attributes: message.attributes, message: message.message };
}

/** The local transport for the outbox publisher: SNS and EventBridge messages become replay lines. */
export class ReplayOutboundSink implements OutboundSink {
  public constructor(private readonly output: ReplayOutput) {}

  public async send(message: OutboundMessage): Promise<void> {
    await this.output.emit(toReplayLine(message));
  }
}

/** JSON lines on a writable stream, honouring back-pressure so memory stays flat on a slow reader. */
export class JsonLinesOutput implements ReplayOutput {
  private failure: Error | undefined;

  public constructor(
    private readonly stream: Writable,
    private readonly ownsStream = false,
  ) {
    stream.on('error', (error: Error) => (this.failure ??= error));
  }

  public static toFile(path: string): JsonLinesOutput {
    const file: WriteStream = createWriteStream(path, { encoding: 'utf8' });
    return new JsonLinesOutput(file, true);
  }

  public async emit(line: ReplayLine): Promise<void> {
    await this.write(line);
  }

  /** Write any JSON value as one line (the demo writes its events this way). */
  public async write(value: unknown): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.stream.write(`${JSON.stringify(value)}\n`)) await once(this.stream, 'drain');
  }

  public async close(): Promise<void> {
    if (!this.ownsStream || this.stream.writableEnded) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

/** Several outputs, each line to all of them in order. */
export class TeeOutput implements ReplayOutput {
  private readonly outputs: readonly ReplayOutput[];

  public constructor(...outputs: ReplayOutput[]) {
    this.outputs = outputs;
  }

  public async emit(line: ReplayLine): Promise<void> {
    for (const output of this.outputs) await output.emit(line);
  }

  public async close(): Promise<void> {
    for (const output of this.outputs) await output.close();
  }
}
