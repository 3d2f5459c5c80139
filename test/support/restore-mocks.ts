import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, vi } from 'vitest';

/**
 * Setup file: after each test file, put back what it replaced: every
 * `vi.spyOn` spy, and every SDK client's `send` that
 * aws-sdk-client-mock replaced on the class (`mockClient(SNSClient)` stubs
 * `SNSClient.prototype.send`). Files share their worker's modules
 * (vitest.config.ts), so a class left mocked would answer the next file's
 * real DynamoDB Local calls with `undefined`. A mock of one instance goes
 * with its instance.
 */
const CLIENTS = [DynamoDBClient, DynamoDBDocumentClient, EventBridgeClient, S3Client, SecretsManagerClient, SNSClient, SQSClient, STSClient];

afterAll(() => {
  vi.restoreAllMocks();
  for (const client of CLIENTS) {
    const send = client.prototype.send as { restore?: () => void };
    if (typeof send.restore === 'function') send.restore();
  }
});
