import { DEFAULT_RETENTION_DAYS } from '../shared/store/table.js';
import type { EndToEndResult } from './endtoend.js';
import type { StorageMeasurement } from './meter.js';

export interface Prices {
  readonly asOf: string;
  readonly lambdaRequestsPerMillion: number;
  readonly lambdaArm64PerGbSecond: number;
  readonly dynamoWriteRequestUnitPerMillion: number;
  readonly dynamoReadRequestUnitPerMillion: number;
  readonly dynamoStoragePerGbMonth: number;
  readonly dynamoPitrPerGbMonth: number;
  readonly snsPublishPerMillion: number;
  readonly eventBridgeCustomEventsPerMillion: number;
  readonly cloudWatchLogsIngestionPerGb: number;
  readonly cloudWatchLogsStoragePerGbMonth: number;
  readonly xrayTracesRecordedPerMillion: number;
  readonly s3PutPerThousand: number;
  readonly s3GlacierInstantRetrievalPerGbMonth: number;
  readonly s3GlacierInstantRetrievalTransitionPerThousand: number;
  readonly s3GlacierInstantRetrievalMinimumObjectBytes: number;
  readonly s3StandardPerGbMonth: number;
}

/** What the deployment is configured with, and the few figures this machine cannot measure (each named). */
export interface CostSettings {
  /** Returns per month: spreads the fixed per-minute sweeper over the returns. */
  readonly returnsPerMonth: number;
  /** Days an item stays in DynamoDB after its last write (TTL). */
  readonly tableRetentionDays: number;
  readonly pointInTimeRecovery: boolean;
  /** Years a closed return's evidence is kept in the S3 archive. */
  readonly archiveYears: number;
  /** The archiver's batching window (seconds): one S3 object per window at most. */
  readonly archiveWindowSeconds: number;
  readonly logRetentionDays: number;
  readonly memoryMb: number;
  readonly tracing: boolean;
  /** NOT measurable offline: AWS latency of one DynamoDB request and of one SNS/EventBridge publish, and per-invocation overhead (ms). */
  readonly assumedMs: { readonly dynamoRequest: number; readonly publish: number; readonly invocation: number };
}

export const DEFAULT_COST_SETTINGS: CostSettings = {
  returnsPerMonth: 1_000_000,
  // The deployment's default (RefundGate's tableRetentionDays).
  tableRetentionDays: DEFAULT_RETENTION_DAYS,
  pointInTimeRecovery: true,
  archiveYears: 2,
  archiveWindowSeconds: 300,
  // RefundGate's default log retention (logs.RetentionDays.THREE_MONTHS).
  logRetentionDays: 90,
  memoryMb: 256,
  tracing: false,
  assumedMs: { dynamoRequest: 8, publish: 25, invocation: 3 },
};


export interface CostLine {
  readonly item: string;
  readonly usd: number;
  readonly basis: string;
}

const MONTH_DAYS = 30.44;
const GB = 1024 ** 3;
const M = 1_000_000;

/** Cost per million returns of one scenario, every line with what it is computed from. */
export function costPerMillion(r: EndToEndResult, storage: StorageMeasurement, p: Prices, c: CostSettings): { total: number; lines: CostLine[] } {
  const per = (n: number) => n / r.returns;
  const lines: CostLine[] = [];
  const add = (item: string, usd: number, basis: string) => lines.push({ item, usd, basis });

  const invocations = per(r.invocations.ingest + r.invocations.publisher + r.invocations.insider);
  add('Lambda requests (ingest, publisher, insider)', invocations * p.lambdaRequestsPerMillion, `${round(invocations)} invocations per return, measured through the real rules and stream filters (no batching credit)`);

  const requests = per(r.dynamo.reads + r.dynamo.writes + r.dynamo.refused);
  const publishes = per(r.published.eventbridge + r.published.sns);
  const ms = requests * c.assumedMs.dynamoRequest + publishes * c.assumedMs.publish + invocations * c.assumedMs.invocation;
  add('Lambda duration (arm64)', ((ms / 1000) * (c.memoryMb / 1024)) * M * p.lambdaArm64PerGbSecond, `${round(ms)} ms per return at ${c.memoryMb} MB: measured request and publish counts x assumed AWS latencies ${JSON.stringify(c.assumedMs)}`);

  // The sweeper runs every minute whatever the volume: 8 eventually consistent Queries of an empty shard (0.5 RRU each) when nothing is due.
  const sweeps = 43_200;
  const sweeperUsd = (sweeps * p.lambdaRequestsPerMillion) / M + sweeps * 8 * 0.5 * (p.dynamoReadRequestUnitPerMillion / M) + sweeps * (0.05 * (c.memoryMb / 1024)) * p.lambdaArm64PerGbSecond;
  add('Sweeper schedule (1/minute)', (sweeperUsd * M) / c.returnsPerMonth, `43,200 invocations and 345,600 index Queries a month, spread over ${c.returnsPerMonth.toLocaleString('en-US')} returns a month; due timers' work is in the request lines`);

  const wru = per(r.dynamo.writeUnits + r.dynamo.indexWriteUnits);
  add('DynamoDB writes', wru * p.dynamoWriteRequestUnitPerMillion, `${round(wru)} WRU per return (ledger, refused conditional writes and index writes included), metered`);
  const rru = per(r.dynamo.readUnits);
  add('DynamoDB reads', rru * p.dynamoReadRequestUnitPerMillion, `${round(rru)} RRU per return, metered (includes the local runtime's own earliest-timer Queries: an overestimate)`);

  const months = c.tableRetentionDays / MONTH_DAYS;
  const tableGb = (storage.tableBytesPerReturn * M) / GB;
  add('DynamoDB storage', tableGb * months * p.dynamoStoragePerGbMonth, `${Math.round(storage.tableBytesPerReturn)} B per return as written, kept ${c.tableRetentionDays} days after the last write`);
  add('DynamoDB point-in-time recovery', c.pointInTimeRecovery ? tableGb * months * p.dynamoPitrPerGbMonth : 0, c.pointInTimeRecovery ? 'on: billed on the table size' : 'off');

  add('SNS publishes', per(r.published.sns) * p.snsPublishPerMillion, `${round(per(r.published.sns))} per return`);
  add('EventBridge outbound events', per(r.published.eventbridge) * p.eventBridgeCustomEventsPerMillion, `${round(per(r.published.eventbridge))} per return (inbound rule matching and delivery to Lambda: free)`);

  const logGb = (per(r.logBytes) * M) / GB;
  add('CloudWatch Logs ingestion', logGb * p.cloudWatchLogsIngestionPerGb, `${Math.round(per(r.logBytes))} B per return from the real handlers at INFO, EMF included; platform START/END/REPORT off (system level WARN)`);
  add('CloudWatch Logs storage', logGb * (c.logRetentionDays / MONTH_DAYS) * p.cloudWatchLogsStoragePerGbMonth, `${c.logRetentionDays} days retention (uncompressed bytes: an overestimate)`);
  add('X-Ray', c.tracing ? invocations * p.xrayTracesRecordedPerMillion : 0, c.tracing ? 'active tracing' : 'tracing off in every function: $0');

  // Archive: one gzip object per batching window. The bucket's lifecycle moves an object to Glacier
  // Instant Retrieval after 30 days only when it is over 128 KB (IR's minimum billable size); a
  // smaller one stays in S3 Standard. Priced the way the lifecycle rule treats it.
  const closed = storage.closedShare;
  const perWindow = Math.max(1, (c.returnsPerMonth / (MONTH_DAYS * 86_400)) * c.archiveWindowSeconds * closed);
  const objectsPerMillion = (M * closed) / perWindow;
  const objectBytes = perWindow * storage.archiveBytesPerReturn;
  const archiveMonths = c.archiveYears * 12;
  const toGlacier = objectBytes > p.s3GlacierInstantRetrievalMinimumObjectBytes;
  const gb = (objectsPerMillion * objectBytes) / GB;
  const storageUsd = toGlacier ? gb * (p.s3StandardPerGbMonth + (archiveMonths - 1) * p.s3GlacierInstantRetrievalPerGbMonth) : gb * archiveMonths * p.s3StandardPerGbMonth;
  const archiveUsd =
    (objectsPerMillion / 1000) * (p.s3PutPerThousand + (toGlacier ? p.s3GlacierInstantRetrievalTransitionPerThousand : 0)) +
    storageUsd +
    (objectsPerMillion / M) * p.lambdaRequestsPerMillion;
  add(
    `Evidence archive (S3 ${toGlacier ? 'Glacier IR' : 'Standard'})`,
    archiveUsd,
    `${Math.round(storage.archiveBytesPerReturn)} B gzipped per closed return, ${Math.round(perWindow)} returns per ${c.archiveWindowSeconds}-s object (${Math.round(objectBytes / 1024)} KB: ${toGlacier ? 'over 128 KB, moved to Glacier IR after 30 days' : 'under 128 KB, stays in S3 Standard'}), ${c.archiveYears} years`,
  );

  const total = lines.reduce((s, l) => s + l.usd, 0);
  return { total, lines };
}

export const round = (n: number) => Math.round(n * 100) / 100;
