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

/** True when JSON text nests deeper than {@link MAX_JSON_DEPTH}; one linear pass, brackets in strings skipped. */
export function jsonTextTooDeep(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > MAX_JSON_DEPTH) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
  return false;
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
