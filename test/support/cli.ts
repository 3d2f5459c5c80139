import { spawn } from 'node:child_process';
import { inject } from 'vitest';
import { DYNAMODB_ENDPOINT_VARIABLE } from '../../cli/dynamo.js';

/** The `refund-gate` command as npm installs it (`bin`), run as a user would. */
export const BIN = new URL('../../cli/bin.mjs', import.meta.url).pathname;

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `refund-gate <args>` to its end, collecting both output streams. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The environment for a CLI run that uses this test run's DynamoDB Local
 * (test/global-setup.ts) instead of starting a JVM of its own: what
 * `REFUND_GATE_DYNAMODB_ENDPOINT` is for. Tests of the embedded default
 * (start-up, Java missing, Ctrl-C, `npm start`) leave it out.
 */
export function sharedDynamoEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, [DYNAMODB_ENDPOINT_VARIABLE]: inject('dynamoEndpoint') };
}

/** One line of replay's standard output, parsed. */
export type JsonLine = Record<string, any>;

/** A {@link CliRun} whose standard output is JSON Lines (replay's), parsed. */
export interface ReplayRun extends CliRun {
  readonly lines: JsonLine[];
}

/** `refund-gate replay <args>` on this test run's DynamoDB Local ({@link sharedDynamoEnv}), its output lines parsed. */
export async function replayShared(args: readonly string[]): Promise<ReplayRun> {
  const run = await runCli(['replay', ...args], sharedDynamoEnv());
  return { ...run, lines: run.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as JsonLine) };
}
