import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV, requireEnv, settingsFromEnv, storeOptionsFromEnv } from '../../shared/app/environment.js';
import { Pipeline } from '../../shared/app/pipeline.js';
import { SqsRejectedSink } from '../../shared/app/rejected-queue.js';
import { createTelemetry, observerFor } from '../../shared/app/telemetry.js';
import { EmployeeStore } from '../../shared/store/employees.js';
import { RefundGateStore } from '../../shared/store/store.js';
import { createIngestHandler } from './app.js';

// Read once per cold start; a wrong environment fails here, loudly.
const settings = settingsFromEnv(process.env);
const tableName = requireEnv(process.env, ENV.tableName);
const { logger, metrics } = createTelemetry();
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
const storeOptions = storeOptionsFromEnv(process.env);
const store = new RefundGateStore(doc, tableName, storeOptions);
const employees = new EmployeeStore(doc, tableName, storeOptions);

export const handler = createIngestHandler({
  logger,
  metrics,
  settings,
  // The employee store is both R7's flag reader and (v1.2) the alerts decisions without returnId answer.
  pipeline: new Pipeline({ store, settings, flags: employees, alerts: employees, observer: observerFor(logger, metrics) }),
  rejected: new SqsRejectedSink(new SQSClient({}), requireEnv(process.env, ENV.rejectedQueueUrl)),
  now: () => new Date().toISOString(),
});
