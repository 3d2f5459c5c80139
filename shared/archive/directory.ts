import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ArchiveError, type ArchiveStore } from './reader.js';

/**
 * The evidence archive in a local directory, with the bucket's layout
 * (`<root>/returns/<day>/<first>-<last>.jsonl.gz`): where a kept local run
 * (`--db <dir>`) archives closed returns (`<dir>/archive`), and where
 * `explain` reads them back. Writes are atomic (a temporary file, then a
 * rename), so a reader never sees half an object; rewriting a key replaces
 * it, as a retried batch makes a new version of the same key in S3.
 */
export class DirectoryArchive implements ArchiveStore {
  public readonly location: string;

  public constructor(root: string) {
    this.location = resolve(root);
  }

  public async list(prefix: string): Promise<string[]> {
    const folder = this.pathOf(prefix);
    let names: string[];
    try {
      names = await readdir(folder);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw new ArchiveError(`cannot list ${folder}: ${code ?? String(error)}`, { cause: error });
    }
    const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
    return names.filter((name) => name.endsWith('.jsonl.gz')).map((name) => `${base}${name}`);
  }

  public async get(key: string): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key);
    try {
      return await readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      throw new ArchiveError(`cannot read ${path}: ${code ?? String(error)}`, { cause: error });
    }
  }

  /** The archiver's sink (functions/archiver/app.ts `ArchiveSink`). */
  public async put(key: string, body: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, body);
    await rename(tmp, path);
  }

  /** A key's path under the root; a key that would leave it (`..`, absolute) is refused. */
  private pathOf(key: string): string {
    const path = resolve(this.location, ...key.split('/').filter((part) => part !== ''));
    const rel = relative(this.location, path);
    if (isAbsolute(key) || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
      throw new ArchiveError(`archive key ${JSON.stringify(key)} leaves ${this.location}`);
    }
    return rel === '' ? this.location : join(this.location, rel);
  }
}
