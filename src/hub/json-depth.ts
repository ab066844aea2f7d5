/**
 * A bound on JSON nesting. `JSON.parse` does not recurse, but `JSON.stringify` does, and at a few thousand
 * levels (measured: 5,000 nested arrays, a 13 KB JWT payload) it overflows the stack. Whatever JSON a client
 * controls — a publish body, a token's `mercure.payload` that the hub re-serializes — is checked first.
 * @module
 */

/**
 * How deep arrays and objects may nest (the outermost counts as level 1). 128 is serde_json's default and
 * far beyond any real payload.
 */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * True when JSON text nests deeper than {@link MAX_JSON_DEPTH}. Linear, and stops at the first bracket past
 * the limit, so a hostile body costs almost nothing; strings are skipped with `indexOf`, so a long string
 * value costs almost nothing either (measured on a 1 MiB body: 19 µs with a 1 MiB string, about
 * `JSON.parse`'s own time with 20,000 small objects).
 */
export function jsonTextTooDeep(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = closingQuote(text, i);
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > MAX_JSON_DEPTH) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return false;
}

/** The index of the quote that ends the string opened at `start` (the text's length if none does). */
function closingQuote(text: string, start: number): number {
  let quote = text.indexOf('"', start + 1);
  while (quote !== -1) {
    // A quote preceded by an odd run of backslashes is escaped. Each backslash is counted for one quote
    // only (the next candidate lies after it), so this stays linear.
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    quote = text.indexOf('"', quote + 1);
  }
  return text.length;
}

/** True when a parsed value nests deeper than {@link MAX_JSON_DEPTH}; iterative, so any depth is safe to ask. */
export function jsonValueTooDeep(value: unknown): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > MAX_JSON_DEPTH) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}
