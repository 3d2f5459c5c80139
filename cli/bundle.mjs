// Which CLI bin.mjs runs: the compiled bundle when it is up to date, else the sources.
import { readFileSync, statSync } from 'node:fs';

/**
 * The bundle's URL if it exists and none of the sources listed in its
 * metadata (`{ "inputs": [paths relative to root] }`, written by build.mjs)
 * is newer than it or gone; otherwise undefined (run the TypeScript).
 *
 * @param {{ bundle: URL, meta: URL, root: URL }} where
 * @returns {URL | undefined}
 */
export function freshBundle({ bundle, meta, root }) {
  try {
    const builtAtMs = statSync(bundle).mtimeMs;
    const { inputs } = JSON.parse(readFileSync(meta, 'utf8'));
    if (!Array.isArray(inputs) || inputs.length === 0) return undefined;
    for (const input of inputs) {
      if (typeof input !== 'string' || statSync(new URL(input, root)).mtimeMs > builtAtMs) return undefined;
    }
    return bundle;
  } catch {
    return undefined; // missing bundle, metadata or source
  }
}
