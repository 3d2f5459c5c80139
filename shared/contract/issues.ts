import type * as z from 'zod';
import type { FieldIssue } from './errors.js';

/** Turn zod issues into short `path: message` pairs a warehouse engineer can act on. */
export function issuesOf(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: joinPath(prefix, issue.path),
    message: describe(issue),
  }));
}

function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  const parts = path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)));
  const joined = parts.reduce((acc, p) => (p.startsWith('[') || acc === '' ? acc + p : `${acc}.${p}`), '');
  if (!prefix) return joined || '(root)';
  return joined ? (joined.startsWith('[') ? prefix + joined : `${prefix}.${joined}`) : prefix;
}

const TYPE_NAMES: Record<string, string> = { int: 'integer', record: 'object' };

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      return /received undefined/.test(issue.message) ? `required (expected ${expected})` : `expected ${expected}`;
    }
    case 'too_small':
      if (issue.origin === 'string') return `must not be shorter than ${issue.minimum} character(s)`;
      if (issue.origin === 'array') return `must have at least ${issue.minimum} element(s)`;
      return `must be ${issue.inclusive === false ? '>' : '≥'} ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `must not be longer than ${issue.maximum} characters`;
      if (issue.origin === 'array') return `must have at most ${issue.maximum} elements`;
      if (issue.origin === 'int' || issue.origin === 'number') return `must be ≤ ${issue.maximum}`;
      return `too big (max ${issue.maximum})`;
    case 'invalid_format':
      return issue.format === 'datetime'
        ? 'expected ISO 8601 timestamp with offset (Z or ±hh:mm)'
        : issue.message || `invalid ${issue.format}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown setting(s): ${issue.keys.join(', ')}`;
    default:
      return issue.message;
  }
}
