import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { createInsiderHandler } from '../../functions/insider/app.js';
import type { InsiderDetector } from '../../shared/app/insider.js';
import { METRIC } from '../../shared/app/telemetry.js';
import { lambdaContext, quietTelemetry } from '../support/lambda.js';

/** The InsiderFailuresAlarm watches a metric the insider handler must emit: batch item failures are not Lambda errors. */
describe('the insider failures metric', () => {
  const record = (returnId: string, sequenceNumber: string): DynamoDBRecord => ({
    eventID: sequenceNumber,
    eventName: 'MODIFY',
    dynamodb: { Keys: { pk: { S: `RETURN#${returnId}` }, sk: { S: 'RETURN' } }, NewImage: { pk: { S: `RETURN#${returnId}` }, outbox: { L: [] } }, SequenceNumber: sequenceNumber },
  });

  it('is emitted once per failed record, which is reported as a batch item failure, and not for records that succeed', async () => {
    // Prepare: a detector whose store fails for one return (a DynamoDB throttle, say).
    const telemetry = quietTelemetry();
    const addMetric = vi.spyOn(telemetry.metrics, 'addMetric');
    let calls = 0;
    const detector = {
      onEffects: async () => {
        calls += 1;
        if (calls === 2) throw new Error('throttled');
        return [];
      },
    } as unknown as InsiderDetector;
    const handler = createInsiderHandler({ ...telemetry, detector });
    // Act
    const response = await handler({ Records: [record('a', '1'), record('b', '2'), record('c', '3')] }, lambdaContext('insider'));
    // Assess
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toContain('2');
    // The one name the alarm watches too (test/infra/alarms.test.ts reads it from the same constant).
    expect(addMetric.mock.calls.filter(([name]) => name === METRIC.insiderFailures)).toHaveLength(1);
  });
});
