import { randomUUID } from 'node:crypto';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createTable, localDocumentClient, localDynamoClient } from '../../cli/dynamo.js';

export interface TestTable {
  readonly tableName: string;
  readonly doc: DynamoDBDocumentClient;
  readonly endpoint: string;
  drop(): Promise<void>;
}

/** A fresh table in the run's DynamoDB Local, created from the CDK's definition. */
export async function freshTable(prefix = 'rg'): Promise<TestTable> {
  const endpoint = inject('dynamoEndpoint');
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  const client = localDynamoClient(endpoint);
  await createTable(client, tableName);
  return {
    tableName,
    endpoint,
    doc: localDocumentClient(endpoint),
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    },
  };
}
