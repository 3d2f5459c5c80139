import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV, requireEnv, settingsFromEnv, storeOptionsFromEnv } from '../../shared/app/environment.js';
import { InsiderDetector } from '../../shared/app/insider.js';
import { createTelemetry } from '../../shared/app/telemetry.js';
import { EmployeeStore } from '../../shared/store/employees.js';
import { createInsiderHandler } from './app.js';

const settings = settingsFromEnv(process.env);
const tableName = requireEnv(process.env, ENV.tableName);
const { logger, metrics } = createTelemetry();
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });

export const handler = createInsiderHandler({ logger, metrics, detector: new InsiderDetector(new EmployeeStore(doc, tableName, storeOptionsFromEnv(process.env)), settings) });
