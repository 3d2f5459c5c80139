import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoLocalStartError, dynamoLocalEnv, javaAvailable, JavaMissingError, localDynamoClient, type LocalDynamo } from './dynamo.js';

/**
 * A kept run's DynamoDB Local outlives the command that started it, so that
 * the next analyst command answers in a second instead of waiting for a JVM.
 *
 * The first command that needs the directory's data starts `db-keeper.mjs`
 * detached; the keeper starts DynamoDB Local on the directory and records
 * its port and process ids in `<dir>/dynamodb-local.json`. Every later
 * command, holding the directory's lock (`./db-dir.ts`: one command at a
 * time, so never two JVMs on one data file), checks that record (both
 * processes alive, the JVM's command line names this directory and port,
 * the port answers) and connects to it; a stale record (a process gone, the
 * port taken by something else) is cleared and a new server started. The
 * keeper stops DynamoDB Local after `REFUND_GATE_DB_IDLE_SECONDS` (default
 * 900) without a command, when the record is removed (`refund-gate stop
 * --db <dir>`, or the directory deleted), or on SIGTERM.
 * `REFUND_GATE_DB_IDLE_SECONDS=0` keeps nothing running: each command starts
 * and stops its own DynamoDB Local, as before.
 */
export const SERVER_RECORD = 'dynamodb-local.json';
const DEFAULT_IDLE_SECONDS = 900;
const KEEPER = fileURLToPath(new URL('./db-keeper.mjs', import.meta.url));

export interface ServerRecord {
  readonly format: 1;
  readonly keeperPid: number;
  readonly javaPid: number;
  readonly port: number;
  readonly dbPath: string;
  readonly idleSeconds: number;
  readonly startedAt: string;
  readonly token: string;
}

/** Seconds a kept run's DynamoDB Local waits for the next command (0: none is kept). */
export function idleSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const text = env['REFUND_GATE_DB_IDLE_SECONDS'];
  if (text === undefined || text === '') return DEFAULT_IDLE_SECONDS;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new DynamoLocalStartError(`REFUND_GATE_DB_IDLE_SECONDS: expected a whole number of seconds, got "${text}"`);
  return n;
}

export async function readServerRecord(dbPath: string): Promise<ServerRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(join(dbPath, SERVER_RECORD), 'utf8')) as ServerRecord;
    return record.format === 1 && Number.isInteger(record.port) && Number.isInteger(record.keeperPid) ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The directory's running DynamoDB Local, or a new kept one. The caller holds
 * the directory's lock. Undefined when none runs and none is to be kept
 * (idle 0): the caller starts its own.
 */
export async function keptDynamoLocal(dbPath: string): Promise<LocalDynamo | undefined> {
  const record = await readServerRecord(dbPath);
  if (record !== undefined) {
    if (await healthy(record, dbPath)) return attach(record, dbPath);
    await clearStale(record, dbPath);
  } else if (existsSync(join(dbPath, SERVER_RECORD))) {
    await rm(join(dbPath, SERVER_RECORD), { force: true });
  }
  const idle = idleSeconds();
  if (idle === 0) return undefined;
  return attach(await startKeeper(dbPath, idle), dbPath);
}

/**
 * Stop the directory's DynamoDB Local, if one runs (the caller holds the
 * directory's lock). Returns the record of the server stopped.
 */
export async function stopDbServer(dbPath: string): Promise<ServerRecord | undefined> {
  const record = await readServerRecord(dbPath);
  if (record === undefined) return undefined;
  await clearStale(record, dbPath);
  return record;
}

function attach(record: ServerRecord, dbPath: string): LocalDynamo {
  const touch = () => utimes(join(dbPath, SERVER_RECORD), new Date(), new Date()).catch(() => undefined);
  void touch();
  // Stopping a command leaves the server running: it only marks the directory as just used.
  return { endpoint: `http://127.0.0.1:${record.port}`, port: record.port, stop: touch };
}

async function healthy(record: ServerRecord, dbPath: string): Promise<boolean> {
  if (!alive(record.keeperPid) || !alive(record.javaPid)) return false;
  if (!commandLineHas(record.javaPid, ['-dbPath', dbPath, '-port', String(record.port)])) return false;
  if (!commandLineHas(record.keeperPid, [KEEPER, dbPath])) return false;
  const probe = localDynamoClient(`http://127.0.0.1:${record.port}`);
  try {
    await probe.send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(3000) });
    return true;
  } catch {
    return false;
  } finally {
    probe.destroy();
  }
}

/** Stop what is left of a server: its keeper and JVM, each only if it is provably this directory's; then drop the record. */
async function clearStale(record: ServerRecord, dbPath: string): Promise<void> {
  const pids: number[] = [];
  if (alive(record.keeperPid) && commandLineHas(record.keeperPid, [KEEPER, dbPath])) pids.push(record.keeperPid);
  if (alive(record.javaPid) && commandLineHas(record.javaPid, ['-dbPath', dbPath, '-port', String(record.port)])) pids.push(record.javaPid);
  // The keeper stops its JVM when its record goes: remove it first, then signal.
  await rm(join(dbPath, SERVER_RECORD), { force: true });
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + 8000;
  while (pids.some(alive)) {
    if (Date.now() > deadline) {
      for (const pid of pids) signal(pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startKeeper(dbPath: string, idle: number): Promise<ServerRecord> {
  if (!javaAvailable()) throw new JavaMissingError();
  const token = randomUUID();
  const child = spawn(process.execPath, [KEEPER, dbPath, String(idle), token], {
    detached: true,
    cwd: '/',
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: dynamoLocalEnv(),
  });
  try {
    const message = await new Promise<{ ok: boolean; record?: ServerRecord; error?: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { ok: boolean }));
      child.once('error', reject);
      child.once('exit', (code) => resolve({ ok: false, error: `the DynamoDB Local keeper exited (${String(code)})` }));
    });
    if (!message.ok || message.record === undefined) throw new DynamoLocalStartError(message.error ?? 'DynamoDB Local did not start');
    return message.record;
  } finally {
    if (child.connected) child.disconnect();
    child.unref();
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/**
 * Whether the process's command line holds these arguments in this order
 * (a pid or a port reused by another program fails it). Where /proc is not
 * there (macOS) the pid and the port's answer are all there is to go on.
 */
function commandLineHas(pid: number, args: readonly string[]): boolean {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return !existsSync('/proc/self/cmdline');
  }
  let from = 0;
  for (const arg of args) {
    const at = argv.indexOf(arg, from);
    if (at < 0) return false;
    from = at + 1;
  }
  return true;
}
