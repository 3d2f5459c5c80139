// The house's size limits, read from the sources with the TypeScript compiler:
// no function over MAX_FUNCTION_LINES lines (declarations, methods, constructors,
// accessors, arrow functions and function expressions, signature included, each
// nested function counted on its own) and no source file over MAX_FILE_LINES lines.
// Tests, cli/dist and generated files are not held to them. Prints every offender;
// exits 1 when there is any (`npx tsx scripts/size-limits.ts`, part of `npm run architecture`).
// test/unit/architecture.test.ts asserts there is none.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const MAX_FUNCTION_LINES = 80;
export const MAX_FILE_LINES = 400;

const SOURCE_DIRS = ['infra', 'cli', 'shared', 'functions', 'bench', 'scripts'];
/** Directories never walked: dependencies and build output. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'schemas']);
const SOURCE_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;
/** A file saying so in its first lines is generated, and not held to the limits. */
const GENERATED_MARK = /@generated|do not edit/i;

/** A function or a file over its limit. `name` is absent for a file. */
export interface Oversized {
  readonly file: string;
  /** 1-based line where it starts. */
  readonly line: number;
  readonly name?: string;
  readonly lines: number;
}

/** The product's source files, relative to the repository root, generated files excluded. */
export function sourceFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : walk(path);
      return SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
    });
  return SOURCE_DIRS.flatMap(walk)
    .filter((file) => !isGenerated(readFileSync(join(root, file), 'utf8')))
    .sort();
}

export function isGenerated(text: string): boolean {
  return GENERATED_MARK.test(text.split('\n', 5).join('\n'));
}

function scriptKindOf(file: string): ts.ScriptKind {
  return /\.[cm]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
}

/** What a reader would call the function: its own name, its class's, or the name it is bound to. */
function nameOf(node: ts.FunctionLikeDeclaration): string {
  const own = node.name && !ts.isComputedPropertyName(node.name) ? node.name.getText() : undefined;
  const owner = ts.isClassLike(node.parent) ? (node.parent.name?.getText() ?? '<class>') : undefined;
  if (ts.isConstructorDeclaration(node)) return `${owner ?? '<class>'}.constructor`;
  if (own !== undefined) {
    const prefix = ts.isGetAccessor(node) ? 'get ' : ts.isSetAccessor(node) ? 'set ' : '';
    return owner === undefined ? `${prefix}${own}` : `${owner}.${prefix}${own}`;
  }
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && !ts.isComputedPropertyName(parent.name)) {
    return parent.name.getText();
  }
  return ts.isArrowFunction(node) ? '<arrow function>' : '<function>';
}

function isMeasured(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessor(node) ||
    ts.isSetAccessor(node) ||
    ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node)
  );
}

/** Every function in one file's text longer than `limit` lines, from its first token to its last. */
export function oversizedFunctions(file: string, text: string, limit = MAX_FUNCTION_LINES): Oversized[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKindOf(file));
  const lineOf = (position: number) => source.getLineAndCharacterOfPosition(position).line;
  const found: Oversized[] = [];
  const visit = (node: ts.Node): void => {
    if (isMeasured(node) && node.body !== undefined) {
      const first = lineOf(node.getStart(source));
      const lines = lineOf(node.getEnd()) - first + 1;
      if (lines > limit) found.push({ file, line: first + 1, name: nameOf(node), lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Lines in a file's text, a final newline not counted as the start of another. */
export function lineCount(text: string): number {
  return text.length === 0 ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** Every function over {@link MAX_FUNCTION_LINES} and every file over {@link MAX_FILE_LINES} in the product's sources. */
export function oversized(files: readonly string[] = sourceFiles()): { functions: Oversized[]; files: Oversized[] } {
  const functions: Oversized[] = [];
  const longFiles: Oversized[] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    functions.push(...oversizedFunctions(file, text));
    const lines = lineCount(text);
    if (lines > MAX_FILE_LINES) longFiles.push({ file, line: 1, lines });
  }
  return { functions, files: longFiles };
}

/** One offender as a line of the report: `file:line name (N lines)`. */
export function reportLine(item: Oversized): string {
  return `${item.file}:${item.line}${item.name === undefined ? '' : ` ${item.name}`} (${item.lines} lines)`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = sourceFiles();
  const found = oversized(files);
  for (const item of found.functions) process.stdout.write(`function over ${MAX_FUNCTION_LINES} lines: ${reportLine(item)}\n`);
  for (const item of found.files) process.stdout.write(`file over ${MAX_FILE_LINES} lines: ${reportLine(item)}\n`);
  process.stdout.write(`${files.length} files, ${found.functions.length} functions over ${MAX_FUNCTION_LINES} lines, ${found.files.length} files over ${MAX_FILE_LINES} lines\n`);
  process.exitCode = found.functions.length + found.files.length === 0 ? 0 : 1;
}
