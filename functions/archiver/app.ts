import { gzipSync } from 'node:zlib';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { METRIC, publishMetricsIfAny } from '../../shared/app/telemetry.js';
import { readableItem } from '../../shared/store/item-codec.js';

/** Where the archive's objects go: one call per batch. */
export interface ArchiveSink {
  put(key: string, body: Uint8Array): Promise<void>;
}

export interface ArchiverDeps {
  readonly sink: ArchiveSink;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** The metric the ArchiveFailuresAlarm watches (named once, in shared/app/telemetry.ts). */
export const METRIC_ARCHIVE_FAILURES = METRIC.archiveFailures;

/** One archive line: the record's place in the stream and the item as this write left it. */
export function archiveLine(record: DynamoDBRecord): string {
  // A TTL deletion has only the old image: the item as it was when it expired.
  const image = record.dynamodb?.NewImage ?? record.dynamodb?.OldImage;
  // The compressed body becomes plain `state` and `outbox` again: the archive is read by people and Athena.
  const item = image ? readableItem(unmarshall(image as Record<string, AttributeValue>)) : null;
  return JSON.stringify(
    { sequenceNumber: record.dynamodb?.SequenceNumber, approximateCreation: record.dynamodb?.ApproximateCreationDateTime, eventName: record.eventName, item },
    (_key, value: unknown) => (value instanceof Set ? [...value].sort() : value),
  );
}

/**
 * The object key of a batch: its day and its first and last sequence
 * numbers, so a retried batch writes the same key (a new version in the
 * versioned bucket, never a gap).
 */
export function archiveKey(records: readonly DynamoDBRecord[]): string {
  const first = records[0]?.dynamodb;
  const last = records.at(-1)?.dynamodb;
  const day = new Date((first?.ApproximateCreationDateTime ?? 0) * 1000).toISOString().slice(0, 10);
  return `returns/${day}/${first?.SequenceNumber ?? 'none'}-${last?.SequenceNumber ?? 'none'}.jsonl.gz`;
}

/**
 * Evidence archive: the stream records of closed returns, and the TTL
 * deletions of employee flags and open returns (the mapping's filters), whole batch in one gzipped JSON-lines object. All or nothing: a
 * failure throws, Lambda retries the batch (bisecting it) and finally parks
 * it in the stream-failure bucket, so no record is skipped.
 */
export function createArchiverHandler(deps: ArchiverDeps) {
  const { logger, metrics, sink } = deps;
  return middy<DynamoDBStreamEvent, void>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetricsIfAny(metrics))
    .handler(async (event: DynamoDBStreamEvent): Promise<void> => {
      if (event.Records.length === 0) return;
      const key = archiveKey(event.Records);
      const body = gzipSync(`${event.Records.map(archiveLine).join('\n')}\n`);
      try {
        await sink.put(key, body);
      } catch (error) {
        metrics.addMetric(METRIC_ARCHIVE_FAILURES, MetricUnit.Count, 1);
        logger.error('archiving failed; the batch will be retried', { key, records: event.Records.length, error: error as Error });
        throw error;
      }
      logger.debug('batch archived', { key, records: event.Records.length, bytes: body.length });
    });
}
