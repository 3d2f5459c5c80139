import type { ProviderName } from '../../shared/carriers/provider.js';

/** Environment variable names shared by the CarrierWebhooks construct and the webhook handler. */
export const WEBHOOK_ENV = {
  eventBusName: 'EVENT_BUS_NAME',
  source: 'CARRIER_SOURCE',
  facilities: 'FACILITY_MAP',
  maxBodyBytes: 'MAX_BODY_BYTES',
  easypostSecretArn: 'EASYPOST_SECRET_ARN',
  aftershipSecretArn: 'AFTERSHIP_SECRET_ARN',
  upsSecretArn: 'UPS_SECRET_ARN',
  shippoSecretArn: 'SHIPPO_SECRET_ARN',
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  /** `true` accepts provider test-mode events (context allowCarrierTestMode). */
  allowTestMode: 'ALLOW_TEST_MODE',
  /** Seconds a signed time (Shippo's `t`) may be from now. */
  replayWindowSeconds: 'REPLAY_WINDOW_SECONDS',
  /** Seconds after a rotation during which the previous secret is still accepted. */
  previousSecretSeconds: 'PREVIOUS_SECRET_SECONDS',
} as const;

/** The variable holding each provider's secret ARN. */
export const SECRET_ARN_ENV: Readonly<Record<ProviderName, string>> = {
  easypost: WEBHOOK_ENV.easypostSecretArn,
  aftership: WEBHOOK_ENV.aftershipSecretArn,
  ups: WEBHOOK_ENV.upsSecretArn,
  shippo: WEBHOOK_ENV.shippoSecretArn,
};
