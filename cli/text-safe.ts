/**
 * Characters a terminal acts on rather than shows: C0 controls (ESC starts
 * the sequences that clear a screen, set a title or fake a line; BEL, CR,
 * backspace), DEL, C1 controls (U+009B is a one-character CSI on some
 * terminals), the bidirectional overrides and isolates that make text read
 * in another order than it is, and the Unicode line and paragraph separators.
 * Ids are opaque and may hold any of them: every text the CLI prints for a
 * person goes through {@link safeText}. JSON output is left exact (JSON
 * escapes C0 itself; a JSON reader sees the real id).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE_WITH_LINES = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escapeChar = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * The text with every such character written as `\uXXXX` (as JSON would
 * write it, so an id can be copied back). Newlines and tabs stay (a
 * multi-line report) unless `oneLine`, where they are escaped too (a table cell,
 * a value inside a line).
 */
export function safeText(text: string, options: { readonly oneLine?: boolean } = {}): string {
  return text.replace(options.oneLine ? UNSAFE_WITH_LINES : UNSAFE, escapeChar);
}
