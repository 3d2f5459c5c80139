// The project's import graph, read from the TypeScript sources: every static
// `import`/`export … from`, types included (a lazy `import()` is not an arrow:
// the command table loads its commands that way). Prints the cycles and the outward arrows;
// exits 1 when there is any (`npx tsx scripts/import-graph.ts`).
// test/unit/architecture.test.ts asserts there is none.
//
// Layers, innermost first: an arrow may point to its own layer or inward.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** [layer, path prefixes]: a file belongs to the first layer one of whose prefixes it starts with. */
export const LAYERS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['domain', ['shared/errors.ts', 'shared/domain/']],
  ['contract', ['shared/contract/', 'shared/routing.ts']],
  ['app', ['shared/app/']],
  ['adapters', ['shared/store/', 'shared/publish/', 'shared/carriers/', 'shared/archive/']],
  ['entry points', ['functions/', 'cli/']],
  ['outer', ['bench/', 'infra/', 'scripts/']],
];

const SOURCE_DIRS = ['shared', 'functions', 'cli', 'bench', 'infra', 'scripts'];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') out.push(...sources(path));
    } else if (/\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The relative modules a file loads when it is loaded. */
function arrowsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const found: string[] = [];
  const pattern = /^\s*(?:import|export)\s+(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm;
  for (const match of text.matchAll(pattern)) {
    const target = relative(root, resolve(root, dirname(file), match[1]!)).replace(/\.js$/, '.ts');
    found.push(target);
  }
  return found;
}

export function layerOf(file: string): number | undefined {
  const index = LAYERS.findIndex(([, prefixes]) => prefixes.some((p) => file === p || file.startsWith(p)));
  return index === -1 ? undefined : index;
}

export type ImportGraph = ReadonlyMap<string, readonly string[]>;

export function importGraph(): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const dir of SOURCE_DIRS) for (const file of sources(dir)) graph.set(file, arrowsOf(file));
  return graph;
}

/** Arrows from an inner layer to an outer one: `[from, to]`. */
export function outwardArrows(graph: ImportGraph): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      const [a, b] = [layerOf(from), layerOf(to)];
      if (a !== undefined && b !== undefined && b > a) out.push([from, to]);
    }
  }
  return out;
}

/** Every cycle once, as the files around it (Tarjan's strongly connected components of two or more files, or a self-import). */
export function cycles(graph: ImportGraph): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indexOf.has(v)) visit(v);
  return found;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const graph = importGraph();
  const outward = outwardArrows(graph);
  const loops = cycles(graph);
  for (const [from, to] of outward) process.stdout.write(`outward: ${from} -> ${to}\n`);
  for (const loop of loops) process.stdout.write(`cycle: ${loop.join(' <-> ')}\n`);
  process.stdout.write(`${graph.size} files, ${outward.length} outward arrows, ${loops.length} cycles\n`);
  process.exitCode = outward.length + loops.length === 0 ? 0 : 1;
}
