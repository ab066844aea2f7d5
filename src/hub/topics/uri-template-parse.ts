/**
 * The RFC 6570 URI Template grammar (§2), as Mercure reads topic selectors: the same acceptance rules as
 * github.com/yosida95/uritemplate (v3), the parser behind Mercure's `Regexp()` matching. A template that does
 * not parse is not an error for the hub — the selector then only matches itself — so the parser answers
 * `undefined` instead of throwing. One pass over the code points: linear in the template's length.
 * @module
 */

/** How an operator expands (RFC 6570 §3.2.1, Appendix A). */
export interface Operator {
  /** Written before the first defined variable (`''`, `#`, `.`, `/`, `;`, `?`, `&`). */
  readonly first: string;
  /** Written between variables and exploded items. */
  readonly separator: string;
  /** `name=value` pairs (`;`, `?`, `&`). */
  readonly named: boolean;
  /** Reserved characters pass unencoded (`+`, `#`). */
  readonly reserved: boolean;
}

export interface VarSpec {
  readonly name: string;
  /** The `:n` prefix modifier, 0 when absent (1–9999 otherwise). */
  readonly maxLength: number;
  /** The `*` explode modifier. */
  readonly explode: boolean;
}

export interface Expression {
  readonly operator: Operator;
  readonly vars: readonly VarSpec[];
}

/** A parsed template: literal text and expressions, in order. */
export type TemplatePart = string | Expression;

// spec(RFC 6570 §3.2.1, Appendix A): first / sep / named / allowed set, per operator.
const SIMPLE: Operator = { first: '', separator: ',', named: false, reserved: false };
const OPERATORS: ReadonlyMap<string, Operator> = new Map([
  ['+', { first: '', separator: ',', named: false, reserved: true }],
  ['#', { first: '#', separator: ',', named: false, reserved: true }],
  ['.', { first: '.', separator: '.', named: false, reserved: false }],
  ['/', { first: '/', separator: '/', named: false, reserved: false }],
  [';', { first: ';', separator: ';', named: true, reserved: false }],
  ['?', { first: '?', separator: '&', named: true, reserved: false }],
  ['&', { first: '&', separator: '&', named: true, reserved: false }],
]);

/** spec(RFC 6570 §2.2): operators reserved for future extensions make the template invalid. */
const RESERVED_OPERATORS = new Set(['=', ',', '!', '@', '|']);

const MAX_PREFIX_LENGTH = 9999;

/** Parses `source`; `undefined` when it is not a valid URI template. */
export function parseUriTemplate(source: string): TemplatePart[] | undefined {
  const parts: TemplatePart[] = [];
  // Literal runs are sliced once, not built a character at a time: a string grown by `+=` is a rope that
  // holds a node per character for as long as the compiled template lives.
  let literalStart = 0;
  let i = 0;
  while (i < source.length) {
    const char = source[i]!;
    if (char === '{') {
      if (i > literalStart) parts.push(source.slice(literalStart, i));
      const parsed = parseExpression(source, i + 1);
      if (parsed === undefined) return undefined;
      parts.push(parsed.expression);
      i = parsed.end;
      literalStart = i;
    } else if (char === '%') {
      if (!isTriplet(source, i)) return undefined;
      i += 3;
    } else {
      const codePoint = source.codePointAt(i)!;
      if (!isLiteral(codePoint)) return undefined;
      i += codePoint > 0xffff ? 2 : 1;
    }
  }
  if (i > literalStart) parts.push(source.slice(literalStart, i));
  return parts;
}

/** Parses the expression whose operator (or first name character) is at `start`, up to and past its `}`. */
function parseExpression(source: string, start: number): { expression: Expression; end: number } | undefined {
  const opChar = source[start];
  if (opChar === undefined || RESERVED_OPERATORS.has(opChar)) return undefined;
  const explicit = OPERATORS.get(opChar);
  const operator = explicit ?? SIMPLE;
  let i = explicit === undefined ? start : start + 1;
  const vars: VarSpec[] = [];
  for (;;) {
    const spec = parseVarSpec(source, i);
    if (spec === undefined) return undefined;
    vars.push(spec.varSpec);
    i = spec.end;
    if (source[i] === ',') i++;
    else if (source[i] === '}') return { expression: { operator, vars }, end: i + 1 };
    else return undefined;
  }
}

/** A varname (ALPHA / DIGIT / `_` / pct-encoded, dots between) and its modifier. */
function parseVarSpec(source: string, start: number): { varSpec: VarSpec; end: number } | undefined {
  let i = start;
  while (i < source.length) {
    const char = source[i]!;
    if (char === '%') {
      if (!isTriplet(source, i)) return undefined;
      i += 3;
    } else if (char === '.') {
      // spec(RFC 6570 §2.3): a dot only separates varchars; never first, last or doubled.
      if (i === start || source[i - 1] === '.') return undefined;
      i++;
    } else if (isVarChar(char.charCodeAt(0))) i++;
    else break;
  }
  const name = source.slice(start, i);
  if (name === '' || name.endsWith('.')) return undefined;
  if (source[i] === '*') return { varSpec: { name, maxLength: 0, explode: true }, end: i + 1 };
  if (source[i] !== ':') return { varSpec: { name, maxLength: 0, explode: false }, end: i };
  // spec(RFC 6570 §2.4.1): max-length = %x31-39 0*3DIGIT, i.e. 1 to 9999.
  let maxLength = 0;
  i++;
  while (i < source.length && isDigit(source.charCodeAt(i))) {
    maxLength = maxLength * 10 + source.charCodeAt(i) - 48;
    if (maxLength === 0 || maxLength > MAX_PREFIX_LENGTH) return undefined;
    i++;
  }
  if (maxLength === 0) return undefined;
  return { varSpec: { name, maxLength, explode: false }, end: i };
}

function isTriplet(source: string, at: number): boolean {
  return isHex(source.charCodeAt(at + 1)) && isHex(source.charCodeAt(at + 2));
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isHex(code: number): boolean {
  return isDigit(code) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

function isVarChar(code: number): boolean {
  return isDigit(code) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
}

// spec(RFC 6570 §2.1): literals = %x21 / %x23-24 / %x26 / %x28-3B / %x3D / %x3F-5B / %x5D / %x5F / %x61-7A
// / %x7E / ucschar / iprivate / pct-encoded. A lone surrogate is none of them.
function isLiteral(cp: number): boolean {
  if (cp < 0x80) {
    return (
      cp === 0x21 ||
      cp === 0x23 ||
      cp === 0x24 ||
      cp === 0x26 ||
      (cp >= 0x28 && cp <= 0x3b) ||
      cp === 0x3d ||
      (cp >= 0x3f && cp <= 0x5b) ||
      cp === 0x5d ||
      cp === 0x5f ||
      (cp >= 0x61 && cp <= 0x7a) ||
      cp === 0x7e
    );
  }
  if (cp <= 0xffff) {
    return (
      (cp >= 0xa0 && cp <= 0xd7ff) ||
      (cp >= 0xe000 && cp <= 0xf8ff) ||
      (cp >= 0xf900 && cp <= 0xfdcf) ||
      (cp >= 0xfdf0 && cp <= 0xffef)
    );
  }
  // ucschar and iprivate cover every plane up to U+FFFFD of it, except U+E0000–E0FFF (tags and variation selectors).
  return (cp & 0xffff) <= 0xfffd && !(cp >= 0xe0000 && cp <= 0xe0fff);
}
