import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError, requireEnv } from '../../shared/app/environment.js';
import { createTelemetry } from '../../shared/app/telemetry.js';
import { ScanBus } from '../../shared/carriers/bus.js';
import { FacilityMap } from '../../shared/carriers/facilities.js';
import { PROVIDER_NAMES } from '../../shared/carriers/provider.js';
import { WebhookSecrets } from '../../shared/carriers/secrets.js';
import { createWebhookHandler } from './app.js';
import { SECRET_ARN_ENV, WEBHOOK_ENV } from './env.js';

// Read once per cold start; a wrong environment fails here, loudly.
const env = process.env;
const facilities = (() => {
  try {
    return FacilityMap.parse(JSON.parse(requireEnv(env, WEBHOOK_ENV.facilities)));
  } catch (cause) {
    throw new ConfigurationError(`${WEBHOOK_ENV.facilities} is invalid: ${(cause as Error).message}`, { cause });
  }
})();
const { logger, metrics } = createTelemetry();
const seconds = (name: string): number => {
  const value = Number(requireEnv(env, name));
  if (!Number.isInteger(value) || value <= 0) throw new ConfigurationError(`${name} must be a whole number of seconds > 0`);
  return value * 1000;
};

export const handler = createWebhookHandler({
  logger,
  metrics,
  settings: {
    source: requireEnv(env, WEBHOOK_ENV.source),
    facilities,
    maxBodyBytes: Number(requireEnv(env, WEBHOOK_ENV.maxBodyBytes)),
    allowTestMode: requireEnv(env, WEBHOOK_ENV.allowTestMode) === 'true',
    replayWindowMs: seconds(WEBHOOK_ENV.replayWindowSeconds),
  },
  secrets: new WebhookSecrets(new SecretsManagerClient({}), new Map(PROVIDER_NAMES.map((p) => [p, requireEnv(env, SECRET_ARN_ENV[p])])), {
    previousWindowMs: seconds(WEBHOOK_ENV.previousSecretSeconds),
  }),
  bus: new ScanBus({
    eventBridge: new EventBridgeClient({}),
    eventBusName: requireEnv(env, WEBHOOK_ENV.eventBusName),
    sqs: new SQSClient({}),
    deadLetterQueueUrl: requireEnv(env, WEBHOOK_ENV.deadLetterQueueUrl),
  }),
});
