import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { Effect } from '../domain/types.js';
import type { Observer } from './ports.js';

export const SERVICE = 'refund-gate';
export const METRICS_NAMESPACE = 'RefundGate';

/**
 * Metric names an on-call engineer will find in CloudWatch (namespace
 * `RefundGate`). Only metrics an alarm or a dashboard reads are emitted:
 * every metric is bytes in an EMF log line, billed per invocation.
 */
export const METRIC = {
  // Events processed: the ingest function's Lambda `Invocations` metric (free), not an EMF line per event.
  eventsRejected: 'EventsRejected',
  conflictingDuplicates: 'ConflictingDuplicates',
  duplicatesIgnored: 'DuplicatesIgnored',
  versionConflicts: 'VersionConflictRetries',
  reviewsRaised: 'ReviewsRaised',
  reviewsCleared: 'ReviewsCleared',
  publishFailures: 'PublishFailures',
  /** Stream records the insider detector failed on (batch item failures, which Lambda's Errors does not count). */
  insiderFailures: 'InsiderFailures',
  /** Archive batches the archiver could not write. */
  archiveFailures: 'ArchiveFailures',
} as const;

/**
 * Flush stored metrics after the handler (or its error), and only when
 * there are some: Powertools' `logMetrics` writes a WARN line ("No
 * application metrics to publish") on every invocation without metrics,
 * which is most sweeper and stream-consumer invocations.
 */
export function publishMetricsIfAny(metrics: Metrics): MiddlewareObj {
  const flush = async (): Promise<void> => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}

/**
 * refund-gate's log lines: level, message, timestamp, the request id and
 * the line's own keys. Powertools' default formatter adds the function's
 * name, ARN and memory size, the service and the cold-start flag to every
 * line (~200 B); the log group already says which function wrote it, and
 * ingestion is billed per byte (docs/maintainers/cost.md).
 */
export class LeanLogFormatter extends LogFormatter {
  public override formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        function_request_id: attributes.lambdaContext?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(additionalLogAttributes);
  }
}

/** The options every refund-gate logger is built with (the Lambda functions' and the local runtime's). */
export function loggerOptions(overrides: { logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'CRITICAL' | 'SILENT' } = {}) {
  return { serviceName: SERVICE, logFormatter: new LeanLogFormatter(), ...overrides };
}

export function createTelemetry(): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger(loggerOptions()),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE }),
  };
}

/** Count decided effects; reviews also by reason, the dimension alarms and dashboards use. */
export function countEffects(metrics: Metrics, effects: readonly Effect[]): void {
  for (const effect of effects) {
    switch (effect.type) {
      case 'ReviewRaised': {
        metrics.addMetric(METRIC.reviewsRaised, MetricUnit.Count, 1);
        const single = metrics.singleMetric();
        single.addDimension('reason', effect.reason);
        single.addMetric(METRIC.reviewsRaised, MetricUnit.Count, 1);
        break;
      }
      case 'ReviewCleared':
        metrics.addMetric(METRIC.reviewsCleared, MetricUnit.Count, 1);
        break;
      // Releases and denials are counted where they are published (MoneyReleased / MoneyDenied,
      // whose SampleCount is the count): one EMF line per decision, not two.
    }
  }
}

export function observerFor(logger: Logger, metrics: Metrics): Observer {
  return {
    duplicate: (kind, id) => {
      // A no-op: counted (the dashboard reads it), logged at debug only.
      logger.debug('duplicate delivery ignored', { command: kind, returnId: id });
      metrics.addMetric(METRIC.duplicatesIgnored, MetricUnit.Count, 1);
    },
    conflictRetry: (key, attempt) => {
      logger.debug('version conflict, retrying', { returnId: key, attempt });
      metrics.addMetric(METRIC.versionConflicts, MetricUnit.Count, 1);
    },
  };
}
