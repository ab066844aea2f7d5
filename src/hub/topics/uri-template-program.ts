/**
 * A parsed URI template as a Thompson NFA program: the same language as the regular expression Mercure
 * matches with (github.com/yosida95/uritemplate `Template.Regexp()`, run by Go's RE2), built in one pass,
 * a few instructions per literal character and per variable — O(template length) instructions.
 *
 * Per expression, with C the characters a variable may expand to (unreserved, plus `,` and — when named or
 * exploded — `=`; `+` and `#` add the reserved set) or a `%XX` triplet, F the operator's first character
 * and S its separator:
 *
 *     (F C* (S C*){0,n-1})?     n variables;  `*` instead of `{0,n-1}` when one of them is exploded
 *
 * The whole expression is optional (an undefined variable expands to nothing), which is why
 * `/subscriptions{/topic}{/subscriber}` matches with or without either segment. A `:n` prefix modifier does
 * not bound the length, as in Mercure. Where S is itself allowed in C (the simple, `+`, `#` and `.`
 * operators), `(S C*){0,k}` is the same language as `(S C*)?`; we compile that, which keeps the program
 * and its live states small.
 * @module
 */
import type { Expression, TemplatePart } from './uri-template-parse.js';

// Instructions. CHAR and CLASS consume one UTF-16 code unit and continue at the next instruction.
export const CHAR = 0;
export const CLASS = 1;
export const SPLIT = 2;
export const JUMP = 3;
export const MATCH = 4;

// Character classes, as bits of CLASS_OF (ASCII only: nothing else is ever allowed unencoded).
const UNRESERVED = 1;
const COMMA = 2;
const EQUALS = 4;
const RESERVED = 8;
const HEX = 16;

/** The classes of each ASCII code unit, as bits. */
const CLASS_OF = new Uint8Array(128);
for (const c of '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')
  CLASS_OF[c.charCodeAt(0)]! |= UNRESERVED;
// spec(RFC 3986 §2.2): reserved = gen-delims / sub-delims.
for (const c of ":/?#[]@!$&'()*+,;=") CLASS_OF[c.charCodeAt(0)]! |= RESERVED;
for (const c of '0123456789ABCDEFabcdef') CLASS_OF[c.charCodeAt(0)]! |= HEX;
CLASS_OF[0x2c]! |= COMMA;
CLASS_OF[0x3d]! |= EQUALS;

const PERCENT = 0x25;

export interface Program {
  readonly op: Uint8Array;
  /** CHAR: the code unit; CLASS: the class mask; SPLIT and JUMP: a target. */
  readonly x: Int32Array;
  /** SPLIT: the second target. */
  readonly y: Int32Array;
}

/** Is the code unit `code` in the class `mask` of a CLASS instruction? */
export function inClass(mask: number, code: number): boolean {
  return code < 128 && (CLASS_OF[code]! & mask) !== 0;
}

/** Does the instruction at `pc` (CHAR or CLASS) accept the code unit `code`? */
export function accepts(program: Program, pc: number, code: number): boolean {
  const op = program.op[pc];
  if (op === CHAR) return program.x[pc] === code;
  return op === CLASS && inClass(program.x[pc]!, code);
}

/** The program of the parts after the literal prefix (the caller compares that prefix itself). */
export function buildProgram(parts: readonly TemplatePart[]): Program {
  const builder = new ProgramBuilder();
  for (const part of parts) {
    if (typeof part === 'string') for (let i = 0; i < part.length; i++) builder.emit(CHAR, part.charCodeAt(i));
    else emitExpression(builder, part);
  }
  builder.emit(MATCH);
  return builder.build();
}

/** The characters a variable of `expression` may expand to, as yosida95's `runeClassToRegexp` allows them. */
function classMask(expression: Expression, withEquals: boolean): number {
  if (expression.operator.reserved) return UNRESERVED | RESERVED;
  return UNRESERVED | COMMA | (expression.operator.named || withEquals ? EQUALS : 0);
}

class ProgramBuilder {
  readonly #op: number[] = [];
  readonly #x: number[] = [];
  readonly #y: number[] = [];

  get next(): number {
    return this.#op.length;
  }

  emit(op: number, x = 0, y = 0): number {
    this.#op.push(op);
    this.#x.push(x);
    this.#y.push(y);
    return this.#op.length - 1;
  }

  /** Points the second branch of the SPLIT at `at` to the next instruction to be emitted. */
  patchElse(at: number): void {
    this.#y[at] = this.#op.length;
  }

  build(): Program {
    return { op: Uint8Array.from(this.#op), x: Int32Array.from(this.#x), y: Int32Array.from(this.#y) };
  }
}

/** `(?:[class]|%XX)*` */
function emitStar(builder: ProgramBuilder, mask: number): void {
  const loop = builder.emit(SPLIT, builder.next + 1);
  const choice = builder.emit(SPLIT, builder.next + 1);
  builder.emit(CLASS, mask);
  builder.emit(JUMP, loop);
  builder.patchElse(choice);
  builder.emit(CHAR, PERCENT);
  builder.emit(CLASS, HEX);
  builder.emit(CLASS, HEX);
  builder.emit(JUMP, loop);
  builder.patchElse(loop);
}

/** `(S C*)`, optional: a SPLIT whose second branch the caller patches. */
function emitOptionalItem(builder: ProgramBuilder, separator: number, mask: number): number {
  const split = builder.emit(SPLIT, builder.next + 1);
  builder.emit(CHAR, separator);
  emitStar(builder, mask);
  return split;
}

function emitExpression(builder: ProgramBuilder, expression: Expression): void {
  const { first, separator } = expression.operator;
  const exploded = expression.vars.some((v) => v.explode);
  const firstMask = classMask(expression, expression.vars[0]!.explode);
  const restMask = classMask(expression, exploded);
  // With no first character the expression may already be empty (C*): it needs no optional wrapper.
  const optional = first === '' ? -1 : builder.emit(SPLIT, builder.next + 1);
  if (first !== '') builder.emit(CHAR, first.charCodeAt(0));
  emitStar(builder, firstMask);
  const sep = separator.charCodeAt(0);
  if (expression.vars.length > 1 || exploded) {
    if ((CLASS_OF[sep]! & restMask) !== 0) {
      // The separator is an allowed character: (S C*){0,k} = (S C*)?, and = nothing when C is the same class.
      if (restMask !== firstMask) builder.patchElse(emitOptionalItem(builder, sep, restMask));
    } else if (exploded) {
      const loop = emitOptionalItem(builder, sep, restMask);
      builder.emit(JUMP, loop);
      builder.patchElse(loop);
    } else {
      const splits: number[] = [];
      for (let i = 1; i < expression.vars.length; i++) splits.push(emitOptionalItem(builder, sep, restMask));
      for (const split of splits) builder.patchElse(split);
    }
  }
  if (optional >= 0) builder.patchElse(optional);
}
