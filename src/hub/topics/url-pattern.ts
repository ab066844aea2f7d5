/**
 * URL Pattern topic matchers (Mercure 1.0 §URL Pattern). `urlpattern-polyfill` (the WHATWG URL Pattern
 * standard; Node 20 has no global `URLPattern`) parses, validates and canonicalizes a pattern and resolves a
 * relative one against the hub's URL; the match itself is ours: each component's canonical pattern is parsed
 * again (url-pattern-parse.ts) and compiled to a linear-time automaton (url-pattern-program.ts).
 *
 * spec(Mercure 1.0 §URL Pattern): "hubs MUST either use a regular expression engine that guarantees
 * linear-time matching (such as RE2) or enforce an implementation-defined evaluation cost or time limit."
 * Both: the library's own `test()` runs backtracking regular expressions (`npm run bench:url-patterns`: two
 * `*` against a 10 KB topic, 130 ms; four against 1 KB took 53 s when timed once by hand), ours costs O(topic × pattern) and stops at a step budget, past which
 * the pattern does not match. Custom regexp groups (`:id(\\d+)`) run on the same automaton
 * (url-pattern-regexp.ts); the few that need more than one (assertions, backreferences) are refused.
 * @module
 */
import { URLPattern } from 'urlpattern-polyfill/urlpattern';
import { BoundedMap } from './bounded-map.js';
import { type ComponentOptions, type Part, parseComponent } from './url-pattern-parse.js';
import { type Budget, buildComponentProgram, type Program, runProgram } from './url-pattern-program.js';

/** A compiled URL pattern, bound to the hub URL it resolves against. */
export interface UrlPattern {
  /** The pattern as the token or the request stated it. */
  readonly source: string;
  /** The hub's URL: relative patterns and relative topics resolve against it. */
  readonly baseUrl: string;
  /**
   * What the {@link topicIndexKey} of every topic it matches starts with (`''` when nothing is known): its
   * hostname and the literal start of its path, so an index can skip patterns that cannot match.
   */
  readonly indexPrefix: string;
  /** Does `topic` (resolved against {@link baseUrl}) match? */
  matches(topic: string): boolean;
}

/** What a URL pattern may cost: past a bound it is not compiled. */
export interface UrlPatternBounds {
  /** Longest pattern, in UTF-16 code units. */
  readonly maxSelectorLength: number;
  /** Most variable parts (`:name`, `*`) in one pattern, all components counted. */
  readonly maxTemplateExpressions: number;
}

/** Why a pattern is refused, or the compiled pattern. */
export type UrlPatternCompilation =
  | { readonly ok: true; readonly pattern: UrlPattern }
  | {
      readonly ok: false;
      readonly reason: 'invalid' | 'too-long' | 'too-many-parts' | 'regexp-group';
      readonly message: string;
    };

/**
 * Automaton instructions looked at per match, all components summed, before the pattern is taken as not
 * matching: about 1 ms of work at the most (`npm run bench:url-patterns`: 16 `*` runs, 16 parameters in one
 * segment, `(?:\\d{1,32})+`, the longest pattern, against topics of 10,000 to 100,000 characters), and more
 * than any pattern within the bounds needs for a topic of a few kilobytes (`/books/:id` gives up only past
 * a topic of about 50 KB).
 */
export const URL_PATTERN_STEP_BUDGET = 250_000;

const COMPONENTS = ['protocol', 'username', 'password', 'hostname', 'port', 'pathname', 'search', 'hash'] as const;
type Component = (typeof COMPONENTS)[number];
type Components = Readonly<Record<Component, string>>;

// spec(URL Pattern §"URLPattern" constructor): the options each component is compiled with.
const DEFAULT_OPTIONS: ComponentOptions = { delimiter: '', prefix: '' };
const HOSTNAME_OPTIONS: ComponentOptions = { delimiter: '.', prefix: '' };
const PATHNAME_OPTIONS: ComponentOptions = { delimiter: '/', prefix: '/' };
const SPECIAL_SCHEMES = ['ftp', 'file', 'http', 'https', 'ws', 'wss'];

/** Compiles `source` against `baseUrl`; never throws. O(pattern length), after the bounds are checked. */
export function compileUrlPattern(source: string, baseUrl: string, bounds: UrlPatternBounds): UrlPatternCompilation {
  if (source.length > bounds.maxSelectorLength)
    return { ok: false, reason: 'too-long', message: `longer than ${bounds.maxSelectorLength} characters` };
  // The library's parse costs up to about 1 ms for 1,024 characters of `*`, `:p` or `{…}?` (bench comment in
  // test/hub/mercure1/url-pattern-cost.test.ts): a pattern that cannot be within the part bound is refused
  // before it. Each part is at most one `*` or `:` (a `:` also ends a scheme or starts a port, hence 2×).
  if (countVariableMarks(source) > 2 * bounds.maxTemplateExpressions + 2) return tooManyParts(bounds);
  let canonical: URLPattern;
  try {
    canonical = new URLPattern(source, baseUrl);
  } catch {
    return { ok: false, reason: 'invalid', message: 'not a valid URL pattern' };
  }
  const matchers: ComponentMatcher[] = [];
  let host: string | undefined;
  let path = '';
  let variableParts = 0;
  let protocol: Program | undefined;
  for (const component of COMPONENTS) {
    const text = canonical[component];
    if (text === '*') continue;
    const options =
      component === 'hostname'
        ? HOSTNAME_OPTIONS
        : component === 'pathname' && (protocol === undefined || matchesSpecialScheme(protocol))
          ? PATHNAME_OPTIONS
          : DEFAULT_OPTIONS;
    const parts = parseComponent(text, options);
    if (parts === undefined) return { ok: false, reason: 'invalid', message: 'not a valid URL pattern' };
    variableParts += parts.filter((part) => part.type !== 'fixed').length;
    if (variableParts > bounds.maxTemplateExpressions) return tooManyParts(bounds);
    const program = buildComponentProgram(parts, options);
    if (program === undefined)
      return {
        ok: false,
        reason: 'regexp-group',
        message:
          'a regexp group with assertions (^, $, \\b, lookarounds) or expanding past 2048 nodes: the hub matches URL patterns with a linear-time automaton',
      };
    if (component === 'protocol') protocol = program;
    matchers.push(componentMatcher(component, parts, program));
    if (component === 'hostname' && parts.every((part) => part.type === 'fixed' && part.modifier === ''))
      host = literalStart(parts);
    if (component === 'pathname') path = literalStart(parts);
  }
  // The hostname must be fixed text for the path's start to say anything: the key is hostname, then path.
  const indexPrefix = host === undefined ? '' : `${host}\n${path}`;
  return { ok: true, pattern: new CompiledUrlPattern(source, baseUrl, indexPrefix, matchers) };
}

function tooManyParts(bounds: UrlPatternBounds): UrlPatternCompilation {
  return {
    ok: false,
    reason: 'too-many-parts',
    message: `more than ${bounds.maxTemplateExpressions} parameters and wildcards (maxTemplateExpressions)`,
  };
}

/** Unescaped `*` and `:`: every variable part has one, and `*` modifiers and URL colons add a few. */
function countVariableMarks(source: string): number {
  let marks = 0;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') i++;
    else if (char === '*' || char === ':') marks++;
  }
  return marks;
}

/** The fixed text every value a part list matches starts with: its leading unrepeated fixed parts. */
function literalStart(parts: readonly Part[]): string {
  let text = '';
  for (const part of parts) {
    if (part.type !== 'fixed' || part.modifier !== '') break;
    text += part.value;
  }
  return text;
}

/**
 * The key a topic is looked up by in an index of {@link UrlPattern.indexPrefix}es: its hostname and path once
 * resolved against `baseUrl` (a newline, which neither holds, between them); `undefined` when the topic is
 * not a URL, so matches no URL pattern.
 */
export function topicIndexKey(topic: string, baseUrl: string): string | undefined {
  const components = topicComponents(topic, baseUrl);
  return components === undefined ? undefined : `${components.hostname}\n${components.pathname}`;
}

/** spec(URL Pattern): a pathname is split at `/` when the protocol pattern matches a special scheme. */
function matchesSpecialScheme(protocol: Program): boolean {
  return SPECIAL_SCHEMES.some((scheme) => runProgram(protocol, scheme, { steps: Number.POSITIVE_INFINITY }));
}

interface ComponentMatcher {
  readonly component: Component;
  matches(value: string, budget: Budget): boolean;
}

/** A component of fixed text is compared, not simulated. */
function componentMatcher(component: Component, parts: readonly Part[], program: Program): ComponentMatcher {
  const only = parts[0];
  if (parts.length === 0) return { component, matches: (value) => value === '' };
  if (parts.length === 1 && only?.type === 'fixed' && only.modifier === '')
    return { component, matches: (value) => value === only.value };
  return { component, matches: (value, budget) => runProgram(program, value, budget) };
}

/** Topics longer than this are not remembered by a pattern's cache (they are still matched). */
const CACHED_TOPIC_LENGTH = 2048;
/** How many answers a pattern remembers. */
const RECENT_ANSWERS = 64;

class CompiledUrlPattern implements UrlPattern {
  readonly source: string;
  readonly baseUrl: string;
  readonly indexPrefix: string;
  readonly #matchers: readonly ComponentMatcher[];
  /**
   * Recent answers: a publish evaluates each distinct pattern once per topic, and topics recur. Made on the
   * first match and kept small (about 4 KB when full), as an index may hold 100,000 patterns.
   */
  #recent: BoundedMap<string, boolean> | undefined;

  constructor(source: string, baseUrl: string, indexPrefix: string, matchers: readonly ComponentMatcher[]) {
    this.source = source;
    this.baseUrl = baseUrl;
    this.indexPrefix = indexPrefix;
    this.#matchers = matchers;
  }

  matches(topic: string): boolean {
    const known = this.#recent?.get(topic);
    if (known !== undefined) return known;
    const answer = this.#evaluate(topic);
    if (topic.length <= CACHED_TOPIC_LENGTH) {
      this.#recent ??= new BoundedMap<string, boolean>(RECENT_ANSWERS);
      this.#recent.set(topic, answer);
    }
    return answer;
  }

  #evaluate(topic: string): boolean {
    const components = topicComponents(topic, this.baseUrl);
    if (components === undefined) return false;
    const budget: Budget = { steps: URL_PATTERN_STEP_BUDGET };
    for (const matcher of this.#matchers) if (!matcher.matches(components[matcher.component], budget)) return false;
    return true;
  }
}

/**
 * The components of `topic` resolved against `baseUrl`, as the URL Pattern standard reads a URL (no `:`
 * after the protocol, no `?` or `#` before the search and hash); `undefined` when it is not a URL. The last
 * answer is kept: a publish asks it for the same topic once per distinct pattern, and per hub URL the
 * subscribers reached the hub by — for an absolute topic, which no base changes, one parse serves them all.
 */
function topicComponents(topic: string, baseUrl: string): Components | undefined {
  if (last !== undefined && last.topic === topic && (last.baseUrl === baseUrl || last.absolute)) return last.components;
  let components: Components | undefined;
  try {
    const url = new URL(topic, baseUrl);
    components = {
      protocol: url.protocol.slice(0, -1),
      username: url.username,
      password: url.password,
      hostname: url.hostname,
      port: url.port,
      pathname: url.pathname,
      search: url.search.slice(1),
      hash: url.hash.slice(1),
    };
  } catch {
    components = undefined;
  }
  last = { topic, baseUrl, absolute: isBaseIndependent(topic), components };
  return components;
}

let last: { topic: string; baseUrl: string; absolute: boolean; components: Components | undefined } | undefined;

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):(\/\/)?/;
const SPECIAL_SCHEME_NAMES = new Set(SPECIAL_SCHEMES);

/**
 * Does `topic` resolve to the same URL against every hub URL? A scheme makes it absolute, except that the URL
 * standard resolves `http:x` (a special scheme without `//`) against a base of the same scheme: such a topic
 * (and anything the parser would first trim or rewrite) is taken as relative, which only costs a parse.
 */
function isBaseIndependent(topic: string): boolean {
  const scheme = SCHEME.exec(topic);
  if (scheme === null) return false;
  return scheme[2] !== undefined || !SPECIAL_SCHEME_NAMES.has(scheme[1]!.toLowerCase());
}
