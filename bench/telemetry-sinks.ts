import { Writable } from 'node:stream';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, SERVICE } from '../shared/app/telemetry.js';

/** A stream that keeps only what was written to it: its bytes and its non-blank lines. */
export class CountingSink extends Writable {
  public bytes = 0;
  public lines = 0;
  public override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    const text = chunk.toString();
    this.bytes += Buffer.byteLength(text);
    this.lines += text.split('\n').filter((l) => l.trim() !== '').length;
    done();
  }
}

/** Powertools metrics that print their EMF (to standard output), as in Lambda, whatever the environment says. */
export function liveMetrics(): Metrics {
  const previous = process.env['POWERTOOLS_METRICS_DISABLED'];
  delete process.env['POWERTOOLS_METRICS_DISABLED'];
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE });
  if (previous !== undefined) process.env['POWERTOOLS_METRICS_DISABLED'] = previous;
  return metrics;
}
