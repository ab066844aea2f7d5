/**
 * Topic selectors (Mercure): `*` matches every topic, a selector matches a topic identical to it, and a
 * selector that is a valid URI template also matches the topics it describes (src/hub/uri-template.ts:
 * linear time, never backtracks). Selectors are compiled once — a subscriber's when it subscribes, a
 * token's or a policy's through {@link TopicMatcher}'s cache — and never on the publish path.
 * @module
 */
import { compileUriTemplate, type UriTemplate } from './uri-template.js';

/** The selector that matches every topic. */
export const ANY_TOPIC = '*';

/** How a selector is matched. */
export type SelectorKind = 'any' | 'exact' | 'template';

export function selectorKind(selector: string): SelectorKind {
  if (selector === ANY_TOPIC) return 'any';
  return selector.includes('{') ? 'template' : 'exact';
}

/** A compiled topic selector. */
export type TopicSelector =
  | { readonly kind: 'any'; readonly source: string }
  | { readonly kind: 'exact'; readonly source: string }
  | { readonly kind: 'template'; readonly source: string; readonly template: UriTemplate };

/** What a template may cost: past either bound, a selector is not compiled. */
export interface TemplateBounds {
  /** Longest template, in UTF-16 code units. */
  readonly maxSelectorLength: number;
  /** Most `{…}` expressions in one template, each variable of a list counted (`{/a,b}` is `{/a}{/b}`). */
  readonly maxTemplateExpressions: number;
}

/** Why a selector with `{` is not a template, or the template it compiles to. */
export type TemplateCompilation =
  | { readonly ok: true; readonly template: UriTemplate }
  | { readonly ok: false; readonly reason: 'invalid' | 'too-long' | 'too-many-expressions' };

/** Compiles a selector that has a `{`; the length is checked first, so compiling is bounded by it. */
export function compileTemplate(selector: string, bounds: TemplateBounds): TemplateCompilation {
  if (selector.length > bounds.maxSelectorLength) return { ok: false, reason: 'too-long' };
  const template = compileUriTemplate(selector);
  if (template === undefined) return { ok: false, reason: 'invalid' };
  if (template.expressions > bounds.maxTemplateExpressions) return { ok: false, reason: 'too-many-expressions' };
  return { ok: true, template };
}

/**
 * Compiles any selector, leniently: a template that is invalid or past `bounds` is an exact selector.
 * spec(Mercure §Topic Selectors): a selector that is not a valid URI template matches only itself.
 */
export function compileSelector(selector: string, bounds: TemplateBounds): TopicSelector {
  const kind = selectorKind(selector);
  if (kind !== 'template') return { kind, source: selector };
  const compiled = compileTemplate(selector, bounds);
  return compiled.ok ? { kind, source: selector, template: compiled.template } : { kind: 'exact', source: selector };
}

/** spec(Mercure §Topic Selectors): `*`, then the identical string, then the URI template. */
export function selectorMatches(selector: TopicSelector, topic: string): boolean {
  if (selector.kind === 'any' || selector.source === topic) return true;
  return selector.kind === 'template' && selector.template.matches(topic);
}

/** True when one of `selectors` matches one of `topics`. */
export function anySelectorMatches(selectors: readonly TopicSelector[], topics: readonly string[]): boolean {
  for (const selector of selectors) for (const topic of topics) if (selectorMatches(selector, topic)) return true;
  return false;
}

/** Options of {@link createTopicMatcher}. */
export interface TopicMatcherOptions extends Partial<TemplateBounds> {
  /** How many compiled selectors to keep. @defaultValue 10000 */
  cacheSize?: number;
}

/** Answers "does this selector match this topic?" for selectors given as strings (tokens, policies). */
export interface TopicMatcher {
  matches(selector: string, topic: string): boolean;
  /** True when one of `selectors` matches one of `topics`. */
  matchesAny(selectors: readonly string[], topics: readonly string[]): boolean;
}

/** The defaults of {@link TemplateBounds}, the hub's `maxSelectorLength` and `maxTemplateExpressions`. */
export const TEMPLATE_BOUNDS: TemplateBounds = Object.freeze({ maxSelectorLength: 1024, maxTemplateExpressions: 16 });

/**
 * A matcher for selectors that arrive as strings. Compiled selectors are cached; a miss costs one linear
 * compile, so a cache that thrashes costs time in proportion to the selectors' length, never more.
 */
export function createTopicMatcher(options: TopicMatcherOptions = {}): TopicMatcher {
  const bounds: TemplateBounds = {
    maxSelectorLength: options.maxSelectorLength ?? TEMPLATE_BOUNDS.maxSelectorLength,
    maxTemplateExpressions: options.maxTemplateExpressions ?? TEMPLATE_BOUNDS.maxTemplateExpressions,
  };
  const cache = new BoundedMap<string, TopicSelector>(options.cacheSize ?? 10_000);

  function compiled(selector: string): TopicSelector {
    let found = cache.get(selector);
    if (found === undefined) {
      found = compileSelector(selector, bounds);
      cache.set(selector, found);
    }
    return found;
  }

  function matches(selector: string, topic: string): boolean {
    if (selector === ANY_TOPIC || selector === topic) return true;
    if (!selector.includes('{')) return false;
    return selectorMatches(compiled(selector), topic);
  }

  return {
    matches,
    matchesAny(selectors, topics) {
      for (const selector of selectors) for (const topic of topics) if (matches(selector, topic)) return true;
      return false;
    },
  };
}

/** A Map that forgets its oldest entry past a size: enough of an LRU for caches whose misses are cheap. */
export class BoundedMap<K, V> {
  readonly #map = new Map<K, V>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  set(key: K, value: V): void {
    if (this.#map.size >= this.#limit) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
    this.#map.set(key, value);
  }
}
