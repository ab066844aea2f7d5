/**
 * One URL pattern component as a Thompson NFA, run by a set-of-states simulation: linear time, never
 * backtracking, whatever the pattern. The program is the language of the regular expression the URL Pattern
 * standard generates for the component (§"generate a regular expression and name list"), built from the
 * part list (url-pattern-parse.ts) in O(pattern length) instructions:
 *
 *     fixed text     v            (?:v)m
 *     :name, * …     (r)m         (?:p(r)s)m        p(r(?:s p r)*)s     (`+`; `*` adds a final `?`)
 *
 * with r = `[^d]+` for a segment (d the component's delimiter; any character when it has none), `.*` for a
 * full wildcard or a regexp group's own expression (url-pattern-regexp.ts, within MAX_REGEXP_NODES), p and s the part's prefix and suffix, m its modifier. Laziness (`+?`) changes which match
 * a regular expression reports, never whether one exists, so a plain NFA answers `test()` alike.
 * @module
 */
import type { ComponentOptions, Modifier, Part } from './url-pattern-parse.js';
import { charSet, DOT, MAX_REGEXP_NODES, type Node, nodeSize, parseRegexp } from './url-pattern-regexp.js';

// Instructions. CHAR and CLASS consume one UTF-16 code unit and continue at the next instruction.
const CHAR = 0; // the code unit x
const CLASS = 1; // a code unit of the set classes[x]
const SPLIT = 2; // continue at x and at y
const JUMP = 3; // continue at x
const MATCH = 4;

export interface Program {
  readonly op: Uint8Array;
  readonly x: Int32Array;
  readonly y: Int32Array;
  /** The character sets of CLASS instructions (url-pattern-regexp.ts: ASCII flags, then one for the rest). */
  readonly classes: readonly Uint8Array[];
  /** Working memory of {@link runProgram}, allocated once: a run never re-enters another of its program. */
  readonly scratch: Scratch;
}

interface Scratch {
  current: Int32Array;
  next: Int32Array;
  readonly seen: Int32Array;
  readonly stack: Int32Array;
  /** Instructions looked at by {@link addState} since the last charge to the budget. */
  visits: number;
}

function text(value: string): Node {
  const items: Node[] = [];
  for (let i = 0; i < value.length; i++) items.push({ t: 'char', code: value.charCodeAt(i) });
  return { t: 'seq', items };
}

function repeat(modifier: Modifier, item: Node): Node {
  return modifier === '' ? item : { t: modifier, item };
}

/** The regular expression of a part list; `undefined` when a regexp group needs more than an automaton. */
function nodeOf(parts: readonly Part[], options: ComponentOptions): Node | undefined {
  const delimiter = options.delimiter === '' ? -1 : options.delimiter.charCodeAt(0);
  const segment: Node = { t: '+', item: { t: 'class', set: charSet((code) => code !== delimiter, true) } };
  const full: Node = { t: '*', item: { t: 'class', set: DOT } };
  const items: Node[] = [];
  for (const part of parts) {
    if (part.type === 'fixed') {
      items.push(repeat(part.modifier, text(part.value)));
      continue;
    }
    const value = part.type === 'regexp' ? parseRegexp(part.value) : part.type === 'segment' ? segment : full;
    if (value === undefined) return undefined;
    const prefix = text(part.prefix);
    const suffix = text(part.suffix);
    if (part.modifier === '' || part.modifier === '?' || (part.prefix === '' && part.suffix === ''))
      items.push(repeat(part.modifier, { t: 'seq', items: [prefix, value, suffix] }));
    else {
      const more: Node = { t: '*', item: { t: 'seq', items: [suffix, prefix, value] } };
      const repeated: Node = { t: 'seq', items: [prefix, value, more, suffix] };
      items.push(part.modifier === '*' ? { t: '?', item: repeated } : repeated);
    }
  }
  return { t: 'seq', items };
}

class Builder {
  readonly op: number[] = [];
  readonly x: number[] = [];
  readonly y: number[] = [];
  readonly classes: Uint8Array[] = [];

  emit(op: number, x = 0, y = 0): number {
    this.op.push(op);
    this.x.push(x);
    this.y.push(y);
    return this.op.length - 1;
  }

  get next(): number {
    return this.op.length;
  }

  /** Thompson's construction, one instruction or two per node. */
  compile(node: Node): void {
    switch (node.t) {
      case 'char':
        this.emit(CHAR, node.code);
        return;
      case 'class': {
        let index = this.classes.indexOf(node.set);
        if (index < 0) index = this.classes.push(node.set) - 1;
        this.emit(CLASS, index);
        return;
      }
      case 'seq':
        for (const item of node.items) this.compile(item);
        return;
      case 'alt': {
        // SPLIT to each option but the last, every option jumping past the others.
        const jumps: number[] = [];
        node.options.forEach((option, i) => {
          const split = i < node.options.length - 1 ? this.emit(SPLIT, this.next + 1) : -1;
          this.compile(option);
          if (split >= 0) {
            jumps.push(this.emit(JUMP));
            this.y[split] = this.next;
          }
        });
        for (const jump of jumps) this.x[jump] = this.next;
        return;
      }
      case '?': {
        const split = this.emit(SPLIT, this.next + 1);
        this.compile(node.item);
        this.y[split] = this.next;
        return;
      }
      case '*': {
        const split = this.emit(SPLIT, this.next + 1);
        this.compile(node.item);
        this.emit(JUMP, split);
        this.y[split] = this.next;
        return;
      }
      case '+': {
        const start = this.next;
        this.compile(node.item);
        this.emit(SPLIT, start, this.next + 1);
        return;
      }
    }
  }
}

/**
 * The program of a component; `undefined` when a regexp group needs more than a finite automaton
 * (assertions, backreferences) or expands past {@link MAX_REGEXP_NODES}.
 */
export function buildComponentProgram(parts: readonly Part[], options: ComponentOptions): Program | undefined {
  const node = nodeOf(parts, options);
  if (node === undefined || nodeSize(node) > MAX_REGEXP_NODES * 2) return undefined;
  const builder = new Builder();
  builder.compile(node);
  builder.emit(MATCH);
  const size = builder.op.length;
  const scratch: Scratch = {
    current: new Int32Array(size),
    next: new Int32Array(size),
    seen: new Int32Array(size),
    stack: new Int32Array(size * 2 + 2),
    visits: 0,
  };
  return {
    op: Uint8Array.from(builder.op),
    x: Int32Array.from(builder.x),
    y: Int32Array.from(builder.y),
    classes: builder.classes,
    scratch,
  };
}

/** What one run may cost: instructions looked at (live states and the SPLITs and JUMPs between them). */
export interface Budget {
  steps: number;
}

/**
 * Does the whole of `input` match `program`? Each input code unit advances every live state once and
 * follows the SPLITs and JUMPs after it once (each instruction at most twice per code unit), so a run costs
 * O(input length × program size). Every instruction looked at is taken from `budget`; when it runs out the
 * answer is `false` — spec(Mercure 1.0 §URL Pattern): "When such a limit is reached, the pattern MUST be
 * treated as not matching and the evaluation MUST be aborted."
 */
export function runProgram(program: Program, input: string, budget: Budget): boolean {
  const scratch = program.scratch;
  const { seen, stack } = scratch;
  let { current, next } = scratch;
  seen.fill(-1);
  scratch.visits = 0;
  let currentLength = addState(program, current, 0, 0, seen, 0, stack);
  for (let i = 0; i < input.length && currentLength > 0; i++) {
    budget.steps -= currentLength + scratch.visits;
    scratch.visits = 0;
    if (budget.steps < 0) return false;
    const code = input.charCodeAt(i);
    let nextLength = 0;
    for (let k = 0; k < currentLength; k++) {
      const pc = current[k]!;
      const op = program.op[pc];
      const x = program.x[pc]!;
      const accepted = op === CHAR ? code === x : op === CLASS && program.classes[x]![Math.min(code, 128)] === 1;
      if (accepted) nextLength = addState(program, next, nextLength, pc + 1, seen, i + 1, stack);
    }
    [current, next] = [next, current];
    currentLength = nextLength;
  }
  for (let k = 0; k < currentLength; k++) if (program.op[current[k]!] === MATCH) return true;
  return false;
}

/** Adds `pc` and what its SPLITs and JUMPs reach to `list`, each instruction once per `step`. */
function addState(
  program: Program,
  list: Int32Array,
  length: number,
  pc: number,
  seen: Int32Array,
  step: number,
  stack: Int32Array,
): number {
  let top = 0;
  stack[top++] = pc;
  let added = length;
  let visits = 0;
  while (top > 0) {
    visits++;
    const at = stack[--top]!;
    if (seen[at] === step) continue;
    seen[at] = step;
    const op = program.op[at];
    if (op === JUMP) stack[top++] = program.x[at]!;
    else if (op === SPLIT) {
      // The second branch is pushed first so the first is explored first (order only matters for captures).
      stack[top++] = program.y[at]!;
      stack[top++] = program.x[at]!;
    } else list[added++] = at;
  }
  program.scratch.visits += visits;
  return added;
}
