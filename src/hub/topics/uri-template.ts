/**
 * Matching a topic against an RFC 6570 URI template in linear time, whatever the template and the topic.
 *
 * The template is parsed (uri-template-parse.ts) and compiled to a Thompson NFA (uri-template-program.ts):
 * the language Mercure matches with its RE2 regular expression, in O(m) instructions for a template of
 * length m. It is run as a set-of-states simulation — every live state advances once per topic character,
 * no state is visited twice for the same character, nothing ever backtracks — with the state sets met so
 * far cached as the states of a DFA, built lazily (as RE2 does):
 *
 * - compiling costs O(m) time and memory;
 * - matching a topic of length n costs O(n) table look-ups once the DFA states it walks are cached, and
 *   never more than O(n × m) plus a constant (the cache's budget) when they are not: past the budget the
 *   match finishes as a plain simulation and the cache starts over;
 * - the literal text before the first expression and after the last one is compared, not simulated, so
 *   `https://example.com/{id}/a-long/literal-tail` costs the automaton only the `{id}` part.
 *
 * So the `{&a*}{&b*}{&c*}…` shapes that made the old backtracking matcher take seconds per template cost
 * microseconds here (`npm run bench:selectors`), and no topic can make one template cost more than its
 * length times the topic's.
 * @module
 */
import { parseUriTemplate, type TemplatePart } from './uri-template-parse.js';
import {
  accepts,
  buildProgram,
  CHAR,
  CLASS,
  inClass,
  JUMP,
  MATCH,
  type Program,
  SPLIT,
} from './uri-template-program.js';

/** A compiled URI template. */
export interface UriTemplate {
  readonly source: string;
  /** The literal text before the first expression: every topic it matches starts with it. */
  readonly literalPrefix: string;
  /**
   * How many `{…}` expressions it has, a variable list counting as that many expressions (RFC 6570 §3.2.1:
   * `{/a,b}` expands as `{/a}{/b}` does). It bounds the ambiguity, hence the live states, of a match.
   */
  readonly expressions: number;
  /** Does `topic` match the whole template? */
  matches(topic: string): boolean;
  /** The same, for a topic already known to start with {@link literalPrefix}. */
  matchesAfterPrefix(topic: string): boolean;
}

/** Compiles `source`; `undefined` when it is not a valid URI template. O(`source.length`). */
export function compileUriTemplate(source: string): UriTemplate | undefined {
  const parts = parseUriTemplate(source);
  return parts === undefined ? undefined : new CompiledTemplate(source, parts);
}

/**
 * The literal text before the first and after the last expression is matched by comparison, not by the
 * automaton: anchored at either end of the topic, it cannot be ambiguous. A class, not closures: an index
 * may hold 100,000 of these.
 */
class CompiledTemplate implements UriTemplate {
  readonly source: string;
  readonly literalPrefix: string;
  readonly expressions: number;
  readonly #literalSuffix: string;
  readonly #automaton: Automaton;

  constructor(source: string, parts: readonly TemplatePart[]) {
    this.source = source;
    this.literalPrefix = typeof parts[0] === 'string' ? parts[0] : '';
    const last = parts[parts.length - 1];
    this.#literalSuffix = typeof last === 'string' && parts.length > 1 ? last : '';
    this.expressions = parts.reduce((n, part) => n + (typeof part === 'string' ? 0 : part.vars.length), 0);
    const from = this.literalPrefix === '' ? 0 : 1;
    this.#automaton = automatonOf(parts.slice(from, this.#literalSuffix === '' ? parts.length : -1));
  }

  matches(topic: string): boolean {
    return topic.startsWith(this.literalPrefix) && this.matchesAfterPrefix(topic);
  }

  matchesAfterPrefix(topic: string): boolean {
    const end = topic.length - this.#literalSuffix.length;
    return (
      end >= this.literalPrefix.length &&
      topic.endsWith(this.#literalSuffix) &&
      this.#automaton.matches(topic, this.literalPrefix.length, end)
    );
  }
}

/** Most automata kept for sharing; templates keep theirs, so forgetting one only stops the sharing. */
const MAX_SHARED_AUTOMATA = 10_000;
const shared = new Map<string, Automaton>();

/**
 * The automaton of the parts between the literal ends, shared by every template with the same parts up to
 * variable names and prefix lengths (which do not change the language): `https://example.com/t{N}/{id}`
 * for 100,000 values of N is one automaton, and its DFA states are built once.
 */
function automatonOf(inner: readonly TemplatePart[]): Automaton {
  const key = JSON.stringify(
    inner.map((part) => {
      if (typeof part === 'string') return part;
      const { first, separator, named, reserved } = part.operator;
      return [first, separator, named, reserved, part.vars.map((v) => v.explode)];
    }),
  );
  let automaton = shared.get(key);
  if (automaton === undefined) {
    automaton = new Automaton(buildProgram(inner));
    if (shared.size >= MAX_SHARED_AUTOMATA) shared.delete(shared.keys().next().value!);
    shared.set(key, automaton);
  }
  return automaton;
}

/**
 * The cache budget of one automaton: transitions (4 bytes each) and NFA states held in the DFA states' sets.
 * Ordinary templates use a few dozen of each; the budget caps what a template nobody's topics resemble can
 * hold, at tens of kilobytes.
 */
const MAX_TRANSITIONS = 4096;
const MAX_CACHED_NFA_STATES = 8192;

/** Transition table entries: 0 not computed yet, -1 no match possible, else the target state + 1. */
const UNKNOWN = 0;
const DEAD = -1;

/** The code units no instruction tells apart share a class; class 0 is accepted by none. */
interface CharClasses {
  readonly ascii: Uint8Array;
  readonly wide: ReadonlyMap<number, number>;
  /** One code unit of each class. */
  readonly sample: readonly number[];
}

class Automaton {
  readonly #program: Program;
  #classes: CharClasses | undefined;
  readonly #ids = new Map<string, number>();
  readonly #sets: Int32Array[] = [];
  #transitions = new Int32Array(0);
  #cachedNfaStates = 0;
  #start = -1;

  constructor(program: Program) {
    this.#program = program;
  }

  /** Does `topic` from `from` up to `to` belong to the language? */
  matches(topic: string, from: number, to: number): boolean {
    // Built on first use: most templates of a big index are never walked by any topic.
    this.#classes ??= charClasses(this.#program);
    const { ascii, wide, sample } = this.#classes;
    const width = sample.length;
    if (this.#start < 0) this.#start = this.#intern(closure(this.#program, [0]))!;
    let state = this.#start;
    for (let i = from; i < to; i++) {
      const code = topic.charCodeAt(i);
      const cls = code < 128 ? ascii[code]! : (wide.get(code) ?? 0);
      if (cls === 0) return false;
      const slot = state * width + cls;
      let target = slot < this.#transitions.length ? this.#transitions[slot]! : UNKNOWN;
      if (target === UNKNOWN) {
        const set = step(this.#program, this.#sets[state]!, sample[cls]!);
        if (set === undefined) target = DEAD;
        else {
          const id = this.#intern(set);
          if (id === undefined) return this.#finishUncached(set, topic, i + 1, to);
          target = id + 1;
        }
        this.#record(slot, target, width);
      }
      if (target === DEAD) return false;
      state = target - 1;
    }
    return isAccepting(this.#program, this.#sets[state]!);
  }

  /** The DFA state of `set`, added if new; `undefined` when the cache is at its budget. */
  #intern(set: Int32Array): number | undefined {
    const key = keyOf(set);
    const known = this.#ids.get(key);
    if (known !== undefined) return known;
    const width = this.#classes!.sample.length;
    const needed = (this.#sets.length + 1) * width;
    if (needed > MAX_TRANSITIONS || this.#cachedNfaStates + set.length > MAX_CACHED_NFA_STATES) return undefined;
    this.#ids.set(key, this.#sets.length);
    this.#sets.push(set);
    this.#cachedNfaStates += set.length;
    return this.#sets.length - 1;
  }

  #record(slot: number, target: number, width: number): void {
    if (slot >= this.#transitions.length) {
      const grown = new Int32Array(Math.min(MAX_TRANSITIONS, Math.max(4 * width, 2 * (slot + 1))));
      grown.set(this.#transitions);
      this.#transitions = grown;
    }
    this.#transitions[slot] = target;
  }

  /** Past the budget: finishes by plain simulation (O(m) per character) and lets the next match start over. */
  #finishUncached(set: Int32Array, topic: string, from: number, to: number): boolean {
    this.#ids.clear();
    this.#sets.length = 0;
    this.#transitions = new Int32Array(0);
    this.#cachedNfaStates = 0;
    this.#start = -1;
    return simulate(this.#program, set, topic, from, to);
  }
}

/** O(m): one pass over the program, then the 128 ASCII code units against its few distinct class masks. */
function charClasses(program: Program): CharClasses {
  const codes = new Set<number>();
  const masks = new Set<number>();
  for (let pc = 0; pc < program.op.length; pc++) {
    if (program.op[pc] === CHAR) codes.add(program.x[pc]!);
    else if (program.op[pc] === CLASS) masks.add(program.x[pc]!);
  }
  const maskList = [...masks];
  const ascii = new Uint8Array(128);
  const sample = [0];
  const byKey = new Map<number, number>();
  for (let code = 0; code < 128; code++) {
    // A code unit a CHAR instruction names is a class of its own; the others go by the masks that hold them.
    let key = codes.has(code) ? -1 - code : 0;
    if (key === 0) for (let i = 0; i < maskList.length; i++) if (inClass(maskList[i]!, code)) key |= 1 << i;
    if (key === 0) continue;
    let cls = byKey.get(key);
    if (cls === undefined) {
      cls = sample.length;
      sample.push(code);
      byKey.set(key, cls);
    }
    ascii[code] = cls;
  }
  const wide = new Map<number, number>();
  for (const code of codes) {
    if (code < 128) continue;
    wide.set(code, sample.length);
    sample.push(code);
  }
  return { ascii, wide, sample };
}

// Scratch space of the simulation, shared by every template: matching is synchronous and never re-entered.
let found = new Int32Array(64);
let live = new Int32Array(64);
let stack = new Int32Array(130);
let marks = new Uint32Array(64);
let generation = 0;

function reserve(size: number): void {
  if (marks.length >= size) return;
  const capacity = 2 ** Math.ceil(Math.log2(size));
  found = new Int32Array(capacity);
  live = new Int32Array(capacity);
  stack = new Int32Array(2 * capacity + 2);
  marks = new Uint32Array(capacity);
  generation = 0;
}

function nextGeneration(): number {
  if (generation === 0xffffffff) {
    marks.fill(0);
    generation = 0;
  }
  return ++generation;
}

/**
 * Adds to `list` (from `count`) the consuming and accepting states reachable from `pc` without consuming
 * input, each at most once per `mark`; returns the new count. A SPLIT pushes two targets and is marked, so
 * the stack never holds more than twice the program size.
 */
function addClosure(program: Program, list: Int32Array, count: number, pc: number, mark: number): number {
  let n = count;
  let top = 0;
  stack[top++] = pc;
  while (top > 0) {
    const at = stack[--top]!;
    if (marks[at] === mark) continue;
    marks[at] = mark;
    const op = program.op[at];
    if (op === SPLIT) {
      stack[top++] = program.y[at]!;
      stack[top++] = program.x[at]!;
    } else if (op === JUMP) stack[top++] = program.x[at]!;
    else list[n++] = at;
  }
  return n;
}

/** The closure of `starts`, sorted: the canonical form of a DFA state. */
function closure(program: Program, starts: readonly number[]): Int32Array {
  reserve(program.op.length);
  const mark = nextGeneration();
  let n = 0;
  for (const start of starts) n = addClosure(program, found, n, start, mark);
  return found.slice(0, n).sort();
}

/** The DFA state after `code` from `set`; `undefined` when no state survives. */
function step(program: Program, set: Int32Array, code: number): Int32Array | undefined {
  const next: number[] = [];
  for (const pc of set) if (accepts(program, pc, code)) next.push(pc + 1);
  return next.length === 0 ? undefined : closure(program, next);
}

/** The plain simulation from the states `start`: O(m) per character, no allocation. */
function simulate(program: Program, start: Int32Array, topic: string, from: number, to: number): boolean {
  reserve(program.op.length);
  let current = live;
  let next = found;
  current.set(start);
  let count = start.length;
  for (let i = from; i < to; i++) {
    const code = topic.charCodeAt(i);
    const mark = nextGeneration();
    let n = 0;
    for (let t = 0; t < count; t++) {
      const pc = current[t]!;
      if (accepts(program, pc, code)) n = addClosure(program, next, n, pc + 1, mark);
    }
    if (n === 0) return false;
    [current, next] = [next, current];
    count = n;
  }
  return isAccepting(program, current.subarray(0, count));
}

function isAccepting(program: Program, set: Int32Array): boolean {
  for (const pc of set) if (program.op[pc] === MATCH) return true;
  return false;
}

function keyOf(set: Int32Array): string {
  let key = '';
  for (const pc of set) key += String.fromCharCode(pc & 0xffff, pc >>> 16);
  return key;
}
