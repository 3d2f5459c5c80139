import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { ScanPublishError } from '../../shared/carriers/bus.js';
import { WebhookNotConfiguredError, WebhookRefusedError } from '../../shared/carriers/errors.js';
import { headerLookup, providerNamed, receiveWebhook, type ReceivedWebhook, type ReceiverSettings } from '../../shared/carriers/receiver.js';
import type { CarrierScanEnvelope } from '../../shared/carriers/scan.js';

/** Metric names (namespace RefundGate) the webhook alarms and dashboards use. */
export const WEBHOOK_METRIC = {
  /** Requests refused with a 4xx (bad signature, too large, not JSON…); dimension `status` on a single metric too. */
  refused: 'WebhooksRefused',
  /** CarrierScans put on the bus. */
  scansPut: 'CarrierScansPut',
  /** Tracking events not turned into scans (unmapped status, no usable time). */
  skipped: 'TrackingEventsSkipped',
  /** Webhooks whose scans could not all be put (answered 503; the provider re-sends). */
  putFailures: 'CarrierScanPutFailures',
  /** Webhooks for a provider whose secret is still the placeholder, or too short (answered 503). */
  notConfigured: 'WebhookSecretMissing',
  /** Webhooks accepted, with dimension `provider` (the UPS silence alarm reads it). */
  accepted: 'CarrierWebhooksAccepted',
} as const;

export interface WebhookDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly settings: ReceiverSettings;
  readonly secrets: { forProvider(provider: string): Promise<readonly string[]> };
  readonly bus: { put(envelopes: readonly CarrierScanEnvelope[]): Promise<void> };
}

/** `/webhooks/<provider>`, the one path shape the endpoint serves. */
const PATH = /^\/webhooks\/([^/]+)\/?$/;

/**
 * The carrier webhook Lambda behind a Function URL: checks the request
 * (signature over the raw body first), puts the CarrierScans on the bus and
 * answers the provider. 2xx only once every scan is on the bus; 4xx for a
 * request that will never be good (the provider should not retry); 5xx for
 * anything that may be good later (the provider retries).
 */
export function createWebhookHandler(deps: WebhookDeps) {
  const { logger, metrics } = deps;
  const handle = async (event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> => {
    const match = PATH.exec(event.rawPath ?? '');
    const providerName = match ? safeDecode(match[1]!) : '';
    try {
      if (!match) throw new WebhookRefusedError(404, `no webhook at ${event.rawPath}; use /webhooks/<provider>`);
      const provider = providerNamed(providerName);
      // Function URLs hand text bodies over as UTF-8 strings and binary ones as base64: both give back the bytes sent.
      const body = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
      const request = { method: event.requestContext.http.method, header: headerLookup(event.headers), body };
      const received = receiveWebhook(provider, request, await deps.secrets.forProvider(provider.name), deps.settings);
      report(received);
      await deps.bus.put(received.envelopes);
      metrics.addMetric(WEBHOOK_METRIC.scansPut, MetricUnit.Count, received.envelopes.length);
      const accepted = metrics.singleMetric();
      accepted.addDimension('provider', provider.name);
      accepted.addMetric(WEBHOOK_METRIC.accepted, MetricUnit.Count, 1);
      return json(200, { accepted: received.envelopes.length, skipped: received.skipped.length, ...(received.ignoredEventType ? { ignored: received.ignoredEventType } : {}) });
    } catch (error) {
      if (error instanceof WebhookRefusedError) {
        logger.warn('webhook refused', { provider: providerName, status: error.status, reason: error.message, sourceIp: event.requestContext?.http?.sourceIp });
        metrics.addMetric(WEBHOOK_METRIC.refused, MetricUnit.Count, 1);
        return json(error.status, { error: error.message });
      }
      if (error instanceof WebhookNotConfiguredError) {
        logger.error('webhook secret not configured: put the provider secret (at least 32 bytes) into Secrets Manager (docs/producers/carriers.md)', {
          provider: providerName,
          reason: error.message,
        });
        metrics.addMetric(WEBHOOK_METRIC.notConfigured, MetricUnit.Count, 1);
        return json(503, { error: 'receiver not configured yet; retry later' });
      }
      if (error instanceof ScanPublishError) {
        logger.error('scans could not be put on the bus; answering 503 so the provider re-sends', { provider: providerName, error });
        metrics.addMetric(WEBHOOK_METRIC.putFailures, MetricUnit.Count, 1);
        return json(503, { error: 'could not accept the scans now; retry later' });
      }
      throw error;
    }
  };

  function report(received: ReceivedWebhook): void {
    if (received.ignoredEventType) logger.info('webhook event ignored: it carries no scans', { provider: received.provider, eventType: received.ignoredEventType });
    for (const skipped of received.skipped) logger.warn('tracking event skipped', { provider: received.provider, ...skipped });
    if (received.skipped.length > 0) metrics.addMetric(WEBHOOK_METRIC.skipped, MetricUnit.Count, received.skipped.length);
    if (received.weightProblem) logger.warn(received.weightProblem, { provider: received.provider });
    logger.info('webhook accepted', { provider: received.provider, scanIds: received.scans.map((s) => s.scanId) });
  }

  return middy(handle)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

function json(statusCode: number, body: Record<string, unknown>): LambdaFunctionURLResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** A path segment as text; a malformed escape stays as sent (and names no provider). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
