import { readFileSync } from 'node:fs';
import { access, constants, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { RefundGateError } from '../shared/errors.js';
import { EXIT, type ExitStatusError } from './exit.js';

/** The package's version, from package.json (the bundle reads the same file). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/** An output directory that cannot be created or written. */
export class OutputDirError extends RefundGateError implements ExitStatusError {
  public readonly exitStatus: number = EXIT.failed;

  public constructor(option: string, path: string, options: { cause: unknown }) {
    super(`${option} ${path}: cannot write there (${reasonOf(options.cause)})`, options);
    this.name = 'OutputDirError';
  }
}

/** Create the directory (and its parents) and check it is writable, or throw {@link OutputDirError}. */
export async function prepareOutDir(option: string, path: string): Promise<string> {
  const dir = resolve(path);
  try {
    // Parent by parent rather than `mkdir({ recursive: true })`, which never
    // returns on some pseudo file systems (Node 20 loops on /proc/<missing>/x).
    const missing: string[] = [];
    let existing = dir;
    while (!(await exists(existing))) {
      missing.unshift(existing);
      const parent = dirname(existing);
      if (parent === existing) break;
      existing = parent;
    }
    for (const d of missing) await mkdir(d);
    await access(dir, constants.W_OK);
  } catch (cause) {
    throw new OutputDirError(option, path, { cause });
  }
  return dir;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

const REASONS: ReadonlyMap<string, string> = new Map([
  ['EACCES', 'permission denied'],
  ['ENOENT', 'no such parent directory'],
  ['EPERM', 'operation not permitted'],
  ['EROFS', 'read-only file system'],
  ['ENOTDIR', 'a parent is a file, not a directory'],
  ['EEXIST', 'a file of that name exists'],
  ['ENOSPC', 'no space left on the device'],
  ['ENAMETOOLONG', 'the name is too long'],
]);

function reasonOf(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return (code && REASONS.get(code)) ?? code ?? String(cause);
}
