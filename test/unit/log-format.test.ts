import { Writable } from 'node:stream';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { StderrChannel } from '../../cli/channel.js';
import { StderrLogger } from '../../cli/stderr.js';
import { loggerOptions } from '../../shared/app/telemetry.js';

/** Lines a logger built with refund-gate's options prints (the local logger prints what Powertools formats). */
function capture(): { logger: StderrLogger; lines: () => Record<string, unknown>[] } {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  const logger = new StderrLogger(loggerOptions({ logLevel: 'INFO' }), new StderrChannel(sink as unknown as NodeJS.WriteStream));
  return { logger, lines: () => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const context = {
  functionName: 'refund-gate-ingest',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:refund-gate-ingest',
  memoryLimitInMB: '256',
  awsRequestId: 'req-42',
} as Context;

describe('log lines (lean formatter)', () => {
  it('carry level, message, timestamp, the request id and the line’s own keys, and nothing the log group already says', () => {
    const { logger, lines } = capture();
    logger.addContext(context);
    logger.info('inbound event processed', { detailType: 'RefundRequested', returnIds: ['r-1'] });
    const [line] = lines();
    expect(Object.keys(line!).sort()).toEqual(['detailType', 'function_request_id', 'level', 'message', 'returnIds', 'timestamp'].sort());
    expect(line).toMatchObject({ level: 'INFO', message: 'inbound event processed', function_request_id: 'req-42', returnIds: ['r-1'] });
    expect(JSON.stringify(line)).not.toContain('refund-gate-ingest');
  });

  it('still prints errors with their name, message and stack', () => {
    const { logger, lines } = capture();
    logger.error('publish failed', { error: new TypeError('boom') });
    const [line] = lines();
    expect(line).toMatchObject({ level: 'ERROR', message: 'publish failed', error: { name: 'TypeError', message: 'boom' } });
    expect((line!['error'] as { stack?: string }).stack).toContain('TypeError: boom');
  });
});
