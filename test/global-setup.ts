import type { TestProject } from 'vitest/node';
import { JavaMissingError, startDynamoLocal, type LocalDynamo } from '../cli/dynamo.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

let dynamo: LocalDynamo | undefined;

/**
 * One DynamoDB Local (AWS's own jar, in memory, free port) for the whole run;
 * each integration test file creates its own table. Always stopped at the end.
 */
export async function setup(project: TestProject): Promise<void> {
  // The SDK warns that its releases after January 2027 need Node 22; the lockfile pins one that runs on 20.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  try {
    dynamo = await startDynamoLocal();
  } catch (error) {
    if (error instanceof JavaMissingError) {
      throw new Error(`integration tests need DynamoDB Local: ${error.message}`);
    }
    throw error;
  }
  project.provide('dynamoEndpoint', dynamo.endpoint);
}

export async function teardown(): Promise<void> {
  await dynamo?.stop();
}
