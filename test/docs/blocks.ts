import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** A fenced code block of a Markdown page, where it starts and what it says. */
export interface DocBlock {
  /** Path relative to the repository root. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The info string's first word (`bash`, `json`, `ts`, …), '' when none. */
  readonly lang: string;
  readonly text: string;
}

/** README.md and every page under docs/, in a stable order. */
export function docPages(root: string): string[] {
  const pages = ['README.md'];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) pages.push(path);
    }
  };
  walk('docs');
  return pages.map((p) => relative(root, join(root, p)));
}

/** Every fenced block (``` or ~~~) of one page. */
export function blocksOf(root: string, file: string): DocBlock[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  let open: { fence: string; line: number; lang: string; body: string[] } | undefined;
  lines.forEach((text, index) => {
    const fence = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/.exec(text);
    if (!open) {
      if (fence?.[1]) open = { fence: fence[1], line: index + 1, lang: fence[2] ?? '', body: [] };
      return;
    }
    if (fence?.[1]?.startsWith(open.fence) && text.trim() === fence[1]) {
      blocks.push({ file, line: open.line, lang: open.lang, text: open.body.join('\n') });
      open = undefined;
      return;
    }
    open.body.push(text);
  });
  return blocks;
}

/** One shell command of a block, continuation lines joined, with the output the page promises after it. */
export interface DocCommand {
  readonly command: string;
  /** Lines the page shows as this command's output (`#   …` comments after it, or a console block's output lines). */
  readonly expected: readonly string[];
}

/**
 * The commands of a shell block. In a `console`/`text` block only `$ ` lines
 * are commands and the lines after them are their output; in `bash`/`sh`
 * blocks every line is a command, a trailing `# …` is a remark and a comment
 * line indented after `#` (`#   released: …`) is promised output.
 */
export function commandsOf(block: DocBlock): DocCommand[] {
  const promptStyle = block.text.split('\n').some((l) => l.startsWith('$ '));
  const commands: { command: string; expected: string[] }[] = [];
  let pending = '';
  for (const raw of block.text.split('\n')) {
    if (promptStyle) {
      if (raw.startsWith('$ ')) commands.push({ command: raw.slice(2).trim(), expected: [] });
      else if (raw.trim() !== '') commands.at(-1)?.expected.push(raw.trim());
      continue;
    }
    const output = /^#\s{2,}(.*)$/.exec(raw);
    if (output?.[1] !== undefined && !pending) {
      commands.at(-1)?.expected.push(output[1].trim());
      continue;
    }
    const line = pending ? `${pending}${pending.endsWith('\n') ? '' : ' '}${raw.trim()}` : raw.trim();
    if (line.endsWith('\\')) {
      pending = line.slice(0, -1).trim();
      continue;
    }
    // A quote still open at the end of the line: the shell reads on (a JSON body over several lines).
    if (openQuote(line)) {
      pending = `${line}\n`;
      continue;
    }
    pending = '';
    const command = stripRemark(line);
    if (command) commands.push({ command, expected: [] });
  }
  return commands;
}

/** Whether a shell line ends inside a single- or double-quoted string. */
function openQuote(line: string): boolean {
  let quote: string | undefined;
  for (const c of line) {
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
  }
  return quote !== undefined;
}

/** A command without its trailing `# remark` (a `#` inside quotes stays). */
function stripRemark(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) return line.slice(0, i).trim();
  }
  return line.trim();
}

/** Whether `actual` shows the promised line, `…` standing for any text. */
export function showsLine(actual: string, promised: string): boolean {
  const pattern = promised
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*?');
  return new RegExp(pattern).test(actual);
}
