import { marshall } from '@aws-sdk/util-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { resolveSettings, type Settings, type SettingsInput } from '../../shared/contract/config.js';
import { ingest, businessTimeOf, type IngestResult } from '../../shared/app/ingest.js';
import { Pipeline } from '../../shared/app/pipeline.js';
import type { AlertRepository, EmployeeFlagReader, Rejection } from '../../shared/app/ports.js';
import { RefundGateStore, returnKey } from '../../shared/store/store.js';
import type { TestTable } from './dynamo.js';

export interface Harness {
  readonly settings: Settings;
  readonly store: RefundGateStore;
  readonly pipeline: Pipeline;
  readonly rejected: Rejection[];
  send(event: unknown): Promise<IngestResult>;
  /** The stream record Lambda would receive for the return's latest write (NewImage). */
  latestRecord(returnId: string): Promise<DynamoDBRecord>;
  item(returnId: string): Promise<Record<string, unknown> | undefined>;
}

/** The real pipeline on a DynamoDB Local table, with the business clock of replay. */
export function harness(table: TestTable, settingsInput: SettingsInput = {}, flags?: EmployeeFlagReader, alerts?: AlertRepository): Harness {
  const settings = resolveSettings(settingsInput);
  const store = new RefundGateStore(table.doc, table.tableName);
  const pipeline = new Pipeline({ store, settings, flags, alerts, sleep: async () => {} });
  const rejected: Rejection[] = [];
  let sequence = 0;
  const item = async (returnId: string) =>
    (await table.doc.send(new GetCommand({ TableName: table.tableName, Key: returnKey(returnId), ConsistentRead: true }))).Item;
  return {
    settings,
    store,
    pipeline,
    rejected,
    item,
    send: (event) =>
      ingest(event, {
        pipeline,
        settings,
        rejected: { reject: async (r) => void rejected.push(r) },
        now: (e) => businessTimeOf(e),
      }),
    latestRecord: async (returnId) => {
      const current = await item(returnId);
      sequence += 1;
      return {
        eventID: `ev-${sequence}`,
        eventName: 'MODIFY',
        eventSource: 'aws:dynamodb',
        awsRegion: 'us-east-1',
        dynamodb: {
          Keys: marshall(returnKey(returnId)) as never,
          NewImage: marshall(current ?? {}, { removeUndefinedValues: true }) as never,
          SequenceNumber: String(1000 + sequence),
          StreamViewType: 'NEW_IMAGE',
        },
      };
    },
  };
}
