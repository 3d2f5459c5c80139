import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError, requireEnv } from '../../shared/app/environment.js';
import { createTelemetry } from '../../shared/app/telemetry.js';
import { ScanBus } from '../../shared/carriers/bus.js';
import { FacilityMap } from '../../shared/carriers/facilities.js';
import { WebhookSecrets } from '../../shared/carriers/secrets.js';
import { createWebhookHandler } from './app.js';
import { WEBHOOK_ENV } from './env.js';

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

export const handler = createWebhookHandler({
  logger,
  metrics,
  settings: {
    source: requireEnv(env, WEBHOOK_ENV.source),
    facilities,
    maxBodyBytes: Number(requireEnv(env, WEBHOOK_ENV.maxBodyBytes)),
  },
  secrets: new WebhookSecrets(
    new SecretsManagerClient({}),
    new Map([
      ['easypost', requireEnv(env, WEBHOOK_ENV.easypostSecretArn)],
      ['aftership', requireEnv(env, WEBHOOK_ENV.aftershipSecretArn)],
    ]),
  ),
  bus: new ScanBus({
    eventBridge: new EventBridgeClient({}),
    eventBusName: requireEnv(env, WEBHOOK_ENV.eventBusName),
    sqs: new SQSClient({}),
    deadLetterQueueUrl: requireEnv(env, WEBHOOK_ENV.deadLetterQueueUrl),
  }),
});
