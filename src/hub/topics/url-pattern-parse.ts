/**
 * The part list of one URL pattern component, as the URL Pattern standard parses a pattern string
 * (§"Tokenizing" and §"Parsing pattern strings"). It reads the canonical component strings that
 * `urlpattern-polyfill` prints for a pattern it has validated, so it never reports errors: a string it does
 * not expect yields `undefined` and the pattern is refused. One pass over the string: linear in its length.
 * @module
 */

/** How many times a part may occur (§"part": modifier). */
export type Modifier = '' | '?' | '*' | '+';

/** A fixed text, or a variable part: one segment (`:name`), anything (`*`), or a custom regexp group. */
export type Part =
  | { readonly type: 'fixed'; readonly value: string; readonly modifier: Modifier }
  | {
      readonly type: 'segment' | 'full';
      readonly prefix: string;
      readonly suffix: string;
      readonly modifier: Modifier;
    }
  | {
      readonly type: 'regexp';
      /** The group's regular expression, as written between its parentheses. */
      readonly value: string;
      readonly prefix: string;
      readonly suffix: string;
      readonly modifier: Modifier;
    };

/** A component's options (§"options"): the delimiter of `:name` and the one prefix a part may take. */
export interface ComponentOptions {
  /** The code unit a segment wildcard stops at; `''` for none. */
  readonly delimiter: string;
  /** The character taken as a variable part's prefix when it precedes it (`/` in paths). */
  readonly prefix: string;
}

type TokenType = 'char' | 'escaped' | 'name' | 'regexp' | 'asterisk' | 'modifier' | 'open' | 'close';

interface Token {
  readonly type: TokenType;
  readonly value: string;
}

// spec(URL Pattern §"Tokenizing"): name code points are `$`, `_` and the identifier code points of Unicode.
const NAME_START = /[$_\p{ID_Start}]/u;
const NAME_PART = /^(?:[$_\p{ID_Continue}]|\u200C|\u200D)$/u;

/** The tokens of `source`, or `undefined` for a string a valid canonical pattern cannot be. */
function tokenize(source: string): Token[] | undefined {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const char = source[i]!;
    if (char === '*') tokens.push({ type: 'asterisk', value: char });
    else if (char === '+' || char === '?') tokens.push({ type: 'modifier', value: char });
    else if (char === '{') tokens.push({ type: 'open', value: char });
    else if (char === '}') tokens.push({ type: 'close', value: char });
    else if (char === '\\') {
      if (i + 1 >= source.length) return undefined;
      tokens.push({ type: 'escaped', value: source[++i]! });
    } else if (char === ':') {
      let end = i + 1;
      while (end < source.length && (end === i + 1 ? NAME_START : NAME_PART).test(source[end]!)) end++;
      if (end === i + 1) return undefined;
      tokens.push({ type: 'name', value: source.slice(i + 1, end) });
      i = end;
      continue;
    } else if (char === '(') {
      const end = regexpEnd(source, i + 1);
      if (end === undefined) return undefined;
      tokens.push({ type: 'regexp', value: source.slice(i + 1, end) });
      i = end + 1;
      continue;
    } else tokens.push({ type: 'char', value: char });
    i++;
  }
  return tokens;
}

/** The index of the `)` closing a regexp group whose text starts at `start`. */
function regexpEnd(source: string, start: number): number | undefined {
  let depth = 1;
  for (let i = start; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') i++;
    else if (char === '(') depth++;
    else if (char === ')' && --depth === 0) return i;
  }
  return undefined;
}

/** spec(URL Pattern §"generate a segment wildcard regexp"): `[^` + the escaped delimiter + `]+?`. */
function segmentWildcard(options: ComponentOptions): string {
  return `[^${options.delimiter.replace(/[.+*?^${}()[\]|/\\]/g, '\\$&')}]+?`;
}

/** spec(URL Pattern §"Parsing pattern strings"), as a part list; `undefined` for what it cannot hold. */
export function parseComponent(source: string, options: ComponentOptions): Part[] | undefined {
  const tokens = tokenize(source);
  if (tokens === undefined) return undefined;
  const parts: Part[] = [];
  const wildcard = segmentWildcard(options);
  let at = 0;
  let pending = '';
  const take = (type: TokenType): string | undefined => (tokens[at]?.type === type ? tokens[at++]!.value : undefined);
  const takeModifier = (): Modifier => (take('modifier') ?? take('asterisk') ?? '') as Modifier;
  const takeText = (): string => {
    let text = '';
    for (let value = take('char') ?? take('escaped'); value !== undefined; value = take('char') ?? take('escaped'))
      text += value;
    return text;
  };
  const flushPending = (): void => {
    if (pending !== '') parts.push({ type: 'fixed', value: pending, modifier: '' });
    pending = '';
  };
  const addPart = (prefix: string, name: boolean, regexp: string | undefined, suffix: string, modifier: Modifier) => {
    if (!name && regexp === undefined && modifier === '') {
      pending += prefix;
      return;
    }
    flushPending();
    if (!name && regexp === undefined) {
      if (prefix !== '') parts.push({ type: 'fixed', value: prefix, modifier });
      return;
    }
    if (regexp === undefined || regexp === wildcard) parts.push({ type: 'segment', prefix, suffix, modifier });
    else if (regexp === '*' || regexp === '.*') parts.push({ type: 'full', prefix, suffix, modifier });
    else parts.push({ type: 'regexp', value: regexp, prefix, suffix, modifier });
  };

  while (at < tokens.length) {
    const char = take('char');
    const name = take('name');
    const regexp = take('regexp') ?? (name === undefined ? take('asterisk') : undefined);
    if (name !== undefined || regexp !== undefined) {
      let prefix = char ?? '';
      if (prefix !== '' && prefix !== options.prefix) {
        pending += prefix;
        prefix = '';
      }
      flushPending();
      addPart(prefix, name !== undefined, regexp, '', takeModifier());
      continue;
    }
    const fixed = char ?? take('escaped');
    if (fixed !== undefined) {
      pending += fixed;
      continue;
    }
    if (take('open') !== undefined) {
      const prefix = takeText();
      const groupName = take('name');
      const groupRegexp = take('regexp') ?? (groupName === undefined ? take('asterisk') : undefined);
      const suffix = takeText();
      if (take('close') === undefined) return undefined;
      addPart(prefix, groupName !== undefined, groupRegexp, suffix, takeModifier());
      continue;
    }
    return undefined;
  }
  flushPending();
  return parts;
}
