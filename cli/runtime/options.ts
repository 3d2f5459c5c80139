import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { AlertRepository, EmployeeFlagReader } from '../../shared/app/ports.js';
import type { Settings } from '../../shared/contract/config.js';
import { RefundGateError } from '../../shared/errors.js';
import type { StreamConsumerName } from '../../shared/routing.js';
import type { ReplayOutput } from '../output.js';
import type { StreamCheckpoint } from '../stream.js';

/** The local runtime cannot run as configured (a bug or a broken environment, never bad input). */
export class LocalRuntimeError extends RefundGateError {
  public constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options);
    this.name = 'LocalRuntimeError';
  }
}

/** A Lambda function on the table's stream, as its event source mapping invokes it. */
export interface StreamConsumer {
  /** The function's name, for its Lambda context and error messages. */
  readonly name: string;
  readonly handler: (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse | void>;
  /** Whose filter criteria (shared/routing.ts) its event source mapping applies; @default every record */
  readonly filter?: StreamConsumerName;
}

/** What a consumer or flag reader is built from: the same clients and settings the handlers get. */
export interface LocalEnvironment {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly settings: Settings;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * Optional wiring beyond the outbox publisher; for R7 (insider detection) see
 * `../wiring.ts`. Mirrors what the AWS handler modules construct.
 */
export interface LocalExtensions {
  /** Stream consumers that run after the publisher on every batch, in this order. */
  readonly consumers?: ReadonlyArray<(env: LocalEnvironment) => StreamConsumer>;
  /** The employee-flag reader the ingest pipeline consults (R7). @default nobody is flagged */
  readonly flags?: (env: LocalEnvironment) => EmployeeFlagReader;
  /** v1.2: the R7 alerts decisions without returnId answer. @default no alert exists */
  readonly alerts?: (env: LocalEnvironment) => AlertRepository;
}

export interface LocalRuntimeOptions extends LocalExtensions {
  readonly settings: Settings;
  /** Receives every line replay prints: outbound messages and rejections. */
  readonly output: ReplayOutput;
  /** Writes to standard error (see `StderrLogger`): standard output is the contract's. */
  readonly logger: Logger;
  /** @default 'refund-gate-local' */
  readonly tableName?: string;
  /** Keep DynamoDB Local's data in this absolute directory; the table is created only if missing. */
  readonly dbPath?: string;
  /**
   * Without `dbPath`: an already running DynamoDB Local to use instead of
   * starting one. The run's table gets a name of its own there and is deleted
   * by `stop()`. @default the `REFUND_GATE_DYNAMODB_ENDPOINT` environment
   * variable, else a DynamoDB Local of the run's own
   */
  readonly endpoint?: string;
  /** Resume a kept directory's run where the last command left it (see {@link LocalRuntime.snapshot}). */
  readonly resume?: RuntimeSnapshot;
  /**
   * The bench's probes (bench) and tests': a hook on the document
   * client every handler and consumer shares, one on the client that reads
   * the table's stream, and live Powertools metrics (their EMF goes to
   * standard output, so never in replay).
   */
  readonly instrument?: {
    readonly dynamo?: (doc: DynamoDBDocumentClient) => void;
    readonly streams?: (streams: DynamoDBStreamsClient) => void;
    readonly metrics?: Metrics;
  };
}

/** What a later process needs to carry on a kept `--db` run consistently. */
export interface RuntimeSnapshot {
  readonly clock: string | undefined;
  readonly lastSweep: string | undefined;
  readonly stream: StreamCheckpoint;
}

export interface RuntimeStats {
  /** Lines handed to {@link LocalRuntime.deliver} (blank lines are skipped before). */
  events: number;
  rejected: number;
  /** Valid-looking lines a rule's detail filter dropped (scan statuses no rule reads), as EventBridge drops them. */
  filtered: number;
  eventbridge: number;
  sns: number;
  sweeps: number;
  /** Lambda invocations by function name, as AWS would bill them (a retried batch is another invocation). */
  invocations: Record<string, number>;
}
