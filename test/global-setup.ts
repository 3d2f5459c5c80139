import type { TestProject } from 'vitest/node';
import { JavaMissingError, startDynamoLocal, type LocalDynamo } from '../cli/dynamo.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

/**
 * One DynamoDB Local (AWS's own jar, in memory, free port) for the whole run;
 * each integration test file creates its own table. Always stopped at the end.
 *
 * Vitest runs a global setup once per project (test/vitest.config.ts has two),
 * in its main process: the projects share one server through this process's
 * globals (a JVM each cost a start and its idle CPU for the whole run), and
 * the last project's teardown stops it.
 */
const shared = globalThis as typeof globalThis & { refundGateTestDynamo?: { started: Promise<LocalDynamo>; users: number } };

export async function setup(project: TestProject): Promise<void> {
  // The SDK warns that its releases after January 2027 need Node 22; the lockfile pins one that runs on 20.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  shared.refundGateTestDynamo ??= { started: startDynamoLocal(), users: 0 };
  shared.refundGateTestDynamo.users += 1;
  let dynamo: LocalDynamo;
  try {
    dynamo = await shared.refundGateTestDynamo.started;
  } catch (error) {
    if (error instanceof JavaMissingError) {
      throw new Error(`integration tests need DynamoDB Local: ${error.message}`);
    }
    throw error;
  }
  project.provide('dynamoEndpoint', dynamo.endpoint);
}

export async function teardown(): Promise<void> {
  const run = shared.refundGateTestDynamo;
  if (!run) return;
  run.users -= 1;
  if (run.users > 0) return;
  shared.refundGateTestDynamo = undefined;
  await (await run.started.catch(() => undefined))?.stop();
}
