/**
 * The regular expressions of URL pattern components as a small tree (a {@link Node}), for the linear-time
 * automaton of url-pattern-program.ts — including the custom regexp groups a pattern may hold
 * (`:id(\\d+)`), in the subset a finite automaton can run: characters, escapes, classes, `.`, `(?:…)`, `|`
 * and the quantifiers `?` `*` `+` `{n,m}` (lazy or not). Assertions (`^`, `$`, `\b`, lookarounds) and
 * backreferences are refused: `undefined`, and the pattern is refused. `urlpattern-polyfill` has already
 * validated the expression (a `u`-flag JavaScript regular expression), so this parser only has to read it.
 *
 * Classes are ASCII bitmaps: the URL parser percent-encodes every non-ASCII code point of every component
 * (its percent-encode sets all include the code points above U+007E), so a component is always ASCII.
 * @module
 */

/** A set of code units: one flag per ASCII code unit, and index 128 for every code unit above it. */
export type CharSet = Uint8Array;

/** A regular expression over code units. */
export type Node =
  | { readonly t: 'char'; readonly code: number }
  | { readonly t: 'class'; readonly set: CharSet }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly options: readonly Node[] }
  | { readonly t: '?' | '*' | '+'; readonly item: Node };

const NON_ASCII = 128;

/** A set of the code units `include` accepts, and of every non-ASCII one when `nonAscii`. */
export function charSet(include: (code: number) => boolean, nonAscii: boolean): CharSet {
  const set = new Uint8Array(129);
  for (let code = 0; code < 128; code++) set[code] = include(code) ? 1 : 0;
  set[NON_ASCII] = nonAscii ? 1 : 0;
  return set;
}

function invert(set: CharSet): CharSet {
  return set.map((flag) => 1 - flag);
}

function union(into: CharSet, from: CharSet): void {
  for (let i = 0; i < into.length; i++) into[i]! |= from[i]!;
}

const isDigit = (code: number) => code >= 0x30 && code <= 0x39;
const isWord = (code: number) =>
  isDigit(code) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
// spec(ECMA-262 §WhiteSpace, §LineTerminator): the ASCII ones are TAB, LF, VT, FF, CR and SPACE.
const isSpace = (code: number) => (code >= 0x09 && code <= 0x0d) || code === 0x20;

const CLASS_ESCAPES: ReadonlyMap<string, CharSet> = new Map([
  ['d', charSet(isDigit, false)],
  ['D', charSet((code) => !isDigit(code), true)],
  ['w', charSet(isWord, false)],
  ['W', charSet((code) => !isWord(code), true)],
  ['s', charSet(isSpace, true)],
  ['S', charSet((code) => !isSpace(code), true)],
]);

/** `.` without the `s` flag: anything but a line terminator. */
export const DOT: CharSet = charSet((code) => code !== 0x0a && code !== 0x0d, true);

const CONTROL_ESCAPES: ReadonlyMap<string, number> = new Map([
  ['t', 0x09],
  ['n', 0x0a],
  ['v', 0x0b],
  ['f', 0x0c],
  ['r', 0x0d],
]);

/** Characters a `u`-flag identity escape may name (ECMA-262 SyntaxCharacter and `/`). */
const SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));

/** Most copies a `{n,m}` may make of its atom; past it the expression is refused. */
const MAX_REPEAT = 32;

/**
 * Most nodes one expression may expand to (`{n,m}` copies its atom, and copies may nest): it bounds the
 * automaton, hence the cost of each step of a match.
 */
export const MAX_REGEXP_NODES = 2048;

const sizes = new WeakMap<Node, number>();

/** How many nodes `node` expands to; shared copies are counted each time, their size computed once. */
export function nodeSize(node: Node): number {
  let size = sizes.get(node);
  if (size !== undefined) return size;
  if (node.t === 'seq') size = 1 + node.items.reduce((n, item) => n + nodeSize(item), 0);
  else if (node.t === 'alt') size = 1 + node.options.reduce((n, option) => n + nodeSize(option), 0);
  else if (node.t === 'char' || node.t === 'class') size = 1;
  else size = 1 + nodeSize(node.item);
  sizes.set(node, size);
  return size;
}

/** Parses a `u`-flag regular expression; `undefined` when it needs more than a finite automaton. */
export function parseRegexp(source: string): Node | undefined {
  let at = 0;
  const peek = () => source[at];

  function disjunction(): Node | undefined {
    const options: Node[] = [];
    for (;;) {
      const alternative = sequence();
      if (alternative === undefined) return undefined;
      options.push(alternative);
      if (peek() !== '|') break;
      at++;
    }
    return options.length === 1 ? options[0] : { t: 'alt', options };
  }

  function sequence(): Node | undefined {
    const items: Node[] = [];
    while (at < source.length && peek() !== '|' && peek() !== ')') {
      const atom = parseAtom();
      if (atom === undefined) return undefined;
      const quantified = quantifier(atom);
      if (quantified === undefined) return undefined;
      items.push(quantified);
    }
    return { t: 'seq', items };
  }

  function parseAtom(): Node | undefined {
    const char = source[at++]!;
    if (char === '.') return { t: 'class', set: DOT };
    if (char === '[') return characterClass();
    if (char === '\\') return atomEscape();
    if (char === '(') {
      if (!source.startsWith('?:', at)) return undefined; // lookarounds, named and capturing groups
      at += 2;
      const inner = disjunction();
      if (inner === undefined || source[at++] !== ')') return undefined;
      return inner;
    }
    if ('^$*+?{}])|'.includes(char)) return undefined;
    return { t: 'char', code: char.charCodeAt(0) };
  }

  function quantifier(atom: Node): Node | undefined {
    const char = peek();
    let node: Node;
    if (char === '?' || char === '*' || char === '+') {
      at++;
      node = { t: char, item: atom };
    } else if (char === '{') {
      const bounds = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at));
      if (bounds === null) return undefined;
      at += bounds[0].length;
      const min = Number(bounds[1]);
      const max = bounds[2] === undefined ? min : bounds[3] === '' ? Number.POSITIVE_INFINITY : Number(bounds[3]);
      if (min > MAX_REPEAT || (max !== Number.POSITIVE_INFINITY && max > MAX_REPEAT) || max < min) return undefined;
      const copies = max === Number.POSITIVE_INFINITY ? min + 1 : max;
      if (nodeSize(atom) * copies > MAX_REGEXP_NODES) return undefined;
      node = repeat(atom, min, max);
    } else return atom;
    if (peek() === '?') at++; // lazy: the same language
    return node;
  }

  function atomEscape(): Node | undefined {
    const char = source[at++];
    if (char === undefined) return undefined;
    const set = CLASS_ESCAPES.get(char);
    if (set !== undefined) return { t: 'class', set };
    const code = escapedCode(char);
    return code === undefined ? undefined : { t: 'char', code };
  }

  /** The code unit of a character escape (after its `\`); `undefined` for assertions and backreferences. */
  function escapedCode(char: string): number | undefined {
    const control = CONTROL_ESCAPES.get(char);
    if (control !== undefined) return control;
    if (SYNTAX.has(char)) return char.charCodeAt(0);
    if (char === '0' && !isDigit(source.charCodeAt(at))) return 0;
    if (char === 'c' && /^[A-Za-z]/.test(source.slice(at, at + 1))) return source.charCodeAt(at++) % 32;
    const hex = char === 'x' ? /^[0-9A-Fa-f]{2}/.exec(source.slice(at)) : char === 'u' ? unicodeEscape() : null;
    if (hex === null || hex === undefined) return undefined;
    at += hex[0].length;
    const value = Number.parseInt(hex[0].replace(/[{}]/g, ''), 16);
    // A code point past U+FFFF is two code units; no URL component holds it (they are ASCII), so one unit
    // that no input has stands for it.
    return value > 0xffff ? 0x110000 : value;
  }

  function unicodeEscape(): RegExpExecArray | null {
    return /^(?:[0-9A-Fa-f]{4}|\{[0-9A-Fa-f]{1,6}\})/.exec(source.slice(at));
  }

  function characterClass(): Node | undefined {
    const negated = peek() === '^';
    if (negated) at++;
    const set = charSet(() => false, false);
    while (peek() !== ']') {
      const low = classAtom();
      if (low === undefined) return undefined;
      if (peek() === '-' && source[at + 1] !== ']' && at + 1 < source.length) {
        at++;
        const high = classAtom();
        if (high === undefined || typeof low !== 'number' || typeof high !== 'number' || high < low) return undefined;
        union(
          set,
          charSet((code) => code >= low && code <= high, high >= 128),
        );
      } else if (typeof low === 'number')
        union(
          set,
          charSet((code) => code === low, low >= 128),
        );
      else union(set, low);
    }
    at++;
    return { t: 'class', set: negated ? invert(set) : set };
  }

  /** A class member: a code unit, or the set of `\d`, `\w`, `\s` and their complements. */
  function classAtom(): number | CharSet | undefined {
    const char = source[at++];
    if (char === undefined) return undefined;
    if (char !== '\\') return char.charCodeAt(0);
    const escaped = source[at++];
    if (escaped === undefined) return undefined;
    const set = CLASS_ESCAPES.get(escaped);
    if (set !== undefined) return set;
    if (escaped === 'b') return 0x08;
    if (escaped === '-') return 0x2d;
    return escapedCode(escaped);
  }

  const node = disjunction();
  if (node === undefined || at !== source.length || nodeSize(node) > MAX_REGEXP_NODES) return undefined;
  return node;
}

/** `atom{min,max}` as copies: `min` required, then `max - min` optional ones (or a `*` when unbounded). */
function repeat(atom: Node, min: number, max: number): Node {
  const items: Node[] = Array.from({ length: min }, () => atom);
  if (max === Number.POSITIVE_INFINITY) items.push({ t: '*', item: atom });
  else for (let i = min; i < max; i++) items.push({ t: '?', item: atom });
  return { t: 'seq', items };
}
