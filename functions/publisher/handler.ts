import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { ENV, requireEnv } from '../../shared/app/environment.js';
import { createTelemetry } from '../../shared/app/telemetry.js';
import { AwsOutboundSink } from '../../shared/publish/sinks.js';
import { createPublisherHandler } from './app.js';

const { logger, metrics } = createTelemetry();

export const handler = createPublisherHandler({
  logger,
  metrics,
  sink: new AwsOutboundSink({
    sns: new SNSClient({}),
    eventBridge: new EventBridgeClient({}),
    reviewTopicArn: requireEnv(process.env, ENV.reviewTopicArn),
    eventBusName: requireEnv(process.env, ENV.eventBusName),
  }),
});
