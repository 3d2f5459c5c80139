import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV, requireEnv, settingsFromEnv, storeOptionsFromEnv } from '../../shared/app/environment.js';
import { Pipeline } from '../../shared/app/pipeline.js';
import { createTelemetry, observerFor } from '../../shared/app/telemetry.js';
import { ReviewReader } from '../../shared/store/reviews.js';
import { RefundGateStore } from '../../shared/store/store.js';
import { createSweeperHandler } from './app.js';

const settings = settingsFromEnv(process.env);
const tableName = requireEnv(process.env, ENV.tableName);
const { logger, metrics } = createTelemetry();
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });

export const handler = createSweeperHandler({
  logger,
  metrics,
  pipeline: new Pipeline({ store: new RefundGateStore(doc, tableName, storeOptionsFromEnv(process.env)), settings, observer: observerFor(logger, metrics) }),
  now: () => new Date().toISOString(),
  openReviews: (now) => new ReviewReader(doc, tableName).openQueue(now),
});
