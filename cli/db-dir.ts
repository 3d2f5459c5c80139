import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { resolve, join } from 'node:path';
import { resolveSettings, type Settings } from '../shared/contract/config.js';
import { ContractValidationError } from '../shared/contract/errors.js';
import { RefundGateError } from '../shared/errors.js';
import type { RuntimeSnapshot } from './runtime.js';
import { EXIT, type ExitStatusError } from './exit.js';

/**
 * A kept local deployment (`--db <dir>`): DynamoDB Local's data file, plus
 * `refund-gate.json` with what the next command needs to carry on
 * consistently: the settings the data was made with, the business clock, the
 * last sweep and where the stream was read to; and `archive/`, the evidence
 * archive of the returns it closed (the bucket's layout, see `./wiring.ts`).
 * One command at a time uses a directory (`refund-gate.lock`), because
 * DynamoDB Local's file is not meant for two processes.
 */
const META_FILE = 'refund-gate.json';
/** The kept run's evidence archive, under the directory: `archive/returns/<day>/<first>-<last>.jsonl.gz`. */
export const ARCHIVE_DIR = 'archive';
const LOCK_FILE = 'refund-gate.lock';
/** The kept DynamoDB Local's record (`./db-server.ts`). */
const SERVER_RECORD = 'dynamodb-local.json';
const FORMAT = 1;

/** The directory is used by another refund-gate command (a console, a replay) right now. */
export class DbDirInUseError extends RefundGateError implements ExitStatusError {
  public readonly exitStatus: number = EXIT.failed;

  public constructor(dir: string, pid: number) {
    super(`${dir} is in use by another refund-gate command (pid ${pid}); stop it or use another --db directory`, { context: { dir, pid } });
    this.name = 'DbDirInUseError';
  }
}

/** The directory's data was made with other settings than the --config given now. */
export class DbDirSettingsError extends RefundGateError implements ExitStatusError {
  public readonly exitStatus: number = EXIT.failed;

  public constructor(message: string) {
    super(message);
    this.name = 'DbDirSettingsError';
  }
}

/** `--db` names no kept run (a mistyped path), or a file: said in one line, and nothing is created. */
export class DbDirNotKeptError extends DbDirSettingsError {
  public constructor(dir: string, why: 'missing' | 'file' | 'not-kept') {
    super(
      why === 'file'
        ? `--db ${dir} is a file; --db names a directory (a kept run: refund-gate replay <events.jsonl> --db <dir> makes one)`
        : `--db ${dir} is not a kept run (${why === 'missing' ? 'no such directory' : `no ${META_FILE} in it`}); make one with: refund-gate replay <events.jsonl> --db ${dir}`,
    );
    this.name = 'DbDirNotKeptError';
  }
}

interface Meta {
  readonly format: number;
  /** The settings input the data was made with (replay's --config), as written. */
  readonly config: unknown;
  readonly snapshot: RuntimeSnapshot;
}

export interface LocalDb {
  /** Absolute path, for DynamoDB Local's -dbPath. */
  readonly path: string;
  /** Absolute path of the evidence archive the run writes and `explain` reads (`<path>/archive`). */
  readonly archiveDir: string;
  readonly settings: Settings;
  /** Undefined for a new directory. */
  readonly resume: RuntimeSnapshot | undefined;
  /** Save the runtime's snapshot (atomically: write, then rename). */
  save(snapshot: RuntimeSnapshot): Promise<void>;
  /** Release the lock; safe to call twice. */
  release(): Promise<void>;
}

/**
 * Open (creating it if needed, with `create`) and lock a kept directory. `config` is the
 * settings input of this command's --config, if any: it must equal the one
 * the data was made with, or the directory must be new. Without `create`
 * (the review tools, `stop`) the directory must be a kept run already.
 */
export async function openLocalDb(dir: string, config: unknown | undefined, options: { readonly create?: boolean } = {}): Promise<LocalDb> {
  const path = resolve(dir);
  await checkDir(dir, path, options.create ?? true);
  await lock(path);
  try {
    const meta = await readMeta(path);
    if (meta && config !== undefined && JSON.stringify(resolveSettings(config)) !== JSON.stringify(resolveSettings(meta.config))) {
      throw new DbDirSettingsError(`--config differs from the settings the data in ${dir} was made with; use a new --db directory`);
    }
    const effective = meta ? meta.config : (config ?? {});
    const settings = resolveSettings(effective);
    let released = false;
    return {
      path,
      archiveDir: join(path, ARCHIVE_DIR),
      settings,
      resume: meta?.snapshot,
      save: async (snapshot) => {
        const body: Meta = { format: FORMAT, config: effective, snapshot };
        const tmp = join(path, `${META_FILE}.${process.pid}.tmp`);
        await writeFile(tmp, `${JSON.stringify(body, null, 2)}\n`);
        await rename(tmp, join(path, META_FILE));
      },
      release: async () => {
        if (released) return;
        released = true;
        await rm(join(path, LOCK_FILE), { force: true });
      },
    };
  } catch (error) {
    await rm(join(path, LOCK_FILE), { force: true });
    throw error;
  }
}

async function checkDir(dir: string, path: string, create: boolean): Promise<void> {
  const kind = await stat(path).then(
    (s) => (s.isDirectory() ? 'dir' : 'file'),
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return 'missing';
      if (error.code === 'ENOTDIR') return 'file';
      throw error;
    },
  );
  if (kind === 'file') throw new DbDirNotKeptError(dir, 'file');
  if (create) {
    if (kind === 'missing') await mkdir(path, { recursive: true });
    return;
  }
  if (kind === 'missing') throw new DbDirNotKeptError(dir, 'missing');
  const meta = await stat(join(path, META_FILE)).catch(() => undefined);
  if (meta === undefined) throw new DbDirNotKeptError(dir, 'not-kept');
}

async function readMeta(path: string): Promise<Meta | undefined> {
  let text: string;
  try {
    text = await readFile(join(path, META_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const meta = JSON.parse(text) as Meta;
  if (meta.format !== FORMAT) throw new DbDirSettingsError(`${join(path, META_FILE)}: unknown format ${String(meta.format)}`);
  try {
    resolveSettings(meta.config);
  } catch (error) {
    if (error instanceof ContractValidationError) throw new DbDirSettingsError(`${join(path, META_FILE)}: ${error.message}`);
    throw error;
  }
  return meta;
}

/**
 * Take the directory's lock file; a lock left by a process that is gone is
 * taken over. The kept DynamoDB Local's keeper takes it for the moment it
 * stops an idle server (`./db-server.ts`): that is waited for.
 */
async function lock(path: string): Promise<void> {
  const file = join(path, LOCK_FILE);
  const waitUntil = Date.now() + 15_000;
  let takeovers = 0;
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        if (!(await keeperStopping(path, pid)) || Date.now() > waitUntil) throw new DbDirInUseError(path, pid);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (++takeovers > 1) throw new DbDirInUseError(path, 0);
      await rm(file, { force: true });
    }
  }
}

/** Whether the lock's holder is the directory's DynamoDB Local keeper (stopping an idle server). */
async function keeperStopping(path: string, pid: number): Promise<boolean> {
  const record = await readFile(join(path, SERVER_RECORD), 'utf8').catch(() => '');
  // The keeper removes its record as it stops: a holder that is no command and has no record is a keeper leaving.
  if (record === '') return readFile(`/proc/${pid}/cmdline`, 'utf8').then((c) => c.includes('db-keeper.mjs'), () => false);
  try {
    return (JSON.parse(record) as { keeperPid?: unknown }).keeperPid === pid;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
