import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
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
 * Open (creating it if needed) and lock a kept directory. `config` is the
 * settings input of this command's --config, if any: it must equal the one
 * the data was made with, or the directory must be new.
 */
export async function openLocalDb(dir: string, config: unknown | undefined): Promise<LocalDb> {
  const path = resolve(dir);
  await mkdir(path, { recursive: true });
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

/** Take the directory's lock file; a lock left by a process that is gone is taken over. */
async function lock(path: string): Promise<void> {
  const file = join(path, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new DbDirInUseError(path, pid);
      await rm(file, { force: true });
    }
  }
  throw new DbDirInUseError(path, 0);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
