import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { IAMClient, ListRoleTagsCommand, ListUserTagsCommand } from '@aws-sdk/client-iam';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV, requireEnv, settingsFromEnv } from '../../shared/app/environment.js';
import { createTelemetry } from '../../shared/app/telemetry.js';
import { ReviewReader } from '../../shared/store/reviews.js';
import { createDecisionHandler } from './app.js';

const settings = settingsFromEnv(process.env);
const bus = requireEnv(process.env, ENV.eventBusName);
const { logger } = createTelemetry();
const iam = new IAMClient({});
const eventBridge = new EventBridgeClient({});

export const handler = createDecisionHandler({
  logger,
  reader: new ReviewReader(DynamoDBDocumentClient.from(new DynamoDBClient({})), requireEnv(process.env, ENV.tableName)),
  tags: {
    tagsOf: async (identity) =>
      identity.kind === 'user'
        ? ((await iam.send(new ListUserTagsCommand({ UserName: identity.name }))).Tags ?? [])
        : ((await iam.send(new ListRoleTagsCommand({ RoleName: identity.name }))).Tags ?? []),
  },
  put: async (detail) => {
    const out = await eventBridge.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: bus, Source: settings.sources.ReviewDecided, DetailType: 'ReviewDecided', Detail: JSON.stringify(detail), Time: new Date(detail.decidedAt) }],
      }),
    );
    const entry = out.Entries?.[0];
    if ((out.FailedEntryCount ?? 0) > 0 || !entry?.EventId) throw new Error(`EventBridge refused the decision: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim());
    return entry.EventId;
  },
  now: () => Date.now(),
});
