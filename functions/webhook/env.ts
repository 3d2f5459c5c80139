/** Environment variable names shared by the CarrierWebhooks construct and the webhook handler. */
export const WEBHOOK_ENV = {
  eventBusName: 'EVENT_BUS_NAME',
  source: 'CARRIER_SOURCE',
  facilities: 'FACILITY_MAP',
  maxBodyBytes: 'MAX_BODY_BYTES',
  easypostSecretArn: 'EASYPOST_SECRET_ARN',
  aftershipSecretArn: 'AFTERSHIP_SECRET_ARN',
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
} as const;
